"""The plugin inside crmkit: ingest from two sources, read the customers back."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

import crmkit_locale_ru
import pytest
from crmkit_locale_ru import street_key

import crmkit

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def crm() -> Iterator[crmkit.Crmkit]:
    """Return crmkit in memory with the built-ins and this plugin only."""
    opened = crmkit.open("sqlite:///:memory:", entrypoints=False, plugins=(crmkit_locale_ru,))
    yield opened
    opened.close()


def test_a_1c_and_a_sap_address_of_one_company_come_out_comparable(crm):
    """1C's ``ул. Ленина, д. 1``, ``г. Москва`` and SAP's ``Lenina ul., 1``, ``Moscow`` agree."""
    crm.ingest_customers(
        "1c",
        [
            {
                "external_id": "a3f1",
                "name": "ООО «Ромашка»",
                "addresses": [{"line": "ул. Ленина, д. 1", "city": "г. Москва", "country": "RU"}],
            }
        ],
    )
    crm.ingest_customers(
        "sap",
        [
            {
                "external_id": "0000100042",
                "name": "Romashka LLC",
                "addresses": [{"line": "Lenina ul., 1", "city": "Moscow", "country": "RU"}],
            }
        ],
    )
    [customer] = crm.find_customers(identity=("1c", "a3f1"))
    assert customer.id == crm.find_customers(identity=("sap", "0000100042"))[0].id
    erp, sap = customer.addresses
    assert erp.city == sap.city == "Москва"
    assert erp.line == "улица Ленина, дом 1"
    assert sap.line == "Lenina ulitsa, dom 1"
    assert street_key(erp.line or "") == street_key(sap.line or "") == "lenina 1"


def test_without_the_plugin_the_same_addresses_are_not_comparable():
    """The built-in normaliser only trims: the cities differ, which is why the plugin exists."""
    with crmkit.open("sqlite:///:memory:", entrypoints=False) as plain:
        plain.ingest_customers(
            "1c", [{"external_id": "1", "addresses": [{"line": "ул. Ленина", "city": "г. Москва"}]}]
        )
        plain.ingest_customers(
            "sap", [{"external_id": "2", "addresses": [{"line": "Lenina ul.", "city": "Moscow"}]}]
        )
        cities = {c.addresses[0].city for c in plain.customers()}
    assert cities == {"г. Москва", "Moscow"}


def test_a_foreign_address_passes_to_the_built_in(crm):
    """A German address is left to the built-in normaliser, which upper-cases the country."""
    crm.ingest_customers(
        "sap",
        [
            {
                "external_id": "0000100101",
                "addresses": [{"line": " Friedrichstraße  100", "city": "Berlin", "country": "de"}],
            }
        ],
    )
    (customer,) = crm.customers()
    assert customer.addresses[0].line == "Friedrichstraße 100"
    assert customer.addresses[0].country == "DE"


def test_the_demo_data_imported_through_the_adapters_puts_romashka_in_one_city(crm):
    """Import the demo files as ``crmkit demo`` does: every Moscow address says ``Москва``."""
    data = resources.files("crmkit.demo")
    for adapter_name, filename, source in (
        ("jsonl", "erp_1c_counterparties.jsonl", "1c"),
        ("csv", "sap_customers.csv", "sap"),
        ("jsonl", "webshop_buyers.jsonl", "shop"),
    ):
        with resources.as_file(data / filename) as path:
            crm.import_from(crm.adapter(adapter_name, source, {"path": str(path)}), resolve=False)
    crm.resolve(regions={"1c": "RU", "sap": "RU", "shop": "RU"})
    found = crm.find_customers(phone="8 (495) 123-45-67", region="RU")
    addresses = [a for customer in found for a in customer.addresses]
    assert len(addresses) == 3
    assert {(a.city, a.postcode, street_key(a.line or "")) for a in addresses} == {
        ("Москва", "101000", "lenina 1")
    }
    assert not crm.pm.problems


def test_a_source_without_a_region_gets_its_8_10_numbers_read(crm):
    """A number written with ``8 10`` in a source with no default region is found in E.164."""
    crm.ingest_customers(
        "shop", [{"external_id": "7", "phones": ["8 10 49 30 1234567"]}], resolve=False
    )
    crm.resolve()
    (customer,) = crm.find_customers(phone="+49 30 1234567")
    assert customer.phones() == ["+49301234567"]
    assert customer.problems == ()
