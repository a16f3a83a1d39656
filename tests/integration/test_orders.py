"""Orders through the supply chain, on SQLite and PostgreSQL: numbers, events, anomalies."""

from __future__ import annotations

import datetime as dt

import pytest

from crmkit.errors import CrmkitError

PLACED = "2026-11-02T10:00:00+03:00"


def customer_1c(**changes):
    """Return Ivan's 1C counterparty record, with ``changes``."""
    return {
        "external_id": "c-1",
        "kind": "person",
        "name": "Петров Иван",
        "phones": ["8 (916) 111-22-33"],
        "emails": ["ivan@example.ru"],
        "identifiers": {"inn": "500100732259"},
        "addresses": [{"line": "ул. Ленина, д. 1", "city": "Москва", "postcode": "101000"}],
        "updated_at": "2026-10-01T09:00:00+03:00",
        **changes,
    }


def web_order(**changes):
    """Return web-shop order #1234, known to 1C as 00045 and to SAP as 4500012."""
    return {
        "external_id": "wc-1234",
        "number": "1234",
        "customer": {"external_id": "guest-9", "name": "Ivan", "phones": ["+7 916 111 2233"]},
        "placed_at": PLACED,
        "currency": "RUB",
        "total": "1500.00",
        "lines": [{"sku": "A-1", "name": "Чайник", "quantity": 2, "price": "750.00"}],
        "shipping_address": {"line": "ул. Ленина, д. 1", "city": "Москва", "postcode": "101000"},
        "status": "processing",
        "cross_references": [
            {"source": "1c", "number": "00045"},
            {"source": "sap", "number": "4500012"},
        ],
        **changes,
    }


def event(key, status, at, **changes):
    """Return an order event of order ``1234`` in the shop."""
    return {
        "external_id": key,
        "order": {"source": "shop", "number": "1234"},
        "status": status,
        "occurred_at": at,
        **changes,
    }


@pytest.fixture
def shop(crm):
    """Return crmkit holding Ivan in 1C and the order in three systems."""
    crm.ingest_customers("1c", [customer_1c()])
    crm.ingest_orders("shop", [web_order()])
    crm.ingest_orders(
        "1c",
        [
            {
                "external_id": "doc-45",
                "number": "00045",
                "placed_at": "2026-11-02T07:05:00Z",
                "customer": {"external_id": "c-1"},
                "status": "Согласован",
            }
        ],
    )
    crm.ingest_orders(
        "sap",
        [{"external_id": "4500012", "number": "4500012", "placed_at": "2026-11-02T07:30:00Z"}],
    )
    return crm


def test_one_order_known_under_three_systems_numbers_shows_once(shop):
    """Web #1234 = 1C 00045 = SAP 4500012: one order on the card, found by every number."""
    [card] = shop.cards(phone="+79161112233")
    assert [o["number"] for o in card["orders"]] == ["1234"]
    numbers = {(n["source"], n["number"]) for n in card["orders"][0]["numbers"]}
    assert numbers == {("shop", "1234"), ("1c", "00045"), ("sap", "4500012")}
    keys = {shop.order(n).key for n in ("1234", "00045", "4500012", "wc-1234")}
    assert len(keys) == 1
    assert len(shop.order("00045").orders) == 3


def test_a_later_cross_reference_joins_two_orders_into_one(crm):
    """Two orders seen apart become one when a third record names both numbers."""
    crm.ingest_orders("shop", [{"external_id": "1", "number": "A"}])
    crm.ingest_orders("erp", [{"external_id": "2", "number": "B"}])
    assert len(crm.orders()) == 2
    crm.ingest_orders(
        "sap",
        [
            {
                "external_id": "3",
                "number": "C",
                "cross_references": [
                    {"source": "shop", "number": "A"},
                    {"source": "erp", "number": "B"},
                ],
            }
        ],
    )
    [order] = crm.orders()
    assert {n.external_id for n in order.numbers} == {"A", "B", "C"}


def test_events_out_of_order_and_twice_give_the_right_status(shop):
    """Delivered arrives first, shipped later, each twice: delivered, four events, one shipment."""
    delivered = event(
        "cdek-2",
        "Вручен",
        "2026-11-06T15:00:00+03:00",
        carrier="CDEK",
        tracking_number="1099887766",
    )
    shipped = event(
        "cdek-1",
        "Отгружен",
        "2026-11-04T09:00:00+03:00",
        carrier="CDEK",
        tracking_number="1099887766",
    )
    shop.ingest_order_events("cdek", [delivered, delivered])
    shop.ingest_order_events("cdek", [shipped])
    shop.ingest_order_events("cdek", [shipped, delivered])
    order = shop.order("1234")
    assert order.status == "delivered"
    assert order.status_word == "Вручен"
    assert [e.status for e in order.events if e.source == "cdek"] == ["shipped", "delivered"]
    assert order.tracking_numbers == ["1099887766"]
    assert not order.is_open
    assert order.anomalies == ()
    assert shop.order("1099887766").key == order.key


