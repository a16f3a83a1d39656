"""A modified-after cursor for adapters: the newest modification time read, checkpointed safely.

For sources asked for records modified after the cursor, oldest first (WooCommerce's
``modified_after``, Shopify's ``updated_at_min``). Mid-run, the
checkpoint is the newest time strictly before the newest seen (records sharing the newest
time may continue on the next page); at the end, the newest time itself. If the source ever
answers out of order, mid-run checkpoints stop and only the final one is given, so a run
that fails half-way never skips a record.
"""

from __future__ import annotations

import datetime as dt


def normal_time(value: str | None) -> str | None:
    """Return an RFC 3339 time as UTC ``YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00``, or ``None``."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat()


class CursorTracker:
    """Follows the modification times of the records read after cursor ``start``."""

    def __init__(self, start: str | None) -> None:
        self.start = normal_time(start)
        self.newest: str | None = self.start
        self.safe: str | None = self.start
        self.ordered = True

    def is_new(self, when: str | None) -> bool:
        """Return True when a record modified at ``when`` is after the start cursor."""
        normal = normal_time(when)
        return normal is None or self.start is None or normal > self.start

    def see(self, when: str | None) -> None:
        """Note a record modified at ``when`` (UTC RFC 3339)."""
        normal = normal_time(when)
        if normal is None:
            return
        if self.newest is None or normal > self.newest:
            self.safe = self.newest
            self.newest = normal
        elif normal < self.newest and (self.start is None or normal > self.start):
            self.ordered = False

    def checkpoint(self) -> str | None:
        """Return the cursor that is safe to store now, mid-run (``None``: none yet)."""
        return self.safe if self.ordered else None

    def final(self) -> str | None:
        """Return the cursor covering the whole, finished run."""
        return self.newest
