"""The customer card: everything known about one customer, read when it is built.

Golden fields, identities, contacts with provenance, orders, interactions, one timeline,
declared custom attributes and key dates. Orders and interactions are found through the
identities and lookup keys identity resolution keeps, so the card follows every merge and
unmerge.
"""

from __future__ import annotations

import datetime as dt
import weakref
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from crmkit.domain import AddressVersion, ContactKind, Stream, utc_now
from crmkit.errors import RecordError
from crmkit.schemas.interactions import interaction_document
from crmkit.schemas.orders import tracked_order_document
from crmkit.services.orders import SLA_STATE, address_key, anomalies_for, sla_from_states
from crmkit.store.interactions import customer_activity

if TYPE_CHECKING:
    from crmkit.api import Crmkit
    from crmkit.domain import Customer, Interaction, PartyFacts, TrackedOrder

#: Where :meth:`crmkit.Crmkit.declare_attribute` keeps each declaration.
ATTRIBUTE_STATE = "attribute:"
ATTRIBUTE_TYPES = ("text", "integer", "decimal", "boolean", "date", "email", "phone")
ORDER_LIMIT = 50
INTERACTION_LIMIT = 100
TIMELINE_LIMIT = 200


@attrs.frozen
class AttributeDeclaration:
    """A custom attribute kept on customers: its ``type`` and the ``purpose`` it is kept for."""

    name: str
    type: str = attrs.field(validator=attrs.validators.in_(ATTRIBUTE_TYPES))
    purpose: str = attrs.field(validator=attrs.validators.min_len(1))


#: The declarations each plugin manager's plugins made, asked for once.
_DECLARED: weakref.WeakKeyDictionary[Any, dict[str, AttributeDeclaration]] = (
    weakref.WeakKeyDictionary()
)


def plugin_declarations(pm: Any) -> dict[str, AttributeDeclaration]:
    """Return the attributes plugins declare through ``register_attributes``, by name.

    Asked once per plugin manager ``pm``, then remembered.
    """
    known = _DECLARED.get(pm)
    if known is not None:
        return dict(known)
    found: dict[str, AttributeDeclaration] = {}

    def register(name: str, type: str, purpose: str) -> None:  # noqa: A002 - the hook's word
        found[name] = AttributeDeclaration(name, type, purpose)

    pm.hook.register_attributes(register=register)
    _DECLARED[pm] = found
    return dict(found)


def _is_decimal(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)).is_finite()
    except InvalidOperation:
        return False


def check_attribute(crm: Crmkit, declaration: AttributeDeclaration, value: Any) -> str | None:
    """Return why ``value`` is not a valid ``declaration.type``, or ``None`` when it is."""
    kind = declaration.type
    problem = None
    if kind == "text" and not isinstance(value, str):
        problem = "not text"
    elif kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        problem = "not an integer"
    elif kind == "boolean" and not isinstance(value, bool):
        problem = "not true or false"
    elif kind == "decimal" and not _is_decimal(value):
        problem = "not a decimal number"
    elif kind == "date":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            problem = "not a date (YYYY-MM-DD)"
    elif kind in {"email", "phone"}:
        point = crm.normalizer.contact(ContactKind(kind), str(value), crm.default_region)
        problem = point.problem
    return problem


def _attributes(
    crm: Crmkit, customer: Customer, declared: dict[str, AttributeDeclaration]
) -> dict[str, Any]:
    section: dict[str, Any] = {}
    for name, declaration in declared.items():
        value = customer.attributes.get(name)
        section[name] = {
            "value": value,
            "type": declaration.type,
            "purpose": declaration.purpose,
            "problem": None if value is None else check_attribute(crm, declaration, value),
        }
    undeclared = sorted(set(customer.attributes) - set(declared))
    if undeclared:
        section["undeclared"] = {name: customer.attributes[name] for name in undeclared}
    return section


def _under(states: dict[str, str], prefix: str) -> dict[str, str]:
    """Return the states whose names start with ``prefix``, keyed by the rest of the name."""
    return {k.removeprefix(prefix): v for k, v in states.items() if k.startswith(prefix)}


def _versions(crm: Crmkit, customer: Customer) -> list[tuple[str, Any, PartyFacts]]:
    """Return ``(identity, time, facts)`` of every customer record version, oldest first.

    The time is the record's own ``updated_at``, else when crmkit received it.
    """
    validator = crm.validators[Stream.CUSTOMERS]
    found: list[tuple[str, Any, PartyFacts]] = []
    for identity in customer.identities:
        for record in crm.records.records(identity.source, identity.external_id, "customers"):
            try:
                facts = validator.load(msgspec.json.decode(record.record_json()))
            except (msgspec.DecodeError, RecordError):
                continue
            found.append((str(identity), facts.updated_at or record.received_at, facts))
    return sorted(found, key=lambda v: v[1])


