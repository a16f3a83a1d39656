"""The customer card: everything known about one customer, in sections plugins can extend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

if TYPE_CHECKING:
    from crmkit.api import Crmkit
    from crmkit.domain import Customer


def build_card(crm: Crmkit, customer: Customer) -> dict[str, Any]:
    """Return the card of ``customer`` as ``{section: content}``; plugins add sections.

    Built-in sections: ``contacts`` (usable phones, e-mails, addresses), ``identifiers``,
    ``sources`` (every identity), ``problems`` (source values that could not be normalised).
    """
    card: dict[str, Any] = {
        "contacts": {
            "phones": customer.phones(),
            "emails": customer.emails(),
            "addresses": [a.one_line() for a in customer.addresses],
        },
        "identifiers": dict(customer.identifiers),
        "sources": [str(i) for i in customer.identities],
        "problems": list(customer.problems),
    }
    crm.hook.customer_card(customer=customer, card=card)
    return card


def _section(content: Any) -> Any:
    if isinstance(content, dict):
        table = Table.grid(padding=(0, 2))
        for key, value in content.items():
            text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
            table.add_row(f"[dim]{key}[/dim]", text or "—")
        return table
    if isinstance(content, list | tuple):
        return "\n".join(map(str, content)) or "—"
    return str(content)


def render_card(crm: Crmkit, customer: Customer) -> Panel:
    """Return the card of ``customer`` as a rich panel for the terminal."""
    card = build_card(crm, customer)
    parts: list[Any] = []
    for name, content in card.items():
        if not content:
            continue
        parts.append(f"[bold]{name}[/bold]")
        parts.append(_section(content))
    kind = f" ({customer.kind.value})" if customer.kind else ""
    return Panel(Group(*parts), title=f"#{customer.id} {customer.name}{kind}", expand=False)
