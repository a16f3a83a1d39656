"""Records' parsed facts parked in a temporary file while the matching runs.

Survivorship needs every record's facts and their normal forms, but only after the
matching, which needs the memory. A :class:`FactsSpill` encodes them with msgspec's
MessagePack (a few hundred bytes a record, a microsecond or two) into an anonymous temporary
file as they are parsed, and decodes one record back by its position on demand (reads that
go through the page cache, not the process's memory).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import weakref
from array import array
from typing import Any

import msgspec

from crmkit.domain import PartyFacts
from crmkit.errors import CrmkitError
from crmkit.identity.normalize import NormalizedFacts

_Entry = tuple[PartyFacts, NormalizedFacts, dt.datetime | None]


class FactsSpill:
    """Parsed records (facts, normal forms, received time) stored by position, in a file.

    Entries msgspec cannot encode faithfully (a value outside MessagePack's integers, a
    facts type other than :class:`PartyFacts`) stay in memory instead. The file is deleted
    by :meth:`close`, or when the spill is garbage-collected.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close() or finalize
        self._close_file = weakref.finalize(self, self._file.close)
        self._offsets: array[int] = array("q", [0])
        self._kept: dict[int, _Entry] = {}
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(_Entry)
        self._unflushed = False

    def __len__(self) -> int:
        """Return how many entries the spill holds."""
        return len(self._offsets) - 1

    def append(
        self, facts: PartyFacts, normal: NormalizedFacts, received_at: dt.datetime | None
    ) -> int:
        """Store one record's entry; return its position."""
        entry = (facts, normal, received_at)
        if type(facts) is not PartyFacts or type(normal) is not NormalizedFacts:
            return self._keep(entry)
        try:
            blob = self._encoder.encode(entry)
        except (msgspec.EncodeError, OverflowError, TypeError):
            return self._keep(entry)
        return self.append_blob(blob)

    def append_blob(self, blob: bytes) -> int:
        """Store an encoded entry (from :meth:`blob` of another spill); return its position.

        Raises :class:`~crmkit.errors.CrmkitError` naming the temporary folder when the
        file cannot grow (a full disk).
        """
        try:
            self._file.write(blob)
        except OSError as exc:
            raise self._failure(exc) from exc
        self._offsets.append(self._offsets[-1] + len(blob))
        self._unflushed = True
        return len(self) - 1

    def extend(self, other: FactsSpill) -> None:
        """Append every entry of ``other``, in its order."""
        for position in range(len(other)):
            kept = other._kept.get(position)
            if kept is not None:
                self._keep(kept)
            else:
                self.append_blob(other.blob(position))

    def blob(self, position: int) -> bytes:
        """Return the encoded entry at ``position`` (empty for one kept in memory)."""
        start, end = self._offsets[position], self._offsets[position + 1]
        try:
            if self._unflushed:
                self._file.flush()
                self._unflushed = False
            return os.pread(self._file.fileno(), end - start, start)
        except OSError as exc:
            raise self._failure(exc) from exc

    def get(self, position: int) -> _Entry:
        """Return ``(facts, normal forms, received_at)`` of the entry at ``position``."""
        kept = self._kept.get(position)
        if kept is not None:
            return kept
        entry: _Entry = self._decoder.decode(self.blob(position))
        return entry

    def close(self) -> None:
        """Delete the file and forget every entry (a failure to flush it is of no interest)."""
        try:
            with contextlib.suppress(OSError):
                self._close_file()
        finally:
            self._kept.clear()
            self._offsets = array("q", [0])
            self._unflushed = False

    def _failure(self, exc: OSError) -> CrmkitError:
        """Return the error saying that the records' facts could not be kept on disk."""
        return CrmkitError(
            f"cannot keep the records' facts in a temporary file in {tempfile.gettempdir()} "
            f"({exc.strerror or exc}) after {self._offsets[-1]:,} bytes: set TMPDIR to a "
            "folder with room for about 0.5 KiB a record"
        )

    def _keep(self, entry: Any) -> int:
        """Keep an entry in memory; return its position."""
        self._offsets.append(self._offsets[-1])
        position = len(self) - 1
        self._kept[position] = entry
        return position
