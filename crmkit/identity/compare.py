"""Comparisons: how two records' features agree, field by field, as discrete levels.

Each :class:`Comparison` maps a pair of :class:`~crmkit.identity.features.Features` to one of
its named levels; level 0 always means "nothing to compare" (a value missing on either side)
and carries no weight. The scorer learns how much each other level says for or against a
match. The levels encode what a value's sharing means: a shared mobile number is a person's,
a shared landline may be a household's or an office's, a shared switchboard (a number over the
fan-out cap) is nobody's; a shared ``info@`` mailbox is weaker than a shared personal one; the
same family name with a different given name is a household, not a typo. Plugins add
comparisons through the ``register_comparisons`` hook.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, TypeVar

import attrs
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from crmkit.identity.features import CHECKED_IDENTIFIERS, Features, is_mobile
from crmkit.identity.organizations import compare_org_names, legal_forms_compatible
from crmkit.identity.persons import (
    NameAgreement,
    PersonName,
    compare_person_names,
    given_name_forms,
    given_name_initials,
    is_known_given_name,
)
from crmkit.identity.text import latin_key

__all__ = [
    "BUILTIN_COMPARISONS",
    "NULL",
    "CompareContext",
    "Comparison",
    "given_keys",
    "names_conflict",
    "person_name_level",
    "same_given",
]

NULL = 0
#: Jaro-Winkler similarity from which two street names or cities count as one.
PLACE_SIMILARITY = 0.9
#: Jaro-Winkler similarity from which two street names are one ...
STREET_SIMILARITY = 0.9
#: ... or, at one house number, two spellings of one.
LOOSE_STREET = 0.8
#: Jaro-Winkler similarity from which an unknown given name may be a slip of the other.
UNSURE_GIVEN = 0.75
#: Organisation-name similarity (:func:`compare_org_names`) from which names are a variant.
ORG_CLOSE = 0.92
#: ... and from which they are alike (``Ромашка`` / ``Ромашка-Трейд``), not the same.
ORG_ALIKE = 0.75
#: How many pairs of names :func:`person_name_level` remembers the level of.
NAME_MEMO_SIZE = 1 << 16

_T = TypeVar("_T")
_R = TypeVar("_R")


@attrs.frozen
class Comparison:
    """A named comparison with its levels (``levels[0]`` is always ``"null"``).

    ``function(a, b, context)`` returns the index of the level that describes the pair.
    ``m_prior`` and ``u_prior`` give starting probabilities of each level among matches and
    non-matches, refined by expectation-maximisation.

    ``agree`` names the levels that speak for a match and ``disagree`` those that speak
    against one whatever the other fields say (a fitted model that weighs them the other way
    has gone astray; levels a veto may lift are left out: among the pairs a rule leaves
    open, they may well speak for a match). Of the agreeing levels, ``weak`` ones may add to
    a score but never carry a link on their own (a shared role mailbox, an over-shared
    number). ``is_name`` marks a comparison of names: a name is never proof of identity,
    so it never corroborates a link by itself.
    """

    name: str
    levels: tuple[str, ...]
    function: Callable[[Features, Features, CompareContext], int]
    m_prior: tuple[float, ...]
    u_prior: tuple[float, ...]
    agree: frozenset[str] = frozenset()
    disagree: frozenset[str] = frozenset()
    weak: frozenset[str] = frozenset()
    is_name: bool = False

    def __attrs_post_init__(self) -> None:
        if self.levels[0] != "null":
            raise ValueError(f"comparison {self.name!r}: level 0 must be 'null'")
        n = len(self.levels)
        if len(self.m_prior) != n or len(self.u_prior) != n:
            raise ValueError(f"comparison {self.name!r}: priors need one value per level")

    def level(self, name: str) -> int:
        """Return the index of the level called ``name``."""
        return self.levels.index(name)


@attrs.define
class CompareContext:
    """What comparisons may know beyond the two records.

    ``untrusted_keys``: the keys shared by more parties than the fan-out cap;
    ``checked_identifiers``: the identifier kinds with check digits, where two different
    values are two parties (by default the built-in :data:`CHECKED_IDENTIFIERS`).
    """

    untrusted_keys: set[str] = attrs.field(factory=set)
    checked_identifiers: frozenset[str] = CHECKED_IDENTIFIERS

    def trusted(self, key: str) -> bool:
        """Return True when ``key`` is not shared by more parties than the fan-out cap."""
        return key not in self.untrusted_keys


class _PairMemo(Generic[_T, _R]):
    """A bounded memo of a pure function of two objects, keyed by the objects' identities.

    For values that are costly to hash but shared by identity: records that spell a name
    alike share one parsed name, so the same two names meet again and again. The memo holds
    the two objects themselves and checks them by identity, so an object freed and another
    one allocated at its address can never be mistaken for it. It is emptied when it holds
    ``size`` pairs.
    """

    def __init__(self, function: Callable[[_T, _T], _R], size: int) -> None:
        self._function = function
        self._size = size
        self._memo: dict[tuple[int, int], tuple[_T, _T, _R]] = {}

    def __call__(self, a: _T, b: _T) -> _R:
        """Return ``function(a, b)``, computed once for as long as the pair is remembered."""
        key = (id(a), id(b))
        found = self._memo.get(key)
        if found is not None and found[0] is a and found[1] is b:
            return found[2]
        value = self._function(a, b)
        if len(self._memo) >= self._size:
            self._memo.clear()
        self._memo[key] = (a, b, value)
        return value


_distance = DamerauLevenshtein.distance


def _jw(a: str, b: str) -> float:
    return float(JaroWinkler.normalized_similarity(a, b))


# --- identifiers --------------------------------------------------------------------------


IDENTIFIER_LEVELS = ("null", "same_checked", "same", "close", "differs", "conflict")


def compare_identifier(a: Features, b: Features, ctx: CompareContext) -> int:
    """Levels: null, same_checked, same, close, differs, conflict.

    Over the strong identifiers: INN, OGRN, VAT, SNILS, national ids and the kinds plugins
    register (never a KPP).

    ``same_checked``: a shared identifier with check digits (INN, OGRN, VAT, SNILS, and the
    checked kinds of ``ctx.checked_identifiers``): one
    taxpayer. ``same``: a shared identifier without (a national id, a passport). ``close``:
    one typo apart, only for identifiers without check digits. ``conflict``: two different
    valid values of a checked identifier — two different taxpayers, however alike the values.
    A value shared by more parties than the fan-out cap counts as missing.
    """
    if not a.strong_identifiers or not b.strong_identifiers:
        return NULL
    level = NULL
    for kind, value in a.strong_identifiers:
        other = b.identifier(kind)
        if other is None:
            continue
        checked = kind in ctx.checked_identifiers
        if other == value:
            if ctx.trusted(f"id:{kind}:{value}"):
                return 1 if checked else 2
            continue
        if checked:
            level = 5
        elif level != 5 and _distance(value, other, score_cutoff=1) <= 1:  # noqa: PLR2004
            level = 3
        elif level not in {3, 5}:
            level = 4
    return level


# --- contact points -----------------------------------------------------------------------


PHONE_LEVELS = (
    "null",
    "shared_mobile",
    "shared_home",
    "shared_office",
    "shared_over_cap",
    "one_digit_apart",
    "disjoint",
)


def compare_phone(a: Features, b: Features, ctx: CompareContext) -> int:
    """Levels: null, shared_mobile, shared_home, shared_office, over cap, slip, disjoint.

    The levels are ``shared_mobile``, ``shared_home``, ``shared_office``,
    ``shared_over_cap``, ``one_digit_apart`` and ``disjoint``.

    A mobile is one person's; a landline two people share may be their household's
    (``shared_home``); a landline two organisation records share is the firm's office
    (``shared_office``); a number shared by more parties than the fan-out cap (a switchboard)
    identifies nobody; ``one_digit_apart`` is a number mistyped by one digit.
    """
    if not a.phones or not b.phones:
        return NULL
    common = [p for p in a.phones if p in b.phones]
    if not common:
        for x in a.phones:
            for y in b.phones:  # one digit mistyped or two swapped (inlined: a hot loop)
                if len(x) == len(y) and _distance(x, y) == 1:
                    return 5
        return 6
    trusted = [p for p in common if ctx.trusted(f"ph:{p}")]
    if not trusted:
        return 4
    if any(is_mobile(p) for p in trusted):
        return 1
    return 2 if a.person_like and b.person_like else 3


def compare_email(a: Features, b: Features, ctx: CompareContext) -> int:
    """Levels: null, shared, shared_role, same_domain, disjoint.

    ``shared``: a personal mailbox (not a role mailbox, not over the fan-out cap);
    ``shared_role``: an ``info@``-style mailbox or an over-shared one; ``same_domain``: two
    organisations' mailboxes at one corporate domain (free-mail domains never count).
    """
    if not (a.emails or a.role_emails) or not (b.emails or b.role_emails):
        return NULL
    common = [e for e in a.emails if e in b.emails]
    if common:
        if any(ctx.trusted(f"em:{e}") for e in common):
            return 1
        return 2
    if any(e in b.role_emails for e in a.role_emails):
        return 2
    firms = a.org_like and b.org_like
    if firms and any(d in b.domains and ctx.trusted(f"dm:{d}") for d in a.domains):
        return 3
    return 4


# --- names --------------------------------------------------------------------------------

# Russian given names and their usual renderings in other languages. A Western spelling is
# not a transliteration: ``Michael`` for ``Михаил`` or ``Helen`` for ``Елена`` are two names
# crmkit knows, and would otherwise look like two different people.
_EQUIVALENT_GIVEN_NAMES = (
    ("Михаил", "Michael Michel"),
    ("Пётр", "Peter Pierre Pietro"),
    ("Павел", "Paul Paolo"),
    ("Георгий", "George Georg Jorge"),
    ("Евгений", "Eugene Eugen"),
    ("Евгения", "Eugenia Eugenie"),
    ("Кирилл", "Cyril"),
    ("Сергей", "Serge Sergio"),
    ("Андрей", "Andrew Andreas Andre"),
    ("Николай", "Nicholas Nikolaus Nicolas"),
    ("Дмитрий", "Dimitri Demetrius"),
    ("Фёдор", "Theodore"),
    ("Степан", "Stephen Steven Stefan"),
    ("Яков", "Jacob Jakob"),
    ("Иосиф", "Joseph Josef"),
    ("Григорий", "Gregory"),
    ("Антон", "Anthony Antony Antonio"),
    ("Даниил", "Daniel"),
    ("Марк", "Mark Marc Marco"),
    ("Филипп", "Philip Phillip"),
    ("Матвей", "Matthew"),
    ("Тимофей", "Timothy"),
    ("Елена", "Helen Helena Helene"),
    ("Мария", "Mary Marie"),
    ("Екатерина", "Catherine Katherine Katharina"),
    ("Елизавета", "Elizabeth Elisabeth"),
    ("Ирина", "Irene"),
    ("Наталья", "Natalie Nathalie"),
    ("Софья", "Sophie Sophia"),
    ("Анна", "Anne Ann Hannah"),
    ("Юлия", "Julie"),
    ("Маргарита", "Margaret Marguerite"),
)


def _equivalents() -> dict[str, str]:
    table: dict[str, str] = {}
    for russian, others in _EQUIVALENT_GIVEN_NAMES:
        target = next(iter(sorted(given_name_forms(russian))))
        for other in others.split():
            table[latin_key(other)] = target
    return table


_GIVEN_EQUIVALENT = _equivalents()


def given_keys(name: PersonName) -> frozenset[str]:
    """Return the full given names ``name`` may stand for, Western renderings as Russian."""
    return _given_keys(name.given_forms, name.given)


@functools.lru_cache(maxsize=1 << 16)
def _given_keys(given_forms: frozenset[str], given: str | None) -> frozenset[str]:
    """Return :func:`given_keys` of a name with these given-name forms (cached)."""
    forms = given_forms or (frozenset((given,)) if given else frozenset())
    return frozenset(_GIVEN_EQUIVALENT.get(form, form) for form in forms)


def same_given(a: PersonName, b: PersonName) -> bool:
    """Return True when two names' given names may be one (``Михаил`` / ``Michael``)."""
    return bool(given_keys(a) & given_keys(b))


