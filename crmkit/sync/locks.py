"""One process at a time per source stream, coordinated by the database itself.

PostgreSQL: a session-level advisory lock on a 64-bit hash of (source, stream), taken on a
connection of its own that is held for as long as the stream runs. A process that dies,
even by SIGKILL, loses its connection and with it the lock: nothing is left to clean up.

SQLite in memory is private to its process and needs no lock. SQLite in a file (one
machine, one writer at a time): a row in ``sync_locks`` names the owner (host,
process id) and carries a heartbeat refreshed by a background thread. A lock whose owner
process is gone (same host) or whose heartbeat is older than ``stale_after`` seconds (another
host) is taken over, with a compare-and-swap so two takers cannot both win.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import threading
import time
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa

from crmkit.domain import utc_now
from crmkit.store.sync import SqlSyncStore

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from crmkit.store.database import Database

log = logging.getLogger("crmkit.sync")

DEFAULT_STALE_AFTER = 120.0
DEFAULT_POLL_SECONDS = 0.5


class StreamLock(Protocol):
    """A held lock on one source stream."""

    def release(self) -> None:
        """Give the lock up."""


def lock_key(source: str, stream: str) -> int:
    """Return the signed 64-bit advisory lock key of a source stream."""
    digest = hashlib.blake2b(f"crmkit-sync\0{source}\0{stream}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def acquire_stream_lock(
    database: Database,
    source: str,
    stream: str,
    *,
    wait: bool,
    on_wait: Callable[[str], None] | None = None,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    stale_after: float = DEFAULT_STALE_AFTER,
) -> StreamLock | None:
    """Lock ``stream`` of ``source`` for this process; return the lock, or ``None`` if busy.

    With ``wait`` the call blocks until the lock is free (``on_wait`` is told once, with a
    message naming the stream and source); without, it returns ``None`` at once when another
    process holds it.
    """
    if database.is_postgresql:
        return AdvisoryLock.acquire(database, source, stream, wait=wait, on_wait=on_wait)
    if database.is_sqlite and database.url.database in (None, "", ":memory:"):
        return _ProcessLocal()
    return RowLock.acquire(
        database,
        source,
        stream,
        wait=wait,
        on_wait=on_wait,
        poll_seconds=poll_seconds,
        stale_after=stale_after,
    )


class _ProcessLocal:
    """The lock of an in-memory SQLite database, which no other process can open."""

    def release(self) -> None:
        """Nothing to give up."""


def _busy(source: str, stream: str) -> str:
    return f"stream {stream} of source {source} is being synced by another process"


class AdvisoryLock:
    """A PostgreSQL session advisory lock held on a dedicated connection."""

    def __init__(self, conn: sa.Connection, key: int) -> None:
        self.conn = conn
        self.key = key

    @classmethod
    def acquire(
        cls,
        database: Database,
        source: str,
        stream: str,
        *,
        wait: bool,
        on_wait: Callable[[str], None] | None,
    ) -> AdvisoryLock | None:
        """Return the held lock, or ``None`` when busy and not ``wait``-ing."""
        key = lock_key(source, stream)
        database.ensure_schema()
        conn = database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            if not conn.scalar(sa.select(sa.func.pg_try_advisory_lock(key))):
                if not wait:
                    conn.close()
                    return None
                if on_wait is not None:
                    on_wait(f"{_busy(source, stream)}: waiting")
                conn.execute(sa.select(sa.func.pg_advisory_lock(key)))
        except BaseException:
            conn.close()
            raise
        return cls(conn, key)

    def release(self) -> None:
        """Unlock and return the connection to the pool."""
        try:
            self.conn.execute(sa.select(sa.func.pg_advisory_unlock(self.key)))
        finally:
            self.conn.close()


class RowLock:
    """A lock row in ``sync_locks`` with an owner and a heartbeat thread."""

    def __init__(self, store: SqlSyncStore, source: str, stream: str, owner: str) -> None:
        self.store = store
        self.source = source
        self.stream = stream
        self.owner = owner
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, name="crmkit-lock", daemon=True)

    @classmethod
    def acquire(
        cls,
        database: Database,
        source: str,
        stream: str,
        *,
        wait: bool,
        on_wait: Callable[[str], None] | None,
        poll_seconds: float,
        stale_after: float,
    ) -> RowLock | None:
        """Return the held lock, or ``None`` when busy and not ``wait``-ing."""
        store = SqlSyncStore(database)
        owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        told = False
        while True:
            row = store.lock_row(source, stream)
            if row is None or _abandoned(row, stale_after):
                if row is not None:
                    log.warning(
                        "taking over the abandoned lock of %s/%s from %s", source, stream, row[0]
                    )
                if store.take_lock_row(source, stream, owner, row[0] if row else None):
                    lock = cls(store, source, stream, owner)
                    lock._beat.start()
                    return lock
                continue
            if not wait:
                return None
            if not told and on_wait is not None:
                on_wait(f"{_busy(source, stream)}: waiting")
                told = True
            time.sleep(poll_seconds)

    def _heartbeat(self) -> None:
        interval = max(min(DEFAULT_STALE_AFTER / 4, 30.0), 0.05)
        while not self._stop.wait(interval):
            try:
                self.store.beat_lock_row(self.source, self.stream, self.owner)
            except sa.exc.SQLAlchemyError as exc:
                log.warning("cannot refresh the lock of %s/%s: %s", self.source, self.stream, exc)

    def release(self) -> None:
        """Stop the heartbeat and delete the lock row."""
        self._stop.set()
        self._beat.join(timeout=5)
        self.store.drop_lock_row(self.source, self.stream, self.owner)


def _abandoned(row: tuple[str, dt.datetime], stale_after: float) -> bool:
    """Return True when a lock row's owner is gone (same host) or its heartbeat is stale."""
    owner, heartbeat = row
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host == socket.gethostname() and pid_text.isdigit() and not _process_alive(int(pid_text)):
        return True
    return (utc_now() - heartbeat).total_seconds() > stale_after


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
