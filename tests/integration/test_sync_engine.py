"""The sync engine against a paged JSON API on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import ClassVar

import pytest
import sqlalchemy as sa
from marshmallow import Schema

import crmkit
from crmkit.config import load_config
from crmkit.domain import RawItem
from crmkit.errors import ConfigError, TransientError
from crmkit.sdk import Adapter, StreamSpec
from crmkit.services.ingest import cursor_state_name
from crmkit.store.tables import source_records
from crmkit.sync import SyncEngine

PLUGINS_DIR = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def plugin(monkeypatch):
    """Return the fixture plugin with the paged-API adapter."""
    monkeypatch.syspath_prepend(str(PLUGINS_DIR))
    return importlib.import_module("crmkit_fixture_sync")


@pytest.fixture
def server_module(plugin):
    """Return the loopback server module."""
    return importlib.import_module("crmkit_fixture_sync_server")


@pytest.fixture
def api(server_module):
    """Serve 95 customers on loopback; stop afterwards."""
    server = server_module.PagedApi({"customers": server_module.customers(95)}).start()
    yield server
    server.stop()


@pytest.fixture
def sync_crm(open_crm, plugin):
    """Return crmkit with the fixture adapter on the test database."""
    return open_crm(plugins=(plugin,), default_region="RU")


@pytest.fixture
def sqlite_crm(plugin, tmp_path):
    """Return crmkit with the fixture adapter on SQLite only (for store-independent tests)."""
    with crmkit.open(
        f"sqlite:///{tmp_path / 'one.db'}", entrypoints=False, plugins=(plugin,)
    ) as crm:
        yield crm


@pytest.fixture
def configure(tmp_path):
    """Return ``configure(toml)``: write crmkit.toml and load it."""

    def write(text):
        path = tmp_path / "crmkit.toml"
        path.write_text(text, encoding="utf-8")
        return load_config(path)

    return write


def api_source(url, *, name="api", batch_size=20, extra=""):
    """Return the TOML of a fixture-pages source with tiny retry delays."""
    return (
        f'[sources.{name}]\nadapter = "fixture-pages"\nurl = "{url}"\npage_size = 10\n'
        f"batch_size = {batch_size}\nmax_retries = 2\nbackoff_seconds = 0.01\n{extra}\n"
    )


def stored_ids(crm, source="api"):
    """Return (external_id, version) of every stored record of ``source``, sorted."""
    t = source_records.c
    query = sa.select(t.external_id, t.version).where(t.source == source)
    with crm.database.connect() as conn:
        return sorted(conn.execute(query).all())


def cursor(crm, source="api", stream="customers"):
    """Return the committed cursor of a stream."""
    with crm.records.transaction() as session:
        return session.get_state(cursor_state_name(source, stream))


def expected(count, prefix="c"):
    """Return the stored ids of records 1..count, version 1 each."""
    return sorted((f"{prefix}{n}", 1) for n in range(1, count + 1))


def test_a_sync_reads_every_page_and_a_second_sync_starts_at_the_cursor(sync_crm, api, configure):
    """All 95 records are stored once, the cursor is 95, and the next sync reads nothing."""
    config = configure(api_source(api.url, extra='default_region = "RU"\npriority = 7'))
    report = sync_crm.sync(config)
    [result] = report.streams
    assert (result.status, result.outcome.read, result.outcome.new) == ("ok", 95, 95)
    assert stored_ids(sync_crm) == expected(95)
    assert cursor(sync_crm) == "95"
    assert report.resolution is not None
    assert sync_crm.count_customers() == 95
    assert sync_crm.source_regions()["api"] == "RU"
    assert sync_crm.source_priorities() == {"api": 7}

    again = sync_crm.sync(config)
    assert again.streams[0].outcome.read == 0
    assert again.resolution is None
    assert api.requests_to("customers")[-1]["params"]["after"] == "95"
    runs = sync_crm.sync_runs("api")
    assert runs[("api", "customers")].status == "ok"


def test_full_ignores_the_cursor_and_finds_everything_unchanged(sync_crm, api, configure):
    """--full reads from the start; nothing new is stored."""
    config = configure(api_source(api.url))
    sync_crm.sync(config, resolve=False)
    report = sync_crm.sync(config, full=True, resolve=False)
    outcome = report.streams[0].outcome
    assert (outcome.read, outcome.new, outcome.unchanged) == (95, 0, 95)
    assert cursor(sync_crm) == "95"


def test_a_transient_failure_is_retried_from_the_last_committed_cursor(sync_crm, api, configure):
    """A 503 on the fifth page: the engine waits, resumes after record 40, loses nothing."""
    api.fail(503, "maintenance", at=5)
    slept = []
    config = configure(api_source(api.url))
    report = SyncEngine(sync_crm, config, sleep=slept.append).run(resolve=False)
    [result] = report.streams
    assert (result.status, result.attempts) == ("ok", 2)
    assert slept == [0.01]
    afters = [r["params"]["after"] for r in api.requests_to("customers")]
    assert afters[:6] == ["0", "10", "20", "30", "40", "40"]
    assert stored_ids(sync_crm) == expected(95)
    assert result.outcome.new == 95


def test_retry_after_of_a_429_is_honoured_by_client_and_engine(sqlite_crm, api, configure):
    """The client waits Retry-After on 429 and backs off on 503; the engine honours it too."""
    api.fail(429, "slow down", at=2, Retry_After="0.3")
    api.fail(503, at=3)
    config = configure(api_source(api.url, extra="client_retries = 3\nclient_backoff = 0.05"))
    report = SyncEngine(sqlite_crm, config, sleep=pytest.fail).run(resolve=False)
    assert report.streams[0].status == "ok"
    times = [r["at"] for r in api.log]
    assert times[2] - times[1] >= 0.3
    assert times[3] - times[2] >= 0.1  # second retry: 0.05 * 2
    assert stored_ids(sqlite_crm) == expected(95)

    slept = []
    api.fail(429, at=len(api.log) + 1, Retry_After="2")
    engine_only = configure(api_source(api.url, name="again"))
    report = SyncEngine(sqlite_crm, engine_only, sleep=slept.append).run(resolve=False)
    assert slept == [2.0]
    assert report.streams[0].attempts == 2
    assert stored_ids(sqlite_crm, "again") == expected(95)


def test_a_permanent_failure_stops_its_stream_and_the_other_sources_run(
    sqlite_crm, server_module, configure, tmp_path
):
    """A refused token fails one source with the server's words; the file source still runs."""
    server = server_module.PagedApi(
        {"customers": server_module.customers(5)},
        token="right-token",  # noqa: S106 - a test token
    ).start()
    try:
        (tmp_path / "shop.jsonl").write_text('{"external_id": "s1"}\n', encoding="utf-8")
        config = configure(
            api_source(server.url, extra='token = "wrong-token-xyz"')
            + '[sources.shop]\nadapter = "jsonl"\npath = "shop.jsonl"\n'
        )
        report = SyncEngine(sqlite_crm, config, sleep=pytest.fail).run(resolve=False)
    finally:
        server.stop()
    api_result, shop_result = report.streams
    assert api_result.status == "failed"
    assert "HTTP 401 Unauthorized" in api_result.message
    assert "invalid token ***" in api_result.message
    assert "wrong-token-xyz" not in api_result.message
    assert api_result.attempts == 1
    assert (shop_result.status, shop_result.outcome.new) == ("ok", 1)
    assert report.failed_sources == ["api"]
    assert not report.ok


