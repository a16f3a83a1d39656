"""The provider-agnostic webhook app: routing, verification, replay safety, WSGI and ASGI."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import urllib.error
import urllib.request
from typing import Any, ClassVar
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from marshmallow import EXCLUDE, Schema, fields

import crmkit
from crmkit.config import parse_config
from crmkit.domain import RawItem, Stream
from crmkit.errors import ConfigError
from crmkit.sdk.adapter import Adapter
from crmkit.webhooks import (
    AsgiWebhooks,
    Delivery,
    WebhookApp,
    WebhookReceiver,
    WebhookRequest,
    app_from_config,
    hmac_base64,
    received_deliveries,
    signature_matches,
)

SECRET = "s3cret-for-tests"  # noqa: S105 - a test secret


class _Settings(Schema):
    class Meta:
        unknown = EXCLUDE

    webhook_secret = fields.String(required=True)


class EchoReceiver(WebhookReceiver):
    """Signs with X-Echo-Signature; a body {"id", "name"} is one customer."""

    name = "echo"
    config_schema = _Settings
    rejected_stream: ClassVar[Stream] = Stream.CUSTOMERS

    def delivery_id(self, request: WebhookRequest) -> str | None:
        """Return X-Echo-Delivery."""
        return request.header("X-Echo-Delivery")

    def verify(self, request: WebhookRequest) -> str | None:
        """Check X-Echo-Signature."""
        expected = hmac_base64(self.config["webhook_secret"], request.body)
        return None if signature_matches(expected, request.header("X-Echo-Signature")) else "no"

    def parse(self, request: WebhookRequest) -> Delivery:
        """Return the one customer of the body."""
        data = json.loads(request.body)
        record = {"external_id": str(data["id"]), "name": data.get("name")}
        item = RawItem(request.body.decode(), record, "webhook")
        return Delivery(self.delivery_id(request), "customer", ((Stream.CUSTOMERS, item),))


class EchoAdapter(Adapter):
    """An adapter that only receives webhooks."""

    name = "echo"
    webhook_receiver = EchoReceiver


class EchoPlugin:
    """Registers the echo adapter."""

    @crmkit.hookimpl
    def register_adapters(self, register: Any) -> None:
        """Register EchoAdapter."""
        register(EchoAdapter)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def echo_crm(open_crm):
    """Return crmkit with the echo adapter."""
    return open_crm(plugins=(EchoPlugin(),))


@pytest.fixture
def app(echo_crm):
    """Return a webhook app serving source ``hooks`` at /webhooks/hooks."""
    return WebhookApp.for_receivers(echo_crm, [EchoReceiver("hooks", {"webhook_secret": SECRET})])


@pytest.fixture
def url(app):
    """Serve ``app`` on loopback; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def post(url, body: bytes, headers=None, method="POST"):
    """Send a request; return the status and the JSON answer."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310 - loopback http
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 - loopback http
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def signed(body: bytes, delivery: str = "d-1") -> dict[str, str]:
    """Return the headers of an authentic echo delivery."""
    return {"X-Echo-Signature": hmac_base64(SECRET, body), "X-Echo-Delivery": delivery}


def test_a_verified_delivery_is_ingested_once_and_remembered(echo_crm, url):
    """The first delivery stores and resolves; the same id again is a replay."""
    body = b'{"id": 1, "name": "Ivan"}'
    status, answer = post(f"{url}/webhooks/hooks", body, signed(body))
    assert (status, answer["stored"]) == (200, 1)
    assert echo_crm.count_customers() == 1
    status, answer = post(f"{url}/webhooks/hooks/", body, signed(body))
    assert answer == {"ok": True, "delivery": "d-1", "replayed": True}
    assert received_deliveries(echo_crm, "hooks")["d-1"]["stored"] == 1


def test_a_failed_verification_is_401_and_a_dead_letter(echo_crm, url):
    """Nothing is stored; the forged body is kept under the receiver's stream."""
    status, answer = post(f"{url}/webhooks/hooks", b'{"id": 2}', {"X-Echo-Signature": "bad"})
    assert (status, answer) == (401, {"error": "bad signature"})
    assert echo_crm.records.count_records() == 0
    (letter,) = echo_crm.dead_letters()
    assert (letter.stream, letter.raw) == (Stream.CUSTOMERS, '{"id": 2}')
    assert letter.position.startswith("webhook rejected: delivery (none)")


