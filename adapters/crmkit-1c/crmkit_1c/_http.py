"""HTTP for the 1C adapters (requests): UTF-8 Basic auth, timeouts, retries, classified errors.

1C users are often named in Cyrillic (``Администратор``); 1C reads the Basic credentials as
UTF-8, which ``requests``' own Basic auth (Latin-1) cannot send, so the header is built here.
Connection failures, timeouts, HTTP 429 and 5xx are retried a few times and then raised as
:class:`~crmkit.errors.TransientError` (the sync engine retries again from the last
committed cursor); every other failure is a :class:`~crmkit.errors.PermanentError`.
``requests`` is imported when a session is made, so loading the plugin stays cheap.
"""

from __future__ import annotations

import base64
import logging
import time
from typing import TYPE_CHECKING

from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.retry import TRANSIENT_STATUSES, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import requests

log = logging.getLogger("crmkit_1c.http")
_SHOWN_BODY = 300


def basic_auth(username: str, password: str) -> str:
    """Return the ``Authorization`` header value for ``username`` and ``password`` in UTF-8."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class HttpSession:
    """Sends GET and POST requests for one source, retrying what may pass.

    ``refused(response)`` turns a failed response into the exception to raise (the adapter
    knows its server's error format); it returns ``None`` to use the generic message.
    """

    def __init__(
        self,
        source: str,
        *,
        username: str | None,
        password: str | None,
        timeout: float,
        retries: int,
        backoff: float,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.timeout = timeout
        self.policy = RetryPolicy(max_retries=retries, backoff_seconds=backoff)
        self.sleep = sleep
        import requests

        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["User-Agent"] = "crmkit-1c"
        if username:
            self.session.headers["Authorization"] = basic_auth(username, password or "")

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        refused: Callable[[requests.Response], Exception | None] | None = None,
    ) -> requests.Response:
        """GET ``url`` (already encoded); return the successful response or raise."""
        return self.send("GET", url, headers=headers, refused=refused)

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        refused: Callable[[requests.Response], Exception | None] | None = None,
    ) -> requests.Response:
        """Send one request, retrying transient failures; return the 2xx response or raise."""
        import requests

        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method, url, data=body, headers=headers, timeout=self.timeout
                )
            except requests.Timeout as exc:
                failure: TransientError = TransientError(
                    self.source, f"{method} {url}: no answer within {self.timeout:g} s"
                )
                failure.__cause__ = exc
            except requests.ConnectionError as exc:
                failure = TransientError(self.source, f"{method} {url}: cannot connect: {exc}")
                failure.__cause__ = exc
            else:
                if response.ok:
                    return response
                if response.status_code not in TRANSIENT_STATUSES:
                    specific = refused(response) if refused else None
                    raise specific or PermanentError(
                        self.source, f"{method} {url}: {describe(response)}"
                    )
                failure = TransientError(
                    self.source,
                    f"{method} {url}: {describe(response)}",
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
            if attempt > self.policy.max_retries:
                raise failure
            wait = self.policy.delay(attempt, failure.retry_after)
            log.warning("source %s: %s; retry %d in %.2f s", self.source, failure, attempt, wait)
            self.sleep(wait)


def describe(response: requests.Response) -> str:
    """Return ``HTTP 500 Internal Server Error: <the start of the body>``."""
    words = " ".join(response.text.split())[:_SHOWN_BODY] if response.content else ""
    head = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
    return f"{head}: {words}" if words else head
