"""The stored customer link of orders and interactions, on SQLite and PostgreSQL.

The analytics group on ``customer_id`` stored in each order and interaction row. It must
always equal what the card finds when it reads (the identity's customer, else the phone's,
else the e-mail's): after projection, merges, unmerges, new customers, a resolution that
commits while a projection is open, and the migration that adds it to an existing database.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from crmkit.domain import Identity
from crmkit.store import order_projection
from crmkit.store.orders import owners
from crmkit.store.tables import interactions, orders

if TYPE_CHECKING:
    from crmkit.store import Database

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
#: How long a projection keeps its transaction open while a resolution runs beside it.
HOLD_SECONDS = 2.0
PHONES = {"anna": "+74951110001", "clara": "+74951110003", "nobody": "+74951119999"}


def ago(days: float) -> str:
    """Return the RFC 3339 time ``days`` days before NOW."""
    return (NOW - dt.timedelta(days=days)).isoformat()


def order(key: str, total: str, customer: dict[str, Any]) -> dict[str, Any]:
    """Return an order record naming its customer by ``customer`` (identity, phone, e-mail)."""
    return {
        "external_id": key,
        "customer": customer,
        "placed_at": ago(10),
        "currency": "EUR",
        "total": total,
    }


def call(key: str, customer: dict[str, Any]) -> dict[str, Any]:
    """Return an inbound phone call record naming its customer by ``customer``."""
    return {
        "external_id": key,
        "channel": "phone",
        "direction": "in",
        "occurred_at": ago(5),
        "duration_seconds": 60,
        "customer": customer,
    }


def fill(crm: Any) -> None:
    """Store three customers, and orders and calls naming them every way, or nobody."""
    crm.ingest_customers(
        "shop",
        [
            {"external_id": "a", "name": "Anna", "phones": [PHONES["anna"]]},
            {"external_id": "b", "name": "Boris", "emails": ["boris@example.com"]},
            {"external_id": "c", "name": "Clara", "phones": [PHONES["clara"]]},
        ],
    )
    ways = [
        {"external_id": "a"},
        {"phones": ["8 (495) 111-00-03"]},
        {"emails": ["Boris@Example.com"]},
        {"phones": [PHONES["nobody"]]},
        {"external_id": "unknown", "phones": [PHONES["anna"]]},
        {"external_id": "b", "phones": [PHONES["clara"]]},
    ]
    crm.ingest_orders(
        "shop", [order(f"o{n}", f"{100 * n}", way) for n, way in enumerate(ways, start=1)]
    )
    crm.ingest_interactions("pbx", [call(f"i{n}", way) for n, way in enumerate(ways, start=1)])


def stored_and_expected(database: Database) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Return each row's stored customer, and the customer the card's lookup finds."""
    stored, expected = {}, {}
    with database.connect() as conn:
        for table, phone, email in (
            (orders, "contact_phone", "contact_email"),
            (interactions, "phone", "email"),
        ):
            t = table.c
            query = sa.select(
                t.external_id, t.customer_id, t.customer_source, t.customer_external_id, t[phone]
            ).add_columns(t[email])
            for external_id, linked, source, ref, phone_value, email_value in conn.execute(query):
                identity = Identity(source, ref) if source and ref else None
                found = owners(conn, identity, phone_value, email_value)
                stored[(table.name, external_id)] = linked
                expected[(table.name, external_id)] = found[0] if found else None
    return stored, expected


def assert_links_current(crm: Any) -> dict[Any, Any]:
    """Assert every stored link equals the read-time lookup; return the links."""
    stored, expected = stored_and_expected(crm.database)
    assert stored == expected
    return stored


def revenue(crm: Any) -> dict[str, Decimal]:
    """Return each customer's revenue in the segment report, by name."""
    return {row.facts.name: row.facts.revenue for row in crm.segments(now=NOW).customers}


def customer_id(crm: Any, external_id: str) -> int:
    """Return the id of the customer holding ``shop/external_id``."""
    found = crm.customer_store.find_by_identity("shop", external_id)
    assert found is not None
    return int(found.id)


def test_rows_are_linked_when_projected_the_way_the_card_links_them(crm):
    """Identity first, then phone, then e-mail; nobody's rows stay unlinked."""
    fill(crm)
    links = assert_links_current(crm)
    anna, boris, clara = (customer_id(crm, key) for key in "abc")
    assert [links[("orders", f"o{n}")] for n in range(1, 7)] == [
        anna,
        clara,
        boris,
        None,
        anna,
        boris,
    ]
    # Calls come from another system: its customer numbers name nobody, their phones do.
    assert [links[("interactions", f"i{n}")] for n in range(1, 7)] == [
        None,
        clara,
        boris,
        None,
        anna,
        clara,
    ]
    assert revenue(crm) == {
        "Anna": Decimal("600.00"),
        "Boris": Decimal("900.00"),
        "Clara": Decimal("200.00"),
    }