def test_an_event_that_arrives_before_its_order_counts_once_the_order_does(crm):
    """The carrier reports before the shop exports: the order shows shipped when it arrives."""
    crm.ingest_order_events(
        "cdek",
        [
            {
                "external_id": "e1",
                "order": {"source": "shop", "number": "77"},
                "status": "shipped",
                "occurred_at": "2099-01-02T10:00:00Z",
            }
        ],
    )
    assert crm.track("77") == []
    crm.ingest_orders(
        "shop", [{"external_id": "o77", "number": "77", "placed_at": "2099-01-01T10:00:00Z"}]
    )
    assert crm.order("77").status == "shipped"


def test_an_address_change_after_placement_raises_the_anomaly(shop):
    """Ivan moves after ordering and before shipping: the order is flagged, twice over."""
    shop.ingest_customers(
        "1c",
        [
            customer_1c(
                addresses=[{"line": "пр. Мира, д. 5", "city": "Москва", "postcode": "129090"}],
                updated_at="2026-11-03T12:00:00+03:00",
            )
        ],
    )
    kinds = {a.kind for a in shop.order("1234").anomalies}
    assert {"address_changed_before_shipping", "ships_to_old_address"} <= kinds
    [card] = shop.cards(inn="500100732259")
    assert "address_changed_before_shipping" in {a["kind"] for a in card["orders"][0]["anomalies"]}


def test_an_address_change_after_shipping_is_no_anomaly(shop):
    """Moving after the goods left is not the order's problem."""
    shop.ingest_order_events("cdek", [event("s", "shipped", "2026-11-03T09:00:00+03:00")])
    shop.ingest_customers(
        "1c",
        [
            customer_1c(
                addresses=[{"line": "пр. Мира, д. 5", "city": "Москва"}],
                updated_at="2026-11-04T12:00:00+03:00",
            )
        ],
    )
    assert "address_changed_before_shipping" not in {a.kind for a in shop.order("1234").anomalies}


def test_impossible_sequences_are_anomalies(shop):
    """Delivered though never shipped, and an event after the cancellation."""
    shop.ingest_order_events(
        "cdek",
        [
            event("c", "cancelled", "2026-11-03T09:00:00+03:00"),
            event("d", "delivered", "2026-11-05T09:00:00+03:00"),
        ],
    )
    kinds = {a.kind for a in shop.order("1234").anomalies}
    assert {"delivered_never_shipped", "event_after_cancellation"} <= kinds


def test_a_status_word_no_mapping_knows_is_kept_flagged_and_can_be_mapped(crm):
    """An unknown word keeps the last known status and is flagged; a source mapping fixes it."""
    crm.ingest_orders(
        "shop", [{"external_id": "o", "number": "5", "placed_at": "2099-01-01T10:00:00Z"}]
    )
    crm.ingest_order_events(
        "shop",
        [
            {
                "external_id": "e",
                "order": {"number": "5"},
                "status": "Собран",
                "occurred_at": "2099-01-02T10:00:00Z",
            }
        ],
    )
    order = crm.order("5")
    assert order.status == "placed"
    assert [a.kind for a in order.anomalies] == ["unknown_status"]
    crm.map_status_word("shop", "собран", "in_production")
    assert crm.order("5").status == "placed"
    crm.project(full=True)
    assert crm.order("5").status == "in_production"
    assert crm.order("5").anomalies == ()
    crm.ingest_order_events(
        "shop",
        [
            {
                "external_id": "e",
                "order": {"number": "5"},
                "status": "Собран",
                "occurred_at": "2099-01-02T10:00:00Z",
                "note": "again",
            }
        ],
    )
    assert crm.order("5").status == "in_production"


def test_orders_stuck_past_their_sla_are_overdue(shop):
    """Placed in the past and never moved: stuck; a longer SLA clears it."""
    assert [o.number for o in shop.orders(overdue=True)] == ["1234"]
    assert "stuck" in {a.kind for a in shop.order("1234").anomalies}
    shop.set_order_sla("confirmed", dt.timedelta(days=100_000))
    assert shop.orders(overdue=True) == []
    assert [o.number for o in shop.orders(status="confirmed", customer=1)] == ["1234"]
    assert shop.orders(status="delivered") == []


def test_money_stays_decimal_with_its_currency(shop):
    """The total and line prices come back exactly, as Decimal and RUB."""
    order = next(o for o in shop.order("1234").orders if o.source == "shop")
    assert str(order.total) == "1500.00 RUB"
    assert str(order.lines[0].total) == "1500.00 RUB"


def test_an_unknown_number_is_a_clear_error(crm):
    """order() names the number it could not find."""
    with pytest.raises(CrmkitError, match="no order is known under 'nope'"):
        crm.order("nope")


def test_orders_in_one_batch_that_share_a_number_are_one_order(crm):
    """Two systems' records naming the same 1C number, sent together, join; a third stays."""
    ref = [{"source": "1c", "number": "00045"}]
    crm.ingest_orders(
        "shop",
        [
            {"external_id": "1", "number": "A", "cross_references": ref},
            {"external_id": "2", "number": "B"},
            {"external_id": "3", "number": "C", "cross_references": ref},
            {"external_id": "3", "number": "C", "cross_references": ref, "status": "paid"},
        ],
    )
    assert sorted(len(o.orders) for o in crm.orders()) == [1, 2]
    assert crm.order("00045").key == crm.order("C").key
