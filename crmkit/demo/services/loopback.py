"""What every demo service shares: its data files and routes behind credentials.

The services are :class:`crmkit.testing.loopback.LoopbackServer` s answering in their system's
format; :func:`basic_token` (from there) makes the HTTP Basic credentials they check.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from crmkit.testing.loopback import basic_token

if TYPE_CHECKING:
    from collections.abc import Callable
    from importlib.resources.abc import Traversable

    from crmkit.testing.loopback import Request, Response

__all__ = ["basic_token", "data_file", "guarded"]


def data_file(*parts: str) -> Traversable:
    """Return a data file of the demo services (``data_file("sap", "customers.json")``)."""
    found = resources.files("crmkit.demo").joinpath("data")
    for part in parts:
        found = found.joinpath(part)
    return found


def guarded(
    answer: Callable[[Request], Response],
    allowed: Callable[[Request], bool],
    refusal: Response,
) -> Callable[[Request], Response]:
    """Return a route answering a request as ``answer`` does if ``allowed``, else ``refusal``."""

    def route(request: Request) -> Response:
        return answer(request) if allowed(request) else refusal

    return route
