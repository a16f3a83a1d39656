"""A small AMI client over TCP sockets: connect, log in, read events, reconnect with backoff.

The secret is sent to Asterisk and nowhere else: it never appears in an error, a log line
or a ``repr``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import TYPE_CHECKING

import attrs

from crmkit.errors import PermanentError, TransientError
from crmkit_asterisk.ami.protocol import AmiProtocolError, Message, MessageReader, format_action

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

log = logging.getLogger("crmkit_asterisk.ami")
_CHUNK = 65536


class AmiLoginError(PermanentError):
    """Asterisk refused the AMI user: wrong user name or secret, or no permission."""


@attrs.frozen
class AmiSettings:
    """Where and as whom to connect: host, port, user, secret, timeouts and backoff."""

    host: str
    port: int
    username: str
    secret: str = attrs.field(repr=False)
    timeout: float = 10.0
    events: str = "on"
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0

    @property
    def where(self) -> str:
        """Return ``host:port``."""
        return f"{self.host}:{self.port}"


class AmiConnection:
    """One logged-in AMI connection; :meth:`messages` yields what Asterisk sends."""

    def __init__(self, settings: AmiSettings, source: str) -> None:
        self.settings = settings
        self.source = source
        self.sock: socket.socket | None = None
        self.reader = MessageReader()
        self.pending: list[Message] = []

    def open(self) -> str:
        """Connect and log in; return the banner. Raise :class:`AmiLoginError` if refused."""
        s = self.settings
        try:
            self.sock = socket.create_connection((s.host, s.port), timeout=s.timeout)
        except OSError as exc:
            raise TransientError(
                self.source, f"cannot connect to AMI at {s.where}: {exc.strerror or exc}"
            ) from None
        deadline = time.monotonic() + s.timeout
        while self.reader.banner is None:
            self.pending += self._receive(deadline)
        fields = {"ActionID": "crmkit-login", "Username": s.username, "Secret": s.secret}
        if s.events:
            fields["Events"] = s.events
        self._send(format_action("Login", fields))
        while True:
            while not self.pending:
                self.pending += self._receive(deadline)
            message = self.pending.pop(0)
            if message.response and message.get("ActionID") in {"crmkit-login", ""}:
                break
        if message.response.lower() != "success":
            self.close()
            reason = message.get("Message") or message.response
            raise AmiLoginError(
                self.source, f"AMI login refused for user {s.username!r} at {s.where}: {reason}"
            )
        return self.reader.banner or ""

    def _send(self, data: bytes) -> None:
        if self.sock is None:
            raise TransientError(self.source, "AMI connection is closed")
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise TransientError(self.source, f"AMI connection lost: {exc}") from None

    def _receive(self, deadline: float | None) -> list[Message]:
        """Read once; return the messages completed. ``[]`` after a quiet timeout."""
        if self.sock is None:
            raise TransientError(self.source, "AMI connection is closed")
        wait = self.settings.timeout
        if deadline is not None:
            wait = max(min(wait, deadline - time.monotonic()), 0.01)
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(_CHUNK)
        except TimeoutError:
            if deadline is not None and time.monotonic() >= deadline and self.reader.banner is None:
                raise TransientError(
                    self.source, f"no AMI banner from {self.settings.where}"
                ) from None
            return []
        except OSError as exc:
            raise TransientError(self.source, f"AMI connection lost: {exc}") from None
        if not data:
            raise TransientError(self.source, f"AMI at {self.settings.where} closed the connection")
        try:
            return self.reader.feed(data)
        except AmiProtocolError as exc:
            raise PermanentError(self.source, f"{self.settings.where}: {exc}") from None

    def messages(self, deadline: float | None, stop: Callable[[], bool]) -> Iterator[Message]:
        """Yield messages until ``deadline`` (monotonic) or ``stop()``; raise when cut off."""
        while not stop() and (deadline is None or time.monotonic() < deadline):
            if not self.pending:
                self.pending += self._receive(deadline)
            while self.pending:
                yield self.pending.pop(0)

    def close(self) -> None:
        """Log off (best effort) and close the socket."""
        if self.sock is None:
            return
        with contextlib.suppress(OSError):
            self.sock.sendall(format_action("Logoff", {}))
        self.sock.close()
        self.sock = None


def event_stream(
    settings: AmiSettings,
    source: str,
    *,
    deadline: float | None,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Message]:
    """Yield AMI events until ``deadline`` or ``stop()``, reconnecting with backoff when cut off.

    The first connection's failure is raised (so a sync reports it and retries by its own
    policy); later disconnects are logged and retried with exponential backoff until the
    deadline. A refused login is never retried.
    """
    delay = settings.backoff_seconds
    connected_once = False
    while not stop() and (deadline is None or time.monotonic() < deadline):
        connection = AmiConnection(settings, source)
        try:
            banner = connection.open()
            log.info("%s: connected to %s (%s)", source, settings.where, banner)
            connected_once, delay = True, settings.backoff_seconds
            yield from connection.messages(deadline, stop)
        except AmiLoginError:
            raise
        except TransientError as exc:
            if not connected_once:
                raise
            wait = delay if deadline is None else min(delay, max(deadline - time.monotonic(), 0))
            log.warning("%s; reconnecting in %.1f s", exc, wait)
            sleep(wait)
            delay = min(delay * 2, settings.max_backoff_seconds)
        finally:
            connection.close()
