"""``crmkit 1c-exchange serve``: run the exchange endpoint 1C's "Обмен с сайтом" talks to."""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Any

import click

from crmkit_1c.exchange.app import ExchangeApp, ExchangeSettings


@click.group("1c-exchange")
def exchange_group() -> None:
    """Serve the site side of 1C's standard exchange with a web site (type=sale)."""


@exchange_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8081, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--username",
    envvar="CRMKIT_1C_EXCHANGE_USER",
    required=True,
    help="User name 1C sends (env CRMKIT_1C_EXCHANGE_USER).",
)
@click.option(
    "--password",
    envvar="CRMKIT_1C_EXCHANGE_PASSWORD",
    required=True,
    help="Password 1C sends (env CRMKIT_1C_EXCHANGE_PASSWORD).",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False),
    default="1c-exchange",
    show_default=True,
    help="Where received files are kept.",
)
@click.option(
    "--source", default="1c", show_default=True, help="crmkit source name of what 1C sends."
)
@click.option(
    "--onec-source",
    "onec_sources",
    multiple=True,
    help="Another source name this 1C is known under (e.g. the 1c-odata source).",
)
@click.option(
    "--query-source",
    "query_sources",
    multiple=True,
    help="A source whose orders 1C collects (repeat for several).",
)
@click.option("--site-source", default=None, help="Source the site's order numbers belong to.")
@click.option(
    "--timezone",
    "zone",
    default="Europe/Moscow",
    show_default=True,
    help="Zone of 1C's local times.",
)
@click.pass_obj
def serve(state: Any, /, **options: Any) -> None:
    """Serve the exchange at http://HOST:PORT/ (any path, e.g. /1c_exchange.php)."""
    from wsgiref.simple_server import make_server

    settings = ExchangeSettings(
        username=options["username"],
        password=options["password"],
        work_dir=Path(options["work_dir"]),
        source=options["source"],
        onec_sources=tuple(options["onec_sources"]),
        query_sources=tuple(options["query_sources"]),
        site_source=options["site_source"],
        timezone=zoneinfo.ZoneInfo(options["zone"]),
    )
    app = ExchangeApp(state.crm(), settings)
    with make_server(options["host"], options["port"], app) as server:
        click.echo(f"1C exchange on http://{options['host']}:{options['port']}/1c_exchange.php")
        server.serve_forever()
