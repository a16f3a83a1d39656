"""The record store: versioned source records, dead letters and state, on SQLAlchemy Core."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.domain import DeadLetter, SourceRecord, utc_now
from crmkit.store.tables import dead_letters, source_records, state

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from crmkit.store.database import Database

_LOOKUP_CHUNK = 900


class SqlRecordSession:
    """A :class:`~crmkit.services.ports.RecordSession` on one SQLAlchemy connection."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def latest_versions(
        self, source: str, stream: str, external_ids: Iterable[str]
    ) -> dict[str, tuple[int, str]]:
        """Return ``{external_id: (version, payload_hash)}`` of the newest stored versions."""
        keys = list(external_ids)
        found: dict[str, tuple[int, str]] = {}
        t = source_records.c
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            query = sa.select(t.external_id, t.version, t.payload_hash).where(
                t.source == source,
                t.stream == stream,
                t.external_id.in_(keys[start : start + _LOOKUP_CHUNK]),
            )
            for external_id, version, digest in self.conn.execute(query):
                if version > found.get(external_id, (0, ""))[0]:
                    found[external_id] = (version, digest)
        return found

    def add_records(self, records: Sequence[SourceRecord]) -> None:
        """Insert record versions with one executemany."""
        self.conn.execute(
            source_records.insert(),
            [
                {
                    "source": r.source,
                    "stream": r.stream.value,
                    "external_id": r.external_id,
                    "version": r.version,
                    "payload": r.payload,
                    "record": r.record,
                    "payload_hash": r.payload_hash,
                    "received_at": r.received_at,
                }
                for r in records
            ],
        )

    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Insert dead letters with one executemany."""
        now = utc_now()
        self.conn.execute(
            dead_letters.insert(),
            [
                {
                    "source": d.source,
                    "stream": d.stream.value,
                    "position": d.position,
                    "raw": d.raw,
                    "reason": d.reason,
                    "status": d.status,
                    "created_at": d.created_at or now,
                }
                for d in letters
            ],
        )

    def get_state(self, name: str) -> str | None:
        """Return a stored state value, or ``None``."""
        value: str | None = self.conn.scalar(sa.select(state.c.value).where(state.c.name == name))
        return value

    def set_state(self, name: str, value: str) -> None:
        """Insert or replace a state value."""
        updated = self.conn.execute(
            state.update().where(state.c.name == name).values(value=value)
        ).rowcount
        if not updated:
            self.conn.execute(state.insert().values(name=name, value=value))


class SqlRecordStore:
    """A :class:`~crmkit.services.ports.RecordStore` over a :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlRecordSession]:
        """Yield a session whose work commits together, or not at all."""
        with self.database.begin() as conn:
            yield SqlRecordSession(conn)

    def dead_letters(
        self, *, source: str | None = None, status: str | None = "open", limit: int | None = None
    ) -> list[DeadLetter]:
        """Return dead letters, oldest first, filtered by source and status."""
        t = dead_letters.c
        query = sa.select(dead_letters).order_by(t.id)
        if source is not None:
            query = query.where(t.source == source)
        if status is not None:
            query = query.where(t.status == status)
        if limit is not None:
            query = query.limit(limit)
        with self.database.connect() as conn:
            return [_dead_letter(row) for row in conn.execute(query).mappings()]

    def records(self, source: str, external_id: str, stream: str = "customers") -> list[SourceRecord]:
        """Return every stored version of one record, oldest first."""
        t = source_records.c
        query = (
            sa.select(source_records)
            .where(t.source == source, t.stream == stream, t.external_id == external_id)
            .order_by(t.version)
        )
        with self.database.connect() as conn:
            return [
                SourceRecord(
                    id=row.id,
                    source=row.source,
                    stream=row.stream,
                    external_id=row.external_id,
                    version=row.version,
                    payload=row.payload,
                    record=row.record,
                    payload_hash=row.payload_hash,
                    received_at=row.received_at,
                )
                for row in conn.execute(query)
            ]

    def count_records(self, stream: str | None = None) -> int:
        """Return how many record versions are stored (in ``stream``, if given)."""
        query = sa.select(sa.func.count()).select_from(source_records)
        if stream is not None:
            query = query.where(source_records.c.stream == stream)
        with self.database.connect() as conn:
            return int(conn.scalar(query) or 0)


def _dead_letter(row: Any) -> DeadLetter:
    return DeadLetter(
        id=row["id"],
        source=row["source"],
        stream=row["stream"],
        raw=row["raw"],
        reason=row["reason"],
        position=row["position"],
        created_at=row["created_at"],
        status=row["status"],
    )
