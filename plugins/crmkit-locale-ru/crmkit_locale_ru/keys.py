"""Comparison keys that make a Cyrillic and a Latin spelling of one street compare equal.

``street_key("улица Ленина, дом 1, офис 5")`` and ``street_key("Lenina ulitsa, dom 1")`` are
both ``"lenina 1"``: the street's name and the building (house, corpus, building number), in
one folded Latin spelling, without the street type and without flat or office. The keys are
for matching only, never for display.
"""

from __future__ import annotations

import re

from crmkit_locale_ru.abbreviations import STREET_WORDS
from crmkit_locale_ru.address import line_parts

#: Cyrillic → Latin as in Russian passports (ICAO Doc 9303), the most common spelling in
#: Latin-script systems.
_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "iu",
        "я": "ia",
    }
)

# Spellings that other transliteration systems use for the same sound, folded to one.
_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"['ʹʼ`’]", ""),
        (r"x", "ks"),
        (r"tz", "ts"),
        (r"tch", "ch"),
        (r"w", "v"),
        (r"\b[yj]e", "e"),
        (r"[yj]o", "e"),
        (r"[yj]a", "ia"),
        (r"[yj]u", "iu"),
        (r"[yj]", "i"),
        (r"i+", "i"),
        (r"kh", "h"),
        (r"sch", "shch"),
    )
)
_BUILDING = {
    "дом": "",
    "dom": "",
    "корпус": "k",
    "korpus": "k",
    "строение": "s",
    "stroenie": "s",
}
_NOT_KEY = re.compile(r"[^\w\s/'ʹʼ’-]|_")
_HOUSE = re.compile(r"^\d+[a-zа-яё]?(?:/\d+[a-zа-яё]?)?$")


def fold(text: str) -> str:
    """Return ``text`` (any script) in one folded, lower-case Latin spelling."""
    result = text.casefold().translate(_TRANSLIT)
    for pattern, replacement in _FOLDS:
        result = pattern.sub(replacement, result)
    return result


def street_key(line: str) -> str | None:
    """Return the key of the street and building in an address line, or ``None`` if it has none.

    ``line`` may be normalised or raw: it is normalised first.
    """
    parts = [_NOT_KEY.sub(" ", p.casefold()).split() for p in line_parts(line)]
    parts = [words for words in parts if words]
    streets = [i for i, words in enumerate(parts) if STREET_WORDS.intersection(words)]
    others = [i for i, words in enumerate(parts) if words[0] not in _BUILDING]
    if not streets and not others:
        return None
    at = (streets or others)[0]
    key = [w for w in parts[at] if w not in STREET_WORDS]
    for words in parts[at + 1 :]:
        if words[0] in _BUILDING and len(words) > 1:
            key.append(_BUILDING[words[0]] + words[1])
        elif len(words) == 1 and _HOUSE.match(words[0]) and len(key) == len(parts[at]):
            key.append(words[0])
    return fold(" ".join(key)) or None
