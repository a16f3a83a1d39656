"""Interactions on SQLite and PostgreSQL: linked by identity, phone or e-mail, across merges."""

from __future__ import annotations

import datetime as dt

import pytest

from crmkit.domain import Identity
from crmkit.errors import RecordError

AT = dt.datetime(2026, 11, 20, 8, 12, tzinfo=dt.UTC)


@pytest.fixture
def two_customers(crm):
    """Return crmkit with Ivan in 1C (his phone) and Ivan in the shop (his e-mail), apart."""
    crm.ingest_customers(
        "1c",
        [
            {
                "external_id": "c-1",
                "kind": "person",
                "name": "Петров Иван",
                "phones": ["8 (916) 111-22-33"],
            }
        ],
    )
    crm.ingest_customers(
        "shop",
        [
            {
                "external_id": "wc-7",
                "kind": "person",
                "name": "Ivan P.",
                "emails": ["ivan@example.ru"],
            }
        ],
    )
    assert crm.count_customers() == 2
    return crm


def card_holding(crm, identity):
    """Return the card of the customer that holds ``identity``."""
    [customer] = crm.find_customers(identity=identity)
    return crm.card(customer.id)


def test_an_interaction_with_only_a_phone_follows_a_merge_and_an_unmerge(two_customers):
    """The call links to the phone's owner, to the merged customer, then back after unmerge."""
    crm = two_customers
    crm.record_interaction(
        "pbx",
        external_id="call-1",
        channel="phone",
        direction="in",
        occurred_at=AT,
        phone="+7 916 111-22-33",
        duration_seconds=95,
        agent="Ольга",
        outcome="answered",
    )
    ivan_1c = crm.find_customers(identity=("1c", "c-1"))[0].id
    ivan_shop = crm.find_customers(identity=("shop", "wc-7"))[0].id
    assert [i.external_id for i in crm.interactions(ivan_1c)] == ["call-1"]
    assert crm.interactions(ivan_shop) == []

    merged = crm.merge(ivan_1c, ivan_shop)
    assert [i["external_id"] for i in crm.card(merged.id)["interactions"]] == ["call-1"]
    for old in (ivan_1c, ivan_shop):
        assert [i.external_id for i in crm.interactions(old)] == ["call-1"]

    alone = crm.unmerge(merged.id, Identity("shop", "wc-7"))
    assert crm.interactions(alone.id) == []
    card = card_holding(crm, ("1c", "c-1"))
    assert [i["external_id"] for i in card["interactions"]] == ["call-1"]
    assert card["interactions"][0]["linked_by"] == "phone"


def test_an_interaction_names_its_customer_by_source_id_or_email(two_customers):
    """A source id wins over contact facts; an e-mail alone links as well."""
    crm = two_customers
    crm.ingest_interactions(
        "shop",
        [
            {
                "external_id": "chat-1",
                "channel": "chat",
                "direction": "in",
                "occurred_at": "2026-11-20T10:00:00Z",
                "customer": {"external_id": "wc-7", "phones": ["+7 916 111-22-33"]},
                "subject": "delivery date",
            },
            {
                "external_id": "mail-1",
                "channel": "email",
                "direction": "out",
                "occurred_at": "2026-11-21T10:00:00Z",
                "customer": {"emails": ["Ivan@Example.RU"]},
                "csat": 5,
                "nps": 9,
                "order_number": "1234",
            },
        ],
    )
    card = card_holding(crm, ("shop", "wc-7"))
    assert [(i["external_id"], i["linked_by"]) for i in card["interactions"]] == [
        ("mail-1", "email"),
        ("chat-1", "identity"),
    ]
    assert card["interactions"][0]["csat"] == 5
    assert card_holding(crm, ("1c", "c-1"))["interactions"] == []


def test_an_interaction_nobody_matches_waits_for_its_customer(crm):
    """A caller unknown today appears on the card once the customer with that phone exists."""
    crm.record_interaction(
        "pbx",
        external_id="c",
        channel="phone",
        direction="in",
        occurred_at=AT,
        phone="+74951234567",
    )
    crm.ingest_customers(
        "1c", [{"external_id": "x", "name": "ООО Ромашка", "phones": ["+74951234567"]}]
    )
    assert [i["external_id"] for i in crm.card(phone="+74951234567")["interactions"]] == ["c"]


def test_recording_a_bad_interaction_raises_and_stores_nothing(crm):
    """A CSAT of 9 is refused with the field named."""
    with pytest.raises(RecordError, match="csat"):
        crm.record_interaction("pbx", channel="phone", direction="in", occurred_at=AT, csat=9)
    assert crm.records.count_records("interactions") == 0