def _history(crm: Crmkit, versions: list[tuple[str, Any, PartyFacts]]) -> list[AddressVersion]:
    def normalize(address: Any) -> Any:
        return crm.hook.normalize_address(address=address) or address

    return [
        AddressVersion(
            at, where, {address_key(normalize(a)) for a in facts.addresses if not a.is_empty()}
        )
        for where, at, facts in versions
    ]


def _provenance(crm: Crmkit, versions: list[tuple[str, Any, PartyFacts]]) -> dict[str, list[str]]:
    """Return ``{phone or e-mail in normal form: [identities whose newest record gives it]}``."""
    regions = crm.source_regions()
    newest = {where: facts for where, _, facts in versions}
    found: dict[str, list[str]] = {}
    for where, facts in newest.items():
        region = regions.get(where.partition("/")[0], crm.default_region)
        points = [crm.normalizer.contact(ContactKind.PHONE, p, region) for p in facts.phones]
        points += [crm.normalizer.contact(ContactKind.EMAIL, e) for e in facts.emails]
        for point in points:
            if point.value:
                found.setdefault(point.value, []).append(where)
    return found


def _linked_by(customer: Customer, phones: list[str], interaction: Interaction) -> str:
    if interaction.customer_ref in customer.identities:
        return "identity"
    if interaction.phone and interaction.phone in phones:
        return "phone"
    return "email"


def _record_entries(history: list[AddressVersion]) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """Return a timeline entry per customer record version: first seen, changed, moved."""
    entries = []
    before: dict[str, frozenset[str]] = {}
    for version in history:
        if version.source not in before:
            text = f"{version.source}: first record"
        elif before[version.source] != version.keys:
            text = f"{version.source}: address changed"
        else:
            text = f"{version.source}: record updated"
        before[version.source] = version.keys
        source = version.source.partition("/")[0]
        entries.append((version.at, {"kind": "customer", "text": text, "source": source}))
    return entries


def _timeline(
    orders: list[TrackedOrder], interactions: list[Interaction], history: list[AddressVersion]
) -> list[dict[str, Any]]:
    entries = _record_entries(history)
    for order in orders:
        for event in order.events:
            word = event.status.value if event.status else event.status_word
            text = f"order {order.number}: {word}"
            if event.shipment and event.shipment.tracking_number:
                text += f" ({event.shipment.carrier or 'carrier'} {event.shipment.tracking_number})"
            entries.append(
                (event.occurred_at, {"kind": "order", "text": text, "source": event.source})
            )
    for interaction in interactions:
        text = f"{interaction.channel.value} {interaction.direction.value}"
        if interaction.subject:
            text += f": {interaction.subject}"
        entries.append(
            (
                interaction.occurred_at,
                {"kind": "interaction", "text": text, "source": interaction.source},
            )
        )
    ordered = sorted(enumerate(entries), key=lambda e: (e[1][0], e[0]), reverse=True)
    return [{"at": at.isoformat(), **entry} for _, (at, entry) in ordered[:TIMELINE_LIMIT]]


def _key_dates(
    customer: Customer, orders: list[TrackedOrder], interactions: list[Interaction]
) -> dict[str, str | None]:
    placed = [o.placed_at for o in orders if o.placed_at]
    today = utc_now().date()
    birthday = None
    if customer.birth_date is not None:
        born = customer.birth_date
        try:
            upcoming = born.replace(year=today.year)
        except ValueError:  # 29 February in a common year
            upcoming = dt.date(today.year, 3, 1)
        if upcoming < today:
            upcoming = (
                upcoming.replace(year=today.year + 1)
                if (born.month, born.day) != (2, 29)
                else dt.date(today.year + 1, 3, 1)
            )
        birthday = upcoming.isoformat()
    return {
        "customer_since": customer.created_at.isoformat() if customer.created_at else None,
        "birth_date": customer.birth_date.isoformat() if customer.birth_date else None,
        "next_birthday": birthday,
        "first_order": min(placed).isoformat() if placed else None,
        "last_order": max(placed).isoformat() if placed else None,
        "last_interaction": interactions[0].occurred_at.isoformat() if interactions else None,
    }


