"""Value types shared by the whole model: money and aware UTC times."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import attrs

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def utc_now() -> dt.datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def ensure_utc(value: dt.datetime) -> dt.datetime:
    """Return ``value`` converted to UTC; raise ``ValueError`` for a naive datetime.

    crmkit never guesses a zone: a source that sends local times names its zone in its
    configuration and converts before the value reaches the model.
    """
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no timezone; crmkit stores UTC")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(f"{value.isoformat()} cannot be expressed in UTC") from exc


def _to_decimal(value: Decimal | str | int) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money amounts must not be floats; pass a Decimal, str or int")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a decimal amount") from exc
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


def _upper(value: str) -> str:
    return str(value).strip().upper()


def _check_currency(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not _CURRENCY.match(value):
        raise ValueError(f"currency must be an ISO 4217 code such as 'RUB', got {value!r}")


@attrs.frozen
class Money:
    """An exact amount of one currency: ``Decimal`` plus an ISO 4217 code, never a float."""

    amount: Decimal = attrs.field(converter=_to_decimal)
    currency: str = attrs.field(converter=_upper, validator=_check_currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