def _given_uncertain(a: PersonName, b: PersonName) -> bool:
    """Return True when two different given names may still be one.

    One of them is a name crmkit does not know (a typo, a rare diminutive) and neither the
    patronymics nor the sexes tell them apart.
    """
    if not a.given or not b.given:
        return False
    if is_known_given_name(a.given) and is_known_given_name(b.given):
        return False
    if a.patronymic and b.patronymic and _jw(a.patronymic, b.patronymic) < 0.9:  # noqa: PLR2004
        return False
    if a.gender and b.gender and a.gender != b.gender:
        return False
    # a slip keeps the first letter or most letters: Кюша/Ксения, Гоергий/Георгий
    return a.given[0] == b.given[0] or _jw(a.given, b.given) >= UNSURE_GIVEN


# Initials that one letter may take in another script: Е is written E or Ye (a Latin
# initial Y, keyed as i), Ю and Я are Yu/Iu and Ya/Ia.
_INITIAL_CLASS = {"e": "i", "i": "i"}


def _initial_of(name: PersonName, index: int) -> str | None:
    if index == 0 and name.given:
        return name.given[0]
    if index == 1 and name.patronymic:
        return name.patronymic[0]
    return name.initials[index] if len(name.initials) > index else None


def _initials_agree(a: PersonName, b: PersonName) -> bool:
    """Return True when two names of one family differ only in how initials are spelt.

    At least one side gives only initials, and they may be one letter in two scripts
    (``Y.`` for Евгений).
    """
    if (a.given and b.given) or not (a.initials or a.given) or not (b.initials or b.given):
        return False
    if not a.family or not b.family or _jw(a.family, b.family) < 0.92:  # noqa: PLR2004
        return False
    for index in (0, 1):
        x, y = _initial_of(a, index), _initial_of(b, index)
        if x and y and _INITIAL_CLASS.get(x, x) != _INITIAL_CLASS.get(y, y):
            return False
    return True


