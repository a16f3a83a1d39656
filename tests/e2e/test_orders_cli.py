"""``crmkit import --stream``, ``crmkit orders`` and ``crmkit customers show`` by every key."""

from __future__ import annotations

import json

import pytest

CUSTOMERS = [
    {
        "external_id": "c-1",
        "kind": "organization",
        "name": "ООО «Ромашка»",
        "phones": ["8 (495) 123-45-67"],
        "identifiers": {"inn": "7707083893"},
    },
]
ORDERS = [
    {
        "external_id": "wc-1234",
        "number": "1234",
        "customer": {"phones": ["+7 495 123-45-67"]},
        "placed_at": "2026-11-01T10:00:00Z",
        "currency": "RUB",
        "total": 990,
        "cross_references": [{"source": "1c", "number": "00045"}],
    },
    {
        "external_id": "wc-1235",
        "number": "1235",
        "customer": {"emails": ["x@example.com"]},
        "placed_at": "2099-11-01T10:00:00Z",
    },
    {"number": "no id"},
    {"external_id": "wc-1236", "total": "12.50"},
]
EVENTS = [
    {
        "external_id": "e-1",
        "order": {"source": "shop", "number": "1234"},
        "status": "shipped",
        "occurred_at": "2026-11-02T10:00:00Z",
        "carrier": "CDEK",
        "tracking_number": "1099887766",
    },
    {
        "external_id": "e-2",
        "order": {"source": "shop"},
        "status": "delivered",
        "occurred_at": "2026-11-03T10:00:00Z",
    },
    {
        "external_id": "e-3",
        "order": {"number": "1234"},
        "status": "paid",
        "occurred_at": "yesterday",
    },
]
INTERACTIONS = [
    {
        "external_id": "call-1",
        "channel": "phone",
        "direction": "in",
        "occurred_at": "2026-11-02T12:00:00Z",
        "customer": {"phones": ["84951234567"]},
        "subject": "где заказ?",
        "csat": 4,
    },
    {
        "external_id": "call-2",
        "channel": "fax",
        "direction": "in",
        "occurred_at": "2026-11-02T12:00:00Z",
    },
    {
        "external_id": "call-3",
        "channel": "phone",
        "direction": "sideways",
        "occurred_at": "2026-11-02T12:00:00Z",
        "nps": 11,
    },
]


@pytest.fixture
def db(run, tmp_path, monkeypatch):
    """Return the URL of a SQLite file with the customers, orders, events and calls imported."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for stream, source, rows in (
        ("customers", "1c", CUSTOMERS),
        ("orders", "shop", ORDERS),
        ("order_events", "cdek", EVENTS),
        ("interactions", "pbx", INTERACTIONS),
    ):
        path = tmp_path / f"{stream}.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        result = run(
            "--db",
            url,
            "import",
            "jsonl",
            path,
            "--source",
            source,
            "--stream",
            stream,
            "--region",
            "RU",
        )
        assert result.exit_code == 0, result.output
    return url


def test_malformed_records_of_every_stream_are_dead_lettered_with_reasons(run, db):
    """Each bad order, event and call is kept with why; the good ones are imported."""
    result = run("--db", db, "deadletters", "list", "--json")
    letters = {
        (d["stream"], d["position"]): d["reason"]
        for d in map(json.loads, result.output.splitlines())
    }
    channels = "phone, email, meeting, web, chat, sms, letter, complaint"
    assert letters == {
        ("orders", "line 3"): "external_id: Missing data for required field.",
        ("orders", "line 4"): "currency: required when total or a line price is given",
        ("order_events", "line 2"): "order.external_id: give the order's external_id or number",
        ("order_events", "line 3"): "occurred_at: Not a valid datetime.",
        ("interactions", "line 2"): f"channel: Must be one of: {channels}.",
        ("interactions", "line 3"): "direction: Must be one of: in, out.; nps: Must be greater "
        "than or equal to 0 and less than or equal to 10.",
    }
    card = json.loads(
        run("--db", db, "customers", "show", "--inn", "7707083893", "--format", "json").output
    )
    assert [o["number"] for o in card["orders"]] == ["1234"]
    assert [i["external_id"] for i in card["interactions"]] == ["call-1"]


def test_customers_show_by_phone_as_json(run, db):
    """The card's JSON has the documented top-level keys and order fields."""
    result = run("--db", db, "customers", "show", "--phone", "8 495 123 45 67", "--format", "json")
    assert result.exit_code == 0, result.output
    card = json.loads(result.output)
    assert {"customer", "identities", "orders", "interactions", "timeline"} <= set(card)
    [order] = card["orders"]
    assert {"number", "status", "events", "tracking_numbers", "anomalies"} <= set(order)
    assert (order["status"], order["tracking_numbers"]) == ("shipped", ["1099887766"])


