"""HTTP for the 1C adapters (requests): UTF-8 Basic auth, timeouts, retries, classified errors.

1C users are often named in Cyrillic (``Администратор``); 1C reads the Basic credentials as
UTF-8, which ``requests``' own Basic auth (Latin-1) cannot send, so the header is built here.
Retries are those of :class:`crmkit.sdk.http.RetryingClient`: connection failures, timeouts,
HTTP 429 and 5xx are retried a few times (a ``Retry-After`` wins) and then raised as
:class:`~crmkit.errors.TransientError` (the sync engine retries again from the last
committed cursor); every other failure is a :class:`~crmkit.errors.PermanentError`.
``requests`` is imported when a session is made, so loading the plugin stays cheap.
"""

from __future__ import annotations

import base64
import logging
import time
from typing import TYPE_CHECKING

from crmkit.sdk.http import RetryingClient
from crmkit.sdk.retry import RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import requests

log = logging.getLogger("crmkit_1c.http")
_SHOWN_BODY = 300


def basic_auth(username: str, password: str) -> str:
    """Return the ``Authorization`` header value for ``username`` and ``password`` in UTF-8."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class HttpSession(RetryingClient["requests.Response"]):
    """Sends GET and POST requests for one source on ``requests``, retrying what may pass.

    The retry loop is :class:`crmkit.sdk.http.RetryingClient`'s: :meth:`~RetryingClient.get`
    and :meth:`~RetryingClient.request` take ``refused(response)``, which turns a failed
    response into the exception to raise (the adapter knows its server's error format); it
    returns ``None`` to use the generic message. The password never reaches a message or a
    log line.
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
        import requests

        authorization = basic_auth(username, password or "") if username else ""
        super().__init__(
            source,
            timeout=timeout,
            retry=RetryPolicy(max_retries=retries, backoff_seconds=backoff),
            secrets=(password, authorization, authorization.partition(" ")[2]),
            sleep=sleep,
            logger=log,
        )
        self.timeout_errors = (requests.Timeout,)
        self.connection_errors = (requests.ConnectionError,)
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["User-Agent"] = "crmkit-1c"
        if authorization:
            self.session.headers["Authorization"] = authorization

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def transmit(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None
    ) -> requests.Response:
        """Send one request within ``timeout``; return the response, whatever its status."""
        return self.session.request(method, url, data=body, headers=headers, timeout=self.timeout)

    def describe(self, reply: requests.Response) -> str:
        """Return ``HTTP 500 Internal Server Error: <the start of the body>`` (see below)."""
        return describe(reply)


def describe(response: requests.Response) -> str:
    """Return ``HTTP 500 Internal Server Error: <the start of the body>``."""
    words = " ".join(response.text.split())[:_SHOWN_BODY] if response.content else ""
    head = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
    return f"{head}: {words}" if words else head
