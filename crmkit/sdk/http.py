"""An HTTP client for adapters: timeouts, retries with backoff and Retry-After, clear errors.

Built on the standard library (``urllib``), so the core needs no HTTP dependency; adapters that
prefer ``requests`` or ``httpx`` can still use :func:`crmkit.sdk.retry.is_transient` and raise
:class:`~crmkit.errors.TransientError` / :class:`~crmkit.errors.PermanentError` themselves.

Every failure is classified: connection refused or reset, timeouts, HTTP 429 and 5xx are
transient and retried here (then, if they persist, by the sync engine from the last committed
cursor); other HTTP errors are permanent and name the status and the server's own words.
Secrets (credentials in the URL, secret-looking query parameters, values passed as
``secrets``) never reach a log line or an error message.
"""

from __future__ import annotations

import base64
import logging
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.retry import TRANSIENT_STATUSES, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

log = logging.getLogger("crmkit.http")

MASK = "***"
_SECRET_WORDS = frozenset(
    {
        "pass",
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "key",
        "apikey",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "signature",
        "cookie",
        "private",
    }
)
_SECRET_PARTS = ("password", "secret", "token", "apikey", "credential")
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_ERROR_BODY_CHARS = 300


def looks_secret(name: str) -> bool:
    """Return True when a setting or parameter called ``name`` probably holds a secret.

    ``password``, ``api_key``, ``apiKey``, ``client_secret``, ``X-Auth-Token`` do;
    ``keyboard`` and ``monkey`` do not.
    """
    words = {w.lower() for w in _WORD.findall(name)}
    compact = re.sub(r"[^a-z0-9]", "", name.lower())
    return bool(words & _SECRET_WORDS) or any(part in compact for part in _SECRET_PARTS)


@attrs.define
class Redactor:
    """Replaces known secret values in text with ``***``."""

    secrets: set[str] = attrs.field(factory=set)

    def add(self, value: Any) -> None:
        """Remember ``value`` (if a non-trivial string) as a secret to hide."""
        if isinstance(value, str) and len(value) >= 3:  # noqa: PLR2004 - shorter is noise
            self.secrets.add(value)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every remembered secret replaced by ``***``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


def redact_url(url: str) -> str:
    """Return ``url`` with its password and secret-looking query values replaced by ``***``."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@")
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    if any(looks_secret(k) for k, _ in query):
        safe = [(k, MASK if looks_secret(k) else v) for k, v in query]
        parts = parts._replace(query=urllib.parse.urlencode(safe, safe="*"))
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def with_query(url: str, params: Mapping[str, Any] | None) -> str:
    """Return ``url`` with ``params`` added to its query (``None`` values left out).

    A list or tuple value repeats its key once per item (``status=a&status=b``), as
    ``requests`` sends it.
    """
    if not params:
        return url
    kept = {k: v for k, v in params.items() if v is not None}
    query = urllib.parse.urlencode(kept, doseq=True)
    if not query:
        return url
    return f"{url}{'&' if urllib.parse.urlsplit(url).query else '?'}{query}"


@attrs.frozen
class HttpResponse:
    """A successful response: status, headers (lower-case names) and the body bytes."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self, shape: Any = None) -> Any:
        """Return the body parsed as JSON; raise :class:`ValueError` if it is not JSON.

        ``shape`` is an optional msgspec type to decode into and check against, such as
        :class:`JsonPage`, whose items stay the verbatim JSON text the source sent.
        """
        try:
            if shape is None:
                return msgspec.json.decode(self.body)
            return msgspec.json.decode(self.body, type=shape)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ValueError(f"response of {redact_url(self.url)} is not JSON: {exc}") from exc

    def text(self, encoding: str = "utf-8") -> str:
        """Return the body decoded as text."""
        return self.body.decode(encoding, "replace")


class JsonPage(msgspec.Struct):
    """A page ``{"items": [...], "next": ...}`` whose items are kept as the source's JSON text.

    Decode a response into it (``client.get_json(url, shape=JsonPage)``) to store each
    item's raw payload verbatim without encoding it again: ``bytes(item)`` is the item's
    JSON exactly as sent, ``msgspec.json.decode(item)`` its data. ``next`` is whatever the
    source pages by (an offset, a token) or ``None`` on the last page.
    """

    items: list[msgspec.Raw]
    next: Any = None


