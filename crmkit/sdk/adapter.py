"""The adapter contract: a name, a marshmallow config schema, and streams of raw items.

Adapters only read. The engine, not the adapter, validates records, stores them, keeps
cursors and sends bad records to the dead-letter table.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import attrs
import marshmallow

from crmkit.sdk.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from crmkit.domain import RawItem


class Progress(Protocol):
    """Where an adapter reports how far it has read, in units it chooses (bytes, pages)."""

    def set_total(self, total: int | None) -> None:
        """Announce how many units the whole read will take, or ``None`` if unknown."""

    def advance(self, units: int) -> None:
        """Report that ``units`` more units have been read."""


class NoProgress:
    """A :class:`Progress` that ignores every report."""

    def set_total(self, total: int | None) -> None:
        """Ignore the total."""

    def advance(self, units: int) -> None:
        """Ignore the advance."""


@attrs.frozen
class Checkpoint:
    """Yielded by a stream between items: everything before it is covered by ``cursor``.

    The engine stores the cursor in the same transaction as the records before it.
    """

    cursor: Any


@attrs.frozen
class StreamSpec:
    """Describes one stream an adapter offers: its name and what it carries."""

    name: str
    description: str = ""


class Adapter:
    """Base class of every adapter; subclasses set ``name``, ``config_schema`` and ``streams``.

    Override :meth:`check` to test the connection, :meth:`default_streams` when not every
    stream should be read by default, and :meth:`reparse` when a raw payload is not the
    record itself. An instance reads one configured source:
    ``Adapter(source="shop", config={...})`` validates ``config`` with ``config_schema`` and
    raises :class:`ConfigError` naming the source, the key and the problem.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    config_schema: ClassVar[type[marshmallow.Schema]] = marshmallow.Schema
    streams: ClassVar[tuple[StreamSpec, ...]] = ()
    #: The zone of local times the source sends; the sync engine sets it from the source's
    #: ``timezone`` setting. Convert with it before a time reaches a record.
    timezone: dt.tzinfo = dt.UTC

    def __init__(self, source: str, config: Mapping[str, Any]) -> None:
        self.source = source
        self.config: dict[str, Any] = load_settings(
            self.config_schema, config, f"source {source!r} (adapter {self.name!r})"
        )

    @classmethod
    def stream_names(cls) -> list[str]:
        """Return the names of the streams this adapter offers."""
        return [s.name for s in cls.streams]

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield the raw items of ``stream`` after ``cursor`` (``None``: from the start).

        Yield a :class:`Checkpoint` whenever everything read so far is covered by a cursor.
        Report progress through ``progress``. Raise :class:`~crmkit.errors.AdapterError`
        when the source cannot be read at all; a single bad record is yielded as a
        :class:`~crmkit.domain.RawItem` with ``error`` set, never raised.
        """
        raise NotImplementedError

    def check(self) -> str:
        """Test that the source can be reached with this configuration; return what was seen.

        ``crmkit sources check`` calls it. Raise :class:`~crmkit.errors.AdapterError` (or a
        subclass) with the source's own words when it cannot be reached, the credentials are
        refused or the data is not where the configuration says. The default reads nothing.
        """
        return "nothing to check: this adapter does not test its connection"

    def default_streams(self) -> list[str]:
        """Return the streams a sync reads when the source's configuration names none."""
        return self.stream_names()

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:  # noqa: ARG002
        """Return the item for the raw text of a dead letter, mapped again by today's code.

        ``crmkit deadletters retry`` calls it. The default reads ``raw`` as the record itself
        (JSON); adapters whose raw text is not the record (CSV rows, XML) map it here.
        """
        return json_item(raw, position or "dead letter")


def json_item(raw: str, position: str) -> RawItem:
    """Return the item whose raw text is the record itself, as JSON (or why it is not)."""
    import msgspec

    from crmkit.domain import RawItem

    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        return RawItem(raw=raw, data=None, position=position, error=f"malformed JSON: {exc}")
    return RawItem(raw=raw, data=data, position=position, raw_is_record=True)


def reparse_json(
    raw: str, position: str | None, make: Callable[[Any, str], dict[str, Any]]
) -> RawItem:
    """Return the item for a dead letter's raw JSON, mapped again by ``make(data, position)``.

    For adapters whose raw payload is the source's JSON object, not the record: numbers are
    decoded exactly (:func:`~crmkit.sdk.mapping.exact_json`). A letter of a webhook delivery
    that failed verification is refused, so that a forged body is never ingested; text that
    is not JSON, or that ``make`` cannot map, gives an item with ``error`` set.
    """
    import msgspec

    from crmkit.domain import RawItem
    from crmkit.sdk.mapping import exact_json, mapped_item
    from crmkit.webhooks.receiver import is_rejected

    where = position or "dead letter"
    if is_rejected(position):
        return RawItem(raw, None, where, error="bad signature: a forged delivery is never ingested")
    try:
        data = exact_json(raw)
    except msgspec.DecodeError as exc:
        return RawItem(raw, None, where, error=f"malformed JSON: {exc}")
    return mapped_item(raw, where, lambda: make(data, where))
