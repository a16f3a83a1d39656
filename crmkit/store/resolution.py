"""Store side of identity resolution: current records, decisions, review queue, the new clusters."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from crmkit.domain import Identity, utc_now
from crmkit.store.customer_links import relink_rows
from crmkit.store.customers import SqlCustomerStore, customer_keys_of, golden_document
from crmkit.store.records import SqlRecordSession
from crmkit.store.tables import (
    customer_identities,
    customer_keys,
    customers,
    decisions,
    record_keys,
    review_items,
    source_records,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Sequence

    from crmkit.domain import Customer
    from crmkit.services.ports import Partial
    from crmkit.store.database import Database

DECISION_KINDS = ("merge", "unmerge", "accept", "reject")
#: How many values go into one ``IN`` list (SQLite allows 32,766 bound parameters).
_CHUNK = 5000
#: How many integers go into one JSON parameter on SQLite (see :func:`_in_filters`).
_JSON_CHUNK = 100_000
#: The first SQLite version with ``json_each`` built in.
_SQLITE_JSON = (3, 38)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@attrs.frozen
class KeyCensus:
    """How widely one stored key is shared: by how many records and which customers."""

    records: int
    customers: frozenset[int]


@attrs.frozen
class Decision:
    """One entry of the decisions journal: a person said two records are (not) one customer."""

    id: int
    kind: str
    left: Identity
    right: Identity
    actor: str
    reason: str
    created_at: dt.datetime

    @property
    def links(self) -> bool:
        """Return True for decisions that join (merge, accept), False for ones that separate."""
        return self.kind in {"merge", "accept"}


@attrs.frozen
class ReviewItem:
    """A pair of records scored between the thresholds, waiting for a person's decision."""

    id: int
    left: Identity
    right: Identity
    probability: float
    explanation: dict[str, Any]
    status: str
    created_at: dt.datetime


@attrs.frozen
class CurrentRecord:
    """The newest version of one customer record."""

    id: int
    identity: Identity
    record_json: str
    received_at: dt.datetime


