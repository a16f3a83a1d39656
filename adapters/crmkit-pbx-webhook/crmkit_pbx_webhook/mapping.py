"""A finished call's status callback as a call interaction in crmkit's generic format."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmkit_pbx_webhook.providers import CallEvent

_OUTCOMES = {
    ("completed", "in"): "answered",
    ("completed", "out"): "answered",
    ("busy", "in"): "busy",
    ("busy", "out"): "busy",
    ("failed", "in"): "failed",
    ("failed", "out"): "failed",
    ("no-answer", "in"): "missed",
    ("no-answer", "out"): "no answer",
    ("canceled", "in"): "missed",
    ("canceled", "out"): "canceled",
}


def outcome(event: CallEvent) -> str:
    """Return the interaction outcome of a final call status (``missed`` for unanswered in)."""
    return _OUTCOMES.get((event.status, event.direction), event.status)


def started_at(event: CallEvent, received_at: dt.datetime) -> dt.datetime:
    """Return when the call began: the status time less the call's duration, where known.

    Without a ``Timestamp``, the time the callback was received stands in for it.
    """
    at = event.at or received_at
    if event.duration_seconds and event.status == "completed":
        return at - dt.timedelta(seconds=event.duration_seconds)
    return at


def call_record(event: CallEvent, provider: str, received_at: dt.datetime) -> dict[str, Any]:
    """Return the interaction record of a call that ended with ``event``.

    The customer is the outside party's raw number (crmkit normalises it with the source's
    region); ``call`` keeps the provider's own ids and both numbers.
    """
    talk = event.duration_seconds if event.status == "completed" else 0
    customer: dict[str, Any] = {}
    if event.customer:
        customer["phones"] = [event.customer]
    if event.caller_name and event.direction == "in":
        customer["name"] = event.caller_name
    record: dict[str, Any] = {
        "external_id": event.call_id,
        "channel": "phone",
        "direction": event.direction,
        "occurred_at": started_at(event, received_at).isoformat(),
        "outcome": outcome(event),
    }
    if customer:
        record["customer"] = customer
    if talk is not None:
        record["duration_seconds"] = talk
    agent = event.called if event.direction == "in" else event.caller
    if agent:
        record["agent"] = agent[:200]
    record["call"] = {
        key: value
        for key, value in {
            "provider": provider,
            "status": event.status,
            "from": event.caller,
            "to": event.called,
            "ended_at": event.at.isoformat() if event.at else None,
            "parent_id": event.parent_id,
            "account": event.account,
        }.items()
        if value
    }
    return record
