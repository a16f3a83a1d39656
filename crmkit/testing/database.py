"""A whole crmkit on a temporary SQLite file, with just the plugins and adapters a test names.

::

    with temporary_crmkit(tmp_path, plugins=(crmkit_acme.plugin,)) as crm:
        crm.sync(config)
        print(crm.card(email="anna@example.com"))

Installed entry points are not loaded (only crmkit's built-ins and what is passed), so a
test sees the same crmkit whatever else is installed in the environment.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import crmkit
from crmkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from crmkit.api import Crmkit
    from crmkit.sdk.adapter import Adapter

DATABASE_FILE = "crmkit.db"


class AdapterPlugin:
    """A plugin that registers the given adapter classes, for tests that need no module."""

    def __init__(self, *adapter_classes: type[Adapter]) -> None:
        self.adapter_classes = adapter_classes
        #: The plugin's name in the plugin manager: unique per set of classes.
        self.__name__ = "adapters:" + ",".join(c.__qualname__ for c in adapter_classes)

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        """Register every adapter class given."""
        for adapter_class in self.adapter_classes:
            register(adapter_class)

    def __repr__(self) -> str:
        names = ", ".join(c.__name__ for c in self.adapter_classes)
        return f"AdapterPlugin({names})"


def database_url(directory: Path, name: str = DATABASE_FILE) -> str:
    """Return the SQLAlchemy URL of SQLite file ``name`` in ``directory``."""
    return f"sqlite:///{directory / name}"


@contextlib.contextmanager
def temporary_crmkit(
    directory: Path,
    *,
    plugins: tuple[object, ...] = (),
    adapters: tuple[type[Adapter], ...] = (),
    default_region: str | None = "RU",
    name: str = DATABASE_FILE,
) -> Iterator[Crmkit]:
    """Open crmkit on SQLite file ``name`` in ``directory`` (made if missing); close it after.

    ``plugins`` are registered after the built-ins; ``adapters`` are registered through an
    :class:`AdapterPlugin`. Opening the same ``directory`` and ``name`` again (after the first
    is closed) reopens the same data, as a restarted process would.
    """
    directory.mkdir(parents=True, exist_ok=True)
    extra = (*plugins, AdapterPlugin(*adapters)) if adapters else plugins
    crm = crmkit.open(
        database_url(directory, name),
        entrypoints=False,
        plugins=extra,
        default_region=default_region,
    )
    try:
        yield crm
    finally:
        crm.close()
