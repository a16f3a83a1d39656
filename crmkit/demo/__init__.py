"""The demo: sample data from several sources, imported into a fresh database, shown as cards.

The files imitate what each system really exports: a 1C counterparty catalogue (Cyrillic,
``8 (495)`` phones), SAP customer master data (zero-padded KUNNR, Latin names), web-shop
buyers and phone-system callers. A few records are deliberately broken to show the dead
letters.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from crmkit.api import Crmkit
from crmkit.card import render_card
from crmkit.store import Database

if TYPE_CHECKING:
    from rich.console import Console

    from crmkit.plugins import CrmkitPluginManager

#: (adapter, file, source name, default phone region)
DEMO_SOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("jsonl", "erp_1c_counterparties.jsonl", "1c", "RU"),
    ("csv", "sap_customers.csv", "sap", "RU"),
    ("jsonl", "webshop_buyers.jsonl", "shop", "RU"),
    ("csv", "pbx_callers.csv", "pbx", "RU"),
)

#: (adapter, file, source name, stream): orders, carrier events and calls, after customers.
DEMO_ACTIVITY: tuple[tuple[str, str, str, str], ...] = (
    ("jsonl", "webshop_orders.jsonl", "shop", "orders"),
    ("jsonl", "erp_1c_orders.jsonl", "1c", "orders"),
    ("jsonl", "carrier_events.jsonl", "cdek", "order_events"),
    ("jsonl", "pbx_calls.jsonl", "pbx", "interactions"),
)


def _fresh_sqlite(url: str) -> None:
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _command_name() -> str:
    """Return how the user ran crmkit (``.venv/bin/crmkit``), so the hints can be pasted."""
    invoked = sys.argv[0] if sys.argv else ""
    return invoked if Path(invoked).name == "crmkit" else "crmkit"


def run_demo(url: str, pm: CrmkitPluginManager, console: Console) -> Crmkit:
    """Import the demo sources into the database at ``url`` and print what came of it."""
    _fresh_sqlite(url)
    crm = Crmkit(Database(url), pm, default_region="RU")
    crm.init()
    data = resources.files("crmkit.demo")
    summary = Table(
        "source", "adapter", "file", "read", "stored", "dead-lettered", title="demo import"
    )
    for adapter_name, filename, source, _region in DEMO_SOURCES:
        with resources.as_file(data / filename) as path:
            adapter = crm.adapter(adapter_name, source, {"path": str(path)})
            outcome = crm.import_from(adapter, "customers", resolve=False)
        summary.add_row(
            source,
            adapter_name,
            filename,
            str(outcome.read),
            str(outcome.stored),
            str(outcome.dead_lettered),
        )
    with console.status("resolving identities and building customer cards"):
        report = crm.resolve(regions={s[2]: s[3] for s in DEMO_SOURCES})
        for adapter_name, filename, source, stream in DEMO_ACTIVITY:
            with resources.as_file(data / filename) as path:
                adapter = crm.adapter(adapter_name, source, {"path": str(path)})
                outcome = crm.import_from(adapter, stream, resolve=False)
            summary.add_row(
                f"{source} ({stream})",
                adapter_name,
                filename,
                str(outcome.read),
                str(outcome.stored),
                str(outcome.dead_lettered),
            )
        crm.project()
    console.print(summary)
    console.print(
        f"identity resolution: {report.records} records from {len(DEMO_SOURCES)} sources "
        f"→ {report.customers} customers ({report.review} pair(s) waiting for review)"
    )
    phone = "8 (495) 123-45-67"
    found = crm.find_customers(phone=phone)
    console.print(f"\nCustomers reachable on [bold]{phone}[/bold]: {len(found)}")
    for customer in found:
        console.print(render_card(crm, customer))
    letters = crm.dead_letters()
    console.print(
        f"\n{len(letters)} record(s) could not be imported and wait in the dead-letter table:"
    )
    for letter in letters:
        console.print(f"  {letter.source} {letter.position}: {letter.reason}")
    command = _command_name()
    console.print(
        f"\nThe demo database is {crm.database.display_url()}. Try:\n"
        f"  {command} --db {url} customers export --format csv\n"
        f"  {command} --db {url} deadletters list\n"
        f"  {command} --db {url} customers show {found[0].id if found else 1}\n"
        f"  {command} --db {url} customers show --phone '8 916 111-22-33' --format json\n"
        f"  {command} --db {url} orders track 4500012\n"
        f"  {command} --db {url} orders list --overdue"
    )
    return crm
