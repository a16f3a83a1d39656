"""Orders, their lines, and the status events and shipments that follow them.

An order known to several systems (web-shop #1234 = 1C 00045 = SAP 4500012) is one
:class:`TrackedOrder`: its source orders, every event any system reported for any of its
numbers, the status derived from those events, and the anomalies found in them.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from crmkit.domain.common import Money, ensure_utc
from crmkit.domain.customers import Address, Identity

if TYPE_CHECKING:
    from collections.abc import Iterable


class OrderStatus(enum.StrEnum):
    """The stages an order passes through, from placement to delivery or return."""

    PLACED = "placed"
    CONFIRMED = "confirmed"
    PAID = "paid"
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"


#: Statuses after which an order is no longer open.
FINAL_STATUSES = frozenset({OrderStatus.DELIVERED, OrderStatus.RETURNED, OrderStatus.CANCELLED})
#: Statuses that mean the goods have left (or came back).
_SHIPPED_OR_LATER = frozenset(
    {OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.RETURNED}
)
_RANK = {status: rank for rank, status in enumerate(OrderStatus)}


def _lines(values: Iterable[OrderLine]) -> tuple[OrderLine, ...]:
    return tuple(values)


def _identities(values: Iterable[Identity]) -> tuple[Identity, ...]:
    return tuple(values)


def _keys(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


@attrs.frozen
class OrderLine:
    """One line of an order: what, how many, at what unit price."""

    sku: str | None
    name: str | None
    quantity: Decimal = attrs.field(converter=Decimal)
    price: Money

    @property
    def total(self) -> Money:
        """Return quantity times unit price."""
        return Money(self.quantity * self.price.amount, self.price.currency)


@attrs.frozen
class Order:
    """An order from any source, with the contact facts as given at order time.

    ``cross_references`` name the same order in other systems as ``Identity(source,
    number)``. ``status_word`` is the source's own status word on the order record, seen at
    ``status_at``.
    """

    source: str
    external_id: str
    placed_at: dt.datetime = attrs.field(converter=ensure_utc)
    total: Money | None
    number: str | None = None
    customer_ref: Identity | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    shipping_address: Address | None = None
    lines: tuple[OrderLine, ...] = attrs.field(default=(), converter=_lines)
    cross_references: tuple[Identity, ...] = attrs.field(default=(), converter=_identities)
    status_word: str | None = None
    status_at: dt.datetime | None = attrs.field(
        default=None, converter=attrs.converters.optional(ensure_utc)
    )
    status: OrderStatus | None = attrs.field(
        default=None, converter=attrs.converters.optional(OrderStatus)
    )

    @property
    def display_number(self) -> str:
        """Return the order's number in its source, or its external id when it has none."""
        return self.number or self.external_id


@attrs.frozen
class Shipment:
    """A consignment of an order handed to a carrier."""

    carrier: str | None
    tracking_number: str | None


@attrs.frozen
class OrderEvent:
    """One status change of one order; ``(source, external_id)`` is its idempotency key.

    ``order_ref`` names the order in ``order_ref.source`` by external id, or by number when
    ``by_number`` is set. ``status`` is the canonical status, ``None`` when the source's
    word (kept in ``status_word``) maps onto none. Events may arrive late or out of order:
    the current status is derived from all of them by ``occurred_at``.
    """

    source: str
    external_id: str
    order_ref: Identity
    status: OrderStatus | None = attrs.field(converter=attrs.converters.optional(OrderStatus))
    occurred_at: dt.datetime = attrs.field(converter=ensure_utc)
    shipment: Shipment | None = None
    location: str | None = None
    note: str | None = None
    status_word: str | None = None
    by_number: bool = False


@attrs.frozen
class Anomaly:
    """Something wrong with an order that a person should look at: ``kind`` and why."""

    kind: str
    message: str
    at: dt.datetime | None = None


@attrs.frozen
class AddressVersion:
    """The customer's addresses (as comparison keys) as one source record said at ``at``."""

    at: dt.datetime = attrs.field(converter=ensure_utc)
    source: str
    keys: frozenset[str] = attrs.field(converter=_keys)


@attrs.frozen
class TrackedOrder:
    """One real order across systems: its source orders, every event, status and anomalies."""

    key: int
    orders: tuple[Order, ...]
    numbers: tuple[Identity, ...]
    events: tuple[OrderEvent, ...]
    status: OrderStatus | None
    status_word: str | None
    status_at: dt.datetime | None
    anomalies: tuple[Anomaly, ...] = ()

    @property
    def number(self) -> str:
        """Return the number to show: the first source order's number."""
        return self.orders[0].display_number if self.orders else self.numbers[0].external_id

    @property
    def placed_at(self) -> dt.datetime | None:
        """Return the earliest placement time any system reports."""
        return min((o.placed_at for o in self.orders), default=None)

    @property
    def tracking_numbers(self) -> list[str]:
        """Return every tracking number of the order's shipments, in event order, once each."""
        found = (e.shipment.tracking_number for e in self.events if e.shipment)
        return list(dict.fromkeys(n for n in found if n))

    @property
    def is_open(self) -> bool:
        """Return True while the order is neither delivered, returned nor cancelled."""
        return self.status not in FINAL_STATUSES


