"""Project customer records into golden customers.

Until identity resolution links records across sources, each ``(source, external_id)`` is
its own customer; a new version of a record updates that customer. Work is incremental: a
state mark remembers the last record projected, and moves in the same transaction as the
customers it covers, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec

from crmkit.domain import Customer, Identity
from crmkit.errors import RecordError

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.domain import PartyFacts
    from crmkit.identity.normalize import Normalizer
    from crmkit.schemas import RecordValidator
    from crmkit.services.ports import CustomerStore

log = logging.getLogger("crmkit.resolve")

PROJECTION_MARK = "projection:customers:last_record_id"


def build_customer(
    facts: PartyFacts, identity: Identity, normalizer: Normalizer, region: str | None = None
) -> Customer:
    """Return the golden customer that one record's facts describe (id 0: not stored)."""
    normal = normalizer.facts(facts, region)
    return Customer(
        id=0,
        kind=facts.kind,
        name=facts.display_name(),
        identities=(identity,),
        contact_points=normal.contact_points,
        addresses=normal.addresses,
        identifiers=normal.identifiers,
        birth_date=facts.birth_date,
        attributes=dict(facts.attributes),
        problems=normal.problems,
    )


def project_customers(
    store: CustomerStore,
    validator: RecordValidator,
    normalizer: Normalizer,
    *,
    regions: dict[str, str] | None = None,
    default_region: str | None = None,
    batch_size: int = 1000,
    on_created: Callable[[Customer], None] | None = None,
) -> int:
    """Project every customer record stored since the last run; return how many were projected.

    ``regions`` maps a source to its default phone region; others use ``default_region``.
    """
    regions = regions or {}
    total = 0
    while True:
        created: list[Customer] = []
        with store.transaction() as session:
            mark = int(session.get_state(PROJECTION_MARK) or 0)
            rows = session.records_after("customers", mark, batch_size)
            if not rows:
                return total
            latest: dict[tuple[str, str], tuple[Customer, int]] = {}
            for record_id, source, external_id, payload, _received in rows:
                customer = _customer_from_payload(
                    payload,
                    Identity(source, external_id),
                    validator,
                    normalizer,
                    regions.get(source, default_region),
                )
                if customer is not None:
                    latest[(source, external_id)] = (customer, record_id)
            known = session.customer_ids_for(latest)
            items = []
            for key, (customer, record_id) in latest.items():
                if key in known:
                    customer.id = known[key]
                else:
                    created.append(customer)
                items.append((customer, record_id))
            ids = session.save_customers(items)
            for (customer, _), customer_id in zip(items, ids, strict=True):
                customer.id = customer_id
            session.set_state(PROJECTION_MARK, str(rows[-1][0]))
        total += len(rows)
        if on_created is not None:
            for customer in created:
                on_created(customer)


def _customer_from_payload(
    payload: str,
    identity: Identity,
    validator: RecordValidator,
    normalizer: Normalizer,
    region: str | None,
) -> Customer | None:
    try:
        data: Any = msgspec.json.decode(payload)
        facts = validator.load(data)
    except (msgspec.DecodeError, RecordError) as exc:
        log.warning("record %s no longer loads and is left out: %s", identity, exc)
        return None
    return build_customer(facts, identity, normalizer, region)
