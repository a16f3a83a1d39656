"""Shopify Admin REST objects shaped like a real shop's (trimmed)."""

from __future__ import annotations

from typing import Any


def address(**fields: Any) -> dict[str, Any]:
    """Return a Shopify address with its usual keys."""
    block = {
        "first_name": "Anna",
        "last_name": "Smirnova",
        "company": None,
        "address1": "Prospekt Mira 10",
        "address2": "apt 5",
        "city": "Moscow",
        "province": "Moscow",
        "country": "Russia",
        "zip": "129090",
        "phone": "+7 916 555-44-33",
        "name": "Anna Smirnova",
        "province_code": "MOW",
        "country_code": "RU",
        "country_name": "Russia",
    }
    block.update(fields)
    return block


def customer(cid: int, email: str, updated: str, **extra: Any) -> dict[str, Any]:
    """Return a customer with a default address."""
    default = {"id": cid * 10, "customer_id": cid, "default": True, **address()}
    return {
        "id": cid,
        "email": email,
        "created_at": "2026-09-01T12:00:00+03:00",
        "updated_at": updated,
        "first_name": "Anna",
        "last_name": "Smirnova",
        "orders_count": 1,
        "state": "enabled",
        "total_spent": "1530.50",
        "last_order_id": None,
        "note": None,
        "verified_email": True,
        "tax_exempt": False,
        "tags": "",
        "currency": "RUB",
        "phone": None,
        "addresses": [default],
        "default_address": default,
        "admin_graphql_api_id": f"gid://shopify/Customer/{cid}",
        **extra,
    }


def fulfillment(fid: int, order_id: int, **extra: Any) -> dict[str, Any]:
    """Return a successful fulfillment shipped with CDEK."""
    return {
        "id": fid,
        "order_id": order_id,
        "status": "success",
        "created_at": "2026-11-03T09:00:00+03:00",
        "service": "manual",
        "updated_at": "2026-11-04T10:00:00+03:00",
        "tracking_company": "CDEK",
        "shipment_status": None,
        "location_id": 7,
        "tracking_number": "1099887766",
        "tracking_numbers": ["1099887766"],
        "tracking_url": "https://www.cdek.ru/ru/tracking?order_id=1099887766",
        "tracking_urls": ["https://www.cdek.ru/ru/tracking?order_id=1099887766"],
        "receipt": {},
        "name": f"#{order_id}.1",
        "line_items": [],
        **extra,
    }


def order(
    oid: int, number: int, updated: str, *, customer_id: int | None = None, **extra: Any
) -> dict[str, Any]:
    """Return an order; without ``customer_id`` it is a guest checkout (no customer)."""
    body = {
        "id": oid,
        "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
        "name": f"#{number}",
        "order_number": number,
        "number": number - 1000,
        "email": "anna@example.com",
        "contact_email": "anna@example.com",
        "phone": None,
        "created_at": "2026-11-02T10:00:00+03:00",
        "updated_at": updated,
        "processed_at": "2026-11-02T10:00:00+03:00",
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "currency": "RUB",
        "total_price": "1530.50",
        "subtotal_price": "1230.50",
        "total_tax": "0.00",
        "financial_status": "paid",
        "fulfillment_status": None,
        "confirmed": True,
        "test": False,
        "line_items": [
            {
                "id": oid + 1,
                "variant_id": 4001,
                "title": "Kettle",
                "name": "Kettle - White",
                "quantity": 2,
                "sku": "KT-100",
                "price": "615.25",
                "fulfillment_status": None,
                "product_id": 901,
            }
        ],
        "billing_address": address(),
        "shipping_address": address(),
        "fulfillments": [],
        "refunds": [],
        "customer": None,
    }
    if customer_id is not None:
        body["customer"] = {
            "id": customer_id,
            "email": "anna@example.com",
            "first_name": "Anna",
            "last_name": "Smirnova",
            "phone": None,
        }
    body.update(extra)
    return body
