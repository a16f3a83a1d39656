"""Queries that run at once, each on a connection of its own, where the database allows it."""

from __future__ import annotations

import concurrent.futures
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.store.database import Database

P = ParamSpec("P")
T = TypeVar("T")


class InlineExecutor(concurrent.futures.Executor):
    """An executor that runs each job at once, in the calling thread."""

    def submit(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        """Run ``fn(*args, **kwargs)`` now; return its finished future."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - the future carries it, as a thread's would
            future.set_exception(exc)
        return future


def side_by_side(database: Database, jobs: int) -> concurrent.futures.Executor:
    """Return an executor for up to ``jobs`` queries at once, each on its own connection.

    The schema is checked first, once, before any thread connects. A database whose
    engine shares one connection (an in-memory SQLite: ``StaticPool``) cannot serve two
    threads at once: there the jobs run one after another in the calling thread.
    """
    database.ensure_schema()
    if isinstance(database.engine.pool, StaticPool):
        return InlineExecutor()
    return concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
