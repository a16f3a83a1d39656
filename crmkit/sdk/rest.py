"""Requests with retries for REST sources, on whichever HTTP library the adapter uses.

:class:`RetryingSession` holds what every REST reader repeats, on the one retry loop of
:class:`crmkit.sdk.http.RetryingClient`: it builds the URL from the query, sends through
:meth:`RetryingSession.send` (one GET in the adapter's own library: ``requests``,
``httpx``...; override :meth:`RetryingSession.transmit` to send other methods and bodies),
retries timeouts, refused connections, HTTP 429 and 5xx by the source's
:class:`~crmkit.sdk.retry.RetryPolicy` (a ``Retry-After`` wins), then raises
:class:`~crmkit.errors.TransientError` (the sync engine retries again from the last
committed cursor); any other failed status raises :class:`~crmkit.errors.PermanentError`
carrying the source's own words. Secrets never reach a message or a log line. It also
decodes pages of records (:meth:`RetryingSession.records`).

crmkit itself imports no HTTP library: a subclass names its library's timeout and
connection exceptions in :attr:`~RetryingSession.timeout_errors` and
:attr:`~RetryingSession.connection_errors`, and returns replies shaped like :class:`Reply`
(a ``requests.Response`` is one).
"""

from __future__ import annotations

import abc
import logging
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import msgspec

from crmkit.errors import PermanentError
from crmkit.sdk.http import Reply, RetryingClient, redact_url
from crmkit.sdk.mapping import exact_json

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Reply", "RetryingSession"]

log = logging.getLogger("crmkit.rest")
_START_SHOWN = 80
_ReplyT = TypeVar("_ReplyT", bound=Reply)
_ENVELOPE = msgspec.json.Decoder(dict[str, msgspec.Raw])
_LIST = msgspec.json.Decoder(list[msgspec.Raw])


class RetryingSession(RetryingClient[_ReplyT]):
    """Sends GET requests for one source, retrying what may pass; see the module doc.

    Subclasses implement :meth:`send` (one GET) and may override ``transmit`` to send
    other methods and bodies through ``request``; ``error_details`` (the source's error body
    in its own words), ``before_send`` and ``after_success`` (rate-limit bookkeeping) are the
    hooks of :class:`~crmkit.sdk.http.RetryingClient`. ``secrets`` are values never to show;
    ``logger`` receives the retries.
    """

    default_logger: ClassVar[logging.Logger] = log

    @abc.abstractmethod
    def send(self, url: str) -> _ReplyT:
        """Send one GET of ``url`` (its query included) within ``timeout``; return any reply."""

    def transmit(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None
    ) -> _ReplyT:
        """Send one plain GET through :meth:`send`; return its reply.

        Raise :class:`NotImplementedError` for another method, a body or headers: a
        subclass that sends those overrides this method.
        """
        if method != "GET" or body is not None or headers:
            msg = f"{type(self).__name__} sends plain GETs only; override transmit() for {method}"
            raise NotImplementedError(msg)
        return self.send(url)

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


def _text(reply: Reply) -> str:
    """Return a reply's body as text, undecodable bytes replaced."""
    return reply.content.decode("utf-8", "replace")
