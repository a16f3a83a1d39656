"""The parts of the matching pipeline one by one.

Guards, features, blocking, comparisons, EM scoring and constrained clustering.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from crmkit.domain import Identity
from crmkit.identity.blocking import BlockIndex
from crmkit.identity.cluster import Clusterer, Edge, Thresholds
from crmkit.identity.compare import (
    BUILTIN_COMPARISONS,
    PERSON_NAME_LEVELS,
    CompareContext,
    compare_address,
    compare_birth_date,
    compare_identifier,
    compare_org_name,
    compare_phone,
    person_name_level,
)
from crmkit.identity.features import Features, canonical_email, extract_batch, extract_features
from crmkit.identity.guards import Guards
from crmkit.identity.normalize import Normalizer
from crmkit.identity.persons import parse_person_name
from crmkit.identity.resolver import resolve
from crmkit.identity.scoring import MatchModel
from crmkit.plugins import get_plugin_manager
from crmkit.schemas import CustomerRecordSchema, RecordValidator
from crmkit.testing.messy import generate

VALIDATOR = RecordValidator(CustomerRecordSchema())
NORMALIZER = Normalizer(get_plugin_manager(entrypoints=False).hook)
GUARDS = Guards()
CONTEXT = CompareContext()


def load(record: dict[str, Any], source: str = "t") -> Features:
    """Return the features of one generic record."""
    facts = VALIDATOR.load({"external_id": "1", **record})
    normal = NORMALIZER.facts(facts, "RU")
    return extract_features(Identity(source, facts.external_id), facts, normal, GUARDS)


def level_name(comparison: str, level: int) -> str:
    """Return the name of ``level`` of the built-in comparison ``comparison``."""
    return next(c for c in BUILTIN_COMPARISONS if c.name == comparison).levels[level]


# guards and features --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["-", "null", "0000000000", "+79999999999", "test@test.ru", "noemail@mail.ru", "нет", " "],
)
def test_placeholder_values_are_recognised(value):
    """Filler values typed into required fields are placeholders."""
    assert GUARDS.is_placeholder(value)


@pytest.mark.parametrize("value", ["+74951234567", "ivan@romashka.ru", "7701123451"])
def test_real_values_are_not_placeholders(value):
    """A real phone (even 123-45-67), e-mail or INN is not a placeholder."""
    assert not GUARDS.is_placeholder(value)


def test_role_mailboxes_and_free_mail_are_recognised():
    """``info@``, ``zakaz@``, ``buh@`` are role mailboxes; gmail.com and mail.ru are free mail."""
    assert GUARDS.is_role_mailbox("zakaz@romashka.ru")
    assert GUARDS.is_role_mailbox("info.msk@romashka.ru")
    assert not GUARDS.is_role_mailbox("i.petrov@romashka.ru")
    assert GUARDS.is_free_mail("ivan@gmail.com")
    assert not GUARDS.is_free_mail("ivan@romashka.ru")


def test_e_mail_addresses_are_reduced_to_the_mailbox_they_reach():
    """Gmail dots and ``+tags`` and provider aliases reach one mailbox."""
    assert canonical_email("ivan.petrov+shop@gmail.com") == "ivanpetrov@gmail.com"
    assert canonical_email("ivan@ya.ru") == "ivan@yandex.ru"
    assert canonical_email("i.petrov@romashka.ru") == "i.petrov@romashka.ru"


def test_features_tell_people_firms_and_sole_traders_apart():
    """A legal form makes a firm, ИП a sole trader (a person in business), a name a person."""
    firm = load({"name": "ООО «Ромашка»"})
    trader = load({"kind": "organization", "name": "ИП Петров Иван Иванович"})
    person = load({"name": "Петров Иван"})
    assert (firm.party, firm.org) == ("organization", "romashka")
    assert trader.sole_trader
    assert trader.party == "sole trader"
    assert trader.person is not None
    assert trader.person.family == "petrov"
    assert person.party == "person"


def test_a_caller_record_is_a_lookup_and_a_full_record_is_not():
    """Contact points with at most a fragment of a name make a lookup record."""
    assert load({"phones": ["+7 916 123-45-01"]}).is_lookup
    assert load({"phones": ["+7 916 123-45-01"], "name": "Петров"}).is_lookup
    assert not load({"phones": ["+7 916 123-45-01"], "name": "Петров Иван"}).is_lookup


def test_addresses_are_parsed_across_scripts_and_formats():
    """``ул. Ленина, д. 5, кв. 12`` and ``Lenina ulitsa 5-12`` name one flat."""
    a = load({"addresses": [{"line": "г. Москва, ул. Ленина, д. 5, кв. 12", "city": "Москва"}]})
    b = load({"addresses": [{"line": "Lenina ulitsa 5-12", "city": "Moscow"}]})
    assert (a.street, a.house, a.unit, a.city) == (b.street, b.house, b.unit, b.city)
    assert level_name("address", compare_address(a, b, CONTEXT)) == "same_unit"


# blocking -------------------------------------------------------------------------------------


def test_an_over_shared_phone_is_untrusted_and_yields_no_pairs():
    """A number shared by more named parties than the cap produces no candidate pairs."""
    features = [
        load({"name": f"ООО «Фирма{n}»", "phones": ["8 (495) 777-00-00"]}) for n in range(8)
    ]
    index = BlockIndex(features, fan_out_cap=6)
    assert "ph:+74957770000" in index.untrusted
    assert list(index.pairs()) == []


def test_one_firms_many_records_on_one_phone_stay_trusted():
    """Many records of one firm on its phone are not a switchboard: they name one party."""
    features = [load({"name": "ООО «Ромашка»", "phones": ["8 (495) 777-00-00"]}) for _ in range(9)]
    index = BlockIndex(features, fan_out_cap=6)
    assert index.trusted("ph:+74957770000")
    assert len(list(index.pairs())) == 36


def test_oversized_blocks_are_searched_by_sorted_neighbourhood():
    """A common name's block compares each record with its neighbours only: linear work."""
    features = [load({"name": f"Иванов Иван {n}"}) for n in range(100)]
    index = BlockIndex(features, fan_out_cap=6, max_block=20, window=3)
    pairs = list(index.pairs())
    assert 0 < len(pairs) <= 100 * 3 * 2


