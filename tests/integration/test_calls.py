"""Caller lookup: the short card by any phone format, through the API and ``calls lookup``."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time

import pytest
from click.testing import CliRunner

from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager

AT = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def known(crm):
    """Return crmkit with Ivan (segment A, two orders, six calls) and a household phone."""
    crm.set_source_region("erp", "RU")
    crm.ingest_customers(
        "erp",
        [
            {
                "external_id": "k-1",
                "kind": "person",
                "name": "Иван Петров",
                "phones": ["+7 (495) 123-45-67"],
                "attributes": {"segment": "A"},
            },
            {"external_id": "k-2", "kind": "person", "name": "Ольга", "phones": ["+79161112233"]},
            {"external_id": "k-3", "kind": "person", "name": "Пётр", "phones": ["+79161112233"]},
        ],
    )
    crm.ingest_orders(
        "erp",
        [
            {
                "external_id": "o-1",
                "number": "1001",
                "status": "Отгружен",
                "customer": {"external_id": "k-1"},
            },
            {
                "external_id": "o-2",
                "number": "1002",
                "status": "delivered",
                "customer": {"external_id": "k-1"},
            },
        ],
    )
    crm.ingest_interactions(
        "pbx",
        [
            {
                "external_id": f"call-{n}",
                "channel": "phone",
                "direction": "in",
                "occurred_at": (AT + dt.timedelta(hours=n)).isoformat(),
                "outcome": "answered" if n % 2 else "missed",
                "customer": {"phones": ["84951234567"]},
            }
            for n in range(6)
        ],
    )
    return crm


@pytest.mark.parametrize(
    "phone", ["8 (495) 123-45-67", "+74951234567", "74951234567", "+7 495 123 45 67", "4951234567"]
)
def test_a_caller_is_found_by_any_phone_format(known, phone):
    """Every common way of writing the number finds Ivan's short card."""
    card = known.lookup_caller(phone)
    assert card is not None
    assert (card.name, card.phone, card.segment) == ("Иван Петров", "+74951234567", "A")


def test_the_short_card_has_open_orders_and_the_last_five_interactions(known):
    """Only open orders, with status; the five newest interactions, newest first."""
    card = known.lookup_caller("84951234567")
    assert [(o.number, o.status) for o in card.open_orders] == [("1001", "shipped")]
    assert [i.at for i in card.last_interactions] == [
        AT + dt.timedelta(hours=n) for n in (5, 4, 3, 2, 1)
    ]
    data = card.to_dict()
    assert list(data) == [
        "customer_id",
        "name",
        "segment",
        "phone",
        "open_orders",
        "last_interactions",
    ]


def test_a_customer_without_segment_has_none_on_the_card(known):
    """No segment attribute: the JSON leaves the key out; a shared number names the others."""
    card = known.lookup_caller("+7 916 111-22-33")
    assert card.segment is None
    assert "segment" not in card.to_dict()
    assert card.name == "Ольга"
    assert len(card.others) == 1
    assert card.to_dict()["others"] == list(card.others)


def test_an_unknown_number_is_none(known):
    """A number no customer has gives None, as does text that is not a number."""
    assert known.lookup_caller("+7 999 000-00-00") is None
    assert known.lookup_caller("not a phone") is None


def test_a_lookup_takes_milliseconds(known):
    """Indexed keys: the median lookup stays far below a quarter of a second, even on a busy CI."""
    times = []
    for _ in range(21):
        started = time.perf_counter()
        known.lookup_caller("8 (495) 123-45-67")
        times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.25


def _lookup(crm, *args):
    pm = get_plugin_manager(entrypoints=False)
    url = crm.database.url.render_as_string(hide_password=False)
    return CliRunner().invoke(build_cli(pm), ["--db", url, "calls", "lookup", *args], obj=pm)


def test_calls_lookup_prints_the_short_card(known):
    """Text for people: name, segment, open orders, last interactions."""
    result = _lookup(known, "8 (495) 123-45-67", "--region", "RU")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("Иван Петров [A]")
    assert any(line.startswith("  1001: shipped, placed ") for line in lines)
    assert sum(1 for line in lines if "(pbx)" in line) == 5


def test_calls_lookup_prints_json(known):
    """--format json prints the short card as one JSON object."""
    result = _lookup(known, "+74951234567", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["name"], data["segment"], data["open_orders"][0]["number"]) == (
        "Иван Петров",
        "A",
        "1001",
    )


def test_calls_lookup_of_an_unknown_number_says_so_and_exits_1(known):
    """No customer: a clear message and exit status 1."""
    result = _lookup(known, "+7 999 000-00-00", "--region", "RU")
    assert result.exit_code == 1
    assert "no customer with phone +7 999 000-00-00" in result.output
