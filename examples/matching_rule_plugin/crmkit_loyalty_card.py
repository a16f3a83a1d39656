"""A matching rule as a crmkit plugin: one loyalty card is one customer.

A web-shop buyer often gives a first name and an e-mail; the till of a shop records a
surname with initials and a phone. Nothing but the loyalty card they both carry says they
are one person, and crmkit's built-in identifier kinds (INN, OGRN, passport...) do not
include a loyalty card: its value is kept and shown, but never links two records.

This plugin registers ``loyalty_card`` through ``register_identifier_kinds`` (records
sharing a card meet in blocking, and the shared card counts as identifier evidence) and
normalises the spellings the systems use through ``normalize_identifier``: ``LC-000123``,
``lc 123`` and ``000123`` are all ``LC-000123``. A card number has no check digit, so the
kind is not ``checked``: two different numbers do not by themselves make two customers
(a customer may hold two cards). A value that is not a card number is refused with the
reason: it is kept raw, flagged on the card, and never links.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import crmkit

if TYPE_CHECKING:
    from collections.abc import Callable

KIND = "loyalty_card"
#: The digits of a card number, at most.
DIGITS = 9
_CARD = re.compile(rf"(?:LC)?[\s\-]*(\d{{1,{DIGITS}}})", re.IGNORECASE)


@crmkit.hookimpl
def register_identifier_kinds(register: Callable[..., None]) -> None:
    """Declare ``loyalty_card`` a kind that identifies a customer on its own."""
    register(KIND)


@crmkit.hookimpl
def normalize_identifier(kind: str, raw: str) -> str | None:
    """Return a loyalty card number as ``LC-`` and six or more digits; ``None`` for others."""
    if kind.strip().lower() != KIND:
        return None
    match = _CARD.fullmatch(raw.strip())
    number = int(match.group(1)) if match else 0
    if not number:
        raise ValueError(f"a loyalty card is 'LC-' and 1 to {DIGITS} digits, not {raw!r}")
    return f"LC-{number:06d}"
