"""The contract every adapter should pass: paging, cursor resume, dead letters, refused credentials.

An adapter's test module subclasses :class:`AdapterContract`, names the adapter, and provides
three fixtures describing its fake peer; it inherits the tests::

    from crmkit.testing.contract import AdapterContract, ContractSource

    class TestAcmeContract(AdapterContract):
        adapter_class = AcmeAdapter
        plugin = "crmkit_acme.plugin"

        @pytest.fixture
        def contract_source(self, api):       # a peer with self.records records
            api.add_customers(self.records)  # served self.page_size per page
            return ContractSource({"base_url": api.url, "page_size": self.page_size, ...},
                                  pages=lambda: len(api.server.requests_to("/customers")))

        @pytest.fixture
        def malformed_source(self, api): ...  # the same, one record of them malformed

        @pytest.fixture
        def rejecting_source(self, api): ...  # a peer refusing the credentials given

The checks, each run through crmkit's real sync engine on a temporary SQLite database:

``paging``
    Every record is read across the pages, exactly once, and stored once.
``resume``
    A run stopped right after the first checkpoint (as if the process died), then run
    again, resumes from the stored cursor: nothing lost, nothing stored twice, and the
    second run does not start over.
``dead_letter``
    A malformed record becomes one dead letter with its raw payload and a reason; the
    others are stored.
``auth``
    Refused credentials raise a :class:`~crmkit.errors.CrmkitError` that is not retried,
    names the source and the peer, and shows the secret neither in the message nor in a log
    line.

A check that cannot apply (a webhook receiver has no pages) is declared in
:attr:`AdapterContract.not_applicable` with the reason, shown as the test's skip reason.
Fixtures are looked up as each check runs, so a check declared not applicable needs none,
and they cannot be parametrized: subclass once per variant instead. This module needs
pytest; import it from tests only.
"""

# ruff: noqa: S101 - pytest checks: a failed assert is how a contract test reports

from __future__ import annotations

import collections
import importlib
import logging
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest
import sqlalchemy as sa

from crmkit.config import Config, SourceConfig
from crmkit.errors import CrmkitError
from crmkit.plugins import collect_adapters, get_plugin_manager
from crmkit.sdk.adapter import Checkpoint, NoProgress
from crmkit.sdk.retry import RetryPolicy, is_transient
from crmkit.store.sync import SqlSyncStore
from crmkit.store.tables import source_records
from crmkit.sync.engine import OK
from crmkit.testing.database import temporary_crmkit

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from crmkit.api import Crmkit
    from crmkit.domain import RawItem
    from crmkit.sdk.adapter import Adapter, Progress
    from crmkit.sync.engine import StreamResult

#: The name of the source every contract check configures.
SOURCE = "contract"

#: The checks an adapter may declare not applicable, and what each checks.
CHECKS = {
    "paging": "every record is read across the pages, exactly once",
    "resume": "a stopped run resumes from the stored cursor without loss or duplicates",
    "dead_letter": "a malformed record becomes a dead letter; the others are stored",
    "auth": "refused credentials give an error naming source and peer, never the secret",
}


@attrs.frozen
class ContractSource:
    """A configured source on a fake peer, as a contract fixture describes it.

    ``settings`` configure the adapter (what ``[sources.NAME]`` would hold). ``where`` is
    how an error should name the peer (a host such as ``127.0.0.1:8080``, a path).
    ``secret`` is the credential a rejecting peer refuses; ``malformed`` a text found in the
    raw payload of the malformed record. ``pages``, when given, returns how many pages the
    peer has served so far; ``peer`` is the fake peer itself, for an adapter's own overrides.
    """

    settings: Mapping[str, Any]
    where: str = ""
    secret: str | None = None
    malformed: str | None = None
    pages: Callable[[], int] | None = None
    peer: Any = None


class RunStoppedError(Exception):
    """Raised by :func:`stopping` adapters after the first checkpoint: the run "dies" there."""


def stopping(adapter_class: type[Adapter]) -> type[Adapter]:
    """Return a subclass of ``adapter_class`` whose reads stop after the first checkpoint.

    The stop comes at the first :class:`~crmkit.sdk.adapter.Checkpoint` that follows at
    least one item, by raising :class:`RunStoppedError`, as a process killed there would.
    """
    base_read = adapter_class.read

    def read(self: Adapter, stream: str, cursor: Any, progress: Progress) -> Iterator[Any]:
        items = 0
        for item in base_read(self, stream, cursor, progress):
            yield item
            if not isinstance(item, Checkpoint):
                items += 1
            elif items:
                raise RunStoppedError(f"stopped after the first checkpoint ({items} items)")

    read.__doc__ = "Read as the adapter does, but stop after the first checkpoint."
    return type(adapter_class.__name__, (adapter_class,), {"read": read})


def stored_versions(crm: Crmkit, source: str, stream: str) -> list[str]:
    """Return the external id of every stored record version of ``source``'s ``stream``."""
    t = source_records.c
    query = sa.select(t.external_id).where(t.source == source, t.stream == stream)
    with crm.database.connect() as conn:
        return [row.external_id for row in conn.execute(query)]


