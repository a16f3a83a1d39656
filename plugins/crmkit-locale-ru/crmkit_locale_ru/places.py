"""Russia and its largest cities in every spelling sources use, and their canonical forms.

Lookups go through :func:`place_key`, which ignores case, ``ё``/``е``, punctuation, hyphens and
spaces, so ``St. Petersburg``, ``Saint-Petersburg`` and ``С.-Петербург`` are all one key.
"""

from __future__ import annotations

import re

_NOT_KEY = re.compile(r"[\W_]")

#: Canonical Cyrillic name → spellings seen in ERP systems, web shops and call centres.
CITY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "Москва": ("Москва", "Мск", "Moscow", "Moskva", "Moskau", "Moscou"),
    "Санкт-Петербург": (
        "Санкт-Петербург",
        "С.-Петербург",
        "С-Петербург",
        "Петербург",
        "СПб",
        "Saint Petersburg",
        "St. Petersburg",
        "Sankt-Peterburg",
        "Sankt-Petersburg",
        "Saint Peterburg",
        "St. Peterburg",
        "Petersburg",
        "SPb",
    ),
    "Новосибирск": ("Новосибирск", "Novosibirsk", "Nowosibirsk"),
    "Екатеринбург": (
        "Екатеринбург",
        "Ekaterinburg",
        "Yekaterinburg",
        "Jekaterinburg",
    ),
    "Казань": ("Казань", "Kazan", "Kazan'"),
    "Нижний Новгород": (
        "Нижний Новгород",
        "Н. Новгород",
        "Nizhny Novgorod",
        "Nizhniy Novgorod",
        "Nizhnii Novgorod",
        "Nizhnij Novgorod",
        "N. Novgorod",
    ),
    "Челябинск": ("Челябинск", "Chelyabinsk", "Cheliabinsk", "Tscheljabinsk"),
    "Самара": ("Самара", "Samara"),
    "Омск": ("Омск", "Omsk"),
    "Ростов-на-Дону": ("Ростов-на-Дону", "Rostov-na-Donu", "Rostov-on-Don", "Rostov-am-Don"),
    "Уфа": ("Уфа", "Ufa"),
    "Красноярск": ("Красноярск", "Krasnoyarsk", "Krasnoiarsk"),
    "Воронеж": ("Воронеж", "Voronezh", "Voronez", "Woronesch"),
    "Пермь": ("Пермь", "Perm", "Perm'"),
    "Волгоград": ("Волгоград", "Volgograd", "Wolgograd"),
    "Краснодар": ("Краснодар", "Krasnodar"),
    "Саратов": ("Саратов", "Saratov"),
    "Тюмень": ("Тюмень", "Tyumen", "Tiumen"),
}

#: Every way sources write the country; all mean ``RU``.
RUSSIA_SPELLINGS: tuple[str, ...] = (
    "RU",
    "RUS",
    "Russia",
    "Russian Federation",
    "Rossiya",
    "Rossiia",
    "Russland",
    "Russie",
    "Россия",
    "РФ",
    "Российская Федерация",
)


def place_key(name: str) -> str:
    """Return the lookup key of a place name: letters and digits, case-folded, ``ё`` as ``е``."""
    folded = name.casefold().replace("ё", "е")
    return _NOT_KEY.sub("", folded)


_CITIES: dict[str, str] = {
    place_key(spelling): canonical
    for canonical, spellings in CITY_SPELLINGS.items()
    for spelling in spellings
}
_RUSSIA: frozenset[str] = frozenset(place_key(s) for s in RUSSIA_SPELLINGS)
_RUSSIA_NUMERIC = "643"  # ISO 3166 numeric code


def canonical_city(name: str) -> str | None:
    """Return the Cyrillic name of the major Russian city written as ``name``, or ``None``."""
    return _CITIES.get(place_key(name))


def is_russia(country: str) -> bool:
    """Return True when ``country`` names Russia (``RU``, ``Russia``, ``Россия``, ``РФ``...)."""
    return country.strip() == _RUSSIA_NUMERIC or place_key(country) in _RUSSIA
