"""Orders and interactions as use cases: project their records, judge orders' anomalies.

Source records stay the truth. A projection pass reads every order, order-event and
interaction record stored since the last pass (a mark in ``crmkit_state``, advanced in the
same transaction as the rows it covers), turns each into a row of the projection, and
re-derives the status of every order it touched. The card links orders and interactions
to customers when it reads them; each row's customer is also stored for the analytics, set
here and refreshed when identity resolution rewrites customers
(:mod:`crmkit.store.customer_links`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from crmkit.builtins.orders import DEFAULT_SLA, canonical_status, word_key
from crmkit.domain import (
    ContactKind,
    Interaction,
    Order,
    OrderStatus,
    Stream,
    TrackedOrder,
    utc_now,
)
from crmkit.domain.orders import with_anomalies
from crmkit.errors import RecordError
from crmkit.identity.normalize import Normalizer
from crmkit.schemas import RecordValidator
from crmkit.schemas.interactions import interaction_from_record
from crmkit.schemas.orders import event_from_record, order_from_record
from crmkit.store.interactions import interaction_row, put_interactions
from crmkit.store.order_projection import event_row
from crmkit.store.orders import load_tracked

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.domain import Address, AddressVersion
    from crmkit.store.order_projection import SqlOrderSession
    from crmkit.store.orders import SqlOrderStore

log = logging.getLogger("crmkit.orders")

#: The id of the newest source record the projection has covered.
PROJECTION_MARK = "projection:last_record_id"
#: Where a status's SLA (seconds) and a source's own status words are kept in crmkit_state.
SLA_STATE = "order-sla:"
STATUS_WORD_STATE = "status-word:"
PROJECTION_BATCH = 2000
_LOCK = "crmkit:projection"
_WORD = re.compile(r"\w+")


@attrs.define
class ProjectionReport:
    """What a projection pass did, in counts: rows written, records left out, changes.

    Counts only, so that a pass over millions of records stays small in memory.
    """

    orders: int = 0
    events: int = 0
    interactions: int = 0
    skipped: int = 0
    status_changes: int = 0
    new_interactions: int = 0

    def add(self, other: ProjectionReport) -> None:
        """Add another report's counts to this one."""
        for field in attrs.fields(ProjectionReport):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@attrs.define
class _Batch:
    """One batch's counts, and what its observers are told after it commits."""

    report: ProjectionReport = attrs.field(factory=ProjectionReport)
    changed: list[tuple[TrackedOrder, str | None]] = attrs.field(factory=list)
    recorded: list[Interaction] = attrs.field(factory=list)


@attrs.frozen
class ProjectionContext:
    """What a projection pass needs besides the store: validators, normaliser, mappings."""

    validators: dict[Stream, RecordValidator]
    normalizer: Normalizer
    regions: dict[str, str]
    default_region: str | None
    status_words: dict[str, dict[str, OrderStatus]]

    def status(self, source: str, word: str | None) -> OrderStatus | None:
        """Return the canonical status of ``source``'s ``word``: its own mapping first."""
        if not word:
            return None
        own = self.status_words.get(source, {}).get(word_key(word))
        return own or canonical_status(word)

    def contact(
        self, source: str, customer: dict[str, Any] | None
    ) -> tuple[str | None, str | None]:
        """Return the first usable phone (E.164) and e-mail of a customer reference."""
        customer = customer or {}
        region = self.regions.get(source, self.default_region)
        phone = next(
            (
                p.value
                for p in (
                    self.normalizer.contact(ContactKind.PHONE, raw, region)
                    for raw in customer.get("phones") or ()
                )
                if p.value
            ),
            None,
        )
        email = next(
            (
                p.value
                for p in (
                    self.normalizer.contact(ContactKind.EMAIL, raw)
                    for raw in customer.get("emails") or ()
                )
                if p.value
            ),
            None,
        )
        return phone, email


