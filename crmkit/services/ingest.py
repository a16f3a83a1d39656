"""Ingest raw items from an adapter into versioned source records, streaming and idempotent.

Items are validated, hashed and written in batches, each batch in one transaction, so memory
stays constant however large the input. The same payload again adds nothing; a changed
payload adds a version; a structurally bad item becomes a dead letter and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs
import msgspec

from crmkit.domain import (
    DeadLetter,
    IngestOutcome,
    RawItem,
    SourceRecord,
    Stream,
    content_hash,
    utc_now,
)
from crmkit.errors import RecordError
from crmkit.schemas import RecordValidator
from crmkit.sdk.adapter import Checkpoint
from crmkit.services.ports import RecordStore

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Sequence

    from crmkit.services.ports import RecordSession

DEFAULT_BATCH_SIZE = 5000


_NUL_REASON = (
    "contains a NUL character (U+0000), which databases cannot store "
    "(kept here with each NUL written as \\x00)"
)


def cursor_state_name(source: str, stream: str) -> str:
    """Return the state key under which a source stream's cursor is stored."""
    return f"cursor:{source}:{stream}"


_NOT_STORED = (0, None)

RecordRow = tuple[str, int, str, str | None, str]
"""One record version to store: ``(external_id, version, payload, record, payload_hash)``."""


def _contains_nul(data: Any) -> bool:
    """Return True when a NUL character hides in any string of parsed data."""
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_contains_nul(v) for v in data)
    return False


@runtime_checkable
class BulkRecordSession(Protocol):
    """A record session that also stores plain rows, without a :class:`SourceRecord` each.

    The ingestor uses it when nobody needs the stored records as objects (no
    ``records_ingested`` hook), which saves building a million of them in a large import.
    """

    def add_record_rows(
        self, source: str, stream: str, received_at: dt.datetime, rows: Sequence[RecordRow]
    ) -> None:
        """Store record versions of one source stream, all received at ``received_at``."""
        ...


@attrs.define
class _Batch:
    records: list[tuple[str, str, str | None]] = attrs.field(factory=list)
    letters: list[DeadLetter] = attrs.field(factory=list)
    cursor: Any = None
    has_cursor: bool = False

    def __len__(self) -> int:
        return len(self.records) + len(self.letters)


@attrs.define
class Ingestor:
    """Writes one source stream's items into the record store.

    ``on_stored`` is called after each committed batch with the stored records (for the
    ``records_ingested`` hook); ``on_progress`` with the running outcome.
    """

    store: RecordStore
    validator: RecordValidator
    source: str
    stream: Stream = attrs.field(converter=Stream)
    batch_size: int = DEFAULT_BATCH_SIZE
    on_stored: Callable[[list[SourceRecord]], None] | None = None
    on_progress: Callable[[IngestOutcome], None] | None = None
    outcome: IngestOutcome = attrs.field(factory=IngestOutcome)

    def run(self, items: Iterable[RawItem | Checkpoint]) -> IngestOutcome:
        """Ingest every item; return the counts. Commits batch by batch."""
        batch = _Batch()
        accept = self._accept
        outcome = self.outcome
        pending = 0  # items in the batch: len(batch), counted here for speed
        for item in items:
            if isinstance(item, Checkpoint):
                batch.cursor, batch.has_cursor = item.cursor, True
                continue
            outcome.read += 1
            accept(item, batch)
            pending += 1
            if pending >= self.batch_size:
                self._flush(batch)
                batch = _Batch()
                pending = 0
        self._flush(batch)
        return outcome

    def _accept(self, item: RawItem, batch: _Batch) -> None:
        reason = item.error
        raw = item.raw
        if "\x00" in raw or ("\\u0000" in raw and _contains_nul(item.data)):
            raw = raw.replace("\x00", "\\x00")
            reason = f"{reason}; {_NUL_REASON}" if reason else _NUL_REASON
        if reason is None:
            try:
                self.validator.validate(item.data)
            except RecordError as exc:
                reason = exc.reason
        if reason is not None:
            batch.letters.append(
                DeadLetter(self.source, self.stream, raw, reason, position=item.position)
            )
            return
        record = None if item.raw_is_record else msgspec.json.encode(item.data).decode()
        batch.records.append((str(item.data["external_id"]).strip(), item.raw, record))

    def _flush(self, batch: _Batch) -> None:
        if not len(batch) and not batch.has_cursor:
            return
        stored: list[SourceRecord] = []
        with self.store.transaction() as session:
            if batch.records:
                stored = self._store(session, batch.records)
            if batch.letters:
                session.add_dead_letters(batch.letters)
            if batch.has_cursor:
                session.set_state(cursor_state_name(self.source, self.stream), str(batch.cursor))
        self.outcome.dead_lettered += len(batch.letters)
        if stored and self.on_stored is not None:
            self.on_stored(stored)
        if self.on_progress is not None:
            self.on_progress(self.outcome)

    def _store(
        self, session: RecordSession, records: list[tuple[str, str, str | None]]
    ) -> list[SourceRecord]:
        """Store the new and changed versions among ``records``; return them if anyone asks."""
        rows = self._version(session, records)
        if not rows:
            return []
        now = utc_now()
        if self.on_stored is None and isinstance(session, BulkRecordSession):
            session.add_record_rows(self.source, self.stream.value, now, rows)
            return []
        stored = [
            SourceRecord(
                source=self.source,
                stream=self.stream,
                external_id=external_id,
                version=version,
                payload=payload,
                payload_hash=digest,
                received_at=now,
                record=record,
            )
            for external_id, version, payload, record, digest in rows
        ]
        ids = session.add_records(stored)
        return [attrs.evolve(r, id=i) for r, i in zip(stored, ids, strict=True)]

    def _version(
        self, session: RecordSession, records: list[tuple[str, str, str | None]]
    ) -> list[RecordRow]:
        """Return the rows to store: records whose payload differs from their latest version.

        A record seen twice in one batch is compared with its earlier copy, so the same
        payload again adds nothing and a changed one adds the next version.
        """
        latest = session.latest_versions(self.source, self.stream, {r[0] for r in records})
        rows: list[RecordRow] = []
        new = changed = 0
        for external_id, payload, record in records:
            digest = content_hash(payload)
            version, known = latest.get(external_id, _NOT_STORED)
            if known == digest:
                continue
            if version:
                changed += 1
            else:
                new += 1
            latest[external_id] = (version + 1, digest)
            rows.append((external_id, version + 1, payload, record, digest))
        self.outcome.new += new
        self.outcome.changed += changed
        self.outcome.unchanged += len(records) - new - changed
        return rows
