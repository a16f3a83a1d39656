"""Writing out abbreviations, one pattern at a time."""

from __future__ import annotations

import doctest

import pytest
from crmkit_locale_ru import abbreviations
from crmkit_locale_ru.abbreviations import expand


def test_the_examples_in_the_docstrings_hold():
    """The module's doctests pass."""
    result = doctest.testmod(abbreviations)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("ул. Ленина", "улица Ленина"),
        ("ул.Ленина", "улица Ленина"),
        ("ул Ленина", "улица Ленина"),
        ("Ленина ул", "Ленина улица"),
        ("пр-т Мира", "проспект Мира"),
        ("пр-кт Мира", "проспект Мира"),
        ("просп. Мира", "проспект Мира"),
        ("пр. Мира", "проспект Мира"),
        ("пр-д Энергетиков", "проезд Энергетиков"),
        ("Сивцев Вражек пер.", "Сивцев Вражек переулок"),
        ("Дмитровское ш.", "Дмитровское шоссе"),
        ("наб. Фонтанки", "набережная Фонтанки"),
        ("Тверской б-р", "Тверской бульвар"),
        ("пл. Восстания", "площадь Восстания"),
        ("д. 5", "дом 5"),
        ("д.5", "дом 5"),
        ("корп. 2", "корпус 2"),
        ("к. 2", "корпус 2"),
        ("стр. 3", "строение 3"),
        ("кв. 44", "квартира 44"),
        ("оф. 12", "офис 12"),
        ("Одинцовский р-н", "Одинцовский район"),
        ("Тверская обл.", "Тверская область"),
        ("ul. Lenina", "ulitsa Lenina"),
        ("Lenina ul.", "Lenina ulitsa"),
        ("pr. Mira", "prospekt Mira"),
        ("prospect Mira", "prospekt Mira"),
        ("pr-d Energetikov", "proezd Energetikov"),
        ("d. 5", "dom 5"),
        ("k. 2", "korpus 2"),
        ("kv. 44", "kvartira 44"),
        ("of. 12", "ofis 12"),
        ("d. 5, str. 1", "dom 5, stroenie 1"),
        ("Tverskaya str.", "Tverskaya ulitsa"),
    ],
)
def test_each_abbreviation_is_written_out_in_its_own_script(written, expected):
    """Cyrillic abbreviations become Russian words, Latin ones transliterated words."""
    assert expand(written) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("улица Ленина", "улица Ленина"),
        ("проезд Мира", "проезд Мира"),
        ("Гродненская", "Гродненская"),
        ("Ленинград", "Ленинград"),
        ("Перово", "Перово"),
        ("Прудовая", "Прудовая"),
        ("Шаболовка", "Шаболовка"),
        ("Кудринская пл-ка", "Кудринская пл-ка"),
        ("ул. К. Маркса", "улица К. Маркса"),
        ("ул. Д. Бедного", "улица Д. Бедного"),
        ("и т.д.", "и т.д."),
    ],
)
def test_words_that_merely_begin_like_abbreviations_are_left_alone(text, expected):
    """Nothing is expanded inside a word, and capitals that are initials stay."""
    assert expand(text) == expected


def test_a_house_number_glued_to_its_corpus_or_building_is_split():
    """``5к2`` and ``10стр.1`` and ``7k3`` are written out."""
    assert expand("д.5к2") == "дом 5 корпус 2"
    assert expand("д. 10стр.1") == "дом 10 строение 1"
    assert expand("d. 7k3") == "dom 7 korpus 3"


def test_the_numero_sign_goes():
    """``дом № 5`` and ``д. №5`` are ``дом 5``."""
    assert expand("дом № 5") == "дом 5"
    assert expand("д. №5") == "дом 5"
    assert expand("ул. ЛЕНИН 5") == "улица ЛЕНИН 5"


def test_a_lower_case_locality_abbreviation_before_a_name_is_written_out():
    """``п.``, ``с.`` and ``д.`` before a capitalised name are посёлок, село, деревня."""
    assert expand("п. Мирный") == "посёлок Мирный"
    assert expand("с. Ивановское") == "село Ивановское"
    assert expand("д. Ивановка") == "деревня Ивановка"
    assert expand("пгт Новый") == "посёлок городского типа Новый"
