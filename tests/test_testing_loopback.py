"""crmkit.testing.loopback and crmkit.testing.database: the fake peer and the temporary crmkit."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from crmkit.sdk.adapter import Adapter
from crmkit.sdk.http import HttpClient
from crmkit.testing.database import AdapterPlugin, temporary_crmkit
from crmkit.testing.loopback import (
    ANY_PATH,
    BackgroundServer,
    LoopbackServer,
    Response,
    basic_token,
)


class PagedAdapter(Adapter):
    """An adapter with nothing to read: only its registration matters here."""

    name = "paged"


def test_routes_answer_and_every_request_is_recorded():
    """A route's response comes back over real HTTP; method, path, query, headers are kept."""
    with LoopbackServer() as server:
        server.route("GET", "/items", lambda r: Response.json({"got": r.query}, headers={"X": "1"}))
        client = HttpClient("s", base_url=server.url, headers={"Authorization": "Bearer t0k"})
        answer = client.request("GET", "/items", params={"page": 2, "q": "анна"})
        url = f"{server.url}/items"
        posted = urllib.request.Request(url, data=b'{"a": 1}', method="POST")  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(posted, timeout=5)  # noqa: S310 - loopback
    assert json.loads(answer.body) == {"got": {"page": "2", "q": "анна"}}
    assert answer.headers["x"] == "1"
    assert missing.value.code == 404
    assert json.loads(missing.value.read()) == {"error": "no route for POST /items"}
    first, second = server.requests
    assert (first.method, first.path, first.headers["authorization"]) == (
        "GET",
        "/items",
        "Bearer t0k",
    )
    assert (second.method, second.json()) == ("POST", {"a": 1})
    assert server.requests_to("/items") == [first]
    assert server.requests_to("/items", "post") == [second]


def test_a_failing_route_answers_500_instead_of_hanging():
    """A bug in a test's route shows as an HTTP 500 naming the exception."""
    with LoopbackServer() as server:
        server.route("GET", "/boom", lambda _request: 1 / 0)
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(f"{server.url}/boom", timeout=5)  # noqa: S310 - loopback
    assert failed.value.code == 500
    assert "ZeroDivisionError" in failed.value.read().decode()


def test_the_server_names_its_host_and_port():
    """``url`` and ``host`` name the same free port of 127.0.0.1."""
    with LoopbackServer() as server:
        assert server.url == f"http://{server.host}"
        assert server.host.startswith("127.0.0.1:")
        assert int(server.host.rpartition(":")[2]) > 0


def test_a_pattern_route_answers_every_path_it_matches_with_its_groups():
    """Named groups reach the route; exact routes win; patterns are tried in the order set."""
    with LoopbackServer() as server:
        server.route("GET", "/orders/all/notes", lambda _r: Response.json("exact"))
        notes = re.compile("/orders/(?P<order>[^/]+)/notes")
        server.route("GET", notes, lambda r: Response.json(r.path_params))
        server.route("GET", ANY_PATH, lambda r: Response.json({"fallback": r.path}))
        client = HttpClient("s", base_url=server.url)
        answers = [
            json.loads(client.request("GET", path).body)
            for path in ("/orders/all/notes", "/orders/5217/notes", "/orders/5217", "/")
        ]
    assert answers == ["exact", {"order": "5217"}, {"fallback": "/orders/5217"}, {"fallback": "/"}]
    assert server.requests[1].path_params == {"order": "5217"}
    assert server.requests[0].path_params == {}
    assert server.requests_to("/orders/5217/notes") == [server.requests[1]]


def test_a_pattern_route_answers_only_its_method():
    """A GET pattern leaves a POST to the same path unanswered: 404."""
    with LoopbackServer() as server:
        server.route("GET", ANY_PATH, lambda _r: Response())
        posted = urllib.request.Request(f"{server.url}/x", data=b"", method="POST")  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(posted, timeout=5)  # noqa: S310 - loopback
    assert missing.value.code == 404
    assert json.loads(missing.value.read()) == {"error": "no route for POST /x"}


def test_basic_credentials_are_checked():
    """``has_basic_auth`` accepts exactly the credentials ``basic_token`` encodes."""
    with LoopbackServer() as server:
        server.route("GET", "/me", lambda r: Response.json(r.has_basic_auth("1С", "pä:ss")))
        answers = [
            json.loads(
                HttpClient("s", base_url=server.url, headers=headers).request("GET", "/me").body
            )
            for headers in (
                {"Authorization": basic_token("1С", "pä:ss")},
                {"Authorization": basic_token("1С", "pä:sss")},
                {},
            )
        ]
    assert basic_token("user", "pass") == "Basic dXNlcjpwYXNz"
    assert answers == [True, False, False]


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        """Answer with the serving thread's name."""
        body = threading.current_thread().name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        """Keep test output quiet."""


def test_a_background_server_serves_another_server_until_stopped():
    """Any server on 127.0.0.1 runs in a thread named as asked; stopping closes its port."""
    with BackgroundServer(HTTPServer(("127.0.0.1", 0), _Hello), name="hello") as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        with urllib.request.urlopen(server.url, timeout=5) as reply:  # noqa: S310 - loopback
            assert reply.read() == b"hello"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url, timeout=5)  # noqa: S310 - loopback


def test_a_temporary_crmkit_has_the_adapters_and_reopens_the_same_data(tmp_path):
    """Adapters given are registered; reopening the folder finds what was stored."""
    with temporary_crmkit(tmp_path / "db", adapters=(PagedAdapter,)) as crm:
        assert crm.adapters()["paged"] is PagedAdapter
        crm.ingest_customers("shop", [{"external_id": "1", "phones": ["8 916 111-22-33"]}])
    with temporary_crmkit(tmp_path / "db") as crm:
        assert "paged" not in crm.adapters()
        (customer,) = crm.customers()
        assert customer.phones() == ["+79161112233"]


def test_an_adapter_plugin_names_its_classes():
    """Two such plugins in one manager do not clash: each is named after its classes."""
    plugin = AdapterPlugin(PagedAdapter)
    assert plugin.__name__ == "adapters:PagedAdapter"
    assert repr(plugin) == "AdapterPlugin(PagedAdapter)"


def test_a_server_told_not_to_record_keeps_no_request():
    """A long-running service (the demo's) answers without keeping bodies or credentials."""
    with LoopbackServer(record=False) as server:
        server.route("GET", "/ping", lambda _request: Response.json({"ok": True}))
        with urllib.request.urlopen(f"{server.url}/ping", timeout=5) as answer:  # noqa: S310
            assert json.loads(answer.read()) == {"ok": True}
        assert server.requests == []
