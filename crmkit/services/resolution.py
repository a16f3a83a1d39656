"""Identity resolution as a use case: records in the store → customers, with stable ids.

A run loads the newest version of every customer record, normalises it, turns it into
matching features, applies the decisions journal (merges and accepts link, unmerges and
rejects separate, and reviewers' answers also train the model), clusters, and writes the
customers back. Customer ids stay stable: each cluster keeps the id most of its records
already had; an id whose records all moved into another customer becomes an alias of it,
so old ids keep resolving. Nothing about source records is ever rewritten.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from array import array
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from crmkit.domain import Identity, PartyFacts
from crmkit.errors import RecordError
from crmkit.identity.blocking import DEFAULT_MAX_BLOCK, BlockIndex, key_hash
from crmkit.identity.cluster import MAX_NAME_HOLDERS
from crmkit.identity.compare import BUILTIN_COMPARISONS
from crmkit.identity.explain import explain
from crmkit.identity.features import (
    BUILTIN_IDENTIFIER_KINDS,
    Features,
    IdentifierKinds,
    extract_features,
    gc_paused,
)
from crmkit.identity.guards import Guards
from crmkit.identity.normalize import NormalizedFacts, Normalizer
from crmkit.identity.resolver import (
    Resolution,
    ResolverConfig,
    Scope,
    concerned_records,
    name_search_keys,
    resolve,
    stored_keys,
)
from crmkit.identity.scoring import PairModels
from crmkit.identity.survive import Member, golden_customer
from crmkit.schemas import RecordValidator
from crmkit.services.ports import Partial
from crmkit.services.spill import FactsSpill

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator

    from crmkit.domain import Customer
    from crmkit.identity.cluster import Edge
    from crmkit.store.resolution import CurrentRecord, Decision, SqlResolutionStore

log = logging.getLogger("crmkit.resolve")

MODEL_STATE = "resolution:model"
#: The id of the newest record the last run covered.
LAST_RECORD_STATE = "resolution:last_record_id"
#: The id of the newest decision the last run applied.
LAST_DECISION_STATE = "resolution:last_decision_id"
#: Set by a full run once every record's keys are in ``record_keys``: a database upgraded
#: from a version without that table runs in full first.
KEYS_STATE = "resolution:record_keys"
#: The keys found over-shared (a switchboard, a business centre's mailbox), as JSON.
UNTRUSTED_STATE = "resolution:untrusted_keys"
#: The fingerprint of the identifier kinds the stored blocking keys were made with
#: (:meth:`~crmkit.identity.features.IdentifierKinds.fingerprint`): when a plugin adds or
#: removes kinds, the next run is full. Missing: the built-in kinds.
KINDS_STATE = "resolution:identifier_kinds"
#: The source priorities the stored golden records were chosen with, as JSON (sources of
#: priority 0 left out): when they change, the next run is full. Missing: none.
PRIORITIES_STATE = "resolution:source_priorities"
#: An incremental run re-clusters every customer holding a key of a changed record when
#: at most this many records carry the key (a wider key is searched by neighbourhood).
PULL_LIMIT = max(DEFAULT_MAX_BLOCK, MAX_NAME_HOLDERS)
#: A name borne by more records than this finds nobody in particular.
MAX_NAME_LOOKUP = 500
#: A change touching more than this share of the resolved identities runs in full.
FULL_RUN_SHARE = 0.5


@attrs.define
class ResolveReport:
    """What a resolution run did (or, with ``dry_run``, would do).

    ``mode``: ``full``, ``incremental`` or ``unchanged``; ``records``: how many records the
    run clustered (all of them in a full run, the changed ones and the records of the
    customers they concern in an incremental one); ``customers``: how many customers the
    store holds after the run; ``created``: customers new in this run.
    """

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
    mode: str = "full"


@attrs.define
class Inputs:
    """The records of one run (identities and record ids), and the positions of identities.

    ``facts``, when kept, holds each record's parsed facts and normal forms by position,
    parked in a temporary file while the matching runs (survivorship reads them back).
    """

    identities: list[Identity] = attrs.field(factory=list)
    record_ids: list[int] = attrs.field(factory=list)
    position: dict[Identity, int] = attrs.field(factory=dict)
    facts: FactsSpill | None = None

    def add(self, identity: Identity, record_id: int) -> int:
        """Append one record; return its position."""
        position = len(self.identities)
        self.position[identity] = position
        self.identities.append(identity)
        self.record_ids.append(record_id)
        return position


class InputLoader:
    """Turns stored records into resolution inputs: validated, normalised, with features.

    The normaliser is a cached one (:meth:`Normalizer.cached`) for the loader's lifetime.
    """

    def __init__(
        self,
        validator: RecordValidator,
        normalizer: Normalizer,
        *,
        regions: dict[str, str],
        default_region: str | None,
        priorities: dict[str, int] | None = None,
        kinds: IdentifierKinds = BUILTIN_IDENTIFIER_KINDS,
    ) -> None:
        self.validator = validator
        self.normalizer = normalizer.cached()
        self.regions = regions
        self.default_region = default_region
        self.priorities = priorities or {}
        self.kinds = kinds
        self.guards = Guards()
        self.skipped = 0

    def read(self, record: CurrentRecord) -> tuple[PartyFacts, NormalizedFacts]:
        """Return the facts of ``record`` and their normal forms; raise if it no longer loads."""
        try:
            facts: PartyFacts = self.validator.load(msgspec.json.decode(record.record_json))
        except msgspec.DecodeError as exc:
            raise RecordError(str(exc)) from exc
        region = self.regions.get(record.identity.source, self.default_region)
        return facts, self.normalizer.facts(facts, region)

    def load(
        self, records: Iterable[CurrentRecord], *, keep_facts: bool = False
    ) -> tuple[Inputs, list[Features]]:
        """Return the inputs and features of ``records``; count those that no longer load.

        With ``keep_facts`` the inputs keep every record's facts for survivorship
        (:attr:`Inputs.facts`; the caller closes it).
        """
        inputs = Inputs(facts=FactsSpill() if keep_facts else None)
        try:
            features = self._load_into(inputs, records)
        except BaseException:
            if inputs.facts is not None:
                inputs.facts.close()
            raise
        return inputs, features

    def _load_into(self, inputs: Inputs, records: Iterable[CurrentRecord]) -> list[Features]:
        """Add ``records`` to ``inputs`` (and their facts to its spill); return their features."""
        features: list[Features] = []
        with gc_paused():
            for record in records:
                try:
                    facts, normal = self.read(record)
                except RecordError as exc:
                    log.warning(
                        "record %s no longer loads and is left out: %s", record.identity, exc
                    )
                    self.skipped += 1
                    continue
                inputs.add(record.identity, record.id)
                if inputs.facts is not None:
                    inputs.facts.append(facts, normal, record.received_at)
                features.append(
                    extract_features(record.identity, facts, normal, self.guards, self.kinds)
                )
        return features


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
            owners[inputs.identities[p]] for p in group if inputs.identities[p] in owners
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
    customers: Collection[int] | None = None,
    priorities: dict[str, int] | None = None,
) -> tuple[Inputs, Resolution, int]:
    """Run the matching pipeline over the stored records; write nothing.

    With ``customers`` and a stored model, only those customers' records are matched, with
    the stored models and the store's key sizes, as an incremental run would (explaining
    two customers then takes milliseconds, not a rebuild). Returns the inputs, the
    :class:`Resolution` and how many records no longer load.
    """
    settings = RunSettings.for_run(
        validator, normalizer, regions, default_region, config, priorities
    )
    model = store.state(MODEL_STATE)
    loader = settings.loader()
    if customers is not None and model:
        inputs, features = loader.load(store.records_of_customers(customers))
        models = PairModels.from_dict(BUILTIN_COMPARISONS, json.loads(model))
        scope = _scope(store, settings, features, _stored_untrusted(store))
    else:
        inputs, features = loader.load(store.current_records())
        models, scope = None, None
    skipped = loader.skipped
    must, cannot, labelled = constraints(store.decisions(), inputs.position)
    resolution = resolve(
        features,
        config=settings.config,
        must_link=must,
        cannot_link=cannot,
        labelled=labelled,
        models=models,
        scope=scope,
    )
    return inputs, resolution, skipped


@attrs.frozen
class RunSettings:
    """How a run reads records and resolves them (shared by full and incremental runs).

    ``priorities``: each source's survivorship priority (higher wins, 0 when not given);
    the identifier kinds that link on their own are ``config.identifier_kinds``.
    """

    validator: RecordValidator
    normalizer: Normalizer
    regions: dict[str, str] = attrs.field(factory=dict)
    default_region: str | None = None
    config: ResolverConfig = attrs.field(factory=ResolverConfig)
    priorities: dict[str, int] = attrs.field(factory=dict)

    @classmethod
    def for_run(
        cls,
        validator: RecordValidator,
        normalizer: Normalizer,
        regions: dict[str, str] | None,
        default_region: str | None,
        config: ResolverConfig | None,
        priorities: dict[str, int] | None,
    ) -> RunSettings:
        """Return the settings of one run: its own cached normaliser, defaults where unset."""
        return cls(
            validator,
            normalizer.cached(),
            regions or {},
            default_region,
            config or ResolverConfig(),
            priorities or {},
        )

    def loader(self) -> InputLoader:
        """Return a fresh :class:`InputLoader` for these settings."""
        return InputLoader(
            self.validator,
            self.normalizer,
            regions=self.regions,
            default_region=self.default_region,
            priorities=self.priorities,
            kinds=self.config.identifier_kinds,
        )

    def priorities_state(self) -> str:
        """Return the priorities as stored in the resolution state (0 left out, sorted)."""
        return json.dumps({s: p for s, p in sorted(self.priorities.items()) if p})


@attrs.define
class Plan:
    """What one run re-clusters: its inputs, the whole store's scope, what it replaces."""

    inputs: Inputs
    features: list[Features]
    scope: Scope | None
    partial: Partial | None
    models: PairModels | None
    fresh: list[int]
    skipped: int


