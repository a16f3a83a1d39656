"""Russian addresses as real sources write them, and their normal form."""

from __future__ import annotations

import pytest
from crmkit_locale_ru import normalize_address

from crmkit.domain import Address

# (line, city) as written, with country RU → (line, city) expected.
LINES = [
    # 1C catalogues: Cyrillic, dotted abbreviations
    (("ул. Ленина, д. 1, офис 5", "г. Москва"), ("улица Ленина, дом 1, офис 5", "Москва")),
    (("ул.Ленина,д.1", "г.Москва"), ("улица Ленина, дом 1", "Москва")),
    (("ул Ленина д 1", "г Москва"), ("улица Ленина, дом 1", "Москва")),
    (("Невский пр-т, 10", "Санкт-Петербург"), ("Невский проспект, дом 10", "Санкт-Петербург")),
    (
        ("Невский пр-кт, д. 28, лит. А", "СПб"),
        ("Невский проспект, дом 28, литера А", "Санкт-Петербург"),
    ),
    (("пр. Мира, д. 119, стр. 5", "Москва"), ("проспект Мира, дом 119, строение 5", "Москва")),
    (
        ("Кутузовский просп., д. 32, оф. 12", "Москва"),
        ("Кутузовский проспект, дом 32, офис 12", "Москва"),
    ),
    (("Варшавское ш., д. 1, стр. 6", "Москва"), ("Варшавское шоссе, дом 1, строение 6", "Москва")),
    (
        ("Пресненская наб., д.12, этаж 45, офис 1", "Москва"),
        ("Пресненская набережная, дом 12, этаж 45, офис 1", "Москва"),
    ),
    (("б-р Дмитрия Донского, 9", "Москва"), ("бульвар Дмитрия Донского, дом 9", "Москва")),
    (("пл. Революции, 2/3", "Москва"), ("площадь Революции, дом 2/3", "Москва")),
    (
        ("1-й Волоколамский пр-д, д. 10, стр. 1", "Москва"),
        ("1-й Волоколамский проезд, дом 10, строение 1", "Москва"),
    ),
    (
        ("Кривоколенный пер., д. 14, корп. 1, кв. 7", "Москва"),
        ("Кривоколенный переулок, дом 14, корпус 1, квартира 7", "Москва"),
    ),
    (("мкр. Южный, д. 5", "Казань"), ("микрорайон Южный, дом 5", "Казань")),
    (("ул. 8 Марта, д. 10", "Екатеринбург"), ("улица 8 Марта, дом 10", "Екатеринбург")),
    (("ул. им. Ленина, д. 3", "Пермь"), ("улица имени Ленина, дом 3", "Пермь")),
    # glued building parts and the numero sign
    (
        ("ул. Тверская, д.5к2, кв.17", "Москва"),
        ("улица Тверская, дом 5, корпус 2, квартира 17", "Москва"),
    ),
    (
        ("2-й Кожуховский пр-д, 12с1", "Москва"),
        ("2-й Кожуховский проезд, дом 12, строение 1", "Москва"),
    ),
    (("ул. Зорге д1 к2", "Москва"), ("улица Зорге, дом 1, корпус 2", "Москва")),
    (("Кутузовский просп. д.№ 32", "Москва"), ("Кутузовский проспект, дом 32", "Москва")),
    # 1C KLADR order: the type after the name, "г" after the city
    (("Щипок ул, дом № 11, строение 1", "Москва г"), ("Щипок улица, дом 11, строение 1", "Москва")),
    (("Ленина ул, д 1", "Москва г."), ("Ленина улица, дом 1", "Москва")),
    # upper case, as some ERP exports write it
    (("УЛ. ЛЕНИНА, Д. 1", "Г. МОСКВА"), ("улица ЛЕНИНА, дом 1", "Москва")),
    # SAP and web shops: Latin transliterations
    (("Lenina ul., 1", "Moscow"), ("Lenina ulitsa, dom 1", "Москва")),
    (("ul. Lenina 1", "Moscow"), ("ulitsa Lenina, dom 1", "Москва")),
    (
        ("ul. Tverskaya, d. 7, str. 2, of. 15", "Moskva"),
        ("ulitsa Tverskaya, dom 7, stroenie 2, ofis 15", "Москва"),
    ),
    (("Tverskaya str. 7", "g. Moskva"), ("Tverskaya ulitsa, dom 7", "Москва")),
    (("Nevsky prospekt, 10", "Saint Petersburg"), ("Nevsky prospekt, dom 10", "Санкт-Петербург")),
    (("Nevsky pr., d. 28", "St. Petersburg"), ("Nevsky prospekt, dom 28", "Санкт-Петербург")),
    (
        ("Leninsky pr-t, d. 32A, kv. 5", "Sankt-Peterburg"),
        ("Leninsky prospekt, dom 32A, kvartira 5", "Санкт-Петербург"),
    ),
    (("Kutuzovsky Avenue 32", "Moscow"), ("Kutuzovsky prospekt, dom 32", "Москва")),
    (
        ("Krivokolenny per., 14 k. 1", "Moscow"),
        ("Krivokolenny pereulok, dom 14, korpus 1", "Москва"),
    ),
    (("Varshavskoe sh., 1", "Moscow"), ("Varshavskoe shosse, dom 1", "Москва")),
    (("Sofiyskaya nab., 26", "Moscow"), ("Sofiyskaya naberezhnaya, dom 26", "Москва")),
    (("Tverskoy b-r, 14", "Moscow"), ("Tverskoy bulvar, dom 14", "Москва")),
    (("Kazansky pr-d, 5", "Kazan"), ("Kazansky proezd, dom 5", "Казань")),
    # white space and punctuation
    (
        ("  ул.   Ленина ,  д. 1 ,, кв. 5.  ", "  Москва "),
        ("улица Ленина, дом 1, квартира 5", "Москва"),
    ),
    (("ул.\u00a0Ленина,\u00a0д.\u00a01", "Москва"), ("улица Ленина, дом 1", "Москва")),
    (
        ("наб. Обводного канала, 199\u2013201", "Санкт-Петербург"),
        ("набережная Обводного канала, дом 199-201", "Санкт-Петербург"),
    ),
]


