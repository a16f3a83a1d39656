"""Normalise a Russian postal address, whichever script and abbreviations its source used.

The normal form:

- ``line``: comma-separated parts, abbreviations written out in the script they were written
  in (``ул. Ленина, д. 1`` → ``улица Ленина, дом 1``; ``Lenina ul., 1`` →
  ``Lenina ulitsa, dom 1``), each building part (дом, корпус, строение, квартира, офис) its
  own part, a bare house number after the street prefixed with ``дом``/``dom``; a postcode,
  the country, the city and the region found in the line move to their own fields when those
  are empty or say the same;
- ``city``: without ``г.``/``город``; the largest cities in one canonical Cyrillic spelling
  (``Moscow``, ``Moskva``, ``г. Москва`` → ``Москва``);
- ``region``: abbreviations written out (``Московская обл.`` → ``Московская область``);
- ``postcode``: six digits, spaces removed (``101 000`` → ``101000``);
- ``country``: ``RU``.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

import attrs

from crmkit_locale_ru.abbreviations import BUILDING_WORDS, REGION_WORDS, STREET_WORDS, expand
from crmkit_locale_ru.places import canonical_city, is_russia, place_key

if TYPE_CHECKING:
    from crmkit.domain import Address

_SPACES = re.compile(r"\s+")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_POSTCODE = re.compile(r"[1-6]\d{5}")
_HOUSE = re.compile(r"\d+[а-яёa-z]?(?:[/-]\d+[а-яёa-z]?)?", re.IGNORECASE)
_TRAILING_HOUSE = re.compile(rf"^(?P<street>.*\D)\s+(?P<house>{_HOUSE.pattern})$", re.IGNORECASE)
_CITY_PREFIX = re.compile(r"^(?:г|гор|город|g|gor|gorod)(?:\.\s*|\s+)(?=[^\W\d_])", re.IGNORECASE)
_BARE_PREFIX = re.compile(r"г|гор|город|g|gor|gorod", re.IGNORECASE)
_CITY_SUFFIX = re.compile(r"^(?P<name>[^\W\d_][^\d,]*?)\s+(?:г|гор)\.*$", re.IGNORECASE)
_BUILDING_SPLIT = re.compile(rf"\s+(?=(?:{'|'.join(BUILDING_WORDS)})\s+\d)", re.IGNORECASE)
_LATIN_MARKERS = re.compile(
    r"(?<![\w-])(?:ul\.|ulitsa|ulica|pr\.|pr-k?t|prospekt|pereulok|per\.|shosse|naberezhnaya|nab\.|"
    r"bulvar|b-r|proezd|pr-d|mkr\.?|mikrorayon|ploshchad|d\.\s*\d)",
    re.IGNORECASE,
)
_TRIM = " ,;:."


def clean(value: str | None) -> str | None:
    """Return ``value`` with dashes unified and white space collapsed, or ``None`` if empty."""
    if value is None:
        return None
    text = _SPACES.sub(" ", value.translate(_DASHES)).strip()
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+([),.;:])", r"\1", text)
    return text or None


def postcode(value: str | None) -> str | None:
    """Return ``value`` as a Russian postcode (six digits, the first 1-6), or ``None``."""
    if value is None:
        return None
    digits = _SPACES.sub("", value)
    return digits if _POSTCODE.fullmatch(digits) else None


def city_name(value: str) -> str:
    """Return a city name without ``г.``/``город`` and in canonical form when it is a major city."""
    name, previous = value, ""
    while name != previous:
        previous = name
        name = _CITY_PREFIX.sub("", name.lstrip(_TRIM).rstrip(" ,;:"))
        suffixed = _CITY_SUFFIX.match(name)
        name = suffixed["name"] if suffixed else name
    name = name.strip(_TRIM)
    if _BARE_PREFIX.fullmatch(name):
        return ""
    return canonical_city(name) or name


def looks_russian(address: Address) -> bool:
    """Return True when an address without a country still reads as a Russian one.

    It does when any part is in Cyrillic, names Russia or a major Russian city in any
    spelling, or uses Russian street words in Latin (``ul.``, ``prospekt``, ``pereulok``...).
    """
    fields = [f for f in (address.line, address.city, address.region) if f]
    if any(_CYRILLIC.search(f) for f in fields):
        return True
    for part in (p for f in fields for p in _split_parts(f)):
        if is_russia(part) or canonical_city(city_name(part)):
            return True
    return bool(address.line and _LATIN_MARKERS.search(address.line))


def _is_street(part: str) -> bool:
    return any(word in STREET_WORDS for word in part.casefold().split())


def _is_region(part: str) -> bool:
    words = part.casefold().split()
    return not any(c.isdigit() for c in part) and any(word in REGION_WORDS for word in words)


def _same_place(a: str, b: str) -> bool:
    return place_key(a) == place_key(b)


@attrs.define
class _Fields:
    """The address's own fields while the line is taken apart."""

    city: str | None
    region: str | None
    postcode: str | None
    parts: list[str] = attrs.field(factory=list)

    def take_postcode(self, part: str) -> bool:
        digits = part.strip(_TRIM).replace(" ", "")
        code = postcode(digits) if digits.isdigit() else None
        if code is None:
            return False
        if self.postcode is None:
            self.postcode = code
            return True
        return self.postcode == code

    def take_city(self, name: str) -> bool:
        if self.city is None:
            self.city = name
            return True
        return _same_place(self.city, name)

    def take_region(self, name: str) -> bool:
        if self.region is None:
            self.region = name
            return True
        return _same_place(self.region, name)


