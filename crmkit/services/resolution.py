"""Identity resolution as a use case: records in the store → customers, with stable ids.

A run loads the newest version of every customer record, normalises it, turns it into
matching features, applies the decisions journal (merges and accepts link, unmerges and
rejects separate, and reviewers' answers also train the model), clusters, and writes the
customers back. Customer ids stay stable: each cluster keeps the id most of its records
already had; an id whose records all moved into another customer becomes an alias of it,
so old ids keep resolving. Nothing about source records is ever rewritten.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from crmkit.domain import Identity
from crmkit.errors import RecordError
from crmkit.identity.explain import explain
from crmkit.identity.features import extract_features
from crmkit.identity.guards import Guards
from crmkit.identity.resolver import Resolution, ResolverConfig, resolve
from crmkit.identity.survive import Member, golden_customer

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.domain import Customer
    from crmkit.identity.cluster import Edge
    from crmkit.identity.normalize import Normalizer
    from crmkit.schemas import RecordValidator
    from crmkit.store.resolution import Decision, SqlResolutionStore

log = logging.getLogger("crmkit.resolve")

MODEL_STATE = "resolution:model"
#: The id of the newest record the last run covered.
LAST_RECORD_STATE = "resolution:last_record_id"


@attrs.define
class ResolveReport:
    """What a resolution run did (or, with ``dry_run``, would do)."""

    records: int = 0
    customers: int = 0
    created: int = 0
    merged: list[tuple[int, int]] = attrs.field(factory=list)
    split: list[int] = attrs.field(factory=list)
    review: int = 0
    candidate_pairs: int = 0
    skipped: int = 0
    seconds: float = 0.0
    dry_run: bool = False


@attrs.define
class Inputs:
    """The records of one run with their features, and the positions of their identities."""

    members: list[Member] = attrs.field(factory=list)
    record_ids: list[int] = attrs.field(factory=list)
    position: dict[Identity, int] = attrs.field(factory=dict)


def load_inputs(
    store: SqlResolutionStore,
    validator: RecordValidator,
    normalizer: Normalizer,
    *,
    regions: dict[str, str],
    default_region: str | None,
    priorities: dict[str, int] | None = None,
) -> tuple[Inputs, list[Any], int]:
    """Return the run's inputs, their features, and how many records no longer load."""
    inputs = Inputs()
    features: list[Any] = []
    guards = Guards()
    skipped = 0
    priorities = priorities or {}
    for record in store.current_records():
        try:
            facts = validator.load(msgspec.json.decode(record.record_json))
        except (msgspec.DecodeError, RecordError) as exc:
            log.warning("record %s no longer loads and is left out: %s", record.identity, exc)
            skipped += 1
            continue
        region = regions.get(record.identity.source, default_region)
        normal = normalizer.facts(facts, region)
        inputs.position[record.identity] = len(inputs.members)
        inputs.members.append(
            Member(
                record.identity,
                facts,
                normal,
                priorities.get(record.identity.source, 0),
                record.received_at,
            )
        )
        inputs.record_ids.append(record.id)
        features.append(extract_features(record.identity, facts, normal, guards))
    return inputs, features, skipped


def constraints(
    decisions: list[Decision], position: dict[Identity, int]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int, bool]]]:
    """Return must-link, cannot-link and labelled pairs from the journal, in positions.

    A later decision on the same pair overrides an earlier one.
    """
    latest: dict[frozenset[Identity], Decision] = {}
    for decision in decisions:
        latest[frozenset((decision.left, decision.right))] = decision
    must, cannot, labelled = [], [], []
    for decision in latest.values():
        a, b = position.get(decision.left), position.get(decision.right)
        if a is None or b is None or a == b:
            continue
        if decision.links:
            must.append((a, b))
        else:
            cannot.append((a, b))
        if decision.kind in {"accept", "reject"}:
            labelled.append((a, b, decision.kind == "accept"))
    return must, cannot, labelled


def explain_edge(resolution: Resolution, edge: Edge) -> dict[str, Any]:
    """Return a JSON-ready account of a pair left apart: its comparison and the reason."""
    explanation = explain(resolution, edge.i, edge.j)
    direct = explanation.direct
    comparisons = direct.comparisons if direct is not None else ()
    return {
        "probability": round(edge.probability, 6),
        "rule": edge.rule,
        "model": edge.pair_class,
        "reason": explanation.reason,
        "comparisons": [
            {"comparison": name, "level": level, "weight": round(weight, 3)}
            for name, level, weight in comparisons
        ],
    }


