"""A card section as a crmkit plugin: the customer's open debts, computed from their orders.

An order is a debt when the goods have gone out (shipped, in transit or delivered) and no
system has reported it paid, and it was neither cancelled nor returned. The ``open_debts``
section says how much is owed in each currency, for which orders, and since when; amounts
are exact decimals, never floats, and two currencies are never added together.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import crmkit

SECTION = "open_debts"
GOODS_OUT = frozenset({"shipped", "in_transit", "delivered"})
SETTLED = frozenset({"cancelled", "returned"})


def is_debt(order: dict[str, Any]) -> bool:
    """Return True for an order of the card whose goods went out and that nobody reported paid."""
    statuses = {event["status"] for event in order["events"]} | {order["status"]}
    return (
        order["total"] is not None
        and order["status"] not in SETTLED
        and bool(statuses & GOODS_OUT)
        and "paid" not in statuses
    )


@crmkit.hookimpl
def customer_card(card: dict[str, Any]) -> None:
    """Add ``open_debts`` when the customer owes money: ``owed`` per currency, the orders, since.

    ``owed`` maps each currency to the exact amount owed in it, as a decimal string;
    ``orders`` are the unpaid orders' numbers, oldest first; ``since`` is when the oldest was
    placed. The card holds the customer's 50 most recent orders, so older debts are not seen.
    """
    debts = sorted((o for o in card.get("orders", ()) if is_debt(o)), key=lambda o: o["placed_at"])
    if not debts:
        return
    owed: dict[str, Decimal] = {}
    for order in debts:
        currency = order["total"]["currency"]
        owed[currency] = owed.get(currency, Decimal(0)) + Decimal(order["total"]["amount"])
    card[SECTION] = {
        "owed": {currency: str(amount) for currency, amount in sorted(owed.items())},
        "orders": [order["number"] for order in debts],
        "since": debts[0]["placed_at"],
    }
