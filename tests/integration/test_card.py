"""The customer card on SQLite and PostgreSQL: found by every key, with every section."""

from __future__ import annotations

import datetime as dt

import pytest

from crmkit.errors import CrmkitError, UnknownCustomerError


@pytest.fixture
def filled(crm):
    """Return crmkit holding one customer from two sources, an order and an interaction."""
    crm.ingest_customers(
        "1c",
        [
            {
                "external_id": "c-1",
                "kind": "organization",
                "name": "ООО «Ромашка»",
                "phones": ["8 (495) 123-45-67"],
                "identifiers": {"inn": "7707083893"},
                "birth_date": "1990-02-28",
                "attributes": {"loyalty": "gold", "founded": "x"},
            }
        ],
    )
    crm.ingest_customers(
        "sap",
        [
            {
                "external_id": "0000100042",
                "name": "Romashka LLC",
                "phones": ["+7 495 1234567"],
                "emails": ["orders@romashka.ru"],
                "identifiers": {"inn": "7707083893"},
            }
        ],
    )
    crm.ingest_orders(
        "sap",
        [
            {
                "external_id": "4500012",
                "number": "4500012",
                "customer": {"external_id": "0000100042"},
                "placed_at": "2026-11-01T10:00:00Z",
                "cross_references": [{"source": "shop", "number": "1234"}],
            }
        ],
    )
    crm.record_interaction(
        "pbx",
        channel="phone",
        direction="in",
        phone="84951234567",
        occurred_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        subject="where is my order?",
    )
    return crm


@pytest.mark.parametrize(
    "key",
    [
        {"phone": "8 (495) 123-45-67"},
        {"email": "Orders@Romashka.RU"},
        {"inn": "7707083893"},
        {"order": "4500012"},
        {"order": "1234"},
    ],
    ids=["phone", "email", "inn", "order-own-number", "order-other-system-number"],
)
def test_a_card_is_found_by_each_key(filled, key):
    """Phone in any format, e-mail in any case, INN, and any system's order number."""
    by_id = filled.card(filled.find_customers(identity=("1c", "c-1"))[0].id)
    card = filled.card(**key)
    assert card["customer"]["id"] == by_id["customer"]["id"]
    assert card["orders"] == by_id["orders"]


def test_the_card_has_every_section(filled):
    """Golden fields, identities with sources, contacts with provenance, orders, timeline."""
    card = filled.card(inn="7707083893")
    assert {"customer", "identities", "orders", "interactions", "timeline"} <= set(card)
    assert {(i["source"], i["external_id"]) for i in card["identities"]} == {
        ("1c", "c-1"),
        ("sap", "0000100042"),
    }
    assert sorted(card["contacts"]["from"]["+74951234567"]) == ["1c/c-1", "sap/0000100042"]
    assert card["contacts"]["from"]["orders@romashka.ru"] == ["sap/0000100042"]
    [order] = card["orders"]
    assert {"number", "status", "events", "tracking_numbers", "anomalies"} <= set(order)
    assert [e["kind"] for e in card["timeline"][-2:]] == ["interaction", "order"]
    assert card["key_dates"]["first_order"] == "2026-11-01T10:00:00+00:00"
    assert card["summary"]["interactions"] == 1


def test_declared_attributes_show_their_type_purpose_and_problems(filled):
    """A declared date that is not a date is flagged; undeclared attributes are listed apart."""
    filled.declare_attribute("founded", "date", "anniversary greetings")
    filled.declare_attribute("loyalty", "text", "discounts")
    attributes = filled.card(inn="7707083893")["attributes"]
    assert attributes["loyalty"] == {
        "value": "gold",
        "type": "text",
        "purpose": "discounts",
        "problem": None,
    }
    assert attributes["founded"]["problem"] == "not a date (YYYY-MM-DD)"
    with pytest.raises(ValueError, match="type"):
        filled.declare_attribute("x", "colour", "fun")


def test_a_card_for_nobody_or_for_several_is_a_clear_error(filled):
    """No match names the key; a shared key names the customers and points to cards()."""
    with pytest.raises(UnknownCustomerError, match=r"nobody@example\.com"):
        filled.card(email="nobody@example.com")
    filled.ingest_customers(
        "shop",
        [
            {
                "external_id": "x",
                "kind": "person",
                "name": "Анна",
                "phones": ["+74951234567"],
                "identifiers": {"inn": "500100732259"},
            }
        ],
    )
    assert len(filled.cards(phone="+74951234567")) == 2
    with pytest.raises(CrmkitError, match="use cards"):
        filled.card(phone="+74951234567")
    with pytest.raises(TypeError, match="exactly one"):
        filled.card(1, phone="+74951234567")
