"""FactsSpill: records' facts parked in a temporary file come back equal, by position."""

from __future__ import annotations

import datetime as dt
import errno

import pytest

from crmkit.domain import PartyFacts
from crmkit.errors import CrmkitError
from crmkit.identity.normalize import Normalizer
from crmkit.plugins import get_plugin_manager
from crmkit.schemas import CustomerRecordSchema, RecordValidator
from crmkit.services.spill import FactsSpill
from crmkit.testing.messy import iter_records

RECEIVED = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def parsed():
    """Return the facts and normal forms of a few hundred generated records."""
    validator = RecordValidator(CustomerRecordSchema())
    normalizer = Normalizer(get_plugin_manager(entrypoints=False).hook)
    result = []
    for _, record in iter_records(200, seed=11):
        facts = validator.load(record)
        result.append((facts, normalizer.facts(facts, "RU")))
    return result


def test_every_entry_comes_back_equal_in_any_order(parsed):
    """Facts, normal forms and the received time read back equal the ones stored."""
    spill = FactsSpill()
    positions = [spill.append(facts, normal, RECEIVED) for facts, normal in parsed]
    assert positions == list(range(len(parsed)))
    for position in reversed(positions):
        assert spill.get(position) == (*parsed[position], RECEIVED)
    spill.close()


def test_what_messagepack_cannot_hold_stays_in_memory(parsed):
    """An attribute beyond 64-bit integers is kept as it is, between encoded entries."""
    facts, normal = parsed[0]
    huge = PartyFacts("big", attributes={"n": 1 << 80})
    spill = FactsSpill()
    spill.append(facts, normal, None)
    spill.append(huge, normal, RECEIVED)
    spill.append(facts, normal, RECEIVED)
    assert spill.get(1) == (huge, normal, RECEIVED)
    assert spill.get(1)[0].attributes["n"] == 1 << 80
    assert spill.get(2) == (facts, normal, RECEIVED)
    assert spill.get(0) == (facts, normal, None)
    spill.close()


def test_extend_appends_another_spill_in_order(parsed):
    """Entries of another spill, encoded or kept, follow the spill's own."""
    first, second = FactsSpill(), FactsSpill()
    first.append(*parsed[0], RECEIVED)
    second.append(PartyFacts("big", attributes={"n": 1 << 70}), parsed[1][1], None)
    second.append(*parsed[2], RECEIVED)
    first.extend(second)
    assert len(first) == 3
    assert first.get(1)[0].external_id == "big"
    assert first.get(2) == (*parsed[2], RECEIVED)
    first.close()
    second.close()


def test_close_forgets_every_entry(parsed):
    """A closed spill holds nothing."""
    spill = FactsSpill()
    spill.append(*parsed[0], RECEIVED)
    spill.close()
    assert len(spill) == 0


class FullDisk:
    """A temporary file on a full disk: every write fails as the operating system says."""

    def write(self, blob: bytes) -> int:  # noqa: ARG002 - the file's signature
        """Fail: the disk is full."""
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        """Fail: the disk is full."""
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        """Fail as closing flushes."""
        self.flush()


def test_a_full_disk_is_a_clear_error_and_closing_after_it_still_works(parsed, monkeypatch):
    """The error names the folder and what to do; close() forgets everything regardless."""
    spill = FactsSpill()
    spill._close_file.detach()
    spill._file.close()
    monkeypatch.setattr(spill, "_file", FullDisk())
    monkeypatch.setattr(spill, "_close_file", FullDisk().close)
    facts, normal = parsed[0]
    with pytest.raises(CrmkitError, match=r"temporary file in .*No space left.*set TMPDIR"):
        spill.append(facts, normal, RECEIVED)
    spill.close()
    assert len(spill) == 0
