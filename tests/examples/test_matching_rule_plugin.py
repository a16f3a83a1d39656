"""examples/matching_rule_plugin: one loyalty card, written three ways, is one customer."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import crmkit
from crmkit.plugins import collect_identifier_kinds, get_plugin_manager

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Web-shop buyers: a first name, an e-mail and a card.
SHOP = [
    {
        "external_id": "b-1",
        "name": "Анна",
        "emails": ["anna.s@mail.ru"],
        "identifiers": {"loyalty_card": "LC-000123"},
    },
    {
        "external_id": "b-2",
        "name": "Олег",
        "emails": ["oleg.p@yandex.ru"],
        "identifiers": {"loyalty_card": "LC-000777"},
    },
]
#: The shop till's records: a surname with initials, a phone and a card.
POS = [
    {
        "external_id": "r-1",
        "name": "Смирнова А. В.",
        "phones": ["+7 916 200-30-40"],
        "identifiers": {"loyalty_card": "lc 123"},
    },
    {
        "external_id": "r-2",
        "name": "Петров О. И.",
        "phones": ["+7 916 200-30-41"],
        "identifiers": {"loyalty_card": "000778"},
    },
]
APART = [["pos/r-1"], ["pos/r-2"], ["shop/b-1"], ["shop/b-2"]]


def ingest(url, plugins):
    """Ingest both sources into ``url`` with ``plugins``; return every customer's identities."""
    with crmkit.open(url, entrypoints=False, plugins=plugins, default_region="RU") as crm:
        crm.ingest_customers("shop", SHOP)
        crm.ingest_customers("pos", POS)
        return identities(crm)


def identities(crm):
    """Return every customer's identities, sorted."""
    return sorted(sorted(str(i) for i in c.identities) for c in crm.customers())


def test_without_the_plugin_the_buyer_and_the_till_record_stay_two_customers():
    """Built-in kinds only: the card links nothing, and nothing else links them."""
    assert ingest("sqlite:///:memory:", ()) == APART


def test_with_the_plugin_one_card_is_one_customer(matching_rule_plugin, database_url):
    """The same card links the buyer and the till's record; a different card does not."""
    assert ingest(database_url, (matching_rule_plugin,)) == [
        ["pos/r-1", "shop/b-1"],
        ["pos/r-2"],
        ["shop/b-2"],
    ]
    with crmkit.open(database_url, entrypoints=False, plugins=(matching_rule_plugin,)) as crm:
        [anna] = crm.find_customers(identity=("pos", "r-1"))
        assert anna.identifiers == {"loyalty_card": "LC-000123"}
        assert crm.find_customers(identifier=("loyalty_card", "000123")) == [anna]
        link = crm.explain(anna.id, anna.id).chain[0]
    assert ("identifier", "same") in [(name, level) for name, level, _ in link.comparisons]


def test_installing_the_plugin_later_rematches_the_stored_records(matching_rule_plugin, tmp_path):
    """The first run after installing is full, and joins the records resolved before."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert ingest(url, ()) == APART
    with crmkit.open(url, entrypoints=False, plugins=(matching_rule_plugin,)) as crm:
        assert crm.resolve().mode == "full"
        assert ["pos/r-1", "shop/b-1"] in identities(crm)


def test_a_value_that_is_no_card_number_is_flagged_and_never_links(matching_rule_plugin):
    """``LC-ABC`` is refused with the reason: kept as a problem, not as an identifier."""
    bad = {**POS[0], "identifiers": {"loyalty_card": "LC-ABC"}}
    with crmkit.open(
        "sqlite:///:memory:", entrypoints=False, plugins=(matching_rule_plugin,)
    ) as crm:
        crm.ingest_customers("shop", SHOP[:1])
        crm.ingest_customers("pos", [bad])
        [till] = crm.find_customers(identity=("pos", "r-1"))
        card = crm.card(till.id)
        assert identities(crm) == [["pos/r-1"], ["shop/b-1"]]
    assert till.identifiers == {}
    reason = "a loyalty card is 'LC-' and 1 to 9 digits, not 'LC-ABC'"
    assert card["problems"] == [f"identifier loyalty_card 'LC-ABC': {reason}"]


def test_the_plugin_registers_its_kind_and_reads_every_spelling(matching_rule_plugin):
    """``loyalty_card`` links on its own, unchecked; other kinds are left to the built-ins."""
    pm = get_plugin_manager(entrypoints=False, extra=(matching_rule_plugin,))
    kinds = collect_identifier_kinds(pm)
    assert "loyalty_card" in kinds.strong
    assert "loyalty_card" not in kinds.checked
    assert {"inn", "passport"} <= kinds.strong
    hook = pm.hook.normalize_identifier
    for raw in ("LC-000123", "lc 123", "000123", " Lc000123 "):
        assert hook(kind="loyalty_card", raw=raw, country=None) == "LC-000123"
    assert hook(kind="inn", raw=" 7707083893 ", country=None) == "7707083893"
    with pytest.raises(ValueError, match="INN"):
        hook(kind="inn", raw="7707083894", country=None)
    for raw in ("LC-0", "1234567890", "LC-12a"):
        with pytest.raises(ValueError, match="loyalty card"):
            hook(kind="loyalty_card", raw=raw, country=None)
    assert not pm.problems


def test_the_distribution_declares_a_crmkit_entry_point_for_the_module():
    """``pyproject.toml`` names the module in the ``crmkit`` entry-point group."""
    project = tomllib.loads((EXAMPLES / "matching_rule_plugin" / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["crmkit"] == {"loyalty-card": "crmkit_loyalty_card"}
    assert project["tool"]["setuptools"]["py-modules"] == ["crmkit_loyalty_card"]
