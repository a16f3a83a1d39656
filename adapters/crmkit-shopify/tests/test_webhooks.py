"""Shopify webhooks over real HTTP to the WSGI app: signed, forged, replayed, topics."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from shopify_data import customer, fulfillment, order

from crmkit.config import parse_config
from crmkit.webhooks import app_from_config, received_deliveries

SECRET = "shpss_test_client_secret"  # noqa: S105 - the test app's client secret


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint(crm, settings, tmp_path):
    """Serve the webhooks of a configured shopify source on loopback; yield its URL."""
    config = parse_config(
        {"sources": {"shopify": {"adapter": "shopify", **settings}}}, tmp_path / "c.toml", {}
    )
    server = make_server("127.0.0.1", 0, app_from_config(crm, config), handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/webhooks/shopify"
    finally:
        server.shutdown()
        server.server_close()


def deliver(url, topic, payload, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", secret=SECRET):
    """POST a Shopify-style delivery of ``payload`` signed with ``secret``."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Shop-Domain": "tea.myshopify.com",
        "X-Shopify-API-Version": "2024-10",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Triggered-At": "2026-11-03T06:00:00.000Z",
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback http
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 - loopback http
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_signed_order_stores_the_order_and_its_fulfillment_events(crm, endpoint):
    """orders/fulfilled gives the order and a shipped event with carrier and number."""
    body = order(
        7000,
        1200,
        "2026-11-03T10:00:00+03:00",
        fulfillment_status="fulfilled",
        fulfillments=[fulfillment(41, 7000)],
    )
    status, answer = deliver(endpoint, "orders/fulfilled", body)
    assert (status, answer["stored"]) == (200, 2)
    tracked = crm.order("1200")
    assert tracked.status.value == "shipped"
    assert tracked.tracking_numbers == ["1099887766"]
    assert "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043" in received_deliveries(crm, "shopify")


def test_a_fulfillment_update_adds_the_delivery(crm, endpoint):
    """fulfillments/update with shipment_status delivered moves the order on."""
    deliver(endpoint, "orders/create", order(7001, 1201, "2026-11-02T10:00:00+03:00"), "w1")
    update = fulfillment(42, 7001, shipment_status="delivered")
    assert deliver(endpoint, "fulfillments/update", update, "w2")[0] == 200
    assert crm.order("1201").status.value == "delivered"


def test_a_customer_webhook_creates_the_customer(crm, endpoint):
    """customers/create stores and resolves the customer."""
    payload = customer(88, "olga@example.com", "2026-11-01T10:00:00+03:00", first_name="Olga")
    assert deliver(endpoint, "customers/create", payload)[0] == 200
    assert crm.card(email="olga@example.com")["customer"]["name"] == "Olga Smirnova"


def test_a_forged_webhook_is_refused_recorded_and_never_ingested(crm, endpoint):
    """A body signed with another secret gets 401 and a dead letter; nothing is stored."""
    body = order(7002, 1202, "2026-11-02T10:00:00+03:00")
    status, answer = deliver(endpoint, "orders/create", body, secret="not-the-secret")  # noqa: S106 - a wrong test secret
    assert (status, answer) == (401, {"error": "bad signature"})
    assert crm.records.count_records() == 0
    (letter,) = crm.dead_letters()
    assert letter.reason.startswith("bad signature: X-Shopify-Hmac-Sha256 does not match")
    assert json.loads(letter.raw)["id"] == 7002
    assert crm.retry_dead_letters(config=None).fixed == []


def test_a_retried_webhook_is_ingested_once(crm, endpoint):
    """Shopify's retry carries the same X-Shopify-Webhook-Id: acknowledged, not re-ingested."""
    body = order(7003, 1203, "2026-11-02T10:00:00+03:00")
    assert deliver(endpoint, "orders/create", body, "same")[0] == 200
    later = {**body, "financial_status": "refunded", "updated_at": "2026-11-05T10:00:00+03:00"}
    status, answer = deliver(endpoint, "orders/updated", later, "same")
    assert (status, answer["replayed"]) == (200, True)
    assert crm.order("1203").status.value == "paid"


def test_unused_topics_are_acknowledged(crm, endpoint):
    """products/update and orders/delete answer 200 and store nothing."""
    assert deliver(endpoint, "products/update", {"id": 1}, "p1")[0] == 200
    assert deliver(endpoint, "orders/delete", {"id": 7003}, "p2")[0] == 200
    assert crm.records.count_records() == 0