def _diminutive_initial(a: PersonName, b: PersonName) -> bool:
    """Return True when one name's only initial is that of a diminutive of the other's given name.

    ``Карпов К. Р.`` for Николай Русланович (Коля), ``Калинина Ж.`` for Евгения (Женя):
    the initials agree otherwise (the patronymic's, where both have one).
    """
    full, initials = (a, b) if a.given and not b.given else (b, a)
    if not full.given or initials.given or not initials.initials:
        return False
    if not a.family or not b.family or _jw(a.family, b.family) < 0.92:  # noqa: PLR2004
        return False
    patronymic, written = _initial_of(full, 1), _initial_of(initials, 1)
    if (
        patronymic
        and written
        and _INITIAL_CLASS.get(patronymic, patronymic) != _INITIAL_CLASS.get(written, written)
    ):
        return False
    return any(initials.initials[0] in given_name_initials(g) for g in given_keys(full))


def _patronymics_differ(a: PersonName, b: PersonName) -> bool:
    return bool(a.patronymic and b.patronymic and _jw(a.patronymic, b.patronymic) < 0.9)  # noqa: PLR2004


def _with_given(a: PersonName, b: PersonName) -> PersonName:
    """Return ``a`` with ``b``'s given name (to compare the rest of two names)."""
    return attrs.evolve(a, given=b.given, given_forms=b.given_forms)