class SqlResolutionStore:
    """Reads what resolution needs and writes what it decided, on one :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def current_records(
        self, batch: int = 5000, *, after: int | None = None
    ) -> Iterator[CurrentRecord]:
        """Yield the newest version of every customer record, in record-id order.

        With ``after``, only versions stored after record id ``after``: what is new or
        changed since a run that covered records up to it.
        """
        t = source_records.c
        stored_after = t.id > after if after is not None else sa.true()
        # Versions grow with ids: the newest version of an identity changed after ``after``
        # is the newest of its versions stored after it.
        newest = (
            sa.select(t.source, t.external_id, sa.func.max(t.version).label("version"))
            .where(t.stream == "customers", stored_after)
            .group_by(t.source, t.external_id)
            .subquery()
        )
        query = (
            _record_columns()
            .join(
                newest,
                sa.and_(
                    t.source == newest.c.source,
                    t.external_id == newest.c.external_id,
                    t.version == newest.c.version,
                ),
            )
            .where(t.stream == "customers")
            .order_by(t.id)
            .execution_options(yield_per=batch)
        )
        sources: dict[str, str] = {}  # one string per source, not one per record
        with self.database.connect() as conn:
            for row in conn.execute(query):
                source = sources.setdefault(row[1], row[1])
                yield CurrentRecord(row[0], Identity(source, row[2]), row[3], row[4])

    def identity_customers(
        self, identities: Collection[Identity] | None = None
    ) -> dict[Identity, int]:
        """Return the customer id each identity (or each of ``identities``) belongs to."""
        if identities is not None:
            return {i: c for i, (c, _) in self.identity_rows(identities).items()}
        t = customer_identities.c
        with self.database.connect() as conn:
            rows = conn.execute(sa.select(t.source, t.external_id, t.customer_id))
            return {Identity(s, e): c for s, e, c in rows}

    def records_of_customers(self, customer_ids: Collection[int]) -> list[CurrentRecord]:
        """Return the record versions the last run gave these customers, in id order."""
        i = customer_identities.c
        query = _record_columns().join(customer_identities, i.record_id == source_records.c.id)
        return self._records_where(query, i.customer_id, customer_ids)

    def records_by_ids(self, record_ids: Collection[int]) -> list[CurrentRecord]:
        """Return the record versions with these ids, in id order."""
        return self._records_where(_record_columns(), source_records.c.id, record_ids)

    def _records_where(
        self, query: sa.Select[Any], column: sa.ColumnElement[int], values: Collection[int]
    ) -> list[CurrentRecord]:
        """Return the records ``query`` finds where ``column`` is one of ``values``."""
        found: list[CurrentRecord] = []
        sources: dict[str, str] = {}  # one string per source, not one per record
        with self.database.connect() as conn:
            for condition in _in_filters(conn, column, sorted(values)):
                for r in conn.execute(query.where(condition)):
                    source = sources.setdefault(r[1], r[1])
                    found.append(CurrentRecord(r[0], Identity(source, r[2]), r[3], r[4]))
        return sorted(found, key=lambda r: r.id)

    def identity_rows(self, identities: Collection[Identity]) -> dict[Identity, tuple[int, int]]:
        """Return ``{identity: (customer id, record id)}`` for those already resolved."""
        t = customer_identities.c
        by_source: dict[str, list[str]] = {}
        for identity in identities:
            by_source.setdefault(identity.source, []).append(identity.external_id)
        found: dict[Identity, tuple[int, int]] = {}
        with self.database.connect() as conn:
            for source, external_ids in by_source.items():
                for chunk in _chunks(external_ids):
                    rows = conn.execute(
                        sa.select(t.external_id, t.customer_id, t.record_id).where(
                            t.source == source, t.external_id.in_(chunk)
                        )
                    )
                    found.update({Identity(source, e): (c, r) for e, c, r in rows})
        return found

    def key_holders(self, hashes: Iterable[int], limit: int) -> dict[int, list[tuple[int, int]]]:
        """Return ``{key hash: [(record id, customer id)]}`` for keys held by few records.

        Keys carried by more than ``limit`` records are left out (a common surname, a
        switchboard): they are searched by other means.
        """
        census = self.key_census(hashes)
        wanted = sorted(h for h, count in census.items() if count.records <= limit)
        k, i = record_keys.c, customer_identities.c
        found: dict[int, list[tuple[int, int]]] = {}
        with self.database.connect() as conn:
            for chunk in _chunks(wanted):
                rows = conn.execute(
                    sa.select(k.key_hash, k.record_id, i.customer_id)
                    .join(customer_identities, i.record_id == k.record_id)
                    .where(k.key_hash.in_(chunk))
                )
                for key, record, customer in rows:
                    found.setdefault(key, []).append((record, customer))
        return found

    def keys_of_records(self, record_ids: Collection[int]) -> set[int]:
        """Return the stored key hashes of these record versions."""
        k = record_keys.c
        found: set[int] = set()
        with self.database.connect() as conn:
            for chunk in _chunks(sorted(record_ids)):
                found.update(
                    conn.execute(sa.select(k.key_hash).where(k.record_id.in_(chunk))).scalars()
                )
        return found

    def count_identities(self) -> int:
        """Return how many source identities the last run resolved."""
        with self.database.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(customer_identities)
                ).scalar_one()
            )

    def count_customers(self) -> int:
        """Return how many current customers there are (aliases of merged ones not counted)."""
        return SqlCustomerStore(self.database).count()

    def state(self, name: str) -> str | None:
        """Return a stored state value (the model, the last covered record), or ``None``."""
        with self.database.connect() as conn:
            return SqlRecordSession(conn).get_state(name)

    def key_census(self, hashes: Iterable[int]) -> dict[int, KeyCensus]:
        """Return, per stored key hash, how many records carry it and their customers."""
        k, i = record_keys.c, customer_identities.c
        records: dict[int, int] = {}
        owners: dict[int, set[int]] = {}
        with self.database.connect() as conn:
            for chunk in _chunks(sorted(set(hashes))):
                rows = conn.execute(
                    sa.select(k.key_hash, i.customer_id, sa.func.count())
                    .select_from(record_keys)
                    .outerjoin(customer_identities, i.record_id == k.record_id)
                    .where(k.key_hash.in_(chunk))
                    .group_by(k.key_hash, i.customer_id)
                )
                for key, customer, count in rows:
                    records[key] = records.get(key, 0) + count
                    if customer is not None:
                        owners.setdefault(key, set()).add(customer)
        return {
            key: KeyCensus(count, frozenset(owners.get(key, ()))) for key, count in records.items()
        }

    def decisions(self) -> list[Decision]:
        """Return the whole decisions journal, oldest first."""
        with self.database.connect() as conn:
            rows = conn.execute(sa.select(decisions).order_by(decisions.c.id)).mappings()
            return [_decision(r) for r in rows]

    def add_decision(
        self, kind: str, left: Identity, right: Identity, actor: str, reason: str = ""
    ) -> Decision:
        """Append a decision to the journal and return it."""
        if kind not in DECISION_KINDS:
            raise ValueError(f"decision kind must be one of {DECISION_KINDS}, got {kind!r}")
        values = {
            "kind": kind,
            "left_source": left.source,
            "left_external_id": left.external_id,
            "right_source": right.source,
            "right_external_id": right.external_id,
            "actor": actor,
            "reason": reason,
            "created_at": utc_now(),
        }
        with self.database.begin() as conn:
            new_id = conn.execute(decisions.insert().returning(decisions.c.id), values).scalar_one()
        return _decision({**values, "id": new_id})

    def review_items(self, status: str | None = "open") -> list[ReviewItem]:
        """Return review items (default: the open ones), most probable first."""
        query = sa.select(review_items).order_by(
            review_items.c.probability.desc(), review_items.c.id
        )
        if status is not None:
            query = query.where(review_items.c.status == status)
        with self.database.connect() as conn:
            return [_review(r) for r in conn.execute(query).mappings()]

    def review_item(self, item_id: int) -> ReviewItem | None:
        """Return one review item, or ``None``."""
        with self.database.connect() as conn:
            row = (
                conn.execute(sa.select(review_items).where(review_items.c.id == item_id))
                .mappings()
                .first()
            )
        return _review(row) if row else None

    def decide_review_item(self, item_id: int, status: str) -> None:
        """Mark a review item ``accepted`` or ``rejected``."""
        with self.database.begin() as conn:
            conn.execute(
                review_items.update()
                .where(review_items.c.id == item_id)
                .values(status=status, decided_at=utc_now())
            )

    def write(
        self,
        clusters: Iterable[tuple[Customer, Sequence[tuple[Identity, int]]]],
        aliases: dict[int, int],
        review: Sequence[tuple[Identity, Identity, float, dict[str, Any]]],
        state: dict[str, str],
        *,
        key_rows: Iterable[tuple[int, int]] = (),
        partial: Partial | None = None,
    ) -> list[int]:
        """Store a resolution in one transaction; return the customer ids in ``clusters`` order.

        Customers with id 0 are inserted; others are updated. ``clusters`` may be a
        generator: it is consumed a batch at a time, each batch written before the next is
        asked for. ``aliases`` maps each retired old id to the index, in ``clusters``, of
        the customer that absorbed it; the old id then resolves to that customer. Identities
        and lookup keys are rewritten: all of them, or with ``partial`` those of the
        re-clustered customers only (every kept id must be one of ``partial.customers``).
        ``key_rows`` are ``(key hash, record id)`` of the records' stored keys
        (:data:`record_keys`). Open review items no longer proposed become ``obsolete``;
        new ones are added. The orders and interactions concerning the rewritten customers
        are linked again to their owners (:mod:`crmkit.store.customer_links`) in the same
        transaction.
        """
        now = utc_now()
        with self.database.begin() as conn:
            _clear_resolution(conn, partial)
            ids: list[int] = []
            pending = iter(clusters)
            while batch := list(itertools.islice(pending, _CHUNK)):
                _check_kept(batch, partial)
                batch_ids = self._write_customers(conn, [c for c, _ in batch], now)
                ids.extend(batch_ids)
                _insert_plain(
                    conn,
                    customer_identities,
                    (
                        (i.source, i.external_id, cid, record_id)
                        for (_, members), cid in zip(batch, batch_ids, strict=True)
                        for i, record_id in members
                    ),
                )
                _insert_plain(
                    conn,
                    customer_keys,
                    (
                        (kind, value, cid)
                        for (customer, _), cid in zip(batch, batch_ids, strict=True)
                        for kind, value in customer_keys_of(customer)
                    ),
                )
            _insert_record_keys(conn, key_rows, rebuild_indexes=partial is None)
            if aliases:
                conn.execute(
                    customers.update()
                    .where(customers.c.id == sa.bindparam("old_id"))
                    .values(merged_into=sa.bindparam("new_id"), updated_at=now),
                    [{"old_id": old, "new_id": ids[index]} for old, index in aliases.items()],
                )
            self._write_review(
                conn, review, now, scope=partial.identities if partial is not None else None
            )
            relink_rows(conn, None if partial is None else {*partial.customers, *ids, *aliases})
            session = SqlRecordSession(conn)
            for name, value in state.items():
                session.set_state(name, value)
        return ids

    def _write_customers(
        self, conn: sa.Connection, batch: Sequence[Customer], now: dt.datetime
    ) -> list[int]:
        new = [c for c in batch if not c.id]
        inserted: list[int] = []
        if new:
            rows = [
                {
                    "kind": c.kind.value if c.kind else None,
                    "name": c.name,
                    "golden": golden_document(c),
                    "created_at": now,
                    "updated_at": now,
                    "merged_into": None,
                }
                for c in new
            ]
            result = conn.execute(
                customers.insert().returning(customers.c.id, sort_by_parameter_order=True), rows
            )
            inserted = list(result.scalars())
        kept = [
            {
                "customer_id": c.id,
                "kind": c.kind.value if c.kind else None,
                "name": c.name,
                "golden": golden_document(c),
            }
            for c in batch
            if c.id
        ]
        update = (
            customers.update()
            .where(customers.c.id == sa.bindparam("customer_id"))
            .values(merged_into=None, updated_at=now)
        )
        for chunk in _chunks(kept):
            conn.execute(update, chunk)
        fresh = iter(inserted)
        return [customer.id or next(fresh) for customer in batch]

    def _write_review(
        self,
        conn: sa.Connection,
        review: Sequence[tuple[Identity, Identity, float, dict[str, Any]]],
        now: dt.datetime,
        *,
        scope: frozenset[Identity] | None,
    ) -> None:
        t = review_items.c
        known = {
            (
                Identity(r.left_source, r.left_external_id),
                Identity(r.right_source, r.right_external_id),
            ): (r.id, r.status)
            for r in conn.execute(sa.select(review_items))
        }
        proposed = {(left, right) for left, right, _, _ in review}
        stale = [
            item_id
            for pair, (item_id, status) in known.items()
            if status == "open"
            and pair not in proposed
            and (scope is None or pair[0] in scope or pair[1] in scope)
        ]
        if stale:
            conn.execute(review_items.update().where(t.id.in_(stale)).values(status="obsolete"))
        reopen = [
            known[(left, right)][0]
            for left, right, _, _ in review
            if (left, right) in known and known[(left, right)][1] == "obsolete"
        ]
        if reopen:
            conn.execute(review_items.update().where(t.id.in_(reopen)).values(status="open"))
        rows = [
            {
                "left_source": left.source,
                "left_external_id": left.external_id,
                "right_source": right.source,
                "right_external_id": right.external_id,
                "probability": probability,
                "explanation": explanation,
                "status": "open",
                "created_at": now,
            }
            for left, right, probability, explanation in review
            if (left, right) not in known
        ]
        if rows:
            conn.execute(review_items.insert(), rows)


def _record_columns() -> sa.Select[Any]:
    """Return the select of a :class:`CurrentRecord`'s columns from ``source_records``."""
    t = source_records.c
    return sa.select(
        t.id, t.source, t.external_id, sa.func.coalesce(t.record, t.payload), t.received_at
    )