def test_links_follow_a_merge_and_an_unmerge(crm):
    """Merged customers' rows count for the survivor; unmerged ones go back to their own."""
    fill(crm)
    anna, boris = customer_id(crm, "a"), customer_id(crm, "b")
    merged = crm.merge(anna, boris)
    links = assert_links_current(crm)
    assert {links[("orders", name)] for name in ("o1", "o3", "o5", "o6")} == {merged.id}
    assert revenue(crm)[merged.name] == Decimal("1500.00")
    alone = crm.unmerge(merged.id, Identity("shop", "b"))
    links = assert_links_current(crm)
    assert {links[("orders", name)] for name in ("o3", "o6")} == {alone.id}
    assert links[("interactions", "i3")] == alone.id
    assert revenue(crm)["Boris"] == Decimal("900.00")


def test_a_new_customer_takes_the_rows_naming_their_phone(crm):
    """Rows of nobody are linked once a customer holding their phone is resolved."""
    fill(crm)
    crm.ingest_customers("shop", [{"external_id": "n", "name": "Nina", "phones": ["84951119999"]}])
    links = assert_links_current(crm)
    nina = customer_id(crm, "n")
    assert (links[("orders", "o4")], links[("interactions", "i4")]) == (nina, nina)
    assert revenue(crm)["Nina"] == Decimal("400.00")


def test_a_full_resolution_links_every_row_again(crm):
    """A full run rewrites every customer; the links still match the lookup."""
    fill(crm)
    crm.resolve(full=True)
    assert_links_current(crm)


def alembic_config() -> Config:
    """Return an Alembic configuration on crmkit's bundled migrations."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("crmkit.store") / "migrations"))
    return config


def test_the_migration_links_the_rows_of_an_existing_database(crm):
    """Upgrading a 0005 database with orders and interactions links every row."""
    fill(crm)
    config = alembic_config()
    with crm.database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
    with crm.database.engine.connect() as conn:
        assert "customer_id" not in {c["name"] for c in sa.inspect(conn).get_columns("orders")}
    crm.database.migrate()
    links = assert_links_current(crm)
    assert sum(1 for linked in links.values() if linked is not None) == 9


def test_reminders_skip_the_promises_and_complaints_of_nobody(crm):
    """A callback promised or a complaint opened by an unknown caller reminds of nothing."""
    fill(crm)
    crm.ingest_interactions(
        "pbx",
        [
            {**call("p1", {"phones": [PHONES["clara"]]}), "outcome": "callback"},
            {**call("p2", {"phones": [PHONES["nobody"]]}), "outcome": "callback"},
            {**call("c1", {"phones": [PHONES["clara"]]}), "channel": "complaint"},
            {**call("c2", {"phones": [PHONES["nobody"]]}), "channel": "complaint"},
        ],
    )
    found = [(r.kind, r.name) for r in crm.reminders(7, now=NOW)]
    assert sorted(found) == [("complaint", "Clara"), ("follow_up", "Clara")]


def test_a_resolution_committing_during_a_projection_relinks_its_rows(open_crm, monkeypatch):
    """The order ends on the customer its identity names, not on the phone's old owner."""
    crm = open_crm(default_region="RU")
    other = open_crm(default_region="RU")
    crm.ingest_customers("shop", [{"external_id": "a", "name": "Anna", "phones": [PHONES["anna"]]}])
    original = order_projection.link_rows
    resolution: list[threading.Thread] = []

    def link_rows_then_resolve_meanwhile(conn: Any, table: Any, keys: Any) -> None:
        original(conn, table, keys)
        if table is orders and not resolution:
            nina = {"external_id": "n", "name": "Nina", "phones": ["+74951112222"]}
            thread = threading.Thread(target=other.ingest_customers, args=("shop", [nina]))
            resolution.append(thread)
            thread.start()
            thread.join(HOLD_SECONDS)  # the projection's transaction is still open here

    monkeypatch.setattr(order_projection, "link_rows", link_rows_then_resolve_meanwhile)
    crm.ingest_orders(
        "shop", [order("o1", "100", {"external_id": "n", "phones": [PHONES["anna"]]})]
    )
    resolution[0].join()

    links = assert_links_current(crm)
    assert links[("orders", "o1")] == customer_id(crm, "n") != customer_id(crm, "a")
