"""The woocommerce adapter against a loopback WooCommerce: paging, auth, failures, mapping."""

from __future__ import annotations

import json

import pytest
from woo_data import customer, note, order
from woo_server import API, SECRET

from crmkit.config import parse_config
from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.adapter import Checkpoint, NoProgress


def _items(adapter, stream, cursor=None):
    return [i for i in adapter.read(stream, cursor, NoProgress()) if not isinstance(i, Checkpoint)]


def _config(settings, tmp_path, **engine):
    table = {"adapter": "woocommerce", **settings, "backoff_seconds": 0.0, **engine}
    return parse_config({"sources": {"shop": table}}, tmp_path / "crmkit.toml", {})


def test_orders_are_read_page_by_page_following_the_total_pages_header(crm, shop, make_adapter):
    """Five orders at two per page take three requests, and all are stored with money exact."""
    shop.orders = [order(100 + n, modified=f"2026-11-02T10:0{n}:00") for n in range(5)]
    outcome = crm.import_from(make_adapter(), "orders")
    assert (outcome.read, outcome.new, outcome.dead_lettered) == (5, 5, 0)
    pages = [q["page"] for q in shop.queries(f"{API}/orders")]
    assert pages == ["1", "2", "3"]
    assert {q["orderby"] for q in shop.queries(f"{API}/orders")} == {"modified"}
    tracked = crm.order("103")
    assert str(tracked.orders[0].total.amount) == "1530.50"
    assert str(tracked.orders[0].lines[0].price.amount) == "615.25"
    assert tracked.status.value == "paid"
    assert tracked.status_word == "processing"


def test_a_guest_order_names_its_buyer_by_billing_email_and_phone(make_adapter, shop):
    """customer_id 0 gives no customer external_id; the billing e-mail and phone remain."""
    shop.orders = [order(7, customer_id=0, email="anna@example.com")]
    (item,) = _items(make_adapter(), "orders")
    assert item.data["customer"] == {
        "name": "Анна Смирнова",
        "phones": ["8 (916) 555-44-33"],
        "emails": ["anna@example.com"],
    }
    assert item.data["placed_at"] == "2026-11-02T10:00:00+00:00"
    assert item.data["shipping_address"]["line"] == "пр. Мира, 10, кв. 5"
    assert json.loads(item.raw)["id"] == 7


def test_a_registered_buyers_order_names_the_customer_id(make_adapter, shop):
    """A registered customer's order carries the shop's customer id as its external id."""
    shop.orders = [order(8, customer_id=42)]
    (item,) = _items(make_adapter(), "orders")
    assert item.data["customer"]["external_id"] == "42"


def test_customers_map_names_contacts_and_addresses(make_adapter, shop):
    """A customer becomes a person with e-mail, phone, billing address and company."""
    shop.customers = [
        customer(42, "ivan@example.com", "Иван", "Петров", "2026-10-01T09:00:00"),
        {
            **customer(43, "staff@example.com", "Ольга", "Н", "2026-10-01T09:00:00"),
            "role": "shop_manager",
        },
    ]
    (item,) = _items(make_adapter(), "customers")
    assert item.data["external_id"] == "42"
    assert item.data["name"] == "Иван Петров"
    assert item.data["emails"] == ["ivan@example.com"]
    assert item.data["phones"] == ["+7 916 111-22-33"]
    assert item.data["addresses"] == [
        {"line": "ул. Ленина, 1", "city": "Москва", "postcode": "101000", "country": "RU"}
    ]
    assert shop.queries(f"{API}/customers")[0]["role"] == "customer"
    assert len(_items(make_adapter(customer_role="all"), "customers")) == 2


def test_notes_become_order_events_with_the_status_word_kept(crm, make_adapter, shop):
    """Status-change notes give their new status; other notes the status in effect then."""
    shop.orders = [order(9, status="completed", modified="2026-11-03T12:00:00")]
    shop.notes[9] = [
        note(3, "Order status changed from Processing to Completed.", "2026-11-03T12:00:00"),
        note(2, "Передано в СДЭК, трек 1099887766", "2026-11-03T09:00:00", customer_note=True),
        note(
            1,
            "Оплата при получении. Order status changed from Pending payment to Processing.",
            "2026-11-02T10:01:00",
        ),
    ]
    items = _items(make_adapter(), "order_events")
    statuses = {i.data["external_id"]: i.data["status"] for i in items}
    assert statuses == {"9-note-3": "completed", "9-note-2": "processing", "9-note-1": "processing"}
    assert items[1].data["note"] == "Передано в СДЭК, трек 1099887766"
    crm.import_from(make_adapter(), "orders")
    crm.import_from(make_adapter(), "order_events")
    tracked = crm.order("9")
    assert tracked.status.value == "delivered"
    assert [e.status_word for e in tracked.events][-1] == "completed"


def test_wrong_keys_fail_in_woocommerces_words_without_showing_the_secret(make_adapter, shop):
    """HTTP 401 is permanent and names WooCommerce's code and message; no secret shows."""
    adapter = make_adapter(consumer_secret="cs_wrong_secret_value", auth="query")  # noqa: S106 - a wrong test secret
    with pytest.raises(PermanentError) as caught:
        _items(adapter, "orders")
    message = str(caught.value)
    assert "HTTP 401" in message
    assert "woocommerce_rest_cannot_view: Sorry, you cannot list resources." in message
    assert "cs_wrong_secret_value" not in message
    assert SECRET not in message


def test_query_parameter_auth_sends_the_keys_as_parameters(make_adapter, shop):
    """Auth = "query" sends consumer_key and consumer_secret in the query string."""
    shop.orders = [order(1)]
    assert len(_items(make_adapter(auth="query"), "orders")) == 1
    assert shop.queries(f"{API}/orders")[0]["consumer_key"].startswith("ck_")


