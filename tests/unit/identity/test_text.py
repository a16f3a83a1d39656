"""Folding, the script-independent latin key and name similarity (crmkit.identity.text)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.identity.text import fold, latin_key, similarity

# fold -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ООО «Ёлка»!  ", "ооо елка"),
        ("Петров-Водкин", "петров водкин"),
        ("IVAN   PETROV", "ivan petrov"),
        ("Straße", "strasse"),
        ("ﬁrma №1", "firma no1"),  # NFKC: the ligature and the numero sign
        ("a\u00a0b\tc", "a b c"),
        ("...", ""),
        ("", ""),
    ],
)
def test_fold_normalises_case_yo_punctuation_and_white_space(raw, expected):
    """Folding gives NFKC, case-folded text with ё as е and every punctuation run as one space."""
    assert fold(raw) == expected


# latin_key: what must agree ---------------------------------------------------------------------

SAME_KEY = {
    "Юлия": ["Юлия", "Yulia", "Iuliia", "Julia", "Yuliya", "JULIA"],
    "Воробьёв": ["Воробьёв", "Воробьев", "Vorobyov", "Vorobev", "Vorob'ev", "Vorobiev"],
    "Щукин": ["Щукин", "Shchukin", "Schukin", "Shukin"],
    "Хабибуллин": ["Хабибуллин", "Khabibullin", "Habibullin"],
    "Жуков": ["Жуков", "Zhukov", "Joukov", "Žukov"],
    "Алексей": ["Алексей", "Aleksey", "Alexey", "Aleksei", "Alexei", "Aleksej"],
    "Наталья": ["Наталья", "Natalya", "Natalia", "Natal'ya", "Natal’ya", "Наталия"],
    "Ксения": ["Ксения", "Kseniya", "Ksenia", "Xenia"],
    "Евгений": ["Евгений", "Evgeny", "Evgenii", "Yevgeny", "Evgeniy", "Jewgenij"],
    "Цой": ["Цой", "Tsoy", "Tsoi"],
    "Фёдор": ["Фёдор", "Федор", "Fyodor", "Fedor", "Fiodor"],
    "Пётр": ["Пётр", "Petr", "Pyotr", "Piotr"],
    "Сергеевич": ["Сергеевич", "Sergeevich", "Sergeyevich", "Sergejewitsch"],
    "Дмитриевич": ["Дмитриевич", "Dmitrievich", "Dmitriyevich"],
    "Соловьёв": ["Соловьёв", "Solovyov", "Soloviev", "Solov'ev", "Solowjow"],
    "Чайковский": ["Чайковский", "Tchaikovsky", "Chaikovskiy", "Tschaikowski"],
    "Смирнов": ["Смирнов", "Smirnov", "Smirnoff", "Smirnow"],
    "Кузнецов": ["Кузнецов", "Kuznetsov"],
    "Яковлев": ["Яковлев", "Yakovlev", "Iakovlev", "Jakowlew"],
    "Мария": ["Мария", "Maria", "Mariya", "Марья"],
    "Ильич": ["Ильич", "Ilyich", "Il'ich", "Ilich"],
    "Василёк": ["Василёк", "Vasilek", "Vasilyok"],
    "Ромашка": ["Ромашка", "Romashka", "ROMASHKA"],
}


@pytest.mark.parametrize(("name", "spellings"), SAME_KEY.items(), ids=list(SAME_KEY))
def test_cyrillic_and_its_usual_transliterations_get_one_key(name, spellings):
    """Every listed spelling of a name has the key of its Cyrillic form."""
    keys = {spelling: latin_key(spelling) for spelling in spellings}
    assert set(keys.values()) == {latin_key(name)}, keys


def test_a_multi_word_name_keys_word_by_word_in_either_script():
    """A full name keeps its words in order, each keyed, separated by single spaces."""
    assert latin_key("Петров Иван Сергеевич") == "petrov ivan sergevich"
    assert latin_key("PETROV  IVAN, Sergeyevich") == "petrov ivan sergevich"
    assert latin_key("Петров-Водкин") == latin_key("Petrov Vodkin") == "petrov vodkin"


# latin_key: what must stay apart ----------------------------------------------------------------

DIFFERENT_KEYS = [
    ("Иван", "Иона"),
    ("Ivan", "Iona"),
    ("Иван", "Ян"),
    ("Петров", "Петрова"),  # the gender ending is kept: a man and his wife differ
    ("Petrov", "Petrova"),
    ("Александр", "Александра"),
    ("Евгений", "Евгения"),
    ("Валентин", "Валентина"),
    ("Виктор", "Виктория"),
    ("Юлия", "Юлиан"),
    ("Мария", "Марина"),
    ("Елена", "Алёна"),
    ("Олеся", "Алеся"),
    ("Исхаков", "Ишаков"),  # с+х is not ш
    ("Иосиф", "Есиф"),
    ("Ромашка", "Ромашка Трейд"),
    ("Смирнов", "Смирнова"),
    ("Толстой", "Толстая"),
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT_KEYS)
def test_clearly_different_names_and_gender_forms_get_different_keys(a, b):
    """Different names, and the male and female forms of one family name, do not merge."""
    assert latin_key(a) != latin_key(b)


def test_the_key_keeps_the_female_ending_of_a_family_name():
    """Петрова keys as petrova: the final a survives, so spouses are not one person."""
    assert latin_key("Петрова") == "petrova"
    assert latin_key("Иванова") == latin_key("Ivanova") == "ivanova"
    assert latin_key("Ивановская") == latin_key("Ivanovskaya") == "ivanovskaia"


@pytest.mark.parametrize("raw", ["", "   ", "«»", "--", "'"])
def test_a_text_without_letters_or_digits_has_an_empty_key(raw):
    """Nothing to key gives the empty string, not an error."""
    assert latin_key(raw) == ""


def test_digits_survive_in_the_key():
    """Numbers in names (a branch number, a year) are kept as they are."""
    assert latin_key("Ромашка-2000 №5") == "romashka 2000 no5"


def test_other_scripts_are_transliterated_too():
    """Greek, Ukrainian and Latin with diacritics become ASCII keys."""
    assert latin_key("Ψ") == "ps"
    assert latin_key("Олійник") == latin_key("Oliinyk")
    assert latin_key("Müller") == "muler"


@given(st.text(max_size=40))
def test_the_key_is_lower_case_ascii_words_separated_by_single_spaces(text):
    """Any text keys to lower-case ASCII letters and digits in single-space-separated words."""
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", latin_key(text))


REAL_NAMES = sorted(
    {spelling for spellings in SAME_KEY.values() for spelling in spellings}
    | {name for pair in DIFFERENT_KEYS for name in pair}
    | {"Отчество", "Счастливцев", "Подъячев", "Петров-Водкин", "O'Brien", "Дзержинский"}
)


@pytest.mark.parametrize("name", REAL_NAMES)
def test_the_key_of_a_real_name_is_a_fixed_point(name):
    """Keying a name's key changes nothing, so stored keys compare with fresh ones."""
    key = latin_key(name)
    assert latin_key(key) == key


# similarity -------------------------------------------------------------------------------------


def test_similarity_is_one_for_equal_keys_across_scripts():
    """Two spellings of one name are fully similar."""
    assert similarity("Воробьёв", "Vorobiev") == 1.0


def test_similarity_is_high_for_a_typo_and_low_for_a_different_name():
    """A one-letter typo scores above 0.92; different names score far lower."""
    assert similarity("Кузнецов", "Кузнецв") >= 0.92
    assert similarity("Иван", "Иона") < 0.8
    assert similarity("Петров", "Сидоров") < 0.8


def test_similarity_with_nothing_to_compare_is_zero():
    """An empty or punctuation-only side gives 0.0, never 1.0."""
    assert similarity("", "") == 0.0
    assert similarity("Иван", "...") == 0.0


@given(st.text(max_size=20), st.text(max_size=20))
def test_similarity_is_symmetric_and_within_zero_and_one(a, b):
    """similarity(a, b) == similarity(b, a) and lies in [0, 1]."""
    value = similarity(a, b)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(similarity(b, a))
