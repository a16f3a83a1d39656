"""What identity resolution compares: a record's facts reduced to matching features.

Features are computed once per record version from its normalised facts and kept with it,
so that matching a new record touches only the features of its candidates. Everything a
comparison needs is prepared here (name parts as script-independent keys, canonical e-mail
addresses, address parts), and every value that must never link two records (a placeholder,
a role mailbox, a free-mail domain) is set apart here, once.

A record names one of three kinds of party:

- ``person`` — a natural person (``person`` holds the parsed name);
- ``organization`` — a firm (``org_name`` holds the parsed name); a sole trader (ИП) is an
  organisation whose name is a person's: ``sole_trader`` is True and ``person`` holds the
  owner's name, so that it compares with the person-like records of that trader;
- ``None`` — unknown: a caller-id string or a bare name that may be either, parsed both ways.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import re
from typing import TYPE_CHECKING

import attrs
import phonenumbers

from crmkit.domain import Identity
from crmkit.identity.organizations import OrgName, parse_org_name
from crmkit.identity.persons import (
    PersonName,
    gender_hint,
    is_known_given_name,
    parse_person_name,
)
from crmkit.identity.text import latin_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from crmkit.domain import PartyFacts
    from crmkit.identity.guards import Guards
    from crmkit.identity.normalize import NormalizedFacts

__all__ = [
    "BUILTIN_IDENTIFIER_KINDS",
    "CHECKED_IDENTIFIERS",
    "ORGANIZATION",
    "PERSON",
    "SOLE_TRADER",
    "STRONG_IDENTIFIERS",
    "Features",
    "IdentifierKinds",
    "canonical_email",
    "extract_batch",
    "extract_features",
    "gc_paused",
    "is_mobile",
]

PERSON = "person"
ORGANIZATION = "organization"
#: The party of an organisation record whose name is a person's (ИП, КФХ).
SOLE_TRADER = "sole trader"

#: Identifier kinds that identify a legal entity or a person on their own. KPP is not one:
#: a KPP is shared by every firm registered at one tax office.
STRONG_IDENTIFIERS = frozenset(
    {"inn", "ogrn", "ogrnip", "vat", "snils", "national_id", "ssn", "passport", "tax_id"}
)
#: Identifier kinds with check digits: two different valid values are two different parties,
#: however alike (a typo would not have passed the check).
CHECKED_IDENTIFIERS = frozenset({"inn", "ogrn", "ogrnip", "vat", "snils"})


@attrs.frozen
class IdentifierKinds:
    """The identifier kinds that identify a party on their own, and which of them are checked.

    ``strong``: records sharing a value of one of these kinds become candidates (blocking
    key ``id:KIND:VALUE``) and the shared value is identifier evidence. ``checked``: kinds
    with check digits, where two different valid values are two different parties (a
    cannot-link); every checked kind is strong. The defaults are crmkit's built-in kinds
    (:data:`STRONG_IDENTIFIERS`, :data:`CHECKED_IDENTIFIERS`); a plugin manager's kinds come
    from the ``register_identifier_kinds`` hook
    (:func:`crmkit.plugins.collect_identifier_kinds`).
    """

    strong: frozenset[str] = STRONG_IDENTIFIERS
    checked: frozenset[str] = CHECKED_IDENTIFIERS

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "strong", frozenset(self.strong) | frozenset(self.checked))
        object.__setattr__(self, "checked", frozenset(self.checked))

    def fingerprint(self) -> str:
        """Return a short stable digest of the kinds (stored with a run's blocking keys)."""
        text = ",".join(sorted(self.strong)) + ";" + ",".join(sorted(self.checked))
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


#: crmkit's built-in identifier kinds, what pure library callers get by default.
BUILTIN_IDENTIFIER_KINDS = IdentifierKinds()

# Addresses: words that say what kind of street or unit a number is, in Russian (as latin
# keys, so that Cyrillic and transliterated spellings agree) and in English.


def _keys(words: str) -> frozenset[str]:
    return frozenset(latin_key(word) for word in words.split())


_STREET_WORDS = _keys(
    "ул улица ulitsa ul str street st пр пр-т проспект prospekt prosp ave avenue пер переулок"
    " pereulok lane ln ш шоссе shosse hwy highway наб набережная naberezhnaia nab б-р бульвар"
    " bulvar blvd boulevard пл площадь ploshchad square sq проезд proezd тупик tupik мкр"
    " микрорайон mkr road rd drive dr court ct crescent cres place pl terrace tce parade pde"
    " close way circuit cct grove gr"
)
_UNIT_WORDS = _keys(
    "д дом dom кв квартира kvartira apt apartment оф офис ofis office of пом помещение pom"
    " корп корпус korp k стр строение str unit flat suite level lot"
)
_PLACE_WORDS = _keys("г гор город gorod city пос поселок")
# English names of Russian cities, as latin keys, to the latin key of the Russian name.
_CITY_EXONYMS = {
    "moskov": "moskva",
    "saint petersburg": "sankt peterburg",
    "st petersburg": "sankt peterburg",
    "petersburg": "sankt peterburg",
    "rostov on don": "rostov na donu",
    "archangel": "arkhangelsk",
}
_DIGITS = re.compile(r"\d+")
_SKIPPED_ADDRESS_WORDS = _STREET_WORDS | _UNIT_WORDS | _PLACE_WORDS
_ORG_FORMS_OF_PERSON = frozenset({"IP", "KFH"})


def _strong(
    identifiers: tuple[tuple[str, str], ...], kinds: frozenset[str]
) -> tuple[tuple[str, str], ...]:
    """Return the identifiers of the kinds in ``kinds`` (those that identify a party)."""
    return tuple((k, v) for k, v in identifiers if k in kinds)


def _builtin_strong(features: Features) -> tuple[tuple[str, str], ...]:
    """Return the identifiers of ``features`` of crmkit's built-in strong kinds."""
    return _strong(features.identifiers, STRONG_IDENTIFIERS)


@attrs.frozen(slots=True, eq=False)
class Features:
    """The matching features of one record: everything the comparisons look at.

    Names are parsed once (``person``, ``org_name``, ``contact``); strings are keys in
    normal form; collections are sorted tuples (smaller than sets: there are millions).
    ``phones`` and ``emails`` hold only values that may identify a party: placeholders are
    dropped, role mailboxes (``info@``) are set apart in
    ``role_emails`` and free-mail domains never appear in ``domains``.
    ``strong_identifiers`` are the identifiers of the kinds that identify a party on their
    own (by default the built-in :data:`STRONG_IDENTIFIERS`; :func:`extract_features` picks
    them by its ``kinds``). ``person_like``, ``org_like``, ``party`` (person, organization,
    sole trader or None), ``org`` (the firm's name key) and ``is_lookup`` are derived at
    construction.
    """

    identity: Identity
    kind: str | None
    person: PersonName | None = None
    org_name: OrgName | None = None
    sole_trader: bool = False
    contact: PersonName | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    role_emails: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()
    birth_date: dt.date | None = None
    postcode: str | None = None
    city: str | None = None
    street: str | None = None
    house: str | None = None
    unit: str | None = None
    strong_identifiers: tuple[tuple[str, str], ...] = attrs.field(
        default=attrs.Factory(_builtin_strong, takes_self=True)
    )

    # Derived once, at construction (comparisons read them for every candidate pair).
    person_like: bool = attrs.field(init=False, default=False)
    org_like: bool = attrs.field(init=False, default=False)
    party: str | None = attrs.field(init=False, default=None)
    is_lookup: bool = attrs.field(init=False, default=False)
    org: str | None = attrs.field(init=False, default=None)

    def __attrs_post_init__(self) -> None:
        derive = object.__setattr__
        person_like = self.person is not None and (self.kind != ORGANIZATION or self.sole_trader)
        derive(self, "person_like", person_like)
        derive(
            self,
            "org_like",
            self.org_name is not None and not self.sole_trader and self.kind != PERSON,
        )
        party = self.kind
        if self.kind == ORGANIZATION and self.sole_trader:
            party = SOLE_TRADER
        derive(self, "party", party)
        derive(self, "org", (self.org_name.core or None) if self.org_name is not None else None)
        derive(self, "is_lookup", self._lookup())

    @property
    def family(self) -> str | None:
        """Return the family name key of a person-like record."""
        return self.person.family if self.person is not None else None

    @property
    def given(self) -> str | None:
        """Return the given name key (full form) of a person-like record."""
        return self.person.given if self.person is not None else None

    def identifier(self, kind: str) -> str | None:
        """Return the value of identifier ``kind``, or ``None``."""
        for name, value in self.identifiers:
            if name == kind:
                return value
        return None

    @property
    def full_name(self) -> bool:
        """Return True when the record names a party fully.

        A person's family and given name (or initials), or an organisation known as one.
        """
        if (
            self.person is not None
            and self.person.family
            and (self.person.given or self.person.initials)
        ):
            return True
        return self.kind == ORGANIZATION and bool(self.org)

    def _lookup(self) -> bool:
        """Return True for a record that only says how to reach someone (``is_lookup``).

        A phone-system caller record, or a web-shop buyer known by an e-mail alone: contact
        points, at most a fragment of a name, and nothing else. Such a record is a lookup, not
        a weak match: it joins the one customer its phone or e-mail leads to, or none.
        """
        if not (self.phones or self.emails):
            return False
        if self.strong_identifiers or self.birth_date or self.street:
            return False
        return not self.full_name


@functools.lru_cache(maxsize=1 << 18)
def is_mobile(phone: str) -> bool:
    """Return True when ``phone`` (E.164) is a mobile number: personal, unlike a landline.

    A landline is shared by a household or an office; a mobile is one person's. Numbers whose
    type phonenumbers cannot tell (``FIXED_LINE_OR_MOBILE``) count as landlines.
    """
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE)


