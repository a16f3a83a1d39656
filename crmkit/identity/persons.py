"""Personal names: parse them in any order and script, and compare them the way people differ.

``Петров Иван Сергеевич``, ``Иван Сергеевич Петров``, ``PETROV IVAN SERGEEVICH``,
``Petrov I. S.`` and ``Ваня Петров`` all parse to the same family name, given name and
(where written) patronymic, each as a :func:`~crmkit.identity.text.latin_key`. Given names are
mapped to their full form through a table of diminutives (``Ваня`` → ``ivan``,
``Серёжа`` → ``sergei``); the table lives in ``crmkit/identity/data/given_names_*.txt``.

:func:`compare_person_names` tells a typo or transliteration (``close``) from a different
member of the same family (``given_differs``): spouses and children share a family name, a
home phone and an address, and merging them is the classic over-merge of a general-purpose
linker. ``Петров`` and ``Петрова`` are kept apart by :func:`~crmkit.identity.text.latin_key`
and recognised as the male and female forms of one family name.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from importlib import resources
from typing import TYPE_CHECKING, Literal, NamedTuple

import attrs
from rapidfuzz.distance import JaroWinkler

from crmkit.identity.text import latin_key

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "Gender",
    "NameAgreement",
    "PersonName",
    "compare_person_names",
    "gender_hint",
    "given_name_forms",
    "given_name_initials",
    "is_known_given_name",
    "parse_person_name",
]

Gender = Literal["m", "f"]

CLOSE_SIMILARITY = 0.92
"""Jaro-Winkler similarity of two keys from which they count as a typo of each other."""

_DATA_FILES = ("given_names_ru.txt", "given_names_west.txt")


# --- the given-name table -------------------------------------------------------------------


def _load_given_names() -> tuple[dict[str, tuple[tuple[str, Gender], ...]], dict[str, Gender]]:
    """Read the data files into ``{spelling key: ((full key, gender), ...)}`` and genders."""
    forms: dict[str, list[tuple[str, Gender]]] = {}
    genders: dict[str, Gender] = {}
    data = resources.files("crmkit.identity").joinpath("data")
    for filename in _DATA_FILES:
        for raw_line in data.joinpath(filename).read_text(encoding="utf-8").splitlines():
            line = raw_line.strip()
            if not line or line.startswith("#"):
                continue
            head, _, tail = line.partition(":")
            name, gender_code = head.split()
            gender: Gender = "f" if gender_code == "f" else "m"
            full = latin_key(name)
            genders.setdefault(full, gender)
            for spelling in (name, *tail.split()):
                entry = forms.setdefault(latin_key(spelling), [])
                if (full, gender) not in entry:
                    entry.append((full, gender))
    return {key: tuple(entry) for key, entry in forms.items()}, genders


_FORMS, _FULL_GENDER = _load_given_names()


def is_known_given_name(text: str) -> bool:
    """Return True when ``text`` (any script) is a given name or diminutive crmkit knows."""
    return latin_key(text) in _FORMS


def given_name_forms(text: str) -> frozenset[str]:
    """Return the full given names (as latin keys) that ``text`` may stand for.

    ``Саша`` → ``{"aleksandr", "aleksandra"}``, ``Ваня`` → ``{"ivan"}``; a name crmkit does
    not know stands for itself: ``Аскольд`` → ``{"askold"}``.
    """
    key = latin_key(text)
    known = _FORMS.get(key)
    return frozenset(full for full, _ in known) if known else frozenset((key,))


@functools.cache
def _initials_by_full_name() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for spelling, entries in _FORMS.items():
        for full, _ in entries:
            found.setdefault(full, {full[:1]}).add(spelling[:1])
    return {full: frozenset(letters) for full, letters in found.items()}


def given_name_initials(full: str) -> frozenset[str]:
    """Return the initials (latin keys' first letters) a full given name is written with.

    Its own and its diminutives' and variants': ``nikolai`` → ``{"n", "k"}`` (Коля),
    ``evgeniia`` → ``{"e", "z"}`` (Женя). A name crmkit does not know has its own initial.
    """
    return _initials_by_full_name().get(full, frozenset(full[:1]))


# --- tokens ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+(?:['’ʼ\-][^\W\d_]+)*\.?")
_PARENTHESES = re.compile(r"\([^)]*\)")
_DASHES = re.compile("[‐‑‒–—―−]")
_CYRILLIC = re.compile(r"[\u0400-\u052f]")

_TITLES = frozenset(
    {
        "г-н",
        "г-жа",
        "гн",
        "гжа",
        "господин",
        "госпожа",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "herr",
        "frau",
    }
)
_ENTREPRENEUR = frozenset({"ип", "ip", "чп"})
_ENTREPRENEUR_WORDS = frozenset({"индивидуальный", "предприниматель", "individual", "entrepreneur"})
# Turkic patronymic particles: "Алиев Гейдар Алирза оглы" has the patronymic "Алирза оглы".
_PATRONYMIC_PARTICLES: dict[str, Gender] = {
    "ogli": "m",
    "oglu": "m",
    "uli": "m",
    "uulu": "m",
    "kizi": "f",
}

_MALE_PATRONYMIC = ("ovich", "evich", "ich")
_FEMALE_PATRONYMIC = ("ovna", "evna", "ichna")
_FEMALE_FAMILY = ("ova", "eva", "ina", "aia")
_MALE_FAMILY = ("ov", "ev", "in", "ski")
_SURNAME_ENDINGS = (
    "ov",
    "ev",
    "in",
    "ova",
    "eva",
    "ina",
    "ski",
    "skaia",
    "enko",
    "uk",
    "dze",
    "shvili",
    "ian",
)
_MIN_PATRONYMIC = 5
_MIN_FAMILY_FOR_GENDER = 4


class _Word(NamedTuple):
    """One name word: as written and as a key."""

    text: str
    key: str
    patronymic: Gender | None = None


def _patronymic_gender(key: str) -> Gender | None:
    """Return the gender a patronymic key implies, or None when ``key`` is no patronymic."""
    last = key.rsplit(" ", 1)[-1]
    if last in _PATRONYMIC_PARTICLES:
        return _PATRONYMIC_PARTICLES[last]
    if len(last) < _MIN_PATRONYMIC:
        return None
    if last.endswith(_FEMALE_PATRONYMIC):
        return "f"
    if last.endswith(_MALE_PATRONYMIC):
        return "m"
    return None


@functools.lru_cache(maxsize=1 << 16)
def _family_gender(key: str) -> Gender | None:
    """Return the gender a Russian-style family name key implies (``petrova`` → ``f``)."""
    last = key.rsplit(" ", 1)[-1]
    if len(last) < _MIN_FAMILY_FOR_GENDER:
        return None
    if last.endswith(_FEMALE_FAMILY):
        return "f"
    if last.endswith(_MALE_FAMILY):
        return "m"
    return None


def _family_stem(key: str) -> str:
    """Return ``key`` without its gender ending: ``petrova``/``petrov`` → ``petrov``."""
    if key.endswith("aia"):  # Толстая, Ивановская
        return key[:-3]
    if key.endswith("oi"):  # Толстой
        return key[:-2]
    if key.endswith(("ski", "tski")):  # Ивановский
        return key[:-1]
    if key.endswith(_FEMALE_FAMILY):
        return key[:-1]
    return key


def _is_initial(token: str, whole_upper: bool) -> bool:
    letters = token.rstrip(".")
    if token.endswith("."):
        return len(letters) <= 2  # noqa: PLR2004 - "И." and "Yu."
    return len(letters) == 1 or (not whole_upper and len(letters) == 2 and letters.isupper())  # noqa: PLR2004


def _initial_letters(token: str, whole_upper: bool) -> list[str]:
    """Return the initial letters a token stands for: ``"И."`` → ``["i"]``, ``"ИС"`` → two."""
    letters = token.rstrip(".")
    parts = [letters] if token.endswith(".") or whole_upper else list(letters)
    keys = (latin_key(part) for part in parts)
    return [key[0] for key in keys if key]


def _title(text: str) -> str:
    return text.title() if text.isupper() or text.islower() else text


@attrs.frozen
class PersonName:
    """A personal name in parts, each part a :func:`~crmkit.identity.text.latin_key`.

    ``given`` is the full form of the given name (``Ваня`` → ``ivan``). A diminutive that
    stands for several names (``Саша``: Александр or Александра; ``Слава``: every -слав) is
    resolved by gender when the patronymic or the family name tells it, and otherwise to the
    male form; ``given_forms`` keeps every full form it may stand for, and comparison uses it.
    ``patronymic`` also holds a Western middle name. ``initials`` are the first letters of the
    given name and patronymic (``"is"`` for Иван Сергеевич or for ``И. С.``) as far as
    known; ``display`` is the name as a person would write it, family name first.
    """

    family: str | None
    given: str | None
    patronymic: str | None
    initials: str = ""
    display: str = ""
    given_forms: frozenset[str] = frozenset()
    gender: Gender | None = None

    @property
    def is_empty(self) -> bool:
        """Return True when no part of the name was recognised."""
        return not (self.family or self.given or self.patronymic or self.initials)


EMPTY_NAME = PersonName(None, None, None)


class _Parts(NamedTuple):
    """Name words assigned to their roles, with the initials written apart."""

    family: _Word | None = None
    given: _Word | None = None
    patronymic: _Word | None = None
    initials: tuple[str, ...] = ()
    initials_shown: tuple[str, ...] = ()


_SKIP = "skip"
_INITIALS = "initials"
_ENTREPRENEUR_KIND = "entrepreneur"
_WORD_KIND = "word"


@functools.lru_cache(maxsize=1 << 16)
def _classify(token: str, whole_upper: bool) -> tuple[str, tuple[str, ...], _Word | None]:
    """Return what one token is: ``skip``, ``entrepreneur``, ``initials`` or ``word``.

    For initials the letters (as keys) come second; for a word, the :class:`_Word`
    (its ``patronymic`` is the gender a patronymic ending implies).
    """
    folded = token.casefold().rstrip(".")
    if folded in _TITLES or folded in _ENTREPRENEUR_WORDS:
        return _SKIP, (), None
    if folded in _ENTREPRENEUR:
        return _ENTREPRENEUR_KIND, tuple(_initial_letters(token, whole_upper)), None
    if _is_initial(token, whole_upper):
        return _INITIALS, tuple(_initial_letters(token, whole_upper)), None
    key = latin_key(token)
    if not key:
        return _SKIP, (), None
    return _WORD_KIND, (), _Word(token, key, _patronymic_gender(key))


@functools.lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[tuple[_Word, ...], tuple[str, ...], tuple[str, ...]]:
    """Split ``text`` into name words, initial letters and initials as written.

    Titles (``г-н``, ``Mr``) and the ``ИП`` prefix are dropped. Cached: the given and
    family names of a source's separate fields repeat from record to record.
    """
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", text))
    if "(" in text:
        text = _PARENTHESES.sub(" ", text)
    tokens = _TOKEN.findall(text)
    whole_upper = text.isupper()
    words: list[_Word] = []
    initials: list[str] = []
    shown: list[str] = []
    last = len(tokens) - 1
    for position, token in enumerate(tokens):
        kind, letters, word = _classify(token, whole_upper)
        if kind == _ENTREPRENEUR_KIND and position in {0, last} and last > 0:
            continue
        if kind in {_INITIALS, _ENTREPRENEUR_KIND}:
            initials.extend(letters)
            raw = token.rstrip(".")
            shown.extend([raw] if len(letters) == 1 else list(raw))
        elif word is not None:
            particle = _PATRONYMIC_PARTICLES.get(word.key)
            if particle and words:
                previous = words.pop()
                word = _Word(f"{previous.text} {token}", f"{previous.key} {word.key}", particle)
            words.append(word)
    return tuple(words), tuple(initials), tuple(shown)


def _known(word: _Word) -> bool:
    return word.patronymic is None and word.key in _FORMS


def _patronymic_of(given: _Word, word: _Word) -> bool:
    """Return True when ``word`` reads as the patronymic of ``given``.

    It must have a patronymic ending of a gender ``given`` can have: in ``Анна Бабич`` the
    male ``-ич`` after a female name makes ``Бабич`` a family name.
    """
    if word.patronymic is None or not _known(given):
        return False
    return any(gender == word.patronymic for _, gender in _FORMS[given.key])


def _surname_like(word: _Word) -> bool:
    return len(word.key) > _MIN_FAMILY_FOR_GENDER and word.key.endswith(_SURNAME_ENDINGS)


def _given_first(first: _Word, second: _Word, cyrillic: bool) -> bool:
    """Return True when the first of two words is the given name, the second the family name.

    A known given name decides; failing that a typical family-name ending; failing that the
    script (Cyrillic names are written family-first in documents, Latin ones given-first).
    """
    known_first, known_second = _known(first), _known(second)
    if known_first != known_second:
        return known_first
    surname_first, surname_second = _surname_like(first), _surname_like(second)
    if surname_first != surname_second:
        return surname_second
    return not cyrillic


def _order_two(first: _Word, second: _Word, cyrillic: bool) -> _Parts:
    """Decide which of two words is the family name (or whether one is a patronymic)."""
    if _patronymic_of(first, second):
        return _Parts(given=first, patronymic=second)
    if _given_first(first, second, cyrillic):
        return _Parts(family=second, given=first)
    return _Parts(family=first, given=second)


def _order_many(words: Sequence[_Word], cyrillic: bool) -> _Parts:
    """Assign three or more words to family, given and patronymic (or middle name)."""
    first, second, third = words[0], words[1], words[2]
    family, given, patronymic = -1, 0, 1  # John Michael Smith
    if _patronymic_of(first, second):  # Иван Сергеевич Петров
        family, given, patronymic = 2, 0, 1
    elif third.patronymic:  # Петров Иван Сергеевич
        family, given, patronymic = 0, 1, 2
    elif second.patronymic:  # Аскольд Игоревич Петров
        family, given, patronymic = 2, 0, 1
    elif words[-1].patronymic:
        family, given, patronymic = 0, 1, -1
    elif not _known(first) and (cyrillic or _known(second)):  # Петров Аскольд Ян, Petrov Ivan M
        family, given, patronymic = 0, 1, 2
    return _Parts(family=words[family], given=words[given], patronymic=words[patronymic])


def _order(words: Sequence[_Word], cyrillic: bool) -> _Parts:
    """Assign the words of a name to family, given and patronymic (see ``parse_person_name``)."""
    if not words:
        return _Parts()
    if len(words) > 2:  # noqa: PLR2004
        return _order_many(words, cyrillic)
    if len(words) == 2:  # noqa: PLR2004
        return _order_two(words[0], words[1], cyrillic)
    word = words[0]
    if word.patronymic:
        return _Parts(patronymic=word)
    return _Parts(given=word) if _known(word) else _Parts(family=word)


@functools.lru_cache(maxsize=1 << 14)
def _resolve_given(key: str, gender: Gender | None) -> tuple[str, frozenset[str]]:
    """Return the full form of a given-name key and every full form it may stand for."""
    known = _FORMS.get(key)
    if not known:
        return key, frozenset((key,))
    if len(known) == 1:
        return known[0][0], frozenset((known[0][0],))
    candidates = [form for form in known if form[1] == gender] or list(known)
    ranked = sorted(
        enumerate(candidates), key=lambda item: (item[1][0] != key, item[1][1] != "m", item[0])
    )
    return ranked[0][1][0], frozenset(full for full, _ in candidates)


def _initials(given: str | None, patronymic: str | None, written: tuple[str, ...]) -> str:
    """Return the initials of given name and patronymic, taking written initials for gaps."""
    pending = list(written)
    initials = given[0] if given else (pending.pop(0) if pending else "")
    if patronymic:
        initials += patronymic[0]
    elif pending and initials:
        initials += pending[0]
    return initials


def _gender(parts: _Parts, forms: frozenset[str], family: str | None) -> Gender | None:
    """Return the gender the patronymic, else the given name, else the family name implies."""
    if parts.patronymic and parts.patronymic.patronymic:
        return parts.patronymic.patronymic
    genders = {_FULL_GENDER.get(full) for full in forms}
    if len(genders) == 1 and (gender := genders.pop()):
        return gender
    return _family_gender(family) if family else None


def _build(parts: _Parts) -> PersonName:
    family = parts.family.key if parts.family else None
    patronymic = parts.patronymic.key if parts.patronymic else None
    hint = parts.patronymic.patronymic if parts.patronymic else None
    if hint is None and family:
        hint = _family_gender(family)
    given: str | None = None
    forms: frozenset[str] = frozenset()
    if parts.given:
        given, forms = _resolve_given(parts.given.key, hint)
    shown = [_title(w.text) for w in (parts.family, parts.given, parts.patronymic) if w]
    if not parts.given:
        shown += [f"{_title(letter)}." for letter in parts.initials_shown]
    return PersonName(
        family=family,
        given=given,
        patronymic=patronymic,
        initials=_initials(given, patronymic, parts.initials),
        display=" ".join(shown),
        given_forms=forms,
        gender=_gender(parts, forms, family),
    )


def _parse_full(name: str) -> _Parts:
    """Parse a whole name written in one string."""
    family_first: _Word | None = None
    if "," in name:  # "Smith, John" and "Петров, Иван Сергеевич": family name first
        head, _, tail = name.partition(",")
        head_words, head_initials, _ = _words(head)
        if len(head_words) == 1 and not head_initials and not head_words[0].patronymic:
            family_first = head_words[0]
            name = tail
        elif len(head_words) > 1:  # "Иванов Иван Иванович, главный бухгалтер"
            name = head
    words, initials, shown = _words(name)
    if family_first is not None:
        rest = _order(words, cyrillic=False) if words else _Parts()
        given = rest.given or rest.family
        patronymic = rest.patronymic
        if rest.given and rest.family and not patronymic:
            patronymic = rest.family
        return _Parts(family_first, given, patronymic, tuple(initials), tuple(shown))
    parts = _order(words, cyrillic=bool(_CYRILLIC.search(name)))
    return _Parts(parts.family, parts.given, parts.patronymic, tuple(initials), tuple(shown))


def _parse_separate(given_name: str | None, family_name: str | None) -> _Parts:
    """Parse a name whose source keeps the given and family names in separate fields."""
    family_words, family_initials, family_shown = _words(family_name or "")
    family = (
        _Word(" ".join(w.text for w in family_words), " ".join(w.key for w in family_words))
        if family_words
        else None
    )
    given_words, initials, shown = _words(given_name or "")
    given = given_words[0] if given_words else None
    patronymic = given_words[1] if len(given_words) > 1 else None
    if given is not None and given.patronymic and patronymic is None:
        given, patronymic = None, given
    return _Parts(
        family,
        given,
        patronymic,
        tuple(initials + family_initials),
        tuple(shown + family_shown),
    )


@functools.lru_cache(maxsize=1 << 16)
def parse_person_name(
    name: str | None, given_name: str | None = None, family_name: str | None = None
) -> PersonName:
    """Return the parts of a personal name, whatever its order, script and case.

    ``name`` is the name as one string; ``given_name`` and ``family_name`` are used when a
    source keeps them apart (the given-name field may carry the patronymic too: ``"Иван
    Сергеевич"``), and ``name`` then fills only the parts they lack. Understood forms:
    ``Петров Иван Сергеевич`` (the Russian order), ``Иван Сергеевич Петров``, ``Ivan Petrov``,
    ``Petrov Ivan``, ``Petrov, Ivan``, ``Петров И.С.``, ``И. С. Петров``, upper case,
    titles (``г-н``, ``Mr``) and the ``ИП`` prefix dropped, Turkic ``оглы``/``кызы``. A
    patronymic is recognised by its ending in either script (``-ович``, ``-евич``, ``-ич``,
    ``-овна``, ``-евна``, ``-ична``; ``ovich``, ``evna``...). With two words and no
    patronymic, a word that is a known given name is the given name; when neither or both
    are, a typical family-name ending decides, and failing that the script: Cyrillic names
    are read family-first, Latin ones given-first.
    """
    parts = _Parts()
    if given_name or family_name:
        parts = _parse_separate(given_name, family_name)
    if name and (parts.family is None or parts.given is None or parts.patronymic is None):
        whole = _parse_full(name)
        if parts.family is None and parts.given is None:
            parts = whole
        else:
            parts = _Parts(
                parts.family or whole.family,
                parts.given or whole.given,
                parts.patronymic or whole.patronymic,
                parts.initials or whole.initials,
                parts.initials_shown or whole.initials_shown,
            )
    if parts == _Parts():
        return EMPTY_NAME
    return _build(parts)


def gender_hint(name: PersonName | str) -> Gender | None:
    """Return ``"m"``, ``"f"`` or None: what the name says about its bearer's gender.

    The patronymic decides first (``-ович`` / ``-овна``), then a given name of one gender,
    then the family name's ending (``-ова``, ``-ева``, ``-ина``, ``-ая`` are female;
    ``-ов``, ``-ев``, ``-ин``, ``-ский`` male). ``Петров`` → ``"m"``, ``Петрова`` → ``"f"``.
    """
    if isinstance(name, str):
        name = parse_person_name(name)
    return name.gender


# --- comparison -----------------------------------------------------------------------------


class NameAgreement(enum.StrEnum):
    """How two personal names agree, from the point of view of "is this the same person?".

    - ``MISSING``: a family name is missing on one side; nothing to judge.
    - ``EXACT``: every part agrees, after diminutives (``Ваня`` = ``Иван``;
      ``Петров Саша`` = ``Петров Александр``).
    - ``CLOSE``: a typo or transliteration variant (Jaro-Winkler ≥ 0.92), an ambiguous
      diminutive (``Слава`` / ``Вячеслав``), a given name against a matching initial, a
      patronymic on one side only, or family and given name swapped.
    - ``FAMILY_ONLY``: the family names agree and a given name is missing.
    - ``GIVEN_DIFFERS``: the same family but a different given name or patronymic — the
      household case (spouses, children, siblings; also ``Петров`` against ``Петрова``).
    - ``DIFFERS``: different family names.
    """

    MISSING = "missing"
    EXACT = "exact"
    CLOSE = "close"
    FAMILY_ONLY = "family_only"
    GIVEN_DIFFERS = "given_differs"
    DIFFERS = "differs"


def _jw(a: str, b: str) -> float:
    return float(JaroWinkler.normalized_similarity(a, b))


@functools.lru_cache(maxsize=1 << 17)
def _family_agreement(a: str, b: str) -> str:
    """Return ``equal``, ``close``, ``gender`` (male and female form) or ``differs``."""
    if a == b:
        return "equal"
    gender_a, gender_b = _family_gender(a), _family_gender(b)
    if gender_a and gender_b and gender_a != gender_b and _family_stem(a) == _family_stem(b):
        return "gender"
    if _jw(a, b) >= CLOSE_SIMILARITY and not (gender_a and gender_b and gender_a != gender_b):
        return "close"
    return "differs"


def _given_names_agreement(a: PersonName, b: PersonName) -> str:
    """Return ``equal``, ``close`` or ``differs`` for two names that both have a given name."""
    if a.given == b.given and a.given_forms == b.given_forms:
        return "equal"
    if a.given_forms & b.given_forms:
        return "close"  # Слава and Вячеслав: maybe, not surely, one name
    given_a, given_b = a.given or "", b.given or ""
    gender_a, gender_b = _FULL_GENDER.get(given_a), _FULL_GENDER.get(given_b)
    if gender_a and gender_b:
        return "differs"  # two different names crmkit knows: Иван and Пётр, Александр(а)
    return "close" if _jw(given_a, given_b) >= CLOSE_SIMILARITY else "differs"


def _given_agreement(a: PersonName, b: PersonName) -> str:
    """Return ``equal``, ``close``, ``missing`` or ``differs`` for the given names."""
    if a.given and b.given:
        return _given_names_agreement(a, b)
    if a.initials and b.initials:
        return "close" if a.initials[0] == b.initials[0] else "differs"
    return "missing"


def _patronymic_agreement(a: PersonName, b: PersonName) -> str:
    """Return ``equal``, ``close``, ``missing`` (one or both) or ``differs``."""
    if a.patronymic and b.patronymic:
        if a.patronymic == b.patronymic:
            return "equal"
        gender_a, gender_b = _patronymic_gender(a.patronymic), _patronymic_gender(b.patronymic)
        if gender_a and gender_b and gender_a != gender_b:
            return "differs"  # Сергеевич and Сергеевна: brother and sister
        return "close" if _jw(a.patronymic, b.patronymic) >= CLOSE_SIMILARITY else "differs"
    if len(a.initials) > 1 and len(b.initials) > 1:
        return "close" if a.initials[1] == b.initials[1] else "differs"
    return "missing"


def _swapped(a: PersonName, b: PersonName) -> bool:
    """Return True when one name is the other with family and given name swapped."""
    if not (a.family and b.family and a.given and b.given):
        return False
    return a.family in b.given_forms and b.family in a.given_forms


def compare_person_names(a: PersonName, b: PersonName) -> NameAgreement:
    """Return how two parsed names agree (see :class:`NameAgreement` for the levels).

    A male and a female form of one family name (``Петров`` / ``Петрова``) are one family
    but two people: the result is ``GIVEN_DIFFERS`` unless the given names agree exactly, in
    which case the ending is taken for a typo and the result is ``CLOSE``. Two different known
    given names never count as close, however similar (``Александр`` / ``Александра``).
    """
    if not a.family or not b.family:
        return NameAgreement.MISSING
    family = _family_agreement(a.family, b.family)
    if family == "differs":
        return NameAgreement.CLOSE if _swapped(a, b) else NameAgreement.DIFFERS
    given = _given_agreement(a, b)
    patronymic = _patronymic_agreement(a, b)
    if family == "gender":
        same_given = given == "equal" and patronymic != "differs"
        return NameAgreement.CLOSE if same_given else NameAgreement.GIVEN_DIFFERS
    return _same_family_level(
        given, patronymic, exact=family == "equal" and a.patronymic == b.patronymic
    )


def _same_family_level(given: str, patronymic: str, *, exact: bool) -> NameAgreement:
    """Return the level for two names of one family from the given-name and patronymic verdicts."""
    if "differs" in {given, patronymic}:
        level = NameAgreement.GIVEN_DIFFERS
    elif given == "missing":
        level = NameAgreement.FAMILY_ONLY
    elif exact and given == "equal":
        level = NameAgreement.EXACT
    else:
        level = NameAgreement.CLOSE
    return level
