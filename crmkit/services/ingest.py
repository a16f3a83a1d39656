"""Ingest raw items from an adapter into versioned source records, streaming and idempotent.

Items are validated, hashed and written in batches, each batch in one transaction, so memory
stays constant however large the input. The same payload again adds nothing; a changed
payload adds a version; a structurally bad item becomes a dead letter and the run goes on.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from crmkit.domain import DeadLetter, IngestOutcome, RawItem, SourceRecord, Stream, utc_now
from crmkit.errors import RecordError
from crmkit.sdk.adapter import Checkpoint

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from crmkit.schemas import RecordValidator
    from crmkit.services.ports import RecordSession, RecordStore

DEFAULT_BATCH_SIZE = 5000


def payload_hash(payload: str) -> str:
    """Return the 32-hex-digit BLAKE2b digest that identifies a payload's exact text."""
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()


def cursor_state_name(source: str, stream: str) -> str:
    """Return the state key under which a source stream's cursor is stored."""
    return f"cursor:{source}:{stream}"


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
        for item in items:
            if isinstance(item, Checkpoint):
                batch.cursor, batch.has_cursor = item.cursor, True
                continue
            self.outcome.read += 1
            self._accept(item, batch)
            if len(batch) >= self.batch_size:
                self._flush(batch)
                batch = _Batch()
        self._flush(batch)
        return self.outcome

    def _accept(self, item: RawItem, batch: _Batch) -> None:
        reason = item.error
        if reason is None:
            try:
                self.validator.validate(item.data)
            except RecordError as exc:
                reason = exc.reason
        if reason is not None:
            batch.letters.append(
                DeadLetter(self.source, self.stream, item.raw, reason, position=item.position)
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
                stored = self._version(session, batch.records)
                session.add_records(stored)
            if batch.letters:
                session.add_dead_letters(batch.letters)
            if batch.has_cursor:
                session.set_state(cursor_state_name(self.source, self.stream), str(batch.cursor))
        self.outcome.dead_lettered += len(batch.letters)
        if stored and self.on_stored is not None:
            self.on_stored(stored)
        if self.on_progress is not None:
            self.on_progress(self.outcome)

    def _version(
        self, session: RecordSession, records: list[tuple[str, str, str | None]]
    ) -> list[SourceRecord]:
        latest = session.latest_versions(self.source, self.stream, {r[0] for r in records})
        now = utc_now()
        stored = []
        for external_id, payload, record in records:
            digest = payload_hash(payload)
            version, known = latest.get(external_id, (0, None))
            if known == digest:
                self.outcome.unchanged += 1
                continue
            if version:
                self.outcome.changed += 1
            else:
                self.outcome.new += 1
            latest[external_id] = (version + 1, digest)
            stored.append(
                SourceRecord(
                    source=self.source,
                    stream=self.stream,
                    external_id=external_id,
                    version=version + 1,
                    payload=payload,
                    payload_hash=digest,
                    received_at=now,
                    record=record,
                )
            )
        return stored
