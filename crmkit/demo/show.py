"""What the demo prints after the sync: cards, the segment report, dead letters, next steps."""

from __future__ import annotations

import shlex
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.table import Table

from crmkit.analytics.segments import NO_SEGMENT
from crmkit.card import render_card
from crmkit.demo.story import ROMASHKA_INN, ROMASHKA_PHONE, SHOP_ORDER, VOROBYOV_PHONE

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from rich.console import Console

    from crmkit.analytics.segments import SegmentReport
    from crmkit.api import Crmkit
    from crmkit.domain import Customer

PER_SEGMENT = 3
CARDS = 4  # enough to see what crmkit does, short enough to read


def chosen_customers(crm: Crmkit, segments: SegmentReport) -> list[Customer]:
    """Return the customers whose cards the demo shows: Ромашка first, then a few others.

    Ромашка (1C, SAP, a guest order in the shop and calls), Юлий Воробьёв (1C, the shop and
    calls), and the two biggest VIP customers after them.
    """
    found: list[Customer] = []
    for customer in (
        *crm.find_customers(identifier=("inn", ROMASHKA_INN)),
        *crm.find_customers(phone=VOROBYOV_PHONE),
    ):
        if customer.id not in {c.id for c in found}:
            found.append(customer)
    by_revenue = sorted(segments.customers, key=lambda row: row.facts.revenue, reverse=True)
    for row in by_revenue:
        if len(found) >= CARDS:
            break
        if row.segment == "VIP" and row.facts.customer_id not in {c.id for c in found}:
            found.append(crm.customer(row.facts.customer_id))
    return found


def print_cards(crm: Crmkit, console: Console, customers: list[Customer]) -> None:
    """Print the unified card of each customer."""
    console.print("\n[bold]Unified customer cards[/bold]")
    for customer in customers:
        console.print(render_card(crm, customer))


def print_segments(console: Console, segments: SegmentReport, now: dt.datetime) -> None:
    """Print the segment sizes with their revenue, then the biggest customers of each."""
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for row in segments.customers:
        revenue[row.segment] += row.facts.revenue
    total = sum(revenue.values(), Decimal(0))
    sizes = Table(
        "segment", "customers", "revenue", "share", title=f"Segments as of {now:%Y-%m-%d}"
    )
    for segment, count in segments.sizes().items():
        share = f"{100 * revenue[segment] / total:.0f}%" if total else ""
        sizes.add_row(segment, str(count), f"{revenue[segment]:,.2f}", share)
    console.print(sizes)
    examples = Table(
        "segment", "customer", "revenue", "orders", "calls", "RFM", title="Biggest of each segment"
    )
    ranked = sorted(segments.customers, key=lambda r: r.facts.revenue, reverse=True)
    for segment in segments.sizes():
        if segment == NO_SEGMENT:
            continue
        for row in [r for r in ranked if r.segment == segment][:PER_SEGMENT]:
            facts = row.facts
            examples.add_row(
                segment,
                f"#{facts.customer_id} {facts.name}",
                f"{facts.revenue:,.2f} {facts.currency or ''}".strip(),
                str(facts.orders),
                str(facts.interactions),
                str(facts.rfm or ""),
            )
    console.print(examples)
    for note in segments.notes:
        console.print(f"note: {note}", highlight=False)


def print_dead_letters(crm: Crmkit, console: Console) -> None:
    """Print the records that could not be ingested (the demo's deliberate mistakes)."""
    letters = crm.dead_letters()
    console.print(
        f"\n{len(letters)} record(s) could not be ingested and wait in the dead-letter table "
        "(each source has one broken record on purpose):",
        highlight=False,
    )
    for letter in letters:
        console.print(f"  {letter.source} {letter.position}: {letter.reason}", highlight=False)


def print_hints(
    console: Console, *, command: str, url: str, config_path: Path, customer: int | None
) -> None:
    """Print commands that work on the database and configuration the demo leaves behind."""
    db = f"{command} --db {shlex.quote(url)}"
    now = "--now 2026-12-01T00:00:00+00:00"
    lines = [
        f"{db} customers show --phone {shlex.quote(ROMASHKA_PHONE)}",
        f"{db} customers show {customer or 1} --format json",
        f"{db} customers show --order {SHOP_ORDER}",
        f"{db} calls lookup {shlex.quote(VOROBYOV_PHONE)}",
        f"{db} orders list --overdue",
        f"{db} report segments {now}",
        f"{db} report churn --at-risk {now}",
        f"{db} deadletters list",
        f"{command} demo --serve      # keep the systems running and sync them yourself",
    ]
    console.print(
        f"\n[bold]Try next[/bold] (the database is {url}; the sources are in {config_path}, "
        "for the systems of --serve):"
    )
    for line in lines:
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
