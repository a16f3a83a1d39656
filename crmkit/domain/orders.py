"""Orders, their lines, and the status events and shipments that follow them."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import attrs

from crmkit.domain.common import Money, ensure_utc
from crmkit.domain.customers import Address, Identity


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
    """An order from any source, with the contact facts as given at order time."""

    source: str
    external_id: str
    placed_at: dt.datetime = attrs.field(converter=ensure_utc)
    total: Money
    number: str | None = None
    customer_ref: Identity | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    shipping_address: Address | None = None
    lines: tuple[OrderLine, ...] = attrs.field(default=(), converter=tuple)
    cross_references: tuple[Identity, ...] = attrs.field(default=(), converter=tuple)


@attrs.frozen
class Shipment:
    """A consignment of an order handed to a carrier."""

    carrier: str | None
    tracking_number: str | None


@attrs.frozen
class OrderEvent:
    """One status change of one order; ``external_id`` is its idempotency key.

    Events may arrive late or out of order: the current status is derived from all of them
    by ``occurred_at``, never from the arrival order.
    """

    source: str
    external_id: str
    order_ref: Identity
    status: OrderStatus = attrs.field(converter=OrderStatus)
    occurred_at: dt.datetime = attrs.field(converter=ensure_utc)
    shipment: Shipment | None = None
    location: str | None = None
    note: str | None = None
