"""Interactions as a use case: build the generic record for one recorded through the API."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from crmkit.domain import Channel, Direction, ensure_utc

if TYPE_CHECKING:
    import datetime as dt


def interaction_record(
    *,
    channel: str,
    direction: str,
    occurred_at: dt.datetime,
    external_id: str | None = None,
    customer_external_id: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    duration_seconds: int | None = None,
    subject: str | None = None,
    agent: str | None = None,
    outcome: str | None = None,
    order_number: str | None = None,
    csat: int | None = None,
    nps: int | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return one interaction in the generic format (JSON-ready), for ingesting.

    ``external_id`` defaults to a new UUID; ``channel`` and ``direction`` are checked here,
    the rest by the format's schema when ingested.
    """
    customer: dict[str, Any] = {}
    if customer_external_id:
        customer["external_id"] = customer_external_id
    if phone:
        customer["phones"] = [phone]
    if email:
        customer["emails"] = [email]
    record: dict[str, Any] = {
        **(extra or {}),
        "external_id": external_id or str(uuid.uuid4()),
        "channel": Channel(channel).value,
        "direction": Direction(direction).value,
        "occurred_at": ensure_utc(occurred_at).isoformat(),
    }
    optional = {
        "customer": customer or None,
        "duration_seconds": duration_seconds,
        "subject": subject,
        "agent": agent,
        "outcome": outcome,
        "order_number": order_number,
        "csat": csat,
        "nps": nps,
    }
    record.update({k: v for k, v in optional.items() if v is not None})
    return record