def test_transient_failures_past_max_retries_fail_the_stream(sqlite_crm, api, configure):
    """Three 502s in a row with max_retries = 2: the stream fails, naming the attempts."""
    for at in (1, 2, 3):
        api.fail(502, "bad gateway", at=at)
    config = configure(api_source(api.url))
    report = SyncEngine(sqlite_crm, config, sleep=lambda _s: None).run(resolve=False)
    [result] = report.streams
    assert result.status == "failed"
    assert "HTTP 502" in result.message
    assert "gave up after 3 attempts" in result.message


def test_bad_records_become_dead_letters_and_the_rest_is_stored(sync_crm, server_module, configure):
    """Records without an id and with a wrong type are dead-lettered with reasons."""
    records = server_module.customers(30)
    records[4] = {"name": "no id"}
    records[11] = {"external_id": "c12", "phones": "+7 916 000-00-00"}
    server = server_module.PagedApi({"customers": records}).start()
    try:
        report = sync_crm.sync(configure(api_source(server.url)), resolve=False)
    finally:
        server.stop()
    [result] = report.streams
    assert (result.status, result.outcome.new, result.outcome.dead_lettered) == ("ok", 28, 2)
    letters = sync_crm.dead_letters(source="api")
    assert [(d.position, d.stream.value) for d in letters] == [
        ("after 0 item 5", "customers"),
        ("after 10 item 2", "customers"),
    ]
    assert "external_id" in letters[0].reason
    assert "phones" in letters[1].reason
    assert letters[1].raw == '{"external_id": "c12", "phones": "+7 916 000-00-00"}'


def test_retrying_dead_letters_uses_the_current_configuration(sync_crm, server_module, configure):
    """Read with the wrong id field, every record is a letter; fixed config stores them."""
    records = [{"id": n, "name": f"Клиент {n}"} for n in range(1, 6)]
    records.append({"name": "still no id"})
    server = server_module.PagedApi({"customers": records}).start()
    try:
        first = configure(api_source(server.url))
        sync_crm.sync(first, resolve=False)
    finally:
        server.stop()
    letters = sync_crm.dead_letters(source="api")
    assert len(letters) == 6

    fixed = configure(api_source(server.url, extra='id_field = "id"'))
    report = sync_crm.retry_dead_letters(config=fixed)
    assert len(report.fixed) == 5
    [(bad_id, reason)] = report.still_bad
    assert "external_id" in reason
    assert stored_ids(sync_crm) == sorted((str(n), 1) for n in range(1, 6))
    assert [d.id for d in sync_crm.dead_letters(source="api")] == [bad_id]
    assert {d.status for d in sync_crm.dead_letters(source="api", status="retried")} == {"retried"}
    assert sync_crm.count_customers() == 5
    assert sync_crm.discard_dead_letters([bad_id]) == 1
    assert sync_crm.dead_letters(source="api") == []
    assert sync_crm.dead_letter(bad_id).status == "discarded"


