"""A card plugin: adds a loyalty section from the customer's attributes."""

from __future__ import annotations

import crmkit


@crmkit.hookimpl
def customer_card(customer, card):
    """Add ``loyalty`` with the tier from the ``loyalty_tier`` attribute."""
    card["loyalty"] = {
        "tier": customer.attributes.get("loyalty_tier", "none"),
        "sources": len(customer.identities),
    }
