"""The customer projection: golden customers, their identities and lookup keys."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.domain import Address, ContactKind, ContactPoint, Customer, Identity, utc_now
from crmkit.errors import UnknownCustomerError
from crmkit.store.records import SqlRecordSession
from crmkit.store.tables import customer_identities, customer_keys, customers, source_records

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from crmkit.store.database import Database

_CHUNK = 900


def customer_keys_of(customer: Customer) -> set[tuple[str, str]]:
    """Return the ``(kind, value)`` lookup keys of a customer: phones, e-mails, identifiers."""
    keys = {(c.kind.value, c.value) for c in customer.contact_points if c.value}
    keys |= {(f"id:{kind}", value) for kind, value in customer.identifiers.items()}
    return {(kind, value[:255]) for kind, value in keys}


def golden_document(customer: Customer) -> dict[str, Any]:
    """Return the JSON document stored as a customer's golden record."""
    return {
        "contact_points": [
            {"kind": c.kind.value, "raw": c.raw, "value": c.value, "problem": c.problem}
            for c in customer.contact_points
        ],
        "addresses": [
            {
                k: v
                for k, v in (
                    ("line", a.line),
                    ("city", a.city),
                    ("region", a.region),
                    ("postcode", a.postcode),
                    ("country", a.country),
                )
                if v
            }
            for a in customer.addresses
        ],
        "identifiers": customer.identifiers,
        "birth_date": customer.birth_date.isoformat() if customer.birth_date else None,
        "attributes": customer.attributes,
        "problems": list(customer.problems),
    }


