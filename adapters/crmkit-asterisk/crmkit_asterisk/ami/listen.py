"""Record calls live from AMI into a crmkit database, with a screen pop for each caller."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import attrs

from crmkit.domain import DeadLetter

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.api import Crmkit
    from crmkit_asterisk.ami.adapter import AmiAdapter
    from crmkit_asterisk.ami.calls import Ringing

log = logging.getLogger("crmkit_asterisk.ami")


@attrs.define
class ListenReport:
    """What a listening session did: calls announced, recorded and dead-lettered."""

    announced: int = 0
    recorded: int = 0
    dead_lettered: int = 0


def listen(
    crm: Crmkit,
    adapter: AmiAdapter,
    *,
    seconds: float | None = None,
    max_calls: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> ListenReport:
    """Listen to AMI: announce each ringing incoming call, record each call that ends.

    Runs for ``seconds`` (``None``: until ``stop()`` or an interrupt), reconnecting when
    Asterisk goes away. Each caller is looked up and passed with the short card to the
    ``incoming_call`` hook; each finished call is stored as an interaction of
    ``adapter.source`` at once (a bad one becomes a dead letter).
    """
    report = ListenReport()

    def ringing(call: Ringing) -> None:
        crm.announce_call(
            adapter.source, call.caller, called=call.called, call_id=call.call_id, at=call.at
        )
        report.announced += 1

    for item in adapter.calls(seconds=seconds, max_calls=max_calls, stop=stop, on_ringing=ringing):
        if item.data is None:
            letter = DeadLetter(
                adapter.source,
                "interactions",
                item.raw,
                item.error or "not a call",
                position=item.position,
            )
            with crm.records.transaction() as session:
                session.add_dead_letters([letter])
            log.warning("%s: %s: %s", adapter.source, item.position, letter.reason)
            report.dead_lettered += 1
            continue
        outcome = crm.ingest_interactions(adapter.source, [item.data])
        report.recorded += outcome.new + outcome.changed
        report.dead_lettered += outcome.dead_lettered
    return report
