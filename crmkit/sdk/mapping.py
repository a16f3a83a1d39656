"""Helpers for adapters that map a source's objects into crmkit's generic records.

A value that cannot be mapped raises :class:`MappingError` with the field and the reason;
the adapter turns it into a dead letter for that one record and the run goes on.
"""

from __future__ import annotations

import decimal
from typing import Any


class MappingError(ValueError):
    """A source object that cannot be mapped; the message says which field and why."""


def text(value: Any) -> str | None:
    """Return ``value`` as stripped text, or ``None`` when empty, missing, a flag or a container."""
    if value is None or isinstance(value, dict | list | bool):
        return None
    shown = str(value).strip()
    return shown or None


def unique(*values: Any) -> list[str]:
    """Return the non-empty texts among ``values``, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for value in values:
        shown = text(value)
        if shown is not None:
            seen.setdefault(shown, None)
    return list(seen)


def money(value: Any, field: str) -> str | None:
    """Return an amount as an exact decimal string (``"29.35"``), or ``None`` when empty.

    Strings, integers and :class:`~decimal.Decimal` are accepted (decode JSON with
    ``float_hook=decimal.Decimal`` so that no amount passes through a float); anything else,
    or text that is not a finite number, raises :class:`MappingError` naming ``field``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | decimal.Decimal):
        raise MappingError(f"{field}: not an amount: {value!r}")
    try:
        amount = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation as exc:
        raise MappingError(f"{field}: not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MappingError(f"{field}: not an amount: {value!r}")
    return str(amount)
