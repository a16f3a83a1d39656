"""Shopify Admin REST objects mapped into crmkit's generic records.

Customers become customer records with every address; orders become order records whose
``customer`` block carries the order's e-mail and phones (a guest checkout has no customer
id); fulfillments become ``shipped`` order events with the carrier (``tracking_company``)
and tracking number, followed by the carrier's ``shipment_status`` when it says in transit,
out for delivery or delivered; a cancellation becomes a ``cancelled`` event. Money stays a
decimal string; times are converted to UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crmkit.sdk import mapping
from crmkit.sdk.mapping import MappingError, money, text, unique

#: The order's status word: a cancellation, else fulfilment, else payment (see order_status).
FINANCIAL_WORDS = {
    "pending": "pending",
    "authorized": "authorized",
    "partially_paid": "pending",
    "paid": "paid",
    "partially_refunded": "paid",
    "refunded": "refunded",
    "voided": "voided",
    "expired": "voided",
}
#: Carrier shipment statuses that tell crmkit something, as crmkit's status words.
SHIPMENT_WORDS = {
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
}
_UNSHIPPED = frozenset({"cancelled", "error", "failure"})
_ADDRESS = mapping.AddressFields(
    lines=("address1", "address2"),
    city="city",
    region="province",
    postcode="zip",
    country=("country_code", "country"),
)


def utc(value: Any, field: str) -> str | None:
    """Return a Shopify time (``2024-01-15T10:00:00-05:00``) in UTC, or ``None``."""
    shown = text(value)
    if shown is None:
        return None
    try:
        when = dt.datetime.fromisoformat(shown)
    except ValueError as exc:
        raise MappingError(f"{field}: not a date-time: {shown!r}") from exc
    if when.tzinfo is None:
        raise MappingError(f"{field}: a date-time without an offset: {shown!r}")
    return when.astimezone(dt.UTC).isoformat()


def address(block: Any) -> dict[str, str] | None:
    """Return a Shopify address as a generic address, or ``None`` when empty."""
    return _ADDRESS.read(block)


def customer_record(customer: Any) -> dict[str, Any]:
    """Return the generic customer record of a Shopify customer."""
    external_id = mapping.object_id(customer, "customer")
    default = mapping.nested(customer, "default_address")
    listed = customer.get("addresses") or []
    if not isinstance(listed, list):
        raise MappingError("addresses: not a list")
    blocks = [default, *[b for b in listed if isinstance(b, dict)]]
    addresses: list[dict[str, str]] = []
    for block in blocks:
        found = address(block)
        if found and found not in addresses:
            addresses.append(found)
    record: dict[str, Any] = {
        "external_id": external_id,
        "kind": "person",
        "name": mapping.full_name(customer, default),
        "given_name": text(customer.get("first_name")),
        "family_name": text(customer.get("last_name")),
        "emails": unique(customer.get("email")),
        "phones": unique(customer.get("phone"), *(b.get("phone") for b in blocks)),
        "addresses": addresses,
        "updated_at": utc(customer.get("updated_at"), "updated_at")
        or utc(customer.get("created_at"), "created_at"),
    }
    company = text(default.get("company"))
    if company:
        record["attributes"] = {"company": company}
    return mapping.compact(record)


def order_status(order: dict[str, Any]) -> str | None:
    """Return the order's status word: ``cancelled``, else ``fulfilled``, else its payment's.

    Shopify keeps payment (``financial_status``) and fulfilment apart; crmkit's order has
    one status, so a cancellation wins, then a complete fulfilment, then the payment state
    (``partially_paid`` reads as ``pending``, ``partially_refunded`` as ``paid``,
    ``expired`` as ``voided``). The raw payload keeps both words.
    """
    if text(order.get("cancelled_at")):
        return "cancelled"
    if order.get("fulfillment_status") == "fulfilled":
        return "fulfilled"
    financial = text(order.get("financial_status"))
    return FINANCIAL_WORDS.get(financial or "", financial)


def _line(line: Any, n: int) -> dict[str, Any]:
    if not isinstance(line, dict):
        raise MappingError(f"line_items.{n}: not an object")
    quantity = line.get("quantity")
    found = {
        "sku": text(line.get("sku")),
        "name": text(line.get("name")) or text(line.get("title")),
        "quantity": str(quantity)
        if isinstance(quantity, int) and not isinstance(quantity, bool)
        else None,
        "price": money(line.get("price"), f"line_items.{n}.price"),
    }
    return {k: v for k, v in found.items() if v is not None}


def order_number(order: dict[str, Any]) -> str | None:
    """Return the number people use: the order ``name`` without its ``#`` (``#1001`` → 1001)."""
    name = text(order.get("name"))
    if name:
        return name.removeprefix("#").strip() or None
    return text(order.get("order_number"))


