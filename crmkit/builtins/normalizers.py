"""Default normalisers for phones, e-mails, identifiers, names and addresses (all ``trylast``).

Locale plugins override any of them by implementing the same hook without ``trylast``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import phonenumbers
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.util import get_cc_module

from crmkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from crmkit.domain import Address

_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Identifier kinds that python-stdnum knows under a country module, with their home country.
_HOME_COUNTRY = {"inn": "ru", "kpp": "ru", "ogrn": "ru", "ogrnip": "ru", "snils": "ru"}
_STDNUM_NAME = {"ogrnip": "ogrn"}


_PARSE_PROBLEMS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "no valid country code, and the source names no default region"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the exit code",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short to be a phone number",
    phonenumbers.NumberParseException.TOO_LONG: "too long to be a phone number",
}


@hookimpl(trylast=True)
def normalize_phone(raw: str, region: str | None) -> str | None:
    """Return ``raw`` as E.164 using phonenumbers; raise ``ValueError`` if it is no valid number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_PARSE_PROBLEMS.get(exc.error_type, "not a phone number")) from exc
    if not phonenumbers.is_valid_number(number):
        where = f" for region {region}" if region else ""
        raise ValueError(f"not a valid phone number{where}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@hookimpl(trylast=True)
def normalize_email(raw: str) -> str | None:
    """Return ``raw`` trimmed and lower-cased; raise ``ValueError`` if it is no address."""
    value = raw.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


@hookimpl(trylast=True)
def normalize_identifier(kind: str, raw: str, country: str | None) -> str | None:
    """Return ``raw`` compacted and checked by python-stdnum when it knows ``kind``.

    Known kinds are looked up as ``stdnum.<country>.<kind>`` (``inn`` → ``stdnum.ru.inn``);
    ``vat`` numbers are checked by ``stdnum.eu.vat`` or the country's own module. Unknown
    kinds are returned trimmed, unchecked.
    """
    kind = kind.strip().lower()
    value = raw.strip()
    cc = (country or _HOME_COUNTRY.get(kind) or "").lower()
    module = get_cc_module(cc, _STDNUM_NAME.get(kind, kind)) if cc else None
    if module is None and kind == "vat":
        from stdnum.eu import vat as eu_vat

        module = eu_vat
    if module is None:
        return value
    try:
        return str(module.validate(value))
    except StdnumValidationError as exc:
        raise ValueError(f"invalid {kind.upper()}: {exc}") from exc


@hookimpl(trylast=True)
def normalize_name(name: str, kind: str | None) -> str | None:  # noqa: ARG001 - part of the hook
    """Return a comparison key: NFKC, case-folded, ``ё`` as ``е``, punctuation as spaces."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("ё", "е")
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return _SPACES.sub(" ", text).strip() or None


@hookimpl(trylast=True)
def normalize_address(address: Address) -> Address | None:
    """Return the address with white space collapsed and the country code upper-cased."""
    import attrs

    def clean(value: str | None) -> str | None:
        if value is None:
            return None
        return _SPACES.sub(" ", value).strip() or None

    return attrs.evolve(
        address,
        line=clean(address.line),
        city=clean(address.city),
        region=clean(address.region),
        postcode=clean(address.postcode),
        country=(clean(address.country) or "").upper() or None,
    )
