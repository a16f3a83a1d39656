"""WooCommerce REST API v3 objects mapped into crmkit's generic records.

Customers (``/customers``) become customer records; orders (``/orders``) become order
records whose ``customer`` block carries the billing name, e-mail and phone, so a guest order
(``customer_id`` 0) attaches to whoever owns them; order notes (``/orders/<id>/notes``)
become order events. Money stays a decimal string (a line's ``price`` arrives as a JSON
number and is read exactly, never through a float); times are the ``*_gmt`` fields, in UTC.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
import re
from typing import Any

from crmkit.sdk import mapping
from crmkit.sdk.mapping import MappingError, money, text, unique

#: WooCommerce's order status labels (``wc_get_order_statuses``) by their slugs' words.
STATUS_LABELS = {
    "pending payment": "pending",
    "pending": "pending",
    "processing": "processing",
    "on hold": "on-hold",
    "completed": "completed",
    "cancelled": "cancelled",
    "refunded": "refunded",
    "failed": "failed",
    "draft": "checkout-draft",
}
_STATUS_CHANGE = re.compile(
    r"order status changed from (?P<old>[^.]+?) to (?P<new>[^.]+?)\.?\s*$", re.IGNORECASE
)
_STATUS_SET = re.compile(r"order status set to (?P<new>[^.]+?)\.?\s*$", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_ADDRESS = mapping.AddressFields(
    lines=("address_1", "address_2"),
    city="city",
    region="state",
    postcode="postcode",
    country=("country",),
)


def utc_time(obj: dict[str, Any], field: str, zone: dt.tzinfo = dt.UTC) -> str | None:
    """Return ``obj``'s time ``field`` in UTC (RFC 3339): ``field_gmt``, else local in ``zone``."""
    gmt = text(obj.get(f"{field}_gmt"))
    local = text(obj.get(field))
    value, tz = (gmt, dt.UTC) if gmt else (local, zone)
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise MappingError(f"{field}: not a date-time: {value!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(dt.UTC).isoformat()


def address(block: Any) -> dict[str, str] | None:
    """Return a billing or shipping block as a generic address, or ``None`` when empty."""
    return _ADDRESS.read(block)


def customer_record(customer: Any, zone: dt.tzinfo = dt.UTC) -> dict[str, Any]:
    """Return the generic customer record of a WooCommerce customer object."""
    external_id = mapping.object_id(customer, "customer")
    billing = mapping.nested(customer, "billing")
    shipping = mapping.nested(customer, "shipping")
    addresses = [a for a in (address(billing), address(shipping)) if a]
    unique_addresses = [a for i, a in enumerate(addresses) if a not in addresses[:i]]
    record: dict[str, Any] = {
        "external_id": external_id,
        "kind": "person",
        "name": mapping.full_name(customer, billing),
        "given_name": text(customer.get("first_name")) or text(billing.get("first_name")),
        "family_name": text(customer.get("last_name")) or text(billing.get("last_name")),
        "emails": unique(customer.get("email"), billing.get("email")),
        "phones": unique(billing.get("phone"), shipping.get("phone")),
        "addresses": unique_addresses,
        "updated_at": utc_time(customer, "date_modified", zone)
        or utc_time(customer, "date_created", zone),
    }
    company = text(billing.get("company"))
    if company:
        record["attributes"] = {"company": company}
    return mapping.compact(record)


def _line(line: Any, n: int) -> dict[str, Any]:
    if not isinstance(line, dict):
        raise MappingError(f"line_items.{n}: not an object")
    quantity = line.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int | decimal.Decimal | str):
        quantity = None
    price = money(line.get("price"), f"line_items.{n}.price")
    if price is None and quantity:
        total = money(line.get("total"), f"line_items.{n}.total")
        if total is not None:
            price = str(decimal.Decimal(total) / decimal.Decimal(str(quantity)))
    found = {
        "sku": text(line.get("sku")),
        "name": text(line.get("name")),
        "quantity": str(quantity) if quantity is not None else None,
        "price": price,
    }
    return {k: v for k, v in found.items() if v is not None}


