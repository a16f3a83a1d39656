"""Incremental identity resolution: only what changed is re-clustered, with the same outcome."""

import random
from collections import defaultdict

import pytest

from crmkit.domain import Identity
from crmkit.testing.messy import generate

IVANOV_1C = {
    "external_id": "c-1",
    "kind": "person",
    "name": "Иванов Пётр Сергеевич",
    "phones": ["+7 916 555-12-34"],
    "emails": ["p.ivanov@example.ru"],
    "birth_date": "1980-03-14",
}
SIDOROVA_1C = {
    "external_id": "c-2",
    "kind": "person",
    "name": "Сидорова Анна Викторовна",
    "phones": ["+7 903 111-22-33"],
    "birth_date": "1991-07-02",
}
IVANOV_SHOP = {
    "external_id": "order-buyer-77",
    "kind": "person",
    "name": "Petr Ivanov",
    "emails": ["P.Ivanov@example.ru"],
    "phones": ["8 916 555 12 34"],
}


def partition(crm):
    """Return the customers as a set of frozensets of identities."""
    return {frozenset(c.identities) for c in crm.customers()}


def ingest(crm, records):
    """Ingest ``(source, record)`` pairs grouped by source, without resolving."""
    by_source = defaultdict(list)
    for source, record in records:
        by_source[source].append(record)
    for source, batch in by_source.items():
        crm.ingest_customers(source, batch, resolve=False)


def test_the_first_run_is_full_and_a_run_with_nothing_new_changes_nothing(crm):
    """No stored model yet: a full run; then nothing changed: nothing is re-clustered."""
    crm.ingest_customers("1c", [IVANOV_1C, SIDOROVA_1C], resolve=False)
    assert crm.resolve().mode == "full"
    before = {c.id: c.updated_at for c in crm.customers()}
    report = crm.resolve()
    assert (report.mode, report.records) == ("unchanged", 0)
    assert {c.id: c.updated_at for c in crm.customers()} == before


def test_a_new_record_joins_its_customer_and_leaves_the_others_untouched(crm):
    """A web-shop buyer matching a 1C customer joins it; the unrelated customer is not rewritten."""
    crm.ingest_customers("1c", [IVANOV_1C, SIDOROVA_1C])
    [ivanov] = crm.find_customers(identity=("1c", "c-1"))
    [sidorova] = crm.find_customers(identity=("1c", "c-2"))
    crm.ingest_customers("shop", [IVANOV_SHOP], resolve=False)
    report = crm.resolve()
    assert report.mode == "incremental"
    assert report.records == 2  # the buyer and the one customer it may concern
    joined = crm.customer(ivanov.id)
    assert Identity("shop", "order-buyer-77") in joined.identities
    assert crm.customer(sidorova.id).updated_at == sidorova.updated_at


def test_a_changed_record_that_no_longer_matches_splits_off(crm):
    """A shop record that changes to another person's details leaves the customer it was in."""
    crm.ingest_customers("1c", [IVANOV_1C, SIDOROVA_1C])
    crm.ingest_customers("shop", [IVANOV_SHOP])
    [ivanov] = crm.find_customers(identity=("1c", "c-1"))
    assert len(crm.customer(ivanov.id).identities) == 2
    changed = {
        **IVANOV_SHOP,
        "name": "Kozlova Maria",
        "emails": ["m.kozlova@example.org"],
        "phones": ["+7 926 000-00-01"],
    }
    crm.ingest_customers("shop", [changed], resolve=False)
    assert crm.resolve().mode == "incremental"
    assert crm.customer(ivanov.id).identities == (Identity("1c", "c-1"),)
    [kozlova] = crm.find_customers(identity=("shop", "order-buyer-77"))
    assert kozlova.id != ivanov.id


def test_decisions_are_applied_by_an_incremental_run(crm):
    """A manual merge re-clusters only the two customers and holds."""
    crm.ingest_customers("1c", [IVANOV_1C, SIDOROVA_1C])
    [ivanov] = crm.find_customers(identity=("1c", "c-1"))
    [sidorova] = crm.find_customers(identity=("1c", "c-2"))
    merged = crm.merge(ivanov.id, sidorova.id, actor="olga")
    assert len(merged.identities) == 2
    assert crm.customer(sidorova.id).id == merged.id


