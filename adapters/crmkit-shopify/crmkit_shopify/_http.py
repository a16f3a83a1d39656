"""HTTP for the Shopify adapter (requests): the access token, rate limits, retries, paging.

Every request carries ``X-Shopify-Access-Token``. A 429 waits the ``Retry-After`` Shopify
sends; 5xx, timeouts and refused connections back off by the source's
:class:`~crmkit.sdk.retry.RetryPolicy`, then raise :class:`~crmkit.errors.TransientError`
(the sync engine retries again from the last committed cursor). After each answer the
``X-Shopify-Shop-Api-Call-Limit`` header (``32/40``: calls in the leaky bucket / its size) is
read, and when the bucket is fuller than ``slow_down_at`` the next call waits until enough
has leaked. Other failures are :class:`~crmkit.errors.PermanentError` in Shopify's words.
The token never reaches a message or a log line.
"""

from __future__ import annotations

import decimal
import logging
import math
import time
from typing import TYPE_CHECKING, Any

import msgspec
import requests

from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.http import Redactor, redact_url
from crmkit.sdk.retry import TRANSIENT_STATUSES, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

log = logging.getLogger("crmkit_shopify.http")
CALL_LIMIT = "X-Shopify-Shop-Api-Call-Limit"
_SHOWN = 300
_ENVELOPE = msgspec.json.Decoder(dict[str, msgspec.Raw])
_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_ITEM = msgspec.json.Decoder(float_hook=decimal.Decimal)


def decode_item(raw: bytes | str) -> Any:
    """Return one JSON value with every non-integer number as an exact :class:`Decimal`."""
    return _ITEM.decode(raw)


def describe(response: requests.Response) -> str:
    """Return ``HTTP 401 Unauthorized: <Shopify's errors>`` for a failed answer."""
    head = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        body = None
    if isinstance(body, dict) and body.get("errors"):
        errors = body["errors"]
        if isinstance(errors, dict):
            words = "; ".join(
                f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in errors.items()
            )
        else:
            words = str(errors)
        return f"{head}: {words[:_SHOWN]}"
    words = " ".join(response.text.split())[:_SHOWN]
    return f"{head}: {words}" if words else head


def bucket(value: str | None) -> tuple[int, int] | None:
    """Return ``(used, size)`` of an ``X-Shopify-Shop-Api-Call-Limit`` value like ``32/40``."""
    if not value:
        return None
    used, _, size = value.partition("/")
    try:
        return int(used), int(size)
    except ValueError:
        return None


class HttpSession:
    """Sends GET requests for one Shopify source; see the module doc."""

    def __init__(
        self,
        source: str,
        *,
        token: str,
        timeout: float,
        retry: RetryPolicy,
        slow_down_at: float,
        leak_rate: float,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.timeout = timeout
        self.retry = retry
        self.slow_down_at = slow_down_at
        self.leak_rate = leak_rate
        self.sleep = sleep
        self.redact = Redactor()
        self.redact.add(token)
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["X-Shopify-Access-Token"] = token
        self.session.headers["User-Agent"] = "crmkit-shopify"
        self.session.headers["Accept"] = "application/json"
        self.pause = 0.0
        self.requests_sent = 0

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> requests.Response:
        """GET ``url`` with ``params``; return the 2xx response or raise (see module doc)."""
        attempt = 0
        while True:
            attempt += 1
            if self.pause > 0:
                log.info(
                    "source %s: call limit nearly reached; waiting %.2f s", self.source, self.pause
                )
                self.sleep(self.pause)
                self.pause = 0.0
            failure = self._try(url, params)
            if isinstance(failure, requests.Response):
                self._note_bucket(failure)
                return failure
            if attempt > self.retry.max_retries:
                raise failure
            wait = self.retry.delay(attempt, failure.retry_after)
            log.warning("source %s: %s; retry %d in %.2f s", self.source, failure, attempt, wait)
            self.sleep(wait)

    def _note_bucket(self, response: requests.Response) -> None:
        found = bucket(response.headers.get(CALL_LIMIT))
        if found is None:
            return
        used, size = found
        threshold = math.floor(size * self.slow_down_at)
        if size and used >= threshold:
            self.pause = (used - threshold + 1) / self.leak_rate

    def _try(
        self, url: str, params: Mapping[str, Any] | None
    ) -> requests.Response | TransientError:
        prepared = self.session.prepare_request(requests.Request("GET", url, params=params))
        shown = self.redact(redact_url(prepared.url or url))
        self.requests_sent += 1
        try:
            response = self.session.send(prepared, timeout=self.timeout)
        except requests.Timeout as exc:
            failure = TransientError(self.source, f"GET {shown}: no answer in {self.timeout:g} s")
            failure.__cause__ = exc
            return failure
        except requests.ConnectionError as exc:
            failure = TransientError(
                self.source, self.redact(f"GET {shown}: cannot connect: {exc}")
            )
            failure.__cause__ = exc
            return failure
        if response.ok:
            return response
        reason = self.redact(f"GET {shown}: {describe(response)}")
        if response.status_code in TRANSIENT_STATUSES:
            return TransientError(
                self.source,
                reason,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise PermanentError(self.source, reason)

    def page(self, response: requests.Response, key: str) -> list[tuple[str, Any]]:
        """Return the records under ``key`` (``{"orders": [...]}``) as ``(raw JSON, value)``."""
        shown = self.redact(redact_url(response.url))
        try:
            envelope = _ENVELOPE.decode(response.content)
            raws = _LIST.decode(envelope[key]) if key in envelope else None
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            start = " ".join(response.text.split())[:80]
            raise PermanentError(
                self.source,
                f"GET {shown}: the answer is not JSON of the form {{{key!r}: [...]}} ({exc}); "
                f"it starts {start!r}",
            ) from exc
        if raws is None:
            raise PermanentError(
                self.source,
                f"GET {shown}: the answer has no {key!r} list (keys: {sorted(envelope)})",
            )
        return [(bytes(r).decode("utf-8", "replace"), decode_item(bytes(r))) for r in raws]

    def next_url(self, response: requests.Response) -> str | None:
        """Return the ``rel="next"`` URL of the ``Link`` header (``page_info`` paging), if any."""
        found = response.links.get("next", {}).get("url")
        return str(found) if found else None
