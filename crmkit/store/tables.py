"""The tables, as SQLAlchemy Core ``Table`` objects on one ``MetaData``.

Source records are append-only: a row is never updated or deleted. Customers and their
identities and keys are a projection of the records and can be rebuilt from them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


class UtcDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored in UTC; naive values are refused, reads are aware.

    SQLite has no zone-aware type and returns naive values: this type restores UTC on read.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, _dialect: Any) -> dt.datetime | None:
        """Return ``value`` in UTC; raise ``ValueError`` for a naive datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored; use UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, _dialect: Any) -> dt.datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY is the rowid).
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Time = UtcDateTime()

source_records = sa.Table(
    "source_records",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("stream", sa.String(40), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("record", sa.Text, nullable=True),
    sa.Column("payload_hash", sa.String(32), nullable=False),
    sa.Column("received_at", Time, nullable=False),
    sa.UniqueConstraint("source", "stream", "external_id", "version"),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20)),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("golden", Json, nullable=False),
    sa.Column("merged_into", Id, sa.ForeignKey("customers.id"), nullable=True),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
)

customer_identities = sa.Table(
    "customer_identities",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("external_id", sa.String(255), primary_key=True),
    sa.Column("customer_id", Id, sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("record_id", Id, sa.ForeignKey("source_records.id"), nullable=False, index=True),
)

customer_keys = sa.Table(
    "customer_keys",
    metadata,
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(255), primary_key=True),
    sa.Column("customer_id", Id, sa.ForeignKey("customers.id"), primary_key=True, index=True),
)

record_keys = sa.Table(
    "record_keys",
    metadata,
    sa.Column("key_hash", sa.BigInteger, nullable=False, index=True),
    sa.Column("record_id", Id, nullable=False, index=True),
)
"""The blocking and name keys (hashed) of each record version the last resolution used."""

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("stream", sa.String(40), nullable=False),
    sa.Column("position", sa.String(100)),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("raw_hash", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("created_at", Time, nullable=False),
    sa.Index(None, "source", "stream", "status", "raw_hash"),
)

state = sa.Table(
    "crmkit_state",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def _record_pair() -> list[sa.Column[str]]:
    """Return the columns naming two source records: ``left_*`` and ``right_*``."""
    return [
        sa.Column(f"{side}_{name}", sa.String(length), nullable=False)
        for side in ("left", "right")
        for name, length in (("source", 100), ("external_id", 255))
    ]


decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    *_record_pair(),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", Time, nullable=False),
)
"""The append-only journal of human decisions: merge, unmerge, accept, reject."""

review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    *_record_pair(),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("explanation", Json, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("decided_at", Time, nullable=True),
    sa.Index(None, "status"),
)
"""Pairs scored between the review and merge thresholds, waiting for a person."""

