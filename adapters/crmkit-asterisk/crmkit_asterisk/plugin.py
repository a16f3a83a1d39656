"""The plugin the ``crmkit`` entry point loads: the Asterisk adapters and ``asterisk listen``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmkit import hookimpl
from crmkit_asterisk.ami import AmiAdapter
from crmkit_asterisk.cdr import CdrAdapter

if TYPE_CHECKING:
    from collections.abc import Callable

    import click

    from crmkit.sdk.adapter import Adapter


@hookimpl
def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register ``asterisk-cdr`` and ``asterisk-ami``."""
    register(CdrAdapter)
    register(AmiAdapter)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``crmkit asterisk listen``: record calls live, with screen pops."""
    from crmkit_asterisk.cli import asterisk_group

    cli.add_command(asterisk_group)