def resolve_customers(
    store: SqlResolutionStore,
    validator: RecordValidator,
    normalizer: Normalizer,
    choose: Callable[[str, list[dict[str, Any]]], Any],
    *,
    regions: dict[str, str] | None = None,
    default_region: str | None = None,
    config: ResolverConfig | None = None,
    priorities: dict[str, int] | None = None,
    dry_run: bool = False,
    full: bool = False,
    on_created: Callable[[Customer], None] | None = None,
) -> ResolveReport:
    """Resolve customer records into customers; return what changed.

    By default only what changed since the last run is resolved (new and changed records
    and new decisions, against the customers they may concern, with the stored models);
    the first run, ``full``, a change touching more than half the store, a change of the
    source ``priorities`` (survivorship: higher wins) or of the identifier kinds
    (``config.identifier_kinds``) rebuilds from every record and refits the models. With
    ``dry_run`` nothing is written and the report says what would merge and split.
    """
    started = time.perf_counter()
    settings = RunSettings.for_run(
        validator, normalizer, regions, default_region, config, priorities
    )
    plan = None if full else _incremental_plan(store, settings)
    if plan is None:
        plan = _full_plan(store, settings)
    try:
        return _resolve_plan(store, settings, plan, choose, dry_run, on_created, started)
    finally:
        if plan.inputs.facts is not None:
            plan.inputs.facts.close()


