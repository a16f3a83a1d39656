"""The site side of 1C's "exchange with a web site" HTTP protocol, as a WSGI application.

1C:Enterprise's standard exchange (УТ, КА, ERP, УНФ, БП: "Обмен с сайтом") talks to a site
with GET/POST requests to one URL (``/1c_exchange.php`` on Bitrix sites) carrying
``type=sale`` and a ``mode``:

=========  =====================================================================
checkauth  Basic auth; answer ``success``, a cookie name and value (the session)
init       answer ``zip=no`` and ``file_limit=<bytes>``
file       POST body is (a chunk of) the CommerceML file ``filename``; ``success``
import     ingest ``filename`` (all received files when none is named); ``success``
query      answer crmkit's orders for 1C as CommerceML
success    1C received what ``query`` sent; ``success``
=========  =====================================================================

Failures are answered ``failure`` and the reason on the next line, which 1C shows in its
exchange log. Received files are kept in ``work_dir/received`` and moved to
``work_dir/imported`` once ingested (counterparties first, through identity resolution,
then orders and the payment and shipment events 1C dates).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import glob
import json
import logging
import re
import secrets
import threading
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.errors import CrmkitError
from crmkit_1c._values import DEFAULT_TIMEZONE
from crmkit_1c.commerceml import CommerceMLAdapter
from crmkit_1c.commerceml.writer import orders_document
from crmkit_1c.exchange.outgoing import outgoing_orders

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from crmkit.api import Crmkit

log = logging.getLogger("crmkit_1c.exchange")
COOKIE = "crmkit_1c_session"
_SAFE_NAME = re.compile(r"^[^./\\\x00-\x1f][^/\\\x00-\x1f]{0,199}$")
_TEXT = "text/plain; charset=utf-8"
_MODES = frozenset({"checkauth", "init", "file", "import", "query", "success"})


@attrs.frozen
class ExchangeSettings:
    """How the exchange endpoint behaves.

    ``source`` is the crmkit source name of what 1C sends; ``onec_sources`` every source
    name under which this 1C is known (``source`` is always one; add the ``1c-odata``
    source's name); ``query_sources`` the sources whose orders 1C collects; ``site_source``
    the name 1C's ``Номер`` of a site order belongs to.
    """

    username: str
    password: str
    work_dir: Path
    source: str = "1c"
    onec_sources: tuple[str, ...] = ()
    query_sources: tuple[str, ...] = ()
    site_source: str | None = None
    file_limit: int = 100 * 1024 * 1024
    query_limit: int = 500
    timezone: dt.tzinfo = DEFAULT_TIMEZONE

    @property
    def known_as_1c(self) -> tuple[str, ...]:
        """Return every source name this 1C is known under, ``source`` first."""
        return (self.source, *(s for s in self.onec_sources if s != self.source))


class ExchangeApp:
    """A WSGI application speaking the site side of 1C's exchange for one crmkit database."""

    def __init__(self, crm: Crmkit, settings: ExchangeSettings) -> None:
        self.crm = crm
        self.settings = settings
        self.received = settings.work_dir / "received"
        self.imported = settings.work_dir / "imported"
        self.received.mkdir(parents=True, exist_ok=True)
        self.imported.mkdir(parents=True, exist_ok=True)
        self.sessions: set[str] = set()
        self.lock = threading.Lock()
        self._sent_file = settings.work_dir / "sent.json"
        self._awaiting: list[str] = []

    # WSGI -----------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one request of the protocol."""
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        mode = query.get("mode", "")
        with self.lock:
            try:
                status, kind, body, headers = self._answer(environ, query, mode)
            except CrmkitError as exc:
                log.warning("1C exchange, mode %s: %s", mode, exc)
                status, kind, body, headers = _text(_failure(str(exc)))
            except Exception as exc:  # 1C shows the reason; the endpoint stays up
                log.exception("1C exchange, mode %s failed", mode)
                reason = f"internal error: {type(exc).__name__}: {exc}"
                status, kind, body, headers = (
                    "500 Internal Server Error",
                    _TEXT,
                    _failure(reason),
                    [],
                )
        start_response(
            status, [("Content-Type", kind), ("Content-Length", str(len(body))), *headers]
        )
        return [body]

    def _answer(self, environ: dict[str, Any], query: dict[str, str], mode: str) -> _Reply:
        if query.get("type") != "sale":
            return _text(_failure("only type=sale is supported"))
        if mode not in _MODES:
            return _text(_failure(f"unknown mode {mode!r}"))
        if mode == "checkauth":
            return self._checkauth(environ)
        if not (self._session_ok(environ) or self._credentials_ok(environ)):
            return _text(_failure("no session: call mode=checkauth"), "401 Unauthorized")
        if mode == "query":
            self._import(None)
            return "200 OK", "application/xml; charset=utf-8", self._query(), []
        handlers: dict[str, Callable[[], bytes]] = {
            "init": self._init,
            "file": lambda: self._file(environ, query.get("filename", "")),
            "import": functools.partial(self._import, query.get("filename")),
            "success": self._success,
        }
        return _text(handlers[mode]())

    def _checkauth(self, environ: dict[str, Any]) -> _Reply:
        if not self._credentials_ok(environ):
            _, kind, body, _ = _text(_failure("wrong user name or password"))
            challenge = [("WWW-Authenticate", 'Basic realm="crmkit 1C exchange"')]
            return "401 Unauthorized", kind, body, challenge
        token = secrets.token_hex(16)
        self.sessions.add(token)
        return _text(f"success\n{COOKIE}\n{token}\n".encode())

    def _init(self) -> bytes:
        return f"zip=no\nfile_limit={self.settings.file_limit}\n".encode()

    def _success(self) -> bytes:
        self._confirm()
        self._import(None)
        return b"success\n"

    # authentication -------------------------------------------------------------------------

    def _credentials_ok(self, environ: dict[str, Any]) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            return False
        for encoding in ("utf-8", "cp1251"):
            try:
                user, _, password = raw.decode(encoding).partition(":")
            except UnicodeDecodeError:
                continue
            same_user = secrets.compare_digest(user.encode(), self.settings.username.encode())
            same_password = secrets.compare_digest(
                password.encode(), self.settings.password.encode()
            )
            if same_user and same_password:
                return True
        return False

    def _session_ok(self, environ: dict[str, Any]) -> bool:
        cookies = environ.get("HTTP_COOKIE", "")
        for part in cookies.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and value in self.sessions:
                return True
        return False

    # modes ----------------------------------------------------------------------------------

    def _file(self, environ: dict[str, Any], filename: str) -> bytes:
        name = Path(filename.replace("\\", "/")).name
        if not _SAFE_NAME.match(name):
            return _failure(f"unsafe or missing filename {filename!r}")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > self.settings.file_limit:
            return _failure(f"the file is larger than file_limit={self.settings.file_limit}")
        body = environ["wsgi.input"].read(length) if length else b""
        with (self.received / name).open("ab") as handle:
            handle.write(body)
        log.info("1C exchange: received %d bytes of %s", len(body), name)
        return b"success\n"

    def _import(self, filename: str | None) -> bytes:
        if filename:
            name = Path(filename.replace("\\", "/")).name
            path = self.received / name
            if not _SAFE_NAME.match(name):
                return _failure(f"unsafe filename {filename!r}")
            if not path.is_file():
                if any(self.imported.glob(f"*-{glob.escape(name)}")):
                    return b"success\n"
                return _failure(f"file {filename!r} was not received (send it with mode=file)")
            paths = [path]
        else:
            paths = sorted(p for p in self.received.iterdir() if p.is_file())
        for path in paths:
            self._ingest(path)
        return b"success\n"

    def _ingest(self, path: Path) -> None:
        """Ingest one received file: counterparties (then resolution), orders, their events."""
        settings = self.settings
        adapter = CommerceMLAdapter(
            settings.source,
            {
                "path": str(path),
                "onec_source": settings.source,
                "site_source": settings.site_source,
            },
        )
        adapter.timezone = settings.timezone
        customers = self.crm.import_from(adapter, "customers")
        orders = self.crm.import_from(adapter, "orders", resolve=False)
        events = self.crm.import_from(adapter, "order_events", resolve=False)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path.replace(self.imported / f"{stamp}-{path.name}")
        log.info(
            "1C exchange: %s: %d counterparties, %d orders read, %d dead-lettered",
            path.name,
            customers.read,
            orders.read,
            customers.dead_lettered + orders.dead_lettered + events.dead_lettered,
        )

    def _query(self) -> bytes:
        documents = outgoing_orders(
            self.crm,
            query_sources=self.settings.query_sources,
            onec_sources=self.settings.known_as_1c,
            already_sent=self.sent(),
            limit=self.settings.query_limit,
        )
        self._awaiting = list(documents)
        return orders_document(list(documents.values()), self.settings.timezone)

    def _confirm(self) -> None:
        """Remember the orders the last ``query`` sent: 1C confirmed them with ``success``."""
        if not self._awaiting:
            return
        sent = self.sent() | set(self._awaiting)
        self._sent_file.write_text(json.dumps(sorted(sent), ensure_ascii=False), "utf-8")
        self._awaiting = []

    def sent(self) -> set[str]:
        """Return the keys (``source/external_id``) of the orders 1C confirmed receiving."""
        if not self._sent_file.is_file():
            return set()
        return set(json.loads(self._sent_file.read_text("utf-8")))


_Reply = tuple[str, str, bytes, list[tuple[str, str]]]


def _text(body: bytes, status: str = "200 OK") -> _Reply:
    return status, _TEXT, body, []


def _failure(reason: str) -> bytes:
    return f"failure\n{reason}\n".encode()
