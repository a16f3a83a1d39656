"""The bundled Alembic migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import gc
import warnings
from importlib import resources

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import crmkit
from crmkit.errors import SchemaVersionError
from crmkit.store import Database
from crmkit.store.tables import metadata


def packaged_head() -> str:
    """Return the head revision of the migrations shipped inside the crmkit package."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("crmkit.store") / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def collect_leaked_connections() -> None:
    """Collect garbage, silencing the ResourceWarning of connections a refused open leaked.

    BUG: crmkit.open does not dispose its engine when the schema check fails; see
    test_a_refused_open_leaves_no_connection_open_on_the_server.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def stored_revisions(engine: sa.Engine) -> list[str]:
    """Return every row of ``alembic_version``."""
    with engine.connect() as conn:
        return list(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))


def test_opening_an_empty_database_creates_every_table_at_the_head_revision(crm):
    """crmkit.open migrates an empty database: every table exists and alembic_version is head."""
    tables = set(sa.inspect(crm.database.engine).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}
    assert stored_revisions(crm.database.engine) == [packaged_head()]


def test_the_migrated_schema_matches_the_table_definitions(crm):
    """Alembic finds no difference between the migrated database and crmkit's tables."""
    with crm.database.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_migrating_twice_is_harmless(crm, database_url):
    """A second migrate, and a second open, change nothing and keep the data."""
    crm.ingest_customers("shop", [{"external_id": "1", "name": "Ivan"}])
    crm.init()
    crm.init()
    assert stored_revisions(crm.database.engine) == [packaged_head()]
    again = crmkit.open(database_url, entrypoints=False)
    try:
        again.init()
        assert [c.name for c in again.customers()] == ["Ivan"]
    finally:
        again.close()


def test_the_schema_is_created_on_first_use_when_open_does_not_create_it(open_crm):
    """With create=False nothing is created until the first use, which migrates."""
    crm = open_crm(create=False)
    assert crm.database.current_revision() is None
    assert "source_records" not in set(crm.database.iter_tables())
    crm.ingest_customers("shop", [{"external_id": "1", "name": "Ivan"}])
    assert crm.database.current_revision() == packaged_head()
    assert crm.count_customers() == 1


@pytest.fixture
def database_from_the_future(crm, database_url) -> str:
    """Return the URL of a database stamped with a revision this crmkit does not know."""
    crm.ingest_customers("shop", [{"external_id": "1", "name": "Ivan"}])
    with crm.database.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    crm.close()
    return database_url


def test_a_database_stamped_with_a_newer_revision_is_refused_on_open(database_from_the_future):
    """crmkit.open refuses a database at an unknown revision, naming it and what to do."""
    with pytest.raises(SchemaVersionError) as caught:
        crmkit.open(database_from_the_future, entrypoints=False).close()
    message = str(caught.value)
    del caught
    collect_leaked_connections()
    assert "9999_from_the_future" in message
    assert "newer crmkit" in message
    assert "upgrade crmkit" in message


def test_a_database_stamped_with_a_newer_revision_is_refused_by_init_and_left_alone(
    database_from_the_future,
):
    """Migrating refuses an unknown revision and neither restamps nor touches the data."""
    database = Database(database_from_the_future)
    try:
        with pytest.raises(SchemaVersionError, match="9999_from_the_future"):
            database.migrate()
        assert stored_revisions(database.engine) == ["9999_from_the_future"]
        with database.engine.connect() as conn:
            count = conn.scalar(sa.text("SELECT count(*) FROM source_records"))
        assert count == 1
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "database_url",
    [pytest.param("postgresql", marks=pytest.mark.postgresql)],
    indirect=True,
)
def test_a_refused_open_leaves_no_connection_open_on_the_server(database_from_the_future):
    """After crmkit.open refuses a database, no connection of it stays open on the server."""
    server = sa.create_engine(database_from_the_future, poolclass=sa.pool.NullPool)
    gc.disable()
    try:
        with contextlib.suppress(SchemaVersionError):
            crmkit.open(database_from_the_future, entrypoints=False)
        with server.connect() as conn:
            others = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert others == 0
    finally:
        collect_leaked_connections()
        gc.enable()
        server.dispose()


def test_a_database_from_before_incremental_resolution_upgrades_and_matches_old_records(
    database_url,
):
    """A 0002 database with records and an old run's state upgrades on open, data kept.

    Its records have no stored keys yet, so the first resolution after the upgrade runs in
    full (an incremental one would find none of the old records) and links a new record to
    an old one.
    """
    old = Database(database_url)
    old.migrate("0002")
    received = "2026-11-01 10:00:00+00:00"
    people = [("c-1", "Иванов Пётр", "+79165551234"), ("c-2", "Сидорова Анна", "+79031112233")]
    people.append(("c-3", "Козлов Олег", "+79260000001"))
    with old.begin() as conn:
        for number, (external_id, name, phone) in enumerate(people, start=1):
            payload = f'{{"external_id": "{external_id}", "name": "{name}", "phones": ["{phone}"]}}'
            record_id = conn.execute(
                sa.text(
                    "INSERT INTO source_records (source, stream, external_id, version, payload,"
                    " payload_hash, received_at) VALUES ('erp', 'customers', :external_id, 1,"
                    " :payload, :hash, :received) RETURNING id"
                ),
                {
                    "external_id": external_id,
                    "payload": payload,
                    "hash": f"h{number}",
                    "received": received,
                },
            ).scalar_one()
            customer_id = conn.execute(
                sa.text(
                    "INSERT INTO customers (kind, name, golden, created_at, updated_at)"
                    " VALUES ('person', :name, '{}', :received, :received) RETURNING id"
                ),
                {"name": name, "received": received},
            ).scalar_one()
            conn.execute(
                sa.text(
                    "INSERT INTO customer_identities (source, external_id, customer_id, record_id)"
                    " VALUES ('erp', :external_id, :customer, :record)"
                ),
                {"external_id": external_id, "customer": customer_id, "record": record_id},
            )
        conn.execute(
            sa.text(
                "INSERT INTO crmkit_state (name, value) VALUES"
                " ('resolution:model', '{}'), ('resolution:last_record_id', '3')"
            )
        )
    old.dispose()
    crm = crmkit.open(database_url, entrypoints=False, default_region="RU")
    try:
        assert stored_revisions(crm.database.engine) == [packaged_head()]
        crm.ingest_customers(
            "shop", [{"external_id": "b-7", "name": "Petr Ivanov", "phones": ["8 916 555 12 34"]}]
        )
        [customer] = crm.find_customers(phone="+7 916 555-12-34")
        assert {str(i) for i in customer.identities} == {"erp/c-1", "shop/b-7"}
        assert crm.resolve().mode == "unchanged"
    finally:
        crm.close()


def test_threads_making_their_first_use_at_once_migrate_once(tmp_path, monkeypatch):
    """Four threads open the schema of a new SQLite file together: one migration, all at head."""
    import threading

    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    runs = []
    migrate = Database.migrate

    def counted(self, revision="head"):
        runs.append(threading.get_ident())
        migrate(self, revision)

    monkeypatch.setattr(Database, "migrate", counted)
    start = threading.Barrier(4)
    failures = []

    def first_use():
        start.wait()
        try:
            db.ensure_schema()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(runs) == 1
    assert db.current_revision() == packaged_head()
    db.engine.dispose()
