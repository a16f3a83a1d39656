"""Identity resolution through the store: stable ids, decisions, aliases, dry runs, explain."""

import pytest

from crmkit.domain import Identity
from crmkit.errors import CrmkitError

ROMASHKA_1C = {
    "external_id": "a3f1",
    "kind": "organization",
    "name": "ООО «Ромашка»",
    "phones": ["8 (495) 123-45-67"],
    "identifiers": {"inn": "7707083893"},
}
ROMASHKA_SAP = {
    "external_id": "0000100042",
    "kind": "organization",
    "name": "Romashka LLC",
    "phones": ["+7 495 1234567"],
    "identifiers": {"inn": "7707083893"},
}
VASILEK = {
    "external_id": "b7e2",
    "kind": "organization",
    "name": "АО «Василёк»",
    "identifiers": {"inn": "7841010017"},
}


def load(crm):
    """Ingest Ромашка from 1C and SAP and Василёк from 1C; return Ромашка's customer."""
    crm.ingest_customers("1c", [ROMASHKA_1C, VASILEK], resolve=False)
    crm.ingest_customers("sap", [ROMASHKA_SAP])
    [romashka] = crm.find_customers(identifier=("inn", "7707083893"))
    return romashka


def test_records_of_one_firm_from_two_systems_become_one_customer(crm):
    """The same INN in 1C and SAP: one customer holding both identities."""
    romashka = load(crm)
    assert [str(i) for i in romashka.identities] == ["1c/a3f1", "sap/0000100042"]
    assert crm.count_customers() == 2


def test_an_unmerge_separates_an_identity_for_good_and_is_journalled(crm):
    """Unmerging keeps the identity apart in every later run, and the journal says who did it."""
    romashka = load(crm)
    separated = crm.unmerge(romashka.id, Identity("sap", "0000100042"), actor="olga", reason="x")
    assert separated.id != romashka.id
    assert [str(i) for i in crm.customer(romashka.id).identities] == ["1c/a3f1"]
    crm.ingest_customers("sap", [{**ROMASHKA_SAP, "emails": ["orders@romashka.ru"]}])
    assert crm.count_customers() == 3
    [decision] = crm.decisions()
    assert (decision.kind, decision.actor, decision.reason) == ("unmerge", "olga", "x")


def test_a_manual_merge_holds_and_the_absorbed_id_keeps_resolving(crm):
    """Merging two customers keeps them together; the absorbed id becomes an alias."""
    romashka = load(crm)
    [vasilek] = crm.find_customers(identity=("1c", "b7e2"))
    merged = crm.merge(romashka.id, vasilek.id, actor="olga")
    assert {str(i) for i in merged.identities} == {"1c/a3f1", "sap/0000100042", "1c/b7e2"}
    crm.resolve()
    assert crm.count_customers() == 1
    assert crm.customer(vasilek.id).id == merged.id
    assert crm.customer(romashka.id).id == merged.id


def test_a_dry_run_reports_without_writing(crm):
    """resolve(dry_run=True) computes the clusters and leaves the customers as they were."""
    crm.ingest_customers("1c", [ROMASHKA_1C], resolve=False)
    crm.ingest_customers("sap", [ROMASHKA_SAP], resolve=False)
    report = crm.resolve(dry_run=True)
    assert (report.records, report.customers, report.dry_run) == (2, 1, True)
    assert crm.count_customers() == 0


def test_resolving_twice_changes_no_customer_id(crm):
    """A second run over the same records keeps every id and reports nothing new."""
    load(crm)
    before = sorted((c.id, tuple(map(str, c.identities))) for c in crm.customers())
    report = crm.resolve()
    assert (report.created, report.merged, report.split) == (0, [], [])
    assert sorted((c.id, tuple(map(str, c.identities))) for c in crm.customers()) == before


def test_explain_shows_the_link_between_two_records_of_one_customer(crm):
    """explain() of one customer gives the chain: the same INN links 1C and SAP."""
    romashka = load(crm)
    explanation = crm.explain(romashka.id, romashka.id)
    assert explanation.linked
    assert "INN" in explanation.text()


def test_explain_of_two_customers_says_why_they_are_apart(crm):
    """explain() of two firms with different INNs names the reason they are not one."""
    romashka = load(crm)
    [vasilek] = crm.find_customers(identity=("1c", "b7e2"))
    explanation = crm.explain(romashka.id, vasilek.id)
    assert not explanation.linked
    assert explanation.reason


def test_unmerging_an_identity_the_customer_lacks_is_a_clear_error(crm):
    """unmerge() of a foreign identity names the customer and the identity."""
    romashka = load(crm)
    with pytest.raises(CrmkitError, match="no identity shop/1"):
        crm.unmerge(romashka.id, Identity("shop", "1"))


def test_deciding_an_unknown_review_item_is_a_clear_error(crm):
    """decide() on an id with no open review item says so."""
    load(crm)
    with pytest.raises(CrmkitError, match="no open review item 999"):
        crm.decide(999, accept=True)


@pytest.fixture
def messy(tmp_path):
    """Return crmkit on SQLite with 1,000 generated customers' records resolved."""
    from collections import defaultdict

    import crmkit
    from crmkit.testing.messy import generate

    by_source = defaultdict(list)
    for source, record in generate(1000, seed=7).records:
        by_source[source].append(record)
    crm = crmkit.open(f"sqlite:///{tmp_path / 'messy.db'}", entrypoints=False, default_region="RU")
    for source, records in by_source.items():
        crm.ingest_customers(source, records, resolve=False)
    crm.resolve()
    yield crm
    crm.close()


def customer_ids(crm, item):
    """Return the customer ids of a review item's two records."""
    [left] = crm.find_customers(identity=(item.left.source, item.left.external_id))
    [right] = crm.find_customers(identity=(item.right.source, item.right.external_id))
    return left.id, right.id


def test_borderline_pairs_wait_for_review_with_their_explanation(messy):
    """Pairs between the thresholds are queued, apart, each with its comparisons and reason."""
    items = messy.review_items()
    assert items
    for item in items:
        left, right = customer_ids(messy, item)
        assert left != right
        assert 0 < item.probability < 1
        assert item.explanation["comparisons"]
        assert "threshold" in item.explanation["reason"]


def test_accepting_a_review_item_joins_and_rejecting_one_keeps_apart_for_good(messy):
    """An accepted pair becomes one customer, a rejected one stays two, in every later run."""
    first = messy.review_items()[0]
    messy.decide(first.id, accept=True, actor="olga")
    second = messy.review_items()[0]
    messy.decide(second.id, accept=False, actor="olga")
    messy.resolve()
    left, right = customer_ids(messy, first)
    assert left == right
    left, right = customer_ids(messy, second)
    assert left != right
    assert [d.kind for d in messy.decisions()] == ["accept", "reject"]
    assert {i.id for i in messy.review_items("accepted")} == {first.id}
