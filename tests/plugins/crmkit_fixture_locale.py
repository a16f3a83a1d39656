"""A locale plugin overriding every ``normalize_*`` hook for one narrow case each.

Each implementation answers only for the case it knows and returns ``None`` otherwise, so
the built-in (``trylast``) answers the rest.
"""

from __future__ import annotations

import re

import attrs

import crmkit

_DIGITS = re.compile(r"\D")
_LEGAL_FORMS = re.compile(r"^(ооо|оао|зао|пао|ао|ип)\s+", re.IGNORECASE)
_QUOTES = str.maketrans("", "", "«»\"'")


@crmkit.hookimpl
def normalize_phone(raw, region):
    """Read ten digits starting with 9 as a Russian mobile, even without a region."""
    digits = _DIGITS.sub("", raw)
    if region is None and len(digits) == 10 and digits.startswith("9"):
        return f"+7{digits}"
    return None


@crmkit.hookimpl
def normalize_email(raw):
    """Drop dots and +tags from Gmail addresses: they all reach the same mailbox."""
    user, at, domain = raw.strip().lower().partition("@")
    if not at or domain not in {"gmail.com", "googlemail.com"}:
        return None
    return user.split("+", 1)[0].replace(".", "") + "@gmail.com"


@crmkit.hookimpl
def normalize_identifier(kind, raw, country):
    """Check OKPO codes (8 digits for organisations, 10 for sole traders)."""
    if kind.strip().lower() != "okpo":
        return None
    digits = _DIGITS.sub("", raw)
    if len(digits) not in {8, 10}:
        raise ValueError(f"OKPO must have 8 or 10 digits, got {len(digits)}")
    return digits


@crmkit.hookimpl
def normalize_name(name, kind):
    """Strip the Russian legal form and quotes from organisation names."""
    if kind != "organization":
        return None
    bare = _LEGAL_FORMS.sub("", name.translate(_QUOTES).strip())
    return bare.casefold().replace("ё", "е")


@crmkit.hookimpl
def normalize_address(address):
    """Expand the street abbreviation 'ул.' into 'улица'."""
    if not address.line or "ул." not in address.line:
        return None
    return attrs.evolve(address, line=address.line.replace("ул.", "улица").strip())
