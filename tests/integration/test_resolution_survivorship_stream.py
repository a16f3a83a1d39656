"""A full resolution writes, a batch at a time, the golden records of every cluster.

Survivorship reads each record's facts back after the matching; what is stored must be
what :func:`~crmkit.identity.survive.golden_customer` makes of the records themselves.
"""

from __future__ import annotations

from collections import defaultdict

import msgspec

import crmkit.store.resolution as store_resolution
from crmkit.api import Stream
from crmkit.hookspecs import hookimpl
from crmkit.identity.survive import Member, golden_customer
from crmkit.testing.messy import iter_records


class Created:
    """A plugin remembering the customers announced as created."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    @hookimpl
    def customer_created(self, customer):
        """Remember the new customer's id."""
        self.ids.append(customer.id)


def ingest(crm) -> int:
    """Ingest a small generated data set with two source priorities; return its size."""
    by_source = defaultdict(list)
    for source, record in iter_records(120, seed=2):
        by_source[source].append(record)
    for source, records in by_source.items():
        crm.ingest_customers(source, records, resolve=False)
    crm.set_source_priority("1c", 5)
    return sum(len(records) for records in by_source.values())


def expected_golden(crm, customer):
    """Return the golden customer computed directly from the customer's stored records."""
    validator = crm.validators[Stream.CUSTOMERS]
    priorities = crm.source_priorities()
    regions = crm.source_regions()
    members = []
    for identity in customer.identities:
        stored = crm.records.records(identity.source, identity.external_id)[-1]
        facts = validator.load(msgspec.json.decode(stored.record or stored.payload))
        region = regions.get(identity.source, crm.default_region)
        normal = crm.normalizer.facts(facts, region)
        priority = priorities.get(identity.source, 0)
        members.append(Member(identity, facts, normal, priority, stored.received_at))

    def choose(field, candidates):
        return crm.hook.choose_golden_value(field=field, candidates=candidates)

    return golden_customer(members, choose, customer.id)


def point_keys(customer):
    """Return the customer's contact points as sorted ``(kind, normal form or raw)`` keys.

    Which spelling of a shared value is shown depends on the order of the records.
    """
    return sorted((p.kind.value, p.value or p.raw.strip()) for p in customer.contact_points)


def address_keys(customer):
    """Return the customer's addresses as sorted one-line keys."""
    return sorted(a.one_line().casefold() for a in customer.addresses)


def test_stored_golden_records_are_those_of_the_records_in_small_batches(crm, monkeypatch):
    """Written seven customers at a time, every customer is its records' golden record."""
    monkeypatch.setattr(store_resolution, "_CHUNK", 7)
    created = Created()
    crm.pm.register(created)
    records = ingest(crm)
    report = crm.resolve(full=True)
    stored = list(crm.customers())
    assert report.records == records
    assert sorted(created.ids) == sorted(c.id for c in stored)
    assert sum(len(c.identities) for c in stored) == records
    for customer in stored:
        expected = expected_golden(crm, customer)
        assert (customer.kind, customer.name) == (expected.kind, expected.name)
        assert point_keys(customer) == point_keys(expected)
        assert address_keys(customer) == address_keys(expected)
        assert customer.identifiers == expected.identifiers
        assert customer.birth_date == expected.birth_date
        assert customer.attributes == expected.attributes
        assert customer.problems == expected.problems


def test_an_incremental_run_keeps_the_golden_records_of_its_records(crm):
    """Changed records re-clustered with their customers get their records' golden record."""
    ingest(crm)
    crm.resolve()
    crm.ingest_customers(
        "1c",
        [{"external_id": "new-1", "name": "Иванов Пётр", "phones": ["+7 495 765-43-21"]}],
        resolve=False,
    )
    report = crm.resolve()
    assert report.mode == "incremental"
    [customer] = crm.find_customers(identity=("1c", "new-1"))
    expected = expected_golden(crm, customer)
    assert (customer.name, point_keys(customer)) == (expected.name, point_keys(expected))
