"""Writing the order projection: orders joined by shared numbers, events, statuses.

Orders known under several systems' numbers share one ``order_groups`` row: a union-find
over ``(source, number)`` pairs kept in ``order_refs``, where joining two stored groups
relabels the younger one. Rows are upserted by their source key, so projecting a record
again only refreshes its row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.store._upsert import chunked, upsert
from crmkit.store.customer_links import hold_links_lock, link_rows
from crmkit.store.records import SqlRecordSession
from crmkit.store.tables import (
    interactions,
    order_events,
    order_groups,
    order_refs,
    orders,
    source_records,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crmkit.domain import Order, OrderEvent, TrackedOrder

_ADDRESS_PARTS = ("line", "city", "region", "postcode", "country")
#: Streams whose records the projection turns into rows.
PROJECTED_STREAMS = ("orders", "order_events", "interactions")


def _order_row(order: Order, record_id: int, group: int) -> dict[str, Any]:
    address = order.shipping_address
    return {
        "source": order.source,
        "external_id": order.external_id,
        "record_id": record_id,
        "order_group": group,
        "number": order.number,
        "customer_source": order.customer_ref.source if order.customer_ref else None,
        "customer_external_id": order.customer_ref.external_id if order.customer_ref else None,
        "contact_name": order.contact_name,
        "contact_phone": order.contact_phone,
        "contact_email": order.contact_email,
        "placed_at": order.placed_at,
        "currency": order.total.currency if order.total else None,
        "total": str(order.total.amount) if order.total else None,
        "status": order.status.value if order.status else None,
        "status_word": order.status_word,
        "status_at": order.status_at,
        "shipping_address": (
            {k: getattr(address, k) for k in _ADDRESS_PARTS if getattr(address, k)}
            if address
            else None
        ),
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": str(line.quantity),
                "price": str(line.price.amount),
                "currency": line.price.currency,
            }
            for line in order.lines
        ],
    }


def event_row(event: OrderEvent, record_id: int) -> dict[str, Any]:
    """Return the ``order_events`` row of ``event``, stored from record ``record_id``."""
    shipment = event.shipment
    return {
        "source": event.source,
        "external_id": event.external_id,
        "record_id": record_id,
        "order_source": event.order_ref.source,
        "order_external_id": None if event.by_number else event.order_ref.external_id,
        "order_number": event.order_ref.external_id if event.by_number else None,
        "status": event.status.value if event.status else None,
        "status_word": event.status_word or (event.status.value if event.status else ""),
        "occurred_at": event.occurred_at,
        "carrier": shipment.carrier if shipment else None,
        "tracking_number": shipment.tracking_number if shipment else None,
        "location": event.location,
        "note": event.note,
    }


class SqlOrderSession:
    """Writes the order projection inside one transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.state = SqlRecordSession(conn)

    def lock(self, name: str) -> None:
        """Serialise projection passes across processes, and with identity resolutions' relinks.

        PostgreSQL advisory locks held until the transaction ends: the pass's own, then the
        customer-link lock (:func:`~crmkit.store.customer_links.hold_links_lock`), before
        any row is written.
        """
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(name))))
        hold_links_lock(self.conn)

    def last_record_id(self) -> int:
        """Return the id of the newest stored source record (0 when there is none)."""
        return int(self.conn.scalar(sa.select(sa.func.max(source_records.c.id))) or 0)

    def records(self, after: int, upto: int, limit: int) -> list[Any]:
        """Return up to ``limit`` order, event and interaction records with ids in the range."""
        t = source_records.c
        query = (
            sa.select(
                t.id,
                t.source,
                t.stream,
                t.external_id,
                sa.func.coalesce(t.record, t.payload).label("json"),
                t.received_at,
            )
            .where(t.id > after, t.id <= upto, t.stream.in_(PROJECTED_STREAMS))
            .order_by(t.id)
            .limit(limit)
        )
        return list(self.conn.execute(query))

    def _groups_of_refs(self, refs: set[tuple[str, str]]) -> set[int]:
        r = order_refs.c
        found: set[int] = set()
        for chunk in chunked(sorted(refs)):
            query = sa.select(r.order_group).where(sa.tuple_(r.source, r.number).in_(chunk))
            found.update(self.conn.scalars(query))
        return found

    def _relabel(self, keep: int, others: set[int]) -> None:
        if not others:
            return
        for table in (orders, order_refs):
            self.conn.execute(
                table.update().where(table.c.order_group.in_(others)).values(order_group=keep)
            )
        self.conn.execute(order_groups.delete().where(order_groups.c.id.in_(others)))

    def _order_groups(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        o = orders.c
        found: dict[tuple[str, str], int] = {}
        for chunk in chunked(keys):
            query = sa.select(o.source, o.external_id, o.order_group).where(
                sa.tuple_(o.source, o.external_id).in_(chunk)
            )
            found.update({(s, e): g for s, e, g in self.conn.execute(query)})
        return found

    def _ref_groups(self, refs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        r = order_refs.c
        found: dict[tuple[str, str], int] = {}
        for chunk in chunked(refs):
            query = sa.select(r.source, r.number, r.order_group).where(
                sa.tuple_(r.source, r.number).in_(chunk)
            )
            found.update({(s, n): g for s, n, g in self.conn.execute(query)})
        return found

    def put_orders(self, batch: Sequence[tuple[Order, int]]) -> set[int]:
        """Store order versions (with their record ids); return the groups they are in.

        Each stored order is linked to its customer (``customer_id``). Orders sharing a
        number (their own or a cross-reference) with each other or with a stored group end
        up in one group: a union-find over the batch's orders, numbers and the groups
        already stored, then one relabelling per join of stored groups.
        """
        latest = {(o.source, o.external_id): (o, rid) for o, rid in batch}
        refs_of = {
            key: {(r.source, r.external_id) for r in order.cross_references}
            | ({(order.source, order.number)} if order.number else set())
            for key, (order, _) in latest.items()
        }
        ref_groups = self._ref_groups(sorted(set().union(*refs_of.values())))
        stored = self._order_groups(sorted(latest))
        links = _UnionFind()
        for key, refs in refs_of.items():
            links.add(("order", key))
            if key in stored:
                links.union(("order", key), ("group", stored[key]))
            for ref in refs:
                links.union(("order", key), ("ref", ref))
                if ref in ref_groups:
                    links.union(("order", key), ("group", ref_groups[ref]))
        group_of: dict[Any, int] = {}
        fresh: list[Any] = []
        for root, members in links.components().items():
            existing = sorted(g for kind, g in members if kind == "group")
            if existing:
                group_of[root] = existing[0]
                self._relabel(existing[0], set(existing[1:]))
            else:
                fresh.append(root)
        if fresh:
            insert = order_groups.insert().returning(
                order_groups.c.id, sort_by_parameter_order=True
            )
            new_ids = self.conn.execute(insert, [{"placed_at": None} for _ in fresh]).scalars()
            group_of.update(zip(fresh, new_ids, strict=True))
        rows, ref_rows = [], {}
        for key, (order, record_id) in latest.items():
            group = group_of[links.find(("order", key))]
            rows.append(_order_row(order, record_id, group))
            for ref in refs_of[key]:
                ref_rows[ref] = {"source": ref[0], "number": ref[1], "order_group": group}
        upsert(self.conn, orders, rows, ("source", "external_id"))
        link_rows(self.conn, orders, list(latest))
        upsert(self.conn, order_refs, list(ref_rows.values()), ("source", "number"), update=False)
        return set(group_of.values())

    def link_interactions(self, keys: Sequence[tuple[str, str]]) -> None:
        """Link the stored interactions with these ``(source, external_id)`` to customers."""
        link_rows(self.conn, interactions, keys)

    def put_events(self, rows: Sequence[dict[str, Any]]) -> set[int]:
        """Store event rows (a repeated key replaces its row); return their orders' groups."""
        upsert(self.conn, order_events, rows, ("source", "external_id"))
        by_id = {
            (r["order_source"], r["order_external_id"]) for r in rows if r["order_external_id"]
        }
        by_number = {(r["order_source"], r["order_number"]) for r in rows if r["order_number"]}
        groups = self._groups_of_refs(by_number) if by_number else set()
        o = orders.c
        for chunk in chunked(sorted(by_id)):
            query = sa.select(o.order_group).where(sa.tuple_(o.source, o.external_id).in_(chunk))
            groups.update(self.conn.scalars(query))
        return groups

    def set_statuses(self, tracked: Sequence[TrackedOrder]) -> dict[int, str | None]:
        """Store the derived status of each group; return the status each had before."""
        g = order_groups.c
        before: dict[int, str | None] = {}
        for chunk in chunked([t.key for t in tracked]):
            rows = self.conn.execute(sa.select(g.id, g.status).where(g.id.in_(chunk)))
            before.update((group, status) for group, status in rows)
        if tracked:
            self.conn.execute(
                order_groups.update()
                .where(g.id == sa.bindparam("b_id"))
                .values(
                    status=sa.bindparam("b_status"),
                    status_word=sa.bindparam("b_word"),
                    status_at=sa.bindparam("b_at"),
                    placed_at=sa.bindparam("b_placed"),
                ),
                [
                    {
                        "b_id": t.key,
                        "b_status": t.status.value if t.status else None,
                        "b_word": t.status_word,
                        "b_at": t.status_at,
                        "b_placed": t.placed_at,
                    }
                    for t in tracked
                ],
            )
        return before


class _UnionFind:
    """Disjoint sets of hashable items, with path halving."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def add(self, item: Any) -> None:
        self.parent.setdefault(item, item)

    def find(self, item: Any) -> Any:
        self.add(item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: Any, b: Any) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[root_b] = root_a

    def components(self) -> dict[Any, list[Any]]:
        found: dict[Any, list[Any]] = {}
        for item in self.parent:
            found.setdefault(self.find(item), []).append(item)
        return found