# Providers that ignore dots in the local part, and aliases of one provider's domains.
_DOTLESS_DOMAINS = frozenset({"gmail.com"})
_DOMAIN_ALIASES = {
    "googlemail.com": "gmail.com",
    "ya.ru": "yandex.ru",
    "yandex.com": "yandex.ru",
    "yandex.by": "yandex.ru",
    "yandex.kz": "yandex.ru",
    "yandex.ua": "yandex.ru",
}


@functools.lru_cache(maxsize=1 << 16)
def canonical_email(email: str) -> str:
    """Return the mailbox ``email`` (already lower-case) delivers to.

    A ``+tag`` (sub-addressing: ``ivan+shop@gmail.com``) is dropped, provider aliases are
    unified (``ya.ru`` → ``yandex.ru``, ``googlemail.com`` → ``gmail.com``) and dots in a
    Gmail local part are removed: all of these reach the same mailbox.
    """
    local, _, domain = email.strip().rpartition("@")
    if not local:
        return email
    domain = _DOMAIN_ALIASES.get(domain, domain)
    local = local.partition("+")[0] or local
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def _tuple(values: set[str]) -> tuple[str, ...]:
    return tuple(sorted(values)) if values else ()


def _website_domain(url: str) -> str | None:
    text = url.strip().lower()
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    text = text.split("/", 1)[0].split(":", 1)[0]
    text = text.removeprefix("www.")
    return text if "." in text else None


