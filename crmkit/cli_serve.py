"""``crmkit serve``: receive web-shop (and other) webhooks standalone, over HTTP."""

from __future__ import annotations

import socketserver
from typing import TYPE_CHECKING, Any, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import click

from crmkit.cli_support import State, friendly_errors, pass_state
from crmkit.cli_sync import config_option
from crmkit.config import load_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.config import Config
    from crmkit.webhooks.app import WebhookApp

_F = TypeVar("_F", bound="Callable[..., Any]")


class ThreadingWsgiServer(socketserver.ThreadingMixIn, WSGIServer):
    """A wsgiref server answering each request in its own thread."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """Logs requests through click instead of wsgiref's stderr lines with client details."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - wsgiref's name
        click.echo(f"{self.address_string()} {format % args}", err=True)


def make_webhook_server(app: WebhookApp, host: str, port: int) -> WSGIServer:
    """Return a threading WSGI server serving ``app`` on ``host``:``port`` (0: any free port)."""
    return make_server(
        host, port, app, server_class=ThreadingWsgiServer, handler_class=_QuietHandler
    )


def listen_options(command: _F) -> _F:
    """Add ``--host`` (default 127.0.0.1) and ``--port`` (default 8080) to a serving command."""
    command = click.option(
        "--port", default=8080, show_default=True, type=int, help="Port to listen on."
    )(command)
    return click.option(
        "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
    )(command)


def serving_config(state: State, config_file: str | None) -> Config:
    """Return the configuration to serve; its database is used unless ``--db`` named one."""
    config = load_config(config_file)
    if state.db_url is None and config.database_url:
        state.db_url = config.database_url
    return config


def run_webhook_server(app: WebhookApp, host: str, port: int) -> None:
    """Serve ``app`` on ``host``:``port`` until interrupted, first printing each source's URL."""
    with make_webhook_server(app, host, port) as server:
        for path, receiver in app.routes.items():
            click.echo(
                f"{receiver.source} ({receiver.name}): http://{host}:{server.server_port}{path}"
            )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped")


@click.command()
@config_option
@listen_options
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Serve only this source's webhooks (repeat for several) [default: every source "
    "with a webhook_secret].",
)
@click.option(
    "--resolve/--no-resolve",
    default=True,
    show_default=True,
    help="Resolve customers after a webhook stored customer records.",
)
@pass_state
@friendly_errors
def serve(
    state: State,
    config_file: str | None,
    host: str,
    port: int,
    sources: tuple[str, ...],
    resolve: bool,
) -> None:
    """Receive webhooks of the configured sources at http://HOST:PORT/webhooks/SOURCE."""
    from crmkit.webhooks.setup import app_from_config

    config = serving_config(state, config_file)
    app = app_from_config(state.crm(), config, sources or None, resolve=resolve)
    run_webhook_server(app, host, port)


def register(group: click.Group) -> None:
    """Add ``serve`` to the ``crmkit`` command group."""
    group.add_command(serve)
