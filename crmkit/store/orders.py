"""Reading the order projection: tracked orders, lookups by any number, customers' orders.

Events are stored by their own key and attached to an order group when read, through the
order they name (by external id or by number), so an event that arrives before its order
appears as soon as the order does. Which customer an order belongs to is looked up when
read: through the source identity it names, else its phone or its e-mail (every holder: a
shared landline's call shows on each card; the analytics count each row for one customer,
stored in ``customer_id``: :mod:`crmkit.store.customer_links`).
Writing is in :mod:`crmkit.store.order_projection`.
"""

from __future__ import annotations

import contextlib
import functools
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.domain import (
    Address,
    Identity,
    Money,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Shipment,
    TrackedOrder,
)
from crmkit.domain.orders import track
from crmkit.store._upsert import chunked
from crmkit.store.order_projection import SqlOrderSession
from crmkit.store.tables import (
    customer_identities,
    customer_keys,
    customers,
    order_events,
    order_groups,
    order_refs,
    orders,
    source_records,
    state,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Iterator, Sequence

    from crmkit.store.database import Database


def _order(row: Any) -> Order:
    currency = row.currency
    return Order(
        source=row.source,
        external_id=row.external_id,
        placed_at=row.placed_at,
        total=Money(Decimal(row.total), currency) if row.total is not None and currency else None,
        number=row.number,
        customer_ref=(
            Identity(row.customer_source, row.customer_external_id)
            if row.customer_source and row.customer_external_id
            else None
        ),
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
        contact_email=row.contact_email,
        shipping_address=Address(**row.shipping_address) if row.shipping_address else None,
        lines=tuple(
            OrderLine(
                line["sku"],
                line["name"],
                Decimal(line["quantity"]),
                Money(Decimal(line["price"]), line["currency"]),
            )
            for line in row.lines or ()
        ),
        status_word=row.status_word,
        status_at=row.status_at,
        status=row.status,
    )


def _event(row: Any) -> OrderEvent:
    by_number = row.order_external_id is None
    shipment = (
        Shipment(row.carrier, row.tracking_number) if row.carrier or row.tracking_number else None
    )
    return OrderEvent(
        source=row.source,
        external_id=row.external_id,
        order_ref=Identity(
            row.order_source, row.order_number if by_number else row.order_external_id
        ),
        status=row.status,
        occurred_at=row.occurred_at,
        shipment=shipment,
        location=row.location,
        note=row.note,
        status_word=row.status_word,
        by_number=by_number,
    )


def _tracked_statements() -> tuple[sa.Select[Any], sa.Select[Any], sa.CompoundSelect[Any]]:
    """Return the queries of a chunk of groups' orders, numbers and events (built once)."""
    o, r, e = orders.c, order_refs.c, order_events.c
    groups: sa.BindParameter[list[int]] = sa.bindparam("groups", expanding=True)
    by_id = (
        sa.select(o.order_group, order_events)
        .join(orders, sa.and_(e.order_source == o.source, e.order_external_id == o.external_id))
        .where(o.order_group.in_(groups))
    )
    by_number = (
        sa.select(r.order_group, order_events)
        .join(order_refs, sa.and_(e.order_source == r.source, e.order_number == r.number))
        .where(r.order_group.in_(groups))
    )
    return (
        sa.select(orders).where(o.order_group.in_(groups)),
        sa.select(r.order_group, r.source, r.number).where(r.order_group.in_(groups)),
        sa.union_all(by_id, by_number),
    )


_ORDERS_OF, _NUMBERS_OF, _EVENTS_OF = _tracked_statements()


def load_tracked(conn: sa.Connection, group_ids: Iterable[int]) -> dict[int, TrackedOrder]:
    """Return the tracked order of each group in ``group_ids`` (status derived, no SLA)."""
    ids = list(dict.fromkeys(group_ids))
    members: dict[int, list[Order]] = {i: [] for i in ids}
    numbers: dict[int, list[Identity]] = {i: [] for i in ids}
    events: dict[int, dict[tuple[str, str], OrderEvent]] = {i: {} for i in ids}
    for chunk in chunked(ids):
        params = {"groups": list(chunk)}
        for row in conn.execute(_ORDERS_OF, params):
            members[row.order_group].append(_order(row))
        for group, source, number in conn.execute(_NUMBERS_OF, params):
            numbers[group].append(Identity(source, number))
        for row in conn.execute(_EVENTS_OF, params):
            events[row.order_group][(row.source, row.external_id)] = _event(row)
    return {
        i: track(i, members[i], numbers[i], list(events[i].values())) for i in ids if members[i]
    }


def current_id(conn: sa.Connection, customer_id: int) -> int | None:
    """Return the current id of customer ``customer_id``, following merge aliases."""
    seen: set[int] = set()
    current: int | None = customer_id
    while current is not None and current not in seen:
        seen.add(current)
        row = conn.execute(
            sa.select(customers.c.merged_into).where(customers.c.id == current)
        ).first()
        if row is None:
            return None
        if row.merged_into is None:
            return current
        current = row.merged_into
    return None


@functools.cache
def linked_ids(table: sa.Table, phone: str, email: str) -> sa.CompoundSelect[Any]:
    """Return a query of the ids of ``table``'s rows that belong to customer ``:customer``.

    A row belongs to the customer holding the source identity it names; a row whose identity
    belongs to no customer belongs to whoever holds its phone (column ``phone``) or e-mail.
    Built once per table; run it with ``{"customer": id}``.
    """
    t, ci, k = table.c, customer_identities.c, customer_keys.c
    customer: sa.BindParameter[int] = sa.bindparam("customer")
    by_identity = (
        sa.select(t.id)
        .join(
            customer_identities,
            sa.and_(ci.source == t.customer_source, ci.external_id == t.customer_external_id),
        )
        .where(ci.customer_id == customer)
    )
    unowned = ~sa.exists().where(
        ci.source == t.customer_source, ci.external_id == t.customer_external_id
    )
    queries = [by_identity]
    for kind, column in (("phone", t[phone]), ("email", t[email])):
        queries.append(
            sa.select(t.id)
            .join(customer_keys, sa.and_(k.kind == kind, k.value == column))
            .where(k.customer_id == customer, unowned)
        )
    return sa.union(*queries)


@functools.cache
def customer_groups(limit: int | None) -> sa.Select[Any]:
    """Return the query of customer ``:customer``'s order groups, newest first (built once)."""
    members = linked_ids(orders, "contact_phone", "contact_email").subquery()
    groups = sa.select(orders.c.order_group).where(orders.c.id.in_(members.select()))
    query = (
        sa.select(order_groups.c.id)
        .where(order_groups.c.id.in_(groups))
        .order_by(order_groups.c.placed_at.desc(), order_groups.c.id.desc())
    )
    return query if limit is None else query.limit(limit)


def owners(
    conn: sa.Connection, ref: Identity | None, phone: str | None, email: str | None
) -> list[int]:
    """Return the customers a row with these facts belongs to: identity, else phone, else e-mail."""
    if ref is not None:
        ci = customer_identities.c
        found = conn.scalar(
            sa.select(ci.customer_id).where(
                ci.source == ref.source, ci.external_id == ref.external_id
            )
        )
        if found is not None:
            return [found]
    k = customer_keys.c
    for kind, value in (("phone", phone), ("email", email)):
        if value:
            ids = list(
                conn.scalars(
                    sa.select(k.customer_id)
                    .where(k.kind == kind, k.value == value)
                    .order_by(k.customer_id)
                )
            )
            if ids:
                return ids
    return []


class SqlOrderStore:
    """The order projection on one :class:`Database`: writes in sessions, and reads."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlOrderSession]:
        """Yield a session whose work commits together, or not at all."""
        with self.database.begin() as conn:
            yield SqlOrderSession(conn)

    def pending(self, mark_name: str) -> bool:
        """Return True when source records were stored after the projection mark."""
        mark = sa.select(state.c.value).where(state.c.name == mark_name).scalar_subquery()
        newest = sa.select(sa.func.max(source_records.c.id)).scalar_subquery()
        with self.database.connect() as conn:
            row = conn.execute(sa.select(mark, newest)).one()
        return int(row[1] or 0) > int(row[0] or 0)

    def load(self, group_ids: Iterable[int]) -> list[TrackedOrder]:
        """Return the tracked orders of ``group_ids``, in that order (unknown ids skipped)."""
        ids = list(group_ids)
        with self.database.connect() as conn:
            found = load_tracked(conn, ids)
        return [found[i] for i in ids if i in found]

    def find(self, number: str) -> list[int]:
        """Return the groups known under ``number`` in any system, or with that tracking number.

        An order's own number or a cross-reference matches first, then an order's external
        id, then a shipment's tracking number.
        """
        number = number.strip()
        r, o, e = order_refs.c, orders.c, order_events.c
        with self.database.connect() as conn:
            found = list(conn.scalars(sa.select(r.order_group).where(r.number == number)))
            if not found:
                found = list(conn.scalars(sa.select(o.order_group).where(o.external_id == number)))
            if not found:
                events = list(
                    conn.execute(
                        sa.select(e.order_source, e.order_external_id, e.order_number).where(
                            e.tracking_number == number
                        )
                    )
                )
                for source, external_id, order_number in events:
                    if external_id is not None:
                        query = sa.select(o.order_group).where(
                            o.source == source, o.external_id == external_id
                        )
                    else:
                        query = sa.select(r.order_group).where(
                            r.source == source, r.number == order_number
                        )
                    found.extend(conn.scalars(query))
        return sorted(set(found))

    def for_customer(self, customer_id: int, limit: int | None = None) -> list[int]:
        """Return the groups of the customer's orders, newest placement first."""
        with self.database.connect() as conn:
            current = current_id(conn, customer_id)
            if current is None:
                return []
            return list(conn.scalars(customer_groups(limit), {"customer": current}))

    def customers_of(self, tracked: TrackedOrder) -> list[int]:
        """Return the customers the order belongs to, by its first order that names any."""
        with self.database.connect() as conn:
            for order in tracked.orders:
                found = owners(conn, order.customer_ref, order.contact_phone, order.contact_email)
                if found:
                    return [c for c in (current_id(conn, f) for f in found) if c is not None]
        return []

    def select_groups(
        self,
        *,
        statuses: Sequence[str] = (),
        overdue: dict[OrderStatus, dt.timedelta] | None = None,
        now: dt.datetime,
        customer_id: int | None = None,
        limit: int = 100,
    ) -> list[int]:
        """Return groups by current status, overdue for their status, or of one customer."""
        g = order_groups.c
        query = sa.select(g.id).order_by(g.placed_at.desc(), g.id.desc()).limit(limit)
        if statuses:
            query = query.where(g.status.in_(list(statuses)))
        if overdue is not None:
            query = query.where(
                sa.or_(
                    *(
                        sa.and_(g.status == status.value, g.status_at < now - limit_)
                        for status, limit_ in overdue.items()
                    )
                )
            )
        with self.database.connect() as conn:
            if customer_id is not None:
                current = current_id(conn, customer_id)
                if current is None:
                    return []
                members = linked_ids(orders, "contact_phone", "contact_email").subquery()
                groups = sa.select(orders.c.order_group).where(orders.c.id.in_(members.select()))
                return list(conn.scalars(query.where(g.id.in_(groups)), {"customer": current}))
            return list(conn.scalars(query))
