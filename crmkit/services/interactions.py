"""Interactions as a use case: build the generic record for one recorded through the API."""

from __future__ import annotations

import datetime as dt  # noqa: TC003 - the TypedDict's annotations are resolved at run time
import uuid
from typing import Any, TypedDict, Unpack

from crmkit.domain import Channel, Direction, ensure_utc


class _RequiredInteractionFields(TypedDict):
    channel: str
    direction: str
    occurred_at: dt.datetime


class InteractionFields(_RequiredInteractionFields, total=False):
    """The keyword arguments of one interaction recorded through the API.

    ``channel``, ``direction`` and an aware ``occurred_at`` are required; the rest may be
    left out. See ``interaction_record`` in the same module for what each becomes.
    """

    external_id: str | None
    customer_external_id: str | None
    phone: str | None
    email: str | None
    duration_seconds: int | None
    subject: str | None
    agent: str | None
    outcome: str | None
    order_number: str | None
    csat: int | None
    nps: int | None


_OPTIONAL = ("duration_seconds", "subject", "agent", "outcome", "order_number", "csat", "nps")


def check_fields(fields: dict[str, Any], caller: str) -> None:
    """Raise :class:`TypeError` naming ``caller`` when ``fields`` miss or add a field."""
    required = InteractionFields.__required_keys__
    known = required | InteractionFields.__optional_keys__
    missing = sorted(required - fields.keys())
    unknown = sorted(fields.keys() - known)
    if missing:
        raise TypeError(f"{caller}() missing keyword arguments: {', '.join(missing)}")
    if unknown:
        raise TypeError(f"{caller}() got unexpected keyword arguments: {', '.join(unknown)}")


def interaction_record(
    *, extra: dict[str, Any] | None = None, **fields: Unpack[InteractionFields]
) -> dict[str, Any]:
    """Return one interaction in the generic format (JSON-ready), for ingesting.

    ``external_id`` defaults to a new UUID; ``customer_external_id``, ``phone`` and
    ``email`` name the customer; ``channel`` and ``direction`` are checked here, the rest
    by the format's schema when ingested. ``extra`` adds further fields of the format.
    Raises :class:`TypeError` for a missing or unknown field.
    """
    values: dict[str, Any] = dict(fields)
    check_fields(values, "interaction_record")
    customer: dict[str, Any] = {}
    if values.get("customer_external_id"):
        customer["external_id"] = values["customer_external_id"]
    if values.get("phone"):
        customer["phones"] = [values["phone"]]
    if values.get("email"):
        customer["emails"] = [values["email"]]
    record: dict[str, Any] = {
        **(extra or {}),
        "external_id": values.get("external_id") or str(uuid.uuid4()),
        "channel": Channel(values["channel"]).value,
        "direction": Direction(values["direction"]).value,
        "occurred_at": ensure_utc(values["occurred_at"]).isoformat(),
    }
    optional = {"customer": customer or None, **{name: values.get(name) for name in _OPTIONAL}}
    record.update({k: v for k, v in optional.items() if v is not None})
    return record
