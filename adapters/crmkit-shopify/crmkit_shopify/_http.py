"""HTTP for the Shopify adapter (requests): the access token, rate limits, retries, paging.

Every request carries ``X-Shopify-Access-Token``. Retries and errors are those of
:class:`crmkit.sdk.rest.RetryingSession`: a 429 waits the ``Retry-After`` Shopify sends; 5xx,
timeouts and refused connections back off by the source's
:class:`~crmkit.sdk.retry.RetryPolicy`, then raise :class:`~crmkit.errors.TransientError`.
After each answer the ``X-Shopify-Shop-Api-Call-Limit`` header (``32/40``: calls in the leaky
bucket / its size) is read, and when the bucket is fuller than ``slow_down_at`` the next call
waits until enough has leaked. Other failures are :class:`~crmkit.errors.PermanentError` in
Shopify's words. The token never reaches a message or a log line.
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING, Any

import requests

from crmkit.sdk.rest import RetryingSession

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.sdk.retry import RetryPolicy

log = logging.getLogger("crmkit_shopify.http")
CALL_LIMIT = "X-Shopify-Shop-Api-Call-Limit"


def bucket(value: str | None) -> tuple[int, int] | None:
    """Return ``(used, size)`` of an ``X-Shopify-Shop-Api-Call-Limit`` value like ``32/40``."""
    if not value:
        return None
    used, _, size = value.partition("/")
    try:
        return int(used), int(size)
    except ValueError:
        return None


class HttpSession(RetryingSession[requests.Response]):
    """Sends GET requests for one Shopify source; see the module doc."""

    timeout_errors = (requests.Timeout,)
    connection_errors = (requests.ConnectionError,)

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
        super().__init__(
            source, timeout=timeout, retry=retry, secrets=(token,), sleep=sleep, logger=log
        )
        self.slow_down_at = slow_down_at
        self.leak_rate = leak_rate
        self.pause = 0.0
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers.update(
            {
                "X-Shopify-Access-Token": token,
                "User-Agent": "crmkit-shopify",
                "Accept": "application/json",
            }
        )

    def send(self, url: str) -> requests.Response:
        """Send one GET of ``url`` with the token; return the reply, whatever its status."""
        prepared = self.session.prepare_request(requests.Request("GET", url))
        return self.session.send(prepared, timeout=self.timeout)

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def error_details(self, body: Any) -> str | None:
        """Return Shopify's ``errors`` (a text, or a list per field), if the body has them."""
        if not isinstance(body, dict) or not body.get("errors"):
            return None
        errors = body["errors"]
        if isinstance(errors, dict):
            return "; ".join(
                f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in errors.items()
            )
        return str(errors)

    def before_send(self) -> None:
        """Wait first when the last answer showed the call-limit bucket nearly full."""
        if self.pause > 0:
            log.info(
                "source %s: call limit nearly reached; waiting %.2f s", self.source, self.pause
            )
            self.sleep(self.pause)
            self.pause = 0.0

    def after_success(self, reply: requests.Response) -> None:
        """Note how full the call-limit bucket is, to wait before the next call if need be."""
        found = bucket(reply.headers.get(CALL_LIMIT))
        if found is None:
            return
        used, size = found
        threshold = math.floor(size * self.slow_down_at)
        if size and used >= threshold:
            self.pause = (used - threshold + 1) / self.leak_rate

    def next_url(self, response: requests.Response) -> str | None:
        """Return the ``rel="next"`` URL of the ``Link`` header (``page_info`` paging), if any."""
        found = response.links.get("next", {}).get("url")
        return str(found) if found else None
