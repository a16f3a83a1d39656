"""Store side of identity resolution: current records, decisions, review queue, the new clusters."""

from __future__ import annotations

import datetime as dt
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
        with self.database.connect() as conn:
            for row in conn.execute(query):
                yield CurrentRecord(row[0], Identity(row[1], row[2]), row[3], row[4])

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
        with self.database.connect() as conn:
            for chunk in _chunks(sorted(values)):
                rows = conn.execute(query.where(column.in_(chunk)))
                found.extend(CurrentRecord(r[0], Identity(r[1], r[2]), r[3], r[4]) for r in rows)
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
        clusters: Sequence[tuple[Customer, Sequence[tuple[Identity, int]]]],
        aliases: dict[int, int],
        review: Sequence[tuple[Identity, Identity, float, dict[str, Any]]],
        state: dict[str, str],
        *,
        key_rows: Iterable[tuple[int, int]] = (),
        partial: Partial | None = None,
    ) -> list[int]:
        """Store a resolution in one transaction; return the customer ids in ``clusters`` order.

        Customers with id 0 are inserted; others are updated. ``aliases`` maps each retired
        old id to the index, in ``clusters``, of the customer that absorbed it; the old id
        then resolves to that customer. Identities and lookup keys are rewritten: all of
        them, or with ``partial`` those of the re-clustered customers only. ``key_rows``
        are ``(key hash, record id)`` of the records' stored keys (:data:`record_keys`).
        Open review items no longer proposed become ``obsolete``; new ones are added. The
        orders and interactions concerning the rewritten customers are linked again to
        their owners (:mod:`crmkit.store.customer_links`) in the same transaction.
        """
        now = utc_now()
        with self.database.begin() as conn:
            ids = self._write_customers(conn, [c for c, _ in clusters], now)
            if partial is None:
                conn.execute(customer_keys.delete())
                conn.execute(customer_identities.delete())
                conn.execute(record_keys.delete())
            else:
                rewritten = sorted(partial.customers | set(ids))
                for chunk in _chunks(rewritten):
                    conn.execute(
                        customer_keys.delete().where(customer_keys.c.customer_id.in_(chunk))
                    )
                    conn.execute(
                        customer_identities.delete().where(
                            customer_identities.c.customer_id.in_(chunk)
                        )
                    )
                for chunk in _chunks(sorted(partial.dropped_records)):
                    conn.execute(record_keys.delete().where(record_keys.c.record_id.in_(chunk)))
            identity_rows = [
                {
                    "source": i.source,
                    "external_id": i.external_id,
                    "customer_id": cid,
                    "record_id": record_id,
                }
                for (_, members), cid in zip(clusters, ids, strict=True)
                for i, record_id in members
            ]
            for chunk in _chunks(identity_rows):
                conn.execute(customer_identities.insert(), chunk)
            key_values = [
                {"kind": kind, "value": value, "customer_id": cid}
                for (customer, _), cid in zip(clusters, ids, strict=True)
                for kind, value in customer_keys_of(customer)
            ]
            for chunk in _chunks(key_values):
                conn.execute(customer_keys.insert(), chunk)
            _insert_record_keys(conn, key_rows)
            for old, index in aliases.items():
                conn.execute(
                    customers.update()
                    .where(customers.c.id == old)
                    .values(merged_into=ids[index], updated_at=now)
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


def _insert_record_keys(conn: sa.Connection, rows: Iterable[tuple[int, int]]) -> None:
    """Insert ``(key hash, record id)`` rows: ``COPY`` on PostgreSQL, positional elsewhere."""
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        driver_connection: Any = conn.connection.driver_connection
        with (
            driver_connection.cursor() as cursor,
            cursor.copy("COPY record_keys (key_hash, record_id) FROM STDIN") as copy,
        ):
            write = copy.write_row
            for row in rows:
                write(row)
        return
    # Both columns are integers, which drivers bind as they are: with positional parameters
    # an executemany of SQLAlchemy's own compiled insert skips building a dict per row.
    positional = conn.dialect.paramstyle == "qmark"
    sql = str(record_keys.insert().compile(dialect=conn.dialect))
    batch: list[tuple[int, int]] = []

    def flush() -> None:
        if positional:
            conn.exec_driver_sql(sql, batch)
        else:
            conn.execute(record_keys.insert(), [{"key_hash": k, "record_id": r} for k, r in batch])
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) == _CHUNK * 10:
            flush()
    if batch:
        flush()


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
