"""Customers and what sources say about them: identities, contact points, party facts."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.domain.common import ensure_utc

if TYPE_CHECKING:
    from collections.abc import Iterable


class CustomerKind(enum.StrEnum):
    """Whether a customer is a natural person or an organisation."""

    PERSON = "person"
    ORGANIZATION = "organization"


class ContactKind(enum.StrEnum):
    """The kinds of contact point a customer can have."""

    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    WEBSITE = "website"


def _strip(value: str) -> str:
    return str(value).strip()


@attrs.frozen
class Identity:
    """One source system's id for a customer: ``(source, external_id)``."""

    source: str = attrs.field(converter=_strip, validator=attrs.validators.min_len(1))
    external_id: str = attrs.field(converter=_strip, validator=attrs.validators.min_len(1))

    def __str__(self) -> str:
        return f"{self.source}/{self.external_id}"

    @classmethod
    def parse(cls, text: str) -> Identity:
        """Return the identity written as ``SOURCE/EXTERNAL_ID`` (the id may contain ``/``)."""
        source, sep, external_id = text.partition("/")
        if not sep:
            raise ValueError(f"expected SOURCE/EXTERNAL_ID, got {text!r}")
        return cls(source, external_id)


@attrs.frozen
class Address:
    """A postal address as a source wrote it; normalisation is a separate step."""

    line: str | None = None
    city: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None

    def is_empty(self) -> bool:
        """Return True when no part of the address is filled in."""
        return not any((self.line, self.city, self.region, self.postcode, self.country))

    def one_line(self) -> str:
        """Return the address as one comma-separated line, skipping empty parts."""
        parts = (self.postcode, self.country, self.region, self.city, self.line)
        return ", ".join(p for p in parts if p)


@attrs.frozen
class ContactPoint:
    """A phone, e-mail or web site: the raw text, its normal form, and whether it is usable.

    ``value`` is the normal form (E.164 for phones, lower-case for e-mails); when the raw text
    cannot be normalised, ``value`` is ``None``, ``valid`` is False and ``problem`` says why.
    The raw text is always kept.
    """

    kind: ContactKind = attrs.field(converter=ContactKind)
    raw: str
    value: str | None = None
    problem: str | None = None

    @property
    def valid(self) -> bool:
        """Return True when the raw text was normalised into a usable value."""
        return self.value is not None


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _addresses(values: Iterable[Address]) -> tuple[Address, ...]:
    return tuple(values)


def _points(values: Iterable[ContactPoint]) -> tuple[ContactPoint, ...]:
    return tuple(values)


def _identities(values: Iterable[Identity]) -> tuple[Identity, ...]:
    return tuple(values)


@attrs.frozen
class PartyFacts:
    """What one source record says about a customer, in the generic interchange shape.

    This is the domain form of the generic customer-record format: lists are tuples,
    unknown fields stay in the raw payload of the :class:`~crmkit.domain.SourceRecord`.
    """

    external_id: str = attrs.field(converter=_strip, validator=attrs.validators.min_len(1))
    kind: CustomerKind | None = attrs.field(
        default=None, converter=attrs.converters.optional(CustomerKind)
    )
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    emails: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    phones: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    addresses: tuple[Address, ...] = attrs.field(default=(), converter=_addresses)
    identifiers: dict[str, str] = attrs.field(factory=dict)
    birth_date: dt.date | None = None
    website: str | None = None
    contact_name: str | None = None
    attributes: dict[str, Any] = attrs.field(factory=dict)
    updated_at: dt.datetime | None = attrs.field(
        default=None, converter=attrs.converters.optional(ensure_utc)
    )

    def display_name(self) -> str:
        """Return the best human-readable name the record offers."""
        if self.name:
            return self.name
        full = " ".join(p for p in (self.given_name, self.family_name) if p)
        return full or self.contact_name or self.external_id


@attrs.define(slots=False)
class Customer:
    """The golden record: one real customer, with every source identity that makes it up.

    A customer is a projection of its source records (survivorship picks each field); it is
    never edited behind their back. ``id`` is stable for as long as the cluster survives
    (``0`` for one not stored yet). ``problems`` lists source values that could not be
    normalised (an unparseable phone, an INN with a bad checksum); they are kept raw.
    """

    id: int
    kind: CustomerKind | None = attrs.field(converter=attrs.converters.optional(CustomerKind))
    name: str
    identities: tuple[Identity, ...] = attrs.field(factory=tuple, converter=_identities)
    contact_points: tuple[ContactPoint, ...] = attrs.field(factory=tuple, converter=_points)
    addresses: tuple[Address, ...] = attrs.field(factory=tuple, converter=_addresses)
    identifiers: dict[str, str] = attrs.field(factory=dict)
    birth_date: dt.date | None = None
    attributes: dict[str, Any] = attrs.field(factory=dict)
    problems: tuple[str, ...] = attrs.field(factory=tuple, converter=_texts)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    def phones(self) -> list[str]:
        """Return the customer's usable phones in E.164."""
        return [c.value for c in self.contact_points if c.kind is ContactKind.PHONE and c.value]

    def emails(self) -> list[str]:
        """Return the customer's usable e-mail addresses in normal form."""
        return [c.value for c in self.contact_points if c.kind is ContactKind.EMAIL and c.value]