def test_429_and_500_are_retried_honouring_retry_after(crm, make_adapter, shop):
    """Too Many Requests (with Retry-After) and a server error pass on retry."""
    shop.orders = [order(1), order(2)]
    shop.fail(f"{API}/orders", 429, b'{"code":"too_many_requests"}', **{"Retry-After": "0"})
    shop.fail(f"{API}/orders", 500, b"<html>Internal Server Error</html>")
    waits: list[float] = []
    adapter = make_adapter()
    adapter.sleep = waits.append
    outcome = crm.import_from(adapter, "orders")
    assert outcome.new == 2
    assert waits == [0.0, 0.02]


def test_a_server_that_keeps_failing_gives_a_transient_error(make_adapter, shop):
    """After the retries, a 503 becomes a TransientError the sync engine retries later."""
    for _ in range(3):
        shop.fail(f"{API}/orders", 503, b"Service Unavailable")
    adapter = make_adapter()
    adapter.sleep = lambda _s: None
    with pytest.raises(TransientError, match="HTTP 503"):
        _items(adapter, "orders")


def test_a_malformed_page_stops_the_stream_clearly_and_keeps_earlier_pages(
    crm, settings, shop, tmp_path
):
    """Page 2 is not JSON: the sync fails that stream saying so; page 1 stays stored."""
    shop.orders = [order(100 + n, modified=f"2026-11-02T10:0{n}:00") for n in range(4)]
    config = _config(settings, tmp_path, streams=["orders"], max_retries=0)
    crm.sync(config)
    shop.orders += [order(200 + n, modified=f"2026-11-05T1{n}:00:00") for n in range(3)]
    shop.broken_pages = {2}
    report = crm.sync(config)
    (result,) = report.streams
    assert result.status == "failed"
    assert "not a JSON list of records" in result.message
    assert {o.number for o in crm.orders()} == {"100", "101", "102", "103", "200", "201"}
    assert shop.queries(f"{API}/orders")[-1]["modified_after"] == "2026-11-02T10:03:00"
    shop.broken_pages = set()
    crm.sync(config)
    assert shop.queries(f"{API}/orders")[-1]["modified_after"] == "2026-11-05T10:00:00"
    assert "202" in {o.number for o in crm.orders()}


def test_a_bad_record_is_dead_lettered_and_the_rest_imported(crm, make_adapter, shop):
    """An order without an id and one with a broken total go to dead letters."""
    broken = order(5)
    broken["total"] = "12,50 руб"
    shop.orders = [order(4), {"number": "x", "date_modified_gmt": "2026-11-02T10:05:00"}, broken]
    outcome = crm.import_from(make_adapter(), "orders")
    assert (outcome.new, outcome.dead_lettered) == (1, 2)
    reasons = sorted(letter.reason for letter in crm.dead_letters())
    assert reasons == [
        "cannot map: order has no id",
        "cannot map: total: not an amount: '12,50 руб'",
    ]


def test_a_second_sync_reads_only_what_was_modified(crm, settings, shop, tmp_path):
    """The cursor is the newest date_modified_gmt; the next run asks modified_after it."""
    shop.orders = [order(100 + n, modified=f"2026-11-02T10:0{n}:00") for n in range(3)]
    config = _config(settings, tmp_path, streams=["orders"])
    first = crm.sync(config)
    assert first.streams[0].outcome.new == 3
    shop.orders[1] = order(101, status="completed", modified="2026-11-04T08:00:00")
    second = crm.sync(config)
    outcome = second.streams[0].outcome
    assert (outcome.read, outcome.changed, outcome.new) == (1, 1, 0)
    assert shop.queries(f"{API}/orders")[-1]["modified_after"] == "2026-11-02T10:02:00"
    assert shop.queries(f"{API}/orders")[-1]["dates_are_gmt"] == "true"
    assert crm.order("101").status_word == "completed"
    third = crm.sync(config)
    assert third.streams[0].outcome.read == 0


def test_check_reports_the_orders_it_can_read(make_adapter, shop):
    """check() reads one order and says how many the keys can see."""
    shop.orders = [order(1), order(2), order(3)]
    assert make_adapter().check().endswith(": 3 orders readable")


def test_reparse_maps_a_dead_letter_again_but_never_a_forged_webhook(make_adapter):
    """A stored raw order maps again; a letter marked as a rejected webhook is refused."""
    adapter = make_adapter()
    raw = json.dumps(order(12))
    assert adapter.reparse("orders", raw, "page 1 item 1").data["number"] == "12"
    refused = adapter.reparse("orders", raw, "webhook rejected: delivery 9 from 127.0.0.1")
    assert refused.error.startswith("bad signature")


def test_customers_changed_since_the_cursor_are_the_only_ones_passed_on(make_adapter, shop):
    """/customers cannot filter by date, so every page is read and older customers skipped."""
    shop.customers = [
        customer(1, "a@example.com", "А", "Б", "2026-10-01T09:00:00"),
        customer(2, "b@example.com", "В", "Г", "2026-10-03T09:00:00"),
        customer(3, "c@example.com", "Д", "Е", "2026-10-02T09:00:00"),
    ]
    read = list(make_adapter().read("customers", "2026-10-01T09:00:00+00:00", NoProgress()))
    assert [i.data["external_id"] for i in read if not isinstance(i, Checkpoint)] == ["2", "3"]
    assert read[-1] == Checkpoint("2026-10-03T09:00:00+00:00")
    assert [q["page"] for q in shop.queries(f"{API}/customers")] == ["1", "2"]
