"""The generic order and order-event formats, and their translation into the domain.

What the built-in ``jsonl`` and ``csv`` adapters read with ``--stream orders`` and
``--stream order_events`` and what any adapter may map into (see ``docs/orders.md``).
Unknown fields are allowed and stay in the record's raw payload; ``null`` counts as absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from crmkit.domain import (
    Address,
    Identity,
    Money,
    Order,
    OrderEvent,
    OrderLine,
    Shipment,
    TrackedOrder,
)
from crmkit.schemas.customers import AddressSchema
from crmkit.schemas.fields import UtcDateTime

if TYPE_CHECKING:
    import datetime as dt

_ID_RULES = [
    validate.Regexp(r"^\s*\S", error="must not be blank"),
    validate.Length(max=255, error="longer than 255 characters"),
]


def _text() -> fields.String:
    return fields.String(load_default=None, allow_none=True)


def _texts() -> fields.List[str]:
    return fields.List(fields.String(), load_default=list, allow_none=True)


def _amount() -> fields.Decimal:
    return fields.Decimal(load_default=None, allow_none=True)


class _Lenient(Schema):
    class Meta:
        """Unknown keys are ignored here and kept in the raw payload."""

        unknown = EXCLUDE


class CustomerRefSchema(_Lenient):
    """Who an order or interaction is for: the source's customer id and/or contact facts."""

    external_id = fields.String(load_default=None, allow_none=True, validate=_ID_RULES)
    name = _text()
    phones = _texts()
    emails = _texts()


class OrderLineSchema(_Lenient):
    """One order line: ``sku``, ``name``, ``quantity``, unit ``price``."""

    sku = _text()
    name = _text()
    quantity = fields.Decimal(load_default=None, allow_none=True)
    price = _amount()


class CrossReferenceSchema(_Lenient):
    """The same order's number in another system: ``{source, number}``."""

    source = fields.String(required=True, validate=_ID_RULES)
    number = fields.String(required=True, validate=_ID_RULES)


class OrderRecordSchema(_Lenient):
    """The generic order record: one order as one source knows it."""

    external_id = fields.String(required=True, validate=_ID_RULES)
    number = fields.String(load_default=None, allow_none=True, validate=_ID_RULES)
    customer = fields.Nested(CustomerRefSchema, load_default=None, allow_none=True)
    placed_at = UtcDateTime(load_default=None, allow_none=True)
    currency = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z]{3}$", error="must be an ISO 4217 code like RUB"),
    )
    total = _amount()
    lines = fields.List(fields.Nested(OrderLineSchema), load_default=list, allow_none=True)
    shipping_address = fields.Nested(AddressSchema, load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    cross_references = fields.List(
        fields.Nested(CrossReferenceSchema), load_default=list, allow_none=True
    )
    updated_at = UtcDateTime(load_default=None, allow_none=True)

    @validates_schema
    def _money_has_a_currency(self, data: dict[str, Any], **_: Any) -> None:
        priced = data.get("total") is not None or any(
            line.get("price") is not None for line in data.get("lines") or ()
        )
        if priced and not data.get("currency"):
            raise ValidationError("required when total or a line price is given", "currency")


class OrderRefSchema(_Lenient):
    """Which order an event is about: ``source`` (default: the event's) and id or number."""

    source = fields.String(load_default=None, allow_none=True, validate=_ID_RULES)
    external_id = fields.String(load_default=None, allow_none=True, validate=_ID_RULES)
    number = fields.String(load_default=None, allow_none=True, validate=_ID_RULES)

    @validates_schema
    def _names_an_order(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("external_id") and not data.get("number"):
            raise ValidationError("give the order's external_id or number", "external_id")


class OrderEventRecordSchema(_Lenient):
    """The generic order-event record: one status change of one order."""

    external_id = fields.String(required=True, validate=_ID_RULES)
    order = fields.Nested(OrderRefSchema, required=True)
    status = fields.String(
        required=True,
        validate=[
            validate.Regexp(r"^\s*\S", error="must not be blank"),
            validate.Length(max=100),
        ],
    )
    occurred_at = UtcDateTime(required=True)
    carrier = _text()
    tracking_number = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=100)
    )
    location = _text()
    note = _text()


def _address(data: dict[str, Any] | None) -> Address | None:
    if isinstance(data, Address):
        return None if data.is_empty() else data
    return None