@functools.lru_cache(maxsize=1 << 16)
def _city_key(city: str) -> str | None:
    words = [w for w in latin_key(city).split() if w not in _PLACE_WORDS]
    key = " ".join(words)
    return _CITY_EXONYMS.get(key, key) or None


@functools.lru_cache(maxsize=1 << 16)
def _address_parts(line: str, city: str | None) -> tuple[str | None, str | None, str | None]:
    """Return ``(street, house, unit)`` of an address line.

    The street is its name words, sorted, without street-type words (``ул.``, ``ulitsa``,
    ``street``), unit words and the city; the house is the first number, the unit (flat or
    office) the next one: ``ул. Ленина, д. 5, кв. 12`` → ``("lenina", "5", "12")`` and so
    does ``Lenina ulitsa 5-12``.
    """
    city_words = set(city.split()) if city else ()
    names: list[str] = []
    numbers: list[str] = []
    skip = _SKIPPED_ADDRESS_WORDS
    for word in _line_words(line):
        if not word.isalpha() and (digits := _DIGITS.findall(word)):
            numbers.extend(digits)
        elif len(word) > 1 and word not in skip and word not in city_words:
            names.append(word)
    street = " ".join(sorted(names)) or None
    house = numbers[0] if numbers else None
    unit = numbers[1] if len(numbers) > 1 else None
    return street, house, unit


def _line_words(line: str) -> list[str]:
    """Return the words of ``latin_key(line)``.

    An ASCII line is keyed word by word, each word's key cached (street names, house
    numbers and suburbs repeat from line to line): for ASCII text that gives the words of
    the whole line's key. Any other line is keyed whole.
    """
    if line.isascii():
        return [word for token in line.split() for word in _token_words(token)]
    return latin_key(line).split()


@functools.lru_cache(maxsize=1 << 16)
def _token_words(token: str) -> tuple[str, ...]:
    """Return the words of the latin key of one white-space-free ASCII token."""
    return tuple(latin_key(token).split())


def _guess_kind(name: str) -> str | None:
    """Return the kind a bare name suggests: a legal form, a known given name, a surname."""
    org = parse_org_name(name)
    if org.legal_form:
        return ORGANIZATION
    words = name.split()
    if any(is_known_given_name(w.strip(".,")) for w in words):
        return PERSON
    if len(words) >= 2 and gender_hint(name) is not None:  # noqa: PLR2004 - "PETROV I"
        return PERSON
    return None


def _full_personal_name(name: str | None) -> bool:
    """Return True for a name that is a person's in full: family, known given, patronymic.

    An organisation record named so, without a legal form, is a sole trader's.
    """
    if not name:
        return False
    person = parse_person_name(name)
    return bool(
        person.family and person.given and person.patronymic and is_known_given_name(person.given)
    )


