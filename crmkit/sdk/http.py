"""An HTTP client for adapters: timeouts, retries with backoff and Retry-After, clear errors.

:class:`RetryingClient` is crmkit's one retry loop, over any HTTP library: a subclass sends
one attempt (:meth:`RetryingClient.transmit`) and the loop does the rest, for any method and
body. :class:`HttpClient` runs it on the standard library (``urllib``), so the core needs no
HTTP dependency; adapters on ``requests`` or ``httpx`` subclass :class:`RetryingClient` or
:class:`crmkit.sdk.rest.RetryingSession`.

Every failure is classified: connection refused or reset, timeouts, HTTP 429 and 5xx are
transient and retried here (then, if they persist, by the sync engine from the last committed
cursor); other HTTP errors are permanent and name the status and the server's own words.
Secrets (credentials in the URL, secret-looking query parameters, values passed as
``secrets``) never reach a log line or an error message.
"""

from __future__ import annotations

import abc
import base64
import logging
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

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
_FIRST_FAILED_STATUS = 400


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
    """A response: status, headers (lower-case names), the body bytes and the reason phrase."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    reason: str | None = None

    @property
    def status_code(self) -> int:
        """Return the HTTP status (as ``requests`` names it)."""
        return self.status

    @property
    def content(self) -> bytes:
        """Return the body bytes (as ``requests`` names them)."""
        return self.body

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


class Reply(Protocol):
    """What :class:`RetryingClient` reads of an HTTP reply (``requests.Response`` fits)."""

    @property
    def status_code(self) -> int:
        """The HTTP status."""

    @property
    def reason(self) -> str | None:
        """The status's reason phrase (``Unauthorized``), if the server sent one."""

    @property
    def headers(self) -> Mapping[str, str]:
        """The reply's headers, looked up by name (any case, or lower case)."""

    @property
    def content(self) -> bytes:
        """The body, byte for byte."""

    @property
    def url(self) -> str:
        """The URL that answered."""


_ReplyT = TypeVar("_ReplyT", bound=Reply)


class RetryingClient(abc.ABC, Generic[_ReplyT]):
    """Sends requests for one source on any HTTP library, retrying what may pass.

    The one retry loop of crmkit: :meth:`request` builds the URL from the query, sends it
    through :meth:`transmit` (one attempt in the subclass's library), retries timeouts,
    refused connections and ``crmkit.sdk.retry.TRANSIENT_STATUSES`` by ``retry`` (a
    ``Retry-After`` wins), then raises :class:`TransientError` naming the attempts; any other
    failed status raises :class:`PermanentError` at once in the source's words. Subclasses
    name their library's exceptions in :attr:`timeout_errors` and :attr:`connection_errors`
    and may override :meth:`error_details`, :meth:`before_send` and :meth:`after_success`.
    ``secrets`` are values never to show; ``logger`` receives the retries.
    """

    #: The exceptions :meth:`transmit` raises when the source does not answer in time.
    timeout_errors: tuple[type[BaseException], ...] = (TimeoutError,)
    #: The exceptions :meth:`transmit` raises when the source cannot be reached.
    connection_errors: tuple[type[BaseException], ...] = (ConnectionError,)
    #: The logger of retries and requests when none is given.
    default_logger: ClassVar[logging.Logger] = log

    def __init__(
        self,
        source: str,
        *,
        timeout: float,
        retry: RetryPolicy,
        secrets: Iterable[str | None] = (),
        sleep: Callable[[float], None] = time.sleep,
        logger: logging.Logger | None = None,
    ) -> None:
        self.source = source
        self.timeout = timeout
        self.retry = retry
        self.sleep = sleep
        self.log = logger or self.default_logger
        self.redact = Redactor()
        for secret in secrets:
            self.redact.add(secret)
        self.requests_sent = 0

    @abc.abstractmethod
    def transmit(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None
    ) -> _ReplyT:
        """Send ``method`` to ``url`` (query included) once within ``timeout``; return any reply."""

    def error_details(self, body: Any) -> str | None:  # noqa: ARG002 - a hook for subclasses
        """Return what a failed reply's JSON ``body`` says in the source's words, or ``None``.

        ``None`` (the default) shows the start of the body's text instead.
        """
        return None

    def before_send(self) -> None:
        """Run before every attempt (e.g. wait for a rate limit); the default does nothing."""

    def after_success(self, reply: _ReplyT) -> None:
        """Run on every successful reply (e.g. note a rate limit); the default does nothing."""

    def absolute_url(self, url: str) -> str:
        """Return the URL to send for ``url`` (e.g. joined with a base); the default: ``url``."""
        return url

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        refused: Callable[[_ReplyT], Exception | None] | None = None,
    ) -> _ReplyT:
        """GET ``url`` with query ``params`` (``None`` values left out); return the 2xx reply.

        Retries and errors are those of :meth:`request`.
        """
        return self.request("GET", url, params=params, headers=headers, refused=refused)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        refused: Callable[[_ReplyT], Exception | None] | None = None,
    ) -> _ReplyT:
        """Send ``method`` to ``url`` with query ``params`` and ``body``; return the 2xx reply.

        ``url`` goes through :meth:`absolute_url` first.

        Transient failures are retried ``retry.max_retries`` times and then raised as
        :class:`TransientError`; other failed statuses raise at once what ``refused(reply)``
        returns or, if it returns ``None`` (or is not given), a :class:`PermanentError`.
        """
        full = with_query(self.absolute_url(url), params)
        shown = self.redact(redact_url(full))
        attempt = 0
        while True:
            attempt += 1
            self.before_send()
            outcome = self._attempt(method, full, shown, body, headers, refused)
            if not isinstance(outcome, _Retry):
                self.after_success(outcome)
                return outcome
            if attempt > self.retry.max_retries:
                gave_up = f" (gave up after {attempt} attempts)" if attempt > 1 else ""
                raise TransientError(
                    self.source,
                    f"{method} {shown}: {outcome.reason}{gave_up}",
                    retry_after=outcome.retry_after,
                ) from outcome.cause
            wait = self.retry.delay(attempt, outcome.retry_after)
            self.log.warning(
                "source %s: %s %s: %s; retry %d of %d in %.2f s",
                self.source,
                method,
                shown,
                outcome.reason,
                attempt,
                self.retry.max_retries,
                wait,
            )
            self.sleep(wait)

    def describe(self, reply: _ReplyT) -> str:
        """Return ``HTTP 401 Unauthorized: <the source's words>`` for a failed reply."""
        head = f"HTTP {reply.status_code} {reply.reason or ''}".rstrip()
        try:
            body = msgspec.json.decode(reply.content)
        except msgspec.DecodeError:
            body = None
        details = self.error_details(body) if body is not None else None
        text = reply.content.decode("utf-8", "replace")
        words = (details or " ".join(text.split()))[:_ERROR_BODY_CHARS]
        return f"{head}: {words}" if words else head

    def _attempt(
        self,
        method: str,
        url: str,
        shown: str,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        refused: Callable[[_ReplyT], Exception | None] | None,
    ) -> _ReplyT | _Retry:
        """Send once; return the reply or why to retry; raise a permanent failure."""
        self.requests_sent += 1
        started = time.perf_counter()
        try:
            reply = self.transmit(method, url, body, headers)
        except self.timeout_errors as exc:
            return _Retry(f"no answer in {self.timeout:g} s", None, exc)
        except self.connection_errors as exc:
            return _Retry(self.redact(f"cannot connect: {exc}"), None, exc)
        status = reply.status_code
        self.log.debug(
            "source %s: %s %s -> %d in %.3f s",
            self.source,
            method,
            shown,
            status,
            time.perf_counter() - started,
        )
        if status < _FIRST_FAILED_STATUS:
            return reply
        reason = self.redact(self.describe(reply))
        if status in TRANSIENT_STATUSES:
            found = reply.headers.get("Retry-After") or reply.headers.get("retry-after")
            return _Retry(reason, parse_retry_after(found), None)
        specific = refused(reply) if refused else None
        raise specific or PermanentError(self.source, f"{method} {shown}: {reason}")


