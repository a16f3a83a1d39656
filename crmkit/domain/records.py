"""Source records as stored, raw items as adapters yield them, and dead letters."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from typing import Any

import attrs

from crmkit.domain.common import ensure_utc


def content_hash(text: str) -> str:
    """Return the 32-hex-digit BLAKE2b digest that identifies a text exactly."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Stream(enum.StrEnum):
    """The kinds of record a source can deliver."""

    CUSTOMERS = "customers"
    ORDERS = "orders"
    ORDER_EVENTS = "order_events"
    INTERACTIONS = "interactions"


@attrs.frozen
class RawItem:
    """One record as an adapter read it, before validation.

    ``raw`` is the verbatim text (a JSON line, a serialised CSV row, an XML fragment);
    ``data`` is the record mapped into crmkit's format for the stream, or ``None`` when it
    could not be parsed, in which case ``error`` says why. ``raw_is_record`` is True when
    ``raw`` already is that record as JSON (so it is not stored twice). ``position`` locates
    the item in the input ("line 17", "page 3 item 5").
    """

    raw: str
    data: Any
    position: str
    error: str | None = None
    raw_is_record: bool = False


@attrs.frozen
class SourceRecord:
    """One version of what one source said about one thing (a customer, an order, ...).

    Immutable once stored: a changed payload becomes a new version with a higher number; the
    same payload again adds nothing. ``payload`` is kept verbatim, never rewritten;
    ``record`` is the adapter's mapping of it into crmkit's format as JSON, or ``None`` when
    the payload already is that.
    """

    source: str
    stream: Stream = attrs.field(converter=Stream)
    external_id: str
    version: int
    payload: str
    payload_hash: str
    received_at: dt.datetime = attrs.field(converter=ensure_utc)
    id: int | None = None
    record: str | None = None

    def record_json(self) -> str:
        """Return the record in crmkit's format as JSON text."""
        return self.record if self.record is not None else self.payload


@attrs.frozen
class DeadLetter:
    """A record that could not be ingested, kept with its raw payload and the reason."""

    source: str
    stream: Stream = attrs.field(converter=Stream)
    raw: str
    reason: str
    position: str | None = None
    created_at: dt.datetime | None = attrs.field(
        default=None, converter=attrs.converters.optional(ensure_utc)
    )
    id: int | None = None
    status: str = "open"


@attrs.define
class IngestOutcome:
    """Counts from one ingest run: what was read and what became of it."""

    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    dead_lettered: int = 0

    @property
    def stored(self) -> int:
        """Return how many record versions the run added."""
        return self.new + self.changed

    def add(self, other: IngestOutcome) -> None:
        """Add another outcome's counts to this one."""
        self.read += other.read
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.dead_lettered += other.dead_lettered
