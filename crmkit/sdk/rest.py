"""GET requests with retries for REST sources, on whichever HTTP library the adapter uses.

:class:`RetryingSession` holds what every REST reader repeats: it builds the URL from the
query, sends through :meth:`RetryingSession.send` (one GET in the adapter's own library:
``requests``, ``httpx``...), retries timeouts, refused connections, HTTP 429 and 5xx by the
source's :class:`~crmkit.sdk.retry.RetryPolicy` (a ``Retry-After`` wins), then raises
:class:`~crmkit.errors.TransientError` (the sync engine retries again from the last
committed cursor); any other failed status raises :class:`~crmkit.errors.PermanentError`
carrying the source's own words. Secrets never reach a message or a log line.

crmkit itself imports no HTTP library: a subclass names its library's timeout and
connection exceptions in :attr:`~RetryingSession.timeout_errors` and
:attr:`~RetryingSession.connection_errors`, and returns replies shaped like :class:`Reply`
(a ``requests.Response`` is one).
"""

from __future__ import annotations

import abc
import logging
import time
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import msgspec

from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.http import Redactor, redact_url, with_query
from crmkit.sdk.mapping import exact_json
from crmkit.sdk.retry import TRANSIENT_STATUSES, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

log = logging.getLogger("crmkit.rest")
_SHOWN = 300
_START_SHOWN = 80
_FIRST_FAILED_STATUS = 400
_ENVELOPE = msgspec.json.Decoder(dict[str, msgspec.Raw])
_LIST = msgspec.json.Decoder(list[msgspec.Raw])


class Reply(Protocol):
    """What :class:`RetryingSession` reads of an HTTP reply (``requests.Response`` fits)."""

    @property
    def status_code(self) -> int:
        """The HTTP status."""

    @property
    def reason(self) -> str | None:
        """The status's reason phrase (``Unauthorized``), if the server sent one."""

    @property
    def headers(self) -> Mapping[str, str]:
        """The reply's headers, looked up by name in any case."""

    @property
    def content(self) -> bytes:
        """The body, byte for byte."""

    @property
    def url(self) -> str:
        """The URL that answered."""


_ReplyT = TypeVar("_ReplyT", bound=Reply)


class RetryingSession(abc.ABC, Generic[_ReplyT]):
    """Sends GET requests for one source, retrying what may pass; see the module doc.

    Subclasses implement :meth:`send` and may override :meth:`error_details` (the source's
    error body in its own words), :meth:`before_send` and :meth:`after_success` (rate-limit
    bookkeeping). ``secrets`` are values never to show; ``logger`` receives the retries.
    """

    #: The exceptions :meth:`send` raises when the source does not answer in time.
    timeout_errors: ClassVar[tuple[type[BaseException], ...]] = (TimeoutError,)
    #: The exceptions :meth:`send` raises when the source cannot be reached.
    connection_errors: ClassVar[tuple[type[BaseException], ...]] = (ConnectionError,)

    def __init__(
        self,
        source: str,
        *,
        timeout: float,
        retry: RetryPolicy,
        secrets: Iterable[str | None] = (),
        sleep: Callable[[float], None] = time.sleep,
        logger: logging.Logger = log,
    ) -> None:
        self.source = source
        self.timeout = timeout
        self.retry = retry
        self.sleep = sleep
        self.log = logger
        self.redact = Redactor()
        for secret in secrets:
            self.redact.add(secret)
        self.requests_sent = 0

    @abc.abstractmethod
    def send(self, url: str) -> _ReplyT:
        """Send one GET of ``url`` (its query included) within ``timeout``; return any reply."""

    def error_details(self, body: Any) -> str | None:  # noqa: ARG002 - a hook for subclasses
        """Return what a failed reply's JSON ``body`` says in the source's words, or ``None``.

        ``None`` (the default) shows the start of the body's text instead.
        """
        return None

    def before_send(self) -> None:
        """Run before every attempt (e.g. wait for a rate limit); the default does nothing."""

    def after_success(self, reply: _ReplyT) -> None:
        """Run on every successful reply (e.g. note a rate limit); the default does nothing."""

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> _ReplyT:
        """GET ``url`` with query ``params`` (``None`` values left out); return the 2xx reply.

        Transient failures are retried ``retry.max_retries`` times and then raised as
        :class:`~crmkit.errors.TransientError`; other failures raise
        :class:`~crmkit.errors.PermanentError` at once.
        """
        full = with_query(url, params)
        attempt = 0
        while True:
            attempt += 1
            self.before_send()
            outcome = self._attempt(full)
            if not isinstance(outcome, TransientError):
                self.after_success(outcome)
                return outcome
            if attempt > self.retry.max_retries:
                raise outcome
            wait = self.retry.delay(attempt, outcome.retry_after)
            self.log.warning(
                "source %s: %s; retry %d in %.2f s", self.source, outcome, attempt, wait
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
        words = (details or " ".join(_text(reply).split()))[:_SHOWN]
        return f"{head}: {words}" if words else head

    def records(self, reply: _ReplyT, key: str | None = None) -> list[tuple[str, Any]]:
        """Return a page's records as ``(verbatim JSON, value decoded exactly)``.

        The page is a JSON list, or with ``key`` an object holding the list under ``key``
        (``{"orders": [...]}``). Any other answer raises
        :class:`~crmkit.errors.PermanentError` saying what came instead.
        """
        shown = self.redact(redact_url(reply.url))
        try:
            if key is None:
                raws: list[msgspec.Raw] | None = _LIST.decode(reply.content)
            else:
                envelope = _ENVELOPE.decode(reply.content)
                raws = _LIST.decode(envelope[key]) if key in envelope else None
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            form = (
                "a JSON list of records" if key is None else f"JSON of the form {{{key!r}: [...]}}"
            )
            start = " ".join(_text(reply).split())[:_START_SHOWN]
            raise PermanentError(
                self.source, f"GET {shown}: the answer is not {form} ({exc}); it starts {start!r}"
            ) from exc
        if raws is None:
            raise PermanentError(
                self.source,
                f"GET {shown}: the answer has no {key!r} list (keys: {sorted(envelope)})",
            )
        return [(bytes(raw).decode("utf-8", "replace"), exact_json(bytes(raw))) for raw in raws]

    def _attempt(self, url: str) -> _ReplyT | TransientError:
        """Send once; return the reply or the transient failure, raise a permanent one."""
        shown = self.redact(redact_url(url))
        self.requests_sent += 1
        try:
            reply = self.send(url)
        except self.timeout_errors as exc:
            failure = TransientError(self.source, f"GET {shown}: no answer in {self.timeout:g} s")
            failure.__cause__ = exc
            return failure
        except self.connection_errors as exc:
            failure = TransientError(
                self.source, self.redact(f"GET {shown}: cannot connect: {exc}")
            )
            failure.__cause__ = exc
            return failure
        if reply.status_code < _FIRST_FAILED_STATUS:
            return reply
        reason = self.redact(f"GET {shown}: {self.describe(reply)}")
        if reply.status_code in TRANSIENT_STATUSES:
            retry_after = parse_retry_after(reply.headers.get("Retry-After"))
            return TransientError(self.source, reason, retry_after=retry_after)
        raise PermanentError(self.source, reason)


def _text(reply: Reply) -> str:
    """Return a reply's body as text, undecodable bytes replaced."""
    return reply.content.decode("utf-8", "replace")
