"""1C's values in crmkit's terms: local times, empty references, money and currency codes."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import zoneinfo

#: The zone 1C times are read in when a source names none (1C sends local times, no offset).
DEFAULT_TIMEZONE = zoneinfo.ZoneInfo("Europe/Moscow")
EMPTY_REF = "00000000-0000-0000-0000-000000000000"
_EMPTY_DATES = ("0001-01-01",)

#: ISO 4217 letter codes by the numeric code 1C keeps in ``Catalog_Валюты.Code``.
NUMERIC_CURRENCIES = {
    "643": "RUB",
    "810": "RUB",
    "840": "USD",
    "978": "EUR",
    "156": "CNY",
    "933": "BYN",
    "398": "KZT",
    "980": "UAH",
    "826": "GBP",
    "756": "CHF",
    "392": "JPY",
    "949": "TRY",
    "860": "UZS",
    "051": "AMD",
    "417": "KGS",
    "944": "AZN",
    "981": "GEL",
}
_CURRENCY_WORDS = {
    "руб": "RUB",
    "рубль": "RUB",
    "рублей": "RUB",
    "российский рубль": "RUB",
    "р": "RUB",
    "₽": "RUB",
    "usd": "USD",
    "$": "USD",
    "долл": "USD",
    "доллар сша": "USD",
    "eur": "EUR",
    "€": "EUR",
    "евро": "EUR",
    "юань": "CNY",
    "тенге": "KZT",
}
_LETTERS = re.compile(r"^[A-Za-z]{3}$")


def currency_code(word: str | None) -> str | None:
    """Return the ISO 4217 code for a 1C or CommerceML currency word, or ``None``.

    Accepts letter codes (``RUB``), numeric codes (``643``) and the names 1C shows
    (``руб.``, ``руб``, ``Российский рубль``, ``USD``, ``евро``).
    """
    if not word:
        return None
    text = word.strip()
    if _LETTERS.match(text):
        return text.upper()
    if text.isdigit():
        return NUMERIC_CURRENCIES.get(text.zfill(3))
    return _CURRENCY_WORDS.get(text.casefold().rstrip(".").strip())


def ref(value: object) -> str | None:
    """Return a 1C reference (a GUID) or ``None`` for an empty one."""
    if not isinstance(value, str) or not value.strip() or value.strip() == EMPTY_REF:
        return None
    return value.strip()


def local_time(value: object, zone: dt.tzinfo) -> str | None:
    """Return a 1C local date-time (``2026-10-01T09:15:00``) as RFC 3339 in UTC, or ``None``.

    1C's empty date (``0001-01-01T00:00:00``) and anything unreadable give ``None``; a time
    that already names its offset keeps it. Raises nothing.
    """
    if not isinstance(value, str) or not value.strip() or value.startswith(_EMPTY_DATES):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC).isoformat()


def amount(value: object) -> str | None:
    """Return a number as a decimal string (never through a float), or ``None``.

    ``value`` is a :class:`~decimal.Decimal` or ``int`` (JSON numbers are decoded as
    ``Decimal``), or text such as ``"1 500,50"``; raises :class:`ValueError` for text that is
    not a number.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | decimal.Decimal):
        return _plain(decimal.Decimal(value))
    if isinstance(value, str):
        text = value.replace("\xa0", "").replace(" ", "").replace(",", ".")
        if not text:
            return None
        try:
            number = decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise BadRecord(f"not a number: {value!r}") from None
        if not number.is_finite():
            raise BadRecord(f"not a number: {value!r}")
        return _plain(number)
    raise BadRecord(f"not a number: {value!r}")


def _plain(number: decimal.Decimal) -> str:
    """Return ``number`` in plain notation (``1E+3`` → ``1000``), keeping its digits."""
    return f"{number:f}"


_CAMEL = re.compile(r"(?<=[а-яёa-z])(?=[А-ЯЁA-Z])|(?<=[А-ЯЁA-Z])(?=[А-ЯЁA-Z][а-яёa-z])")


def enum_words(value: object) -> str | None:
    """Return a 1C enumeration value as the words 1C shows: ``КОтгрузке`` → ``К отгрузке``.

    1C's OData gives enumeration values by their names (``НеСогласован``, ``КОбеспечению``);
    their synonyms, which people see and crmkit's status words know, are the same words
    spaced out. Text that already has spaces is returned trimmed.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    if " " in text:
        return text
    words = _CAMEL.sub(" ", text).split(" ")
    return " ".join([words[0], *(w.lower() for w in words[1:])])


class BadRecord(ValueError):  # noqa: N818 - reads as "a bad record", the reason is the message
    """Raised by a mapping for one record that cannot be mapped; the message is the reason."""


def reason(exc: Exception) -> str:
    """Return why a record could not be mapped, as its dead letter says.

    A :class:`BadRecord` gives its own words; anything else (a mapping bug) its type and
    message, reported instead of stopping the read.
    """
    if isinstance(exc, BadRecord):
        return str(exc)
    return f"cannot map the record: {type(exc).__name__}: {exc}"
