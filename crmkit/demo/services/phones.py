"""The demo's phone system: a cloud PBX posting Twilio-signed voice status callbacks.

Twilio calls the *status callback* URL of a number as each call progresses: a form POST
(``CallSid``, ``CallStatus``, ``From``, ``To``, ``CallDuration``, ``Timestamp``…) signed in
``X-Twilio-Signature`` with the account's auth token. ``data/phones/callbacks.txt`` holds the
form bodies, one a line, in the order they were sent. :class:`WebhookServer` serves crmkit's
own receiver (:mod:`crmkit.webhooks`) on loopback for the phone system to call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from crmkit.cli_serve import ThreadingWsgiServer
from crmkit.demo.services.loopback import data_file
from crmkit.testing.loopback import BackgroundServer

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.webhooks import WebhookApp


def twilio_signature(token: str, url: str, form: list[tuple[str, str]]) -> str:
    """Return ``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL and the sorted fields."""
    data = url + "".join(name + value for name, value in sorted(form))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class PhoneSystem:
    """The cloud PBX: replays its status callbacks to a URL, signed with the auth token."""

    def __init__(self, auth_token: str) -> None:
        self.auth_token = auth_token
        text = data_file("phones", "callbacks.txt").read_text(encoding="utf-8")
        self.callbacks = [urllib.parse.parse_qsl(line) for line in text.splitlines() if line]

    def calls(self) -> int:
        """Return how many calls the callbacks describe."""
        return len({dict(form)["CallSid"] for form in self.callbacks})

    def post(self, url: str, form: list[tuple[str, str]]) -> int:
        """POST one callback to ``url`` as Twilio does; return the HTTP status."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "X-Twilio-Signature": twilio_signature(self.auth_token, url, form),
        }
        body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - an http URL we built
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - as above
                return int(reply.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def replay(self, url: str, progress: Callable[[int], None] | None = None) -> dict[int, int]:
        """POST every callback to ``url`` in order; return how many got each HTTP status."""
        answers: dict[int, int] = {}
        for form in self.callbacks:
            status = self.post(url, form)
            answers[status] = answers.get(status, 0) + 1
            if progress is not None:
                progress(1)
        return answers


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Log nothing: the demo prints its own progress."""


class WebhookServer(BackgroundServer):
    """crmkit's webhook receiver (a WSGI app) served on 127.0.0.1 at a free port."""

    def __init__(self, app: WebhookApp) -> None:
        server = make_server(
            "127.0.0.1", 0, app, server_class=ThreadingWsgiServer, handler_class=_QuietHandler
        )
        super().__init__(server, name="crmkit-demo-webhooks")