@pytest.mark.parametrize(("written", "expected"), LINES)
def test_a_russian_line_and_city_get_their_normal_form(written, expected):
    """The line has its abbreviations written out, the city its canonical spelling."""
    line, city = written
    result = normalize_address(Address(line=line, city=city, country="RU"))
    assert result is not None
    assert (result.line, result.city) == expected


# Whole addresses typed into the line, as many ERP systems and web shops keep them.
WHOLE_LINES = [
    (
        "101000, г. Москва, ул. Ленина, д. 1",
        Address("улица Ленина, дом 1", "Москва", None, "101000", "RU"),
    ),
    (
        "115093, Москва г, Щипок ул, дом № 11, строение 1",
        Address("Щипок улица, дом 11, строение 1", "Москва", None, "115093", "RU"),
    ),
    (
        "Россия, 123456, Московская обл., г. Химки, ул. Ленинградская 5",
        Address("улица Ленинградская, дом 5", "Химки", "Московская область", "123456", "RU"),
    ),
    (
        "Московская обл., г. Подольск, ул. Кирова, д. 11, кв. 4",
        Address("улица Кирова, дом 11, квартира 4", "Подольск", "Московская область", None, "RU"),
    ),
    (
        "ул. Ленина, д. 1, Москва, 101000",
        Address("улица Ленина, дом 1", "Москва", None, "101000", "RU"),
    ),
    (
        "Russia, 191025, St. Petersburg, Nevsky pr., 28",
        Address("Nevsky prospekt, dom 28", "Санкт-Петербург", None, "191025", "RU"),
    ),
    (
        "г. Санкт-Петербург, Невский пр., д. 28, лит. А",
        Address("Невский проспект, дом 28, литера А", "Санкт-Петербург", None, None, "RU"),
    ),
    (
        "п. Мирный, ул. Центральная, 3",
        Address("посёлок Мирный, улица Центральная, дом 3", None, None, None, "RU"),
    ),
    (
        "д. Ивановка, ул. Садовая, д. 3",
        Address("деревня Ивановка, улица Садовая, дом 3", None, None, None, "RU"),
    ),
    (
        "с. Ивановское, ул. Полевая, д. 7",
        Address("село Ивановское, улица Полевая, дом 7", None, None, None, "RU"),
    ),
]


