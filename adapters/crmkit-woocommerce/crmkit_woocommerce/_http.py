"""HTTP for the WooCommerce adapter (requests): timeouts, retries, errors in WooCommerce's words.

Retries and errors are those of :class:`crmkit.sdk.rest.RetryingSession`: connection
failures, timeouts, HTTP 429 and 5xx are retried with the source's
:class:`~crmkit.sdk.retry.RetryPolicy` (a ``Retry-After`` wins), then raised as
:class:`~crmkit.errors.TransientError`, which the sync engine retries again from the last
committed cursor. Everything else is a :class:`~crmkit.errors.PermanentError` carrying
WooCommerce's ``code`` and ``message``. Secrets never reach a message or a log line.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import requests

from crmkit.sdk.rest import RetryingSession

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.sdk.retry import RetryPolicy

log = logging.getLogger("crmkit_woocommerce.http")


class HttpSession(RetryingSession[requests.Response]):
    """Sends GET requests for one source, retrying what may pass; see the module doc."""

    timeout_errors = (requests.Timeout,)
    connection_errors = (requests.ConnectionError,)

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
        super().__init__(
            source, timeout=timeout, retry=retry, secrets=secrets, sleep=sleep, logger=log
        )
        self.session = requests.Session()
        self.session.verify = verify
        self.session.auth = auth
        self.session.headers.update(
            {"User-Agent": "crmkit-woocommerce", "Accept": "application/json"}
        )

    def send(self, url: str) -> requests.Response:
        """Send one GET of ``url`` with the keys; return the reply, whatever its status."""
        prepared = self.session.prepare_request(requests.Request("GET", url))
        return self.session.send(prepared, timeout=self.timeout)

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def error_details(self, body: Any) -> str | None:
        """Return ``<code>: <message>`` of a WooCommerce error body, if it has a message."""
        if not isinstance(body, dict) or not body.get("message"):
            return None
        code = f"{body['code']}: " if body.get("code") else ""
        return f"{code}{body['message']}"
