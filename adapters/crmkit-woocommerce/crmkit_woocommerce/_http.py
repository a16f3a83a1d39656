"""HTTP for the WooCommerce adapter (requests): timeouts, retries, errors in WooCommerce's words.

Connection failures, timeouts, HTTP 429 and 5xx are retried with the source's
:class:`~crmkit.sdk.retry.RetryPolicy` (a ``Retry-After`` wins), then raised as
:class:`~crmkit.errors.TransientError`, which the sync engine retries again from the last
committed cursor. Everything else is a :class:`~crmkit.errors.PermanentError` carrying
WooCommerce's ``code`` and ``message``. Secrets never reach a message or a log line.
"""

from __future__ import annotations

import decimal
import logging
import time
from typing import TYPE_CHECKING, Any

import msgspec
import requests

from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.http import Redactor, redact_url
from crmkit.sdk.retry import TRANSIENT_STATUSES, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

log = logging.getLogger("crmkit_woocommerce.http")
_SHOWN = 300
_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_ITEM = msgspec.json.Decoder(float_hook=decimal.Decimal)


def decode_item(raw: bytes | str) -> Any:
    """Return one JSON value with every non-integer number as an exact :class:`Decimal`."""
    return _ITEM.decode(raw)


def describe(response: requests.Response) -> str:
    """Return ``HTTP 401 Unauthorized: <code>: <message>`` from a WooCommerce error reply."""
    head = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        words = " ".join(response.text.split())[:_SHOWN]
        return f"{head}: {words}" if words else head
    if isinstance(body, dict) and body.get("message"):
        code = f"{body['code']}: " if body.get("code") else ""
        return f"{head}: {code}{body['message']}"
    return f"{head}: {' '.join(response.text.split())[:_SHOWN]}"


class HttpSession:
    """Sends GET requests for one source, retrying what may pass; see the module doc."""

    def __init__(
        self,
        source: str,
        *,
        auth: tuple[str, str] | None,
        timeout: float,
        retry: RetryPolicy,
        verify: bool | str = True,
        secrets: tuple[str, ...] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.timeout = timeout
        self.retry = retry
        self.sleep = sleep
        self.redact = Redactor()
        for secret in secrets:
            self.redact.add(secret)
        self.session = requests.Session()
        self.session.verify = verify
        self.session.auth = auth
        self.session.headers["User-Agent"] = "crmkit-woocommerce"
        self.session.headers["Accept"] = "application/json"
        self.requests_sent = 0

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> requests.Response:
        """GET ``url`` with ``params``; return the 2xx response or raise (see module doc)."""
        attempt = 0
        while True:
            attempt += 1
            failure = self._try(url, params)
            if isinstance(failure, requests.Response):
                return failure
            if attempt > self.retry.max_retries:
                raise failure
            wait = self.retry.delay(attempt, failure.retry_after)
            log.warning("source %s: %s; retry %d in %.2f s", self.source, failure, attempt, wait)
            self.sleep(wait)

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

    def page(self, response: requests.Response) -> list[tuple[str, Any]]:
        """Return a page's items as ``(verbatim JSON, parsed value)``; raise if not a JSON list."""
        shown = self.redact(redact_url(response.url))
        try:
            raws = _LIST.decode(response.content)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            start = " ".join(response.text.split())[:80]
            raise PermanentError(
                self.source,
                f"GET {shown}: the answer is not a JSON list of records ({exc}); "
                f"it starts {start!r}",
            ) from exc
        items: list[tuple[str, Any]] = []
        for raw in raws:
            text = bytes(raw).decode("utf-8", "replace")
            items.append((text, decode_item(bytes(raw))))
        return items
