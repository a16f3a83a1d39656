"""Russian street, locality and building abbreviations, in Cyrillic and Latin transliteration.

:func:`expand` turns ``ул.``/``ul.`` into ``улица``/``ulitsa``, ``д. 1`` into ``дом 1`` and so on.
Every pattern is anchored on word boundaries, so ``д.`` never eats the ``д`` at the end of a word,
``пр.`` (проспект), ``пр-т`` (проспект) and ``пр-д`` (проезд) stay apart, and ``проезд`` itself
is left alone.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple


class Rule(NamedTuple):
    """One abbreviation and the full word it stands for.

    ``dot``: the form must end with a dot (``пр.``, never bare ``пр``). ``number``: expand only
    before a number (``д. 1``, ``к. 2``). ``lower``: match the lower-case form only, because
    the capitalised one is a person's initial (``ул. Ш. Руставели``, ``ул. Ал. Невского``).
    ``name``: expand only before a capitalised word (``д. Ивановка`` is a village).
    """

    forms: tuple[str, ...]
    full: str
    dot: bool = False
    number: bool = False
    lower: bool = False
    name: bool = False


CYRILLIC_RULES: tuple[Rule, ...] = (
    # Building parts come first: ``д. 1`` is a house, ``д. Ивановка`` a village.
    Rule(("дом", "д"), "дом", number=True),
    Rule(("корпус", "корп", "кор", "к"), "корпус", number=True),
    Rule(("строение", "строен", "стр", "с"), "строение", number=True),
    Rule(("квартира", "кварт", "кв"), "квартира", number=True),
    Rule(("офис", "оф"), "офис", number=True),
    Rule(("помещение", "помещ", "пом"), "помещение", number=True),
    Rule(("этаж", "эт"), "этаж", number=True),
    Rule(("владение", "влад", "влд", "вл"), "владение", number=True),
    Rule(("лит",), "литера"),
    Rule(("ул",), "улица"),
    Rule(("пр-кт", "пр-т", "просп", "прсп"), "проспект"),
    Rule(("пр",), "проспект", dot=True),
    Rule(("пр-зд", "пр-д"), "проезд"),
    Rule(("пер-к", "пер"), "переулок"),
    Rule(("ш-се",), "шоссе"),
    Rule(("ш",), "шоссе", dot=True, lower=True),
    Rule(("наб",), "набережная"),
    Rule(("бульв", "бул", "б-р"), "бульвар"),
    Rule(("пл",), "площадь"),
    Rule(("туп",), "тупик"),
    Rule(("ал",), "аллея", dot=True, lower=True),
    Rule(("мкрн", "мкр", "мк-н", "м-н", "микр"), "микрорайон"),
    Rule(("кв-л",), "квартал"),
    Rule(("им",), "имени", dot=True, lower=True),
    Rule(("обл",), "область"),
    Rule(("р-он", "р-н"), "район"),
    Rule(("респ",), "республика"),
    Rule(("пгт",), "посёлок городского типа"),
    Rule(("пос",), "посёлок"),
    Rule(("дер",), "деревня", dot=True),
    Rule(("п",), "посёлок", dot=True, lower=True, name=True),
    Rule(("с",), "село", dot=True, lower=True, name=True),
    Rule(("д",), "деревня", dot=True, lower=True, name=True),
)

LATIN_RULES: tuple[Rule, ...] = (
    Rule(("dom", "d"), "dom", number=True),
    Rule(("korpus", "korp", "k"), "korpus", number=True),
    Rule(("stroenie",), "stroenie", number=True),  # "str." is handled by _LATIN_BUILDING
    Rule(("kvartira", "kv"), "kvartira", number=True),
    Rule(("office", "ofis", "of"), "ofis", number=True),
    Rule(("pomeshchenie", "pom"), "pomeshchenie", number=True),
    Rule(("ulitsa", "ulitza", "ulica", "ul'itsa", "ul", "street", "str"), "ulitsa"),
    Rule(("prospekt", "prospect", "pr-kt", "pr-t", "prosp", "avenue", "ave"), "prospekt"),
    Rule(("pr",), "prospekt", dot=True),
    Rule(("proezd", "pr-d"), "proezd"),
    Rule(("pereulok", "per", "lane"), "pereulok"),
    Rule(("shosse", "chaussee", "sh-se", "highway"), "shosse"),
    Rule(("sh",), "shosse", dot=True, lower=True),
    Rule(("naberezhnaya", "naberezhnaja", "nab", "embankment"), "naberezhnaya"),
    Rule(("bulvar", "bul'var", "boulevard", "bulv", "bul", "b-r"), "bulvar"),
    Rule(("ploshchad", "ploshchad'", "ploschad", "ploshad", "pl", "square"), "ploshchad"),
    Rule(("mikrorayon", "mikroraion", "mkrn", "mkr"), "mikrorayon"),
    Rule(("obl",), "oblast"),
    Rule(("r-n",), "rayon"),
    Rule(("resp",), "respublika"),
)

#: Full words that name a street (or an area standing in for one), in both scripts.
STREET_WORDS: frozenset[str] = frozenset(
    {
        "улица",
        "проспект",
        "проезд",
        "переулок",
        "шоссе",
        "набережная",
        "бульвар",
        "площадь",
        "тупик",
        "аллея",
        "микрорайон",
        "квартал",
        "линия",
        "ulitsa",
        "prospekt",
        "proezd",
        "pereulok",
        "shosse",
        "naberezhnaya",
        "bulvar",
        "ploshchad",
        "mikrorayon",
    }
)

#: Full words that start a building part: each becomes its own comma-separated part.
BUILDING_WORDS: tuple[str, ...] = (
    "дом",
    "корпус",
    "строение",
    "квартира",
    "офис",
    "помещение",
    "этаж",
    "владение",
    "dom",
    "korpus",
    "stroenie",
    "kvartira",
    "ofis",
    "pomeshchenie",
)

#: Full words that name a region (a part of the address above the city).
REGION_WORDS: frozenset[str] = frozenset(
    {"область", "край", "республика", "автономный", "oblast", "krai", "kray", "respublika"}
)

_LETTER = r"[^\W\d_]"
_UPPER_WORD = r"\s*[A-ZА-ЯЁ][a-zа-яё]"


def _pattern(rule: Rule) -> str:
    """Return the regular expression of one rule; case-insensitive unless ``rule.lower``."""
    forms = "|".join(re.escape(f) for f in sorted(rule.forms, key=len, reverse=True))
    if rule.number:
        end = r"\.?\s*(?:№\s*)?(?=\d)"
    elif rule.dot:
        end = r"\.\s*"
    else:
        end = rf"(?:\.\s*|(?!{_LETTER}|[-'\d])\s*)"
    if rule.name:
        end += rf"(?={_UPPER_WORD})"
    body = rf"(?<![\w'-])(?:{forms}){end}"
    return body if rule.lower else f"(?i:{body})"


_RULES = CYRILLIC_RULES + LATIN_RULES
# One alternation, tried rule by rule at each position: a single pass over the text.
_ABBREVIATION = re.compile("|".join(f"(?P<r{i}>{_pattern(r)})" for i, r in enumerate(_RULES)))
_FULL = {f"r{i}": f"{rule.full} " for i, rule in enumerate(_RULES)}


def _full(match: re.Match[str]) -> str:
    return _FULL[match.lastgroup or ""]


# "5к2", "10стр.1", "7k3": a house number with its corpus or building glued on.
_GLUED = re.compile(r"(?<=\d)(?=(?:корп|стр|к|с|korp|str|k)\.?\d)", re.IGNORECASE)
# In Latin, "str." after a house number or opening a part is строение ("d. 5, str. 1");
# after a name it is a street ("Tverskaya str.").
_LATIN_BUILDING = re.compile(r"(?:(?<=\d)(\s*,?\s*)|^())str\.?\s*(?=\d)", re.IGNORECASE)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+(?=[,.;:)])")
_STRAY_DOTS = re.compile(r"(?:^|\s)\.+(?=\s|$)")
_NUMERO = re.compile(r"(?:(?:№|(?<!\w)No?\.?)\s*)+(?=\d)")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def expand(text: str) -> str:
    """Return ``text`` with every known abbreviation written out, in the script it was written.

    >>> expand("ул.Ленина д.5к2 кв.7")
    'улица Ленина дом 5 корпус 2 квартира 7'
    >>> expand("Lenina ul. d. 1")
    'Lenina ulitsa dom 1'
    """
    text = _GLUED.sub(" ", text)
    text = _NUMERO.sub("", text)
    text = _LATIN_BUILDING.sub(r"\1stroenie ", text)
    text = _ABBREVIATION.sub(_full, text)
    text = _STRAY_DOTS.sub(" ", text)
    return _SPACE_BEFORE_PUNCT.sub("", _SPACES.sub(" ", text)).strip()
