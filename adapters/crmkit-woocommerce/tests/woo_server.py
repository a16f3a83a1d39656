"""A WooCommerce REST API v3 on loopback: paging headers, auth, modified_after, failures."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "ck_4f5a1c2b3d4e5f60718293a4b5c6d7e8f9012345"
SECRET = "cs_0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b"  # noqa: S105 - the fake shop's test key
API = "/wp-json/wc/v3"


class FakeWoo:
    """A shop with customers, orders and notes; ``failures`` queues answers to give first.

    ``failures[path]`` is a list of ``(status, headers, body)`` answered, one per request,
    before the real answer; ``requests`` records every request's path and query.
    """

    def __init__(self) -> None:
        self.customers: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.failures: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.broken_pages: set[int] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> FakeWoo:
        """Serve in a thread."""
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def fail(self, path: str, status: int, body: bytes = b"", **headers: str) -> None:
        """Answer the next request for ``path`` with ``status`` (then as usual)."""
        self.failures.setdefault(path, []).append((status, headers, body))

    def queries(self, path: str) -> list[dict[str, str]]:
        """Return the query of every request made for ``path``."""
        return [q for p, q in self.requests if p == path]

    def listing(self, path: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """Return the whole collection a listing request asks for, filtered and sorted."""
        if path == f"{API}/customers":
            rows = list(self.customers)
            role = query.get("role", "customer")
            return [c for c in rows if role == "all" or c.get("role", "customer") == role]
        if path == f"{API}/orders":
            rows = list(self.orders)
            after = query.get("modified_after")
            if after:
                rows = [o for o in rows if o["date_modified_gmt"] > after]
            if query.get("orderby") == "modified":
                rows.sort(key=lambda o: (o["date_modified_gmt"], o.get("id", 0)))
            return rows
        order_id = int(path.removeprefix(f"{API}/orders/").removesuffix("/notes"))
        return self.notes.get(order_id, [])


def _handler(shop: FakeWoo) -> type[BaseHTTPRequestHandler]:  # noqa: C901 - one handler plays the whole shop
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self, query: dict[str, str]) -> bool:
            token = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {token}":
                return True
            return query.get("consumer_key") == KEY and query.get("consumer_secret") == SECRET

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            shop.requests.append((parts.path, query))
            if not self._authorised(query):
                body = {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                }
                self._send(401, json.dumps(body).encode())
                return
            queued = shop.failures.get(parts.path)
            if queued:
                status, headers, body = queued.pop(0)
                self._send(status, body, headers)
                return
            rows = shop.listing(parts.path, query)
            if parts.path.endswith("/notes"):
                self._send(200, json.dumps(rows).encode())
                return
            per_page = int(query.get("per_page", "10"))
            page = int(query.get("page", "1"))
            if page in shop.broken_pages:
                self._send(200, b'[{"id": 1, "status": "proc')
                return
            chunk = rows[(page - 1) * per_page : page * per_page]
            pages = max(1, -(-len(rows) // per_page))
            headers = {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(pages)}
            self._send(200, json.dumps(chunk, ensure_ascii=False).encode(), headers)

    return Handler
