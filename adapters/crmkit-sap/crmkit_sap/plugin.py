"""The ``crmkit`` entry point of this distribution: registers the ``sap`` adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import crmkit
from crmkit_sap.adapter import SapAdapter

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.sdk import Adapter


@crmkit.hookimpl
def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register :class:`~crmkit_sap.adapter.SapAdapter` under the name ``sap``."""
    register(SapAdapter)