# comparisons ----------------------------------------------------------------------------------


def test_phone_levels_tell_mobiles_homes_offices_and_switchboards_apart():
    """Sharing a mobile, a home landline or an office line are different evidence."""
    person = {"name": "Петров Иван"}
    mobile = load({**person, "phones": ["+7 916 123-45-01"]})
    home = load({**person, "phones": ["8 (495) 111-22-33"]})
    office = load({"name": "ООО «Ромашка»", "phones": ["8 (495) 111-22-33"]})
    assert level_name("phone", compare_phone(mobile, mobile, CONTEXT)) == "shared_mobile"
    assert level_name("phone", compare_phone(home, home, CONTEXT)) == "shared_home"
    assert level_name("phone", compare_phone(office, office, CONTEXT)) == "shared_office"
    switchboard = CompareContext({"ph:+74951112233"})
    assert level_name("phone", compare_phone(office, office, switchboard)) == "shared_over_cap"
    typo = load({**person, "phones": ["+7 916 123-45-10"]})
    assert level_name("phone", compare_phone(mobile, typo, CONTEXT)) == "one_digit_apart"


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("Петров Иван Сергеевич", "Петров Иван Сергеевич", "exact"),
        ("Петров Иван Сергеевич", "Ivan Petrov", "strong"),
        ("Козлов Михаил", "Kozlov Michael", "close"),
        ("Архипов Евгений Юрьевич", "Arkhipov Y. Y.", "close"),
        ("Петров Иван", "Петров", "family_only"),
        ("Петров Иван", "Петров Пётр", "given_differs"),
        ("Петров Иван", "Петрова Ивана", "given_differs"),
        ("Петрова Мария", "Сидорова Мария", "other_family"),
        ("Петров Иван", "Сидоров Олег", "differs"),
        ("Карпов Николай Русланович", "Карпов К. Р.", "given_unsure"),
        ("Калинина Ж. Д.", "Калинина Евгения Дмитриевна", "given_unsure"),
        ("Калинина Ж. Д.", "Калинина Евгения Петровна", "given_differs"),
        ("Петров Сергей", "Петров И.", "given_differs"),
    ],
)
def test_person_name_levels(a, b, level):
    """Typos and spellings agree; a household's members and strangers do not."""
    found = person_name_level(parse_person_name(a), parse_person_name(b))
    assert PERSON_NAME_LEVELS[found] == level


