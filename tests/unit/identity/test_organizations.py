"""Organisation names: legal forms, quotes, branches, cross-script cores, similarity, keys."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.identity.organizations import (
    LEGAL_FORMS,
    OrgName,
    compare_org_names,
    legal_forms_compatible,
    org_name_key,
    parse_org_name,
)
from crmkit.identity.persons import parse_person_name

# must agree -----------------------------------------------------------------------------------

SAME_ORGANISATION = {
    "Ромашка": [
        "ООО «Ромашка»",
        "Romashka LLC",
        "OOO Romashka",
        'Общество с ограниченной ответственностью "Ромашка"',
        "ООО Ромашка",
        "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «РОМАШКА»",
        "Ромашка, ООО",
        "Ромашка ООО",
        "О.О.О. „Ромашка“",
        "ООО 'Ромашка'",
        "Romashka Ltd.",
        "Romashka Limited",
        "Romashka, LLC",
    ],
    "Василёк": ["АО «Василёк»", "Vasilek JSC", "АО Василек", "Акционерное общество «Василёк»"],
    "Сбербанк": ["ПАО Сбербанк", "Sberbank PJSC", "Публичное акционерное общество «Сбербанк»"],
}


@pytest.mark.parametrize(
    ("name", "spellings"), SAME_ORGANISATION.items(), ids=list(SAME_ORGANISATION)
)
def test_every_spelling_of_one_firm_has_one_core_key_and_full_similarity(name, spellings):
    """Legal form, quotes, case and script aside, the spellings of one firm agree exactly."""
    cores = {spelling: parse_org_name(spelling).core for spelling in spellings}
    assert len(set(cores.values())) == 1, cores
    assert len({org_name_key(spelling) for spelling in spellings}) == 1
    assert all(compare_org_names(spellings[0], other) == 1.0 for other in spellings)


def test_romashka_in_five_spellings_is_one_llc():
    """The five must-agree spellings all parse to the core romashka and the form LLC."""
    spellings = SAME_ORGANISATION["Ромашка"][:5]
    assert {parse_org_name(s) for s in spellings} == {OrgName("romashka", "LLC")}
    assert parse_org_name("АО «Василёк»") == parse_org_name("Vasilek JSC")


# must differ ----------------------------------------------------------------------------------


def test_a_firm_with_a_longer_similar_name_is_similar_but_not_equal():
    """ООО «Ромашка» and ООО «Ромашка-Трейд» differ in core and score below 1."""
    a, b = parse_org_name("ООО «Ромашка»"), parse_org_name("ООО «Ромашка-Трейд»")
    assert a.core != b.core
    assert org_name_key(a) != org_name_key(b)
    assert 0.5 < compare_org_names(a, b) < 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ООО «Ромашка»", "ООО «Василёк»"),
        ("ООО «Ромашка»", "ООО «Лютик»"),
        ("Romashka LLC", "Rodnik LLC"),
    ],
)
def test_different_firms_score_low(a, b):
    """Firms with different names are far apart whatever their shared legal form."""
    assert compare_org_names(a, b) < 0.7


def test_spacing_differences_score_almost_one_but_not_one():
    """Ромашка Трейд and РомашкаТрейд are nearly the same name, not the same key."""
    score = compare_org_names("ООО Ромашка Трейд", "ООО РомашкаТрейд")
    assert 0.95 <= score < 1.0


def test_a_name_that_is_only_a_legal_form_has_an_empty_core_and_no_similarity():
    """A bare ООО leaves nothing to compare: the core is empty and the score 0."""
    assert parse_org_name("ООО") == OrgName("", "LLC")
    assert compare_org_names("ООО", "ООО") == 0.0
    assert compare_org_names("", "Ромашка") == 0.0


# legal forms ----------------------------------------------------------------------------------

LEGAL_FORM_CASES = [
    ("ЗАО «Ромашка»", "CJSC"),
    ("ZAO Romashka", "CJSC"),
    ("Romashka CJSC", "CJSC"),
    ("Закрытое акционерное общество «Ромашка»", "CJSC"),
    ("ОАО «Ромашка»", "OJSC"),
    ("Открытое акционерное общество Ромашка", "OJSC"),
    ("OJSC Romashka", "OJSC"),
    ("ПАО Ромашка", "PJSC"),
    ("PAO Romashka", "PJSC"),
    ("НАО «Ромашка»", "NAO"),
    ("AO Romashka", "JSC"),
    ("ГУП «Ромашка»", "GUP"),
    ("МУП Ромашка", "MUP"),
    ("ФГУП «Ромашка»", "FGUP"),
    ("ФГБУ «Ромашка»", "FGBU"),
    ("Федеральное государственное бюджетное учреждение «Ромашка»", "FGBU"),
    ("АНО «Ромашка»", "ANO"),
    ("НКО Ромашка", "NKO"),
    ("Romashka GmbH", "GMBH"),
    ("Romashka AG", "AG"),
    ("Romashka Inc.", "INC"),
    ("Romashka Corp.", "CORP"),
    ("Romashka Co.", "CO"),
    ("Romashka & Co.", "CO"),
    ("Romashka Co., Ltd.", "LLC"),
    ("Romashka S.A.", "SA"),
    ("Romashka B.V.", "BV"),
    ("Romashka PLC", "PLC"),
    ("ТОО «Ромашка»", "LLP"),
    ("Ромашка", None),
]


@pytest.mark.parametrize(
    ("raw", "form"), LEGAL_FORM_CASES, ids=[raw for raw, _ in LEGAL_FORM_CASES]
)
def test_legal_forms_are_stripped_in_every_spelling_and_position(raw, form):
    """Abbreviated or spelled out, in front or behind, the form goes and the core stays."""
    parsed = parse_org_name(raw)
    assert parsed.core == "romashka"
    assert parsed.legal_form == form


def test_a_legal_form_word_inside_a_name_is_kept():
    """Only the ends of a name are searched for abbreviations: inner words are the name."""
    assert parse_org_name("ООО «АО Ромашка Трейд»").core == "romashka treid"
    assert parse_org_name("Ромашка АО Трейд ООО").core == "romashka ao treid"


def test_every_legal_form_code_is_an_upper_case_ascii_word_with_spellings():
    """The table is well formed: upper-case codes, each with at least one spelling."""
    for code, spellings in LEGAL_FORMS.items():
        assert re.fullmatch(r"[A-Z]+", code)
        assert spellings


# individual entrepreneurs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "ИП Петров Иван Сергеевич",
        "Индивидуальный предприниматель Петров Иван Сергеевич",
        "Петров Иван Сергеевич ИП",
        "IP Petrov Ivan Sergeevich",
    ],
)
def test_an_individual_entrepreneur_is_flagged_as_a_person(raw):
    """An ИП is a person: is_person is set and the person's name parses from the same text."""
    parsed = parse_org_name(raw)
    assert parsed.is_person
    assert parsed.legal_form == "IP"
    assert parsed.core == "petrov ivan sergevich"
    person = parse_person_name(raw)
    assert (person.family, person.given, person.patronymic) == ("petrov", "ivan", "sergevich")