def _split_parts(text: str) -> list[str]:
    """Split at commas and semicolons; a trailing dot stays, it may end an abbreviation."""
    parts = (s.lstrip(_TRIM).rstrip(" ,;:") for s in re.split(r"[,;]", text))
    return [p for p in parts if p.strip(_TRIM)]


def _city_part(fields: _Fields, raw: str) -> bool:
    """Take ``raw`` as the city if it is ``г. X``, ``X г`` or a known city; keep another city."""
    if _is_street(expand(raw)):
        return False
    if _CITY_PREFIX.match(raw) or _CITY_SUFFIX.match(raw):
        name = city_name(raw)
        if name and not is_russia(name) and not fields.take_city(name):
            fields.parts.append(f"{'город' if _CYRILLIC.search(name) else 'gorod'} {name}")
        return True
    known = canonical_city(raw)
    if known is None:
        return False
    if not fields.take_city(known):
        fields.parts.append(known)
    return True


def _region_part(fields: _Fields, raw: str) -> bool:
    """Take ``raw`` as the region if it names one (``Московская обл.``)."""
    region = normalize_region(raw)
    if not region or not _is_region(region) or _is_street(region):
        return False
    if not fields.take_region(region):
        fields.parts.append(region)
    return True


def _place_part(fields: _Fields, raw: str, *, edge: bool) -> bool:
    """Move ``raw`` into a field if it is a postcode, the country, the city or the region."""
    if edge and fields.take_postcode(raw):
        return True
    return is_russia(raw) or _region_part(fields, raw) or _city_part(fields, raw)


def _add_expanded(fields: _Fields, raw: str, *, first: bool, last: bool) -> None:
    """Append ``raw`` with abbreviations written out, split into street and building parts.

    ``first`` and ``last`` tell whether ``raw`` may start or end with a postcode.
    """
    text = expand(raw)
    pieces = [p.strip(_TRIM) for p in _BUILDING_SPLIT.split(text)]
    for index, piece in enumerate(pieces):
        edge = (first and index == 0) or (last and index == len(pieces) - 1)
        if _place_part(fields, piece, edge=edge):
            continue
        match = _TRAILING_HOUSE.match(piece)
        street = match["street"].strip(_TRIM) if match else ""
        if (
            match
            and _is_street(street)
            and len(street.split()) > 1
            and not _TRAILING_HOUSE.match(street)
        ):
            fields.parts.append(street)
            fields.parts.append(f"{_house_word(piece)} {match['house']}")
        else:
            fields.parts.append(piece)


def _house_word(context: str) -> str:
    return "дом" if _CYRILLIC.search(context) else "dom"


def _number_houses(parts: list[str]) -> list[str]:
    """Prefix a bare house number that follows the street with ``дом``/``dom``."""
    result: list[str] = []
    for part in parts:
        bare = result and _HOUSE.fullmatch(part) and _is_street(result[-1])
        result.append(f"{_house_word(result[-1])} {part}" if bare else part)
    return result


def normalize_line(fields: _Fields, line: str) -> str | None:
    """Return ``line`` in normal form, moving its place parts into ``fields``."""
    raw_parts = _split_parts(line)
    leading = True  # a postcode may stand anywhere before the street, or last
    for index, raw in enumerate(raw_parts):
        last = index == len(raw_parts) - 1
        if not _place_part(fields, raw, edge=leading or last):
            _add_expanded(fields, raw, first=leading, last=last)
            leading = False
    parts = _number_houses([p for p in fields.parts if p])
    return ", ".join(parts) or None


def line_parts(line: str) -> list[str]:
    """Return the parts of an address line in normal form (street, house, corpus, flat...)."""
    fields = _Fields(city=None, region=None, postcode=None)
    text = clean(line)
    normal = normalize_line(fields, text) if text else None
    return normal.split(", ") if normal else []


def normalize_region(value: str | None) -> str | None:
    """Return a region with abbreviations written out; a federal city as its canonical name."""
    parts = []
    for part in _split_parts(value or ""):
        name = part
        while _CITY_PREFIX.match(name):
            name = _CITY_PREFIX.sub("", name)
        parts.append(canonical_city(name) or expand(name).strip(_TRIM))
    return ", ".join(p for p in parts if p) or None


@functools.lru_cache(maxsize=65536)
def normalize_address(address: Address) -> Address | None:
    """Return ``address`` in Russian normal form, or ``None`` when it is not a Russian address.

    An address is Russian when its country names Russia in any spelling, or when it has no
    country and :func:`looks_russian`. A postcode that is not a Russian one is kept as
    written (white space collapsed); a valid one found in the line replaces it. Results are
    cached: the same address written the same way is normalised once.
    """
    country = clean(address.country)
    if country is not None and not is_russia(country):
        return None
    if country is None and not looks_russian(address):
        return None
    raw_postcode = clean(address.postcode)
    fields = _Fields(city=None, region=normalize_region(clean(address.region)), postcode=None)
    fields.postcode = postcode(raw_postcode)
    city = clean(address.city)
    city_parts: list[str] = []
    for raw in _split_parts(city or ""):
        name = city_name(raw)
        region = normalize_region(name)
        if region and _is_region(region):
            if not fields.take_region(region):
                city_parts.append(region)
        elif name and not fields.take_postcode(name) and not is_russia(name):
            city_parts.append(name)
    fields.city = ", ".join(city_parts) or None
    line = clean(address.line)
    normal_line = normalize_line(fields, line) if line else None
    return attrs.evolve(
        address,
        line=normal_line,
        city=fields.city,
        region=fields.region,
        postcode=fields.postcode or raw_postcode,
        country="RU",
    )
