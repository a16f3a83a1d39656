"""An ERP customer's guest checkout on Shopify, shipped: one card with the order and its parcel."""

from __future__ import annotations

import json

from shopify_data import fulfillment, order

from crmkit.config import parse_config


def test_a_guest_checkout_lands_on_the_erp_customers_card_with_its_tracking(
    crm, settings, shop, tmp_path
):
    """The ERP knows the e-mail; the fulfilled guest order and its shipment show on the card."""
    erp = tmp_path / "erp.jsonl"
    record = {"external_id": "K-17", "name": "Смирнова Анна", "emails": ["Anna@Example.com"]}
    erp.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    shop.orders = [
        order(
            8000,
            1300,
            "2026-11-03T10:00:00+03:00",
            fulfillment_status="fulfilled",
            fulfillments=[fulfillment(51, 8000)],
        )
    ]
    document = {
        "sources": {
            "erp": {"adapter": "jsonl", "path": str(erp)},
            "shopify": {"adapter": "shopify", **settings, "default_region": "RU"},
        }
    }
    assert crm.sync(parse_config(document, tmp_path / "crmkit.toml", {})).ok
    card = crm.card(email="anna@example.com")
    assert [i["external_id"] for i in card["identities"]] == ["K-17"]
    (placed,) = card["orders"]
    assert (placed["number"], placed["status"]) == ("1300", "shipped")
    texts = [e["text"] for e in card["timeline"] if e["kind"] == "order"]
    assert "order 1300: shipped (CDEK 1099887766)" in texts