def _resolve_plan(
    store: SqlResolutionStore,
    settings: RunSettings,
    plan: Plan,
    choose: Callable[[str, list[dict[str, Any]]], Any],
    dry_run: bool,
    on_created: Callable[[Customer], None] | None,
    started: float,
) -> ResolveReport:
    """Match, cluster and (unless ``dry_run``) write what ``plan`` re-clusters."""
    if not plan.inputs.identities and plan.partial is not None:
        return ResolveReport(
            customers=store.count_customers(),
            mode="unchanged",
            dry_run=dry_run,
            seconds=time.perf_counter() - started,
        )
    must, cannot, labelled = constraints(store.decisions(), plan.inputs.position)
    resolution = resolve(
        plan.features,
        config=settings.config,
        must_link=must,
        cannot_link=cannot,
        labelled=labelled,
        models=plan.models,
        scope=plan.scope,
    )
    inputs = plan.inputs
    owners = store.identity_customers(inputs.position if plan.partial is not None else None)
    ids, alias_groups, split = assign_ids(resolution.groups, inputs, owners)
    report = ResolveReport(
        records=len(inputs.identities),
        customers=_customers_after(store, plan, resolution),
        created=sum(1 for i in ids if not i),
        split=sorted(split),
        review=len(resolution.review),
        candidate_pairs=resolution.candidate_pairs,
        skipped=plan.skipped,
        dry_run=dry_run,
        mode="full" if plan.partial is None else "incremental",
    )
    if dry_run:
        report.merged = sorted((old, ids[g]) for old, g in alias_groups.items())
        report.seconds = time.perf_counter() - started
        return report
    review = [
        (
            inputs.identities[e.i],
            inputs.identities[e.j],
            e.probability,
            explain_edge(resolution, e),
        )
        for e in resolution.review
    ]
    state = _run_state(store, plan, resolution, settings)
    key_rows = _key_rows(resolution, plan)
    groups = resolution.groups
    # Survivorship reads the facts back from the spill: the features and the matching's
    # indexes are no longer needed, and a million records' worth is freed before it starts.
    del resolution
    plan.features = []
    created: list[Customer] = []
    new_ids = store.write(
        _created(
            golden_clusters(inputs, groups, ids, choose, settings.priorities),
            created if on_created is not None else None,
        ),
        alias_groups,
        review,
        state,
        key_rows=zip(key_rows[0], key_rows[1], strict=True),
        partial=plan.partial,
    )
    report.merged = sorted((old, new_ids[g]) for old, g in alias_groups.items())
    report.seconds = time.perf_counter() - started
    if on_created is not None:
        fresh = (cid for cid, old in zip(new_ids, ids, strict=True) if not old)
        for customer, cid in zip(created, fresh, strict=True):
            customer.id = cid
            on_created(customer)
    return report