@pytest.mark.parametrize(("line", "expected"), WHOLE_LINES)
def test_a_whole_address_in_the_line_is_taken_apart(line, expected):
    """Postcode, country, region and city move out of the line into their own fields."""
    assert normalize_address(Address(line=line)) == expected


def test_a_city_in_the_line_that_is_not_the_citys_field_stays_in_the_line():
    """Зеленоград is part of Москва: the line keeps it, written out."""
    result = normalize_address(Address(line="г. Зеленоград, корп. 1120", city="г. Москва"))
    assert result is not None
    assert (result.line, result.city) == ("город Зеленоград, корпус 1120", "Москва")


def test_a_city_the_line_repeats_is_dropped_from_the_line():
    """The same city in the line and the city field, in two scripts, is said once."""
    result = normalize_address(Address(line="Moscow, ul. Lenina, 1", city="г. Москва"))
    assert result is not None
    assert (result.line, result.city) == ("ulitsa Lenina, dom 1", "Москва")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Д. 1", "дом 1"),
        ("ул. Гродненская, 5", "улица Гродненская, дом 5"),
        ("Ленинград. д. 4", "Ленинград, дом 4"),
        ("ул. Ш. Руставели, 2", "улица Ш. Руставели, дом 2"),
        ("ул. Ал. Невского, 4", "улица Ал. Невского, дом 4"),
        ("ул. Н.Д. Зелинского, 2", "улица Н.Д. Зелинского, дом 2"),
        ("проезд Серебрякова, 14", "проезд Серебрякова, дом 14"),
        ("Прудовая ул., 3", "Прудовая улица, дом 3"),
        ("Перовская ул., 2", "Перовская улица, дом 2"),
        ("Шоссейная ул., 7", "Шоссейная улица, дом 7"),
        ("ул. Стромынка, 20", "улица Стромынка, дом 20"),
        ("ул. Гагарина, 1", "улица Гагарина, дом 1"),
        ("ул. Кировоградская, 9к1", "улица Кировоградская, дом 9, корпус 1"),
        ("ул. 1905 года, 7", "улица 1905 года, дом 7"),
    ],
)
def test_abbreviations_never_eat_letters_of_a_word(written, expected):
    """Word boundaries hold: street names that begin like abbreviations are left alone."""
    result = normalize_address(Address(line=written, country="RU"))
    assert result is not None
    assert result.line == expected


def test_pr_dot_pr_t_and_pr_d_are_three_different_things():
    """``пр.`` and ``пр-т`` are проспект, ``пр-д`` is проезд, ``проезд`` stays."""
    lines = ["пр. Мира", "пр-т Мира", "пр-д Мира", "проезд Мира", "просп. Мира"]
    results = [normalize_address(Address(line=line, country="RU")) for line in lines]
    assert [r.line for r in results if r] == [
        "проспект Мира",
        "проспект Мира",
        "проезд Мира",
        "проезд Мира",
        "проспект Мира",
    ]


def test_a_house_number_with_a_letter_at_the_end_of_a_part_is_a_house():
    """``д. 5 г`` is house 5 г, not a city called ``д. 5``."""
    result = normalize_address(Address(line="ул. Мира, д. 5 г", city="Москва", country="RU"))
    assert result is not None
    assert (result.line, result.city) == ("улица Мира, дом 5 г", "Москва")