def order_record(order: Any) -> dict[str, Any]:
    """Return the generic order record of a Shopify order (guest checkouts included)."""
    external_id = mapping.object_id(order, "order")
    buyer = mapping.nested(order, "customer")
    billing = mapping.nested(order, "billing_address")
    shipping = mapping.nested(order, "shipping_address")
    lines = order.get("line_items") or []
    if not isinstance(lines, list):
        raise MappingError("line_items: not a list")
    customer = {
        "external_id": text(buyer.get("id")),
        "name": mapping.full_name(buyer, billing, shipping),
        "phones": unique(
            order.get("phone"), buyer.get("phone"), billing.get("phone"), shipping.get("phone")
        ),
        "emails": unique(order.get("email"), order.get("contact_email"), buyer.get("email")),
    }
    record: dict[str, Any] = {
        "external_id": external_id,
        "number": order_number(order) or external_id,
        "customer": {k: v for k, v in customer.items() if v not in (None, [])},
        "placed_at": utc(order.get("created_at"), "created_at"),
        "currency": text(order.get("currency")),
        "total": money(order.get("total_price"), "total_price"),
        "lines": [_line(line, n) for n, line in enumerate(lines)],
        "shipping_address": address(shipping),
        "status": order_status(order),
        "updated_at": utc(order.get("updated_at"), "updated_at"),
    }
    return mapping.compact(record)


def fulfillment_events(order_id: str, fulfillment: Any) -> list[dict[str, Any]]:
    """Return the events of one fulfillment: ``shipped`` per tracking number, then transit.

    A cancelled or failed fulfillment shipped nothing and gives no event.
    """
    fulfillment_id = mapping.object_id(fulfillment, "fulfillment")
    if fulfillment.get("status") in _UNSHIPPED:
        return []
    shipped_at = utc(fulfillment.get("created_at"), "created_at")
    if shipped_at is None:
        raise MappingError("fulfillment has no created_at")
    numbers = fulfillment.get("tracking_numbers")
    if not isinstance(numbers, list) or not numbers:
        numbers = [fulfillment.get("tracking_number")]
    tracked: list[str | None] = [*unique(*numbers)] or [None]
    urls = fulfillment.get("tracking_urls")
    url = (
        text(urls[0]) if isinstance(urls, list) and urls else text(fulfillment.get("tracking_url"))
    )
    base = f"{order_id}-fulfillment-{fulfillment_id}"
    events: list[dict[str, Any]] = []
    for n, number in enumerate(tracked):
        event = {
            "external_id": base if n == 0 else f"{base}-{n}",
            "order": {"external_id": order_id},
            "status": "shipped",
            "occurred_at": shipped_at,
            "carrier": text(fulfillment.get("tracking_company")),
            "tracking_number": number,
            "note": url,
        }
        events.append({k: v for k, v in event.items() if v is not None})
    word = SHIPMENT_WORDS.get(text(fulfillment.get("shipment_status")) or "")
    moved_at = utc(fulfillment.get("updated_at"), "updated_at")
    if word and moved_at:
        event = {
            "external_id": f"{base}-{word}",
            "order": {"external_id": order_id},
            "status": word,
            "occurred_at": moved_at,
            "carrier": text(fulfillment.get("tracking_company")),
            "tracking_number": tracked[0],
        }
        events.append({k: v for k, v in event.items() if v is not None})
    return events


def order_events(order: Any) -> list[tuple[str, dict[str, Any]]]:
    """Return ``(what, event)`` for an order's fulfillments and cancellation."""
    order_id = mapping.object_id(order, "order")
    found: list[tuple[str, dict[str, Any]]] = []
    fulfillments = order.get("fulfillments") or []
    if not isinstance(fulfillments, list):
        raise MappingError("fulfillments: not a list")
    for fulfillment in fulfillments:
        what = f"fulfillment {fulfillment.get('id') if isinstance(fulfillment, dict) else '?'}"
        found.extend((what, event) for event in fulfillment_events(order_id, fulfillment))
    cancelled_at = utc(order.get("cancelled_at"), "cancelled_at")
    if cancelled_at:
        event = {
            "external_id": f"{order_id}-cancelled",
            "order": {"external_id": order_id},
            "status": "cancelled",
            "occurred_at": cancelled_at,
            "note": text(order.get("cancel_reason")),
        }
        found.append(("cancellation", {k: v for k, v in event.items() if v is not None}))
    return found
