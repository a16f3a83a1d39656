"""Built-in ``incoming_call`` observer: log each ringing call with who it is (``crmkit.calls``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crmkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from crmkit.services.calls import CallerCard, IncomingCall

log = logging.getLogger("crmkit.calls")


@hookimpl(trylast=True)
def incoming_call(call: IncomingCall, card: CallerCard | None) -> None:
    """Log the call at INFO: the caller, and the customer with their open orders if known."""
    number = call.caller_e164 or call.caller
    if card is None:
        log.info("%s: incoming call from %s (unknown caller)", call.source, number)
        return
    log.info(
        "%s: incoming call from %s: customer %d %s, %d open orders",
        call.source,
        number,
        card.customer_id,
        card.name,
        len(card.open_orders),
    )