def test_a_farm_head_is_a_person_too():
    """Глава КФХ names a person."""
    parsed = parse_org_name("Глава КФХ Петров Иван Иванович")
    assert parsed.is_person
    assert parsed.legal_form == "KFH"


def test_a_company_is_not_a_person():
    """An ООО is not flagged as a person."""
    assert not parse_org_name("ООО «Ромашка»").is_person


# branches -------------------------------------------------------------------------------------

BRANCHES = [
    ("ООО «Ромашка» (Москва)", "moskva"),
    ("ООО Ромашка (г. Москва)", "moskva"),
    ("ООО «Ромашка», филиал Москва", "moskva"),
    ("ООО «Ромашка» - филиал Москва", "moskva"),
    ("ООО «Ромашка» филиал Москва", "moskva"),
    ("ООО «Ромашка» ф-л Москва", "moskva"),
    ("Филиал ООО «Ромашка» в г. Москве", "moskve"),
    ("Московский филиал ООО «Ромашка»", "moskovski"),
    ("ООО Ромашка Московский филиал", "moskovski"),
    ("ООО «Ромашка», отдел продаж", "prodazh"),
    ("Представительство ООО «Ромашка» в Казани", "kazani"),
    ("Romashka LLC, Moscow branch", "moskov"),
    ("Romashka LLC Moscow branch", "moskov"),
    ("Romashka LLC (Moscow branch)", "moskov"),
]