@pytest.mark.parametrize("key", [["1"], ["--order", "00045"], ["--inn", "7707083893"]])
def test_customers_show_as_text(run, db, key):
    """The text card names the customer, the order and the call."""
    result = run("--db", db, "customers", "show", *key)
    assert result.exit_code == 0, result.output
    assert "ООО «Ромашка»" in result.output
    assert "1234" in result.output
    assert "где заказ?" in result.output


def test_customers_show_needs_exactly_one_key_and_says_when_nobody_matches(run, db):
    """Two keys are a usage error; an unknown phone is a one-line error."""
    assert run("--db", db, "customers", "show", "1", "--inn", "7707083893").exit_code == 2
    result = run("--db", db, "customers", "show", "--phone", "+49 30 1234567")
    assert result.exit_code == 1
    assert "no customer found by --phone +49 30 1234567" in result.output


def test_orders_track_by_any_number_as_json_and_text(run, db):
    """The order as on the card, with its customer, by the 1C number and the tracking number."""
    doc = json.loads(run("--db", db, "orders", "track", "00045", "--format", "json").output)
    assert doc["number"] == "1234"
    assert doc["customer"]["name"] == "ООО «Ромашка»"
    assert [e["status"] for e in doc["events"]] == ["placed", "shipped"]
    text = run("--db", db, "orders", "track", "1099887766").output
    assert "status: shipped" in text
    assert "CDEK" in text
    missing = run("--db", db, "orders", "track", "999")
    assert missing.exit_code == 1
    assert "no order is known under '999'" in missing.output


def test_orders_list_by_status_overdue_and_customer(run, db):
    """--status, --overdue and --customer each narrow the list."""

    def numbers(*args):
        result = run("--db", db, "orders", "list", *args, "--format", "json")
        assert result.exit_code == 0, result.output
        return [o["number"] for o in json.loads(result.output)]

    assert numbers() == ["1235", "1234"]
    assert numbers("--status", "shipped") == ["1234"]
    assert numbers("--status", "placed") == ["1235"]
    assert numbers("--overdue") == ["1234"]
    assert numbers("--customer", "1") == ["1234"]
    assert numbers("--status", "delivered", "--customer", "1") == []
    text = run("--db", db, "orders", "list", "--overdue").output
    assert "stuck" in text


def test_the_csv_adapter_reads_orders_and_interactions_from_flat_columns(
    run, tmp_path, monkeypatch
):
    """Dotted columns fill nested objects; cross_references and integers are read from text."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'csv.db'}"
    files = {
        "orders.csv": "external_id,number,customer.phones,placed_at,currency,total,"
        "shipping_address.city,cross_references\n"
        "o-1,1234,+7 495 123-45-67,2026-11-01T10:00:00Z,RUB,990.00,Москва,1c:00045;sap:4500012\n",
        "calls.csv": "external_id,channel,direction,occurred_at,customer.phones,"
        "duration_seconds,csat\n"
        "c-1,phone,in,2026-11-02T10:00:00Z,84951234567,95,5\n"
        "c-2,phone,in,2026-11-02T11:00:00Z,84951234567,long,5\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    run("--db", url, "import", "csv", "orders.csv", "--source", "shop", "--stream", "orders")
    result = run(
        "--db",
        url,
        "import",
        "csv",
        "calls.csv",
        "--source",
        "pbx",
        "--stream",
        "interactions",
        "--region",
        "RU",
    )
    assert "1 bad record(s)" in result.output
    doc = json.loads(run("--db", url, "orders", "track", "4500012", "--format", "json").output)
    assert doc["number"] == "1234"
    assert doc["total"] == {"amount": "990.00", "currency": "RUB"}
    run(
        "--db",
        url,
        "import",
        "jsonl",
        write_customers(tmp_path),
        "--source",
        "1c",
        "--region",
        "RU",
    )
    card = json.loads(
        run("--db", url, "customers", "show", "--order", "00045", "--format", "json").output
    )
    assert [(i["external_id"], i["duration_seconds"]) for i in card["interactions"]] == [
        ("c-1", 95)
    ]


def write_customers(directory):
    """Write the customers file into ``directory`` and return its path."""
    path = directory / "customers.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in CUSTOMERS), encoding="utf-8"
    )
    return path


def test_orders_project_full_projects_every_stored_record_again(run, db):
    """A full pass re-reads every order, event and interaction record; nothing changes."""
    result = run("--db", db, "orders", "project", "--full")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "2 order(s), 1 event(s), 1 interaction(s) projected; 0 status change(s); "
        "0 record(s) left out\n"
    )
    assert run("--db", db, "orders", "project").output.startswith("0 order(s), 0 event(s)")
