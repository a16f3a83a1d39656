"""A customer in the ERP who buys on the web shop and calls from another phone format: one card.

Three real adapters run through ``Crmkit.sync``: the built-in ``jsonl`` (the ERP export),
``woocommerce`` against the loopback shop of its own tests (a guest order), and
``asterisk-cdr`` over a ``Master.csv`` (a call from ``8 916 …``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import crmkit
from crmkit.config import parse_config

if TYPE_CHECKING:
    from types import ModuleType

WOO_TESTS = Path(__file__).resolve().parents[2] / "adapters" / "crmkit-woocommerce" / "tests"
woocommerce_plugin = pytest.importorskip("crmkit_woocommerce.plugin")
asterisk_plugin = pytest.importorskip("crmkit_asterisk.plugin")

CALL = (
    '"","89165554433","101","from-trunk","""Anna"" <89165554433>","SIP/trunk-00000011",'
    '"SIP/101-00000012","Dial","SIP/101,30,tT","2026-11-05 12:00:00","2026-11-05 12:00:05",'
    '"2026-11-05 12:04:05",245,240,"ANSWERED","DOCUMENTATION","1762333200.11",""\n'
)


def _load(name: str) -> ModuleType:
    """Import one of the WooCommerce tests' helper modules under a name of its own."""
    if str(WOO_TESTS) not in sys.path:
        sys.path.append(str(WOO_TESTS))
    spec = importlib.util.spec_from_file_location(f"crmkit_woo_test_{name}", WOO_TESTS / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def shop():
    """Serve the WooCommerce tests' loopback shop; yield it."""
    server = _load("woo_server.py")
    fake = server.FakeWoo().start()
    fake.credentials = (server.KEY, server.SECRET)
    try:
        yield fake
    finally:
        fake.stop()


def test_an_erp_customer_with_a_web_order_and_a_call_is_one_card(shop, tmp_path):
    """ERP +7 916 555 44 33, a guest order with 8 (916) 555-44-33, a call from 89165554433."""
    data = _load("woo_data.py")
    (tmp_path / "erp.jsonl").write_text(
        json.dumps(
            {
                "external_id": "0000100042",
                "kind": "person",
                "name": "Смирнова Анна Викторовна",
                "phones": ["+7 916 555 44 33"],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    shop.orders = [data.order(1234, customer_id=0, phone="8 (916) 555-44-33", status="processing")]
    (tmp_path / "cdr").mkdir()
    (tmp_path / "cdr" / "Master.csv").write_text(CALL, encoding="utf-8")
    key, secret = shop.credentials
    sources = {
        "erp": {"adapter": "jsonl", "path": str(tmp_path / "erp.jsonl"), "default_region": "RU"},
        "shop": {
            "adapter": "woocommerce",
            "url": shop.url,
            "consumer_key": key,
            "consumer_secret": "env:WOO_SECRET",
            "default_region": "RU",
        },
        "pbx": {
            "adapter": "asterisk-cdr",
            "path": str(tmp_path / "cdr" / "Master.csv"),
            "default_region": "RU",
            "timezone": "Europe/Moscow",
        },
    }
    config = parse_config({"sources": sources}, tmp_path / "crmkit.toml", {"WOO_SECRET": secret})
    with crmkit.open(
        f"sqlite:///{tmp_path / 'crm.db'}",
        entrypoints=False,
        plugins=(woocommerce_plugin, asterisk_plugin),
        default_region="RU",
    ) as crm:
        report = crm.sync(config)
        assert report.ok, [r.message for r in report.streams]
        [card] = crm.cards(phone="89165554433")
        assert card["customer"]["name"] == "Смирнова Анна Викторовна"
        assert [o["number"] for o in card["orders"]] == ["1234"]
        calls = [i for i in card["interactions"] if i["source"] == "pbx"]
        assert [(c["direction"], c["outcome"]) for c in calls] == [("in", "answered")]
        kinds = {e["kind"] for e in card["timeline"]}
        assert {"order", "interaction"} <= kinds
        assert crm.card(order="1234")["customer"]["id"] == card["customer"]["id"]
