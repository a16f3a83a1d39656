"""Which of crmkit's orders go to 1C on ``mode=query``, and under which counterparty.

An order goes to 1C when one of the ``query_sources`` (web shops) knows it, no 1C source
does, and 1C has not confirmed it yet. Its buyer is run through identity resolution first:
when the order's golden customer has an identity in a 1C source (a counterparty 1C sent or
that the ``1c-odata`` adapter read), the document names that counterparty's ``Ид``, so 1C
attaches the order to the counterparty it already has instead of creating a duplicate; a
buyer 1C does not know yet gets ``crmkit-<customer id>``, the same for all their orders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from crmkit_1c.commerceml.writer import Line, OrderDocument, Party

if TYPE_CHECKING:
    from crmkit.api import Crmkit
    from crmkit.domain import Customer, Order, TrackedOrder


def outgoing_orders(
    crm: Crmkit,
    *,
    query_sources: tuple[str, ...],
    onec_sources: tuple[str, ...],
    already_sent: set[str],
    limit: int,
) -> dict[str, OrderDocument]:
    """Return the orders to send 1C, by their send key (``source/external_id``)."""
    found: dict[str, OrderDocument] = {}
    for tracked in crm.orders(limit=limit):
        if any(n.source in onec_sources for n in tracked.numbers):
            continue
        order = next((o for o in tracked.orders if o.source in query_sources), None)
        if order is None:
            continue
        key = f"{order.source}/{order.external_id}"
        if key in already_sent:
            continue
        customers = crm.order_customers(tracked)
        found[key] = _document(tracked, order, _buyer(order, customers, onec_sources))
    return found


def _buyer(order: Order, customers: list[Customer], onec_sources: tuple[str, ...]) -> Party:
    """Return the counterparty 1C should attach the order to."""
    if len(customers) == 1:
        customer = customers[0]
        known = next((i for i in customer.identities if i.source in onec_sources), None)
        return Party(
            id=known.external_id if known else f"crmkit-{customer.id}",
            name=customer.name,
            inn=customer.identifiers.get("inn"),
            kpp=customer.identifiers.get("kpp"),
            phones=tuple(customer.phones()),
            emails=tuple(customer.emails()),
            address=customer.addresses[0].one_line() if customer.addresses else None,
        )
    ref = order.customer_ref.external_id if order.customer_ref else order.external_id
    return Party(
        id=f"{order.source}-{ref}",
        name=order.contact_name or ref,
        phones=tuple(p for p in [order.contact_phone] if p),
        emails=tuple(e for e in [order.contact_email] if e),
    )


def _document(tracked: TrackedOrder, order: Order, buyer: Party) -> OrderDocument:
    lines = tuple(
        Line(
            id=line.sku or f"line-{n}",
            name=line.name or line.sku or f"line {n}",
            price=str(line.price.amount),
            quantity=str(line.quantity),
            amount=str(line.total.amount),
        )
        for n, line in enumerate(order.lines, start=1)
    )
    total = (
        order.total.amount
        if order.total
        else sum((Decimal(line.amount) for line in lines), Decimal(0))
    )
    currency = order.total.currency if order.total else "RUB"
    status = tracked.status.value if tracked.status else None
    return OrderDocument(
        id=order.external_id,
        number=order.display_number,
        placed_at=order.placed_at,
        currency=currency,
        total=str(total),
        buyer=buyer,
        lines=lines,
        status=order.status_word or tracked.status_word,
        cancelled=status == "cancelled",
        shipping_address=order.shipping_address.one_line() if order.shipping_address else None,
    )