PERSON_NAME_LEVELS = (
    "null",
    "exact",
    "strong",
    "close",
    "family_only",
    "given_unsure",
    "given_differs",
    "other_family",
    "differs",
)
_EXACT, _STRONG, _CLOSE, _FAMILY_ONLY, _UNSURE, _GIVEN_DIFFERS, _OTHER_FAMILY, _DIFFERS = range(
    1, 9
)
#: Levels of two names that cannot be one person's.
CONFLICTING_NAMES = frozenset({_GIVEN_DIFFERS, _DIFFERS})


def _swapped_typo(a: PersonName, b: PersonName) -> bool:
    """Return True when family and given name are swapped, one of them mistyped."""
    if not (a.family and b.family and a.given and b.given):
        return False
    return _jw(a.family, b.given) >= 0.9 and _jw(a.given, b.family) >= 0.9  # noqa: PLR2004


def _agreement_level(a: PersonName, b: PersonName) -> int:
    agreement = compare_person_names(a, b)
    if agreement is NameAgreement.GIVEN_DIFFERS:
        return _given_differs_level(a, b)
    if agreement is NameAgreement.DIFFERS:
        return _differs_level(a, b)
    if agreement is NameAgreement.EXACT:
        return _EXACT if a.patronymic and b.patronymic else _STRONG
    if agreement is NameAgreement.CLOSE:
        same = a.family == b.family and a.given and a.given == b.given
        return _STRONG if same else _CLOSE  # strong: a patronymic on one side only
    return _FAMILY_ONLY if agreement is NameAgreement.FAMILY_ONLY else NULL