def _order_key(event: OrderEvent) -> tuple[dt.datetime, int, str]:
    rank = _RANK[event.status] if event.status is not None else -1
    return (event.occurred_at, rank, event.external_id)


#: Statuses whose end (a delivery) only a feed of events reports.
_ON_THE_WAY = frozenset({OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT})

#: The suffix of the event an order record's own reported status implies (a snapshot).
REPORTED_STATUS_SUFFIX = "#status"


def implicit_events(order: Order, *, placed: bool = True) -> list[OrderEvent]:
    """Return the events an order record implies: its placement, and its reported status."""
    ref = Identity(order.source, order.external_id)
    events = []
    if placed:
        events.append(
            OrderEvent(
                order.source,
                f"{order.external_id}#placed",
                ref,
                OrderStatus.PLACED,
                order.placed_at,
                status_word="placed",
            )
        )
    if order.status_word and order.status is not OrderStatus.PLACED:
        events.append(
            OrderEvent(
                order.source,
                f"{order.external_id}{REPORTED_STATUS_SUFFIX}",
                ref,
                order.status,
                order.status_at or order.placed_at,
                status_word=order.status_word,
            )
        )
    return events


def is_reported_status(event: OrderEvent) -> bool:
    """Return whether ``event`` is an order record's reported status rather than a feed's event.

    A reported status is a snapshot: it says where the order is now, not every step that
    led there (1C's "Закрыт" is delivered without a shipping step; SAP reports "shipped"
    and never a delivery).
    """
    return event.external_id.endswith(REPORTED_STATUS_SUFFIX)


def sort_events(events: list[OrderEvent]) -> list[OrderEvent]:
    """Return ``events`` in the order they happened (ties: the later stage last)."""
    return sorted(events, key=_order_key)


def current_event(events: list[OrderEvent]) -> OrderEvent | None:
    """Return the event that sets the current status: the latest one with a known status."""
    known = [e for e in events if e.status is not None]
    return max(known, key=_order_key) if known else None


def sequence_anomalies(events: list[OrderEvent]) -> list[Anomaly]:
    """Return the impossible sequences in ``events`` (sorted by time).

    Delivered (or in transit) without ever being shipped, by a feed's event (an order
    record's reported status skips the steps it does not report); anything after a
    cancellation; a status word no mapping knows.
    """
    found: list[Anomaly] = []
    statuses = {e.status for e in events}
    for moved in (OrderStatus.DELIVERED, OrderStatus.IN_TRANSIT):
        fed = [e for e in events if e.status is moved and not is_reported_status(e)]
        if fed and OrderStatus.SHIPPED not in statuses:
            at = fed[0].occurred_at
            found.append(
                Anomaly(f"{moved.value}_never_shipped", f"{moved.value}, never shipped", at)
            )
    cancelled = next((e for e in events if e.status is OrderStatus.CANCELLED), None)
    if cancelled is not None:
        after = [
            e
            for e in events
            if e.occurred_at > cancelled.occurred_at and e.status is not OrderStatus.CANCELLED
        ]
        if after:
            words = ", ".join(str(e.status or e.status_word) for e in after)
            found.append(
                Anomaly(
                    "event_after_cancellation",
                    f"cancelled on {cancelled.occurred_at:%Y-%m-%d %H:%M}, then: {words}",
                    after[0].occurred_at,
                )
            )
    found.extend(
        Anomaly(
            "unknown_status",
            f"{event.source} status {event.status_word!r} maps onto no order status",
            event.occurred_at,
        )
        for event in events
        if event.status is None
    )
    return found


def stuck_anomaly(
    current: OrderEvent | None,
    now: dt.datetime,
    sla: dict[OrderStatus, dt.timedelta],
    *,
    delivery_reported: bool = True,
) -> Anomaly | None:
    """Return a ``stuck`` anomaly when the order stayed in an open status past its SLA.

    Shipped or in transit counts as stuck only where a delivery would be reported
    (``delivery_reported``): an ERP that says "shipped" and never "delivered" would
    otherwise flag every order it ever shipped.
    """
    if current is None or current.status is None or current.status in FINAL_STATUSES:
        return None
    if current.status in _ON_THE_WAY and not delivery_reported:
        return None
    limit = sla.get(current.status)
    if limit is None:
        return None
    waited = now - current.occurred_at
    if waited <= limit:
        return None
    return Anomaly(
        "stuck",
        f"{current.status.value} for {_span(waited)} (limit {_span(limit)})",
        current.occurred_at + limit,
    )