def order_record(order: Any, zone: dt.tzinfo = dt.UTC) -> dict[str, Any]:
    """Return the generic order record of a WooCommerce order object.

    A guest order (``customer_id`` 0) has no customer ``external_id``: its billing e-mail
    and phone identify the buyer.
    """
    external_id = mapping.object_id(order, "order")
    billing = mapping.nested(order, "billing")
    shipping = mapping.nested(order, "shipping")
    customer_id = order.get("customer_id")
    registered = text(customer_id) if customer_id not in (0, "0", None, "") else None
    lines = order.get("line_items") or []
    if not isinstance(lines, list):
        raise MappingError("line_items: not a list")
    customer = {
        "external_id": registered,
        "name": mapping.full_name(billing, shipping),
        "phones": unique(billing.get("phone"), shipping.get("phone")),
        "emails": unique(billing.get("email")),
    }
    record: dict[str, Any] = {
        "external_id": external_id,
        "number": text(order.get("number")) or external_id,
        "customer": {k: v for k, v in customer.items() if v not in (None, [])},
        "placed_at": utc_time(order, "date_created", zone),
        "currency": text(order.get("currency")),
        "total": money(order.get("total"), "total"),
        "lines": [_line(line, n) for n, line in enumerate(lines)],
        "shipping_address": address(shipping) or address(billing),
        "status": text(order.get("status")),
        "updated_at": utc_time(order, "date_modified", zone),
    }
    return mapping.compact(record)


def status_slug(label: str) -> str:
    """Return the status slug of a label in a note (``Pending payment`` → ``pending``)."""
    key = " ".join(label.replace("-", " ").split()).casefold()
    return STATUS_LABELS.get(key, key.replace(" ", "-"))


def status_change(note: str) -> tuple[str | None, str] | None:
    """Return ``(old, new)`` status slugs a status-change note reports, or ``None``."""
    plain = note_text(note)
    found = _STATUS_CHANGE.search(plain)
    if found:
        return status_slug(found["old"]), status_slug(found["new"])
    found = _STATUS_SET.search(plain)
    if found:
        return None, status_slug(found["new"])
    return None


def note_text(note: Any) -> str:
    """Return a note's text without HTML tags and entities."""
    return " ".join(html.unescape(_TAGS.sub(" ", str(note or ""))).split())


def note_events(
    order_id: str, current_status: str | None, notes: list[Any], zone: dt.tzinfo = dt.UTC
) -> list[dict[str, Any] | MappingError]:
    """Return an order event per note (or why a note cannot be one), in the notes' order.

    A status-change note ("Order status changed from Pending payment to Processing.") is an
    event of the new status. Any other note is an event of the status in effect when it was
    written (from the surrounding status changes, else the order's current status), carrying
    the note's text, so the timeline shows what the shop wrote and when.
    """
    dated: list[tuple[str, Any, tuple[str | None, str] | None]] = []
    results: dict[int, dict[str, Any] | MappingError] = {}
    for n, note in enumerate(notes):
        try:
            mapping.object_id(note, "note")
            when = utc_time(note, "date_created", zone)
        except MappingError as exc:
            results[n] = exc
            continue
        if when is None:
            results[n] = MappingError("note has no date_created_gmt")
            continue
        dated.append((when, n, status_change(note.get("note", ""))))
    changes = sorted((when, change) for when, _, change in dated if change is not None)
    for when, n, change in dated:
        note = notes[n]
        status = change[1] if change else _in_effect(when, changes, current_status)
        if status is None:
            results[n] = MappingError("no status is known for this note's time")
            continue
        event: dict[str, Any] = {
            "external_id": f"{order_id}-note-{note['id']}",
            "order": {"external_id": order_id},
            "status": status,
            "occurred_at": when,
            "note": note_text(note.get("note")) or None,
        }
        results[n] = {k: v for k, v in event.items() if v is not None}
    return [results[n] for n in range(len(notes))]


def _in_effect(
    when: str, changes: list[tuple[str, tuple[str | None, str]]], current: str | None
) -> str | None:
    """Return the status in effect at ``when`` given the dated status ``changes``."""
    before = [change for at, change in changes if at <= when]
    if before:
        return before[-1][1]
    if changes:
        return changes[0][1][0] or changes[0][1][1]
    return current