def golden_clusters(
    inputs: Inputs,
    groups: list[list[int]],
    ids: list[int],
    choose: Callable[[str, list[dict[str, Any]]], Any],
    priorities: dict[str, int],
) -> Iterator[tuple[Customer, list[tuple[Identity, int]]]]:
    """Yield each group's golden customer (id from ``ids``) and ``(identity, record id)``s.

    The members' facts are read back from :attr:`Inputs.facts` one group at a time.
    """
    if inputs.facts is None:
        raise ValueError("the inputs kept no facts for survivorship")
    spill = inputs.facts
    for group, customer_id in zip(groups, ids, strict=True):
        members = []
        for p in group:
            identity = inputs.identities[p]
            facts, normal, received_at = spill.get(p)
            priority = priorities.get(identity.source, 0)
            members.append(Member(identity, facts, normal, priority, received_at))
        yield (
            golden_customer(members, choose, customer_id),
            [(inputs.identities[p], inputs.record_ids[p]) for p in group],
        )


def _created(
    clusters: Iterable[tuple[Customer, list[tuple[Identity, int]]]],
    created: list[Customer] | None,
) -> Iterator[tuple[Customer, list[tuple[Identity, int]]]]:
    """Yield ``clusters``, appending to ``created`` (unless None) the customers new to the store."""
    for cluster in clusters:
        if created is not None and not cluster[0].id:
            created.append(cluster[0])
        yield cluster


def _customers_after(store: SqlResolutionStore, plan: Plan, resolution: Resolution) -> int:
    """Return how many customers the store holds after the run (or would, in a dry run)."""
    if plan.partial is None:
        return len(resolution.groups)
    return store.count_customers() - len(plan.partial.customers) + len(resolution.groups)


def _full_plan(store: SqlResolutionStore, settings: RunSettings) -> Plan:
    """Return the plan of a full run: every current record, models fitted afresh."""
    loader = settings.loader()
    inputs, features = loader.load(store.current_records(), keep_facts=True)
    return Plan(inputs, features, None, None, None, list(range(len(features))), loader.skipped)


