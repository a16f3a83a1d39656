"""The ``crmkit`` command, driven through click's test runner."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import crmkit
from crmkit.cli import cli
from crmkit.plugins import get_plugin_manager


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Run every command in tmp_path, with no database URL in the environment, 200 columns."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRMKIT_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def sqlite_url(tmp_path):
    """Return the URL of a SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


def table_cells(line):
    """Return the stripped cells of one line of a rich table."""
    return [cell.strip() for cell in re.split(r"[┃│]", line)[1:-1]]


def import_summary(output):
    """Return the import summary table as ``{column: int}`` (seconds left out)."""
    lines = output.splitlines()
    header_at = next(i for i, line in enumerate(lines) if "dead-lettered" in line)
    header = table_cells(lines[header_at])
    row = next(table_cells(line) for line in lines[header_at + 1 :] if "│" in line)
    return {name: int(value) for name, value in zip(header, row, strict=True) if name != "seconds"}


def stored_record_count(url):
    """Return how many record versions the database at ``url`` holds."""
    with crmkit.open(url, entrypoints=False) as crm:
        return crm.records.count_records()


GOOD_LINES = [
    {"external_id": "1", "name": "Ivan Petrov", "phones": ["+7 495 123-45-67"]},
    {"external_id": "2", "name": "Anna", "emails": ["Anna@Example.com"]},
    {"external_id": "3", "kind": "organization", "name": "ООО «Ромашка»"},
]
BAD_LINES = {
    2: ("{not json", "malformed JSON"),
    4: ('["a", "list"]', "JSON object"),
    5: ('{"name": "no external id"}', "external_id"),
    7: ('{"external_id": "7", "name": ["a", "list"]}', "name"),
}


@pytest.fixture
def malformed_file(input_files):
    """Write a JSON Lines file: good lines 1, 3 and 8, bad lines 2, 4, 5, 7, line 6 blank."""
    lines = {1: GOOD_LINES[0], 3: GOOD_LINES[1], 6: "", 8: GOOD_LINES[2]}
    lines.update({number: text for number, (text, _) in BAD_LINES.items()})
    return input_files.jsonl("customers.jsonl", [lines[n] for n in range(1, 9)])


def test_init_creates_a_new_sqlite_file_and_then_finds_it_up_to_date(run, tmp_path, sqlite_url):
    """The first init creates and migrates the file; the second has nothing to do."""
    first = run("--db", sqlite_url, "init")
    assert first.exit_code == 0, first.output
    assert (tmp_path / "cli.db").exists()
    assert "schema upgraded from empty to revision" in first.output
    with crmkit.open(sqlite_url, entrypoints=False) as crm:
        head = crm.database.head_revision()
    assert head in first.output
    second = run("--db", sqlite_url, "init")
    assert second.exit_code == 0, second.output
    assert f"schema is up to date (revision {head})" in second.output


