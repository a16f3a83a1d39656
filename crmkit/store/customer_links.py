"""The stored link from each order and interaction row to the customer it belongs to.

A row is counted for the customer holding the source identity it names, else for the
customer holding its phone, else its e-mail — the lowest id when several do, so that each
row counts once. (The card, :func:`crmkit.store.orders.linked_ids`, shows a row whose
identity nobody holds on *every* card holding its phone or e-mail — a household's shared
landline call on each member's card — while the reports credit it to one of them.) The
analytics aggregate millions of rows per customer, so the answer is stored, in
``customer_id``, and kept current: rows are linked when projected (:func:`link_rows`), and
the rows concerning the customers an identity resolution rewrote are linked again in its
transaction (:func:`relink_rows`).

On PostgreSQL both hold one advisory lock (:func:`hold_links_lock`) until they commit: a
projection that linked a row to the old owner while a resolution was writing would otherwise
commit it after the resolution's relink had looked, and the row would stay stale (READ
COMMITTED lets neither see the other's uncommitted rows). A projection takes the lock before
it writes any row, so the two never wait on each other's row locks. SQLite lets one writer
at a time in anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.store._upsert import chunked
from crmkit.store.tables import customer_identities, customer_keys, interactions, orders

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from crmkit.store.database import Database

#: Key pairs per statement: two bound parameters each, under SQLite's old limit of 999.
PAIRS_PER_STATEMENT = 450

#: The advisory lock that linking rows and rewriting their owners hold until they commit.
LINKS_LOCK = "crmkit:customer-links"

#: The linked tables, each with its phone and e-mail columns.
LINKED: tuple[tuple[sa.Table, str, str], ...] = (
    (orders, "contact_phone", "contact_email"),
    (interactions, "phone", "email"),
)


def hold_links_lock(conn: sa.Connection) -> None:
    """Wait for, then hold until ``conn``'s transaction ends, the right to link rows.

    PostgreSQL only (a transaction-level advisory lock, taken again at no cost by the
    transaction that holds it); elsewhere the database's single writer serialises already.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(LINKS_LOCK))))


def owner(table: sa.Table, phone: str, email: str) -> sa.ColumnElement[Any]:
    """Return the expression of the customer a row of ``table`` belongs to (NULL if nobody)."""
    t, ci, k = table.c, customer_identities.c, customer_keys.c
    by_identity = sa.select(ci.customer_id).where(
        ci.source == t.customer_source, ci.external_id == t.customer_external_id
    )
    by_key = [
        sa.select(sa.func.min(k.customer_id)).where(k.kind == kind, k.value == t[column])
        for kind, column in (("phone", phone), ("email", email))
    ]
    return sa.func.coalesce(*(q.scalar_subquery() for q in (by_identity, *by_key)))


def _link(conn: sa.Connection, table: sa.Table, phone: str, email: str, ids: Sequence[int]) -> None:
    """Link the rows of ``table`` with ``ids`` to their customers (all rows when empty)."""
    update = table.update().values(customer_id=owner(table, phone, email))
    if not ids:  # every row: write only those whose owner changed
        changed = table.c.customer_id.is_distinct_from(owner(table, phone, email))
        conn.execute(update.where(changed))
        return
    for chunk in chunked(ids):
        conn.execute(update.where(table.c.id.in_(chunk)))


def link_rows(conn: sa.Connection, table: sa.Table, keys: Sequence[tuple[str, str]]) -> None:
    """Link the rows of ``table`` (orders or interactions) with these ``(source, external_id)``."""
    _, phone, email = next(linked for linked in LINKED if linked[0] is table)
    hold_links_lock(conn)
    t = table.c
    update = table.update().values(customer_id=owner(table, phone, email))
    for chunk in chunked(sorted(keys), PAIRS_PER_STATEMENT):
        conn.execute(update.where(sa.tuple_(t.source, t.external_id).in_(chunk)))


def _concerned(conn: sa.Connection, table: sa.Table, phone: str, email: str, ids: Any) -> set[int]:
    """Return the ids of ``table``'s rows linked to, or now owned by, customers ``ids``."""
    t, ci, k = table.c, customer_identities.c, customer_keys.c
    queries = [
        sa.select(t.id).where(t.customer_id.in_(ids)),
        sa.select(t.id)
        .join(
            customer_identities,
            sa.and_(ci.source == t.customer_source, ci.external_id == t.customer_external_id),
        )
        .where(ci.customer_id.in_(ids)),
        *(
            sa.select(t.id)
            .join(customer_keys, sa.and_(k.kind == kind, k.value == t[column]))
            .where(k.customer_id.in_(ids))
            for kind, column in (("phone", phone), ("email", email))
        ),
    ]
    return {row_id for query in queries for row_id in conn.scalars(query)}


def relink(database: Database, customer_ids: Collection[int] | None) -> None:
    """Link again, in a transaction of its own, the rows concerning ``customer_ids``.

    See :func:`relink_rows`; an identity resolution does this inside its own transaction.
    """
    with database.begin() as conn:
        relink_rows(conn, customer_ids)


def relink_rows(conn: sa.Connection, customer_ids: Collection[int] | None) -> None:
    """Link again the rows concerning ``customer_ids`` after their identities and keys changed.

    Those are the rows linked to one of them and the rows whose identity, phone or e-mail
    one of them now holds; every row when ``customer_ids`` is None (a full resolution).
    Waits for the projections linking rows to commit first (:func:`hold_links_lock`).
    """
    hold_links_lock(conn)
    for table, phone, email in LINKED:
        if customer_ids is None:
            _link(conn, table, phone, email, ())
            continue
        rows: set[int] = set()
        for chunk in chunked(sorted(customer_ids)):
            rows |= _concerned(conn, table, phone, email, list(chunk))
        if rows:
            _link(conn, table, phone, email, sorted(rows))