def _incremental_plan(store: SqlResolutionStore, settings: RunSettings) -> Plan | None:
    """Return the plan of an incremental run, or None when a full run is due.

    The run re-clusters the new and changed records together with every customer they may
    concern: the customers their identities belonged to, those named in new decisions, and
    those holding one of their keys (new or superseded) that is not over-shared.
    """
    model = store.state(MODEL_STATE)
    covered = store.state(LAST_RECORD_STATE)
    if not model or covered is None or store.state(KEYS_STATE) is None:
        return None
    kinds = store.state(KINDS_STATE) or BUILTIN_IDENTIFIER_KINDS.fingerprint()
    if kinds != settings.config.identifier_kinds.fingerprint():
        log.info("the identifier kinds changed since the last run: resolving in full")
        return None
    if (store.state(PRIORITIES_STATE) or "{}") != settings.priorities_state():
        log.info("the source priorities changed since the last run: resolving in full")
        return None
    last_decision = int(store.state(LAST_DECISION_STATE) or 0)
    loader = settings.loader()
    changed, changed_features = loader.load(
        store.current_records(after=int(covered)), keep_facts=True
    )
    try:
        models = PairModels.from_dict(BUILTIN_COMPARISONS, json.loads(model))
        return _plan_around(
            store, settings, loader, (changed, changed_features), models, last_decision
        )
    finally:
        if changed.facts is not None:  # merged into the plan's own spill, or not needed
            changed.facts.close()


def _plan_around(
    store: SqlResolutionStore,
    settings: RunSettings,
    loader: InputLoader,
    changes: tuple[Inputs, list[Features]],
    models: PairModels,
    last_decision: int,
) -> Plan | None:
    """Return the plan re-clustering ``changes`` with what they concern (None: run in full)."""
    changed, changed_features = changes
    decided = [d for d in store.decisions() if d.id > last_decision]
    touched = set(changed.position) | {i for d in decided for i in (d.left, d.right)}
    if not touched:
        return Plan(
            Inputs(),
            [],
            Scope(),
            Partial(frozenset(), frozenset(), frozenset()),
            None,
            [],
            loader.skipped,
        )
    if len(changed.identities) > FULL_RUN_SHARE * max(store.count_identities(), 1):
        return None
    known = store.identity_rows(touched)
    customers = {customer for customer, _ in known.values()}
    dropped = {
        record
        for identity, (_, record) in known.items()
        if identity in changed.position and record != changed.record_ids[changed.position[identity]]
    }
    untrusted = _stored_untrusted(store)
    customers |= _concerned_customers(
        store, settings, (changed, changed_features), untrusted=untrusted, models=models
    )
    pulled = [
        r for r in store.records_of_customers(customers) if r.identity not in changed.position
    ]
    inputs, features = loader.load(pulled, keep_facts=True)
    try:
        fresh = []
        for identity, record_id, f in zip(
            changed.identities, changed.record_ids, changed_features, strict=True
        ):
            fresh.append(inputs.add(identity, record_id))
            features.append(f)
        if inputs.facts is not None and changed.facts is not None:
            inputs.facts.extend(changed.facts)
        scope = _scope(store, settings, features, untrusted)
    except BaseException:
        if inputs.facts is not None:
            inputs.facts.close()
        raise
    partial = Partial(frozenset(customers), frozenset(inputs.position), frozenset(dropped))
    return Plan(inputs, features, scope, partial, models, fresh, loader.skipped)


def _concerned_customers(
    store: SqlResolutionStore,
    settings: RunSettings,
    changed: tuple[Inputs, list[Features]],
    *,
    untrusted: frozenset[str],
    models: PairModels,
) -> set[int]:
    """Return the customers the changed records may join, split from or be reviewed with.

    The stored records sharing a key with a changed record (keys borne by few enough
    records) are scored against it with the stored models; see
    :func:`~crmkit.identity.resolver.concerned_records`.
    """
    inputs, features = changed
    index = BlockIndex([], fan_out_cap=settings.config.guards.fan_out_cap)
    hashes = {key_hash(k) for f in features for k in stored_keys(index, f)}
    holders = store.key_holders(hashes, PULL_LIMIT)
    customer_of = {record: customer for found in holders.values() for record, customer in found}
    stored = [r for r in store.records_by_ids(customer_of) if r.identity not in inputs.position]
    known, known_features = settings.loader().load(stored)
    owners = [customer_of[record] for record in known.record_ids]
    scope = _scope(store, settings, [*known_features, *features], untrusted)
    concerned = concerned_records(
        features,
        known_features,
        owners,
        models=models,
        config=settings.config,
        scope=scope,
    )
    return {owners[j] for j in concerned}


