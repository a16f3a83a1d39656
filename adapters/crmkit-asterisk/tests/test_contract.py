"""The Asterisk adapters against crmkit's adapter contract: CDR files and the live AMI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest
from asterisk_fakes import AMI_SECRET, ami_config, event
from crmkit_asterisk.ami import AmiAdapter
from crmkit_asterisk.cdr import CdrAdapter

from crmkit.testing.contract import AdapterContract, ContractSource

if TYPE_CHECKING:
    from pathlib import Path

    from asterisk_fakes import FakeAsterisk

BAD_TIME = "03.11.2026 9am"


def cdr_line(n: int, start: str | None = None) -> str:
    """Return one Master.csv line: an answered incoming call, unique id ``17000000.N``."""
    start = start or f"2026-11-03 09:{n:02d}:00"
    return (
        f'"","8495123450{n % 10}","101","from-trunk","","SIP/trunk-{n}","SIP/101-{n}","Dial",'
        f'"SIP/101","{start}","{start}","{start}",30,30,"ANSWERED","DOCUMENTATION",'
        f'"17000000.{n}",""\n'
    )


def cdr_event(n: int, start: str | None = None) -> bytes:
    """Return one AMI ``Cdr`` event: an answered incoming call, unique id ``17000000.N``."""
    start = start or f"2026-11-03 09:{n:02d}:00"
    return event(
        "Cdr",
        Source=f"8495123450{n % 10}",
        Destination="101",
        DestinationContext="from-trunk",
        Channel=f"SIP/trunk-{n}",
        DestinationChannel=f"SIP/101-{n}",
        StartTime=start,
        AnswerTime=start,
        EndTime=start,
        Duration="30",
        BillableSeconds="30",
        Disposition="ANSWERED",
        UniqueID=f"17000000.{n}",
    )


class TestCdrContract(AdapterContract):
    """Master.csv is read from a byte-offset cursor, with a checkpoint after every line."""

    adapter_class = CdrAdapter
    plugin = "crmkit_asterisk.plugin"
    stream = "interactions"
    not_applicable: ClassVar[dict[str, str]] = {
        "auth": "reads a local file: no credentials (an unreadable file: test_cdr.py)",
    }

    def _source(self, tmp_path: Path, lines: list[str]) -> ContractSource:
        path = tmp_path / "Master.csv"
        path.write_text("".join(lines), encoding="utf-8")
        return ContractSource({"path": str(path)}, where=str(path))

    @pytest.fixture
    def contract_source(self, tmp_path: Path) -> ContractSource:
        """Return a source on a CDR file of ``records`` calls (a file has no pages)."""
        return self._source(tmp_path, [cdr_line(n) for n in range(1, self.records + 1)])

    @pytest.fixture
    def malformed_source(self, tmp_path: Path) -> ContractSource:
        """Return a source on a CDR file whose third line has an unreadable start time."""
        lines = [cdr_line(n) for n in range(1, self.records + 1)]
        lines[2] = cdr_line(3, BAD_TIME)
        return attrs.evolve(self._source(tmp_path, lines), malformed=BAD_TIME)


class TestAmiContract(AdapterContract):
    """Calls are heard live from the manager interface while a sync listens."""

    adapter_class = AmiAdapter
    plugin = "crmkit_asterisk.plugin"
    stream = "interactions"
    not_applicable: ClassVar[dict[str, str]] = {
        "resume": "live events have no cursor: calls that end while nobody listens are "
        "read from the CDR file by asterisk-cdr",
    }

    def _source(self, ami: FakeAsterisk, events: list[bytes], **changes: Any) -> ContractSource:
        ami.sessions.append((events, "hold"))
        settings = ami_config(ami.port, max_calls=self.records, **changes)
        return ContractSource(settings, where=f"127.0.0.1:{ami.port}", secret=changes.get("secret"))

    @pytest.fixture
    def contract_source(self, ami: FakeAsterisk) -> ContractSource:
        """Return a source on an AMI that reports ``records`` finished calls (no pages)."""
        return self._source(ami, [cdr_event(n) for n in range(1, self.records + 1)])

    @pytest.fixture
    def malformed_source(self, ami: FakeAsterisk) -> ContractSource:
        """Return a source on an AMI whose third Cdr event has an unreadable start time."""
        events = [cdr_event(n) for n in range(1, self.records + 1)]
        events[2] = cdr_event(3, BAD_TIME)
        return attrs.evolve(self._source(ami, events), malformed=BAD_TIME)

    @pytest.fixture
    def rejecting_source(self, ami: FakeAsterisk) -> ContractSource:
        """Return a source whose secret the manager interface refuses."""
        ami.secret = AMI_SECRET + "-changed"
        return self._source(ami, [], secret="wrong-ami-secret")  # noqa: S106