def source_config(adapter_class: type[Adapter], settings: Mapping[str, Any], stream: str) -> Config:
    """Return a configuration with the one source :data:`SOURCE` reading ``stream``.

    The engine does not retry (a failure shows at once); identity resolution is off.
    """
    source = SourceConfig(
        name=SOURCE,
        adapter=adapter_class.name,
        settings=dict(settings),
        retry=RetryPolicy(max_retries=0),
        streams=(stream,),
    )
    return Config(resolve=False, sources={SOURCE: source})


def read_all(adapter: Adapter, stream: str) -> list[RawItem | Checkpoint]:
    """Return everything ``adapter`` yields for ``stream`` from the start."""
    return list(adapter.read(stream, None, NoProgress()))


class AdapterContract:
    """Tests every adapter should pass; subclass it as ``TestXxxContract`` in a test module.

    Set :attr:`adapter_class` (and :attr:`plugin`, the module the entry point names) and
    provide the fixtures ``contract_source``, ``malformed_source`` and ``rejecting_source``
    (each returning a :class:`ContractSource`) for the checks that apply. Override
    :meth:`ingest` when records do not arrive by a sync (webhooks).
    """

    #: The adapter under test.
    adapter_class: ClassVar[type[Adapter]]
    #: The module registering it, as the ``crmkit`` entry point names it (``pkg.plugin``).
    plugin: ClassVar[str | None] = None
    #: The stream the checks read.
    stream: ClassVar[str] = "customers"
    #: How many records the fake peer holds, and how many it serves per page.
    records: ClassVar[int] = 5
    page_size: ClassVar[int] = 2
    #: Checks (keys of :data:`CHECKS`) that cannot apply to this adapter, with the reason.
    not_applicable: ClassVar[Mapping[str, str]] = {}
    #: The phone region of the temporary crmkit.
    default_region: ClassVar[str | None] = "RU"

    # what the subclass provides -------------------------------------------------------------

    @pytest.fixture
    def contract_source(self) -> ContractSource:
        """Return a source on a peer holding ``records`` records, ``page_size`` a page."""
        pytest.fail(f"{type(self).__name__}: define the contract_source fixture")

    @pytest.fixture
    def malformed_source(self) -> ContractSource:
        """Return a source on a peer holding ``records`` records, one of them malformed."""
        pytest.fail(f"{type(self).__name__}: define the malformed_source fixture")

    @pytest.fixture
    def rejecting_source(self) -> ContractSource:
        """Return a source whose peer refuses its credentials (``secret``)."""
        pytest.fail(f"{type(self).__name__}: define the rejecting_source fixture")

    def ingest(self, crm: Crmkit, source: ContractSource) -> None:
        """Bring ``source``'s records into ``crm``; by default a sync of :attr:`stream`."""
        result = self.sync(crm, source, self.adapter_class)
        assert result.status == OK, f"the sync failed: {result.message}"

    # helpers ------------------------------------------------------------------------------

    def open_crm(
        self, directory: Path, adapter_class: type[Adapter] | None = None
    ) -> AbstractContextManager[Crmkit]:
        """Return crmkit on the database in ``directory`` with the adapter registered."""
        return temporary_crmkit(
            directory,
            adapters=(adapter_class or self.adapter_class,),
            default_region=self.default_region,
        )

    def sync(
        self, crm: Crmkit, source: ContractSource, adapter_class: type[Adapter]
    ) -> StreamResult:
        """Sync :attr:`stream` of ``source`` through crmkit's engine; return its result."""
        report = crm.sync(source_config(adapter_class, source.settings, self.stream))
        (result,) = report.streams
        return result

    def require(self, check: str) -> None:
        """Skip the running test, with the declared reason, when ``check`` does not apply."""
        unknown = sorted(set(self.not_applicable) - set(CHECKS))
        if unknown:
            pytest.fail(
                f"{type(self).__name__}.not_applicable names unknown check(s) "
                f"{', '.join(unknown)}; the checks are {', '.join(CHECKS)}"
            )
        reason = self.not_applicable.get(check)
        if reason is not None:
            pytest.skip(f"{check} does not apply to {self.adapter_class.name}: {reason}")

    # the checks ---------------------------------------------------------------------------

    def test_the_plugin_registers_the_adapter(self) -> None:
        """The plugin's ``register_adapters`` offers the adapter under its name."""
        if self.plugin is None:
            pytest.skip("no plugin named: set plugin to the module the entry point names")
        module = importlib.import_module(self.plugin)
        pm = get_plugin_manager(entrypoints=False, extra=(module,))
        registered = collect_adapters(pm)
        assert registered.get(self.adapter_class.name) is self.adapter_class, (
            f"the plugin registers {sorted(registered)}, not {self.adapter_class.name!r}"
        )
        assert self.stream in self.adapter_class.stream_names(), f"no stream {self.stream!r}"
        assert pm.problems == [], pm.problems

    def test_every_record_is_read_across_pages_exactly_once(
        self, request: pytest.FixtureRequest, tmp_path: Path
    ) -> None:
        """All ``records`` records are read, page after page, and each is stored once."""
        self.require("paging")
        source: ContractSource = request.getfixturevalue("contract_source")
        with self.open_crm(tmp_path) as crm:
            result = self.sync(crm, source, self.adapter_class)
            stored = stored_versions(crm, SOURCE, self.stream)
        assert result.status == OK, f"the sync failed: {result.message}"
        outcome = result.outcome
        assert (outcome.read, outcome.dead_lettered) == (self.records, 0), (
            f"read {outcome.read} items ({outcome.dead_lettered} dead-lettered) "
            f"from a peer holding {self.records} records"
        )
        assert len(stored) == len(set(stored)) == self.records, collections.Counter(stored)
        if source.pages is not None:
            pages = math.ceil(self.records / self.page_size)
            assert pages <= source.pages() <= pages + 1, (
                f"{source.pages()} pages served for {self.records} records at "
                f"{self.page_size} a page: is page_size honoured?"
            )

    def test_a_stopped_run_resumes_from_the_stored_cursor(
        self, request: pytest.FixtureRequest, tmp_path: Path
    ) -> None:
        """After a stop at the first checkpoint, the next run reads the rest, and only that."""
        self.require("resume")
        source: ContractSource = request.getfixturevalue("contract_source")
        with self.open_crm(tmp_path, stopping(self.adapter_class)) as crm:
            first = self.sync(crm, source, self.adapter_class)
            cursor = SqlSyncStore(crm.database).cursor(SOURCE, self.stream)
            before = set(stored_versions(crm, SOURCE, self.stream))
        assert "RunStoppedError" in first.message, f"the first run ended: {first.message!r}"
        assert cursor is not None, "nothing was committed before the stop"
        assert len(before) < self.records, (
            "the first checkpoint came only after every record: a run stopped half-way would "
            "start over; yield a Checkpoint after each page"
        )
        with self.open_crm(tmp_path) as crm:
            second = self.sync(crm, source, self.adapter_class)
            stored = stored_versions(crm, SOURCE, self.stream)
        assert second.status == OK, f"the resumed run failed: {second.message}"
        assert len(stored) == len(set(stored)) == self.records, collections.Counter(stored)
        assert second.outcome.new == self.records - len(before), (
            f"{second.outcome.new} records new after resuming, {len(before)} of "
            f"{self.records} stored before the stop"
        )
        assert second.outcome.read < self.records, (
            f"the resumed run read {second.outcome.read} of {self.records} records: "
            f"it started over instead of reading from cursor {cursor!r}"
        )

    def test_a_malformed_record_becomes_a_dead_letter(
        self, request: pytest.FixtureRequest, tmp_path: Path
    ) -> None:
        """The malformed record is kept raw with a reason; every other record is stored."""
        self.require("dead_letter")
        source: ContractSource = request.getfixturevalue("malformed_source")
        assert source.malformed, "malformed_source must say what the bad record's raw holds"
        with self.open_crm(tmp_path) as crm:
            self.ingest(crm, source)
            letters = crm.dead_letters(source=SOURCE)
            stored = stored_versions(crm, SOURCE, self.stream)
        assert len(letters) == 1, [(letter.position, letter.reason) for letter in letters]
        (letter,) = letters
        assert letter.stream.value == self.stream, f"dead letter of stream {letter.stream}"
        assert letter.reason.strip(), "a dead letter must say why"
        assert source.malformed in letter.raw, f"raw payload kept: {letter.raw[:200]!r}"
        assert len(stored) == len(set(stored)) == self.records - 1, collections.Counter(stored)

    def test_refused_credentials_name_the_source_and_hide_the_secret(
        self, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The error is a permanent CrmkitError naming source and peer; the secret never shows."""
        self.require("auth")
        source: ContractSource = request.getfixturevalue("rejecting_source")
        assert source.secret, "rejecting_source must name the secret the peer refuses"
        assert source.where, "rejecting_source must say how an error names the peer (where)"
        adapter = self.adapter_class(source=SOURCE, config=dict(source.settings))
        with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as caught:  # noqa: PT011 - any error is checked below
            read_all(adapter, self.stream)
        error, message = caught.value, str(caught.value)
        assert isinstance(error, CrmkitError), (
            f"raised {type(error).__name__}: {message}; raise AdapterError or PermanentError"
        )
        assert repr(SOURCE) in message, f"the source is not named: {message}"
        assert source.where in message, f"{source.where!r} is not named: {message}"
        assert source.secret not in message, f"the secret shows: {message}"
        assert not is_transient(error), f"refused credentials would be retried: {message}"
        leaked = [r.getMessage() for r in caplog.records if source.secret in r.getMessage()]
        assert leaked == [], "the secret reached a log line"
