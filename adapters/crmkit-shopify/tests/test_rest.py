"""The shopify adapter against a loopback Shopify: Link paging, limits, failures, mapping."""

from __future__ import annotations

import json

import pytest
from shopify_data import customer, fulfillment, order
from shopify_server import TOKEN

from crmkit.config import parse_config
from crmkit.errors import PermanentError
from crmkit.sdk.adapter import Checkpoint, NoProgress


def _items(adapter, stream, cursor=None):
    return [i for i in adapter.read(stream, cursor, NoProgress()) if not isinstance(i, Checkpoint)]


def _config(settings, tmp_path, **engine):
    table = {"adapter": "shopify", **settings, "backoff_seconds": 0.0, **engine}
    return parse_config({"sources": {"shopify": table}}, tmp_path / "crmkit.toml", {})


def _orders(count):
    return [order(5000 + n, 1001 + n, f"2026-11-02T1{n}:00:00+03:00") for n in range(count)]


def test_pages_follow_the_link_header_without_repeating_filters(crm, make_adapter, shop):
    """Five orders at two per page: the first call filters, the next ones send page_info only."""
    shop.orders = _orders(5)
    outcome = crm.import_from(make_adapter(), "orders")
    assert (outcome.read, outcome.new, outcome.dead_lettered) == (5, 5, 0)
    first, *rest = shop.queries("orders")
    assert first == {"limit": "2", "order": "updated_at asc", "status": "any"}
    assert len(rest) == 2
    assert all(set(q) == {"limit", "page_info"} for q in rest)
    assert sorted(o.number for o in crm.orders()) == ["1001", "1002", "1003", "1004", "1005"]
    tracked = crm.order("1003")
    assert str(tracked.orders[0].total.amount) == "1530.50"
    assert tracked.status.value == "paid"


def test_the_api_version_is_pinned_in_the_path(make_adapter, shop):
    """The configured api_version is the path's version; another one is a different path."""
    shop.orders = _orders(1)
    assert len(_items(make_adapter(), "orders")) == 1
    with pytest.raises(PermanentError, match="HTTP 404"):
        _items(make_adapter(api_version="2025-01"), "orders")
    assert shop.requests[-1][0] == "/admin/api/2025-01/orders.json"


def test_a_guest_checkout_names_the_buyer_by_email_and_phone(make_adapter, shop):
    """An order without a customer keeps its e-mail and the addresses' phones."""
    shop.orders = _orders(1)
    (item,) = _items(make_adapter(), "orders")
    assert item.data["customer"] == {
        "name": "Anna Smirnova",
        "phones": ["+7 916 555-44-33"],
        "emails": ["anna@example.com"],
    }
    assert item.data["number"] == "1001"
    assert item.data["placed_at"] == "2026-11-02T07:00:00+00:00"
    assert item.data["lines"] == [
        {"sku": "KT-100", "name": "Kettle - White", "quantity": "2", "price": "615.25"}
    ]
    assert json.loads(item.raw)["id"] == 5000


def test_customers_map_with_every_address(make_adapter, shop):
    """A customer with its default address becomes a person with e-mail, phone and address."""
    shop.customers = [customer(77, "anna@example.com", "2026-11-01T10:00:00+03:00")]
    (item,) = _items(make_adapter(), "customers")
    assert item.data["external_id"] == "77"
    assert item.data["phones"] == ["+7 916 555-44-33"]
    assert item.data["addresses"][0]["line"] == "Prospekt Mira 10, apt 5"
    assert item.data["updated_at"] == "2026-11-01T07:00:00+00:00"


def test_fulfillments_are_shipped_events_with_carrier_and_tracking_number(crm, make_adapter, shop):
    """A fulfillment ships with CDEK's number; its shipment_status delivered follows."""
    fulfilled = order(
        6000,
        1100,
        "2026-11-04T10:00:00+03:00",
        customer_id=77,
        fulfillment_status="fulfilled",
        fulfillments=[fulfillment(31, 6000, shipment_status="delivered")],
    )
    cancelled = order(
        6001,
        1101,
        "2026-11-04T11:00:00+03:00",
        cancelled_at="2026-11-04T11:00:00+03:00",
        cancel_reason="customer",
        financial_status="voided",
    )
    shop.orders = [fulfilled, cancelled]
    events = [i.data for i in _items(make_adapter(), "order_events")]
    assert events[0] == {
        "external_id": "6000-fulfillment-31",
        "order": {"external_id": "6000"},
        "status": "shipped",
        "occurred_at": "2026-11-03T06:00:00+00:00",
        "carrier": "CDEK",
        "tracking_number": "1099887766",
        "note": "https://www.cdek.ru/ru/tracking?order_id=1099887766",
    }
    assert events[1]["status"] == "delivered"
    assert events[2] == {
        "external_id": "6001-cancelled",
        "order": {"external_id": "6001"},
        "status": "cancelled",
        "occurred_at": "2026-11-04T08:00:00+00:00",
        "note": "customer",
    }
    crm.import_from(make_adapter(), "orders")
    crm.import_from(make_adapter(), "order_events")
    assert crm.order("1100").status.value == "delivered"
    assert crm.order("1100").tracking_numbers == ["1099887766"]
    assert crm.order("1101").status.value == "cancelled"


