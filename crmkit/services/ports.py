"""The storage interfaces the services need; ``crmkit.store`` implements them with SQLAlchemy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import attrs

from crmkit.domain import Identity

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from contextlib import AbstractContextManager

    from crmkit.domain import DeadLetter, SourceRecord


class RecordSession(Protocol):
    """Reads and writes source records and dead letters inside one transaction."""

    def latest_versions(
        self, source: str, stream: str, external_ids: Iterable[str]
    ) -> dict[str, tuple[int, str]]:
        """Return ``{external_id: (version, payload_hash)}`` of the newest stored versions."""
        ...

    def add_records(self, records: Sequence[SourceRecord]) -> list[int]:
        """Store new record versions; return their ids in the same order."""
        ...

    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> int:
        """Store dead letters not already open for the same raw text; return how many."""
        ...

    def get_state(self, name: str) -> str | None:
        """Return a stored state value (a cursor, a projection mark), or ``None``."""
        ...

    def set_state(self, name: str, value: str) -> None:
        """Store a state value, in the same transaction as the data it describes."""
        ...


class RecordStore(Protocol):
    """Opens transactions on the record store."""

    def transaction(self) -> AbstractContextManager[RecordSession]:
        """Return a context manager for one transaction: commit on success, roll back on error."""
        ...


@attrs.frozen
class Partial:
    """What an incremental run rewrites: the customers it re-clustered and their records.

    ``customers``: the ids whose records were re-clustered (all their identities and keys
    are replaced); ``identities``: every identity re-clustered (review items outside them
    stay as they are); ``dropped_records``: record versions whose keys are superseded.
    """

    customers: frozenset[int]
    identities: frozenset[Identity]
    dropped_records: frozenset[int]
