"""A paged JSON API on loopback for sync tests: scripted failures, stalls, a request log.

``GET /<stream>?after=N&limit=M`` answers ``{"items": [...], "next": K}`` with the records
after position N; ``next`` is ``null`` on the last page. ``GET /ping`` answers ``{"ok": true}``.
Tests script failures (``fail_next``), stall the server after a number of served records
(``stall_after``), and read the ``log`` of every request.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class PagedApi:
    """The server's state: records per stream, scripted answers, the request log."""

    def __init__(self, records: dict[str, list[dict[str, Any]]], token: str | None = None):
        self.records = records
        self.token = token
        self.scripted: dict[int, tuple[int, dict[str, str], str]] = {}
        self.stall_after: int | None = None
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Return the base URL of the running server."""
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, status: int, body: str = "", *, at: int | None = None, **headers: str) -> None:
        """Answer request number ``at`` (1-based; default: the next) with ``status``.

        Header names are given with ``_`` for ``-`` (``Retry_After="1"``).
        """
        with self.lock:
            number = at if at is not None else len(self.log) + 1 + len(self.scripted)
            self.scripted[number] = (
                status,
                {k.replace("_", "-"): v for k, v in headers.items()},
                body,
            )

    def requests_to(self, stream: str) -> list[dict[str, Any]]:
        """Return the logged requests to ``stream``."""
        return [r for r in self.log if r["path"] == f"/{stream}"]

    def start(self) -> PagedApi:
        """Start serving on 127.0.0.1 on a free port, in a daemon thread."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Release any stalled request and stop the server."""
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(self, path: str, params: dict[str, str], headers: Any) -> tuple[int, dict, str]:
        """Return ``(status, headers, body)`` for one request, logging it."""
        entry = {"path": path, "params": params, "at": time.monotonic(), "status": 200}
        with self.lock:
            self.log.append(entry)
            scripted = self.scripted.pop(len(self.log), None)
        if scripted is not None:
            entry["status"] = scripted[0]
            return scripted
        given = headers.get("Authorization") or ""
        if self.token is not None and given != f"Bearer {self.token}":
            entry["status"] = 401  # echoes the token, as careless servers do
            return 401, {}, json.dumps({"error": f"invalid token {given.removeprefix('Bearer ')}"})
        if path == "/ping":
            return 200, {}, '{"ok": true}'
        records = self.records.get(path.strip("/"))
        if records is None:
            entry["status"] = 404
            return 404, {}, '{"error": "no such collection"}'
        after = int(params.get("after") or 0)
        limit = int(params.get("limit") or 100)
        if self.stall_after is not None and after + limit > self.stall_after:
            self.stalled.set()
            self.release.wait()
        page = records[after : after + limit]
        end = after + len(page)
        body = {"items": page, "next": end if end < len(records) else None}
        return 200, {}, json.dumps(body, ensure_ascii=False)


def _handler(api: PagedApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            parts = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(parts.query))
            status, headers, body = api.answer(parts.path, params, self.headers)
            data = body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            """Keep test output quiet."""

    return Handler


def customers(count: int, prefix: str = "c") -> list[dict[str, Any]]:
    """Return ``count`` valid customer records ``{prefix}1``, ``{prefix}2``, ..."""
    return [
        {"external_id": f"{prefix}{n}", "name": f"Покупатель {n}", "phones": [f"+7916000{n:04d}"]}
        for n in range(1, count + 1)
    ]
