"""Caller lookup: who is calling, as a short card built in milliseconds from indexed keys.

The short card is what a screen pop shows while the phone rings: the customer's id, name,
segment (when one is kept), open orders with their status and the last few interactions.
It is read through the same lookup keys as the full card (``customer_keys``), so a number
in any format (``8 (495) 123-45-67``, ``+74951234567``, ``74951234567``) finds the customer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.domain import ContactKind, ensure_utc
from crmkit.store.interactions import customer_activity

if TYPE_CHECKING:
    from crmkit.api import Crmkit
    from crmkit.domain import Customer, Interaction, TrackedOrder

#: How many interactions the short card shows.
LAST_INTERACTIONS = 5
#: How many of the newest orders are read to find the open ones.
ORDERS_READ = 50
#: Customer attributes that hold a segment, in the order they are looked for.
SEGMENT_ATTRIBUTES = ("segment", "abc_segment", "rfm_segment", "customer_segment")


@attrs.frozen
class OpenOrder:
    """An order on a caller's short card that is not yet delivered, returned or cancelled."""

    number: str
    status: str | None
    placed_at: dt.datetime | None


@attrs.frozen
class RecentInteraction:
    """One of the caller's last interactions, as the short card shows it."""

    at: dt.datetime
    channel: str
    direction: str
    outcome: str | None
    subject: str | None
    source: str


@attrs.frozen
class CallerCard:
    """The short card of a caller: who they are, what is open, what happened lately.

    ``phone`` is the number asked about in E.164 form (or as given when it cannot be read);
    ``segment`` is ``None`` when the customer has none; ``others`` lists the ids of other
    customers on the same number (a household or a switchboard), if any.
    """

    customer_id: int
    name: str
    phone: str
    segment: str | None = None
    open_orders: tuple[OpenOrder, ...] = ()
    last_interactions: tuple[RecentInteraction, ...] = ()
    others: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the card as JSON-ready data; ``segment`` is left out when there is none."""
        data: dict[str, Any] = {"customer_id": self.customer_id, "name": self.name}
        if self.segment is not None:
            data["segment"] = self.segment
        data["phone"] = self.phone
        data["open_orders"] = [
            {
                "number": o.number,
                "status": o.status,
                "placed_at": o.placed_at.isoformat() if o.placed_at else None,
            }
            for o in self.open_orders
        ]
        data["last_interactions"] = [
            {
                "at": i.at.isoformat(),
                "channel": i.channel,
                "direction": i.direction,
                "outcome": i.outcome,
                "subject": i.subject,
                "source": i.source,
            }
            for i in self.last_interactions
        ]
        if self.others:
            data["others"] = list(self.others)
        return data


@attrs.frozen
class IncomingCall:
    """A call ringing now, as a phone system reports it to the ``incoming_call`` hook.

    ``caller`` is the calling number as the phone system gave it; ``caller_e164`` the same
    number in E.164 form when it could be read; ``called`` the number or extension dialled;
    ``call_id`` the phone system's id of the call (an Asterisk Uniqueid, a Twilio CallSid).
    """

    source: str
    caller: str
    at: dt.datetime = attrs.field(converter=ensure_utc)
    called: str | None = None
    call_id: str | None = None
    caller_e164: str | None = None


def segment_of(customer: Customer) -> str | None:
    """Return the customer's segment from its attributes, or ``None`` when none is kept."""
    for name in SEGMENT_ATTRIBUTES:
        value = customer.attributes.get(name)
        if value not in (None, ""):
            return str(value)
    return None


def _regions(crm: Crmkit, region: str | None) -> list[str | None]:
    """Return the regions to read a number in: the given one, the default, then sources'."""
    regions: list[str | None] = [region.upper() if region else crm.default_region]
    for known in sorted(set(crm.source_regions().values())):
        if known not in regions:
            regions.append(known)
    return regions


def callers(crm: Crmkit, phone: str, region: str | None = None) -> tuple[str, list[Customer]]:
    """Return ``(number in E.164 or as given, customers on it)`` for a phone in any format.

    The number is read in ``region`` (default: the instance's default region), then in each
    source's region, until one reading finds someone.
    """
    shown = phone.strip()
    for candidate in _regions(crm, region):
        point = crm.normalizer.contact(ContactKind.PHONE, phone, candidate)
        if not point.value:
            continue
        shown = point.value
        found = crm.customer_store.find_by_key("phone", point.value)
        if found:
            return point.value, found
    return shown, []


def _open_orders(orders: list[TrackedOrder]) -> tuple[OpenOrder, ...]:
    return tuple(
        OpenOrder(
            number=o.number,
            status=o.status.value if o.status else o.status_word,
            placed_at=o.placed_at,
        )
        for o in orders
        if o.is_open
    )


def _recent(interactions: list[Interaction]) -> tuple[RecentInteraction, ...]:
    return tuple(
        RecentInteraction(
            at=i.occurred_at,
            channel=i.channel.value,
            direction=i.direction.value,
            outcome=i.outcome,
            subject=i.subject,
            source=i.source,
        )
        for i in interactions
    )


def caller_card(crm: Crmkit, phone: str, region: str | None = None) -> CallerCard | None:
    """Return the short card of the customer on ``phone`` (any format), or ``None``.

    Reads only the lookup keys and the customer's newest orders and interactions, so it
    answers in milliseconds. When several customers share the number, the card is the one
    with the lowest id and ``others`` names the rest.
    """
    number, found = callers(crm, phone, region)
    if not found:
        return None
    crm.project()
    customer, *rest = sorted(found, key=lambda c: c.id)
    orders, interactions = customer_activity(
        crm.database, customer.id, ORDERS_READ, LAST_INTERACTIONS
    )
    return CallerCard(
        customer_id=customer.id,
        name=customer.name,
        phone=number,
        segment=segment_of(customer),
        open_orders=_open_orders(orders),
        last_interactions=_recent(interactions),
        others=tuple(c.id for c in rest),
    )


def announce_call(crm: Crmkit, call: IncomingCall) -> CallerCard | None:
    """Look the caller of ``call`` up and call the ``incoming_call`` hook; return the card.

    The hook is called with ``card=None`` for an unknown number, so a screen pop can offer
    to create the customer.
    """
    card = caller_card(crm, call.caller)
    number, _ = callers(crm, call.caller) if card is None else (card.phone, [])
    known = attrs.evolve(call, caller_e164=number if number.startswith("+") else None)
    crm.hook.incoming_call(call=known, card=card)
    return card