def test_org_name_levels_keep_alike_firms_apart():
    """``Ромашка`` and ``Romashka LLC`` are one name; ``Ромашка-Трейд`` only alike."""
    a = load({"name": "ООО «Ромашка»"})
    assert level_name("org_name", compare_org_name(a, load({"name": "Romashka LLC"}), CONTEXT)) == (
        "exact"
    )
    trade = load({"name": "ООО «Ромашка-Трейд»"})
    assert level_name("org_name", compare_org_name(a, trade, CONTEXT)) == "alike"
    typo = load({"name": "ООО «Рмоашка»"})
    assert level_name("org_name", compare_org_name(a, typo, CONTEXT)) == "close"


def test_identifier_levels_separate_checked_and_unchecked_identifiers():
    """The same INN is one taxpayer; two INNs conflict; a national id may carry a typo."""
    inn = load({"name": "ООО «Ромашка»", "identifiers": {"inn": "7701123451"}})
    other = load({"name": "ООО «Ромашка»", "identifiers": {"inn": "7702987655"}})
    assert level_name("identifier", compare_identifier(inn, inn, CONTEXT)) == "same_checked"
    assert level_name("identifier", compare_identifier(inn, other, CONTEXT)) == "conflict"
    a = load({"name": "Smith John", "identifiers": {"national_id": "4154968"}})
    b = load({"name": "Smith John", "identifiers": {"national_id": "4154698"}})
    assert level_name("identifier", compare_identifier(a, b, CONTEXT)) == "close"


def test_birth_dates_one_slip_apart_are_close():
    """A mistyped digit, swapped digits or swapped day and month are one date mistyped."""
    a = load({"name": "Петров Иван", "birth_date": "1980-03-12"})
    for other, level in (
        ("1980-12-03", "close"),
        ("1980-03-21", "close"),
        ("1981-07-01", "differs"),
    ):
        b = load({"name": "Петров Иван", "birth_date": other})
        assert level_name("birth_date", compare_birth_date(a, b, CONTEXT)) == level


# scoring --------------------------------------------------------------------------------------


def test_em_recovers_m_and_u_from_unlabelled_patterns():
    """EM over pattern counts finds the match share and the levels' m and u it was made of."""
    model = MatchModel.from_priors(BUILTIN_COMPARISONS)
    width = len(BUILTIN_COMPARISONS)
    phone, email, birth = 1, 2, 6
    # Three independent fields (two would not identify the mixture): 1,000 matches share
    # the phone 90%, the e-mail 80%, the birth date 95%; 9,000 non-matches 1%, 0.5%, 2%.
    classes = ((1000, (0.9, 0.8, 0.95)), (9000, (0.01, 0.005, 0.02)))
    agree, disagree = (1, 1, 1), (6, 4, 3)  # shared / disjoint / same, differs
    counts: Counter[tuple[int, ...]] = Counter()
    for n, shares in classes:
        for outcome in range(8):
            levels = [0] * width
            share = 1.0
            for bit, (index, p) in enumerate(zip((phone, email, birth), shares, strict=True)):
                hit = bool(outcome >> bit & 1)
                levels[index] = (agree if hit else disagree)[bit]
                share *= p if hit else 1 - p
            counts[tuple(levels)] += round(n * share)
    model.estimate(counts, pseudo_pairs=1)
    assert model.prior == pytest.approx(0.1, abs=0.01)
    assert model.m[phone][1] == pytest.approx(0.9, abs=0.02)
    assert model.u[phone][1] == pytest.approx(0.01, abs=0.005)
    assert model.level_weight(email, 1) > math.log(50)


def test_reviewers_decisions_move_the_weights():
    """Labelled pairs count as known matches and non-matches in the fit."""
    width = len(BUILTIN_COMPARISONS)
    landline = tuple(2 if i == 1 else 0 for i in range(width))
    unlabelled = MatchModel.from_priors(BUILTIN_COMPARISONS)
    unlabelled.estimate(Counter({landline: 50}))
    labelled = MatchModel.from_priors(BUILTIN_COMPARISONS)
    labelled.estimate(Counter({landline: 50}), labelled=[(landline, False)] * 20)
    assert labelled.level_weight(1, 2) < unlabelled.level_weight(1, 2)


