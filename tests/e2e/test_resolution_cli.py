"""The identity-resolution commands: resolve, customers merge/unmerge/explain, review."""

from __future__ import annotations

import json

import pytest

import crmkit

RECORDS = [
    {
        "external_id": "a3f1",
        "kind": "organization",
        "name": "ООО «Ромашка»",
        "phones": ["8 (495) 123-45-67"],
        "identifiers": {"inn": "7707083893"},
    },
    {
        "external_id": "b7e2",
        "kind": "organization",
        "name": "АО «Василёк»",
        "identifiers": {"inn": "7841010017"},
    },
]
SAP = [
    {
        "external_id": "0000100042",
        "kind": "organization",
        "name": "Romashka LLC",
        "phones": ["+7 495 1234567"],
        "identifiers": {"inn": "7707083893"},
    }
]


@pytest.fixture
def url(run, tmp_path, monkeypatch):
    """Return a SQLite URL with the 1C and SAP records imported (not yet resolved)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    for name, rows in (("1c.jsonl", RECORDS), ("sap.jsonl", SAP)):
        (tmp_path / name).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    database = f"sqlite:///{tmp_path / 'r.db'}"
    assert (
        run(
            "--db",
            database,
            "import",
            "jsonl",
            "1c.jsonl",
            "--source",
            "1c",
            "--region",
            "RU",
            "--no-resolve",
        ).exit_code
        == 0
    )
    assert (
        run(
            "--db", database, "import", "jsonl", "sap.jsonl", "--source", "sap", "--no-resolve"
        ).exit_code
        == 0
    )
    return database


def customer_of(url, source, external_id):
    """Return the id of the customer holding an identity."""
    with crmkit.open(url, entrypoints=False) as crm:
        [found] = crm.find_customers(identity=(source, external_id))
        return found.id


def test_resolve_dry_run_reports_and_writes_nothing(run, url):
    """`resolve --dry-run` prints the table and leaves no customers behind."""
    result = run("--db", url, "resolve", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    with crmkit.open(url, entrypoints=False) as crm:
        assert crm.count_customers() == 0


def test_resolve_then_unmerge_then_explain_through_the_command_line(run, url):
    """The firm from 1C and SAP becomes one customer; unmerge splits it; explain says why."""
    assert run("--db", url, "resolve").exit_code == 0
    romashka = customer_of(url, "1c", "a3f1")
    assert customer_of(url, "sap", "0000100042") == romashka
    linked = run("--db", url, "customers", "explain", romashka, romashka)
    assert "INN" in linked.output
    result = run(
        "--db",
        url,
        "customers",
        "unmerge",
        romashka,
        "sap/0000100042",
        "--reason",
        "different branch",
        "--actor",
        "olga",
    )
    assert result.exit_code == 0, result.output
    assert customer_of(url, "sap", "0000100042") != romashka
    apart = run(
        "--db", url, "customers", "explain", romashka, customer_of(url, "sap", "0000100042")
    )
    assert "decision" in apart.output


def test_merge_joins_two_customers_and_review_list_is_empty_when_nothing_waits(run, url):
    """`customers merge` joins two firms for good; `review list` says nothing waits."""
    run("--db", url, "resolve")
    first, second = customer_of(url, "1c", "a3f1"), customer_of(url, "1c", "b7e2")
    result = run("--db", url, "customers", "merge", first, second)
    assert result.exit_code == 0, result.output
    assert customer_of(url, "1c", "b7e2") == customer_of(url, "1c", "a3f1")
    assert "nothing to review" in run("--db", url, "review", "list").output


def test_unmerge_with_a_malformed_identity_is_a_usage_error(run, url):
    """An identity without SOURCE/ is refused before anything happens."""
    run("--db", url, "resolve")
    result = run("--db", url, "customers", "unmerge", customer_of(url, "1c", "a3f1"), "nosource")
    assert result.exit_code == 2
    assert "SOURCE/EXTERNAL_ID" in result.output