def test_unknown_paths_other_methods_and_big_bodies_are_refused(app, url):
    """404 for an unknown path, 405 for GET, 413 past max_body_bytes."""
    assert post(f"{url}/webhooks/other", b"{}")[0] == 404
    assert post(f"{url}/webhooks/hooks", None, method="GET")[0] == 405
    app.max_body_bytes = 10
    assert post(f"{url}/webhooks/hooks", b"x" * 11)[0] == 413


def test_the_app_mounts_under_a_prefix(app, echo_crm):
    """A host that mounts the app at /crm passes SCRIPT_NAME; the route is PATH_INFO."""
    body = b'{"id": 3, "name": "Olga"}'
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "/crm",
        "PATH_INFO": "/webhooks/hooks",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_HOST": "erp.example.com",
        "wsgi.url_scheme": "https",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed(body, "d-3").items()},
    }
    answers: list[str] = []
    chunks = app(environ, lambda status, _headers: answers.append(status))
    assert answers == ["200 OK"]
    assert json.loads(b"".join(chunks))["stored"] == 1


def test_the_asgi_wrapper_serves_the_same_app(app, echo_crm):
    """An ASGI host (FastAPI's mount) gets the same answers through AsgiWebhooks."""
    body = b'{"id": 4, "name": "Petr"}'
    headers = [(k.lower().encode(), v.encode()) for k, v in signed(body, "d-4").items()]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/crm/webhooks/hooks",
        "root_path": "/crm",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
    }
    sent: list[dict[str, Any]] = []
    messages = [
        {"type": "http.request", "body": body[:5], "more_body": True},
        {"type": "http.request", "body": body[5:]},
    ]

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(AsgiWebhooks(app)(scope, receive, send))
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"])["stored"] == 1
    assert echo_crm.count_customers() == 1


def test_app_from_config_mounts_sources_with_a_webhook_secret(echo_crm, tmp_path):
    """Only sources whose adapter has a receiver and a secret are mounted; errors say why."""
    document = {
        "sources": {
            "hooks": {"adapter": "echo", "webhook_secret": "env:HOOK_SECRET"},
            "quiet": {"adapter": "echo"},
            "file": {"adapter": "jsonl", "path": "x.jsonl"},
        }
    }
    config = parse_config(document, tmp_path / "crmkit.toml", {"HOOK_SECRET": SECRET})
    app = app_from_config(echo_crm, config)
    assert list(app.routes) == ["/webhooks/hooks"]
    with pytest.raises(ConfigError, match="'quiet': set webhook_secret"):
        app_from_config(echo_crm, config, ["quiet"])
    with pytest.raises(ConfigError, match="'file': adapter 'jsonl' receives no webhooks"):
        app_from_config(echo_crm, config, ["file"])
    empty = parse_config({"sources": {"quiet": {"adapter": "echo"}}}, tmp_path / "c.toml", {})
    with pytest.raises(ConfigError, match=r"no source in .* receives webhooks"):
        app_from_config(echo_crm, empty)


def test_a_body_without_length_or_a_failing_receiver_is_not_stored(app, echo_crm):
    """No Content-Length gets 411; a receiver that raises gets 500; nothing is stored."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/webhooks/hooks", "wsgi.input": io.BytesIO()}
    assert app.handle_environ(environ)[0] == 411
    body = b'{"no": "id"}'
    request = WebhookRequest(
        "POST", "/webhooks/hooks", {"x-echo-signature": hmac_base64(SECRET, body)}, body
    )
    status, answer, _ = app.handle(app.routes["/webhooks/hooks"], request)
    assert (status, answer) == (500, {"error": "the echo receiver failed; see the server log"})
    assert echo_crm.records.count_records() == 0
