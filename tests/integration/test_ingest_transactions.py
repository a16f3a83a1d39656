"""Ingest is streaming and transactional: batches commit whole or not at all."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from crmkit.domain import RawItem
from crmkit.sdk.adapter import Adapter, StreamSpec

if TYPE_CHECKING:
    from collections.abc import Iterator


class SourceWentAwayError(Exception):
    """Raised by the test adapter to stand for a source failing in the middle of a read."""


class ListAdapter(Adapter):
    """A real adapter over a list of records that can fail after a given number of items."""

    name = "test-list"
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers"),)

    def __init__(self, source: str, records: list[dict[str, Any]], fail_after: int | None = None):
        super().__init__(source, {})
        self.records = records
        self.fail_after = fail_after
        self.yielded = 0

    def read(self, stream: str, cursor: Any, progress: Any) -> Iterator[RawItem]:  # noqa: ARG002
        """Yield the records as raw items; raise once ``fail_after`` items were yielded."""
        for number, record in enumerate(self.records, start=1):
            if self.fail_after is not None and number > self.fail_after:
                raise SourceWentAwayError(f"the source went away after item {self.fail_after}")
            self.yielded += 1
            yield RawItem(
                raw=json.dumps(record), data=record, position=f"item {number}", raw_is_record=True
            )


def people(count: int) -> list[dict[str, Any]]:
    """Return ``count`` distinct customer records."""
    return [{"external_id": f"p{n}", "name": f"Person {n}"} for n in range(1, count + 1)]


def stored_ids(crm) -> list[str]:
    """Return the external ids that have at least one stored version, sorted."""
    return sorted(
        external_id
        for external_id in (f"p{n}" for n in range(1, 21))
        if crm.records.records("shop", external_id)
    )


def test_ingest_reads_the_source_batch_by_batch(crm):
    """Each batch is committed before the next is read: memory does not grow with the input."""
    adapter = ListAdapter("shop", people(10))
    seen = []

    def on_batch(outcome):
        seen.append((adapter.yielded, outcome.read, crm.records.count_records()))

    crm.import_from(adapter, on_batch=on_batch, batch_size=4, resolve=False)
    assert seen == [(4, 4, 4), (8, 8, 8), (10, 10, 10)]


def test_a_failure_mid_ingest_keeps_committed_batches_and_drops_the_failing_one(crm):
    """Batches committed before the failure stay; the half-read batch leaves no trace."""
    adapter = ListAdapter("shop", people(10), fail_after=7)
    with pytest.raises(SourceWentAwayError):
        crm.import_from(adapter, batch_size=3)
    assert stored_ids(crm) == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert crm.records.count_records() == 6
    assert crm.dead_letters() == []


def test_records_from_a_generator_that_raises_are_not_half_written(crm):
    """crm.ingest_customers over a failing generator stores none of the unfinished batch."""

    def records():
        yield from people(5)
        raise SourceWentAwayError("the generator broke")

    with pytest.raises(SourceWentAwayError):
        crm.ingest_customers("shop", records())
    assert crm.records.count_records() == 0
    assert crm.count_customers() == 0


def test_customers_are_not_projected_from_an_ingest_that_failed(crm):
    """A failed import does not resolve; the next resolve projects what was committed."""
    with pytest.raises(SourceWentAwayError):
        crm.import_from(ListAdapter("shop", people(5), fail_after=4), batch_size=2)
    assert crm.count_customers() == 0
    assert crm.resolve().records == 4
    assert crm.count_customers() == 4


def test_a_re_run_after_a_failure_stores_every_record_exactly_once(crm):
    """Re-running the whole read after a failure completes it without duplicates."""
    with pytest.raises(SourceWentAwayError):
        crm.import_from(ListAdapter("shop", people(10), fail_after=7), batch_size=3)
    outcome = crm.import_from(ListAdapter("shop", people(10)), batch_size=3)
    assert (outcome.new, outcome.unchanged) == (4, 6)
    assert crm.records.count_records() == 10
    assert all(len(crm.records.records("shop", f"p{n}")) == 1 for n in range(1, 11))
    assert crm.count_customers() == 10


def test_a_re_run_whose_batches_each_hold_new_records_completes_exactly_once(crm):
    """After a failure, re-reading with new records in every batch stores each one once."""
    with pytest.raises(SourceWentAwayError):
        crm.import_from(ListAdapter("shop", people(4), fail_after=3), batch_size=2)
    records = people(4)
    rerun = [records[0], records[2], records[1], records[3]]
    outcome = crm.import_from(ListAdapter("shop", rerun), batch_size=2)
    assert (outcome.new, outcome.unchanged) == (2, 2)
    assert crm.records.count_records() == 4
    assert crm.count_customers() == 4
