"""What every ``crmkit`` command module shares: the state, error handling, consoles.

Kept apart from :mod:`crmkit.cli` so that command modules (``cli_sync``, ``cli_orders``,
``cli_serve`` ...) can be imported in any order without an import cycle.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from crmkit.errors import CrmkitError

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.api import Crmkit
    from crmkit.plugins import CrmkitPluginManager

F = TypeVar("F", bound="Callable[..., Any]")

err_console = Console(stderr=True)


class State:
    """What every command shares: the database URL, the plugin manager, the opened crmkit."""

    def __init__(self, db_url: str | None, pm: CrmkitPluginManager) -> None:
        self.db_url = db_url
        self.pm = pm
        self._crm: Crmkit | None = None

    def crm(self) -> Crmkit:
        """Return the crmkit instance, opening the database on first use."""
        if self._crm is None:
            from crmkit.api import Crmkit
            from crmkit.store import Database

            self._crm = Crmkit(Database(self.db_url), self.pm)
        return self._crm

    def close(self) -> None:
        """Close the database connections if a command opened them."""
        if self._crm is not None:
            self._crm.close()


def friendly_errors(func: F) -> F:
    """Turn :class:`CrmkitError` into a clean one-line error and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CrmkitError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


pass_state = click.make_pass_decorator(State)
