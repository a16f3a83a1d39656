"""The customer projection: golden customers, their identities and lookup keys."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crmkit.domain import Address, ContactKind, ContactPoint, Customer, Identity
from crmkit.errors import UnknownCustomerError
from crmkit.store.tables import customer_identities, customer_keys, customers

if TYPE_CHECKING:
    from collections.abc import Iterator

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


class SqlCustomerStore:
    """Read-side queries on customers: by id (following merge aliases), by key, all."""

    def __init__(self, database: Database) -> None:
        self.database = database

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