def _customer(row: Any, identities: list[Identity]) -> Customer:
    doc = row.golden
    return Customer(
        id=row.id,
        kind=row.kind,
        name=row.name,
        identities=identities,
        contact_points=[
            ContactPoint(ContactKind(c["kind"]), c["raw"], c["value"], c["problem"])
            for c in doc.get("contact_points", [])
        ],
        addresses=[Address(**a) for a in doc.get("addresses", [])],
        identifiers=doc.get("identifiers", {}),
        birth_date=dt.date.fromisoformat(doc["birth_date"]) if doc.get("birth_date") else None,
        attributes=doc.get("attributes", {}),
        problems=doc.get("problems", []),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlCustomerSession(SqlRecordSession):
    """A :class:`~crmkit.services.ports.CustomerSession` on one connection."""

    def records_after(
        self, stream: str, after_id: int, limit: int
    ) -> list[tuple[int, str, str, str, Any]]:
        """Return ``(id, source, external_id, payload, received_at)`` past ``after_id``."""
        t = source_records.c
        query = (
            sa.select(
                t.id, t.source, t.external_id, sa.func.coalesce(t.record, t.payload), t.received_at
            )
            .where(t.stream == stream, t.id > after_id)
            .order_by(t.id)
            .limit(limit)
        )
        return [tuple(row) for row in self.conn.execute(query)]

    def customer_ids_for(self, identities: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Return the customer id of each known ``(source, external_id)``."""
        wanted = list(identities)
        found: dict[tuple[str, str], int] = {}
        t = customer_identities.c
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            query = sa.select(t.source, t.external_id, t.customer_id).where(
                sa.tuple_(t.source, t.external_id).in_(chunk)
            )
            for source, external_id, customer_id in self.conn.execute(query):
                found[(source, external_id)] = customer_id
        return found

    def save_customers(self, items: Sequence[tuple[Customer, int]]) -> list[int]:
        """Insert (id 0) or update customers with their identities and keys; return the ids."""
        now = utc_now()
        new = [(c, r) for c, r in items if not c.id]
        old = [(c, r) for c, r in items if c.id]
        ids: dict[int, int] = {}
        if new:
            rows = [
                {
                    "kind": c.kind.value if c.kind else None,
                    "name": c.name,
                    "golden": golden_document(c),
                    "created_at": now,
                    "updated_at": now,
                }
                for c, _ in new
            ]
            result = self.conn.execute(
                customers.insert().returning(customers.c.id, sort_by_parameter_order=True), rows
            )
            for (customer, _), customer_id in zip(new, result.scalars(), strict=True):
                ids[id(customer)] = customer_id
            self.conn.execute(
                customer_identities.insert(),
                [
                    {
                        "source": i.source,
                        "external_id": i.external_id,
                        "customer_id": ids[id(c)],
                        "record_id": record_id,
                    }
                    for c, record_id in new
                    for i in c.identities
                ],
            )
        for customer, record_id in old:
            ids[id(customer)] = customer.id
            self.conn.execute(
                customers.update()
                .where(customers.c.id == customer.id)
                .values(
                    kind=customer.kind.value if customer.kind else None,
                    name=customer.name,
                    golden=golden_document(customer),
                    updated_at=now,
                )
            )
            t = customer_identities.c
            for identity in customer.identities:
                self.conn.execute(
                    customer_identities.update()
                    .where(t.source == identity.source, t.external_id == identity.external_id)
                    .values(record_id=record_id)
                )
        if old:
            self.conn.execute(
                customer_keys.delete().where(
                    customer_keys.c.customer_id.in_([c.id for c, _ in old])
                )
            )
        key_rows = [
            {"kind": kind, "value": value, "customer_id": ids[id(c)]}
            for c, _ in items
            for kind, value in customer_keys_of(c)
        ]
        if key_rows:
            self.conn.execute(customer_keys.insert(), key_rows)
        return [ids[id(c)] for c, _ in items]


class SqlCustomerStore:
    """Customer projection writes (through transactions) and read-side queries."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlCustomerSession]:
        """Yield a session whose work commits together, or not at all."""
        with self.database.begin() as conn:
            yield SqlCustomerSession(conn)

    def _identities(self, conn: sa.Connection, ids: list[int]) -> dict[int, list[Identity]]:
        t = customer_identities.c
        found: dict[int, list[Identity]] = {i: [] for i in ids}
        for start in range(0, len(ids), _CHUNK):
            query = (
                sa.select(t.customer_id, t.source, t.external_id)
                .where(t.customer_id.in_(ids[start : start + _CHUNK]))
                .order_by(t.source, t.external_id)
            )
            for customer_id, source, external_id in conn.execute(query):
                found[customer_id].append(Identity(source, external_id))
        return found

    def _load(self, conn: sa.Connection, query: sa.Select[Any]) -> list[Customer]:
        rows = list(conn.execute(query))
        identities = self._identities(conn, [r.id for r in rows])
        return [_customer(r, identities[r.id]) for r in rows]

    def get(self, customer_id: int) -> Customer:
        """Return the customer with ``customer_id``, following merge aliases."""
        with self.database.connect() as conn:
            seen = set()
            current = customer_id
            while current not in seen:
                seen.add(current)
                found = self._load(conn, sa.select(customers).where(customers.c.id == current))
                if not found:
                    break
                row_alias = conn.scalar(
                    sa.select(customers.c.merged_into).where(customers.c.id == current)
                )
                if row_alias is None:
                    return found[0]
                current = row_alias
        raise UnknownCustomerError(customer_id)

    def iter_all(self, batch: int = 1000) -> Iterator[Customer]:
        """Yield every current customer in id order, ``batch`` at a time (constant memory)."""
        last = 0
        while True:
            query = (
                sa.select(customers)
                .where(customers.c.id > last, customers.c.merged_into.is_(None))
                .order_by(customers.c.id)
                .limit(batch)
            )
            with self.database.connect() as conn:
                page = self._load(conn, query)
            if not page:
                return
            yield from page
            last = page[-1].id

    def find_by_key(self, kind: str, value: str) -> list[Customer]:
        """Return the customers that have lookup key ``(kind, value)``."""
        t = customer_keys.c
        ids = sa.select(t.customer_id).where(t.kind == kind, t.value == value)
        query = sa.select(customers).where(customers.c.id.in_(ids)).order_by(customers.c.id)
        with self.database.connect() as conn:
            return self._load(conn, query)

    def find_by_identity(self, source: str, external_id: str) -> Customer | None:
        """Return the customer that holds ``(source, external_id)``, or ``None``."""
        t = customer_identities.c
        with self.database.connect() as conn:
            customer_id = conn.scalar(
                sa.select(t.customer_id).where(t.source == source, t.external_id == external_id)
            )
        return None if customer_id is None else self.get(customer_id)

    def count(self) -> int:
        """Return how many current customers there are."""
        query = (
            sa.select(sa.func.count())
            .select_from(customers)
            .where(customers.c.merged_into.is_(None))
        )
        with self.database.connect() as conn:
            return int(conn.scalar(query) or 0)
