"""Script-independent comparison keys for streets."""

from __future__ import annotations

import pytest
from crmkit_locale_ru import fold, street_key


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("ул. Ленина, д. 1, офис 5", "Lenina ul., 1"),
        ("улица Ленина, дом 1", "ul. Lenina 1"),
        ("Невский пр-т, 10", "Nevsky prospekt, 10"),
        ("Невский проспект, дом 28, литера А", "Nevskiy pr., d. 28"),
        ("ул. Тверская, д. 7, стр. 2", "Tverskaya str., d. 7, str. 2"),
        ("ул. Маяковского, д. 5, корп. 1, кв. 10", "ul. Mayakovskogo, d. 5 k. 1"),
        ("Щипок ул, дом № 11", "ul. Shchipok, 11"),
        ("ул. Воробьёва, 3", "Vorob'eva ulitsa, 3"),
        ("ул. Чайковского, 9", "ul. Tchaikovskogo, 9"),
        ("ул. Юности, 4", "ul. Yunosti, 4"),
        ("ул. Хохлова, 2", "ul. Khokhlova, 2"),
    ],
)
def test_the_same_street_in_cyrillic_and_latin_has_the_same_key(cyrillic, latin):
    """Street name and building compare equal across scripts and transliteration systems."""
    assert street_key(cyrillic) == street_key(latin)
    assert street_key(cyrillic)


def test_the_key_keeps_the_building_and_drops_the_flat():
    """Corpus and building number tell buildings apart; flat and office do not."""
    assert street_key("ул. Ленина, д. 1, корп. 2, кв. 5") == "lenina 1 k2"
    assert street_key("ул. Ленина, д. 1, стр. 3, офис 7") == "lenina 1 s3"
    assert street_key("ул. Ленина, д. 1, корп. 2") != street_key("ул. Ленина, д. 1, корп. 3")


def test_the_key_skips_the_locality_and_finds_the_street():
    """A village before the street is not part of the street's key."""
    assert street_key("д. Ивановка, ул. Садовая, д. 3") == "sadovaia 3"


def test_a_line_with_no_street_has_no_key():
    """Nothing but a postcode and a city gives ``None``."""
    assert street_key("101000, г. Москва") is None
    assert street_key("") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [("Невский", "Nevsky"), ("Невский", "Nevskiy"), ("Невский", "Nevskij"), ("Ёлкин", "Yolkin")],
)
def test_folding_makes_transliteration_systems_agree(a, b):
    """ICAO, BGN/PCGN and German-style spellings fold to one key."""
    assert fold(a) == fold(b)
