"""Built-in order and interaction behaviour: status words, SLA defaults, observers.

The status words are what common sources send (1C in Russian, WooCommerce, Shopify, SAP,
carriers); a source's own words can be added with :meth:`crmkit.Crmkit.map_status_word`.
The observers log every order status change (logger ``crmkit.orders``) and every complaint
or poor satisfaction score (logger ``crmkit.interactions``), both at INFO; the card
section adds the customer's order and contact counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any

from crmkit.domain import Channel, OrderStatus
from crmkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from crmkit.domain import Customer, Interaction, TrackedOrder

order_log = logging.getLogger("crmkit.orders")
interaction_log = logging.getLogger("crmkit.interactions")

_S = OrderStatus
#: Source status words (case-folded, runs of spaces, ``-`` and ``_`` as one space) by status.
STATUS_WORDS: dict[str, OrderStatus] = {
    **{s.value.replace("_", " "): s for s in OrderStatus},
    # web shops (WooCommerce, Shopify, Bitrix)
    "new": _S.PLACED,
    "pending": _S.PLACED,
    "open": _S.PLACED,
    "on hold": _S.CONFIRMED,
    "accepted": _S.CONFIRMED,
    "processing": _S.PAID,
    "authorized": _S.PAID,
    "fulfilled": _S.SHIPPED,
    "dispatched": _S.SHIPPED,
    "sent": _S.SHIPPED,
    "out for delivery": _S.IN_TRANSIT,
    "in delivery": _S.IN_TRANSIT,
    "completed": _S.DELIVERED,
    "complete": _S.DELIVERED,
    "refunded": _S.RETURNED,
    "canceled": _S.CANCELLED,
    "failed": _S.CANCELLED,
    "voided": _S.CANCELLED,
    "production": _S.IN_PRODUCTION,
    "manufacturing": _S.IN_PRODUCTION,
    # 1C (УТ, КА, ERP) and Russian carriers
    "новый": _S.PLACED,
    "создан": _S.PLACED,
    "принят": _S.CONFIRMED,
    "согласован": _S.CONFIRMED,
    "подтвержден": _S.CONFIRMED,
    "подтверждён": _S.CONFIRMED,
    "к обеспечению": _S.CONFIRMED,
    "оплачен": _S.PAID,
    "к отгрузке": _S.PAID,
    "в производстве": _S.IN_PRODUCTION,
    "отгружен": _S.SHIPPED,
    "передан в доставку": _S.SHIPPED,
    "в пути": _S.IN_TRANSIT,
    "доставляется": _S.IN_TRANSIT,
    "доставлен": _S.DELIVERED,
    "вручен": _S.DELIVERED,
    "вручён": _S.DELIVERED,
    "закрыт": _S.DELIVERED,
    "возврат": _S.RETURNED,
    "возвращен": _S.RETURNED,
    "возвращён": _S.RETURNED,
    "отменен": _S.CANCELLED,
    "отменён": _S.CANCELLED,
    "отказ": _S.CANCELLED,
}

#: How long an order may stay in each open status before it counts as stuck.
DEFAULT_SLA: dict[OrderStatus, dt.timedelta] = {
    _S.PLACED: dt.timedelta(days=2),
    _S.CONFIRMED: dt.timedelta(days=3),
    _S.PAID: dt.timedelta(days=3),
    _S.IN_PRODUCTION: dt.timedelta(days=21),
    _S.SHIPPED: dt.timedelta(days=3),
    _S.IN_TRANSIT: dt.timedelta(days=14),
}

_SEPARATORS = re.compile(r"[\s_\-]+")
_POOR_CSAT = 2
_POOR_NPS = 6


def word_key(word: str) -> str:
    """Return the comparison key of a status word: case-folded, separators as one space."""
    return _SEPARATORS.sub(" ", word.casefold()).strip()


def canonical_status(word: str | None) -> OrderStatus | None:
    """Return the order status a source's status ``word`` means, or ``None`` if unknown."""
    if not word:
        return None
    return STATUS_WORDS.get(word_key(word))


@hookimpl(trylast=True)
def order_status_changed(order: TrackedOrder, previous: str | None) -> None:
    """Log the change at INFO on ``crmkit.orders``."""
    order_log.info(
        "order %s: %s -> %s (%s)",
        order.number,
        previous or "new",
        order.status.value if order.status else "unknown",
        order.status_word,
    )


@hookimpl(trylast=True)
def interaction_recorded(interaction: Interaction) -> None:
    """Log complaints and poor CSAT/NPS scores at INFO on ``crmkit.interactions``."""
    poor = (interaction.csat is not None and interaction.csat <= _POOR_CSAT) or (
        interaction.nps is not None and interaction.nps <= _POOR_NPS
    )
    if interaction.channel is Channel.COMPLAINT or poor:
        interaction_log.info(
            "%s %s/%s: %s (csat %s, nps %s)",
            interaction.channel.value,
            interaction.source,
            interaction.external_id,
            interaction.subject or "no subject",
            interaction.csat,
            interaction.nps,
        )


@hookimpl(trylast=True)
def customer_card(customer: Customer, card: dict[str, Any]) -> None:  # noqa: ARG001
    """Add ``summary`` to a card with orders or interactions: counts and average CSAT."""
    if not card.get("orders") and not card.get("interactions"):
        return
    orders = card.get("orders") or []
    interactions = card.get("interactions") or []
    scores = [i["csat"] for i in interactions if i.get("csat") is not None]
    card["summary"] = {
        "open orders": sum(1 for o in orders if o.get("open")),
        "orders with anomalies": sum(1 for o in orders if o.get("anomalies")),
        "interactions": len(interactions),
        "average csat": round(sum(scores) / len(scores), 2) if scores else None,
    }
