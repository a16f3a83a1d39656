"""``crmkit sync``, ``crmkit sources`` and ``crmkit deadletters`` as users run them.

The resume test kills a real ``crmkit sync`` process with SIGKILL in the middle of a stream
and runs it again: every record ends up stored exactly once, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager
from crmkit.services.ingest import cursor_state_name
from crmkit.store import Database
from crmkit.store.tables import source_records, state
from crmkit.sync.locks import acquire_stream_lock

PLUGINS_DIR = Path(__file__).resolve().parents[1] / "plugins"

# A crmkit command line with the fixture adapter registered, run as its own process.
CHILD = f"""
import sys
sys.path.insert(0, {str(PLUGINS_DIR)!r})
import crmkit_fixture_sync
from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager
pm = get_plugin_manager(entrypoints=False, extra=(crmkit_fixture_sync,))
build_cli(pm).main(args=sys.argv[1:], prog_name="crmkit", obj=pm)
"""


@pytest.fixture
def modules(monkeypatch):
    """Return the fixture plugin and the loopback server module."""
    monkeypatch.syspath_prepend(str(PLUGINS_DIR))
    monkeypatch.delenv("CRMKIT_DATABASE_URL", raising=False)
    monkeypatch.delenv("CRMKIT_CONFIG", raising=False)
    return (
        importlib.import_module("crmkit_fixture_sync"),
        importlib.import_module("crmkit_fixture_sync_server"),
    )


@pytest.fixture
def server(modules):
    """Return ``start(records, **attributes)``: a loopback API, stopped afterwards."""
    started = []

    def start(records, **attributes):
        api = modules[1].PagedApi(records, **attributes)
        started.append(api.start())
        return api

    yield start
    for api in started:
        api.stop()


@pytest.fixture
def invoke(modules, tmp_path, monkeypatch):
    """Return ``invoke(*args)``: the crmkit CLI with the fixture adapter, in tmp_path."""
    monkeypatch.chdir(tmp_path)
    pm = get_plugin_manager(entrypoints=False, extra=(modules[0],))
    cli = build_cli(pm)

    def run(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], obj=pm)

    return run


def write_config(path, text):
    """Write a crmkit.toml."""
    path.write_text(text, encoding="utf-8")
    return path


def rows(url, source="api"):
    """Return (external_id, version) of every stored record of ``source`` and the cursor."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    t = source_records.c
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                sa.select(t.external_id, t.version).where(t.source == source)
            ).all()
            name = cursor_state_name(source, "customers")
            cursor = conn.scalar(sa.select(state.c.value).where(state.c.name == name))
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        return [], None
    finally:
        engine.dispose()
    return sorted(stored), cursor