@pytest.mark.parametrize(("raw", "branch"), BRANCHES, ids=[raw for raw, _ in BRANCHES])
def test_a_branch_or_department_is_split_off_from_the_name(raw, branch):
    """Parentheses and words like филиал, отдел, branch put the rest into branch."""
    parsed = parse_org_name(raw)
    assert parsed.core == "romashka"
    assert parsed.branch == branch


def test_a_legal_form_in_parentheses_is_a_legal_form_not_a_branch():
    """Ромашка (ООО) has the form LLC and no branch."""
    assert parse_org_name("Ромашка (ООО)") == OrgName("romashka", "LLC")


def test_a_name_without_a_branch_has_none():
    """No branch word, no parentheses: branch is None."""
    assert parse_org_name("ООО «Ромашка»").branch is None


# quotes, dashes, apostrophes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "ООО «Ромашка-Трейд»",
        "ООО “Ромашка–Трейд”",
        'ООО "Ромашка — Трейд"',
        "ООО ‘Ромашка Трейд’",
        "ООО „Ромашка‐Трейд“",
    ],
)
def test_quotes_of_every_kind_are_removed_and_dashes_normalised(raw):
    """Typographic quotes and dashes give the same core as plain ones."""
    assert parse_org_name(raw).core == "romashka treid"


def test_an_apostrophe_inside_a_word_is_not_a_quote():
    """O'Reilly keeps its word together."""
    assert parse_org_name("O'Reilly Media, Inc.") == OrgName("oreili media", "INC")


# blocking key ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ТД «Ромашка»", "Ромашка"),
        ("Группа компаний «Ромашка»", "Romashka Group"),
        ("Romashka Holding", "ООО «Ромашка»"),
        ("ООО «Трейд Ромашка»", "Romashka Treid LLC"),
    ],
)
def test_the_blocking_key_ignores_generic_words_and_word_order(a, b):
    """org_name_key drops words like группа компаний, holding, and sorts the rest."""
    assert org_name_key(a) == org_name_key(b)


def test_a_name_of_generic_words_only_keeps_them_as_its_key():
    """A firm called "Торговый дом" is not keyed to the empty string."""
    assert org_name_key("ООО «Торговый дом»") == "dom torgovi"


# legal-form compatibility ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "compatible"),
    [
        ("LLC", "LLC", True),
        ("LLC", "GMBH", True),
        ("CJSC", "JSC", True),  # ЗАО re-registered as АО
        ("OJSC", "PJSC", True),  # ОАО re-registered as ПАО
        ("LLC", "JSC", False),
        ("IP", "LLC", False),
        ("GUP", "MUP", True),
        (None, "LLC", True),
        ("CO", "JSC", True),
    ],
)
def test_legal_forms_are_compatible_within_a_family(a, b, compatible):
    """Forms one firm may carry in different systems or after re-registration agree."""
    assert legal_forms_compatible(a, b) is compatible
    assert legal_forms_compatible(b, a) is compatible


# robustness -----------------------------------------------------------------------------------


@given(st.text(max_size=80))
def test_parsing_any_text_never_fails_and_gives_a_key_shaped_core(text):
    """Arbitrary input parses; the core is lower-case ASCII words and similarity is in [0, 1]."""
    parsed = parse_org_name(text)
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", parsed.core)
    assert 0.0 <= compare_org_names(parsed, "ООО Ромашка") <= 1.0
