"""What 1C calls a counterparty, in crmkit's generic customer format (shared by every adapter).

1C tells an organisation from a person by an enumeration: ``ЮрФизЛицо`` in УТ 11, КА 2 and
ERP 2 (``ЮрЛицо``, ``ЮрЛицоНеРезидент``, ``ИндивидуальныйПредприниматель``, ``ФизЛицо``,
``ГосударственныйОрган``), ``ЮридическоеФизическоеЛицо`` in БП 3 (``ЮридическоеЛицо``,
``ФизическоеЛицо``); CommerceML files carry the words of whoever wrote them. An individual
entrepreneur (ИП) is an organisation whose name is a person's: crmkit's identity resolution
recognises it from ``ИП`` in the name or a 12-digit ИНН, and the record also carries the
attribute ``sole_trader``.
"""

from __future__ import annotations

import re
from typing import Any

ORGANIZATION = "organization"
PERSON = "person"
SOLE_TRADER = "sole_trader"

_ORGANIZATION_WORDS = frozenset(
    {
        "юрлицо",
        "юрлицонерезидент",
        "юридическоелицо",
        "юридическоелицонерезидент",
        "государственныйорган",
        "юрлицо(нерезидент)",
        "организация",
        "юридическое",
    }
)
_PERSON_WORDS = frozenset({"физлицо", "физическоелицо", "физическое", "частноелицо"})
_SOLE_TRADER_WORDS = frozenset(
    {"индивидуальныйпредприниматель", "ип", "предприниматель", "индивидуальный"}
)
_SOLE_TRADER_NAME = re.compile(r"^\s*(ИП|Индивидуальный\s+предприниматель)\b", re.IGNORECASE)
_SOLE_TRADER_INN_LENGTH = 12


def _key(word: str) -> str:
    return re.sub(r"[\s._\-]+", "", word.casefold())


def legal_kind(word: str | None, name: str | None = None, inn: str | None = None) -> str | None:
    """Return ``organization``, ``person``, ``sole_trader`` or ``None`` for a 1C legal-form word.

    ``word`` is the enumeration value (``ЮрЛицо``, ``ФизическоеЛицо``...) or ``None``. A person
    whose name starts with ``ИП`` is a sole trader; so is one with a 12-digit ИНН when the
    name says ``Индивидуальный предприниматель``. ``None`` lets crmkit guess from the name.
    """
    key = _key(word) if word else ""
    named_trader = bool(name and _SOLE_TRADER_NAME.match(name))
    if key in _SOLE_TRADER_WORDS:
        return SOLE_TRADER
    if key in _ORGANIZATION_WORDS:
        return SOLE_TRADER if named_trader else ORGANIZATION
    if key in _PERSON_WORDS:
        return SOLE_TRADER if named_trader else PERSON
    if named_trader:
        return SOLE_TRADER
    if inn and len(inn) == _SOLE_TRADER_INN_LENGTH and name and _SOLE_TRADER_NAME.search(name):
        return SOLE_TRADER
    return None


def party_record(
    external_id: str,
    *,
    kind: str | None,
    name: str | None,
    full_name: str | None = None,
    inn: str | None = None,
    kpp: str | None = None,
    ogrn: str | None = None,
    phones: list[str] | None = None,
    emails: list[str] | None = None,
    addresses: list[dict[str, str]] | None = None,
    website: str | None = None,
    contact_name: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    attributes: dict[str, Any] | None = None,
    updated_at: str | None = None,
) -> dict[str, Any]:
    """Return a generic customer record; empty values are left out, lists keep their order.

    ``kind`` is what :func:`legal_kind` returned: a sole trader becomes an ``organization``
    with the attribute ``sole_trader: true``. ``full_name`` (НаименованиеПолное) is kept as
    the attribute ``full_name`` when it differs from ``name``.
    """
    record: dict[str, Any] = {"external_id": external_id}
    extra: dict[str, Any] = dict(attributes or {})
    if kind == SOLE_TRADER:
        record["kind"] = ORGANIZATION
        extra["sole_trader"] = True
    elif kind:
        record["kind"] = kind
    shown = clean(name) or clean(full_name)
    if clean(full_name) and clean(full_name) != shown:
        extra["full_name"] = clean(full_name)
    identifiers = {
        k: v for k, v in (("inn", clean(inn)), ("kpp", clean(kpp)), ("ogrn", clean(ogrn))) if v
    }
    values: dict[str, Any] = {
        "name": shown,
        "given_name": clean(given_name),
        "family_name": clean(family_name),
        "identifiers": identifiers,
        "phones": unique(phones or []),
        "emails": unique(emails or []),
        "addresses": [a for a in addresses or [] if a],
        "website": clean(website),
        "contact_name": clean(contact_name),
        "attributes": extra,
        "updated_at": updated_at,
    }
    record.update({k: v for k, v in values.items() if v})
    return record


def clean(value: object) -> str | None:
    """Return ``value`` as trimmed text, or ``None`` when it is empty or not text."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def unique(values: list[str]) -> list[str]:
    """Return the non-blank ``values``, trimmed, each once, in their first order."""
    seen: dict[str, None] = {}
    for value in values:
        text = clean(value)
        if text:
            seen.setdefault(text, None)
    return list(seen)


_POSTCODE = re.compile(r"^\s*(\d{6})\s*,")


def address_record(
    line: str | None,
    *,
    city: str | None = None,
    region: str | None = None,
    postcode: str | None = None,
    country: str | None = None,
) -> dict[str, str]:
    """Return a generic address; a Russian postcode leading ``line`` fills ``postcode``."""
    text = clean(line)
    code = clean(postcode)
    if text and not code:
        found = _POSTCODE.match(text)
        code = found.group(1) if found else None
    parts = {
        "line": text,
        "city": clean(city),
        "region": clean(region),
        "postcode": code,
        "country": clean(country),
    }
    return {k: v for k, v in parts.items() if v}
