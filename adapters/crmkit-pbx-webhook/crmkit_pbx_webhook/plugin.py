"""The plugin the ``crmkit`` entry point loads: ``pbx-webhook`` and its ``serve`` command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmkit import hookimpl
from crmkit_pbx_webhook.adapter import PbxWebhookAdapter

if TYPE_CHECKING:
    from collections.abc import Callable

    import click

    from crmkit.sdk.adapter import Adapter


@hookimpl
def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register ``pbx-webhook``."""
    register(PbxWebhookAdapter)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``crmkit pbx-webhook serve``: callbacks received, ringing callers announced."""
    from crmkit_pbx_webhook.cli import pbx_group

    cli.add_command(pbx_group)
