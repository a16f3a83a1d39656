"""``crmkit pbx-webhook serve``: receive PBX callbacks, with a screen pop for each caller."""

from __future__ import annotations

from typing import Any

import click

from crmkit.cli_serve import listen_options
from crmkit.errors import CrmkitError


@click.group("pbx-webhook")
def pbx_group() -> None:
    """Cloud PBX status callbacks (Twilio-style)."""


@pbx_group.command("serve")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Configuration file [default: ./crmkit.toml; env CRMKIT_CONFIG].",
)
@listen_options
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Serve only this source's callbacks (repeat) [default: every webhook source].",
)
@click.pass_obj
def serve(
    state: Any, config_file: str | None, host: str, port: int, sources: tuple[str, ...]
) -> None:
    """Receive webhooks at http://HOST:PORT/webhooks/SOURCE and announce ringing calls."""
    from crmkit.cli_serve import run_webhook_server, serving_config
    from crmkit.webhooks import app_from_config
    from crmkit_pbx_webhook.receiver import screen_pop

    try:
        config = serving_config(state, config_file)
        crm = state.crm()
        app = app_from_config(crm, config, sources or None, on_delivery=screen_pop(crm))
    except CrmkitError as exc:
        raise click.ClickException(str(exc)) from exc
    run_webhook_server(app, host, port)
