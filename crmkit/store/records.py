"""The record store: versioned source records, dead letters and state, on SQLAlchemy Core."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from crmkit.domain import DeadLetter, SourceRecord, content_hash, ensure_utc, utc_now
from crmkit.store.tables import dead_letters, source_records, state

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from crmkit.store.database import Database

_LOOKUP_CHUNK = 900
_SQLITE_JSON = (3, 38)  # json_each is built into every SQLite from 3.38 on
_RECORD_COLUMNS = (
    "source",
    "stream",
    "external_id",
    "version",
    "payload",
    "record",
    "payload_hash",
    "received_at",
)
_COPY_RECORDS = f"COPY source_records ({', '.join(_RECORD_COLUMNS)}) FROM STDIN"

_Row = tuple[str, str, str, int, str, str | None, str, dt.datetime]


@functools.lru_cache(maxsize=8)
def _plain_insert(dialect: sa.Dialect) -> tuple[str, Callable[[Any], Any]] | None:
    """Return the records ``INSERT`` as SQLite SQL, and the converter of ``received_at``.

    The statement is SQLAlchemy's own insert of ``source_records``, compiled once, taking
    positional rows in ``_RECORD_COLUMNS`` order. It is offered only where no other column
    needs a conversion (true of SQLite: its text and integer types bind values as they are),
    so executing it with rows whose ``received_at`` went through the column type's own
    converter sends the driver exactly what ``conn.execute(insert(), dicts)`` would, without
    building and converting a parameter dict for each row. ``None`` elsewhere.
    """
    if dialect.name != "sqlite":
        return None
    compiled = source_records.insert().compile(dialect=dialect, column_keys=list(_RECORD_COLUMNS))
    if tuple(compiled.positiontup or ()) != _RECORD_COLUMNS:
        return None
    processors = {
        name: source_records.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in _RECORD_COLUMNS
    }
    convert = processors.pop("received_at") or (lambda value: value)
    if any(processors.values()):
        return None
    return str(compiled), convert


class SqlRecordSession:
    """A :class:`~crmkit.services.ports.RecordSession` on one SQLAlchemy connection.

    Bulk work takes the fastest safe path of the database, always inside the connection's
    transaction: key lookups are one query a batch (``json_each`` on SQLite, an index probe
    a key through ``LATERAL`` on PostgreSQL, ``IN`` lists elsewhere); records are inserted
    with ``COPY`` on PostgreSQL with psycopg, with SQLAlchemy's compiled insert and
    positional rows on SQLite, with a Core ``executemany`` elsewhere.
    """

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        dialect = conn.dialect
        self._postgresql = dialect.name == "postgresql"
        self._copy = self._postgresql and dialect.driver == "psycopg"
        version = dialect.server_version_info or ()
        self._sqlite_json = dialect.name == "sqlite" and tuple(version) >= _SQLITE_JSON

    def latest_versions(
        self, source: str, stream: str, external_ids: Iterable[str]
    ) -> dict[str, tuple[int, str]]:
        """Return ``{external_id: (version, payload_hash)}`` of the newest stored versions."""
        keys = list(external_ids)
        if not keys:
            return {}
        if self._postgresql:
            return self._latest_by_lateral(source, stream, keys)
        found: dict[str, tuple[int, str]] = {}
        t = source_records.c
        for keys_match in self._key_filters(keys):
            query = sa.select(t.external_id, t.version, t.payload_hash).where(
                t.source == source, t.stream == stream, keys_match
            )
            for external_id, version, digest in self.conn.execute(query).all():
                if version > found.get(external_id, (0, ""))[0]:
                    found[external_id] = (version, digest)
        return found

    def _key_filters(self, keys: list[str]) -> Iterator[sa.ColumnElement[bool]]:
        """Yield conditions that together select ``external_id`` in ``keys``."""
        column = source_records.c.external_id
        if self._sqlite_json:
            each = sa.func.json_each(msgspec.json.encode(keys).decode()).table_valued("value")
            yield column.in_(sa.select(each.c.value))
            return
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            yield column.in_(keys[start : start + _LOOKUP_CHUNK])

    def _latest_by_lateral(
        self, source: str, stream: str, keys: list[str]
    ) -> dict[str, tuple[int, str]]:
        """Look up the newest version of each key with one index probe a key (PostgreSQL).

        An ``IN`` list is planned as a filter over every row of the source whenever the
        table statistics are stale, as they are during a large first import.
        """
        t = source_records.c
        wanted = (
            sa.func.unnest(sa.bindparam("keys", keys, type_=postgresql.ARRAY(sa.String())))
            .table_valued("external_id")
            .render_derived(name="wanted")
        )
        newest = (
            sa.select(t.version, t.payload_hash)
            .where(t.source == source, t.stream == stream, t.external_id == wanted.c.external_id)
            .order_by(t.version.desc())
            .limit(1)
            .lateral()
        )
        query = sa.select(wanted.c.external_id, newest.c.version, newest.c.payload_hash)
        query = query.select_from(wanted.join(newest, sa.true()))
        return {key: (version, digest) for key, version, digest in self.conn.execute(query)}

    def add_records(self, records: Sequence[SourceRecord]) -> list[int]:
        """Insert record versions with one Core executemany; return their ids, in order.

        This is the path for callers that need the stored records as objects (the
        ``records_ingested`` hook); bulk ingest without them uses :meth:`add_record_rows`.
        """
        if not records:
            return []
        insert = source_records.insert().returning(
            source_records.c.id, sort_by_parameter_order=True
        )
        result = self.conn.execute(
            insert,
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
        return list(result.scalars())

    def add_record_rows(
        self,
        source: str,
        stream: str,
        received_at: dt.datetime,
        rows: Sequence[tuple[str, int, str, str | None, str]],
    ) -> None:
        """Insert versions of one source stream given as plain rows, all received at once.

        ``rows`` are ``(external_id, version, payload, record, payload_hash)``. This is
        :meth:`add_records` without a :class:`SourceRecord` for each row and, on SQLite,
        without SQLAlchemy converting the same ``received_at`` again for every row.
        """
        received_at = ensure_utc(received_at)
        if self._copy:
            self._copy_records(
                (source, stream, external_id, version, payload, record, digest, received_at)
                for external_id, version, payload, record, digest in rows
            )
            return
        plain = _plain_insert(self.conn.dialect)
        if plain is None:
            self.add_records(
                [
                    SourceRecord(
                        source=source,
                        stream=stream,
                        external_id=external_id,
                        version=version,
                        payload=payload,
                        payload_hash=digest,
                        received_at=received_at,
                        record=record,
                    )
                    for external_id, version, payload, record, digest in rows
                ]
            )
            return
        sql, convert = plain
        received = convert(received_at)
        self.conn.exec_driver_sql(
            sql,
            [
                (source, stream, external_id, version, payload, record, digest, received)
                for external_id, version, payload, record, digest in rows
            ],
        )

    def _copy_records(self, rows: Iterable[_Row]) -> None:
        """Insert rows with PostgreSQL ``COPY`` on this connection, in its transaction."""
        driver_connection: Any = self.conn.connection.driver_connection
        with driver_connection.cursor() as cursor, cursor.copy(_COPY_RECORDS) as copy:
            write = copy.write_row
            for row in rows:
                write(row)

    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> int:
        """Insert dead letters not already open; return how many were added.

        A letter whose source, stream and raw text match an open one is not added again, so
        re-running the same bad input leaves one open letter per bad record.
        """
        now = utc_now()
        fresh: dict[tuple[str, str, str], DeadLetter] = {}
        for letter in letters:
            fresh.setdefault((letter.source, letter.stream.value, content_hash(letter.raw)), letter)
        t = dead_letters.c
        for source, stream in {(k[0], k[1]) for k in fresh}:
            hashes = [k[2] for k in fresh if k[0] == source and k[1] == stream]
            known = self.conn.scalars(
                sa.select(t.raw_hash).where(
                    t.source == source,
                    t.stream == stream,
                    t.status == "open",
                    t.raw_hash.in_(hashes),
                )
            )
            for digest in known:
                fresh.pop((source, stream, digest), None)
        if fresh:
            self.conn.execute(
                dead_letters.insert(),
                [
                    {
                        "source": d.source,
                        "stream": d.stream.value,
                        "position": d.position,
                        "raw": d.raw,
                        "raw_hash": digest,
                        "reason": d.reason,
                        "status": d.status,
                        "created_at": d.created_at or now,
                    }
                    for (_, _, digest), d in fresh.items()
                ],
            )
        return len(fresh)

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

    def records(
        self, source: str, external_id: str, stream: str = "customers"
    ) -> list[SourceRecord]:
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

    def states(self, prefix: str) -> dict[str, str]:
        """Return the state values whose names start with ``prefix``, keyed by the rest."""
        t = state.c
        with self.database.connect() as conn:
            rows = conn.execute(sa.select(t.name, t.value).where(t.name.startswith(prefix)))
            return {name.removeprefix(prefix): value for name, value in rows}

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