def assign_ids(
    groups: list[list[int]], inputs: Inputs, owners: dict[Identity, int]
) -> tuple[list[int], dict[int, int], list[int]]:
    """Return a customer id per group (0 = new), retired ids, and the ids that were split.

    Each group keeps the id most of its records already had, largest groups first. An old
    id that no group keeps is retired: the returned dict maps it to the index of the group
    holding most of its records, whose customer it becomes an alias of.
    """
    ids: list[int] = []
    taken: set[int] = set()
    holders: dict[int, Counter[int]] = defaultdict(Counter)
    for number, group in enumerate(groups):
        counts = Counter(
            owners[inputs.members[p].identity]
            for p in group
            if inputs.members[p].identity in owners
        )
        for old in counts:
            holders[old][number] = counts[old]
        chosen = next((cid for cid, _ in counts.most_common() if cid not in taken), 0)
        if chosen:
            taken.add(chosen)
        ids.append(chosen)
    aliases: dict[int, int] = {}
    split: list[int] = []
    for old, groups_holding in holders.items():
        if len(groups_holding) > 1:
            split.append(old)
        if old not in taken:
            aliases[old] = groups_holding.most_common(1)[0][0]
    return ids, aliases, split


def compute(
    store: SqlResolutionStore,
    validator: RecordValidator,
    normalizer: Normalizer,
    *,
    regions: dict[str, str] | None = None,
    default_region: str | None = None,
    config: ResolverConfig | None = None,
) -> tuple[Inputs, Resolution, int]:
    """Run the matching pipeline over the stored records; write nothing.

    Returns the inputs, the :class:`Resolution` and how many records no longer load.
    """
    inputs, features, skipped = load_inputs(
        store, validator, normalizer, regions=regions or {}, default_region=default_region
    )
    must, cannot, labelled = constraints(store.decisions(), inputs.position)
    resolution = resolve(
        features, config=config, must_link=must, cannot_link=cannot, labelled=labelled
    )
    return inputs, resolution, skipped


def resolve_customers(
    store: SqlResolutionStore,
    validator: RecordValidator,
    normalizer: Normalizer,
    choose: Callable[[str, list[dict[str, Any]]], Any],
    *,
    regions: dict[str, str] | None = None,
    default_region: str | None = None,
    config: ResolverConfig | None = None,
    dry_run: bool = False,
    on_created: Callable[[Customer], None] | None = None,
) -> ResolveReport:
    """Resolve every customer record into customers; return what changed.

    With ``dry_run`` nothing is written and the report says what would merge and split.
    """
    started = time.perf_counter()
    inputs, resolution, skipped = compute(
        store,
        validator,
        normalizer,
        regions=regions,
        default_region=default_region,
        config=config,
    )
    owners = store.identity_customers()
    ids, alias_groups, split = assign_ids(resolution.groups, inputs, owners)
    report = ResolveReport(
        records=len(inputs.members),
        customers=len(resolution.groups),
        created=sum(1 for i in ids if not i),
        split=sorted(split),
        review=len(resolution.review),
        candidate_pairs=resolution.candidate_pairs,
        skipped=skipped,
        dry_run=dry_run,
    )
    if dry_run:
        report.merged = sorted((old, ids[g]) for old, g in alias_groups.items())
        report.seconds = time.perf_counter() - started
        return report
    clusters = [
        (
            golden_customer([inputs.members[p] for p in group], choose, customer_id),
            [(inputs.members[p].identity, inputs.record_ids[p]) for p in group],
        )
        for group, customer_id in zip(resolution.groups, ids, strict=True)
    ]
    review = [
        (
            inputs.members[e.i].identity,
            inputs.members[e.j].identity,
            e.probability,
            explain_edge(resolution, e),
        )
        for e in resolution.review
    ]
    last_record = str(max(inputs.record_ids, default=0))
    new_ids = store.write(
        clusters,
        alias_groups,
        review,
        {LAST_RECORD_STATE: last_record, MODEL_STATE: json.dumps(_model_summary(resolution))},
    )
    report.merged = sorted((old, new_ids[g]) for old, g in alias_groups.items())
    report.seconds = time.perf_counter() - started
    if on_created is not None:
        for (customer, _), (cid, old) in zip(clusters, zip(new_ids, ids, strict=True), strict=True):
            if not old:
                customer.id = cid
                on_created(customer)
    return report


def _model_summary(resolution: Resolution) -> dict[str, Any]:
    as_dict = getattr(resolution.models, "as_dict", None)
    return as_dict() if callable(as_dict) else {}