def _in_filters(
    conn: sa.Connection, column: sa.ColumnElement[int], values: list[int]
) -> Iterator[sa.ColumnElement[bool]]:
    """Yield conditions that together select ``column`` in ``values``.

    On SQLite with ``json_each`` (3.38 on) one condition takes a large batch as one JSON
    parameter, which is much cheaper to compile and bind than an ``IN`` list; elsewhere
    ``IN`` lists of :data:`_CHUNK` values.
    """
    version = tuple(conn.dialect.server_version_info or ())
    if conn.dialect.name == "sqlite" and version >= _SQLITE_JSON:
        for start in range(0, len(values), _JSON_CHUNK):
            batch = json.dumps(values[start : start + _JSON_CHUNK])
            each = sa.func.json_each(batch).table_valued("value")
            yield column.in_(sa.select(each.c.value))
        return
    for chunk in _chunks(values):
        yield column.in_(chunk)


def _clear_resolution(conn: sa.Connection, partial: Partial | None) -> None:
    """Delete the identities and keys a run rewrites: all, or those of ``partial``'s customers.

    Record keys go all in a full run; in a partial one, those of the records replaced by a
    newer version (``partial.dropped_records``).
    """
    if partial is None:
        conn.execute(customer_keys.delete())
        conn.execute(customer_identities.delete())
        conn.execute(record_keys.delete())
        return
    for chunk in _chunks(sorted(partial.customers)):
        conn.execute(customer_keys.delete().where(customer_keys.c.customer_id.in_(chunk)))
        conn.execute(
            customer_identities.delete().where(customer_identities.c.customer_id.in_(chunk))
        )
    for chunk in _chunks(sorted(partial.dropped_records)):
        conn.execute(record_keys.delete().where(record_keys.c.record_id.in_(chunk)))