def test_without_db_or_environment_the_database_is_crmkit_db_in_the_current_directory(
    run, tmp_path
):
    """The default database is sqlite:///crmkit.db, relative to the working directory."""
    result = run("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "crmkit.db").exists()
    assert "sqlite:///crmkit.db" in result.output


def test_crmkit_database_url_names_the_database(run, tmp_path):
    """CRMKIT_DATABASE_URL is used when --db is not given."""
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    result = run("init", env={"CRMKIT_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-env.db").exists()
    assert not (tmp_path / "crmkit.db").exists()


def test_db_wins_over_crmkit_database_url(run, tmp_path):
    """An explicit --db overrides the environment variable."""
    env = {"CRMKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}"}
    result = run("--db", f"sqlite:///{tmp_path / 'option.db'}", "init", env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "option.db").exists()
    assert not (tmp_path / "env.db").exists()


def test_import_keeps_every_good_line_dead_letters_each_bad_one_and_a_rerun_adds_nothing(
    run, database_url, malformed_file
):
    """The issue's done-criterion, on SQLite and PostgreSQL, through the command line."""
    first = run("--db", database_url, "import", "jsonl", malformed_file, "--source", "shop")
    assert first.exit_code == 0, first.output
    assert import_summary(first.stdout) == {
        "read": 7,
        "new": 3,
        "changed": 0,
        "unchanged": 0,
        "dead-lettered": 4,
    }
    assert "4 bad record(s)" in first.output
    letters = run("--db", database_url, "deadletters", "list", "--json")
    found = [json.loads(line) for line in letters.stdout.splitlines()]
    assert {d["position"]: d["raw"] for d in found} == {
        f"line {n}": text for n, (text, _) in BAD_LINES.items()
    }
    for letter in found:
        expected = BAD_LINES[int(letter["position"].removeprefix("line "))][1]
        assert expected.lower() in letter["reason"].lower()

    second = run("--db", database_url, "import", "jsonl", malformed_file, "--source", "shop")
    assert second.exit_code == 0, second.output
    counts = import_summary(second.stdout)
    assert (counts["new"], counts["changed"], counts["unchanged"]) == (0, 0, len(GOOD_LINES))
    assert stored_record_count(database_url) == len(GOOD_LINES)
    export = run("--db", database_url, "customers", "export")
    assert len(export.stdout.splitlines()) == len(GOOD_LINES)


def test_deadletters_list_shows_each_bad_line_with_its_line_number(run, sqlite_url, malformed_file):
    """The table of dead letters names the source and the line of every bad record."""
    run("--db", sqlite_url, "import", "jsonl", malformed_file, "--source", "shop")
    result = run("--db", sqlite_url, "deadletters", "list")
    assert result.exit_code == 0, result.output
    rows = [table_cells(line) for line in result.stdout.splitlines() if "│" in line]
    positions = [cells[3] for cells in rows if cells[3]]
    assert positions == [f"line {n}" for n in BAD_LINES]
    assert all(cells[1] == "shop" for cells in rows if cells[1])


def test_deadletters_list_says_so_when_there_are_none(run, sqlite_url):
    """An empty dead-letter table is reported in words."""
    result = run("--db", sqlite_url, "deadletters", "list")
    assert result.exit_code == 0, result.output
    assert "no dead letters" in result.output


def test_customers_export_jsonl_writes_one_customer_per_line(run, sqlite_url, malformed_file):
    """Each line is a JSON object with id, golden fields and identities."""
    run("--db", sqlite_url, "import", "jsonl", malformed_file, "--source", "shop", "--region", "RU")
    result = run("--db", sqlite_url, "customers", "export", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["name"] for d in docs] == [g["name"] for g in GOOD_LINES]
    assert len({d["id"] for d in docs}) == len(docs)
    ivan, anna, romashka = docs
    assert ivan["phones"] == ["+74951234567"]
    assert anna["emails"] == ["anna@example.com"]
    assert romashka["kind"] == "organization"
    for doc, line in zip(docs, GOOD_LINES, strict=True):
        assert doc["identities"] == [{"source": "shop", "external_id": line["external_id"]}]


def test_customers_export_csv_has_a_header_and_one_row_per_customer(
    run, sqlite_url, malformed_file
):
    """The CSV export parses back into one row per customer with its identities."""
    run("--db", sqlite_url, "import", "jsonl", malformed_file, "--source", "shop")
    result = run("--db", sqlite_url, "customers", "export", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(GOOD_LINES)
    assert {"id", "name", "phones", "emails", "identities"} <= set(rows[0])
    assert [r["identities"] for r in rows] == [f"shop/{g['external_id']}" for g in GOOD_LINES]
    assert rows[2]["name"] == "ООО «Ромашка»"


def test_customers_export_writes_to_a_file_with_output(run, tmp_path, sqlite_url, malformed_file):
    """--output writes the export to a file instead of standard output."""
    run("--db", sqlite_url, "import", "jsonl", malformed_file, "--source", "shop")
    target = tmp_path / "out.jsonl"
    result = run("--db", sqlite_url, "customers", "export", "--output", target)
    assert result.exit_code == 0, result.output
    assert len(target.read_text(encoding="utf-8").splitlines()) == len(GOOD_LINES)


def test_importing_through_an_unknown_adapter_fails_listing_the_installed_ones(run, sqlite_url):
    """An unknown adapter name is a clean error (no traceback) naming the alternatives."""
    result = run("--db", sqlite_url, "import", "nosuchadapter", "x.jsonl", "--source", "s")
    assert result.exit_code != 0
    assert "nosuchadapter" in result.output
    assert "installed: csv, jsonl" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "exit_code", "message"),
    [
        ("no-equals-sign", 2, "expected KEY=VALUE"),
        ("max_record_bytes=lots", 1, "max_record_bytes"),
        ("colour=blue", 1, "colour"),
    ],
)
def test_a_bad_adapter_option_is_a_clear_error(
    run, sqlite_url, malformed_file, option, exit_code, message
):
    """A malformed, mistyped or unknown --option is refused with the setting's name."""
    result = run(
        "--db", sqlite_url, "import", "jsonl", malformed_file, "--source", "s", "--option", option
    )
    assert result.exit_code == exit_code
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_adapter_option_reaches_the_adapter(run, sqlite_url, malformed_file):
    """--option max_record_bytes=20 makes every longer line a dead letter."""
    result = run(
        "--db",
        sqlite_url,
        "import",
        "jsonl",
        malformed_file,
        "--source",
        "s",
        "--option",
        "max_record_bytes=20",
    )
    assert result.exit_code == 0, result.output
    assert import_summary(result.stdout)["new"] == 0


def test_importing_a_missing_file_is_a_clean_error(run, sqlite_url, tmp_path):
    """A path that does not exist gives a one-line error naming it, exit status 1."""
    missing = tmp_path / "missing.jsonl"
    result = run("--db", sqlite_url, "import", "jsonl", missing, "--source", "s")
    assert result.exit_code == 1
    assert str(missing) in result.output
    assert "Traceback" not in result.output


def test_a_database_from_a_newer_crmkit_is_refused_by_init(run, sqlite_url):
    """Init on a database at an unknown revision fails cleanly and says why."""
    assert run("--db", sqlite_url, "init").exit_code == 0
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    engine.dispose()
    result = run("--db", sqlite_url, "init")
    assert result.exit_code == 1
    assert "ffff_future" in result.output
    assert "newer crmkit" in result.output


def test_plugins_json_parses_and_lists_built_ins_with_all(run):
    """Plugins --json is JSON; --all adds the built-in plugins with their hooks."""
    plain = run("plugins", "--json")
    assert plain.exit_code == 0, plain.output
    assert json.loads(plain.stdout) == {"plugins": [], "problems": []}
    everything = json.loads(run("plugins", "--all", "--json").stdout)
    by_name = {p["name"]: p for p in everything["plugins"]}
    assert "crmkit.builtins.file_adapters" in by_name
    assert by_name["crmkit.builtins.file_adapters"]["builtin"] is True
    assert "register_adapters" in by_name["crmkit.builtins.file_adapters"]["hooks"]


def test_adapters_json_parses_and_describes_jsonl_and_csv(run):
    """Adapters --json lists each adapter with its streams and settings."""
    result = run("adapters", "--json")
    assert result.exit_code == 0, result.output
    adapters = {a["name"]: a for a in json.loads(result.stdout)}
    assert set(adapters) == {"csv", "jsonl"}
    assert "customers" in adapters["jsonl"]["streams"]
    assert {"path", "encoding", "max_record_bytes"} <= set(adapters["jsonl"]["settings"])
    assert {"delimiter", "list_separator"} <= set(adapters["csv"]["settings"])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql+psycopg://crm:s3cret@127.0.0.1:1/crm", "Connection refused"),
        ("sqlite:////nonexistent-folder/crm.db", "unable to open database file"),
    ],
    ids=["server-not-answering", "sqlite-in-missing-folder"],
)
def test_an_unreachable_database_is_one_clear_line_without_the_password(url, reason):
    """`init` on a database it cannot open exits 1 naming it, the password hidden."""
    result = CliRunner().invoke(
        cli, ["--db", url, "init"], obj=get_plugin_manager(entrypoints=False)
    )
    assert result.exit_code == 1
    assert "cannot open database" in result.output
    assert reason in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output
