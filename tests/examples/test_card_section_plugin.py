"""examples/card_section_plugin: an ``open_debts`` card section computed from the orders."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from rich.console import Console

import crmkit
from crmkit.card import render_card

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

ROMASHKA = {
    "external_id": "c-1",
    "kind": "organization",
    "name": "ООО «Ромашка»",
    "phones": ["8 (495) 123-45-67"],
}
VASILEK = {"external_id": "c-2", "kind": "organization", "name": "АО «Василёк»"}


def order(external_id, placed_at, status, total, currency="RUB", customer="c-1"):
    """Return a 1C order of ``customer`` in the generic format."""
    return {
        "external_id": external_id,
        "number": external_id.upper(),
        "customer": {"external_id": customer},
        "placed_at": placed_at,
        "status": status,
        "total": total,
        "currency": currency,
    }


ORDERS = [
    order("o-1", "2026-10-01T09:00:00+03:00", "delivered", "1500.00"),
    order("o-2", "2026-11-03T09:00:00+03:00", "shipped", "99.90"),
    order("o-3", "2026-11-04T09:00:00+03:00", "shipped", "20.05", currency="EUR"),
    order("o-4", "2026-11-05T09:00:00+03:00", "delivered", "700.00"),
    order("o-5", "2026-11-06T09:00:00+03:00", "cancelled", "300.00"),
    order("o-6", "2026-11-07T09:00:00+03:00", "placed", "450.00"),
    order("o-7", "2026-11-02T09:00:00+03:00", "delivered", "10.00", customer="c-2"),
]
PAID = [
    {
        "external_id": "e-1",
        "order": {"external_id": "o-4"},
        "status": "paid",
        "occurred_at": "2026-11-05T12:00:00+03:00",
    },
    {
        "external_id": "e-2",
        "order": {"external_id": "o-7"},
        "status": "paid",
        "occurred_at": "2026-11-02T12:00:00+03:00",
    },
]


@pytest.fixture
def crm(card_section_plugin, tmp_path):
    """Return crmkit with the plugin on a database holding two firms, their orders, payments."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with crmkit.open(
        url, entrypoints=False, plugins=(card_section_plugin,), default_region="RU"
    ) as crm:
        crm.ingest_customers("1c", [ROMASHKA, VASILEK])
        crm.ingest_orders("1c", ORDERS)
        crm.ingest_order_events("1c", PAID)
        yield crm


def test_the_card_shows_what_is_owed_per_currency_and_for_which_orders(crm):
    """Shipped or delivered and never paid: o-1, o-2 (RUB) and o-3 (EUR); exact sums."""
    card = crm.card(phone="+7 495 123-45-67")
    assert card["open_debts"] == {
        "owed": {"EUR": "20.05", "RUB": "1599.90"},
        "orders": ["O-1", "O-2", "O-3"],
        "since": "2026-10-01T06:00:00+00:00",
    }


def test_a_customer_who_owes_nothing_gets_no_section(crm):
    """Vasilek's only order was paid: no ``open_debts`` section at all."""
    [vasilek] = crm.find_customers(identity=("1c", "c-2"))
    card = crm.card(vasilek.id)
    assert [o["number"] for o in card["orders"]] == ["O-7"]
    assert "open_debts" not in card


def test_the_rendered_card_shows_the_section(crm):
    """``crmkit customers show`` draws the plugin's section with the built-in ones."""
    [romashka] = crm.find_customers(identity=("1c", "c-1"))
    console = Console(record=True, width=120)
    console.print(render_card(crm, romashka))
    text = console.export_text()
    assert "open_debts" in text
    assert "EUR: 20.05, RUB: 1599.90" in text


def test_without_the_plugin_the_card_has_no_such_section():
    """The section comes from the plugin, not from crmkit."""
    with crmkit.open("sqlite:///:memory:", entrypoints=False) as crm:
        crm.ingest_customers("1c", [ROMASHKA])
        crm.ingest_orders("1c", ORDERS[:1])
        card = crm.card(1)
    assert [o["number"] for o in card["orders"]] == ["O-1"]
    assert "open_debts" not in card


def test_the_distribution_declares_a_crmkit_entry_point_for_the_module():
    """``pyproject.toml`` names the module in the ``crmkit`` entry-point group."""
    project = tomllib.loads((EXAMPLES / "card_section_plugin" / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["crmkit"] == {"open-debts": "crmkit_open_debts"}
    assert project["tool"]["setuptools"]["py-modules"] == ["crmkit_open_debts"]
