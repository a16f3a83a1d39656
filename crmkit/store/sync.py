"""What the sync engine keeps: cursors, stream locks (SQLite), run history, dead-letter status."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from crmkit.domain import DeadLetter, utc_now
from crmkit.services.ingest import cursor_state_name
from crmkit.store.records import _dead_letter
from crmkit.store.tables import dead_letters, state, sync_locks, sync_runs

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crmkit.store.database import Database


@attrs.frozen
class SyncRun:
    """One stream of one ``crmkit sync``, as recorded when it ended."""

    source: str
    stream: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    dead_lettered: int = 0
    attempts: int = 1
    message: str = ""
    id: int | None = None


class SqlSyncStore:
    """The sync engine's tables and state rows over a :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # cursors ------------------------------------------------------------------------------

    def cursor(self, source: str, stream: str) -> str | None:
        """Return the committed cursor of a source stream, or ``None`` if it has none."""
        name = cursor_state_name(source, stream)
        with self.database.connect() as conn:
            value: str | None = conn.scalar(sa.select(state.c.value).where(state.c.name == name))
            return value

    def clear_cursor(self, source: str, stream: str) -> None:
        """Forget the cursor of a source stream, so the next read starts from the beginning."""
        name = cursor_state_name(source, stream)
        with self.database.begin() as conn:
            conn.execute(state.delete().where(state.c.name == name))

    # run history --------------------------------------------------------------------------

    def add_run(self, run: SyncRun) -> None:
        """Record how one stream of a sync ended."""
        values = attrs.asdict(run)
        values.pop("id")
        with self.database.begin() as conn:
            conn.execute(sync_runs.insert().values(**values))

    def last_runs(self, source: str | None = None) -> dict[tuple[str, str], SyncRun]:
        """Return the latest run of every (source, stream), optionally of one source only."""
        t = sync_runs.c
        latest = sa.select(sa.func.max(t.id)).group_by(t.source, t.stream)
        if source is not None:
            latest = latest.where(t.source == source)
        query = sa.select(sync_runs).where(t.id.in_(latest)).order_by(t.source, t.stream)
        with self.database.connect() as conn:
            return {(r.source, r.stream): _run(r) for r in conn.execute(query).mappings()}

    # dead letters -------------------------------------------------------------------------

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        """Return one dead letter by id, or ``None``."""
        query = sa.select(dead_letters).where(dead_letters.c.id == letter_id)
        with self.database.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _dead_letter(row) if row is not None else None

    def set_dead_letter_status(self, ids: Iterable[int], status: str) -> int:
        """Set the status of open dead letters ``ids``; return how many changed."""
        wanted = list(ids)
        if not wanted:
            return 0
        t = dead_letters.c
        update = (
            dead_letters.update().where(t.id.in_(wanted), t.status == "open").values(status=status)
        )
        with self.database.begin() as conn:
            return int(conn.execute(update).rowcount)

    def set_dead_letter_reason(self, letter_id: int, reason: str) -> None:
        """Replace the reason of a dead letter (a retry found a new problem)."""
        update = dead_letters.update().where(dead_letters.c.id == letter_id).values(reason=reason)
        with self.database.begin() as conn:
            conn.execute(update)

    # stream lock rows (databases without advisory locks) --------------------------------

    def lock_row(self, source: str, stream: str) -> tuple[str, dt.datetime] | None:
        """Return ``(owner, heartbeat_at)`` of a stream's lock row, or ``None`` if free."""
        t = sync_locks.c
        query = sa.select(t.owner, t.heartbeat_at).where(t.source == source, t.stream == stream)
        with self.database.connect() as conn:
            row = conn.execute(query).first()
        return (row.owner, row.heartbeat_at) if row is not None else None

    def take_lock_row(self, source: str, stream: str, owner: str, replace: str | None) -> bool:
        """Take a stream's lock row for ``owner``; return whether it is now ours.

        With ``replace`` (the owner last seen, unique to each acquisition), the row is taken
        over only if that owner still holds it, so two processes taking over an abandoned
        lock cannot both win.
        """
        t = sync_locks.c
        now = utc_now()
        try:
            with self.database.begin() as conn:
                if replace is None:
                    conn.execute(
                        sync_locks.insert().values(
                            source=source,
                            stream=stream,
                            owner=owner,
                            acquired_at=now,
                            heartbeat_at=now,
                        )
                    )
                    return True
                taken = conn.execute(
                    sync_locks.update()
                    .where(t.source == source, t.stream == stream, t.owner == replace)
                    .values(owner=owner, acquired_at=now, heartbeat_at=now)
                ).rowcount
                return bool(taken)
        except sa.exc.IntegrityError:
            return False

    def beat_lock_row(self, source: str, stream: str, owner: str) -> bool:
        """Refresh the heartbeat of our lock row; return False if it is no longer ours."""
        t = sync_locks.c
        update = (
            sync_locks.update()
            .where(t.source == source, t.stream == stream, t.owner == owner)
            .values(heartbeat_at=utc_now())
        )
        with self.database.begin() as conn:
            return bool(conn.execute(update).rowcount)

    def drop_lock_row(self, source: str, stream: str, owner: str) -> None:
        """Delete our lock row (nothing happens if another owner holds it now)."""
        t = sync_locks.c
        delete = sync_locks.delete().where(t.source == source, t.stream == stream, t.owner == owner)
        with self.database.begin() as conn:
            conn.execute(delete)


def _run(row: Any) -> SyncRun:
    return SyncRun(**row)
