"""The generic interaction format and its translation into the domain.

What the built-in ``jsonl`` and ``csv`` adapters read with ``--stream interactions``, what
:meth:`crmkit.Crmkit.record_interaction` builds, and what any adapter may map into (see
``docs/orders.md``). Unknown fields stay in the raw payload; ``null`` counts as absent.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from crmkit.domain import Channel, Direction, Identity, Interaction
from crmkit.schemas.fields import UtcDateTime
from crmkit.schemas.orders import CustomerRefSchema, _Lenient

_ID_RULES = [
    validate.Regexp(r"^\s*\S", error="must not be blank"),
    validate.Length(max=255, error="longer than 255 characters"),
]


def _text() -> fields.String:
    return fields.String(load_default=None, allow_none=True)


class InteractionRecordSchema(_Lenient):
    """The generic interaction record: one contact with a customer on one channel."""

    external_id = fields.String(required=True, validate=_ID_RULES)
    channel = fields.String(required=True, validate=validate.OneOf([c.value for c in Channel]))
    direction = fields.String(required=True, validate=validate.OneOf([d.value for d in Direction]))
    occurred_at = UtcDateTime(required=True)
    duration_seconds = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0)
    )
    customer = fields.Nested(CustomerRefSchema, load_default=None, allow_none=True)
    subject = _text()
    agent = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    outcome = _text()
    order_number = fields.String(load_default=None, allow_none=True, validate=_ID_RULES)
    csat = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1, max=5)
    )
    nps = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0, max=10)
    )


def interaction_from_record(
    source: str, data: dict[str, Any], *, phone: str | None = None, email: str | None = None
) -> Interaction:
    """Return the domain :class:`Interaction` of a loaded interaction record from ``source``.

    ``phone`` and ``email`` are the customer's contact facts in normal form, if any.
    """
    customer = data.get("customer") or {}
    return Interaction(
        source=source,
        external_id=data["external_id"].strip(),
        channel=data["channel"],
        direction=data["direction"],
        occurred_at=data["occurred_at"],
        duration_seconds=data.get("duration_seconds"),
        customer_ref=(
            Identity(source, customer["external_id"]) if customer.get("external_id") else None
        ),
        phone=phone,
        email=email,
        subject=data.get("subject"),
        agent=data.get("agent"),
        outcome=data.get("outcome"),
        order_number=(data.get("order_number") or "").strip() or None,
        csat=data.get("csat"),
        nps=data.get("nps"),
    )


def interaction_document(interaction: Interaction) -> dict[str, Any]:
    """Return an interaction as JSON-ready data, as the customer card shows it."""
    ref = interaction.customer_ref
    return {
        "source": interaction.source,
        "external_id": interaction.external_id,
        "channel": interaction.channel.value,
        "direction": interaction.direction.value,
        "at": interaction.occurred_at.isoformat(),
        "duration_seconds": interaction.duration_seconds,
        "subject": interaction.subject,
        "agent": interaction.agent,
        "outcome": interaction.outcome,
        "order_number": interaction.order_number,
        "csat": interaction.csat,
        "nps": interaction.nps,
        "customer": str(ref) if ref else None,
        "phone": interaction.phone,
        "email": interaction.email,
    }