def test_a_sync_killed_mid_stream_resumes_without_loss_or_duplicates(
    database_url, server, tmp_path, modules
):
    """SIGKILL while a batch is in flight; the rerun resumes at the committed cursor."""
    records = modules[1].customers(200)
    api = server({"customers": records})
    api.stall_after = 120
    config = write_config(
        tmp_path / "crmkit.toml",
        f'[database]\nurl = "{database_url}"\n\n[sources.api]\nadapter = "fixture-pages"\n'
        f'url = "{api.url}"\npage_size = 10\nbatch_size = 25\n',
    )
    env = {**os.environ, "CRMKIT_LOAD_PLUGINS": ""}
    command = [sys.executable, "-c", CHILD, "sync", "--config", str(config), "--no-resolve"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert api.stalled.wait(60), "the sync never reached the stalling page"
        deadline = time.monotonic() + 20
        while len(rows(database_url)[0]) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    assert first.returncode == -signal.SIGKILL
    stored, cursor = rows(database_url)
    assert (len(stored), cursor) == (100, "90")  # records 101-120 were in the lost batch

    api.stall_after = None
    api.release.set()
    requests_before = len(api.log)
    second = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert second.returncode == 0, second.stderr
    stored, cursor = rows(database_url)
    assert stored == sorted((r["external_id"], 1) for r in records)
    assert cursor == "200"
    resumed = api.log[requests_before]
    assert (resumed["path"], resumed["params"]["after"]) == ("/customers", "90")


def test_sync_prints_a_summary_and_fails_when_a_source_fails(invoke, server, modules, tmp_path):
    """One source per outcome: stored, dead-lettered, unreadable; exit status 1."""
    api = server({"customers": modules[1].customers(12)})
    (tmp_path / "shop.jsonl").write_text(
        '{"external_id": "s1", "name": "Анна"}\n{oops\n', encoding="utf-8"
    )
    write_config(
        tmp_path / "crmkit.toml",
        '[database]\nurl = "sqlite:///sync.db"\n\n'
        '[sources.shop]\nadapter = "jsonl"\npath = "shop.jsonl"\n\n'
        f'[sources.api]\nadapter = "fixture-pages"\nurl = "{api.url}"\n\n'
        '[sources.gone]\nadapter = "jsonl"\npath = "missing.jsonl"\n',
    )
    result = invoke("sync", "--no-resolve")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any("shop" in x and "customers" in x and " 1 " in x and "ok" in x for x in lines)
    assert any("api" in x and "12" in x and "ok" in x for x in lines)
    assert any("gone" in x and "failed" in x for x in lines)
    assert "gone/customers failed: source 'gone': cannot read" in result.output
    assert "No such file or directory" in result.output

    again = invoke("sync", "shop", "api")
    assert again.exit_code == 0, again.output
    assert "identity resolution" not in again.output  # nothing changed


def test_sync_with_no_wait_reports_a_stream_another_process_holds(invoke, tmp_path):
    """--no-wait skips a locked stream with a clear message and does not fail."""
    (tmp_path / "shop.jsonl").write_text('{"external_id": "s1"}\n', encoding="utf-8")
    write_config(
        tmp_path / "crmkit.toml",
        '[database]\nurl = "sqlite:///sync.db"\n\n'
        '[sources.shop]\nadapter = "jsonl"\npath = "shop.jsonl"\n',
    )
    database = Database(f"sqlite:///{tmp_path / 'sync.db'}")
    lock = acquire_stream_lock(database, "shop", "customers", wait=False)
    try:
        result = invoke("sync", "--no-wait")
    finally:
        lock.release()
        database.dispose()
    assert result.exit_code == 0, result.output
    assert (
        "shop/customers busy: stream customers of source shop is being synced by another process"
        in result.output
    )


def test_sources_list_and_show_never_show_a_secret(invoke, tmp_path, monkeypatch):
    """Values from env: and secret-looking keys are masked; the rest is shown."""
    monkeypatch.setenv("SHOP_TOKEN", "tok-from-env-123")
    write_config(
        tmp_path / "crmkit.toml",
        '[database]\nurl = "sqlite:///sync.db"\n\n'
        '[sources.api]\nadapter = "fixture-pages"\nurl = "http://127.0.0.1:9/"\n'
        'token = "env:SHOP_TOKEN"\ndefault_region = "ru"\npriority = 3\n'
        'timezone = "Europe/Moscow"\n',
    )
    listed = invoke("sources", "list", "--json")
    assert listed.exit_code == 0, listed.output
    [source] = json.loads(listed.output)
    assert source["settings"] == {"url": "http://127.0.0.1:9/", "token": "***"}
    assert (source["default_region"], source["priority"]) == ("RU", 3)
    table = invoke("sources", "list")
    assert "fixture-pages" in table.output
    shown = invoke("sources", "show", "api")
    assert shown.exit_code == 0, shown.output
    assert 'token = "***"' in shown.output
    assert "timezone: Europe/Moscow" in shown.output
    for output in (listed.output, table.output, shown.output):
        assert "tok-from-env-123" not in output
    missing = invoke("sources", "show", "nope")
    assert missing.exit_code == 1
    assert "no source named 'nope'" in missing.output


def test_sources_check_reports_the_source_in_its_own_words(invoke, server, modules, tmp_path):
    """A refused token shows the server's answer (token masked); a good one says ok."""
    api = server({"customers": []}, token="good-token-456")  # noqa: S106 - a test token
    write_config(
        tmp_path / "crmkit.toml",
        f'[sources.bad]\nadapter = "fixture-pages"\nurl = "{api.url}"\n'
        'token = "bad-token-789"\n\n'
        f'[sources.good]\nadapter = "fixture-pages"\nurl = "{api.url}"\n'
        'token = "good-token-456"\n\n'
        '[sources.file]\nadapter = "jsonl"\npath = "nowhere.jsonl"\n',
    )
    bad = invoke("sources", "check", "bad")
    assert bad.exit_code == 1
    assert 'HTTP 401 Unauthorized: {"error": "invalid token ***"}' in bad.output
    assert "bad-token-789" not in bad.output
    good = invoke("sources", "check", "good")
    assert good.exit_code == 0, good.output
    assert good.output.startswith("good: ok: ")
    missing = invoke("sources", "check", "file")
    assert missing.exit_code == 1
    assert "cannot read" in missing.output
    assert "No such file or directory" in missing.output


def test_deadletters_show_retry_and_discard(invoke, server, tmp_path):
    """Letters read with a wrong id field are retried after the configuration is fixed."""
    records = [{"id": n, "name": f"Клиент {n}"} for n in range(1, 4)]
    records.append({"name": "no id at all"})
    api = server({"customers": records})
    source = f'[sources.api]\nadapter = "fixture-pages"\nurl = "{api.url}"\n'
    config = write_config(tmp_path / "crmkit.toml", f'[database]\nurl = "sqlite:///d.db"\n{source}')
    assert invoke("sync", "--no-resolve").exit_code == 0
    listed = invoke("--db", "sqlite:///d.db", "deadletters", "list", "--json")
    letters = [json.loads(line) for line in listed.output.splitlines()]
    assert len(letters) == 4
    shown = invoke("--db", "sqlite:///d.db", "deadletters", "show", letters[0]["id"])
    assert shown.exit_code == 0, shown.output
    assert "source: api" in shown.output
    assert 'raw:\n{"id": 1, "name": "Клиент 1"}' in shown.output
    assert "external_id" in shown.output

    write_config(config, f'[database]\nurl = "sqlite:///d.db"\n{source}id_field = "id"\n')
    retried = invoke("deadletters", "retry", "--source", "api")
    assert retried.exit_code == 0, retried.output
    assert retried.output.startswith("3 fixed, 1 still bad")
    still_bad = letters[3]["id"]
    assert f"  {still_bad}: " in retried.output
    discarded = invoke("--db", "sqlite:///d.db", "deadletters", "discard", still_bad)
    assert discarded.output == "1 dead letter(s) discarded\n"
    assert "no dead letters" in invoke("--db", "sqlite:///d.db", "deadletters", "list").output
    unknown = invoke("--db", "sqlite:///d.db", "deadletters", "show", 999)
    assert unknown.exit_code == 1
    assert "no dead letter with id 999" in unknown.output


def test_configuration_errors_name_source_key_and_variable(invoke, tmp_path):
    """A missing variable, an unknown adapter, a bad setting: one clear line each."""
    config = tmp_path / "crmkit.toml"
    write_config(config, '[sources.erp]\nadapter = "jsonl"\npath = "env:ERP_EXPORT_PATH"\n')
    result = invoke("sync")
    assert result.exit_code == 1
    assert (
        "source 'erp', key 'path': environment variable ERP_EXPORT_PATH is not set" in result.output
    )
    write_config(config, '[sources.erp]\nadapter = "sap-rfc"\n')
    result = invoke("sync")
    assert "source 'erp': no adapter named 'sap-rfc' (installed: csv, fixture-pages, jsonl)" in (
        result.output
    )
    write_config(config, '[sources.erp]\nadapter = "csv"\npath = "x.csv"\ndelimiter = ";;"\n')
    result = invoke("sources", "check", "erp")
    assert result.exit_code == 1
    assert "source 'erp' (adapter 'csv'): delimiter: Length must be 1." in result.output
    config.unlink()
    result = invoke("sync")
    assert result.exit_code == 1
    assert "no sources configured in crmkit.toml" in result.output


def test_the_bundled_demo_sources_sync_offline(invoke, tmp_path):
    """`crmkit sync --config demo` reads the sample exports into ./crmkit-sync-demo.db."""
    result = invoke("sync", "--config", "demo")
    assert result.exit_code == 0, result.output
    for source in ("1c", "sap", "shop", "pbx"):
        assert any(line.split()[1:2] == [source] for line in result.output.splitlines())
    assert "identity resolution:" in result.output
    assert (tmp_path / "crmkit-sync-demo.db").exists()
    again = invoke("sync", "--config", "demo", "--no-resolve")
    assert again.exit_code == 0, again.output
    assert "identity resolution" not in again.output