def test_incremental_runs_reach_the_clusters_of_a_full_rebuild(crm):
    """Messy data imported in three parts, resolved after each, ends as a full rebuild does."""
    data = generate(300, seed=23)
    records = list(data.records)
    random.Random(5).shuffle(records)  # noqa: S311 - a reproducible split, not a secret
    first, second = int(len(records) * 0.7), int(len(records) * 0.9)
    ingest(crm, records[:first])
    assert crm.resolve().mode == "full"
    for part in (records[first:second], records[second:]):
        ingest(crm, part)
        report = crm.resolve()
        assert report.mode == "incremental"
        assert report.records < len(records)
    incremental = partition(crm)
    assert crm.resolve(full=True).mode == "full"
    full = partition(crm)
    same = len(incremental & full) / len(full)
    assert same >= 0.99, f"only {same:.1%} of the clusters agree"
    keys = [[(i.source, i.external_id) for i in c] for c in incremental]
    _, _, f1_incremental = data.pairwise_scores(keys)
    _, _, f1_full = data.pairwise_scores([[(i.source, i.external_id) for i in c] for c in full])
    assert f1_incremental >= f1_full - 0.01
    assert sum(len(c) for c in incremental) == len(records)


def test_a_dry_run_of_an_incremental_change_writes_nothing(crm):
    """--dry-run reports what the incremental run would do and leaves the store as it was."""
    crm.ingest_customers("1c", [IVANOV_1C, SIDOROVA_1C])
    crm.ingest_customers("shop", [IVANOV_SHOP], resolve=False)
    before = partition(crm)
    report = crm.resolve(dry_run=True)
    assert (report.mode, report.dry_run) == ("incremental", True)
    assert partition(crm) == before
    assert crm.resolve().mode == "incremental"


@pytest.mark.parametrize("full", [False, True])
def test_the_cli_says_which_kind_of_run_it_made(tmp_path, full):
    """`crmkit resolve` and `crmkit resolve --full` name the run in their summary."""
    from click.testing import CliRunner

    from crmkit.cli import build_cli

    db = f"sqlite:///{tmp_path / 'c.db'}"
    source = tmp_path / "people.jsonl"
    source.write_text('{"external_id": "1", "name": "Иванов Пётр", "phones": ["+79165551234"]}\n')
    runner = CliRunner()
    result = runner.invoke(
        build_cli(), ["--db", db, "import", "jsonl", str(source), "--source", "1c"]
    )
    assert result.exit_code == 0, result.output
    args = ["--db", db, "resolve"] + (["--full"] if full else [])
    result = runner.invoke(build_cli(), args)
    assert result.exit_code == 0, result.output
    expected = "full" if full else "nothing changed since the last resolution"
    assert expected in result.output


@pytest.mark.parametrize(
    ("query", "kind"),
    [("Пётр Иванов", None), ("IVANOV PETR", "person"), ("Иванов П. С.", None)],
)
def test_customers_are_found_by_name_in_any_script_and_order(crm, query, kind):
    """find_customers(name=...) finds the customer whatever the script, order or initials."""
    crm.ingest_customers("1c", [IVANOV_1C, SIDOROVA_1C])
    [ivanov] = crm.find_customers(identity=("1c", "c-1"))
    found = crm.find_customers(name=query, kind=kind)
    assert [c.id for c in found][:1] == [ivanov.id]
    assert all(Identity("1c", "c-2") not in c.identities for c in found)


def test_firms_are_found_by_name_whatever_the_legal_form(crm):
    """«Ромашка» as an ООО finds the firm stored as Romashka LLC; an unknown name finds nobody."""
    crm.ingest_customers(
        "sap", [{"external_id": "42", "kind": "organization", "name": "Romashka LLC"}]
    )
    [found] = crm.find_customers(name="ООО «Ромашка»")
    assert found.name == "Romashka LLC"
    assert crm.find_customers(name="ООО «Василёк»") == []
