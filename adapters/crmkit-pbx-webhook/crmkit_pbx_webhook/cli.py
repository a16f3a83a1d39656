"""``crmkit pbx-webhook serve``: receive PBX callbacks, with a screen pop for each caller."""

from __future__ import annotations

from typing import Any

import click

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
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
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
    from crmkit.cli_serve import make_webhook_server
    from crmkit.config import load_config
    from crmkit.webhooks import app_from_config
    from crmkit_pbx_webhook.receiver import screen_pop

    try:
        config = load_config(config_file)
        if state.db_url is None and config.database_url:
            state.db_url = config.database_url
        crm = state.crm()
        app = app_from_config(crm, config, sources or None, on_delivery=screen_pop(crm))
    except CrmkitError as exc:
        raise click.ClickException(str(exc)) from exc
    with make_webhook_server(app, host, port) as server:
        for path, receiver in app.routes.items():
            click.echo(
                f"{receiver.source} ({receiver.name}): http://{host}:{server.server_port}{path}"
            )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped")