def _given_differs_level(a: PersonName, b: PersonName) -> int:
    """Return the level of one family's names with given names that persons.py tells apart."""
    if a.given and b.given and same_given(a, b) and not _patronymics_differ(a, b):
        rest = compare_person_names(_with_given(a, b), b)
        if rest is not NameAgreement.GIVEN_DIFFERS:
            return _CLOSE  # Михаил / Michael
    if _initials_agree(a, b):
        return _CLOSE  # Arkhipov Y. Y. / Архипов Евгений Юрьевич
    if _diminutive_initial(a, b):
        return _UNSURE  # Карпов К. Р. / Карпов Николай Русланович (Коля)
    return _UNSURE if a.family == b.family and _given_uncertain(a, b) else _GIVEN_DIFFERS


def _differs_level(a: PersonName, b: PersonName) -> int:
    """Return the level of two names with different family names."""
    if _swapped_typo(a, b):
        return _CLOSE
    if a.given and b.given:
        return _OTHER_FAMILY if same_given(a, b) else _DIFFERS
    if a.initials and b.initials and a.initials[0] != b.initials[0]:
        return _DIFFERS
    return _OTHER_FAMILY


def person_name_level(a: PersonName, b: PersonName) -> int:
    """Return the :data:`PERSON_NAME_LEVELS` index of two parsed names.

    A man and a woman (by patronymic, given name or family-name ending) are two people: of
    one family (``Петров`` / ``Петрова``) their names differ as ``given_differs``, otherwise
    as ``differs``. Remembered for the pairs of names met last (see :class:`_PairMemo`).
    """
    return _NAME_LEVELS(a, b)


def _person_name_level(a: PersonName, b: PersonName) -> int:
    """Return :func:`person_name_level`, computed."""
    level = _agreement_level(a, b)
    if level and a.gender and b.gender and a.gender != b.gender and level not in CONFLICTING_NAMES:
        return _DIFFERS if level == _OTHER_FAMILY else _GIVEN_DIFFERS
    return level


_NAME_LEVELS = _PairMemo(_person_name_level, NAME_MEMO_SIZE)


def compare_person_name(a: Features, b: Features, _ctx: CompareContext) -> int:
    """Levels: null, exact, strong, close, family_only, given_unsure, ... differs.

    All levels: see :data:`PERSON_NAME_LEVELS`.

    ``exact``: family, given name and patronymic agree; ``strong``: family and given name
    agree (a patronymic missing on one side, a diminutive); ``close``: a typo, another
    transliteration, an initial, family and given name swapped; ``given_unsure``: the same
    family and two given names of which one is unknown to crmkit; ``given_differs``: the
    same family and different given names, patronymics or sexes — a household;
    ``other_family``: another family name with the same given name (a married name?);
    ``differs``: different family and given names.
    """
    pa, pb = a.person, b.person
    if pa is None or pb is None or not pa.family or not pb.family:
        return NULL
    if not (a.person_like and b.person_like):
        return NULL
    if pa is pb and pa.given:  # one spelling, parsed once: the common case of a duplicate
        return _EXACT if pa.patronymic else _STRONG
    return person_name_level(pa, pb)


def names_conflict(a: PersonName, b: PersonName) -> str | None:
    """Return why two names cannot be one person's, or None.

    The same family with different given names, patronymics or sexes (a household); a
    different family name with a different given name or initial.
    """
    level = person_name_level(a, b)
    if level == _GIVEN_DIFFERS:
        return NAME_CONFLICTS["given_differs"]
    if level == _DIFFERS:
        return NAME_CONFLICTS["differs"]
    return None


