"""Helpers for adapters that map a source's objects into crmkit's generic records.

A value that cannot be mapped raises :class:`MappingError` with the field and the reason;
the adapter turns it into a dead letter for that one record and the run goes on.
"""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from crmkit.domain import RawItem

_EXACT = msgspec.json.Decoder(float_hook=decimal.Decimal)
_VALUE_SHOWN = 200


class MappingError(ValueError):
    """A source object that cannot be mapped; the message says which field and why."""


#: What a mapping function may raise for one malformed source object: its record becomes a
#: dead letter saying why, and the run goes on.
MAPPING_ERRORS: tuple[type[Exception], ...] = (
    MappingError,
    KeyError,
    TypeError,
    AttributeError,
    ValueError,
)


def exact_json(raw: bytes | str) -> Any:
    """Return one JSON value with every non-integer number as an exact ``Decimal``.

    Raises ``msgspec.DecodeError`` when ``raw`` is not JSON.
    """
    return _EXACT.decode(raw)


def mapped_item(raw: str, position: str, make: Callable[[], dict[str, Any]]) -> RawItem:
    """Return the item of ``raw`` with the record ``make()`` maps, or a dead letter saying why not.

    Any of :data:`MAPPING_ERRORS` raised by ``make`` becomes the item's ``error``
    (``cannot map: <the reason>``).
    """
    from crmkit.domain import RawItem

    try:
        data = make()
    except MAPPING_ERRORS as exc:
        return RawItem(raw=raw, data=None, position=position, error=f"cannot map: {exc}")
    return RawItem(raw=raw, data=data, position=position)


def compact(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``record`` without its empty values (``None``, ``[]``, ``{}``)."""
    return {key: value for key, value in record.items() if value not in (None, [], {})}


def object_id(obj: Any, what: str) -> str:
    """Return the ``id`` of a source object as text; raise :class:`MappingError` if it has none.

    ``what`` names the object in the message (``order has no id``).
    """
    if not isinstance(obj, dict):
        raise MappingError(f"{what} must be a JSON object, got {type(obj).__name__}")
    value = obj.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise MappingError(f"{what} has no id")
    return str(value).strip()


def nested(obj: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Return the object under ``name`` (``{}`` when missing or null); raise if not an object."""
    value = obj.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{name}: not an object: {value!r}"[:_VALUE_SHOWN])
    return value


def full_name(*blocks: Mapping[str, Any]) -> str | None:
    """Return ``first_name last_name`` of the first block that has either, else ``None``."""
    for block in blocks:
        name = " ".join(unique(block.get("first_name"), block.get("last_name")))
        if name:
            return name
    return None


@attrs.frozen
class AddressFields:
    """Where a source's address objects keep each part of an address (their keys).

    ``lines`` are the street lines, joined with ``", "``; ``country`` lists keys tried in
    turn (a code before a name, say).
    """

    lines: tuple[str, ...]
    city: str
    region: str
    postcode: str
    country: tuple[str, ...]

    def read(self, block: Any) -> dict[str, str] | None:
        """Return ``block`` as a generic address, or ``None`` when it says nothing.

        An address that is not an object, or names only a country, gives ``None``.
        """
        if not isinstance(block, dict):
            return None
        found = {
            "line": ", ".join(unique(*(block.get(key) for key in self.lines))) or None,
            "city": text(block.get(self.city)),
            "region": text(block.get(self.region)),
            "postcode": text(block.get(self.postcode)),
            "country": next(filter(None, (text(block.get(k)) for k in self.country)), None),
        }
        kept = {key: value for key, value in found.items() if value}
        return kept if set(kept) - {"country"} else None


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

    Strings, integers and ``Decimal`` are accepted (decode JSON with
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