def _scope(
    store: SqlResolutionStore,
    settings: RunSettings,
    features: list[Features],
    untrusted: frozenset[str],
) -> Scope:
    """Return how the whole store sees the keys of the records being re-clustered."""
    index = BlockIndex([], fan_out_cap=settings.config.guards.fan_out_cap)
    keys = {k for f in features for k in stored_keys(index, f)}
    hashed = {key_hash(k): k for k in keys}
    census = store.key_census(hashed)
    return Scope(
        sizes={hashed[h]: count.records for h, count in census.items()},
        untrusted=untrusted & keys,
    )


def _stored_untrusted(store: SqlResolutionStore) -> frozenset[str]:
    """Return the keys earlier runs found over-shared."""
    stored = store.state(UNTRUSTED_STATE)
    return frozenset(json.loads(stored)) if stored else frozenset()


def _run_state(
    store: SqlResolutionStore, plan: Plan, resolution: Resolution, settings: RunSettings
) -> dict[str, str]:
    """Return the state a run leaves for the next.

    What it covered, models, untrusted keys, and the identifier kinds and source priorities
    it ran with.
    """
    record_ids = [plan.inputs.record_ids[p] for p in plan.fresh]
    covered = max(record_ids, default=0)
    if plan.partial is not None:
        covered = max(covered, int(store.state(LAST_RECORD_STATE) or 0))
    decisions = store.decisions()
    untrusted = set(resolution.index.untrusted)
    if plan.partial is not None:
        untrusted |= _stored_untrusted(store)
    return {
        KEYS_STATE: "1",
        LAST_RECORD_STATE: str(covered),
        LAST_DECISION_STATE: str(max((d.id for d in decisions), default=0)),
        MODEL_STATE: json.dumps(resolution.models.as_dict()),
        UNTRUSTED_STATE: json.dumps(sorted(untrusted)),
        KINDS_STATE: settings.config.identifier_kinds.fingerprint(),
        PRIORITIES_STATE: settings.priorities_state(),
    }


def _key_rows(resolution: Resolution, plan: Plan) -> tuple[array[int], array[int]]:
    """Return the key hashes and record ids of the stored keys of the records new to the store.

    Two flat arrays (a million records bear about ten million keys), row ``n`` being
    ``(hashes[n], record_ids[n])``.
    """
    index = resolution.index
    hashes: array[int] = array("q")
    record_ids: array[int] = array("q")
    for position in plan.fresh:
        keys = stored_keys(index, plan.features[position])
        hashes.extend(key_hash(key) for key in keys)
        record_ids.extend(itertools.repeat(plan.inputs.record_ids[position], len(keys)))
    return hashes, record_ids


def customers_named(
    store: SqlResolutionStore, normalizer: Normalizer, name: str, kind: str | None = None
) -> list[int]:
    """Return the ids of the customers with a record naming the party ``name`` names.

    The name is parsed as records' names are (token order, initials, transliteration,
    diminutives, legal forms and quotes of firms), so ``"Пётр Иванов"`` finds ``Ivanov,
    Petr`` and ``"ООО «Ромашка»"`` finds ``Romashka LLC``. ``kind`` (``person`` or
    ``organization``) settles an ambiguous name. Customers bearing more matching keys
    come first. Only resolved records are searched.
    """
    facts = PartyFacts(external_id="name-search", name=name, kind=kind)
    features = extract_features(
        Identity("search", "name-search"), facts, normalizer.facts(facts, None), Guards()
    )
    hashes = {key_hash(key): key for key in name_search_keys(features)}
    holders = store.key_holders(hashes, limit=MAX_NAME_LOOKUP)
    score: Counter[int] = Counter()
    for found in holders.values():
        for customer in {customer for _, customer in found}:
            score[customer] += 1
    return [customer for customer, _ in score.most_common()]
