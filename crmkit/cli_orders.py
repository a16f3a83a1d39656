"""The ``crmkit orders`` commands, and ``crmkit customers show`` by any key.

``customers show`` finds a customer by id, phone, e-mail, INN or any system's order number;
``crmkit.cli`` registers these commands.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from crmkit.cli_support import friendly_errors
from crmkit.domain import OrderStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.api import Crmkit
    from crmkit.cli_support import State
    from crmkit.domain import TrackedOrder

F = TypeVar("F", bound="Callable[..., Any]")

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Print for people, or JSON for programs.",
)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


@click.command("show")
@click.argument("customer_id", type=int, required=False)
@click.option("--phone", help="Find the customer by a phone number, in any format.")
@click.option("--email", help="Find the customer by an e-mail address.")
@click.option("--inn", help="Find the customer by INN.")
@click.option("--order", "order_number", help="Find the customer by any system's order number.")
@_FORMAT
@click.pass_obj
@friendly_errors
def show(
    state: State,
    customer_id: int | None,
    phone: str | None,
    email: str | None,
    inn: str | None,
    order_number: str | None,
    fmt: str,
) -> None:
    """Show the card of customer ID, or of the customer a phone, e-mail, INN or order finds.

    A key several customers share (a household phone) shows each of their cards; with
    --format json, one card object per line.
    """
    from crmkit.card import build_card, render_card
    from crmkit.services.card import card_customers

    keys = {"ID": customer_id, "--phone": phone, "--email": email, "--inn": inn}
    keys["--order"] = order_number
    given = [name for name, value in keys.items() if value is not None]
    if len(given) != 1:
        raise click.UsageError(
            "give exactly one of ID, --phone, --email, --inn or --order"
            + (f" (got {', '.join(given)})" if given else "")
        )
    crm = state.crm()
    found = card_customers(crm, customer_id, phone=phone, email=email, inn=inn, order=order_number)
    if not found:
        raise click.ClickException(f"no customer found by {given[0]} {keys[given[0]]}")
    console = Console()
    for customer in found:
        if fmt == "json":
            click.echo(_dumps(build_card(crm, customer)))
        else:
            console.print(render_card(crm, customer))


@click.group()
def orders() -> None:
    """Orders across every system: where they are, what is wrong with them."""


def _tracked_document(crm: Crmkit, order: TrackedOrder) -> dict[str, Any]:
    from crmkit.schemas.orders import tracked_order_document

    customers = crm.order_customers(order)
    return {
        **tracked_order_document(order),
        "customer": (
            {"id": customers[0].id, "name": customers[0].name, "phones": customers[0].phones()}
            if len(customers) == 1
            else None
        ),
        "customers": [c.id for c in customers],
    }


def _print_order(doc: dict[str, Any], console: Console) -> None:
    numbers = ", ".join(f"{n['source']} {n['number']}" for n in doc["numbers"])
    word = f" ({doc['status_word']})" if doc["status_word"] not in {None, doc["status"]} else ""
    console.print(f"[bold]order {doc['number']}[/bold]  {numbers}")
    console.print(
        f"status: [bold]{doc['status'] or 'unknown'}[/bold]{word} since {doc['status_at']}"
    )
    if doc["customer"]:
        customer = doc["customer"]
        console.print(
            f"customer: #{customer['id']} {customer['name']} {' '.join(customer['phones'])}"
        )
    elif doc["customers"]:
        console.print(f"customers: {', '.join(f'#{c}' for c in doc['customers'])}")
    if doc["shipping_address"]:
        console.print(f"ships to: {doc['shipping_address']}")
    if doc["tracking_numbers"]:
        console.print(f"tracking: {', '.join(doc['tracking_numbers'])}")
    table = Table("when", "status", "source", "carrier", "tracking", "location", "note")
    for event in doc["events"]:
        table.add_row(
            event["at"][:16].replace("T", " "),
            event["status"] or f"? {event['status_word']}",
            event["source"],
            event["carrier"] or "",
            event["tracking_number"] or "",
            event["location"] or "",
            event["note"] or "",
        )
    console.print(table)
    for anomaly in doc["anomalies"]:
        console.print(f"[red]anomaly[/red] {anomaly['kind']}: {anomaly['message']}")


@orders.command("track")
@click.argument("number")
@_FORMAT
@click.pass_obj
@friendly_errors
def track(state: State, number: str, fmt: str) -> None:
    """Show the order known under NUMBER in any system (or a tracking number), with its customer.

    With --format json: the order object as on the customer card, plus ``customer``.
    """
    crm = state.crm()
    found = crm.track(number)
    if not found:
        raise click.ClickException(f"no order is known under {number!r}")
    console = Console()
    for order in found:
        doc = _tracked_document(crm, order)
        if fmt == "json":
            click.echo(_dumps(doc))
        else:
            _print_order(doc, console)


@orders.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice([s.value for s in OrderStatus]),
    help="Only orders whose current status is this (repeatable).",
)
@click.option("--overdue", is_flag=True, help="Only orders stuck in their status past its SLA.")
@click.option("--customer", "customer_id", type=int, help="Only this customer's orders.")
@click.option("--limit", type=int, default=100, show_default=True)
@_FORMAT
@click.pass_obj
@friendly_errors
def list_orders(
    state: State,
    statuses: tuple[str, ...],
    overdue: bool,
    customer_id: int | None,
    limit: int,
    fmt: str,
) -> None:
    """List orders, newest first, by current status, overdue, or customer."""
    crm = state.crm()
    found = crm.orders(status=statuses, overdue=overdue, customer=customer_id, limit=limit)
    if fmt == "json":
        click.echo(_dumps([_tracked_document(crm, o) for o in found]))
        return
    table = Table("order", "numbers", "status", "since", "placed", "tracking", "anomalies")
    for order in found:
        table.add_row(
            order.number,
            ", ".join(f"{n.source} {n.external_id}" for n in order.numbers),
            order.status.value if order.status else f"? {order.status_word}",
            f"{order.status_at:%Y-%m-%d %H:%M}" if order.status_at else "",
            f"{order.placed_at:%Y-%m-%d}" if order.placed_at else "",
            ", ".join(order.tracking_numbers),
            ", ".join(a.kind for a in order.anomalies),
        )
    Console().print(table)
    if not found:
        click.echo("no orders match")


@orders.command("project")
@click.option("--full", is_flag=True, help="Project every stored record again, not only new ones.")
@click.pass_obj
@friendly_errors
def project_command(state: State, full: bool) -> None:
    """Bring orders, order events and interactions up to date with their source records.

    Every read does this for new records; --full re-reads all of them (after teaching
    crmkit a new status word, or to pick up records a concurrent writer committed late).
    """
    report = state.crm().project(full=full)
    click.echo(
        f"{report.orders} order(s), {report.events} event(s), "
        f"{report.interactions} interaction(s) projected; "
        f"{report.status_changes} status change(s); {report.skipped} record(s) left out"
    )
