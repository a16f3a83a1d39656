"""WooCommerce webhooks over real HTTP to the WSGI app: signed, forged, replayed, ping."""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from woo_data import customer, order
from woo_webhooks import SECRET, deliver, post, sign

from crmkit.config import parse_config
from crmkit.webhooks import app_from_config, received_deliveries


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def config(settings, tmp_path):
    """Return a configuration with the woocommerce source ``shop``."""
    document = {"sources": {"shop": {"adapter": "woocommerce", **settings}}}
    return parse_config(document, tmp_path / "c.toml", {})


@pytest.fixture
def endpoint(crm, config):
    """Serve the webhooks of a configured woocommerce source on loopback; yield its URL."""
    app = app_from_config(crm, config)
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/webhooks/shop"
    finally:
        server.shutdown()
        server.server_close()


def test_a_signed_order_delivery_is_ingested_and_shows_on_the_order(crm, endpoint):
    """order.created with a valid signature stores the order; it can be tracked at once."""
    status, answer = deliver(endpoint, "order.created", order(501, email="anna@example.com"))
    assert status == 200
    assert (answer["stored"], answer["dead_lettered"]) == (1, 0)
    tracked = crm.order("501")
    assert tracked.status_word == "processing"
    assert received_deliveries(crm, "shop")["7a1b2c3d"]["topic"] == "order.created"


def test_a_customer_delivery_creates_the_customer(crm, endpoint):
    """customer.created stores the customer and resolves it into a golden customer."""
    payload = customer(42, "ivan@example.com", "Иван", "Петров", "2026-10-01T09:00:00")
    status, _ = deliver(endpoint, "customer.created", payload)
    assert status == 200
    assert crm.card(email="ivan@example.com")["customer"]["name"] == "Иван Петров"


def test_a_forged_delivery_is_refused_recorded_and_never_ingested(crm, endpoint, config):
    """A signature made with another secret gets 401 and a dead letter; nothing is stored."""
    status, answer = deliver(endpoint, "order.created", order(502), signature=sign(b"x", "guess"))
    assert (status, answer) == (401, {"error": "bad signature"})
    missing, _ = deliver(endpoint, "order.created", order(503), delivery="d2", signature="")
    assert missing == 401
    assert crm.track("502") == []
    assert crm.records.count_records() == 0
    letters = crm.dead_letters(source="shop")
    assert len(letters) == 2
    assert letters[0].reason.startswith("bad signature: X-WC-Webhook-Signature does not match")
    assert letters[1].reason.startswith("bad signature: no X-WC-Webhook-Signature header")
    assert letters[0].position.startswith("webhook rejected: delivery 7a1b2c3d")
    assert SECRET not in letters[0].reason
    retried = crm.retry_dead_letters(config=config)
    assert retried.fixed == []
    assert all(why.startswith("bad signature") for _, why in retried.still_bad)
    assert crm.records.count_records() == 0


def test_a_replayed_delivery_is_answered_but_not_ingested_twice(crm, endpoint):
    """The same delivery id again is acknowledged as a replay; one record version exists."""
    first = order(504)
    assert deliver(endpoint, "order.updated", first, delivery="dup-1")[0] == 200
    changed = {**first, "status": "cancelled"}
    status, answer = deliver(endpoint, "order.updated", changed, delivery="dup-1")
    assert (status, answer["replayed"]) == (200, True)
    assert crm.records.count_records() == 1
    assert crm.order("504").status_word == "processing"


def test_the_ping_sent_when_a_webhook_is_saved_is_answered(crm, endpoint):
    """WooCommerce's unsigned form body webhook_id=N gets 200 and ingests nothing."""
    status, answer = post(
        endpoint, b"webhook_id=12", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (status, answer["ping"]) == (200, True)
    assert crm.records.count_records() == 0


def test_other_topics_and_deletions_are_acknowledged_without_records(crm, endpoint):
    """product.updated and order.deleted answer 200 and store nothing."""
    status, answer = deliver(endpoint, "product.updated", {"id": 93, "name": "Чайник"})
    assert status == 200
    assert "not used" in answer["note"]
    assert deliver(endpoint, "order.deleted", {"id": 504}, delivery="d3")[0] == 200
    assert crm.records.count_records() == 0


def test_a_signed_but_unmappable_body_is_dead_lettered_and_answered_200(crm, endpoint):
    """Resending a bad body cannot help, so it is kept as a dead letter and acknowledged."""
    status, answer = deliver(endpoint, "order.created", {"number": "no id"}, delivery="bad-1")
    assert (status, answer["dead_lettered"]) == (200, 1)
    (letter,) = crm.dead_letters()
    assert letter.reason == "cannot map: order has no id"
