"""The plugin the ``crmkit`` entry point loads: it registers the 1C adapters and commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmkit import hookimpl
from crmkit_1c.commerceml import CommerceMLAdapter
from crmkit_1c.odata import ODataAdapter
from crmkit_1c.soap import SoapAdapter

if TYPE_CHECKING:
    from collections.abc import Callable

    import click

    from crmkit.sdk.adapter import Adapter


@hookimpl
def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register ``1c-odata``, ``commerceml`` and ``1c-soap``."""
    register(ODataAdapter)
    register(CommerceMLAdapter)
    register(SoapAdapter)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``crmkit 1c-exchange serve``: the site side of 1C's exchange with a web site."""
    from crmkit_1c.exchange.cli import exchange_group

    cli.add_command(exchange_group)