def test_normalising_twice_changes_nothing():
    """The normal form is a fixed point: every normalised address normalises to itself."""
    for (line, city), _ in LINES:
        once = normalize_address(Address(line=line, city=city, country="RU"))
        assert once is not None
        assert normalize_address(once) == once


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [("101000", "101000"), ("101 000", "101000"), (" 191025 ", "191025"), ("1010", "1010")],
)
def test_a_postcode_is_six_digits_and_a_wrong_one_is_kept_as_written(postcode, expected):
    """Spaces inside a postcode go; one that is not six digits is not thrown away."""
    result = normalize_address(Address(line="ул. Ленина, 1", postcode=postcode, country="RU"))
    assert result is not None
    assert result.postcode == expected


def test_a_valid_postcode_in_the_line_replaces_an_invalid_one_in_the_field():
    """``000000`` is no Russian postcode; the line's ``101000`` is."""
    address = Address(line="101000, ул. Ленина, 1", postcode="000000", country="RU")
    result = normalize_address(address)
    assert result is not None
    assert (result.postcode, result.line) == ("101000", "улица Ленина, дом 1")


def test_a_different_postcode_in_the_line_is_not_lost():
    """When the line's postcode contradicts the field, the line keeps it."""
    address = Address(line="190000, ул. Ленина, 1", postcode="101000", country="RU")
    result = normalize_address(address)
    assert result is not None
    assert (result.postcode, result.line) == ("101000", "190000, улица Ленина, дом 1")


@pytest.mark.parametrize(
    "country", ["RU", "ru", "RUS", "643", "Russia", "Russian Federation", "Россия", "РФ", "Р.Ф."]
)
def test_every_spelling_of_russia_becomes_ru(country):
    """The country comes out as the ISO code ``RU``."""
    result = normalize_address(Address(line="ул. Ленина, 1", country=country))
    assert result is not None
    assert result.country == "RU"


def test_the_region_is_written_out_and_a_federal_city_as_region_is_canonical():
    """``обл.`` becomes ``область``; ``г. Москва`` as region becomes ``Москва``."""
    region = normalize_address(Address(city="Химки", region="Московская обл.", country="RU"))
    city = normalize_address(Address(city="Зеленоград", region="г. Москва", country="RU"))
    assert region is not None
    assert city is not None
    assert (region.region, city.region) == ("Московская область", "Москва")


@pytest.mark.parametrize(
    "address",
    [
        Address("Friedrichstraße 100", "Berlin", None, "10117", "DE"),
        Address("ул. Абая, д. 10", "Алматы", None, "050000", "KZ"),
        Address("221B Baker Street", "London", None, "NW1 6XE", "United Kingdom"),
        Address("Friedrichstr. 100", "Berlin", None, "10117", None),
        Address("5th Avenue 1", "New York", None, None, None),
    ],
)
def test_an_address_that_is_not_russian_is_left_to_the_next_plugin(address):
    """A foreign country, or no country and nothing Russian: the hook answers ``None``."""
    assert normalize_address(address) is None


@pytest.mark.parametrize(
    "address",
    [
        Address("ул. Ленина, 1"),
        Address("Lenina 1", "Moscow"),
        Address("ul. Lenina, 1", "Tver"),
    ],
)
def test_an_address_without_country_is_russian_when_it_reads_russian(address):
    """Cyrillic, a known Russian city or a Russian street word in Latin is enough."""
    result = normalize_address(address)
    assert result is not None
    assert result.country == "RU"


def test_an_empty_line_or_city_stays_empty():
    """Blank parts come out as ``None``, never as empty strings."""
    result = normalize_address(Address(line="  ", city=" г. ", postcode="", country="RU"))
    assert result == Address(None, None, None, None, "RU")