def test_em_estimates_sensible_weights_on_generated_data():
    """Fitted without labels, the weights say what a CRM person knows about the evidence."""
    data = generate(800, seed=3)
    rows = []
    for source, record in data.records:
        facts = VALIDATOR.load(record)
        rows.append((Identity(source, record["external_id"]), facts, NORMALIZER.facts(facts, "RU")))
    models = resolve(extract_batch(rows, GUARDS)).models
    person, firm = models["person"], models["organization"]

    def weight(model: MatchModel, comparison: str, level: str) -> float:
        index = [c.name for c in model.comparisons].index(comparison)
        return model.level_weight(index, model.comparisons[index].levels.index(level))

    assert weight(person, "phone", "shared_mobile") > 3
    assert weight(person, "email", "shared") > 3
    assert weight(person, "phone", "disjoint") < 0
    assert weight(person, "address", "other_city") < 0
    assert weight(person, "phone", "shared_mobile") > weight(person, "phone", "shared_home")
    assert weight(firm, "phone", "shared_office") > 2
    assert weight(firm, "org_name", "alike") < 0
    assert weight(firm, "org_name", "close") > weight(firm, "org_name", "alike")
    for model in (person, firm):
        for row_m, row_u in zip(model.m, model.u, strict=True):
            assert sum(row_m[1:]) == pytest.approx(1)
            assert sum(row_u[1:]) == pytest.approx(1)


# clustering -----------------------------------------------------------------------------------


def bare(n: int) -> list[Features]:
    """Return ``n`` records with nothing but an identity."""
    return [Features(identity=Identity("t", str(i)), kind="person") for i in range(n)]


def edge(i: int, j: int, log_odds: float, veto: str | None = None) -> Edge:
    """Return a scored edge."""
    return Edge(i, j, log_odds, (), veto)


def test_one_weak_link_does_not_chain_two_established_customers():
    """Joining two customers needs more than the link that attaches a single record."""
    features = bare(5)
    clusterer = Clusterer(features, thresholds=Thresholds(merge=0.8, join=0.99))

    def disagreeing(i: int, j: int) -> Edge:  # the other records of the two groups disagree
        return edge(i, j, -5.0)

    clusterer.add_edges(
        [edge(0, 1, 20), edge(2, 3, 20), edge(1, 2, 3.0), edge(3, 4, 3.0)], disagreeing
    )
    groups = clusterer.groups()
    assert sorted(map(sorted, groups)) == [[0, 1], [2, 3, 4]]
    assert "established" in clusterer.rejected[1, 2]


def test_a_second_independent_link_or_a_strong_one_joins_two_customers():
    """Two links sharing no record, or one above the join threshold, are enough."""
    features = bare(4)
    two = Clusterer(features, thresholds=Thresholds(merge=0.8, join=0.99))
    two.add_edges([edge(0, 1, 20), edge(2, 3, 20), edge(1, 2, 3.0), edge(0, 3, 2.9)])
    assert len(two.groups()) == 1
    strong = Clusterer(features, thresholds=Thresholds(merge=0.8, join=0.99))
    strong.add_edges([edge(0, 1, 20), edge(2, 3, 20), edge(1, 2, 6.0)])
    assert len(strong.groups()) == 1


def test_a_cluster_held_by_one_link_is_flagged():
    """A bridge between two groups of records is reported for review."""
    features = bare(4)
    clusterer = Clusterer(features, thresholds=Thresholds(merge=0.8, join=0.9))
    clusterer.add_edges([edge(0, 1, 20), edge(2, 3, 20), edge(1, 2, 5.0)])
    assert [(e.i, e.j) for e in clusterer.fragile()] == [(1, 2)]


def test_vetoed_edges_and_cannot_links_never_join():
    """A vetoed pair or a reviewer's separation holds against any score."""
    features = bare(3)
    clusterer = Clusterer(features, thresholds=Thresholds(), cannot_link=[(0, 2)])
    clusterer.add_edges([edge(0, 1, 30, veto="different INN"), edge(1, 2, 30), edge(0, 2, 30)])
    groups = sorted(map(sorted, clusterer.groups()))
    assert groups == [[0], [1, 2]]
    assert clusterer.rejected[0, 1] == "different INN"
