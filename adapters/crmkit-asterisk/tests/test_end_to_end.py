"""One customer across an ERP export and the PBX: one card, the call on its timeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import crmkit_asterisk.plugin
from click.testing import CliRunner

from crmkit.cli import build_cli
from crmkit.config import load_config
from crmkit.plugins import get_plugin_manager

DATA = Path(__file__).parent / "data"


def test_an_erp_customer_who_calls_from_another_format_is_one_card_with_the_call(crm, tmp_path):
    """ERP (jsonl) says +7 (495) 123-45-67; Asterisk logs 84951234567: one card, one timeline."""
    erp = {
        "external_id": "К-0001",
        "kind": "person",
        "name": "Иван Петров",
        "phones": ["+7 (495) 123-45-67"],
        "attributes": {"segment": "A"},
    }
    order = {
        "external_id": "ЗК-17",
        "number": "ЗК-17",
        "status": "Отгружен",
        "customer": {"name": "Петров И.", "phones": ["8-495-123-45-67"]},
        "placed_at": "2026-11-01T10:00:00+03:00",
    }
    (tmp_path / "customers.jsonl").write_text(json.dumps(erp, ensure_ascii=False) + "\n")
    (tmp_path / "orders.jsonl").write_text(json.dumps(order, ensure_ascii=False) + "\n")
    (tmp_path / "cdr").mkdir()
    shutil.copy(DATA / "Master.csv", tmp_path / "cdr" / "Master.csv")
    (tmp_path / "crmkit.toml").write_text(
        """
[sources.erp]
adapter = "jsonl"
path = "customers.jsonl"
default_region = "RU"

[sources.erp-orders]
adapter = "jsonl"
path = "orders.jsonl"
streams = ["orders"]

[sources.pbx]
adapter = "asterisk-cdr"
path = "cdr/Master.csv"
default_region = "RU"
timezone = "Europe/Moscow"
""",
        encoding="utf-8",
    )
    report = crm.sync(load_config(tmp_path / "crmkit.toml"))
    assert report.ok, [r.message for r in report.streams]

    [card] = crm.cards(phone="8 (495) 123-45-67")
    assert card["customer"]["name"] == "Иван Петров"
    calls = [i for i in card["interactions"] if i["source"] == "pbx"]
    assert {(c["direction"], c["outcome"]) for c in calls} == {("in", "answered"), ("out", "busy")}
    assert all(c["linked_by"] == "phone" for c in calls)
    timeline = [e for e in card["timeline"] if e["kind"] == "interaction"]
    assert {e["at"] for e in timeline} == {"2026-11-02T06:00:00+00:00", "2026-11-02T08:00:00+00:00"}

    short = crm.lookup_caller("84951234567")
    assert short is not None
    assert (short.customer_id, short.name, short.segment) == (
        card["customer"]["id"],
        "Иван Петров",
        "A",
    )
    assert [(o.number, o.status) for o in short.open_orders] == [("ЗК-17", "shipped")]
    assert [i.outcome for i in short.last_interactions] == ["busy", "answered"]

    pm = get_plugin_manager(entrypoints=False, extra=(crmkit_asterisk.plugin,))
    result = CliRunner().invoke(
        build_cli(pm),
        ["--db", crm.database.url, "calls", "lookup", "+7 495 123 45 67", "--format", "json"],
        obj=pm,
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["name"] == "Иван Петров"
    assert shown["open_orders"][0]["status"] == "shipped"