def build_card(crm: Crmkit, customer: Customer) -> dict[str, Any]:
    """Return the card of ``customer`` as JSON-ready sections (plugins have not run yet).

    Sections: ``customer``, ``identities``, ``contacts`` (with ``from``: where each phone
    and e-mail came from), ``identifiers``, ``orders`` (open first, then newest),
    ``interactions`` (newest first), ``timeline``, ``attributes``, ``key_dates``,
    ``problems``.
    """
    crm.project()
    versions = _versions(crm, customer)
    history = _history(crm, versions)
    states = crm.records.states("")
    sla = sla_from_states(_under(states, SLA_STATE))
    declared = plugin_declarations(crm.pm) | {
        name: AttributeDeclaration(name, **msgspec.json.decode(value))
        for name, value in sorted(_under(states, ATTRIBUTE_STATE).items())
    }
    phones = customer.phones()

    def normalize(address: Any) -> Any:
        return crm.hook.normalize_address(address=address) or address

    found, interactions = customer_activity(
        crm.database, customer.id, ORDER_LIMIT, INTERACTION_LIMIT
    )
    tracked = [anomalies_for(t, sla=sla, history=history, normalize=normalize) for t in found]
    tracked.sort(key=lambda t: not t.is_open)
    return {
        "customer": {
            "id": customer.id,
            "kind": customer.kind.value if customer.kind else None,
            "name": customer.name,
            "birth_date": customer.birth_date.isoformat() if customer.birth_date else None,
            "created_at": customer.created_at.isoformat() if customer.created_at else None,
            "updated_at": customer.updated_at.isoformat() if customer.updated_at else None,
        },
        "identities": [
            {"source": i.source, "external_id": i.external_id} for i in customer.identities
        ],
        "contacts": {
            "phones": phones,
            "emails": customer.emails(),
            "addresses": [a.one_line() for a in customer.addresses],
            "from": _provenance(crm, versions),
        },
        "identifiers": dict(customer.identifiers),
        "orders": [tracked_order_document(t) for t in tracked],
        "interactions": [
            {**interaction_document(i), "linked_by": _linked_by(customer, phones, i)}
            for i in interactions
        ],
        "timeline": _timeline(tracked, interactions, history),
        "attributes": _attributes(crm, customer, declared),
        "key_dates": _key_dates(customer, tracked, interactions),
        "problems": list(customer.problems),
    }


def history_of(crm: Crmkit, customer: Customer) -> list[AddressVersion]:
    """Return the address history of ``customer``: each record version's addresses, by time."""
    return _history(crm, _versions(crm, customer))


def complete(crm: Crmkit, tracked: list[TrackedOrder]) -> list[TrackedOrder]:
    """Return ``tracked`` with every anomaly, each judged against its own customer's history."""
    sla = crm.order_sla()

    def normalize(address: Any) -> Any:
        return crm.hook.normalize_address(address=address) or address

    done = []
    for order in tracked:
        owners = crm.order_store.customers_of(order)
        history = history_of(crm, crm.customer(owners[0])) if owners else []
        done.append(anomalies_for(order, sla=sla, history=history, normalize=normalize))
    return done


def _by_phone(crm: Crmkit, phone: str) -> list[Customer]:
    """Return the customers on ``phone``: read in the default region, then each source's."""
    found = crm.find_customers(phone=phone)
    if found:
        return found
    for region in sorted(set(crm.source_regions().values()) - {crm.default_region or ""}):
        found = crm.find_customers(phone=phone, region=region)
        if found:
            return found
    return []


def card_customers(
    crm: Crmkit,
    customer_id: int | None = None,
    *,
    phone: str | None = None,
    email: str | None = None,
    inn: str | None = None,
    order: str | None = None,
) -> list[Customer]:
    """Return the customers one key finds: an id, a phone, an e-mail, an INN or an order number.

    A phone written without a country code is read in the default region, then in each
    source's region, until one finds someone.
    """
    given = [
        k
        for k, v in (
            ("id", customer_id),
            ("phone", phone),
            ("email", email),
            ("inn", inn),
            ("order", order),
        )
        if v is not None
    ]
    if len(given) != 1:
        raise TypeError(
            f"give exactly one of customer id, phone, email, inn or order; got {given or 'none'}"
        )
    if customer_id is not None:
        return [crm.customer(customer_id)]
    if phone is not None:
        return _by_phone(crm, phone)
    if email is not None:
        return crm.find_customers(email=email)
    if inn is not None:
        return crm.find_customers(identifier=("inn", inn))
    crm.project()
    ids: list[int] = []
    for tracked in crm.order_store.load(crm.order_store.find(order or "")):
        ids.extend(i for i in crm.order_store.customers_of(tracked) if i not in ids)
    return [crm.customer(i) for i in ids]
