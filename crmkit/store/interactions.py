"""The interaction projection: one row per interaction, linked to customers when read."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.domain import Identity, Interaction
from crmkit.store._upsert import upsert
from crmkit.store.orders import current_id, customer_groups, linked_ids, load_tracked, owners
from crmkit.store.tables import interactions

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crmkit.domain import TrackedOrder
    from crmkit.store.database import Database


def interaction_row(interaction: Interaction, record_id: int) -> dict[str, Any]:
    """Return the ``interactions`` row of ``interaction``, stored from record ``record_id``."""
    ref = interaction.customer_ref
    return {
        "source": interaction.source,
        "external_id": interaction.external_id,
        "record_id": record_id,
        "channel": interaction.channel.value,
        "direction": interaction.direction.value,
        "occurred_at": interaction.occurred_at,
        "duration_seconds": interaction.duration_seconds,
        "customer_source": ref.source if ref else None,
        "customer_external_id": ref.external_id if ref else None,
        "phone": interaction.phone,
        "email": interaction.email,
        "subject": interaction.subject,
        "agent": interaction.agent,
        "outcome": interaction.outcome,
        "order_number": interaction.order_number,
        "csat": interaction.csat,
        "nps": interaction.nps,
    }


def _interaction(row: Any) -> Interaction:
    return Interaction(
        source=row.source,
        external_id=row.external_id,
        channel=row.channel,
        direction=row.direction,
        occurred_at=row.occurred_at,
        duration_seconds=row.duration_seconds,
        customer_ref=(
            Identity(row.customer_source, row.customer_external_id)
            if row.customer_source and row.customer_external_id
            else None
        ),
        phone=row.phone,
        email=row.email,
        subject=row.subject,
        agent=row.agent,
        outcome=row.outcome,
        order_number=row.order_number,
        csat=row.csat,
        nps=row.nps,
    )


def put_interactions(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
    """Store interaction rows (a repeated key replaces its row); return the keys that are new."""
    t = interactions.c
    keys = {(r["source"], r["external_id"]) for r in rows}
    known: set[tuple[str, str]] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        query = sa.select(t.source, t.external_id).where(
            sa.tuple_(t.source, t.external_id).in_(chunk)
        )
        known.update((s, e) for s, e in conn.execute(query))
    upsert(conn, interactions, rows, ("source", "external_id"))
    return keys - known


@functools.cache
def _customer_interactions(limit: int | None) -> sa.Select[Any]:
    ids = linked_ids(interactions, "phone", "email").subquery()
    query = (
        sa.select(interactions)
        .where(interactions.c.id.in_(ids.select()))
        .order_by(interactions.c.occurred_at.desc(), interactions.c.id.desc())
    )
    return query if limit is None else query.limit(limit)


def customer_activity(
    database: Database, customer_id: int, order_limit: int | None, interaction_limit: int | None
) -> tuple[list[TrackedOrder], list[Interaction]]:
    """Return a customer's orders (newest first) and interactions, read on one connection.

    This is what the card needs from the projection; one connection keeps it to a few
    round trips on PostgreSQL.
    """
    with database.connect() as conn:
        current = current_id(conn, customer_id)
        if current is None:
            return [], []
        groups = list(conn.scalars(customer_groups(order_limit), {"customer": current}))
        found = load_tracked(conn, groups)
        rows = conn.execute(_customer_interactions(interaction_limit), {"customer": current})
        return [found[g] for g in groups if g in found], [_interaction(row) for row in rows]


class SqlInteractionStore:
    """Read-side queries on interactions."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def for_customer(self, customer_id: int, limit: int | None = None) -> list[Interaction]:
        """Return the customer's interactions, newest first (merge aliases followed)."""
        with self.database.connect() as conn:
            current = current_id(conn, customer_id)
            if current is None:
                return []
            rows = conn.execute(_customer_interactions(limit), {"customer": current})
            return [_interaction(row) for row in rows]

    def get(self, source: str, external_id: str) -> Interaction | None:
        """Return one interaction by its source key, or ``None``."""
        t = interactions.c
        with self.database.connect() as conn:
            row = conn.execute(
                sa.select(interactions).where(t.source == source, t.external_id == external_id)
            ).first()
        return _interaction(row) if row else None

    def customers_of(self, interaction: Interaction) -> list[int]:
        """Return the customers an interaction belongs to (identity, else phone, else e-mail)."""
        with self.database.connect() as conn:
            found = owners(conn, interaction.customer_ref, interaction.phone, interaction.email)
            return [c for c in (current_id(conn, f) for f in found) if c is not None]
