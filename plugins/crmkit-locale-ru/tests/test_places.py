"""Canonical names of Russia and of its largest cities."""

from __future__ import annotations

import pytest
from crmkit_locale_ru import canonical_city, is_russia
from crmkit_locale_ru.places import CITY_SPELLINGS


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Moscow", "Москва"),
        ("Moskva", "Москва"),
        ("MOSCOW", "Москва"),
        ("Москва", "Москва"),
        ("москва", "Москва"),
        ("Saint Petersburg", "Санкт-Петербург"),
        ("Saint-Petersburg", "Санкт-Петербург"),
        ("St. Petersburg", "Санкт-Петербург"),
        ("St Petersburg", "Санкт-Петербург"),
        ("Sankt-Peterburg", "Санкт-Петербург"),
        ("СПб", "Санкт-Петербург"),
        ("С.-Петербург", "Санкт-Петербург"),
        ("Санкт Петербург", "Санкт-Петербург"),
        ("Yekaterinburg", "Екатеринбург"),
        ("Ekaterinburg", "Екатеринбург"),
        ("Nizhny Novgorod", "Нижний Новгород"),
        ("Н. Новгород", "Нижний Новгород"),
        ("Rostov-on-Don", "Ростов-на-Дону"),
        ("Ростов на Дону", "Ростов-на-Дону"),
        ("Kazan'", "Казань"),
        ("Chelyabinsk", "Челябинск"),
    ],
)
def test_a_major_city_in_either_script_has_one_canonical_name(written, canonical):
    """Every spelling of a major city maps to its Cyrillic name."""
    assert canonical_city(written) == canonical


def test_every_canonical_city_maps_to_itself():
    """The canonical spellings are themselves recognised, ``ё`` or not."""
    for canonical in CITY_SPELLINGS:
        assert canonical_city(canonical) == canonical
        assert canonical_city(canonical.replace("ё", "е")) == canonical


@pytest.mark.parametrize("name", ["Tver", "Тверь", "Berlin", "Ростов", "", "г."])
def test_a_city_outside_the_table_has_no_canonical_name(name):
    """Unknown and ambiguous names (Ростов without на-Дону) are not guessed."""
    assert canonical_city(name) is None


@pytest.mark.parametrize(
    ("country", "russian"),
    [
        ("RU", True),
        ("Ru", True),
        ("RUS", True),
        ("643", True),
        ("Russian Federation", True),
        ("Российская Федерация", True),
        ("Р.Ф.", True),
        ("DE", False),
        ("Belarus", False),
        ("", False),
        ("276", False),
    ],
)
def test_russia_is_recognised_in_every_usual_spelling(country, russian):
    """ISO alpha-2, alpha-3, numeric, English and Russian names all count; others do not."""
    assert is_russia(country) is russian
