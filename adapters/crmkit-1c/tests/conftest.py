"""Fixtures for the 1C adapters: a crmkit on SQLite and loopback peers playing 1C."""

from __future__ import annotations

import base64
import decimal
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import crmkit_1c.plugin
import msgspec
import pytest

from crmkit.testing.database import temporary_crmkit

USER = "Администратор"
PASSWORD = "секрет"  # noqa: S105 - the fake 1C's test password
_ENCODER = msgspec.json.Encoder(decimal_format="number")


@pytest.fixture
def crm(tmp_path):
    """Return a crmkit database on SQLite with the 1C plugin registered (no entry points)."""
    with temporary_crmkit(tmp_path, plugins=(crmkit_1c.plugin,)) as instance:
        yield instance


class FakeOneC:
    """What a fake 1C infobase publishes over OData, and what went wrong on purpose."""

    def __init__(self) -> None:
        self.entities: dict[str, list[dict[str, Any]]] = {}
        self.broken: set[tuple[str, int]] = set()
        self.unavailable = 0
        self.missing_status = 404
        self.missing_body = True
        self.requests: list[str] = []
        self.user = USER
        self.password = PASSWORD

    def publish(self, entity: str, rows: list[dict[str, Any]]) -> None:
        """Publish ``entity`` with ``rows``."""
        self.entities[entity] = rows


def _matches(row: dict[str, Any], condition: str) -> bool:
    """Evaluate the small $filter language the adapter sends (and, or, eq, ge, guid, datetime)."""
    if " or " in condition:
        return any(_matches(row, c) for c in condition.split(" or "))
    if " and " in condition:
        return all(_matches(row, c) for c in condition.split(" and "))
    found = re.fullmatch(r"\s*(\w+) (eq|ge|gt|lt) (?:guid|datetime)?'([^']*)'\s*", condition)
    if not found:
        raise ValueError(condition)
    field, op, value = found.groups()
    have = str(row.get(field, ""))
    return {"eq": have == value, "ge": have >= value, "gt": have > value, "lt": have < value}[op]


def _handler(one_c: FakeOneC, prefix: str) -> type[BaseHTTPRequestHandler]:  # noqa: C901
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{kind};charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="1C"')
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: str, text: str) -> None:
            body = {"odata.error": {"code": code, "message": {"lang": "ru", "value": text}}}
            self._send(status, json.dumps(body, ensure_ascii=False).encode())

        def _missing(self, name: str) -> None:
            if one_c.missing_body:
                self._error(one_c.missing_status, "9", f"Не найден объект метаданных: {name}")
            else:
                self._send(one_c.missing_status, b"Not Found", "text/plain")

        def do_GET(self) -> None:
            one_c.requests.append(self.path)
            token = base64.b64encode(f"{one_c.user}:{one_c.password}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {token}":
                self._send(401, b"", "text/html")
                return
            if one_c.unavailable:
                one_c.unavailable -= 1
                self._send(503, b"Service Unavailable", "text/plain")
                return
            path, _, query = self.path.partition("?")
            pairs = (p.partition("=") for p in query.split("&") if p)
            params = {urllib.parse.unquote(k): urllib.parse.unquote(v) for k, _, v in pairs}
            name = urllib.parse.unquote(path).removeprefix(prefix)
            if name in {"", "/"}:
                value = [{"name": n, "url": n} for n in one_c.entities]
                self._send(
                    200, json.dumps({"odata.metadata": "$metadata", "value": value}).encode()
                )
                return
            if name not in one_c.entities:
                self._missing(name)
                return
            rows = one_c.entities[name]
            if "$filter" in params:
                try:
                    rows = [r for r in rows if _matches(r, params["$filter"])]
                except ValueError:
                    self._error(400, "6", f"Ошибка разбора условия: {params['$filter']}")
                    return
            if params.get("$orderby") == "Ref_Key":
                rows = sorted(rows, key=lambda r: r["Ref_Key"])
            skip = int(params.get("$skip", 0))
            top = int(params.get("$top", 1000))
            if (name, skip) in one_c.broken:
                self._send(200, b'{"odata.metadata": "x", "value": [{"Ref_Key": ')
                return
            page = rows[skip : skip + top]
            if "$select" in params:
                keep = params["$select"].split(",")
                page = [{k: r[k] for k in keep if k in r} for r in page]
            body = {"odata.metadata": f"http://host{prefix}$metadata#{name}", "value": page}
            self._send(200, _ENCODER.encode(body))

    return Handler


@pytest.fixture
def one_c():
    """Serve a fake 1C publication on loopback: ``(FakeOneC, base URL of the infobase)``."""
    state = FakeOneC()
    prefix = "/trade/odata/standard.odata/"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, prefix))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/trade"
    finally:
        server.shutdown()
        server.server_close()


D = decimal.Decimal
