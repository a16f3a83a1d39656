"""A customer known to the ERP buys on the web shop as a guest: one card, the order on it."""

from __future__ import annotations

import json

from woo_data import note, order

from crmkit.config import parse_config


def test_an_erp_customer_buying_as_a_guest_gets_the_web_order_on_their_card(
    crm, settings, shop, tmp_path
):
    """The ERP's customer (jsonl) and the shop's guest order meet on one card by phone."""
    erp = tmp_path / "erp_customers.jsonl"
    erp.write_text(
        json.dumps(
            {
                "external_id": "0000100042",
                "kind": "person",
                "name": "Смирнова Анна Викторовна",
                "phones": ["+7 916 555 44 33"],
                "addresses": [{"line": "пр. Мира, 10", "city": "Москва", "country": "RU"}],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    shop.orders = [
        order(
            1234,
            customer_id=0,
            email="anna.smirnova@example.com",
            phone="8 (916) 555-44-33",
            status="completed",
            modified="2026-11-04T15:00:00",
        )
    ]
    shop.notes[1234] = [
        note(1, "Order status changed from Pending payment to Processing.", "2026-11-02T10:01:00"),
        note(2, "Order status changed from Processing to Completed.", "2026-11-04T15:00:00"),
    ]
    document = {
        "sources": {
            "erp": {"adapter": "jsonl", "path": str(erp), "default_region": "RU"},
            "shop": {"adapter": "woocommerce", **settings, "default_region": "RU"},
        }
    }
    report = crm.sync(parse_config(document, tmp_path / "crmkit.toml", {}))
    assert report.ok, report.streams
    card = crm.card(phone="+79165554433")
    assert [i["source"] for i in card["identities"]] == ["erp"]
    assert [o["number"] for o in card["orders"]] == ["1234"]
    assert card["orders"][0]["status"] == "delivered"
    texts = [e["text"] for e in card["timeline"] if e["kind"] == "order"]
    assert "order 1234: delivered" in texts
    assert "order 1234: paid" in texts
    assert crm.card(order="1234")["customer"]["id"] == card["customer"]["id"]
