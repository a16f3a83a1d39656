"""Survivorship: the golden record of a cluster, field by field, from its members' facts.

Single-valued fields (kind, name, birth date, each identifier, each attribute) are chosen by
``choose`` — the ``choose_golden_value`` hook — from candidates carrying the value, the
source's priority, the record's ``updated_at`` and how many records give that value.
Multi-valued fields (phones, e-mails, addresses) keep every distinct usable value, most
frequent first, and every unusable value stays listed as a problem.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.domain import Customer, Identity, PartyFacts
from crmkit.identity.normalize import NormalizedFacts

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from crmkit.domain import Address, ContactPoint


@attrs.frozen
class Member:
    """One record of a cluster, as survivorship sees it."""

    identity: Identity
    facts: PartyFacts
    normal: NormalizedFacts
    priority: int = 0
    received_at: dt.datetime | None = None

    @property
    def updated_at(self) -> dt.datetime | None:
        """Return when the source last changed the record (or when crmkit received it)."""
        return self.facts.updated_at or self.received_at


def _candidates(values: list[tuple[Member, Any]]) -> list[dict[str, Any]]:
    """Return the ``choose_golden_value`` candidates of ``values``, each with its count."""
    if len(values) == 1:
        texts = None
        counts: Counter[str] = Counter()
    else:
        texts = [repr(v) for _, v in values]
        counts = Counter(texts)
    return [
        {
            "value": value,
            "source": m.identity.source,
            "priority": m.priority,
            "updated_at": m.updated_at,
            "count": counts[texts[n]] if texts is not None else 1,
        }
        for n, (m, value) in enumerate(values)
    ]


def _choose(
    field: str,
    values: list[tuple[Member, Any]],
    choose: Callable[[str, list[dict[str, Any]]], Any],
) -> Any:
    values = [(m, v) for m, v in values if v not in (None, "", {}, ())]
    if not values:
        return None
    return choose(field, _candidates(values))


def _distinct_points(members: Sequence[Member]) -> list[ContactPoint]:
    seen: dict[tuple[str, str], ContactPoint] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for member in members:
        for point in member.normal.contact_points:
            key = (point.kind.value, point.value or point.raw.strip())
            counts[key] += 1
            seen.setdefault(key, point)
    return [seen[k] for k, _ in counts.most_common()]


def _distinct_addresses(members: Sequence[Member]) -> list[Address]:
    seen: dict[str, Address] = {}
    counts: Counter[str] = Counter()
    for member in members:
        for address in member.normal.addresses:
            key = address.one_line().casefold()
            counts[key] += 1
            seen.setdefault(key, address)
    return [seen[k] for k, _ in counts.most_common()]


def golden_customer(
    members: Sequence[Member],
    choose: Callable[[str, list[dict[str, Any]]], Any],
    customer_id: int = 0,
) -> Customer:
    """Return the golden customer of a cluster of ``members`` (id ``customer_id``)."""
    kind = _choose("kind", [(m, m.facts.kind) for m in members], choose)
    org_names = [
        (m, m.facts.name) for m in members if m.facts.kind and m.facts.kind.value == "organization"
    ]
    if kind is not None and kind.value == "organization" and org_names:
        names = org_names
    else:
        shown = [(m, m.facts.display_name()) for m in members]
        names = [(m, name) for m, name in shown if name != m.facts.external_id]
    name = _choose("name", names, choose) or members[0].facts.display_name()
    identifiers: dict[str, str] = {}
    for kind_name in dict.fromkeys(k for m in members for k in m.normal.identifiers):
        values = [
            (m, m.normal.identifiers[kind_name])
            for m in members
            if kind_name in m.normal.identifiers
        ]
        chosen = _choose(f"identifiers.{kind_name}", values, choose)
        if chosen:
            identifiers[kind_name] = chosen
    attributes: dict[str, Any] = {}
    for key in dict.fromkeys(k for m in members for k in m.facts.attributes):
        values = [(m, m.facts.attributes[key]) for m in members if key in m.facts.attributes]
        chosen = _choose(f"attributes.{key}", values, choose)
        if chosen is not None:
            attributes[key] = chosen
    birth = _choose("birth_date", [(m, m.facts.birth_date) for m in members], choose)
    problems = list(dict.fromkeys(p for m in members for p in m.normal.problems))
    return Customer(
        id=customer_id,
        kind=kind,
        name=name,
        identities=sorted((m.identity for m in members), key=lambda i: (i.source, i.external_id)),
        contact_points=_distinct_points(members),
        addresses=_distinct_addresses(members),
        identifiers=identifiers,
        birth_date=birth,
        attributes=attributes,
        problems=problems,
    )