sync_locks = sa.Table(
    "sync_locks",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("stream", sa.String(40), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("acquired_at", Time, nullable=False),
    sa.Column("heartbeat_at", Time, nullable=False),
)
"""Which process syncs a source stream (SQLite; PostgreSQL uses advisory locks instead)."""

sync_runs = sa.Table(
    "sync_runs",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("stream", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_at", Time, nullable=False),
    sa.Column("finished_at", Time, nullable=False),
    sa.Column("read", sa.Integer, nullable=False, server_default="0"),
    sa.Column("new", sa.Integer, nullable=False, server_default="0"),
    sa.Column("changed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("dead_lettered", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Index(None, "source", "stream", "id"),
)
"""One row per stream per ``crmkit sync``: what it read and stored, and how it ended."""

# Orders, order events and interactions: projections of their source records, rebuilt from
# them. The card looks up when it reads which customers an order or interaction belongs to
# (its identity's customer, else every holder of its phone or e-mail); the analytics count
# each row for one customer (identity, else the lowest-id phone holder, else e-mail holder),
# stored in ``customer_id`` (crmkit.store.customer_links) and refreshed when rows are
# projected and when identity resolution rewrites customers.

order_groups = sa.Table(
    "order_groups",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("status", sa.String(20), nullable=True),
    sa.Column("status_word", sa.String(100), nullable=True),
    sa.Column("status_at", Time, nullable=True),
    sa.Column("placed_at", Time, nullable=True),
    sa.Index(None, "status", "status_at"),
)
"""One real order known under one or more systems' numbers, with its derived status."""

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("record_id", Id, sa.ForeignKey("source_records.id"), nullable=False),
    sa.Column("order_group", Id, sa.ForeignKey("order_groups.id"), nullable=False, index=True),
    sa.Column("number", sa.String(255), nullable=True),
    sa.Column("customer_source", sa.String(100), nullable=True),
    sa.Column("customer_external_id", sa.String(255), nullable=True),
    sa.Column("contact_name", sa.Text, nullable=True),
    sa.Column("contact_phone", sa.String(64), nullable=True, index=True),
    sa.Column("contact_email", sa.String(255), nullable=True, index=True),
    sa.Column("placed_at", Time, nullable=False),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("total", sa.String(40), nullable=True),
    sa.Column("status", sa.String(20), nullable=True),
    sa.Column("status_word", sa.String(100), nullable=True),
    sa.Column("status_at", Time, nullable=True),
    sa.Column("shipping_address", Json, nullable=True),
    sa.Column("lines", Json, nullable=False),
    sa.Column("customer_id", Id, nullable=True, index=True),
    sa.UniqueConstraint("source", "external_id"),
    sa.Index(None, "customer_source", "customer_external_id"),
    sa.Index(None, "external_id"),
)

order_refs = sa.Table(
    "order_refs",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("number", sa.String(255), primary_key=True),
    sa.Column("order_group", Id, sa.ForeignKey("order_groups.id"), nullable=False, index=True),
    sa.Index(None, "number"),
)
"""Every ``(source, number)`` an order is known under, its own and its cross-references."""

order_events = sa.Table(
    "order_events",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("record_id", Id, sa.ForeignKey("source_records.id"), nullable=False),
    sa.Column("order_source", sa.String(100), nullable=False),
    sa.Column("order_external_id", sa.String(255), nullable=True),
    sa.Column("order_number", sa.String(255), nullable=True),
    sa.Column("status", sa.String(20), nullable=True),
    sa.Column("status_word", sa.String(100), nullable=False),
    sa.Column("occurred_at", Time, nullable=False),
    sa.Column("carrier", sa.String(100), nullable=True),
    sa.Column("tracking_number", sa.String(100), nullable=True, index=True),
    sa.Column("location", sa.Text, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.UniqueConstraint("source", "external_id"),
    sa.Index(None, "order_source", "order_external_id"),
    sa.Index(None, "order_source", "order_number"),
)
"""Order status events, one row per ``(source, external_id)``: the same event twice is one."""

interactions = sa.Table(
    "interactions",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("record_id", Id, sa.ForeignKey("source_records.id"), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("direction", sa.String(3), nullable=False),
    sa.Column("occurred_at", Time, nullable=False),
    sa.Column("duration_seconds", sa.Integer, nullable=True),
    sa.Column("customer_source", sa.String(100), nullable=True),
    sa.Column("customer_external_id", sa.String(255), nullable=True),
    sa.Column("phone", sa.String(64), nullable=True, index=True),
    sa.Column("email", sa.String(255), nullable=True, index=True),
    sa.Column("subject", sa.Text, nullable=True),
    sa.Column("agent", sa.String(200), nullable=True),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("order_number", sa.String(255), nullable=True),
    sa.Column("csat", sa.Integer, nullable=True),
    sa.Column("nps", sa.Integer, nullable=True),
    sa.Column("customer_id", Id, nullable=True),
    sa.UniqueConstraint("source", "external_id"),
    sa.Index(None, "customer_source", "customer_external_id"),
    # Covers the analytics' per-customer reads: service load, scores, contacts since a time.
    sa.Index(
        "ix_interactions_customer_activity",
        "customer_id",
        "occurred_at",
        "channel",
        "duration_seconds",
        "csat",
        "nps",
    ),
)
"""Interactions, one row per ``(source, external_id)``; ``customer_id`` the stored link."""