def order_from_record(
    source: str,
    data: dict[str, Any],
    received_at: dt.datetime,
    *,
    status: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Order:
    """Return the domain :class:`Order` of a loaded order record from ``source``.

    ``status`` is the canonical status of the record's own status word (mapped by the
    caller), taken as of the record's ``updated_at``, else as of placement, so that dated
    events always tell more; ``phone`` and ``email`` are the customer's contact facts in
    normal form.
    """
    currency = (data.get("currency") or "XXX").upper()
    customer = data.get("customer") or {}
    lines = tuple(
        OrderLine(
            sku=line.get("sku"),
            name=line.get("name"),
            quantity=line["quantity"] if line.get("quantity") is not None else 1,
            price=Money(line["price"] if line.get("price") is not None else 0, currency),
        )
        for line in data.get("lines") or ()
    )
    total = Money(data["total"], currency) if data.get("total") is not None else None
    return Order(
        source=source,
        external_id=data["external_id"].strip(),
        placed_at=data.get("placed_at") or received_at,
        total=total,
        number=(data.get("number") or "").strip() or None,
        customer_ref=(
            Identity(source, customer["external_id"]) if customer.get("external_id") else None
        ),
        contact_name=customer.get("name"),
        contact_phone=phone,
        contact_email=email,
        shipping_address=_address(data.get("shipping_address")),
        lines=lines,
        cross_references=tuple(
            Identity(ref["source"], ref["number"]) for ref in data.get("cross_references") or ()
        ),
        status_word=data.get("status"),
        status_at=data.get("updated_at") or data.get("placed_at") or received_at,
        status=status,
    )


def event_from_record(source: str, data: dict[str, Any], status: str | None) -> OrderEvent:
    """Return the domain :class:`OrderEvent` of a loaded event record from ``source``.

    ``status`` is the canonical status the record's status word maps onto, or ``None``.
    """
    ref = data["order"]
    by_number = not ref.get("external_id")
    shipment = None
    if data.get("carrier") or data.get("tracking_number"):
        shipment = Shipment(
            data.get("carrier"), (data.get("tracking_number") or "").strip() or None
        )
    return OrderEvent(
        source=source,
        external_id=data["external_id"].strip(),
        order_ref=Identity(
            ref.get("source") or source, ref["number"] if by_number else ref["external_id"]
        ),
        status=status,
        occurred_at=data["occurred_at"],
        shipment=shipment,
        location=data.get("location"),
        note=data.get("note"),
        status_word=data["status"].strip(),
        by_number=by_number,
    )


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _money(money: Money | None) -> dict[str, str] | None:
    return {"amount": str(money.amount), "currency": money.currency} if money else None


def tracked_order_document(order: TrackedOrder) -> dict[str, Any]:
    """Return a tracked order as JSON-ready data: what the card and ``orders track`` show."""
    first_total = next((o.total for o in order.orders if o.total), None)
    address = next((o.shipping_address for o in order.orders if o.shipping_address), None)
    lines = next((o.lines for o in order.orders if o.lines), ())
    return {
        "number": order.number,
        "numbers": [{"source": n.source, "number": n.external_id} for n in order.numbers],
        "status": order.status.value if order.status else None,
        "status_word": order.status_word,
        "status_at": _time(order.status_at),
        "open": order.is_open,
        "placed_at": _time(order.placed_at),
        "total": _money(first_total),
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": str(line.quantity),
                "price": _money(line.price),
            }
            for line in lines
        ],
        "shipping_address": address.one_line() if address else None,
        "tracking_numbers": order.tracking_numbers,
        "events": [
            {
                "at": _time(e.occurred_at),
                "status": e.status.value if e.status else None,
                "status_word": e.status_word,
                "source": e.source,
                "carrier": e.shipment.carrier if e.shipment else None,
                "tracking_number": e.shipment.tracking_number if e.shipment else None,
                "location": e.location,
                "note": e.note,
            }
            for e in order.events
        ],
        "anomalies": [
            {"kind": a.kind, "message": a.message, "at": _time(a.at)} for a in order.anomalies
        ],
        "sources": [
            {
                "source": o.source,
                "external_id": o.external_id,
                "number": o.number,
                "contact": {
                    "name": o.contact_name,
                    "phone": o.contact_phone,
                    "email": o.contact_email,
                },
            }
            for o in order.orders
        ],
    }
