"""The customer card: everything known about one customer, in sections plugins can extend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from crmkit.services.card import build_card as _card_sections

if TYPE_CHECKING:
    from crmkit.api import Crmkit
    from crmkit.domain import Customer

#: Sections the text rendering draws itself (the rest are drawn generically).
_DRAWN = ("customer", "orders", "interactions", "timeline", "contacts", "identities")
_TIMELINE_SHOWN = 15


def build_card(crm: Crmkit, customer: Customer) -> dict[str, Any]:
    """Return the card of ``customer`` as JSON-ready ``{section: content}``.

    Built-in sections: ``customer`` (golden fields), ``identities`` (every source identity),
    ``contacts`` (usable phones, e-mails, addresses, and ``from``: which identities give
    each phone and e-mail), ``identifiers``, ``orders`` (open first; each with ``number``,
    every system's ``numbers``, ``status``, ``events``, ``tracking_numbers`` and
    ``anomalies``), ``interactions`` (newest first), ``timeline`` (orders' events,
    interactions and the customer's record versions, newest first), ``attributes``
    (declared custom attributes with their type, purpose and any problem), ``key_dates``,
    ``problems`` (source values that could not be normalised), and ``summary`` from the
    built-in plugin. Plugins add sections through the ``customer_card`` hook.
    """
    card = _card_sections(crm, customer)
    crm.hook.customer_card(customer=customer, card=card)
    return card


def _section(content: Any) -> Any:
    if isinstance(content, dict):
        table = Table.grid(padding=(0, 2))
        for key, value in content.items():
            if isinstance(value, dict):
                text = ", ".join(f"{k}: {v}" for k, v in value.items() if v is not None)
            elif isinstance(value, list | tuple):
                text = ", ".join(map(str, value))
            else:
                text = "" if value is None else str(value)
            table.add_row(f"[dim]{key}[/dim]", text or "—")
        return table
    if isinstance(content, list | tuple):
        return "\n".join(map(str, content)) or "—"
    return str(content)


def _orders(orders: list[dict[str, Any]]) -> Table:
    table = Table("order", "numbers", "status", "placed", "total", "tracking", "anomalies")
    for order in orders:
        total = order["total"]
        table.add_row(
            order["number"],
            ", ".join(f"{n['source']} {n['number']}" for n in order["numbers"]),
            f"{order['status'] or '?'} ({order['status_word']})"
            if order["status_word"] not in {None, order["status"]}
            else str(order["status"]),
            (order["placed_at"] or "")[:10],
            f"{total['amount']} {total['currency']}" if total else "",
            ", ".join(order["tracking_numbers"]),
            "\n".join(f"[red]{a['message']}[/red]" for a in order["anomalies"]),
        )
    return table


def _interactions(interactions: list[dict[str, Any]]) -> Table:
    table = Table("when", "channel", "dir", "subject", "agent", "outcome", "csat")
    for item in interactions:
        table.add_row(
            item["at"][:16].replace("T", " "),
            item["channel"],
            item["direction"],
            item["subject"] or "",
            item["agent"] or "",
            item["outcome"] or "",
            "" if item["csat"] is None else str(item["csat"]),
        )
    return table


def _contacts(contacts: dict[str, Any]) -> Table:
    table = Table.grid(padding=(0, 2))
    sources = contacts.get("from", {})
    for kind in ("phones", "emails"):
        for value in contacts.get(kind, []):
            where = ", ".join(sources.get(value, []))
            table.add_row(f"[dim]{kind[:-1]}[/dim]", value, f"[dim]{where}[/dim]")
    for address in contacts.get("addresses", []):
        table.add_row("[dim]address[/dim]", address, "")
    return table


def render_card(crm: Crmkit, customer: Customer) -> Panel:
    """Return the card of ``customer`` as a rich panel for the terminal."""
    card = build_card(crm, customer)
    parts: list[Any] = []
    if card.get("identities"):
        sources = ", ".join(f"{i['source']}/{i['external_id']}" for i in card["identities"])
        parts += ["[bold]identities[/bold]", sources]
    if card.get("contacts"):
        parts += ["[bold]contacts[/bold]", _contacts(card["contacts"])]
    if card.get("orders"):
        parts += ["[bold]orders[/bold]", _orders(card["orders"])]
    if card.get("interactions"):
        parts += ["[bold]interactions[/bold]", _interactions(card["interactions"])]
    for name, content in card.items():
        if name in _DRAWN or not content:
            continue
        parts.append(f"[bold]{name}[/bold]")
        parts.append(_section(content))
    if card.get("timeline"):
        lines = [
            f"{e['at'][:16].replace('T', ' ')}  {e['text']}"
            for e in card["timeline"][:_TIMELINE_SHOWN]
        ]
        parts += ["[bold]timeline[/bold]", "\n".join(lines)]
    kind = f" ({customer.kind.value})" if customer.kind else ""
    return Panel(Group(*parts), title=f"#{customer.id} {customer.name}{kind}", expand=False)
