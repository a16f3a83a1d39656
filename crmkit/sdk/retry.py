"""When to try a failed read again, and how long to wait first: one policy for SDK and engine.

Transient failures (connection refused or reset, timeouts, HTTP 429 and 5xx, SOAP faults an
adapter marks temporary) are retried with exponential backoff; a ``Retry-After`` the source
sent wins over the computed delay. Everything else is permanent.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
from typing import Any

import attrs

from crmkit.errors import PermanentError, TransientError

#: HTTP statuses worth retrying: request timeout, too many requests, and server errors
#: except 501 (not implemented) and 505 (version not supported), which never get better.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 507, 509, 520, 522, 524})


@attrs.frozen
class RetryPolicy:
    """How often to retry a transient failure and how long to wait before each attempt.

    The wait before retry ``n`` (from 1) is ``backoff_seconds * 2 ** (n - 1)``, at most
    ``max_backoff_seconds``; a ``Retry-After`` from the source replaces it (capped at
    ``max_retry_after_seconds``). ``max_retries=0`` never retries.
    """

    max_retries: int = attrs.field(default=5, validator=attrs.validators.ge(0))
    backoff_seconds: float = attrs.field(default=1.0, validator=attrs.validators.ge(0))
    max_backoff_seconds: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    max_retry_after_seconds: float = attrs.field(default=600.0, validator=attrs.validators.ge(0))

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Return the seconds to wait before retry number ``retry`` (1 for the first)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_seconds)
        return float(min(self.backoff_seconds * 2 ** max(retry - 1, 0), self.max_backoff_seconds))


def is_transient(exc: BaseException) -> bool:
    """Return True when ``exc`` is a failure that may pass if the read is tried again.

    Transient: :class:`~crmkit.errors.TransientError`, connection errors and timeouts of the
    standard library, any exception that carries ``transient = True``, an HTTP status in
    :data:`TRANSIENT_STATUSES` (``exc.status_code`` or ``exc.code`` as zeep and urllib give
    it, or ``exc.response.status_code`` as requests and httpx do), and, with no status, the
    connection and timeout errors of HTTP libraries, recognised by class name (requests'
    ``ConnectionError`` and ``Timeout``, httpx's ``TransportError``...).
    """
    if isinstance(exc, PermanentError):
        return False
    if isinstance(exc, TransientError | ConnectionError | TimeoutError):
        return True
    if getattr(exc, "transient", False) is True:
        return True
    status = _status_of(exc)
    if status is not None:
        return status in TRANSIENT_STATUSES
    return any(cls.__name__ in _TRANSIENT_CLASS_NAMES for cls in type(exc).__mro__)


_TRANSIENT_CLASS_NAMES = frozenset(
    {
        "ConnectionError",
        "ConnectError",
        "Timeout",
        "TimeoutException",
        "ConnectTimeout",
        "ReadTimeout",
        "TransportError",
        "ProtocolError",
        "ChunkedEncodingError",
        "RemoteDisconnected",
    }
)


def _status_of(exc: BaseException) -> int | None:
    for holder in (exc, getattr(exc, "response", None)):
        for name in ("status_code", "code", "status"):
            value = getattr(holder, name, None)
            if isinstance(value, int) and not isinstance(value, bool) and 100 <= value < 600:  # noqa: PLR2004
                return value
    return None


def retry_after_of(exc: BaseException) -> float | None:
    """Return the seconds the source asked to wait before retrying, if ``exc`` carries them."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, int | float):
        return float(value)
    for holder in (getattr(exc, "response", None), exc):
        headers: Any = getattr(holder, "headers", None)
        if headers is not None and hasattr(headers, "get"):
            return parse_retry_after(headers.get("Retry-After"))
    return None


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Return a ``Retry-After`` header as seconds from now, or ``None`` if absent or unreadable.

    The header holds either seconds (``120``; fractions are accepted) or an HTTP date
    (``Wed, 21 Oct 2026 07:28:00 GMT``); a date in the past means "now" (0).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(seconds, 0.0)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max((when - now).total_seconds(), 0.0)
