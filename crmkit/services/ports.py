"""The storage interfaces the services need; ``crmkit.store`` implements them with SQLAlchemy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from contextlib import AbstractContextManager

    from crmkit.domain import Customer, DeadLetter, SourceRecord


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


class CustomerSession(Protocol):
    """Reads and writes the customer projection inside one transaction."""

    def records_after(
        self, stream: str, after_id: int, limit: int
    ) -> list[tuple[int, str, str, str, Any]]:
        """Return ``(id, source, external_id, record JSON, received_at)`` past ``after_id``."""
        ...

    def customer_ids_for(self, identities: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Return the customer id of each known ``(source, external_id)``."""
        ...

    def save_customers(self, customers: Sequence[tuple[Customer, int]]) -> list[int]:
        """Insert or update customers (id 0 inserts); ``int`` is each one's record id."""
        ...

    def get_state(self, name: str) -> str | None:
        """Return a stored state value, or ``None``."""
        ...

    def set_state(self, name: str, value: str) -> None:
        """Store a state value in this transaction."""
        ...


class CustomerStore(Protocol):
    """Opens transactions on the customer projection."""

    def transaction(self) -> AbstractContextManager[CustomerSession]:
        """Return a context manager for one transaction."""
        ...
