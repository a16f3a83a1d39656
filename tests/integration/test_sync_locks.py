"""Two sync workers never process the same source stream at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import importlib
import socket
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import crmkit
from crmkit.config import load_config
from crmkit.domain import utc_now
from crmkit.store import Database
from crmkit.store.sync import SqlSyncStore
from crmkit.store.tables import source_records, sync_locks
from crmkit.sync.locks import acquire_stream_lock, lock_key

PLUGINS_DIR = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def modules(monkeypatch):
    """Return the fixture plugin and the loopback server module."""
    monkeypatch.syspath_prepend(str(PLUGINS_DIR))
    return (
        importlib.import_module("crmkit_fixture_sync"),
        importlib.import_module("crmkit_fixture_sync_server"),
    )


@pytest.fixture
def databases(database_url):
    """Return ``new()``: another Database on the test database, disposed afterwards."""
    opened = []

    def new():
        database = Database(database_url)
        database.ensure_schema()
        opened.append(database)
        return database

    yield new
    for database in opened:
        database.dispose()


def test_a_held_stream_lock_is_refused_to_another_engine_until_released(databases):
    """The second engine gets no lock without waiting; after release it does."""
    first, second = databases(), databases()
    held = acquire_stream_lock(first, "shop", "customers", wait=False)
    assert held is not None
    assert acquire_stream_lock(second, "shop", "customers", wait=False) is None
    other = acquire_stream_lock(second, "shop", "orders", wait=False)
    assert other is not None
    other.release()
    held.release()
    again = acquire_stream_lock(second, "shop", "customers", wait=False)
    assert again is not None
    again.release()


def test_a_waiting_engine_gets_the_lock_when_it_is_released(databases):
    """wait=True blocks, says so once, and returns the lock after the holder lets go."""
    first, second = databases(), databases()
    held = acquire_stream_lock(first, "shop", "customers", wait=False)
    told, got = [], []
    waiter = threading.Thread(
        target=lambda: got.append(
            acquire_stream_lock(
                second, "shop", "customers", wait=True, on_wait=told.append, poll_seconds=0.05
            )
        )
    )
    waiter.start()
    time.sleep(0.5)
    assert got == []
    assert told == ["stream customers of source shop is being synced by another process: waiting"]
    held.release()
    waiter.join(timeout=10)
    assert got
    assert got[0] is not None
    got[0].release()


@pytest.mark.postgresql
def test_on_postgresql_the_lock_is_an_advisory_lock_held_by_the_session(databases):
    """pg_locks shows the advisory lock on the stream's key while it is held, and not after."""
    first, observer = databases(), databases()
    if not first.is_postgresql:
        pytest.skip("advisory locks are PostgreSQL's")
    key = lock_key("shop", "customers")
    query = sa.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND ((classid::bigint << 32) | objid::bigint) = :key"
    )
    held = acquire_stream_lock(first, "shop", "customers", wait=False)
    with observer.engine.connect() as conn:
        assert conn.scalar(query, {"key": key}) == 1
    held.release()
    with observer.engine.connect() as conn:
        assert conn.scalar(query, {"key": key}) == 0


def test_the_lock_of_a_process_that_died_is_taken_over_on_sqlite(tmp_path):
    """A lock row whose owner process is gone, or whose heartbeat is stale, is taken over.

    (On PostgreSQL the lock goes with the dead process's session: nothing to take over.)
    """
    database = Database(f"sqlite:///{tmp_path / 'locks.db'}")
    database.ensure_schema()
    store = SqlSyncStore(database)
    host = socket.gethostname()
    assert store.take_lock_row("shop", "customers", f"{host}:999999999:dead", None)
    lock = acquire_stream_lock(database, "shop", "customers", wait=False)
    assert lock is not None
    lock.release()

    assert store.take_lock_row("shop", "customers", "elsewhere:1:x", None)
    assert acquire_stream_lock(database, "shop", "customers", wait=False) is None
    stale = utc_now().replace(year=2020)
    with database.begin() as conn:
        conn.execute(sync_locks.update().values(heartbeat_at=stale))
    lock = acquire_stream_lock(database, "shop", "customers", wait=False)
    assert lock is not None
    lock.release()
    database.dispose()


def test_two_concurrent_workers_never_process_the_same_stream(modules, database_url, tmp_path):
    """Worker A syncs (the API stalls); B with --no-wait is busy; C waits and reads on from A."""
    plugin, server_module = modules
    server = server_module.PagedApi({"customers": server_module.customers(60)})
    server.stall_after = 30
    server.start()
    config_file = tmp_path / "crmkit.toml"
    config_file.write_text(
        f'[sources.api]\nadapter = "fixture-pages"\nurl = "{server.url}"\n'
        "page_size = 10\nbatch_size = 10\n",
        encoding="utf-8",
    )
    config = load_config(config_file)
    workers = [crmkit.open(database_url, entrypoints=False, plugins=(plugin,)) for _ in range(3)]
    results = {}

    def run(name, crm, wait):
        results[name] = crm.sync(config, wait=wait, resolve=False)

    try:
        a = threading.Thread(target=run, args=("a", workers[0], True))
        a.start()
        assert server.stalled.wait(10)
        run("b", workers[1], wait=False)
        c = threading.Thread(target=run, args=("c", workers[2], True))
        c.start()
        time.sleep(0.5)
        assert "c" not in results
        server.release.set()
        a.join(timeout=20)
        c.join(timeout=20)
    finally:
        server.stop()
        for crm in workers:
            crm.close()
    [busy] = results["b"].streams
    assert busy.status == "busy"
    assert busy.message == "stream customers of source api is being synced by another process"
    assert results["a"].streams[0].outcome.new == 60
    assert results["c"].streams[0].outcome.read == 0
    afters = [r["params"]["after"] for r in server.requests_to("customers")]
    assert afters == ["0", "10", "20", "30", "40", "50", "60"]
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        count = conn.scalar(sa.select(sa.func.count()).select_from(source_records))
    engine.dispose()
    assert count == 60
