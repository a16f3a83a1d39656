"""Interactions: one contact with a customer on one channel."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from crmkit.domain.common import ensure_utc
from crmkit.domain.customers import Identity


class Channel(enum.StrEnum):
    """The channel an interaction happened on."""

    PHONE = "phone"
    EMAIL = "email"
    MEETING = "meeting"
    WEB = "web"
    CHAT = "chat"
    SMS = "sms"
    LETTER = "letter"
    COMPLAINT = "complaint"


class Direction(enum.StrEnum):
    """Who started the contact: the customer (``in``) or the company (``out``)."""

    IN = "in"
    OUT = "out"


@attrs.frozen
class Interaction:
    """One contact on one channel, linked to the source identity that recorded it.

    ``customer_ref`` is the source's own customer id when it gave one; otherwise the contact
    facts (``phone`` in E.164, ``email`` in normal form) link the interaction to whichever
    customer holds them when it is read, so it follows later merges and unmerges. ``csat``
    (1-5) and ``nps`` (0-10) are satisfaction scores, where given.
    """

    source: str
    external_id: str
    channel: Channel = attrs.field(converter=Channel)
    direction: Direction = attrs.field(converter=Direction)
    occurred_at: dt.datetime = attrs.field(converter=ensure_utc)
    duration_seconds: int | None = None
    customer_ref: Identity | None = None
    phone: str | None = None
    email: str | None = None
    subject: str | None = None
    agent: str | None = None
    outcome: str | None = None
    order_number: str | None = None
    csat: int | None = None
    nps: int | None = None