def _last_per_key(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return ``rows`` with one row per ``(source, external_id)``: the last one given."""
    return list({(r["source"], r["external_id"]): r for r in rows}.values())


def _project_batch(
    session: SqlOrderSession, records: list[Any], context: ProjectionContext
) -> _Batch:
    batch = _Batch()
    report = batch.report
    touched: set[int] = set()
    placed: list[tuple[Order, int]] = []
    events: list[dict[str, Any]] = []
    interactions: list[dict[str, Any]] = []
    built: dict[tuple[str, str], Interaction] = {}
    for record in records:
        stream = Stream(record.stream)
        try:
            data = context.validators[stream].load(msgspec.json.decode(record.json))
        except (msgspec.DecodeError, RecordError) as exc:
            log.warning(
                "%s record %s/%s no longer loads and is left out: %s",
                stream.value,
                record.source,
                record.external_id,
                exc,
            )
            report.skipped += 1
            continue
        if stream is Stream.ORDERS:
            phone, email = context.contact(record.source, data.get("customer"))
            order = order_from_record(
                record.source,
                data,
                record.received_at,
                status=context.status(record.source, data.get("status")),
                phone=phone,
                email=email,
            )
            placed.append((order, record.id))
        elif stream is Stream.ORDER_EVENTS:
            status = context.status(record.source, data["status"])
            events.append(event_row(event_from_record(record.source, data, status), record.id))
        else:
            phone, email = context.contact(record.source, data.get("customer"))
            interaction = interaction_from_record(record.source, data, phone=phone, email=email)
            built[(interaction.source, interaction.external_id)] = interaction
            interactions.append(interaction_row(interaction, record.id))
    if placed:
        touched |= session.put_orders(placed)
        report.orders = len(placed)
    if events:
        events = _last_per_key(events)
        touched |= session.put_events(events)
        report.events = len(events)
    if interactions:
        interactions = _last_per_key(interactions)
        new = put_interactions(session.conn, interactions)
        session.link_interactions([(r["source"], r["external_id"]) for r in interactions])
        report.interactions = len(interactions)
        batch.recorded = [built[key] for key in sorted(new)]
        report.new_interactions = len(new)
    tracked = list(load_tracked(session.conn, sorted(touched)).values())
    before = session.set_statuses(tracked)
    for item in tracked:
        previous = before.get(item.key)
        if previous != (item.status.value if item.status else None):
            batch.changed.append((item, previous))
    report.status_changes = len(batch.changed)
    return batch


def project(
    store: SqlOrderStore,
    context: ProjectionContext,
    *,
    on_changed: Callable[[TrackedOrder, str | None], None] | None = None,
    on_recorded: Callable[[Interaction], None] | None = None,
    batch: int = PROJECTION_BATCH,
    full: bool = False,
) -> ProjectionReport:
    """Project every order, event and interaction record stored since the last pass.

    Each batch commits with the mark that covers it, so a pass that fails half-way resumes
    where it stopped. Observers are told after each commit. With ``full``, every record is
    projected again (rows are upserted, so this only refreshes them: after a new status-word
    mapping, or to pick up a record a concurrent writer committed late). Returns the totals.
    """
    total = ProjectionReport()
    while True:
        with store.transaction() as session:
            session.lock(_LOCK)
            mark = 0 if full else int(session.state.get_state(PROJECTION_MARK) or 0)
            full = False
            newest = session.last_record_id()
            if newest <= mark:
                return total
            records = session.records(mark, newest, batch)
            done = _project_batch(session, records, context)
            covered = records[-1].id if len(records) == batch else newest
            session.state.set_state(PROJECTION_MARK, str(covered))
        total.add(done.report)
        if on_changed is not None:
            for tracked, before in done.changed:
                on_changed(tracked, before)
        if on_recorded is not None:
            for interaction in done.recorded:
                on_recorded(interaction)


def sla_from_states(states: dict[str, str]) -> dict[OrderStatus, dt.timedelta]:
    """Return the per-status SLA: the defaults, overridden by stored ``order-sla:`` values."""
    sla = dict(DEFAULT_SLA)
    for status, seconds in states.items():
        sla[OrderStatus(status)] = dt.timedelta(seconds=float(seconds))
    return sla


def status_words_from_states(states: dict[str, str]) -> dict[str, dict[str, OrderStatus]]:
    """Return ``{source: {word key: status}}`` from stored ``status-word:SOURCE:WORD`` values."""
    words: dict[str, dict[str, OrderStatus]] = {}
    for name, status in states.items():
        source, _, word = name.partition(":")
        words.setdefault(source, {})[word] = OrderStatus(status)
    return words


def address_key(address: Address) -> str:
    """Return a comparison key for an address: postcode, city and line, words only."""
    text = " ".join(p for p in (address.postcode, address.city, address.line) if p)
    return " ".join(_WORD.findall(text.casefold()))


def anomalies_for(
    tracked: TrackedOrder,
    *,
    sla: dict[OrderStatus, dt.timedelta],
    history: list[AddressVersion],
    normalize: Callable[[Address], Address],
    now: dt.datetime | None = None,
) -> TrackedOrder:
    """Return ``tracked`` with every anomaly: sequence, stuck past its SLA, and address."""
    shipping = {
        address_key(normalize(o.shipping_address)) for o in tracked.orders if o.shipping_address
    }
    return with_anomalies(
        tracked, now=now or utc_now(), sla=sla, history=history, shipping_keys=shipping
    )