def test_a_stream_crmkit_cannot_store_is_skipped_clearly(sqlite_crm, api, configure):
    """A stream with no validator is skipped with a message; the source does not fail."""
    config = configure(api_source(api.url, extra='streams = ["customers", "products"]'))
    report = sqlite_crm.sync(config, resolve=False)
    customers, products = report.streams
    assert customers.status == "ok"
    assert products.status == "skipped"
    assert "cannot store the products stream" in products.message
    assert report.ok
    assert api.requests_to("products") == []


def test_a_stream_the_adapter_does_not_offer_fails_the_source(sqlite_crm, api, configure):
    """A `streams` setting naming an unknown stream is a configuration error of that source."""
    config = configure(api_source(api.url, extra='streams = ["contacts"]'))
    [result] = sqlite_crm.sync(config).streams
    assert (result.stream, result.status) == ("*", "failed")
    assert "has no stream 'contacts'" in result.message


def test_a_source_timezone_reaches_the_adapter_and_the_api(sqlite_crm, api, configure):
    """The timezone setting is remembered per source and given to the adapter."""
    config = configure(api_source(api.url, extra='timezone = "Asia/Yekaterinburg"'))
    sqlite_crm.sync(config, resolve=False)
    assert sqlite_crm.source_timezones() == {"api": "Asia/Yekaterinburg"}
    adapter = config.source("api").build(sqlite_crm.adapters())
    assert str(adapter.timezone) == "Asia/Yekaterinburg"


def test_sync_finished_hears_the_report(plugin, database_url, api, configure):
    """Plugins implementing sync_finished receive the whole report once."""

    class Listener:
        def __init__(self):
            self.reports = []

        @crmkit.hookimpl
        def sync_finished(self, report):
            """Remember the report."""
            self.reports.append(report)

    listener = Listener()
    with crmkit.open(database_url, entrypoints=False, plugins=(plugin, listener)) as crm:
        crm.sync(configure(api_source(api.url)), resolve=False)
    [report] = listener.reports
    assert [(r.source, r.stream, r.outcome.new) for r in report.streams] == [
        ("api", "customers", 95)
    ]


class FlakyAdapter(Adapter):
    """Raises from read() itself (not from its iterator) the first time: a refused login."""

    name = "fixture-flaky"
    config_schema = Schema
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers"),)
    calls: ClassVar[list[object]] = []

    def read(self, stream, cursor, progress):  # noqa: ARG002 - the Adapter signature
        """Fail once with a temporary error, then yield two records."""
        self.calls.append(cursor)
        if len(self.calls) == 1:
            raise TransientError(self.source, "login service busy", retry_after=0.5)
        records = [{"external_id": "1"}, {"external_id": "2"}]
        return iter([RawItem(json.dumps(r), r, f"item {r['external_id']}") for r in records])


class FlakyPlugin:
    """Registers the flaky adapter."""

    @crmkit.hookimpl
    def register_adapters(self, register):
        """Register it."""
        register(FlakyAdapter)


def test_an_adapter_failing_before_its_first_record_is_retried(tmp_path, configure):
    """An error raised by read() itself is classified and retried like any other."""
    FlakyAdapter.calls.clear()
    config = configure('[sources.flaky]\nadapter = "fixture-flaky"\nbackoff_seconds = 0.01\n')
    slept = []
    url = f"sqlite:///{tmp_path / 'flaky.db'}"
    with crmkit.open(url, entrypoints=False, plugins=(FlakyPlugin(),)) as crm:
        report = SyncEngine(crm, config, sleep=slept.append).run(resolve=False)
    [result] = report.streams
    assert (result.status, result.attempts, result.outcome.new) == ("ok", 2, 2)
    assert slept == [0.5]
    assert FlakyAdapter.calls == [None, None]


def test_an_unknown_source_name_is_refused_before_anything_runs(sqlite_crm, api, configure):
    """Naming a source that is not configured is an error listing the configured ones."""
    config = configure(api_source(api.url))
    with pytest.raises(ConfigError, match=r"no source named 'erp' in .* \(configured: api\)"):
        sqlite_crm.sync(config, ["api", "erp"])
    assert api.log == []


def test_letters_of_a_source_not_configured_are_not_tried(sqlite_crm, api, configure):
    """Nobody guesses how the raw payload of an unconfigured source maps to a record."""
    sqlite_crm.ingest_customers("manual", [{"name": "no id"}], resolve=False)
    [letter] = sqlite_crm.dead_letters(source="manual")
    report = sqlite_crm.retry_dead_letters(config=configure(api_source(api.url)))
    assert report.fixed == []
    assert report.skipped == [
        (letter.id, "source 'manual' is not configured: add [sources.manual] to retry")
    ]
    assert sqlite_crm.dead_letter(letter.id).reason == letter.reason
    assert sqlite_crm.dead_letter(letter.id).status == "open"
