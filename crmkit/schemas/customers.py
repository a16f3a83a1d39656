"""The generic customer-record interchange format and the customer export format.

The record format is what the built-in ``jsonl`` and ``csv`` adapters read and what any
adapter may map into (see ``docs/formats.md``). Unknown fields are allowed and stay in the
record's raw payload; ``null`` counts as absent.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from crmkit.domain import Address, Customer, CustomerKind, PartyFacts
from crmkit.schemas.fields import UtcDateTime


def _optional_text() -> fields.String:
    return fields.String(load_default=None, allow_none=True)


def _text_list() -> fields.List[str]:
    return fields.List(fields.String(), load_default=list, allow_none=True)


class AddressSchema(Schema):
    """One postal address: ``line``, ``city``, ``region``, ``postcode``, ``country``."""

    class Meta:
        """Unknown address keys are ignored (they remain in the raw payload)."""

        unknown = EXCLUDE

    line = _optional_text()
    city = _optional_text()
    region = _optional_text()
    postcode = _optional_text()
    country = _optional_text()

    @post_load
    def make_address(self, data: dict[str, Any], **_: Any) -> Address:
        """Return the loaded address as a domain :class:`Address`."""
        return Address(**data)


class CustomerRecordSchema(Schema):
    """The generic customer record: what one source says about one customer."""

    class Meta:
        """Unknown fields are ignored here and kept in the raw payload."""

        unknown = EXCLUDE

    external_id = fields.String(
        required=True,
        validate=[
            validate.Regexp(r"^\s*\S", error="must not be blank"),
            validate.Length(max=255, error="longer than 255 characters"),
        ],
    )
    kind = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([k.value for k in CustomerKind]),
    )
    name = _optional_text()
    given_name = _optional_text()
    family_name = _optional_text()
    emails = _text_list()
    phones = _text_list()
    addresses = fields.List(fields.Nested(AddressSchema), load_default=list, allow_none=True)
    identifiers = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict, allow_none=True
    )
    birth_date = fields.Date(load_default=None, allow_none=True)
    website = _optional_text()
    contact_name = _optional_text()
    attributes = fields.Dict(keys=fields.String(), load_default=dict, allow_none=True)
    updated_at = UtcDateTime(load_default=None, allow_none=True)

    @post_load
    def make_facts(self, data: dict[str, Any], **_: Any) -> PartyFacts:
        """Return the loaded record as domain :class:`PartyFacts` (``null`` lists become empty)."""
        for key in ("emails", "phones", "addresses"):
            data[key] = [v for v in data[key] or () if v is not None]
        for key in ("identifiers", "attributes"):
            data[key] = data[key] or {}
        return PartyFacts(**data)


class IdentitySchema(Schema):
    """A ``{source, external_id}`` pair."""

    source = fields.String()
    external_id = fields.String()


class CustomerExportSchema(Schema):
    """One golden customer as ``crmkit customers export`` writes it."""

    id = fields.Integer()
    kind = fields.Function(lambda c: c.kind.value if c.kind else None)
    name = fields.String()
    phones = fields.Function(lambda c: c.phones())
    emails = fields.Function(lambda c: c.emails())
    addresses = fields.List(fields.Nested(AddressSchema))
    identifiers = fields.Dict(keys=fields.String(), values=fields.String())
    birth_date = fields.Date(allow_none=True)
    attributes = fields.Dict()
    identities = fields.List(fields.Nested(IdentitySchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()

    def dump_customer(self, customer: Customer) -> dict[str, Any]:
        """Return ``customer`` as a JSON-ready dict."""
        result: dict[str, Any] = self.dump(customer)
        return result
