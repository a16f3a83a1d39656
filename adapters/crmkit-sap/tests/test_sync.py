"""``crmkit sync`` semantics with the sap adapter: cursors, incremental runs, orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmkit.config import parse_config

if TYPE_CHECKING:
    from pathlib import Path


def _config(settings, tmp_path: Path):
    table = {"adapter": "sap", **settings, "streams": ["customers", "orders", "order_events"]}
    return parse_config({"sources": {"sap": table}}, tmp_path / "crmkit.toml", {})


def test_sync_reads_everything_then_nothing_new(crm, settings, sap, tmp_path):
    """A second sync starts from the committed cursors and stores nothing new."""
    config = _config(settings, tmp_path)
    first = crm.sync(config)
    assert {r.stream: r.status for r in first.streams} == {
        "customers": "ok",
        "orders": "ok",
        "order_events": "ok",
    }
    assert crm.count_customers() == 4
    assert sorted(o.number for o in crm.orders()) == ["4711", "4712"]
    assert crm.order("4711").status.value == "shipped"
    before = len(sap.called("BAPI_CUSTOMER_GETLIST"))
    second = crm.sync(config)
    for result in second.streams:
        assert result.outcome.new == 0, result
        assert result.outcome.changed == 0, result
    lows = [c["IDRANGE"][0]["LOW"] for c in sap.called("BAPI_CUSTOMER_GETLIST")[before:]]
    assert lows[0] == "0000100099"
