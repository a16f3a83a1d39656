"""The ``asterisk-ami`` adapter: calls recorded from the Asterisk Manager Interface."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from marshmallow import fields, validate

from crmkit.domain import RawItem
from crmkit.errors import AdapterError
from crmkit.sdk.adapter import Adapter, StreamSpec
from crmkit_asterisk.ami.calls import CallAssembler, FinishedCall, Ringing
from crmkit_asterisk.ami.client import AmiConnection, AmiSettings, event_stream
from crmkit_asterisk.ami.protocol import parse_messages
from crmkit_asterisk.rules import CallRules, CallRulesSchema

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from crmkit.sdk.adapter import Checkpoint, Progress


class AmiConfigSchema(CallRulesSchema):
    """Settings of ``asterisk-ami``: the manager account, and how long a sync listens."""

    host = fields.String(required=True, validate=validate.Length(min=1))
    port = fields.Integer(load_default=5038, strict=True, validate=validate.Range(1, 65535))
    username = fields.String(required=True, validate=validate.Length(min=1))
    secret = fields.String(required=True, validate=validate.Length(min=1))
    timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(min=0.05))
    read_seconds = fields.Float(load_default=60.0, validate=validate.Range(min=0))
    max_calls = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1))
    events = fields.String(load_default="on")
    reconnect_seconds = fields.Float(load_default=1.0, validate=validate.Range(min=0))
    max_reconnect_seconds = fields.Float(load_default=30.0, validate=validate.Range(min=0))


def finished_item(finished: FinishedCall, position: str) -> RawItem:
    """Return the raw item of a finished call: its events as text, mapped or with the error."""
    return RawItem(raw=finished.raw, data=finished.record, position=position, error=finished.error)


class AmiAdapter(Adapter):
    """Calls as the Asterisk Manager Interface reports them, live.

    A sync listens for ``read_seconds`` (or until ``max_calls`` calls ended) and records
    the calls that ended meanwhile; ``crmkit asterisk listen`` records them continuously and
    announces ringing incoming calls through the ``incoming_call`` hook (a screen pop).
    """

    name = "asterisk-ami"
    description = "Asterisk Manager Interface: calls, live, with screen pops"
    config_schema = AmiConfigSchema
    streams = (StreamSpec("interactions", "calls that end while listening"),)

    def __init__(self, source: str, config: Any) -> None:
        super().__init__(source, config)
        c = self.config
        self.settings = AmiSettings(
            host=c["host"],
            port=c["port"],
            username=c["username"],
            secret=c["secret"],
            timeout=c["timeout_seconds"],
            events=c["events"],
            backoff_seconds=c["reconnect_seconds"],
            max_backoff_seconds=c["max_reconnect_seconds"],
        )
        self.rules = CallRules.from_config(c)

    def assembler(self) -> CallAssembler:
        """Return a new call assembler with this source's rules and time zone."""
        return CallAssembler(self.rules, self.timezone)

    def check(self) -> str:
        """Log in once and return the banner; raise when refused or unreachable."""
        connection = AmiConnection(self.settings, self.source)
        try:
            banner = connection.open()
        finally:
            connection.close()
        return f"{self.settings.where}: logged in as {self.settings.username!r} ({banner})"

    def calls(
        self,
        *,
        seconds: float | None,
        max_calls: int | None = None,
        stop: Callable[[], bool] = lambda: False,
        on_ringing: Callable[[Ringing], None] | None = None,
    ) -> Iterator[RawItem]:
        """Yield a raw item per call that ends within ``seconds`` (``None``: until ``stop()``).

        ``on_ringing`` hears about each incoming call as it starts ringing.
        """
        deadline = None if seconds is None else time.monotonic() + seconds
        assembler = self.assembler()
        count = 0
        for message in event_stream(self.settings, self.source, deadline=deadline, stop=stop):
            for found in assembler.feed(message):
                if isinstance(found, Ringing):
                    if on_ringing is not None:
                        on_ringing(found)
                    continue
                count += 1
                yield finished_item(found, f"AMI call {count}")
            if max_calls is not None and count >= max_calls:
                return

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:  # noqa: ARG002 - live: no cursor
        """Listen for ``read_seconds`` and yield the calls that ended meanwhile."""
        if stream != "interactions":
            raise AdapterError(self.source, f"no stream {stream!r}")
        progress.set_total(None)
        for item in self.calls(
            seconds=self.config["read_seconds"], max_calls=self.config["max_calls"]
        ):
            progress.advance(1)
            yield item

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:  # noqa: ARG002
        """Assemble the raw events of a dead letter into a call again."""
        assembler = self.assembler()
        for message in parse_messages(raw):
            for found in assembler.feed(message):
                if isinstance(found, FinishedCall):
                    return finished_item(found, position or "dead letter")
        return RawItem(
            raw=raw, data=None, position=position or "dead letter", error="no call ended"
        )