#: Why two names of a level in :data:`CONFLICTING_NAMES` cannot be one person's.
NAME_CONFLICTS = {
    "given_differs": ("the same family, another given name, patronymic or sex: a household member"),
    "differs": "different family and given names: different people",
}


def compare_org_name(a: Features, b: Features, _ctx: CompareContext) -> int:
    """Levels: null, exact, close, form_differs, alike, differs.

    ``exact``: the same core name (legal forms and scripts aside: ``ООО «Ромашка»`` /
    ``Romashka LLC``); ``close``: a typo; ``form_differs``: the same name under incompatible
    legal forms (ООО / АО); ``alike``: a name that contains the other or nearly
    (``Ромашка`` / ``Ромашка-Трейд``) — a different firm as often as not; ``differs``.
    """
    oa, ob = a.org_name, b.org_name
    if oa is None or ob is None or not oa.core or not ob.core:
        return NULL
    if not (a.org_like and b.org_like):
        return NULL
    if oa.core == ob.core:
        similarity = 1.0
    else:
        similarity = compare_org_names(oa, ob)
        if similarity < ORG_CLOSE and _one_typo(oa.core, ob.core):
            similarity = ORG_CLOSE
    if similarity >= ORG_CLOSE:
        if not legal_forms_compatible(oa.legal_form, ob.legal_form):
            return 3
        return 1 if similarity == 1.0 else 2
    if similarity >= ORG_ALIKE:
        return 4
    return 5


def _one_typo(x: str, y: str) -> bool:
    """Return True for two names of five letters or more one slip apart (``atlant``/``atlatn``)."""
    return min(len(x), len(y)) >= 5 and DamerauLevenshtein.distance(x, y) == 1  # noqa: PLR2004


def compare_contact(a: Features, b: Features, _ctx: CompareContext) -> int:
    """Levels: null, same, differs — the contact persons two organisation records name."""
    ca, cb = a.contact, b.contact
    if ca is None or cb is None:
        return NULL
    level = person_name_level(ca, cb)
    if level == NULL:
        return NULL
    return 1 if level <= 4 else 2  # noqa: PLR2004 - exact..family_only agree


# --- dates and places ---------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _digits(date: object) -> str:
    """Return a date as typed digits, ``YYYYMMDD`` (cached: a date meets many others)."""
    return str(date).replace("-", "")


def dates_close(x: object, y: object) -> bool:
    """Return True when two dates are one date mistyped.

    A digit wrong, two adjacent digits swapped (in ``YYYYMMDD``, as typed), or day and
    month swapped.
    """
    if x == y:
        return True
    sx, sy = _digits(x), _digits(y)
    if _distance(sx, sy, score_cutoff=1) <= 1:
        return True
    return sx[:4] == sy[:4] and sx[4:6] == sy[6:8] and sx[6:8] == sy[4:6]


def compare_birth_date(a: Features, b: Features, _ctx: CompareContext) -> int:
    """Levels: null, same, close (a digit mistyped or day and month swapped), differs."""
    if a.birth_date is None or b.birth_date is None:
        return NULL
    if a.birth_date == b.birth_date:
        return 1
    return 2 if dates_close(a.birth_date, b.birth_date) else 3


def _same_place(a: Features, b: Features) -> bool | None:
    """Return whether two records are in one place, or None when it cannot be told.

    Two cities alike are one place; one postcode is one place too, whatever the city says
    (a misspelt or swapped suburb); two different cities with no postcode to tell them
    apart, or different postcodes, are two places.
    """
    if a.postcode and a.postcode == b.postcode:
        return True
    if a.city and b.city:
        return a.city == b.city or _jw(a.city, b.city) >= PLACE_SIMILARITY
    if a.postcode and b.postcode:
        return False
    return None


def _streets_alike(a: str, b: str, *, same_house: bool) -> bool:
    """Return True when two street keys name one street.

    Alike spellings, or, at one house number, a looser likeness: two transliterations
    (Dzerzhinskogo/Dsershinskogo) or a word of four letters or more in common.
    """
    if a == b or _jw(a, b) >= STREET_SIMILARITY:
        return True
    if not same_house:
        return False
    if _jw(a, b) >= LOOSE_STREET:
        return True
    return any(len(word) >= 4 and word in b.split() for word in a.split())  # noqa: PLR2004


