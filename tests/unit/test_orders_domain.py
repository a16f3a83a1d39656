"""Deriving an order's status and anomalies from its events: pure domain logic, no I/O."""

from __future__ import annotations

import datetime as dt

import attrs

from crmkit.builtins.orders import DEFAULT_SLA, canonical_status
from crmkit.domain import (
    AddressVersion,
    Identity,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
)
from crmkit.domain.orders import track, with_anomalies

T0 = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)
REF = Identity("shop", "o-1")
ORDER = Order("shop", "o-1", T0, None, number="1234")


def at(days):
    """Return ``days`` after the order was placed."""
    return T0 + dt.timedelta(days=days)


def ev(key, status, days, word=None):
    """Return an event of the order."""
    return OrderEvent("cdek", key, REF, status, at(days), status_word=word or status)


def test_the_latest_event_by_time_sets_the_status_whatever_the_arrival_order():
    """Delivered (day 3) given before shipped (day 1): delivered."""
    order = track(1, [ORDER], [], [ev("d", "delivered", 3), ev("s", "shipped", 1)])
    assert order.status is OrderStatus.DELIVERED
    assert [e.status for e in order.events] == ["placed", "shipped", "delivered"]


def test_events_at_the_same_moment_are_ordered_by_stage():
    """Paid and confirmed stamped alike: paid is the later stage."""
    order = track(1, [ORDER], [], [ev("p", "paid", 1), ev("c", "confirmed", 1)])
    assert order.status is OrderStatus.PAID


def test_status_words_of_common_sources_map_onto_the_canonical_set():
    """1C, WooCommerce and carrier words; unknown words map onto nothing."""
    assert canonical_status("Отгружен") is OrderStatus.SHIPPED
    assert canonical_status("on-hold") is OrderStatus.CONFIRMED
    assert canonical_status("IN_PRODUCTION") is OrderStatus.IN_PRODUCTION
    assert canonical_status("Вручён") is OrderStatus.DELIVERED
    assert canonical_status("teleported") is None


def test_stuck_past_the_sla_and_not_before():
    """Shipped four days ago with a three-day SLA is stuck; two days ago is not."""
    order = track(1, [ORDER], [], [ev("s", "shipped", 1)])
    late = with_anomalies(order, now=at(5), sla=DEFAULT_SLA)
    assert [a.kind for a in late.anomalies] == ["stuck"]
    assert with_anomalies(order, now=at(2), sla=DEFAULT_SLA).anomalies == ()


def test_final_statuses_are_never_stuck():
    """A delivered order is closed."""
    order = track(1, [ORDER], [], [ev("s", "shipped", 1), ev("d", "delivered", 2)])
    assert with_anomalies(order, now=at(400), sla=DEFAULT_SLA).anomalies == ()
    assert not order.is_open


def test_an_address_changed_between_placement_and_shipping_is_an_anomaly():
    """Changed on day 1, shipped on day 2 to the old address: both anomalies."""
    history = [
        AddressVersion(at(-30), "1c/c-1", {"101000 москва ленина 1"}),
        AddressVersion(at(1), "1c/c-1", {"129090 москва мира 5"}),
    ]
    order = track(1, [ORDER], [], [ev("s", "shipped", 2)])
    found = with_anomalies(
        order, now=at(2), sla={}, history=history, shipping_keys={"101000 москва ленина 1"}
    )
    kinds = [a.kind for a in found.anomalies]
    assert kinds == ["address_changed_before_shipping", "ships_to_old_address"]
    to_new = with_anomalies(
        order, now=at(2), sla={}, history=history, shipping_keys={"129090 москва мира 5"}
    )
    assert [a.kind for a in to_new.anomalies] == ["address_changed_before_shipping"]


def test_an_open_order_to_a_former_address_is_an_anomaly():
    """Not shipped yet, to the address the customer left."""
    history = [
        AddressVersion(at(-30), "1c/c-1", {"old"}),
        AddressVersion(at(-10), "1c/c-1", {"new"}),
    ]
    found = with_anomalies(
        track(1, [ORDER], [], []), now=at(1), sla={}, history=history, shipping_keys={"old"}
    )
    assert [a.kind for a in found.anomalies] == ["ships_to_old_address"]


def test_impossible_sequences():
    """In transit without shipping, and events after a cancellation."""
    order = track(1, [ORDER], [], [ev("t", "in_transit", 1), ev("c", "cancelled", 2)])
    assert [a.kind for a in order.anomalies] == ["in_transit_never_shipped"]
    after = track(1, [ORDER], [], [ev("c", "cancelled", 1), ev("p", "paid", 2)])
    assert [a.kind for a in after.anomalies] == ["event_after_cancellation"]


def test_a_short_sla_is_stated_in_hours():
    """Placed 30 hours ago with a 4-hour SLA: stuck, said in hours and days."""
    order = track(1, [ORDER], [], [])
    late = with_anomalies(order, now=at(1.25), sla={OrderStatus.PLACED: dt.timedelta(hours=4)})
    assert [a.message for a in late.anomalies] == ["placed for 1 day(s) (limit 4 hour(s))"]


def test_a_status_reported_on_the_order_record_implies_the_steps_before_it():
    """1C's "Закрыт" on the order itself is delivered without a shipping step: no anomaly.

    The same delivery reported by a carrier's feed without any shipment is one.
    """
    closed = Order("1c", "o-1", T0, None, status_word="Закрыт", status_at=at(9), status="delivered")
    order = track(1, [closed], [], [])
    assert order.status is OrderStatus.DELIVERED
    assert order.anomalies == ()
    fed = track(1, [ORDER], [], [ev("d", "delivered", 9)])
    assert [a.kind for a in fed.anomalies] == ["delivered_never_shipped"]


def test_shipped_where_no_delivery_is_ever_reported_is_not_stuck():
    """SAP says "shipped" (on the order or by its own events) and never "delivered".

    Placed and waiting is still stuck; a carrier's feed or a tracking number makes a
    stalled shipment stuck again.
    """
    shipped = Order("sap", "o-1", T0, None, status_word="C", status_at=at(1), status="shipped")
    reported = track(1, [shipped], [], [])
    assert reported.status is OrderStatus.SHIPPED
    assert with_anomalies(reported, now=at(400), sla=DEFAULT_SLA).anomalies == ()
    own_event = OrderEvent("sap", "d-1", Identity("sap", "o-1"), "shipped", at(1))
    by_sap = track(1, [Order("sap", "o-1", T0, None)], [], [own_event])
    assert with_anomalies(by_sap, now=at(400), sla=DEFAULT_SLA).anomalies == ()
    tracked = attrs.evolve(own_event, shipment=Shipment("cdek", "1234567890"))
    with_number = track(1, [Order("sap", "o-1", T0, None)], [], [tracked])
    assert [
        a.kind for a in with_anomalies(with_number, now=at(400), sla=DEFAULT_SLA).anomalies
    ] == ["stuck"]
    placed = Order("sap", "o-1", T0, None, status_word="A", status_at=T0, status="placed")
    waiting = with_anomalies(track(1, [placed], [], []), now=at(400), sla=DEFAULT_SLA)
    assert [a.kind for a in waiting.anomalies] == ["stuck"]
    carried = track(1, [ORDER], [], [ev("s", "shipped", 1)])
    assert [a.kind for a in with_anomalies(carried, now=at(400), sla=DEFAULT_SLA).anomalies] == [
        "stuck"
    ]
