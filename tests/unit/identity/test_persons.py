"""Personal names: parsing in any order and script, diminutives, gender, comparison levels."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.identity.persons import (
    NameAgreement,
    PersonName,
    compare_person_names,
    gender_hint,
    given_name_forms,
    given_name_initials,
    is_known_given_name,
    parse_person_name,
)
from crmkit.identity.text import latin_key

# parsing --------------------------------------------------------------------------------------

IVAN_SERGEEVICH_PETROV = ("petrov", "ivan", "sergevich", "is")

PARSED = [
    ("Петров Иван Сергеевич", IVAN_SERGEEVICH_PETROV),
    ("Иван Сергеевич Петров", IVAN_SERGEEVICH_PETROV),
    ("PETROV IVAN SERGEEVICH", IVAN_SERGEEVICH_PETROV),
    ("Petrov Ivan Sergeyevich", IVAN_SERGEEVICH_PETROV),
    ("петров иван сергеевич", IVAN_SERGEEVICH_PETROV),
    ("Петров, Иван Сергеевич", IVAN_SERGEEVICH_PETROV),
    ("г-н Петров Иван Сергеевич", IVAN_SERGEEVICH_PETROV),
    ("ИП Петров Иван Сергеевич", IVAN_SERGEEVICH_PETROV),
    ("Петров Иван Сергеевич (бухгалтер)", IVAN_SERGEEVICH_PETROV),
    ("Петров Иван Сергеевич, главный бухгалтер", IVAN_SERGEEVICH_PETROV),
    ("Ivan Petrov", ("petrov", "ivan", None, "i")),
    ("Petrov Ivan", ("petrov", "ivan", None, "i")),
    ("IVAN PETROV", ("petrov", "ivan", None, "i")),
    ("Petrov, Ivan", ("petrov", "ivan", None, "i")),
    ("Mr. Ivan Petrov", ("petrov", "ivan", None, "i")),
    ("Ваня Петров", ("petrov", "ivan", None, "i")),
    ("Петров И.С.", ("petrov", None, None, "is")),
    ("Петров И. С.", ("petrov", None, None, "is")),
    ("И. С. Петров", ("petrov", None, None, "is")),
    ("Петров ИС", ("petrov", None, None, "is")),
    ("PETROV I S", ("petrov", None, None, "is")),
    ("Иван С. Петров", ("petrov", "ivan", None, "is")),
    ("Абрамович Роман Аркадьевич", ("abramovich", "roman", "arkadevich", "ra")),
    ("Роман Аркадьевич Абрамович", ("abramovich", "roman", "arkadevich", "ra")),
    ("Абрамович Роман", ("abramovich", "roman", None, "r")),
    ("Анна Бабич", ("babich", "ana", None, "a")),
    ("Бабич Анна", ("babich", "ana", None, "a")),
    ("Анна Ивановна Бабич", ("babich", "ana", "ivanovna", "ai")),
    ("Алиев Гейдар Алирза оглы", ("alev", "geidar", "alirza ogli", "ga")),
    ("Петрова Анна Ильинична", ("petrova", "ana", "ilinichna", "ai")),
    ("Петров-Водкин Кузьма Сергеевич", ("petrov vodkin", "kuzma", "sergevich", "ks")),
    ("Иван Сергеевич", (None, "ivan", "sergevich", "is")),
    ("Иван", (None, "ivan", None, "i")),
    ("Петров", ("petrov", None, None, "")),
    ("John Michael Smith", ("smit", "iokhn", "michael", "im")),
    ("Smith, John", ("smit", "iokhn", None, "i")),
]


@pytest.mark.parametrize(("raw", "expected"), PARSED, ids=[raw for raw, _ in PARSED])
def test_a_name_parses_into_family_given_patronymic_and_initials(raw, expected):
    """Every order, script, case and abbreviation gives the same parts as latin keys."""
    name = parse_person_name(raw)
    assert (name.family, name.given, name.patronymic, name.initials) == expected


@pytest.mark.parametrize(
    ("given_name", "family_name", "name", "expected"),
    [
        ("Иван", "Петров", None, ("petrov", "ivan", None)),
        ("Иван Сергеевич", "Петров", None, ("petrov", "ivan", "sergevich")),
        ("Ivan", "Petrov", "Petrov Ivan Sergeevich", ("petrov", "ivan", "sergevich")),
        (None, "Петров", "Петров Иван", ("petrov", "ivan", None)),
        ("Ваня", None, None, (None, "ivan", None)),
    ],
)
def test_given_and_family_names_from_separate_fields_are_used_and_completed(
    given_name, family_name, name, expected
):
    """Separate fields win; the whole name only fills the parts they lack."""
    parsed = parse_person_name(name, given_name=given_name, family_name=family_name)
    assert (parsed.family, parsed.given, parsed.patronymic) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "...", "г-н", "123"])
def test_a_name_with_no_name_words_parses_to_an_empty_name(raw):
    """Nothing recognisable gives an empty PersonName, not an error."""
    assert parse_person_name(raw).is_empty


def test_the_display_form_is_family_first_in_the_original_script():
    """Display reorders the words, title-cases shouting and keeps initials as written."""
    assert parse_person_name("ИВАН СЕРГЕЕВИЧ ПЕТРОВ").display == "Петров Иван Сергеевич"
    assert parse_person_name("И.С. Петров").display == "Петров И. С."
    assert parse_person_name("Ivan Petrov").display == "Petrov Ivan"


@given(st.text(max_size=60))
def test_parsing_any_text_never_fails_and_gives_keys(text):
    """Arbitrary input parses without error, and every part is lower-case ASCII words or None."""
    name = parse_person_name(text)
    for part in (name.family, name.given, name.patronymic):
        assert part is None or re.fullmatch(r"[a-z0-9]+(?: [a-z0-9]+)*", part)


# diminutives ----------------------------------------------------------------------------------

DIMINUTIVES = [
    ("Саша", "Александр"),
    ("Шура", "Александр"),
    ("Женя", "Евгений"),
    ("Дима", "Дмитрий"),
    ("Митя", "Дмитрий"),
    ("Лёша", "Алексей"),
    ("Алёша", "Алексей"),
    ("Коля", "Николай"),
    ("Миша", "Михаил"),
    ("Серёжа", "Сергей"),
    ("Юра", "Юрий"),
    ("Вова", "Владимир"),
    ("Володя", "Владимир"),
    ("Паша", "Павел"),
    ("Петя", "Пётр"),
    ("Костя", "Константин"),
    ("Андрюша", "Андрей"),
    ("Ваня", "Иван"),
    ("Гоша", "Георгий"),
    ("Толя", "Анатолий"),
    ("Слава", "Вячеслав"),
    ("Стас", "Станислав"),
    ("Катя", "Екатерина"),
    ("Наташа", "Наталья"),
    ("Лена", "Елена"),
    ("Таня", "Татьяна"),
    ("Маша", "Мария"),
    ("Оля", "Ольга"),
    ("Аня", "Анна"),
    ("Ира", "Ирина"),
    ("Света", "Светлана"),
    ("Юля", "Юлия"),
    ("Настя", "Анастасия"),
    ("Лиза", "Елизавета"),
    ("Ксюша", "Ксения"),
    ("Галя", "Галина"),
    ("Люда", "Людмила"),
    ("Вика", "Виктория"),
    ("Даша", "Дарья"),
    ("Соня", "Софья"),
    ("Sasha", "Александр"),
    ("Seryozha", "Сергей"),
    ("Vanya", "Иван"),
    ("Natasha", "Наталья"),
    ("Katya", "Екатерина"),
    ("Alexander", "Александр"),
    ("Bill", "William"),
    ("Hans", "Johann"),
]


@pytest.mark.parametrize(("short", "full"), DIMINUTIVES)
def test_a_diminutive_in_either_script_stands_for_its_full_name(short, full):
    """Diminutives map to full names through latin_key, so Cyrillic and Latin both work."""
    assert latin_key(full) in given_name_forms(short)


def test_sasha_stands_for_both_aleksandr_and_aleksandra():
    """A unisex diminutive keeps every full form it may stand for."""
    assert given_name_forms("Саша") == {"aleksandr", "aleksandra"}
    assert given_name_forms("Женя") == {"evgeni", "evgenia"}


@pytest.mark.parametrize(
    ("raw", "given", "forms"),
    [
        ("Петров Саша", "aleksandr", {"aleksandr"}),
        ("Петрова Саша", "aleksandra", {"aleksandra"}),
        ("Цой Саша Сергеевна", "aleksandra", {"aleksandra"}),
        ("Цой Саша", "aleksandr", {"aleksandr", "aleksandra"}),  # no evidence: male form
        ("Иванова Женя", "evgenia", {"evgenia"}),
    ],
)
def test_an_ambiguous_diminutive_is_resolved_by_gender_when_the_name_tells_it(raw, given, forms):
    """Patronymic or family ending pick the form; without them the male form, keeping both."""
    name = parse_person_name(raw)
    assert name.given == given
    assert name.given_forms == forms


def test_an_unknown_given_name_stands_for_itself():
    """A name outside the table is its own key and its only form."""
    assert given_name_forms("Аскольд") == {"askold"}
    assert not is_known_given_name("Аскольд")
    assert is_known_given_name("Ivan")
    assert is_known_given_name("Юлечка")


def _table_lines(filename):
    text = resources.files("crmkit.identity").joinpath("data", filename).read_text("utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("filename", ["given_names_ru.txt", "given_names_west.txt"])
def test_every_line_of_the_given_name_tables_is_well_formed(filename):
    """Each line is "Name g: variants" with g in m/f, and no full name is listed twice."""
    names = []
    for line in _table_lines(filename):
        head, colon, _ = line.partition(":")
        name, gender = head.split()
        assert colon
        assert gender in {"m", "f"}, line
        names.append(name)
    assert len(names) == len(set(names))


def test_the_russian_table_holds_about_three_hundred_names_of_both_genders():
    """The table is large enough to decide name order for common Russian names."""
    genders = [line.partition(":")[0].split()[1] for line in _table_lines("given_names_ru.txt")]
    assert len(genders) >= 300
    assert genders.count("m") >= 120
    assert genders.count("f") >= 100


def test_no_male_and_female_full_name_share_a_key():
    """Full names of different genders never collapse into one latin key."""
    seen: dict[str, str] = {}
    for filename in ("given_names_ru.txt", "given_names_west.txt"):
        for line in _table_lines(filename):
            name, gender = line.partition(":")[0].split()
            key = latin_key(name)
            assert seen.setdefault(key, gender) == gender, (name, key)


# gender ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "gender"),
    [
        ("Петров", "m"),
        ("Петрова", "f"),
        ("Ivanova", "f"),
        ("Толстая", "f"),
        ("Ивановский", "m"),
        ("Ивановская", "f"),
        ("Цой Анна", "f"),  # the given name decides when the family name cannot
        ("Цой Сергей", "m"),
        ("Цой Саша Сергеевна", "f"),  # the patronymic decides first
        ("Иванов Женя Петрович", "m"),
        ("Алиев Гейдар Алирза оглы", "m"),
        ("Цой", None),
        ("Smith", None),
    ],
)
def test_gender_hint_reads_patronymic_then_given_name_then_family_ending(raw, gender):
    """gender_hint tells Петров from Петрова, and a son from a daughter by the patronymic."""
    assert gender_hint(raw) == gender
    assert gender_hint(parse_person_name(raw)) == gender


# comparison -----------------------------------------------------------------------------------

AGREEMENTS = [
    ("Петров Иван Сергеевич", "PETROV IVAN SERGEEVICH", NameAgreement.EXACT),
    ("Петров Иван Сергеевич", "Иван Сергеевич Петров", NameAgreement.EXACT),
    ("Ivan Petrov", "Petrov Ivan", NameAgreement.EXACT),
    ("Ваня Петров", "Петров Иван", NameAgreement.EXACT),
    ("Tsoy Viktor", "Цой Виктор", NameAgreement.EXACT),
    ("Воробьёва Юлия", "Vorobyova Yuliya", NameAgreement.EXACT),
    ("Петров Иван Сергеевич", "Ivan Petrov", NameAgreement.CLOSE),
    ("Петров Иван Сергеевич", "Петров И.С.", NameAgreement.CLOSE),
    ("Петров Иван", "Петров И.", NameAgreement.CLOSE),
    ("Кузнецов Иван", "Кузнецв Иван", NameAgreement.CLOSE),
    ("Петров Алексанр", "Петров Александр", NameAgreement.CLOSE),
    ("Петров Слава", "Петров Вячеслав", NameAgreement.CLOSE),
    ("Петров Иван", "Петрова Иван", NameAgreement.CLOSE),  # the ending taken for a typo
    ("Petrov Ivan", "Petrov", NameAgreement.FAMILY_ONLY),
    ("Петров Иван", "Петров Ирина", NameAgreement.GIVEN_DIFFERS),
    ("Петров Иван", "Петрова Ирина", NameAgreement.GIVEN_DIFFERS),  # husband and wife
    ("Иванов Иван", "Иванов Пётр", NameAgreement.GIVEN_DIFFERS),
    ("Петров Александр", "Петрова Александра", NameAgreement.GIVEN_DIFFERS),
    ("Петров Александр", "Петров Александра", NameAgreement.GIVEN_DIFFERS),
    ("Петров Саша", "Петрова Саша", NameAgreement.GIVEN_DIFFERS),
    ("Цой Женя Сергеевич", "Цой Женя Сергеевна", NameAgreement.GIVEN_DIFFERS),  # siblings
    ("Петров Иван Сергеевич", "Петров Иван Петрович", NameAgreement.GIVEN_DIFFERS),
    ("Петров Вячеслав", "Петров Владислав", NameAgreement.GIVEN_DIFFERS),
    ("Петров И.С.", "Петров А.С.", NameAgreement.GIVEN_DIFFERS),
    ("Петров", "Петрова", NameAgreement.GIVEN_DIFFERS),
    ("Петров Иван", "Сидоров Иван", NameAgreement.DIFFERS),
    ("Петров Иван", "Павлов Иван", NameAgreement.DIFFERS),
    ("Петров Иван", "Иван", NameAgreement.MISSING),
]


@pytest.mark.parametrize(
    ("a", "b", "level"), AGREEMENTS, ids=[f"{a} | {b}" for a, b, _ in AGREEMENTS]
)
def test_two_names_compare_at_the_expected_level(a, b, level):
    """Typos and transliterations are close; a different family member is given_differs."""
    assert compare_person_names(parse_person_name(a), parse_person_name(b)) is level


@pytest.mark.parametrize(("a", "b", "level"), AGREEMENTS[::3])
def test_comparison_is_symmetric(a, b, level):
    """compare_person_names(a, b) == compare_person_names(b, a)."""
    assert compare_person_names(parse_person_name(b), parse_person_name(a)) is level


def test_a_name_whose_parts_were_swapped_by_a_source_is_close():
    """Two unknown words read in opposite orders still agree, at the close level."""
    b = PersonName("akhmed", "gadzhiev", None, "g", given_forms=frozenset({"gadzhiev"}))
    a = PersonName("gadzhiev", "akhmed", None, "a", given_forms=frozenset({"akhmed"}))
    assert compare_person_names(a, b) is NameAgreement.CLOSE


def test_name_agreement_levels_are_strings_for_storage():
    """Levels serialise as their lower-case names."""
    assert NameAgreement.GIVEN_DIFFERS == "given_differs"
    assert {level.value for level in NameAgreement} == {
        "missing",
        "exact",
        "close",
        "family_only",
        "given_differs",
        "differs",
    }


# initials -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "initial"),
    [("Николай", "К"), ("Евгения", "Ж"), ("Александр", "Ш"), ("Иван", "В"), ("Николай", "Н")],
)
def test_a_given_name_is_written_with_its_diminutives_initials(full, initial):
    """Коля, Женя, Шура, Ваня: the initial a clerk writes may be a diminutive's."""
    assert latin_key(initial)[0] in given_name_initials(latin_key(full))


def test_an_unknown_given_name_has_only_its_own_initial():
    """A name crmkit does not know stands for itself."""
    assert given_name_initials("askold") == frozenset({"a"})
