"""Retrying dead letters: map and validate their raw payloads again with today's code and config.

A letter that passes now becomes a record (through the same ingestor as a sync, so versions
and dedup hold) and is marked ``retried``; one that still fails stays open with the new reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from crmkit.domain import Stream
from crmkit.errors import RecordError
from crmkit.services.ingest import Ingestor
from crmkit.store.sync import SqlSyncStore

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crmkit.api import Crmkit
    from crmkit.config import Config
    from crmkit.domain import DeadLetter, RawItem
    from crmkit.schemas import RecordValidator
    from crmkit.sdk.adapter import Adapter

_STREAMS = frozenset(s.value for s in Stream)


@attrs.define
class RetryReport:
    """What a retry did: letters now stored, still bad (with the reason), and left alone.

    ``skipped`` holds letters that were not tried, with why: their source is not configured
    (crmkit would not know how to map their raw payload).
    """

    fixed: list[int] = attrs.field(factory=list)
    still_bad: list[tuple[int, str]] = attrs.field(factory=list)
    not_open: list[int] = attrs.field(factory=list)
    skipped: list[tuple[int, str]] = attrs.field(factory=list)


def retry_letters(crm: Crmkit, letters: Sequence[DeadLetter], config: Config | None) -> RetryReport:
    """Retry ``letters``; return the :class:`RetryReport`.

    Each letter's raw payload is mapped again by its source's adapter, as ``config``
    configures it (:meth:`~crmkit.sdk.Adapter.reparse`). Letters of a source ``config``
    does not name are left alone (``skipped``): a CSV row is not a record, so guessing the
    mapping could store wrong data.
    """
    report = RetryReport()
    store = SqlSyncStore(crm.database)
    groups: dict[tuple[str, str], list[DeadLetter]] = {}
    for letter in letters:
        if letter.status != "open" or letter.id is None:
            report.not_open.append(letter.id or 0)
            continue
        groups.setdefault((letter.source, letter.stream.value), []).append(letter)
    for (source, stream), group in groups.items():
        adapter = _adapter(crm, config, source)
        if adapter is None:
            why = f"source {source!r} is not configured: add [sources.{source}] to retry"
            report.skipped.extend((letter.id or 0, why) for letter in group)
            continue
        validator = crm.validators.get(Stream(stream)) if stream in _STREAMS else None
        good: list[tuple[DeadLetter, RawItem]] = []
        for letter in group:
            item, reason = _recheck(letter, stream, adapter, validator)
            if reason is None:
                good.append((letter, item))
                continue
            assert letter.id is not None  # noqa: S101 - filtered above
            if reason != letter.reason:
                store.set_dead_letter_reason(letter.id, reason)
            report.still_bad.append((letter.id, reason))
        if good and validator is not None:
            Ingestor(
                store=crm.records, validator=validator, source=source, stream=Stream(stream)
            ).run(item for _, item in good)
            ids = [letter.id for letter, _ in good if letter.id is not None]
            store.set_dead_letter_status(ids, "retried")
            report.fixed.extend(ids)
    return report


def _recheck(
    letter: DeadLetter, stream: str, adapter: Adapter, validator: RecordValidator | None
) -> tuple[RawItem, str | None]:
    """Return the letter's item as today's code maps it, and why it is still bad (or None)."""
    item = adapter.reparse(stream, letter.raw, letter.position)
    if item.error is not None:
        return item, item.error
    if validator is None:
        return item, f"this crmkit cannot store the {stream} stream yet"
    try:
        validator.validate(item.data)
    except RecordError as exc:
        return item, exc.reason
    return item, None


def _adapter(crm: Crmkit, config: Config | None, source: str) -> Adapter | None:
    if config is None or source not in config.sources:
        return None
    return config.sources[source].build(crm.adapters())
