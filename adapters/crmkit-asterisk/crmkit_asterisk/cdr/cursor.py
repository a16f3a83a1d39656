"""Where the CDR reader stopped, in a way that survives log rotation.

The cursor remembers the file's inode, the byte offset after the last complete line read,
and a fingerprint of the file's first bytes. On the next run, a file with another inode, a
size below the offset or other first bytes has been rotated or truncated: the reader then
finishes the old file where it stopped (found beside it by inode or fingerprint, as
``Master.csv.1`` or ``Master.csv-20261102``) and reads the new one from its start, so no row
is read twice or skipped.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import attrs

#: How many leading bytes identify a file.
HEAD_BYTES = 256
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")


def _head(path: Path, length: int) -> str:
    with path.open("rb") as handle:
        return hashlib.blake2b(handle.read(length), digest_size=12).hexdigest()


@attrs.frozen
class FileCursor:
    """A position in one file: ``inode``, ``offset`` and the fingerprint of its first bytes."""

    inode: int
    offset: int
    head: str
    head_len: int

    @classmethod
    def at(cls, path: Path, offset: int) -> FileCursor:
        """Return the cursor at ``offset`` in ``path`` as it is now."""
        stat = path.stat()
        length = min(stat.st_size, HEAD_BYTES)
        return cls(stat.st_ino, offset, _head(path, length), length)

    def dumps(self) -> str:
        """Return the cursor as the JSON text the sync engine stores."""
        return json.dumps(attrs.asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: Any) -> FileCursor | None:
        """Return the cursor stored as ``text``, or ``None`` for none or an unreadable one."""
        if not text:
            return None
        try:
            data = json.loads(str(text))
            return cls(
                int(data["inode"]), int(data["offset"]), str(data["head"]), int(data["head_len"])
            )
        except (ValueError, KeyError, TypeError):
            return None

    def fits(self, path: Path) -> bool:
        """Return True when ``path`` is the file this cursor was taken in (possibly grown)."""
        try:
            stat = path.stat()
        except OSError:
            return False
        if stat.st_size < self.offset or stat.st_size < self.head_len:
            return False
        return _head(path, self.head_len) == self.head


@attrs.frozen
class Segment:
    """A stretch of one file to read: from ``start`` to its end."""

    path: Path
    start: int
    current: bool


def _rotated(path: Path, cursor: FileCursor) -> Path | None:
    """Return the rotated copy of the file ``cursor`` was taken in, if it lies beside ``path``."""
    candidates = sorted(
        p
        for p in path.parent.glob(f"{path.name}*")
        if p != path and p.is_file() and not p.name.endswith(_COMPRESSED)
    )
    fitting = [p for p in candidates if cursor.fits(p)]
    same_inode = [p for p in fitting if p.stat().st_ino == cursor.inode]
    chosen = same_inode or fitting
    return chosen[0] if chosen else None


def plan(path: Path, cursor: FileCursor | None) -> list[Segment]:
    """Return what to read after ``cursor``: the rest of the file, or of a rotated one first."""
    if cursor is None:
        return [Segment(path, 0, current=True)]
    if path.stat().st_ino == cursor.inode and cursor.fits(path):
        return [Segment(path, cursor.offset, current=True)]
    old = _rotated(path, cursor)
    tail = [Segment(old, cursor.offset, current=False)] if old is not None else []
    return [*tail, Segment(path, 0, current=True)]
