"""A Shopify Admin REST API on loopback: Link/page_info paging, call limits, 429, failures."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "shpat_0123456789abcdef0123456789abcdef"  # noqa: S105 - the fake shop's test token
VERSION = "2024-10"
BUCKET = 40


class FakeShopify:
    """A shop with customers and orders; ``failures`` queues answers to give first.

    Like Shopify, a request with ``page_info`` may carry only ``limit`` (else 400), the
    ``Link`` header names the next page, and ``X-Shopify-Shop-Api-Call-Limit`` reports
    ``calls_used/40`` (``calls_used`` is set by the test).
    """

    def __init__(self) -> None:
        self.customers: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.failures: list[tuple[int, dict[str, str], bytes]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.calls_used = 1
        self.broken_pages: set[int] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> FakeShopify:
        """Serve in a thread."""
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def fail(self, status: int, body: bytes = b"", **headers: str) -> None:
        """Answer the next API request with ``status`` (then as usual)."""
        self.failures.append((status, headers, body))

    def queries(self, resource: str) -> list[dict[str, str]]:
        """Return the query of every request for ``resource`` (``orders``, ``customers``)."""
        path = f"/admin/api/{VERSION}/{resource}.json"
        return [q for p, q in self.requests if p == path]

    def rows(self, resource: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """Return the records a first-page query selects, oldest update first."""
        rows = list(self.customers if resource == "customers" else self.orders)
        since = query.get("updated_at_min")
        if since:
            rows = [r for r in rows if _utc(r["updated_at"]) >= _utc(since)]
        if resource == "orders" and query.get("status", "open") == "open":
            rows = [r for r in rows if not r.get("cancelled_at") and not r.get("closed_at")]
        if query.get("order") == "updated_at asc":
            rows.sort(key=lambda r: (_utc(r["updated_at"]), r.get("id", 0)))
        return rows


def _utc(value: str) -> str:
    import datetime as dt

    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).isoformat()


def _handler(shop: FakeShopify) -> type[BaseHTTPRequestHandler]:  # noqa: C901
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Shopify-Shop-Api-Call-Limit", f"{shop.calls_used}/{BUCKET}")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            shop.requests.append((parts.path, query))
            if self.headers.get("X-Shopify-Access-Token") != TOKEN:
                body = {
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                }
                self._send(401, json.dumps(body).encode())
                return
            if shop.failures:
                status, headers, body = shop.failures.pop(0)
                self._send(status, body, headers)
                return
            prefix = f"/admin/api/{VERSION}/"
            if not parts.path.startswith(prefix):
                self._send(404, b'{"errors":"Not Found"}')
                return
            resource = parts.path.removeprefix(prefix).removesuffix(".json")
            if resource == "shop":
                shop_body = {
                    "shop": {"name": "Чайная лавка", "myshopify_domain": "tea.myshopify.com"}
                }
                self._send(200, json.dumps(shop_body).encode())
                return
            self._listing(resource, query)

        def _listing(self, resource: str, query: dict[str, str]) -> None:
            limit = int(query.get("limit", "50"))
            if "page_info" in query:
                extra = set(query) - {"page_info", "limit", "fields"}
                if extra:
                    errors = {"page_info": [f"Invalid value. {sorted(extra)} cannot be passed."]}
                    self._send(400, json.dumps({"errors": errors}).encode())
                    return
                state = json.loads(base64.urlsafe_b64decode(query["page_info"]))
                first_query, offset, page = state["query"], state["offset"], state["page"]
            else:
                first_query, offset, page = query, 0, 1
            if page in shop.broken_pages:
                self._send(200, b'{"orders": [{"id": 1, "updated_at": ')
                return
            rows = shop.rows(resource, first_query)
            chunk = rows[offset : offset + limit]
            headers = {}
            if offset + limit < len(rows):
                token = base64.urlsafe_b64encode(
                    json.dumps(
                        {"query": first_query, "offset": offset + limit, "page": page + 1}
                    ).encode()
                ).decode()
                base = f"{shop.url}/admin/api/{VERSION}/{resource}.json"
                headers["Link"] = f'<{base}?limit={limit}&page_info={token}>; rel="next"'
            body = json.dumps({resource: chunk}, ensure_ascii=False).encode()
            self._send(200, body, headers)

    return Handler
