"""Embed crmkit in a program: open a database, ingest two sources, find a caller, show the card.

Run it as ``python examples/embed_minimal.py [DATABASE_FILE]``; without an argument it uses a
new SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import crmkit
from crmkit.card import build_card

ERP_RECORDS: list[dict[str, Any]] = [
    {
        "external_id": "a3f1c2e4",
        "kind": "organization",
        "name": "ООО «Ромашка»",
        "phones": ["8 (495) 123-45-67"],
        "emails": ["info@romashka.ru"],
        "identifiers": {"inn": "7707083893"},
        "attributes": {"segment": "wholesale"},
    },
    {
        "external_id": "b7e2d1a0",
        "kind": "organization",
        "name": "АО «Василёк»",
        "phones": ["+7 (812) 555-01-02"],
    },
]

SHOP_RECORDS: list[dict[str, Any]] = [
    {
        "external_id": "wc-1045",
        "kind": "person",
        "given_name": "Ivan",
        "family_name": "Petrov",
        "emails": ["Ivan@Romashka.ru"],
        "phones": ["+7 495 123 4567"],
    },
    {"external_id": "wc-1046", "name": "broken phone", "phones": ["123"]},
]


def main(argv: list[str] | None = None) -> None:
    """Run the example on the SQLite file named on the command line (default: a temp file)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", help="SQLite file to use [default: a temp file]")
    args = parser.parse_args(argv)
    path = Path(args.database or Path(tempfile.mkdtemp()) / "crmkit-example.db")

    with crmkit.open(f"sqlite:///{path}") as crm:
        for source, records in (("erp", ERP_RECORDS), ("shop", SHOP_RECORDS)):
            outcome = crm.ingest_customers(source, records, resolve=False)
            print(
                f"{source}: {outcome.read} read, {outcome.new} new, {outcome.unchanged} unchanged"
            )
        # Both sources write Russian numbers without the country code: say so once, here.
        crm.resolve(regions={"erp": "RU", "shop": "RU"})

        phone = "8-495-123-45-67"
        found = crm.find_customers(phone=phone, region="RU")
        print(f"{len(found)} customer(s) on {phone}")
        for customer in found:
            print(f"#{customer.id} {customer.name}")
            print(json.dumps(build_card(crm, customer), ensure_ascii=False, indent=2))

        flagged = [p for c in crm.customers() for p in c.problems]
        print(f"{crm.count_customers()} customer(s) in {path}; flagged values: {flagged}")


if __name__ == "__main__":
    main()