def test_a_wrong_token_fails_in_shopifys_words_without_showing_it(make_adapter, shop):
    """HTTP 401 is permanent, says what Shopify said, and never shows the token."""
    with pytest.raises(PermanentError) as caught:
        _items(make_adapter(access_token="shpat_wrong_token_value"), "orders")  # noqa: S106 - a wrong test token
    message = str(caught.value)
    assert "HTTP 401" in message
    assert "Invalid API key or access token" in message
    assert "shpat_wrong_token_value" not in message
    assert TOKEN not in message


def test_429_waits_the_retry_after_and_500_backs_off(crm, make_adapter, shop):
    """Too Many Requests waits Retry-After; a 500 passes after a backoff."""
    shop.orders = _orders(1)
    shop.fail(
        429,
        b'{"errors":"Exceeded 2 calls per second for api client. '
        b'Reduce request rates to resume uninterrupted service."}',
        **{"Retry-After": "0.05"},
    )
    shop.fail(500, b'{"errors":"Internal Server Error"}')
    waits: list[float] = []
    adapter = make_adapter()
    adapter.sleep = waits.append
    assert crm.import_from(adapter, "orders").new == 1
    assert waits == [0.05, 0.02]


def test_a_nearly_full_call_bucket_slows_the_next_call(make_adapter, shop):
    """At 39/40 calls used the next page waits for the bucket to drain."""
    shop.orders = _orders(3)
    shop.calls_used = 39
    waits: list[float] = []
    adapter = make_adapter(leak_rate=2.0)
    adapter.sleep = waits.append
    assert len(_items(adapter, "orders")) == 3
    assert waits == [4.0]  # (39 - 32 + 1) calls at 2 a second: back under 80 %


def test_a_malformed_page_fails_the_stream_and_keeps_what_came_before(
    crm, settings, shop, tmp_path
):
    """Page 2 is cut short: the sync says so, page 1 stays, and the rerun resumes after it."""
    shop.orders = _orders(5)
    shop.broken_pages = {2}
    config = _config(settings, tmp_path, streams=["orders"], max_retries=0)
    (result,) = crm.sync(config).streams
    assert result.status == "failed"
    assert "is not JSON of the form {'orders': [...]}" in result.message
    assert sorted(o.number for o in crm.orders()) == ["1001", "1002"]
    shop.broken_pages = set()
    (result,) = crm.sync(config).streams
    assert result.status == "ok"
    assert shop.queries("orders")[-3]["updated_at_min"] == "2026-11-02T07:00:00+00:00"
    assert len(crm.orders()) == 5


def test_a_second_sync_reads_only_what_was_updated(crm, settings, shop, tmp_path):
    """updated_at_min is the newest updated_at read; records not newer are skipped."""
    shop.orders = _orders(3)
    config = _config(settings, tmp_path, streams=["orders"])
    assert crm.sync(config).streams[0].outcome.new == 3
    shop.orders[0] = order(5000, 1001, "2026-11-05T10:00:00+03:00", financial_status="refunded")
    (result,) = crm.sync(config).streams
    assert (result.outcome.read, result.outcome.changed) == (1, 1)
    assert shop.queries("orders")[-1]["updated_at_min"] == "2026-11-02T09:00:00+00:00"
    assert crm.order("1001").status.value == "returned"
    assert crm.sync(config).streams[0].outcome.read == 0


def test_bad_records_are_dead_lettered(crm, make_adapter, shop):
    """An order without an id and one with a broken price are dead letters; the rest stored."""
    broken = order(5001, 1002, "2026-11-02T11:00:00+03:00", total_price="много")
    shop.orders = [*_orders(1), broken, {"name": "#9", "updated_at": "2026-11-02T12:00:00+03:00"}]
    outcome = crm.import_from(make_adapter(), "orders")
    assert (outcome.new, outcome.dead_lettered) == (1, 2)
    reasons = sorted(letter.reason for letter in crm.dead_letters())
    assert reasons == [
        "cannot map: order has no id",
        "cannot map: total_price: not an amount: 'много'",
    ]


def test_check_names_the_shop(make_adapter):
    """check() reads shop.json."""
    assert make_adapter().check() == "Shopify shop 'Чайная лавка' (tea.myshopify.com), API 2024-10"


def test_reparse_finds_an_event_in_its_orders_json_and_refuses_forged_webhooks(make_adapter):
    """An event's raw payload is its order; the position names the fulfillment."""
    adapter = make_adapter()
    raw = json.dumps(
        order(6000, 1100, "2026-11-04T10:00:00+03:00", fulfillments=[fulfillment(31, 6000)])
    )
    again = adapter.reparse("order_events", raw, "page 1 item 1 fulfillment 31")
    assert (again.error, again.data["tracking_number"]) == (None, "1099887766")
    lone = adapter.reparse("order_events", json.dumps(fulfillment(32, 6000)), "webhook x")
    assert lone.data["external_id"] == "6000-fulfillment-32"
    forged = adapter.reparse("orders", raw, "webhook rejected: delivery 1 from 10.0.0.1")
    assert forged.error.startswith("bad signature")
