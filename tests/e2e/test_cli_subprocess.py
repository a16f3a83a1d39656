"""The ``crmkit`` command as a real process: ``python -m crmkit``, as an installed user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.fixture
def crmkit_process(tmp_path):
    """Return ``run(*args)``: ``python -m crmkit ARGS`` in tmp_path, without outside plugins."""
    env = {
        **os.environ,
        "CRMKIT_LOAD_PLUGINS": "",
        "COLUMNS": "200",
        "PYTHONIOENCODING": "utf-8",
    }
    env.pop("CRMKIT_DATABASE_URL", None)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "crmkit", *map(str, args)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )

    return run


def test_python_m_crmkit_init_twice_on_the_default_database(tmp_path, crmkit_process):
    """Init creates ./crmkit.db, then reports it up to date; both exit 0."""
    first = crmkit_process("init")
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "crmkit.db").exists()
    assert "schema upgraded from empty" in first.stdout
    second = crmkit_process("init")
    assert second.returncode == 0, second.stderr
    assert "schema is up to date" in second.stdout


def test_python_m_crmkit_imports_a_file_with_a_bad_line_and_exports_it(tmp_path, crmkit_process):
    """Import, re-import, dead letters and export work end to end in separate processes."""
    data = tmp_path / "shop.jsonl"
    data.write_text(
        '{"external_id": "1", "name": "Иван", "phones": ["8 (495) 123-45-67"]}\n'
        "{oops\n"
        '{"external_id": "2", "name": "Anna"}\n',
        encoding="utf-8",
    )
    db = ("--db", f"sqlite:///{tmp_path / 'shop.db'}")
    first = crmkit_process(*db, "import", "jsonl", data, "--source", "shop", "--region", "RU")
    assert first.returncode == 0, first.stderr
    assert "1 bad record(s)" in first.stdout
    second = crmkit_process(*db, "import", "jsonl", data, "--source", "shop")
    assert second.returncode == 0, second.stderr
    listed = crmkit_process(*db, "deadletters", "list", "--json")
    letters = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {(d["position"], d["raw"]) for d in letters} == {("line 2", "{oops")}
    export = crmkit_process(*db, "customers", "export")
    assert export.returncode == 0, export.stderr
    docs = [json.loads(line) for line in export.stdout.splitlines()]
    assert [(d["name"], d["phones"]) for d in docs] == [("Иван", ["+74951234567"]), ("Anna", [])]


def test_python_m_crmkit_reports_errors_without_a_traceback(crmkit_process):
    """A user error exits with status 1 and one readable line on standard error."""
    result = crmkit_process("import", "nosuchadapter", "x.jsonl", "--source", "s")
    assert result.returncode == 1
    assert "Error: no adapter named 'nosuchadapter'" in result.stderr
    assert "Traceback" not in result.stderr