def delivery_is_reported(order: TrackedOrder) -> bool:
    """Return whether anyone would report the order's delivery.

    True when a shipment has a tracking number, or when events come from a source other
    than the systems the order itself comes from (a carrier's feed).
    """
    own = {o.source for o in order.orders}
    return bool(order.tracking_numbers) or any(e.source not in own for e in order.events)


def _span(duration: dt.timedelta) -> str:
    """Return a duration the way a person says it: days, else hours."""
    if duration >= dt.timedelta(days=1):
        return f"{duration.days} day(s)"
    return f"{int(duration.total_seconds() // 3600)} hour(s)"


def address_anomalies(
    orders: tuple[Order, ...],
    events: list[OrderEvent],
    history: list[AddressVersion],
    shipping_keys: set[str],
    *,
    now: dt.datetime,
) -> list[Anomaly]:
    """Return the address anomalies of an order given the customer's address history.

    ``history`` holds each customer record version's addresses, oldest first;
    ``shipping_keys`` the comparison keys of the order's shipping addresses. Raised when an
    address changed after placement and before shipping, and when an open order ships to an
    address that was the customer's but no longer is.
    """
    placed = min((o.placed_at for o in orders), default=None)
    if placed is None or not history:
        return []
    shipped = next((e.occurred_at for e in events if e.status in _SHIPPED_OR_LATER), None)
    found: list[Anomaly] = []
    latest_by_source: dict[str, frozenset[str]] = {}
    for version in history:
        before = latest_by_source.get(version.source)
        latest_by_source[version.source] = version.keys
        if before is None or before == version.keys:
            continue
        if placed < version.at <= (shipped or now):
            found.append(
                Anomaly(
                    "address_changed_before_shipping",
                    f"the customer's address changed in {version.source} on "
                    f"{version.at:%Y-%m-%d %H:%M}, after the order was placed"
                    + (" and before it shipped" if shipped else "; it has not shipped yet"),
                    version.at,
                )
            )
            break
    current = frozenset().union(*latest_by_source.values())
    former = frozenset().union(*(v.keys for v in history)) - current
    last = current_event(events)
    still_open = last is None or last.status not in FINAL_STATUSES
    moved_away = bool(current) and not shipping_keys & current and shipping_keys & former
    if still_open and moved_away:
        found.append(
            Anomaly(
                "ships_to_old_address",
                "ships to an address that is no longer the customer's current one",
                now,
            )
        )
    return found


def track(
    key: int,
    orders: list[Order],
    numbers: list[Identity],
    events: list[OrderEvent],
) -> TrackedOrder:
    """Return the tracked order: events sorted, status derived, sequence anomalies found.

    The first placement and the orders' reported statuses count as events too; the
    numbers of the source orders come first. Address and SLA anomalies need the customer
    and the clock: see :func:`with_anomalies`.
    """
    members = tuple(sorted(orders, key=lambda o: (o.placed_at, o.source, o.external_id)))
    seen = {(e.source, e.external_id) for e in events}
    everything = list(events)
    everything.extend(
        event
        for n, order in enumerate(members)
        for event in implicit_events(order, placed=n == 0)
        if (event.source, event.external_id) not in seen
    )
    ordered = sort_events(everything)
    current = current_event(ordered)
    return TrackedOrder(
        key=key,
        orders=members,
        numbers=tuple(
            dict.fromkeys([Identity(o.source, o.number) for o in members if o.number] + numbers)
        ),
        events=tuple(ordered),
        status=current.status if current else None,
        status_word=current.status_word if current else None,
        status_at=current.occurred_at if current else None,
        anomalies=tuple(sequence_anomalies(ordered)),
    )


def with_anomalies(
    order: TrackedOrder,
    *,
    now: dt.datetime,
    sla: dict[OrderStatus, dt.timedelta],
    history: list[AddressVersion] | None = None,
    shipping_keys: set[str] | None = None,
) -> TrackedOrder:
    """Return ``order`` with the stuck and address anomalies added."""
    found = list(order.anomalies)
    stuck = stuck_anomaly(
        current_event(list(order.events)),
        now,
        sla,
        delivery_reported=delivery_is_reported(order),
    )
    if stuck is not None:
        found.append(stuck)
    if history:
        found += address_anomalies(
            order.orders, list(order.events), history, shipping_keys or set(), now=now
        )
    return attrs.evolve(order, anomalies=tuple(found))
