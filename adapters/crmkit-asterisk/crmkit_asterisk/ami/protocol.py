"""The Asterisk Manager Interface wire format: a banner, then ``Key: Value`` blocks.

On connect Asterisk sends one line, ``Asterisk Call Manager/<version>``. After that every
message — an action, a response or an event — is ``Key: Value`` lines ended by an empty
line, with CRLF line ends. TCP may split a message anywhere, or join several in one read:
:class:`MessageReader` buffers bytes and hands out whole messages only.
"""

from __future__ import annotations

import re

import attrs

BANNER_PREFIX = "Asterisk Call Manager/"
_END = re.compile(rb"\r?\n\r?\n")
_MAX_BUFFER = 4 * 1024 * 1024


class AmiProtocolError(ValueError):
    """The peer does not speak the Asterisk Manager Interface (or broke it)."""


@attrs.frozen
class Message:
    """One AMI message: its ``Key: Value`` pairs (keys matched case-insensitively) and text."""

    values: dict[str, str]
    raw: str

    def get(self, key: str, default: str = "") -> str:
        """Return the value of ``key`` (any case), or ``default``."""
        return self.values.get(key.lower(), default)

    @property
    def event(self) -> str:
        """Return the event name, or ``""`` for a response."""
        return self.get("Event")

    @property
    def response(self) -> str:
        """Return the response status (``Success``, ``Error``), or ``""`` for an event."""
        return self.get("Response")


def parse_message(text: str) -> Message:
    """Return the message of one block of ``Key: Value`` lines (the first of a key wins)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        values.setdefault(key.strip().lower(), value.strip())
    return Message(values, text)


def parse_messages(text: str) -> list[Message]:
    """Return every message of a text of blocks separated by empty lines."""
    blocks = re.split(r"\r?\n\r?\n", text)
    return [parse_message(b) for b in blocks if b.strip()]


def format_action(action: str, fields: dict[str, str]) -> bytes:
    """Return the bytes of an action; raise :class:`ValueError` on a line break in a value."""
    lines = [f"Action: {action}"]
    for key, value in fields.items():
        if "\r" in value or "\n" in value or "\r" in key or "\n" in key:
            raise ValueError(f"AMI field {key!r} must not contain a line break")
        lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


class MessageReader:
    """Turns the bytes read from an AMI connection into the banner and whole messages."""

    def __init__(self) -> None:
        self.buffer = b""
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[Message]:
        """Add ``data`` read from the socket; return the messages now complete.

        Raises :class:`AmiProtocolError` when the first line is not an AMI banner or a
        message grows past 4 MiB without ending.
        """
        self.buffer += data
        found: list[Message] = []
        if self.banner is None:
            line, sep, rest = self.buffer.partition(b"\n")
            if not sep:
                if len(self.buffer) > len(BANNER_PREFIX) + 200:
                    raise AmiProtocolError("no Asterisk Call Manager banner")
                return found
            banner = line.decode("utf-8", "replace").strip()
            if not banner.startswith(BANNER_PREFIX):
                raise AmiProtocolError(
                    f"not an Asterisk Manager Interface: it said {banner[:80]!r}"
                )
            self.banner = banner
            self.buffer = rest
        while True:
            end = _END.search(self.buffer)
            if end is None:
                break
            block = self.buffer[: end.start()].decode("utf-8", "replace")
            self.buffer = self.buffer[end.end() :]
            if block.strip():
                found.append(parse_message(block))
        if len(self.buffer) > _MAX_BUFFER:
            raise AmiProtocolError("a message longer than 4 MiB")
        return found