class HttpClient:
    """Sends requests for one source with a timeout, retrying transient failures.

    ``base_url`` is joined with relative URLs; ``headers`` go with every request (their
    values are treated as secrets when the header name looks secret, e.g. Authorization);
    ``secrets`` are further values never to show. After ``retry.max_retries`` retries a
    transient failure raises :class:`TransientError`; a permanent one raises
    :class:`PermanentError` at once.
    """

    def __init__(
        self,
        source: str,
        *,
        base_url: str = "",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.base_url = base_url
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.headers = dict(headers or {})
        self.redact = Redactor()
        for value in secrets:
            self.redact.add(value)
        for name, value in self.headers.items():
            if looks_secret(name):
                self.redact.add(value)
                self.redact.add(value.partition(" ")[2])
        self.sleep = sleep
        self.requests_sent = 0

    def get_json(
        self, url: str, params: Mapping[str, Any] | None = None, *, shape: Any = None
    ) -> Any:
        """GET ``url`` with query ``params`` and return the JSON body (decoded into ``shape``).

        A body that is not JSON (or not of ``shape``) raises :class:`PermanentError`.
        """
        response = self.request("GET", url, params=params)
        try:
            return response.json(shape)
        except ValueError as exc:
            raise PermanentError(self.source, self.redact(str(exc))) from exc

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request, retrying transient failures; return the successful response."""
        full = self._url(url, params)
        shown = self.redact(redact_url(full))
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send(method, full, body, {**self.headers, **(headers or {})})
            except _Transient as failure:
                if attempt > self.retry.max_retries:
                    gave_up = f" (gave up after {attempt} attempts)" if attempt > 1 else ""
                    raise TransientError(
                        self.source,
                        f"{method} {shown}: {failure.reason}{gave_up}",
                        retry_after=failure.retry_after,
                    ) from failure.__cause__
                wait = self.retry.delay(attempt, failure.retry_after)
                log.warning(
                    "source %s: %s %s: %s; retry %d of %d in %.2f s",
                    self.source,
                    method,
                    shown,
                    failure.reason,
                    attempt,
                    self.retry.max_retries,
                    wait,
                )
                self.sleep(wait)
            except _Permanent as failure:
                raise PermanentError(
                    self.source, f"{method} {shown}: {failure.reason}"
                ) from failure.__cause__

    def _url(self, url: str, params: Mapping[str, Any] | None) -> str:
        return with_query(
            urllib.parse.urljoin(self.base_url, url) if self.base_url else url, params
        )

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> HttpResponse:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            raise _Permanent(f"not an http(s) URL: {self.redact(redact_url(url))}", None)
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            self.redact.add(password)
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers = {"Authorization": f"Basic {token}", **headers}
            self.redact.add(token)
            url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 - scheme checked above
        self.requests_sent += 1
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310
                data = reply.read()
                status = reply.status
                reply_headers = {k.lower(): v for k, v in reply.headers.items()}
        except urllib.error.HTTPError as exc:
            raise self._http_failure(exc) from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise _Permanent(f"TLS certificate not accepted: {reason}", None) from exc
            raise _Transient(self.redact(f"cannot connect: {reason}"), None) from exc
        except (TimeoutError, ConnectionError, HTTPException) as exc:
            what = "timed out" if isinstance(exc, TimeoutError) else f"connection lost: {exc!r}"
            raise _Transient(self.redact(what), None) from exc
        log.debug(
            "source %s: %s %s -> %d in %.3f s",
            self.source,
            method,
            self.redact(redact_url(url)),
            status,
            time.perf_counter() - started,
        )
        return HttpResponse(url, status, reply_headers, data)

    def _http_failure(self, exc: urllib.error.HTTPError) -> _Failure:
        try:
            words = exc.read(_ERROR_BODY_CHARS * 4).decode("utf-8", "replace").strip()
        except (OSError, HTTPException):
            words = ""
        finally:
            exc.close()
        words = " ".join(words.split())[:_ERROR_BODY_CHARS]
        reason = f"HTTP {exc.code} {exc.reason}" + (f": {words}" if words else "")
        reason = self.redact(reason)
        if exc.code in TRANSIENT_STATUSES:
            return _Transient(reason, parse_retry_after(exc.headers.get("Retry-After")))
        return _Permanent(reason, None)


class _Failure(Exception):  # noqa: N818 - internal signal, never leaves this module
    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Transient(_Failure):
    pass


class _Permanent(_Failure):
    pass
