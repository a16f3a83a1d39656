"""WooCommerce REST API v3 objects shaped like a real shop's (trimmed of _links noise)."""

from __future__ import annotations

from typing import Any


def address(**fields: str) -> dict[str, str]:
    """Return a billing/shipping block with WooCommerce's keys, empty where not given."""
    keys = ("first_name", "last_name", "company", "address_1", "address_2", "city", "state")
    block = dict.fromkeys((*keys, "postcode", "country"), "")
    block.update(fields)
    return block


def customer(
    cid: int, email: str, first: str, last: str, modified: str, **extra: Any
) -> dict[str, Any]:
    """Return a customer object."""
    return {
        "id": cid,
        "date_created": modified,
        "date_created_gmt": modified,
        "date_modified": modified,
        "date_modified_gmt": modified,
        "email": email,
        "first_name": first,
        "last_name": last,
        "role": "customer",
        "username": email.split("@", maxsplit=1)[0],
        "billing": address(
            first_name=first,
            last_name=last,
            address_1="ул. Ленина, 1",
            city="Москва",
            postcode="101000",
            country="RU",
            email=email,
            phone=extra.pop("phone", "+7 916 111-22-33"),
        ),
        "shipping": address(first_name=first, last_name=last, phone=""),
        "is_paying_customer": True,
        "avatar_url": "https://secure.gravatar.com/avatar/x",
        "meta_data": [],
        **extra,
    }


def order(
    oid: int,
    *,
    customer_id: int = 0,
    email: str = "guest@example.com",
    phone: str = "8 (916) 555-44-33",
    status: str = "processing",
    created: str = "2026-11-02T10:00:00",
    modified: str = "2026-11-02T10:05:00",
    total: str = "1530.50",
) -> dict[str, Any]:
    """Return an order object; ``customer_id`` 0 is a guest order."""
    return {
        "id": oid,
        "parent_id": 0,
        "number": str(oid),
        "order_key": f"wc_order_{oid}abc",
        "created_via": "checkout",
        "version": "9.3.3",
        "status": status,
        "currency": "RUB",
        "date_created": created,
        "date_created_gmt": created,
        "date_modified": modified,
        "date_modified_gmt": modified,
        "discount_total": "0.00",
        "shipping_total": "300.00",
        "total": total,
        "total_tax": "0.00",
        "prices_include_tax": False,
        "customer_id": customer_id,
        "customer_note": "",
        "billing": address(
            first_name="Анна",
            last_name="Смирнова",
            address_1="пр. Мира, 10",
            city="Москва",
            postcode="129090",
            country="RU",
            email=email,
            phone=phone,
        ),
        "shipping": address(
            first_name="Анна",
            last_name="Смирнова",
            address_1="пр. Мира, 10",
            address_2="кв. 5",
            city="Москва",
            postcode="129090",
            country="RU",
        ),
        "payment_method": "cod",
        "payment_method_title": "Cash on delivery",
        "transaction_id": "",
        "date_paid": None,
        "date_paid_gmt": None,
        "date_completed": None,
        "date_completed_gmt": None,
        "line_items": [
            {
                "id": oid * 10,
                "name": "Чайник электрический",
                "product_id": 93,
                "variation_id": 0,
                "quantity": 2,
                "tax_class": "",
                "subtotal": "1230.50",
                "subtotal_tax": "0.00",
                "total": "1230.50",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
                "sku": "KT-100",
                "price": 615.25,
            }
        ],
        "shipping_lines": [],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
    }


def note(nid: int, text: str, when: str, *, customer_note: bool = False) -> dict[str, Any]:
    """Return an order note."""
    return {
        "id": nid,
        "author": "WooCommerce",
        "date_created": when,
        "date_created_gmt": when,
        "note": text,
        "customer_note": customer_note,
    }
