"""A minimal crmkit plugin: a ``loyalty`` card section and a ``crmkit loyalty`` command."""

from __future__ import annotations

from typing import Any

import click

import crmkit
from crmkit.card import build_card


@crmkit.hookimpl
def customer_card(customer: Any, card: dict[str, Any]) -> None:
    """Add a ``loyalty`` section made of the customer's ``loyalty_*`` attributes."""
    attributes = customer.attributes.items()
    loyalty = {k.removeprefix("loyalty_"): v for k, v in attributes if k.startswith("loyalty_")}
    if loyalty:
        card["loyalty"] = loyalty


@crmkit.hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``crmkit loyalty CUSTOMER_ID``."""

    @cli.command()
    @click.argument("customer_id", type=int)
    @click.pass_obj
    def loyalty(state: Any, customer_id: int) -> None:
        """Show a customer's loyalty tier and points."""
        try:
            card = build_card(state.crm(), state.crm().customer(customer_id))
        except crmkit.CrmkitError as exc:
            raise click.ClickException(str(exc)) from exc
        for key, value in card.get("loyalty", {"status": "no loyalty data"}).items():
            click.echo(f"{key}: {value}")