def _name_features(
    facts: PartyFacts, kind: str | None, identifiers: dict[str, str]
) -> tuple[str | None, PersonName | None, OrgName | None, bool]:
    """Return ``(kind, person, org_name, sole_trader)`` of a record."""
    name = facts.name
    if kind is None:
        if facts.given_name or facts.family_name:
            kind = PERSON
        elif name:
            kind = _guess_kind(name)
        inn = identifiers.get("inn")
        if kind is None and inn is not None:
            kind = ORGANIZATION if len(inn) == 10 else PERSON  # noqa: PLR2004
    if kind == ORGANIZATION:
        org_name = parse_org_name(name or facts.display_name())
        inn = identifiers.get("inn")
        if org_name.legal_form in _ORG_FORMS_OF_PERSON or (
            org_name.legal_form is None
            and ((inn is not None and len(inn) == 12) or _full_personal_name(name))  # noqa: PLR2004
        ):
            owner = parse_person_name(name)
            return kind, (None if owner.is_empty else owner), org_name, True
        return kind, None, org_name, False
    person: PersonName | None = None
    if name or facts.given_name or facts.family_name:
        parsed = parse_person_name(name, facts.given_name, facts.family_name)
        person = None if parsed.is_empty else parsed
    if kind == PERSON:
        return kind, person, None, False
    firm = parse_org_name(name) if name else None
    return None, person, (firm if firm is not None and firm.core else None), False


def extract_features(
    identity: Identity,
    facts: PartyFacts,
    normal: NormalizedFacts,
    guards: Guards,
    kinds: IdentifierKinds = BUILTIN_IDENTIFIER_KINDS,
) -> Features:
    """Return the matching features of one record; guarded values are set apart or dropped.

    ``kinds`` says which identifier kinds identify a party on their own (the record's
    ``strong_identifiers``); by default crmkit's built-in kinds.
    """
    identifiers = {
        k: v for k, v in normal.identifiers.items() if v and not guards.is_placeholder(v)
    }
    kind, person, org_name, sole_trader = _name_features(
        facts, facts.kind.value if facts.kind else None, identifiers
    )
    contact = None
    if facts.contact_name and kind != PERSON:
        parsed = parse_person_name(facts.contact_name)
        contact = None if parsed.is_empty or not parsed.family else parsed
    phones, emails, role, domains = _contact_features(normal, guards)
    postcode = city = street = house = unit = None
    if normal.addresses:
        address = normal.addresses[0]
        postcode = address.postcode.replace(" ", "") if address.postcode else None
        city = _city_key(address.city) if address.city else None
        if address.line:
            street, house, unit = _address_parts(address.line, city)
    ordered = tuple(sorted(identifiers.items()))
    return Features(
        identity=identity,
        kind=kind,
        person=person,
        org_name=org_name,
        sole_trader=sole_trader,
        contact=contact,
        phones=phones,
        emails=emails,
        role_emails=role,
        domains=domains,
        identifiers=ordered,
        birth_date=facts.birth_date,
        postcode=postcode or None,
        city=city,
        street=street,
        house=house,
        unit=unit,
        strong_identifiers=_strong(ordered, kinds.strong),
    )


_Strings = tuple[str, ...]


def _contact_features(
    normal: NormalizedFacts, guards: Guards
) -> tuple[_Strings, _Strings, _Strings, _Strings]:
    """Return ``(phones, personal e-mails, role mailboxes, corporate domains)``."""
    if not normal.contact_points:
        return (), (), (), ()
    phones: set[str] = set()
    emails: set[str] = set()
    role: set[str] = set()
    domains: set[str] = set()
    for point in normal.contact_points:
        value = point.value
        if not value or guards.is_placeholder(value):
            continue
        kind = point.kind.value
        if kind == "phone":
            phones.add(value)
        elif kind == "email":
            address = canonical_email(value)
            if guards.is_placeholder(address):
                continue
            (role if guards.is_role_mailbox(address) else emails).add(address)
            if not guards.is_free_mail(address):
                domains.add(address.rpartition("@")[2])
        elif kind == "website":
            domain = _website_domain(value)
            if domain and not guards.is_free_mail(f"x@{domain}"):
                domains.add(domain)
    return _tuple(phones), _tuple(emails), _tuple(role), _tuple(domains)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large batch is built.

    Matching builds millions of small acyclic objects (features, keys, edges); the cyclic
    collector would scan the growing heap again and again for cycles that cannot exist,
    which costs as much as the work itself. Reference counting still frees everything.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def extract_batch(
    records: Iterable[tuple[Identity, PartyFacts, NormalizedFacts]],
    guards: Guards,
    kinds: IdentifierKinds = BUILTIN_IDENTIFIER_KINDS,
) -> list[Features]:
    """Return the features of many records (the collector paused meanwhile)."""
    with gc_paused():
        return [
            extract_features(identity, facts, normal, guards, kinds)
            for identity, facts, normal in records
        ]
