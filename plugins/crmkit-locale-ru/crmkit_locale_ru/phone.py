"""The Russian ``8 10`` international prefix: ``8 10 49 30 1234567`` is ``+49301234567``.

Russian users long dialled abroad as 8, wait for the tone, 10, then the country code, and
still write numbers that way. phonenumbers reads the prefix only when told the number is
Russian (region ``RU``); this module reads it whatever the source's region, unless the
digits form a valid number of that region as they are.
"""

from __future__ import annotations

import re

import phonenumbers

_ALLOWED = re.compile(r"^[\d\s().\-]+$")
_EIGHT_TEN = re.compile(r"^\s*8[\s().\-]*1[\s().\-]*0")
_NOT_DIGIT = re.compile(r"\D")


def _valid_in(raw: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def from_eight_ten(raw: str, region: str | None) -> str | None:
    """Return ``raw`` as E.164 if it is written with the ``8 10`` prefix, else ``None``.

    ``None`` also when the digits after ``8 10`` are no valid international number, or when
    ``raw`` is already a valid number of ``region`` (an American ``810`` area code).
    """
    if not _ALLOWED.match(raw) or not _EIGHT_TEN.match(raw):
        return None
    if region is not None and region.upper() != "RU" and _valid_in(raw, region.upper()):
        return None
    international = "+" + _NOT_DIGIT.sub("", raw)[3:]
    try:
        number = phonenumbers.parse(international, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
