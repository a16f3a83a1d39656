"""Store side of identity resolution: current records, decisions, review queue, the new clusters."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from crmkit.domain import Identity, utc_now
from crmkit.store.customers import customer_keys_of, golden_document
from crmkit.store.records import SqlRecordSession
from crmkit.store.tables import (
    customer_identities,
    customer_keys,
    customers,
    decisions,
    review_items,
    source_records,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from crmkit.domain import Customer
    from crmkit.store.database import Database

DECISION_KINDS = ("merge", "unmerge", "accept", "reject")


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

    def current_records(self, batch: int = 5000) -> Iterator[CurrentRecord]:
        """Yield the newest version of every customer record, in record-id order."""
        t = source_records.c
        newest = (
            sa.select(t.source, t.external_id, sa.func.max(t.version).label("version"))
            .where(t.stream == "customers")
            .group_by(t.source, t.external_id)
            .subquery()
        )
        query = (
            sa.select(
                t.id, t.source, t.external_id, sa.func.coalesce(t.record, t.payload), t.received_at
            )
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

    def identity_customers(self) -> dict[Identity, int]:
        """Return the customer id each identity currently belongs to."""
        t = customer_identities.c
        with self.database.connect() as conn:
            rows = conn.execute(sa.select(t.source, t.external_id, t.customer_id))
            return {Identity(s, e): c for s, e, c in rows}

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
    ) -> list[int]:
        """Store a resolution in one transaction; return the customer ids in ``clusters`` order.

        Customers with id 0 are inserted; others are updated. ``aliases`` maps each retired
        old id to the index, in ``clusters``, of the customer that absorbed it; the old id
        then resolves to that customer. Identities and lookup keys are rewritten.
        Open review items no longer proposed become ``obsolete``; new ones are added.
        """
        now = utc_now()
        with self.database.begin() as conn:
            ids = self._write_customers(conn, [c for c, _ in clusters], now)
            conn.execute(customer_keys.delete())
            conn.execute(customer_identities.delete())
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
            for start in range(0, len(identity_rows), 5000):
                conn.execute(customer_identities.insert(), identity_rows[start : start + 5000])
            key_rows = [
                {"kind": kind, "value": value, "customer_id": cid}
                for (customer, _), cid in zip(clusters, ids, strict=True)
                for kind, value in customer_keys_of(customer)
            ]
            for start in range(0, len(key_rows), 5000):
                conn.execute(customer_keys.insert(), key_rows[start : start + 5000])
            for old, index in aliases.items():
                conn.execute(
                    customers.update()
                    .where(customers.c.id == old)
                    .values(merged_into=ids[index], updated_at=now)
                )
            self._write_review(conn, review, now)
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
        fresh = iter(inserted)
        ids = []
        for customer in batch:
            if customer.id:
                conn.execute(
                    customers.update()
                    .where(customers.c.id == customer.id)
                    .values(
                        kind=customer.kind.value if customer.kind else None,
                        name=customer.name,
                        golden=golden_document(customer),
                        merged_into=None,
                        updated_at=now,
                    )
                )
                ids.append(customer.id)
            else:
                ids.append(next(fresh))
        return ids

    def _write_review(
        self,
        conn: sa.Connection,
        review: Sequence[tuple[Identity, Identity, float, dict[str, Any]]],
        now: dt.datetime,
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
            if status == "open" and pair not in proposed
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
