"""Identifier kinds passed through the pipeline: features, blocking, comparison, clustering.

The built-in kinds are the defaults of every pure function; a plugin's kinds reach them as
an :class:`~crmkit.identity.features.IdentifierKinds` (``extract_features(kinds=...)``,
``ResolverConfig.identifier_kinds``), never through a module global.
"""

from __future__ import annotations

from typing import Any

from crmkit.domain import Identity
from crmkit.identity.blocking import blocking_keys
from crmkit.identity.cluster import Clusterer, Thresholds
from crmkit.identity.compare import IDENTIFIER_LEVELS, CompareContext, compare_identifier
from crmkit.identity.features import (
    BUILTIN_IDENTIFIER_KINDS,
    CHECKED_IDENTIFIERS,
    STRONG_IDENTIFIERS,
    Features,
    IdentifierKinds,
    extract_features,
)
from crmkit.identity.guards import Guards
from crmkit.identity.normalize import Normalizer
from crmkit.identity.resolver import ResolverConfig, resolve
from crmkit.plugins import collect_identifier_kinds, get_plugin_manager
from crmkit.schemas import CustomerRecordSchema, RecordValidator

VALIDATOR = RecordValidator(CustomerRecordSchema())
NORMALIZER = Normalizer(get_plugin_manager(entrypoints=False).hook)
CARDS = IdentifierKinds(strong=STRONG_IDENTIFIERS | {"loyalty_card"})
CHECKED_CARDS = IdentifierKinds(checked=CHECKED_IDENTIFIERS | {"loyalty_card"})


def load(
    record: dict[str, Any],
    kinds: IdentifierKinds = BUILTIN_IDENTIFIER_KINDS,
    external_id: str = "1",
) -> Features:
    """Return the features of one record extracted with ``kinds``."""
    facts = VALIDATOR.load({"external_id": external_id, **record})
    normal = NORMALIZER.facts(facts, "RU")
    return extract_features(Identity("t", external_id), facts, normal, Guards(), kinds)


def level(a: Features, b: Features, checked: frozenset[str]) -> str:
    """Return the identifier comparison's level name with ``checked`` kinds."""
    return IDENTIFIER_LEVELS[compare_identifier(a, b, CompareContext(checked_identifiers=checked))]


def test_the_built_in_plugin_registers_the_built_in_kinds():
    """A plugin manager with built-ins only yields exactly the module's default kinds."""
    kinds = collect_identifier_kinds(get_plugin_manager(entrypoints=False))
    assert kinds == BUILTIN_IDENTIFIER_KINDS
    assert (kinds.strong, kinds.checked) == (STRONG_IDENTIFIERS, CHECKED_IDENTIFIERS)


def test_a_checked_kind_is_strong_and_fingerprints_tell_kinds_apart():
    """Every checked kind is strong; the fingerprint changes with either set and only then."""
    assert "loyalty_card" in CHECKED_CARDS.strong
    prints = {k.fingerprint() for k in (BUILTIN_IDENTIFIER_KINDS, CARDS, CHECKED_CARDS)}
    assert len(prints) == 3
    assert IdentifierKinds().fingerprint() == BUILTIN_IDENTIFIER_KINDS.fingerprint()


def test_an_unknown_kind_survives_normalisation_but_is_strong_only_when_registered():
    """The built-in normaliser keeps a loyalty card trimmed; only its kind makes it a key."""
    record = {"name": "Анна", "identifiers": {"Loyalty_Card": " LC-000123 "}}
    plain, carded = load(record), load(record, CARDS)
    assert plain.identifiers == carded.identifiers == (("loyalty_card", "LC-000123"),)
    assert plain.strong_identifiers == ()
    assert carded.strong_identifiers == (("loyalty_card", "LC-000123"),)
    assert "id:loyalty_card:LC-000123" in blocking_keys(carded)
    assert not any(k.startswith("id:") for k in blocking_keys(plain))


def test_features_built_directly_default_to_the_built_in_strong_kinds():
    """``Features(...)`` without ``strong_identifiers`` picks the built-in kinds."""
    f = Features(Identity("t", "1"), "person", identifiers=(("inn", "500100732259"), ("kpp", "1")))
    assert f.strong_identifiers == (("inn", "500100732259"),)


def test_the_identifier_comparison_reads_the_checked_kinds_from_its_context():
    """Different card numbers conflict only when the card is checked; the same one agrees."""
    one = load({"identifiers": {"loyalty_card": "LC-000123"}}, CHECKED_CARDS)
    same = load({"identifiers": {"loyalty_card": "LC-000123"}}, CHECKED_CARDS)
    other = load({"identifiers": {"loyalty_card": "LC-990777"}}, CHECKED_CARDS)
    assert level(one, other, CHECKED_CARDS.checked) == "conflict"
    assert level(one, other, CARDS.checked) == "differs"
    assert level(one, same, CHECKED_CARDS.checked) == "same_checked"
    assert level(one, same, CARDS.checked) == "same"


def test_the_clusterer_keeps_different_values_of_a_checked_kind_apart():
    """Two values of a checked plugin kind are a conflict; of an unchecked one, not."""
    pair = [
        load({"identifiers": {"loyalty_card": card}}, CHECKED_CARDS, str(n))
        for n, card in enumerate(("LC-000123", "LC-990777"))
    ]
    checked = Clusterer(pair, thresholds=Thresholds(), checked=CHECKED_CARDS.checked)
    unchecked = Clusterer(pair, thresholds=Thresholds())
    assert checked.conflict(0, 1) == "different LOYALTY_CARD: LC-000123 / LC-990777"
    assert unchecked.conflict(0, 1) is None


def test_resolve_links_a_shared_card_only_with_the_kinds_that_make_it_strong():
    """A shop buyer and a till record sharing a card: one customer with the card's kinds."""
    shop = {
        "name": "Анна",
        "emails": ["anna.s@mail.ru"],
        "identifiers": {"loyalty_card": "LC-000123"},
    }
    till = {
        "name": "Смирнова А. В.",
        "phones": ["+7 916 200-30-40"],
        "identifiers": {"loyalty_card": "LC-000123"},
    }
    for kinds, groups in ((BUILTIN_IDENTIFIER_KINDS, 2), (CARDS, 1), (CHECKED_CARDS, 1)):
        features = [load(shop, kinds, "1"), load(till, kinds, "2")]
        resolution = resolve(features, config=ResolverConfig(identifier_kinds=kinds))
        assert len(resolution.groups) == groups, kinds