def _check_kept(
    batch: Sequence[tuple[Customer, Sequence[tuple[Identity, int]]]], partial: Partial | None
) -> None:
    """Raise ``ValueError`` if a partial run keeps a customer it did not re-cluster."""
    if partial is None:
        return
    stray = {c.id for c, _ in batch if c.id} - partial.customers
    if stray:
        raise ValueError(f"customers {sorted(stray)} were not among those re-clustered")


def _insert_record_keys(
    conn: sa.Connection, rows: Iterable[tuple[int, int]], *, rebuild_indexes: bool
) -> None:
    """Insert ``(key hash, record id)`` rows into the emptied or kept :data:`record_keys`.

    With ``rebuild_indexes`` (a full run, after emptying the table) the table's indexes are
    dropped first and built again after the rows are in, which is several times faster
    than keeping them up to date row by row; it happens inside the run's transaction.
    """
    indexes = list(record_keys.indexes) if rebuild_indexes else []
    for index in indexes:
        index.drop(conn, checkfirst=True)
    _insert_plain(conn, record_keys, rows)
    for index in indexes:
        index.create(conn, checkfirst=True)


def _insert_plain(conn: sa.Connection, table: sa.Table, rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert positional rows of every column of ``table``, a batch at a time.

    ``COPY`` on PostgreSQL with psycopg; elsewhere SQLAlchemy's own compiled insert executed
    with positional rows when the driver takes them and no column converts its values
    (true of integers and text on SQLite), else a Core ``executemany`` of dicts.
    """
    names = [c.name for c in table.columns]
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        driver_connection: Any = conn.connection.driver_connection
        with (
            driver_connection.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
        ):
            write = copy.write_row
            for row in rows:
                write(row)
        return
    sql = _positional_insert(conn.dialect, table)
    rows = iter(rows)
    while batch := list(itertools.islice(rows, _CHUNK * 10)):
        if sql is not None:
            conn.exec_driver_sql(sql, batch)
        else:
            conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in batch])


@functools.lru_cache(maxsize=16)
def _positional_insert(dialect: sa.Dialect, table: sa.Table) -> str | None:
    """Return ``table``'s insert of every column as positional SQL, or None if unsafe."""
    if dialect.paramstyle != "qmark":
        return None
    names = [c.name for c in table.columns]
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    if list(compiled.positiontup or ()) != names:
        return None
    if any(c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns):
        return None
    return str(compiled)


def _decision(row: Any) -> Decision:
    return Decision(
        id=row["id"],
        kind=row["kind"],
        left=Identity(row["left_source"], row["left_external_id"]),
        right=Identity(row["right_source"], row["right_external_id"]),
        actor=row["actor"],
        reason=row["reason"],
        created_at=row["created_at"],
    )


def _review(row: Any) -> ReviewItem:
    return ReviewItem(
        id=row["id"],
        left=Identity(row["left_source"], row["left_external_id"]),
        right=Identity(row["right_source"], row["right_external_id"]),
        probability=row["probability"],
        explanation=row["explanation"],
        status=row["status"],
        created_at=row["created_at"],
    )
