"""The ``crmkit calls`` commands: ``calls lookup PHONE`` shows who is calling.

``crmkit.cli`` registers the group; phone-system plugins may add their own commands to it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from crmkit.errors import CrmkitError

if TYPE_CHECKING:
    from crmkit.cli_support import State
    from crmkit.services.calls import CallerCard


@click.group("calls")
def calls() -> None:
    """Phone calls: who is calling."""


def _text(card: CallerCard) -> str:
    """Return the short card as a few lines for a terminal."""
    title = f"#{card.customer_id} {card.name}"
    if card.segment is not None:
        title += f" [{card.segment}]"
    lines = [title, f"phone: {card.phone}"]
    if card.others:
        lines.append("same number: " + ", ".join(f"#{i}" for i in card.others))
    lines.append("open orders:" if card.open_orders else "open orders: none")
    for order in card.open_orders:
        placed = f", placed {order.placed_at:%Y-%m-%d}" if order.placed_at else ""
        lines.append(f"  {order.number}: {order.status or '?'}{placed}")
    lines.append("last interactions:" if card.last_interactions else "last interactions: none")
    for item in card.last_interactions:
        what = " ".join(
            filter(None, [item.channel, item.direction, item.outcome, item.subject or None])
        )
        lines.append(f"  {item.at:%Y-%m-%d %H:%M} UTC  {what} ({item.source})")
    return "\n".join(lines)


@calls.command("lookup")
@click.argument("phone")
@click.option(
    "--region",
    help="Region (ISO code, e.g. RU) of a number written without a country code.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Print for people, or JSON for programs.",
)
@click.pass_obj
def lookup(state: State, phone: str, region: str | None, fmt: str) -> None:
    """Show the short card of the customer calling from PHONE, in any format.

    Exits with status 1 when no customer has the number.
    """
    try:
        card = state.crm().lookup_caller(phone, region)
    except CrmkitError as exc:
        raise click.ClickException(str(exc)) from exc
    if card is None:
        raise click.ClickException(f"no customer with phone {phone}")
    if fmt == "json":
        click.echo(json.dumps(card.to_dict(), ensure_ascii=False))
    else:
        click.echo(_text(card))