ADDRESS_LEVELS = (
    "null",
    "same_unit",
    "same_house",
    "other_unit",
    "same_street",
    "same_city",
    "other_city",
)


def compare_address(a: Features, b: Features, _ctx: CompareContext) -> int:
    """Levels: null, same_unit, same_house, other_unit, same_street, same_city, other_city.

    ``same_unit``: one flat or office; ``same_house``: one building, the unit unknown on a
    side; ``other_unit``: one building, different flats or offices (neighbours, tenants of
    one business centre); ``same_street``; ``same_city``; ``other_city``.
    """
    place = _same_place(a, b)
    if place is False:
        return 6
    if a.street and b.street:
        same_house = a.house is not None and a.house == b.house
        if _streets_alike(a.street, b.street, same_house=same_house):
            if same_house:
                if a.unit and b.unit:
                    return 1 if a.unit == b.unit else 3
                return 2
            return 4 if a.house and b.house else 5
    if place is None:
        return NULL
    return 5


BUILTIN_COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "identifier",
        IDENTIFIER_LEVELS,
        compare_identifier,
        (0.0, 0.6, 0.3, 0.05, 0.04, 0.01),
        (0.0, 0.0002, 0.0003, 0.002, 0.6975, 0.3),
        agree=frozenset({"same_checked", "same", "close"}),
    ),
    Comparison(
        "phone",
        PHONE_LEVELS,
        compare_phone,
        (0.0, 0.6, 0.1, 0.15, 0.02, 0.02, 0.11),
        (0.0, 0.005, 0.03, 0.01, 0.04, 0.005, 0.91),
        agree=frozenset(PHONE_LEVELS[1:6]),
        disagree=frozenset({"disjoint"}),
        weak=frozenset({"shared_over_cap"}),
    ),
    Comparison(
        "email",
        ("null", "shared", "shared_role", "same_domain", "disjoint"),
        compare_email,
        (0.0, 0.75, 0.08, 0.07, 0.1),
        (0.0, 0.005, 0.02, 0.01, 0.965),
        agree=frozenset({"shared", "shared_role", "same_domain"}),
        disagree=frozenset({"disjoint"}),
        weak=frozenset({"shared_role"}),
    ),
    Comparison(
        "person_name",
        PERSON_NAME_LEVELS,
        compare_person_name,
        (0.0, 0.3, 0.4, 0.2, 0.05, 0.02, 0.01, 0.01, 0.01),
        (0.0, 0.01, 0.02, 0.02, 0.05, 0.02, 0.2, 0.08, 0.6),
        agree=frozenset({"exact", "strong", "close"}),
        is_name=True,
    ),
    Comparison(
        "org_name",
        ("null", "exact", "close", "form_differs", "alike", "differs"),
        compare_org_name,
        (0.0, 0.8, 0.12, 0.02, 0.03, 0.03),
        (0.0, 0.05, 0.02, 0.02, 0.06, 0.85),
        agree=frozenset({"exact", "close"}),
        disagree=frozenset({"alike"}),
        is_name=True,
    ),
    Comparison(
        "contact",
        ("null", "same", "differs"),
        compare_contact,
        (0.0, 0.9, 0.1),
        (0.0, 0.05, 0.95),
        agree=frozenset({"same"}),
        disagree=frozenset({"differs"}),
    ),
    Comparison(
        "birth_date",
        ("null", "same", "close", "differs"),
        compare_birth_date,
        (0.0, 0.92, 0.06, 0.02),
        (0.0, 0.001, 0.004, 0.995),
        agree=frozenset({"same", "close"}),
    ),
    Comparison(
        "address",
        ADDRESS_LEVELS,
        compare_address,
        (0.0, 0.5, 0.2, 0.02, 0.05, 0.18, 0.05),
        (0.0, 0.02, 0.02, 0.02, 0.03, 0.3, 0.61),
        agree=frozenset({"same_unit", "same_house"}),
        disagree=frozenset({"other_city"}),
    ),
)
