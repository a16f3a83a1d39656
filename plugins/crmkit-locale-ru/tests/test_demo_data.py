"""Every address in crmkit's bundled demo data, normalised by the plugin."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources

import pytest
from crmkit_locale_ru import normalize_address, street_key

from crmkit.builtins.file_adapters import csv_row_to_record
from crmkit.domain import Address


def _demo_addresses() -> dict[tuple[str, str], dict[str, str]]:
    """Return ``{(file, external_id): address dict}`` for every address in the demo files."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for entry in resources.files("crmkit.demo").iterdir():
        text = entry.read_text(encoding="utf-8-sig") if entry.is_file() else ""
        if entry.name.endswith(".jsonl"):
            records = []
            for line in text.splitlines():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        elif entry.name.endswith(".csv"):
            records = [csv_row_to_record(row, ";") for row in csv.DictReader(io.StringIO(text))]
        else:
            continue
        for record in records:
            addresses = record.get("addresses") if isinstance(record, dict) else None
            for address in addresses if isinstance(addresses, list) else ():
                found[(entry.name, str(record["external_id"]))] = address
    return found


DEMO_ADDRESSES = _demo_addresses()

EXPECTED = {
    ("erp_1c_counterparties.jsonl", "a3f1c2e4-1b2d-11ee-8c90-0242ac120002"): Address(
        "улица Ленина, дом 1, офис 5", "Москва", None, "101000", "RU"
    ),
    ("erp_1c_counterparties.jsonl", "b7e2d1a0-1b2d-11ee-8c90-0242ac120002"): Address(
        "Невский проспект, дом 10", "Санкт-Петербург", None, "191025", "RU"
    ),
    ("webshop_buyers.jsonl", "wc-1045"): Address(
        "ulitsa Lenina, dom 1", "Москва", None, "101000", "RU"
    ),
    ("sap_customers.csv", "0000100042"): Address(
        "Lenina ulitsa, dom 1", "Москва", None, "101000", "RU"
    ),
    ("sap_customers.csv", "0000100077"): Address(
        "Nevsky prospekt, dom 10", "Санкт-Петербург", None, "191025", "RU"
    ),
    ("sap_customers.csv", "0000100101"): None,
}


def test_the_expectations_cover_every_demo_address():
    """A new address in the demo data needs an expectation here."""
    assert set(DEMO_ADDRESSES) == set(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda key: f"{key[0]}:{key[1]}")
def test_a_demo_address_comes_out_in_normal_form(key):
    """Each demo address normalises to the expected fields (the German one is not ours)."""
    assert normalize_address(Address(**DEMO_ADDRESSES[key])) == EXPECTED[key]


def test_the_demo_romashka_addresses_share_city_postcode_and_street_key():
    """1C, SAP and the web shop write Ромашка's address three ways; normalised, they agree."""
    keys = [
        k
        for k in EXPECTED
        if k[1] in {"a3f1c2e4-1b2d-11ee-8c90-0242ac120002", "0000100042", "wc-1045"}
    ]
    results = [normalize_address(Address(**DEMO_ADDRESSES[k])) for k in keys]
    assert len({(r.city, r.postcode, street_key(r.line or "")) for r in results if r}) == 1