@attrs.frozen
class _Retry:
    """Why an attempt may pass if tried again: the words, a Retry-After, the exception."""

    reason: str
    retry_after: float | None
    cause: BaseException | None


class HttpClient(RetryingClient[HttpResponse]):
    """Sends requests for one source with a timeout, retrying transient failures.

    Built on :class:`RetryingClient` over ``urllib``. ``base_url`` is joined with relative
    URLs; ``headers`` go with every request (their values are treated as secrets when the
    header name looks secret, e.g. Authorization); ``secrets`` are further values never to
    show. After ``retry.max_retries`` retries a transient failure raises
    :class:`TransientError`; a permanent one raises :class:`PermanentError` at once.
    """

    connection_errors = (ConnectionError, HTTPException)

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
        super().__init__(
            source, timeout=timeout, retry=retry or RetryPolicy(), secrets=secrets, sleep=sleep
        )
        self.base_url = base_url
        self.headers = dict(headers or {})
        for name, value in self.headers.items():
            if looks_secret(name):
                self.redact.add(value)
                self.redact.add(value.partition(" ")[2])

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

    def absolute_url(self, url: str) -> str:
        """Return ``url`` joined with ``base_url`` (unchanged when there is none)."""
        return urllib.parse.urljoin(self.base_url, url) if self.base_url else url

    def transmit(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None
    ) -> HttpResponse:
        """Send one request with ``urllib``; return the response, whatever its status.

        Credentials in ``url`` become a Basic ``Authorization`` header (and secrets); a URL
        that is not http(s), a TLS certificate not accepted or a redirect ``urllib`` does not
        follow raise :class:`PermanentError`.
        """
        sent = {**self.headers, **(headers or {})}
        shown = self.redact(redact_url(url))
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            raise PermanentError(self.source, f"{method} {shown}: not an http(s) URL: {shown}")
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            self.redact.add(password)
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            sent = {"Authorization": f"Basic {token}", **sent}
            self.redact.add(token)
            url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        request = urllib.request.Request(url, data=body, headers=sent, method=method)  # noqa: S310 - scheme checked above
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310
                return HttpResponse(
                    url,
                    reply.status,
                    {k.lower(): v for k, v in reply.headers.items()},
                    reply.read(),
                    reply.reason,
                )
        except urllib.error.HTTPError as exc:
            failed = _failed_response(url, exc)
            if failed.status < _FIRST_FAILED_STATUS:
                words = self.redact(self.describe(failed))
                raise PermanentError(self.source, f"{method} {shown}: {words}") from exc
            return failed
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise PermanentError(
                    self.source,
                    self.redact(f"{method} {shown}: TLS certificate not accepted: {reason}"),
                ) from exc
            if isinstance(reason, TimeoutError):
                raise reason from exc
            raise ConnectionError(reason) from exc


def _failed_response(url: str, exc: urllib.error.HTTPError) -> HttpResponse:
    """Return the response an :class:`urllib.error.HTTPError` carries (its body read)."""
    try:
        data = exc.read()
    except (OSError, HTTPException):
        data = b""
    finally:
        exc.close()
    headers = {k.lower(): v for k, v in exc.headers.items()}
    return HttpResponse(url, exc.code, headers, data, exc.reason)
