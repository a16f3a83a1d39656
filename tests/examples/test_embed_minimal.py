"""examples/embed_minimal.py, run as a user runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


SCRIPT = EXAMPLES / "embed_minimal.py"


def run(*args: str) -> str:
    """Run the example with ``args``; return its standard output, failing on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_embedding_example_ingests_two_sources_and_finds_the_caller(tmp_path):
    """It reports both sources, finds Ромашка by a phone written differently, prints the card."""
    database = tmp_path / "crm.db"
    output = run(str(database))
    assert "erp: 2 read, 2 new, 0 unchanged" in output
    assert "shop: 2 read, 2 new, 0 unchanged" in output
    found = re.search(r"^(\d+) customer\(s\) on 8-495-123-45-67$", output, re.MULTILINE)
    assert found
    assert int(found[1]) >= 1
    assert "ООО «Ромашка»" in output
    assert '"+74951234567"' in output
    assert '"erp/a3f1c2e4"' in output
    assert "flagged values: [\"phone '123'" in output
    assert database.exists()


def test_running_the_example_again_on_the_same_file_stores_nothing_new(tmp_path):
    """Ingest is idempotent: the second run finds every record unchanged."""
    database = tmp_path / "crm.db"
    run(str(database))
    output = run(str(database))
    assert "erp: 2 read, 0 new, 2 unchanged" in output
    assert "shop: 2 read, 0 new, 2 unchanged" in output


def test_without_an_argument_the_example_uses_a_temporary_file():
    """The default database is a new SQLite file in a temporary directory."""
    output = run()
    assert re.search(r"customer\(s\) in .*crmkit-example\.db", output)
