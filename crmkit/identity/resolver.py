"""The matching pipeline over a set of records: block, compare, score, cluster.

:func:`resolve` is pure: it takes features and decisions and returns a :class:`Resolution`
— clusters, the links that made them, the pairs left for review, the clusters held by one
link, and the fitted models. The services layer feeds it from the store and writes its
result back. :meth:`Resolution.match` matches one new record against the resolved customers
without a rerun.

The stages:

1. blocking (:mod:`crmkit.identity.blocking`): candidate pairs, over-shared keys untrusted;
2. comparison (:mod:`crmkit.identity.compare`): a pattern of discrete levels per pair;
3. domain rules (:meth:`Scorer.verdict`), which no score overrides: a person is not a firm;
   two different valid INNs (OGRNs) are two taxpayers; the same family with a different
   given name, patronymic or sex is a household, not one person; two birth dates that are
   not one date mistyped are two people; two firms with different names are two firms
   unless an identifier says otherwise — and one rule that links whatever the score: the
   same valid INN is the same taxpayer (a firm's branches are one customer); one full name
   at one home (a shared home landline or flat) with no field against it is one person,
   which lifts the pair to the merge threshold (:meth:`Scorer.one_home`);
4. scoring (:mod:`crmkit.identity.scoring`): Fellegi–Sunter models fitted by EM without
   labels on the pairs the rules leave open, one per pair class (two people, two firms,
   anything else: what a shared landline or address says depends on whether the parties
   are a household or an office); a fit that goes astray is refitted with the rule-decided
   pairs as anchors;
5. clustering (:mod:`crmkit.identity.cluster`): links at or above the merge threshold that
   a field other than the name corroborates (a name is no proof of identity, and a role
   mailbox or a switchboard never carries a link), strongest first, under the constraints
   and the anti-chaining rule; then lookup records (a caller's phone) join the one customer
   their contact points lead to, and records that say little besides a name join the one
   customer bearing it;
6. review: pairs between the thresholds, and clusters held by a single link.

Contact points never carry a link when they are placeholders, role mailboxes, free-mail
domains or over-shared (:mod:`crmkit.identity.guards`).
"""

from __future__ import annotations

import operator
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat

import attrs

from crmkit.identity.blocking import DEFAULT_MAX_BLOCK, DEFAULT_WINDOW, BlockIndex
from crmkit.identity.cluster import (
    MAX_NAMESAKES,
    SCORE,
    Clusterer,
    Edge,
    Thresholds,
    probability_log_odds,
)
from crmkit.identity.compare import (
    BUILTIN_COMPARISONS,
    NAME_CONFLICTS,
    CompareContext,
    Comparison,
    given_keys,
)
from crmkit.identity.features import (
    BUILTIN_IDENTIFIER_KINDS,
    ORGANIZATION,
    PERSON,
    SOLE_TRADER,
    Features,
    IdentifierKinds,
    gc_paused,
)
from crmkit.identity.guards import Guards
from crmkit.identity.scoring import MatchModel, PairModels

__all__ = [
    "DECISIVE_LOG_ODDS",
    "Match",
    "Resolution",
    "ResolverConfig",
    "Scope",
    "Scorer",
    "concerned_records",
    "name_search_keys",
    "pair_class",
    "resolve",
    "stored_keys",
]

#: The log-odds given to a link by a shared valid INN (or OGRN): above any join threshold.
DECISIVE_LOG_ODDS = 30.0
#: A level whose weight is below this speaks clearly against a match.
CONTRADICTION = -1.0
#: The rule that links one person's full name at one home (see :meth:`Scorer.one_home`).
ONE_HOME = "one name at one home"
#: A lone record with at most this many facts besides its name may join by its name.
SPARSE_FACTS = 1

_OTHER = "other"


_TRADER = {PERSON, SOLE_TRADER}


@attrs.frozen
class Verdict:
    """What the domain rules say of a pair.

    ``veto``: why it may not link (or None); ``identified`` and ``personal``: see
    :class:`~crmkit.identity.cluster.Edge`; ``decisive``: a shared valid INN links it
    whatever the score.
    """

    veto: str | None
    identified: bool
    personal: bool
    decisive: bool


@attrs.frozen
class Scope:
    """The whole store as seen from an incremental run over some of its records.

    ``sizes``: how many stored records carry each key (blocking and name keys) of the
    records being re-clustered; ``untrusted``: keys earlier runs found over-shared.
    Empty for a full run, which sees every record.
    """

    sizes: Mapping[str, int] = attrs.field(factory=dict)
    untrusted: frozenset[str] = frozenset()


@attrs.define
class ResolverConfig:
    """Settings of the matching pipeline; the defaults suit Russian B2B and B2C data.

    ``identifier_kinds``: which identifier kinds link on their own and which of them have
    check digits (built-in by default; a plugin manager's come from
    ``register_identifier_kinds``). The features must have been extracted with the same
    kinds.
    """

    thresholds: Thresholds = attrs.field(factory=Thresholds)
    guards: Guards = attrs.field(factory=Guards)
    max_block: int = DEFAULT_MAX_BLOCK
    window: int = DEFAULT_WINDOW
    em_iterations: int = 60
    identifier_kinds: IdentifierKinds = BUILTIN_IDENTIFIER_KINDS

    def context(self, untrusted: set[str]) -> CompareContext:
        """Return the comparison context of a run whose over-shared keys are ``untrusted``."""
        return CompareContext(
            untrusted_keys=untrusted, checked_identifiers=self.identifier_kinds.checked
        )


def pair_class(a: Features, b: Features) -> str:
    """Return the class of a pair: ``person``, ``organization`` or ``other``."""
    if a.org_like and b.org_like and ORGANIZATION in {a.kind, b.kind}:
        return ORGANIZATION
    if a.person_like and b.person_like:
        return PERSON
    if a.org_like and b.org_like:
        return ORGANIZATION
    return _OTHER


class Scorer:
    """Compares record pairs with a set of comparisons and scores them with the models."""

    def __init__(
        self,
        comparisons: Sequence[Comparison],
        context: CompareContext,
        models: PairModels,
        thresholds: Thresholds | None = None,
    ) -> None:
        #: The log-odds :meth:`make_edge` gives a pair :meth:`one_home` links: the merge
        #: threshold.
        self.home_log_odds = probability_log_odds((thresholds or Thresholds()).merge)
        self.comparisons = tuple(comparisons)
        self.functions = tuple(c.function for c in self.comparisons)
        self.context = context
        self.models = models
        self._cache: dict[tuple[str, tuple[int, ...]], float] = {}
        self._verdicts: dict[tuple[str | None, str | None, tuple[int, ...]], Verdict] = {}
        self._corroborating: dict[tuple[int, ...], bool] = {}
        names = [c.name for c in self.comparisons]

        def find(name: str) -> int | None:
            return names.index(name) if name in names else None

        self._id = find("identifier")
        self._name = find("person_name")
        self._birth = find("birth_date")
        self._org = find("org_name")
        self._phone = find("phone")
        self._address = find("address")
        self._homes: dict[tuple[str, tuple[int, ...]], bool] = {}
        self._names = {i for i, c in enumerate(self.comparisons) if c.is_name}

    def reset(self) -> None:
        """Forget cached scores (after the models changed)."""
        self._cache.clear()
        self._homes.clear()

    def pattern(self, a: Features, b: Features) -> tuple[int, ...]:
        """Return the comparison levels of the pair ``(a, b)``."""
        ctx = self.context
        return tuple([function(a, b, ctx) for function in self.functions])

    def log_odds(self, kind: str, pattern: tuple[int, ...]) -> float:
        """Return the match log-odds of ``pattern`` in pair class ``kind`` (cached)."""
        key = (kind, pattern)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.models[kind].log_odds(pattern)
        return found

    def weights(self, kind: str, pattern: tuple[int, ...]) -> list[tuple[str, str, float]]:
        """Return ``(comparison, level, weight)`` of every compared field of a pair."""
        if not pattern:
            return []
        return self.models[kind].weights(pattern)

    def _level(self, index: int | None, pattern: tuple[int, ...]) -> str | None:
        if index is None or not pattern[index]:
            return None
        return self.comparisons[index].levels[pattern[index]]

    def verdict(
        self, party_a: str | None, party_b: str | None, pattern: tuple[int, ...]
    ) -> Verdict:
        """Return what the domain rules say of a pair of these parties with this pattern.

        A person is not a firm (nor a sole trader a company); different valid INNs are
        different taxpayers; a household is not a person (the same family with a different
        given name, patronymic or sex); different birth dates are different people;
        differently named firms are different firms. What only one person has lifts the name
        rules (a shared identifier, one typo of it, or the same birth date: the name was
        mistyped or changed); a shared identifier (or one typo of it) also lifts the
        birth-date rule; nothing lifts the INN rule. The same valid INN links whatever the
        score (``decisive``). Verdicts depend on the parties and levels only, and are cached.
        """
        key = (party_a, party_b, pattern)
        found = self._verdicts.get(key)
        if found is None:
            found = self._verdicts[key] = self._judge(party_a, party_b, pattern)
        return found

    def _judge(self, party_a: str | None, party_b: str | None, pattern: tuple[int, ...]) -> Verdict:
        identifier = self._level(self._id, pattern)
        birth = self._level(self._birth, pattern)
        identified = identifier in {"same_checked", "same", "close"}
        personal = identified or birth == "same"
        veto = None
        if party_a and party_b and party_a != party_b and {party_a, party_b} != _TRADER:
            veto = f"a {party_a} is not a {party_b}"
        elif identifier == "conflict":
            veto = "different INN (or other identifier with check digits): different taxpayers"
        elif identifier not in {"same_checked", "same"}:
            veto = self._people_and_firms(pattern, personal=personal, typo=identifier == "close")
        decisive = veto is None and identifier == "same_checked"
        return Verdict(veto, identified, personal, decisive)

    def _people_and_firms(
        self, pattern: tuple[int, ...], *, personal: bool, typo: bool
    ) -> str | None:
        name = self._level(self._name, pattern)
        if not personal and name in NAME_CONFLICTS:
            return NAME_CONFLICTS[name]
        if self._level(self._birth, pattern) == "differs" and not typo:
            return "different birth dates: different people"
        org = self._level(self._org, pattern)
        if org == "differs":
            return "different organisation names: different firms"
        if org == "form_differs":
            return "the same name under incompatible legal forms: different firms"
        return None

    def veto(self, pattern: tuple[int, ...], a: Features, b: Features) -> str | None:
        """Return the domain rule that forbids linking ``a`` and ``b`` (see :meth:`verdict`)."""
        return self.verdict(a.party, b.party, pattern).veto

    def decisive(self, a: Features, b: Features) -> str | None:
        """Return the checked identifier (INN, OGRN) two records share, or None.

        The same valid INN is the same taxpayer: a firm's branches (one INN, their own KPPs,
        cities and phones) are one customer, and a sole trader's INN is the person's. It links
        whatever the other fields say, unless it is over-shared (over the fan-out cap).
        """
        for kind, value in a.strong_identifiers:
            checked = kind in self.context.checked_identifiers
            shared = checked and b.identifier(kind) == value
            if shared and self.context.trusted(f"id:{kind}:{value}"):
                return kind
        return None

    def edge(self, i: int, j: int, a: Features, b: Features) -> Edge:
        """Return the scored edge between positions ``i`` and ``j``."""
        pattern = self.pattern(a, b)
        kind = pair_class(a, b)
        return self.make_edge(i, j, a, b, kind, pattern, self.log_odds(kind, pattern))

    def make_edge(
        self,
        i: int,
        j: int,
        a: Features,
        b: Features,
        kind: str,
        pattern: tuple[int, ...],
        odds: float,
    ) -> Edge:
        """Return the edge of a pair whose pattern and score are known; apply the rules."""
        verdict = self.verdict(a.party, b.party, pattern)
        rule = SCORE
        if verdict.decisive:
            odds = max(odds, DECISIVE_LOG_ODDS)
            rule = f"same {(self.decisive(a, b) or 'identifier').upper()}"
        elif verdict.veto is None and self.one_home(kind, pattern):
            odds = max(odds, self.home_log_odds)
            rule = ONE_HOME
        return Edge(
            i, j, odds, pattern, verdict.veto, rule, kind, verdict.identified, verdict.personal
        )

    def one_home(self, kind: str, pattern: tuple[int, ...]) -> bool:
        """Return True for two people with one full name who share a home and nothing against.

        A household shares its home phone and flat, and the rules tell its members apart by
        their given names, patronymics and sexes: a full name (family and given name) that
        agrees, with a home landline or the flat in common and no field speaking against a
        match, is one person — however common the name, a namesake does not share the home.
        """
        if kind != PERSON or not pattern:
            return False
        key = (kind, pattern)
        found = self._homes.get(key)
        if found is None:
            name = self._level(self._name, pattern)
            phone = self._level(self._phone, pattern)
            address = self._level(self._address, pattern)
            found = self._homes[key] = (
                name in {"exact", "strong"}
                and (phone == "shared_home" or address == "same_unit")
                and not self._contradicted(kind, pattern)
            )
        return found

    def _contradicted(self, kind: str, pattern: tuple[int, ...]) -> bool:
        weights = self.models[kind].level_weight
        return any(
            level and i not in self._names and weights(i, level) < CONTRADICTION
            for i, level in enumerate(pattern)
        )

    def contradicts(self, edge: Edge) -> bool:
        """Return True when a field other than the name speaks clearly against a match."""
        if not edge.pattern:
            return False
        return self._contradicted(edge.pair_class, edge.pattern)

    def corroborated(self, edge: Edge) -> bool:
        """Return True when a field other than the name speaks for the match.

        A name is never proof of identity on its own (namesakes, same-name firms), and nor is
        a weak agreement (a shared role mailbox such as ``info@``, a switchboard number): a
        link by score needs an agreeing field besides (see :meth:`corroborates`); a pair
        that agrees on the name alone can only join through
        :meth:`~crmkit.identity.cluster.Clusterer.join_by_name`, which checks that the name
        is unique.
        """
        return edge.rule != SCORE or not edge.pattern or self.corroborates(edge.pattern)

    def corroborates(self, pattern: tuple[int, ...]) -> bool:
        """Return True when ``pattern`` agrees on a field that is neither a name nor weak."""
        found = self._corroborating.get(pattern)
        if found is None:
            found = self._corroborating[pattern] = any(
                level
                and (c.levels[level] in c.agree)
                and not c.is_name
                and c.levels[level] not in c.weak
                for c, level in zip(self.comparisons, pattern, strict=True)
            )
        return found

    def names_agree(self, edge: Edge) -> bool:
        """Return True when a pair's names agree in full (exact, strong or close)."""
        person = self._level(self._name, edge.pattern) if edge.pattern else None
        org = self._level(self._org, edge.pattern) if edge.pattern else None
        return person in {"exact", "strong", "close"} or org in {"exact", "close"}

    def acceptable(self, edge: Edge) -> bool:
        """Return True for a pair a name-only lookup may join: no veto, no contradiction."""
        return edge.veto is None and not self.contradicts(edge)


@attrs.define
class Match:
    """Where a new record belongs: a cluster index of the resolution, or None (a new one)."""

    cluster: int | None
    edges: list[Edge]
    review: list[Edge]
    reason: str


@attrs.define
class Resolution:
    """What one run decided, and everything needed to explain it.

    ``groups`` are the clusters (lists of record positions, largest first); ``links`` the
    edges that joined them (a spanning forest); ``review`` the pairs between the review and
    merge thresholds left apart; ``fragile`` the links that alone hold a cluster of two
    groups together; ``rejected`` why scored pairs above the review threshold stayed apart.
    """

    groups: list[list[int]]
    links: list[Edge]
    review: list[Edge]
    fragile: list[Edge]
    models: PairModels
    candidate_pairs: int
    rejected: dict[tuple[int, int], str]
    features: Sequence[Features]
    scorer: Scorer
    index: BlockIndex
    clusterer: Clusterer
    config: ResolverConfig
    _cluster_index: dict[int, int] = attrs.field(factory=dict, repr=False)

    @property
    def model(self) -> MatchModel:
        """Return the model of pairs of people (the largest class; see :attr:`models`)."""
        return self.models[PERSON]

    def cluster_of(self, position: int) -> int:
        """Return the index in :attr:`groups` of the cluster holding ``position``."""
        if not self._cluster_index:
            for number, group in enumerate(self.groups):
                for member in group:
                    self._cluster_index[member] = number
        return self._cluster_index[position]

    def match(self, f: Features) -> Match:
        """Return where a new record ``f`` belongs, without resolving everything again.

        The record is compared with its blocking candidates; a lookup record joins the one
        customer its contact points lead to; any other joins the customer of its strongest
        link at or above the merge threshold that no rule or constraint forbids.
        """
        candidates = self.index.probe(f)
        merge = probability_log_odds(self.config.thresholds.merge)
        review_at = probability_log_odds(self.config.thresholds.review)
        edges = [self.scorer.edge(-1, j, f, self.features[j]) for j in candidates]
        edges.sort(key=lambda e: -e.log_odds)
        review = [e for e in edges if review_at <= e.log_odds < merge and e.veto is None]
        if f.is_lookup:
            roots = {
                self.cluster_of(j)
                for key in _contact_keys(f)
                if self.index.trusted(key)
                for j in self.index.sharing(key)
                if not self.features[j].is_lookup
            }
            if len(roots) == 1:
                return Match(roots.pop(), edges, review, "the one customer its contacts lead to")
            why = "leads to several customers" if roots else "leads to no customer"
            return Match(None, edges, review, f"a lookup record that {why}")
        for edge in edges:
            if edge.log_odds < merge:
                break
            if edge.veto is None and self.scorer.corroborated(edge):
                cluster = self.cluster_of(edge.j)
                if self._fits(f, cluster):
                    return Match(cluster, edges, review, edge.rule)
        return Match(None, edges, review, "no link at or above the merge threshold")

    def _fits(self, f: Features, cluster: int) -> bool:
        """Return True when no member of ``cluster`` vetoes ``f``."""
        for member in self.groups[cluster]:
            other = self.features[member]
            if self.scorer.veto(self.scorer.pattern(f, other), f, other) is not None:
                return False
        return True


#: How many scored pairs an :class:`_EdgeScorer` remembers.
EDGE_MEMO_SIZE = 1 << 16


class _EdgeScorer:
    """Scores pairs of positions for the clustering stage, remembering each pair's pattern.

    The clusterer scores the pairs between two customers again and again (to check them for
    a join, then to pick the link); a pair is compared once, and each call still returns a
    fresh :class:`Edge` (the clusterer marks the links it makes with their rule).
    """

    def __init__(self, scorer: Scorer, features: Sequence[Features]) -> None:
        self.scorer = scorer
        self.features = features
        self._patterns: dict[tuple[int, int], tuple[str, tuple[int, ...]]] = {}

    def __call__(self, i: int, j: int) -> Edge:
        """Return the scored edge between positions ``i`` and ``j`` (as :meth:`Scorer.edge`)."""
        a, b = self.features[i], self.features[j]
        found = self._patterns.get((i, j))
        if found is None:
            if len(self._patterns) >= EDGE_MEMO_SIZE:
                self._patterns.clear()
            found = self._patterns[i, j] = (pair_class(a, b), self.scorer.pattern(a, b))
        kind, pattern = found
        return self.scorer.make_edge(i, j, a, b, kind, pattern, self.scorer.log_odds(kind, pattern))


def _contact_keys(f: Features) -> list[str]:
    return [f"ph:{p}" for p in f.phones] + [f"em:{e}" for e in f.emails]


def _name_keys(f: Features) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the keys a record bears and the keys a name-only lookup of it searches.

    A person (or sole trader) with a given name bears ``family:given`` and is found by an
    initial-only lookup (``Petrov I.``) under ``family:initial``; a record with initials
    only bears ``family:initial`` and searches both. A firm bears and searches its name; a
    record of unknown kind named by one word or a firm's name without its legal form (a
    caller-id such as ``METALLIST``) bears nothing and searches that firm's name.
    """
    person = f.person
    if person is not None and f.person_like and person.family:
        initial = (person.given or person.initials or "")[:1]
        if not initial:
            return (), ((f"o:{f.org}",) if f.kind is None and f.org else ())
        spaces = ("t",) if f.sole_trader else ("p",) if f.kind == PERSON else ("p", "t")
        by_initial = [f"{space}:{person.family}:{initial}" for space in spaces]
        full_by_initial = [f"{key}*" for key in by_initial]
        if person.given:
            full = [f"{space}:{person.family}={g}" for space in spaces for g in given_keys(person)]
            return tuple(full + full_by_initial), tuple(full + by_initial)
        return tuple(by_initial), tuple(by_initial + full_by_initial)
    if f.org_like and f.kind == ORGANIZATION and f.org:
        return (f"o:{f.org}",), (f"o:{f.org}",)
    return (), ()


def stored_keys(index: BlockIndex, f: Features) -> list[str]:
    """Return the keys by which the store finds the records a change to ``f`` may concern.

    Its blocking keys (built-in and plugins') and, unless it is a lookup record, the name
    keys it bears for name-only lookups.
    """
    keys = index.keys_of(f)
    if not f.is_lookup:
        keys = keys + list(_name_keys(f)[0])
    return keys


def concerned_records(
    new: Sequence[Features],
    known: Sequence[Features],
    owners: Sequence[int],
    *,
    models: PairModels,
    config: ResolverConfig | None = None,
    scope: Scope | None = None,
    comparisons: Sequence[Comparison] = BUILTIN_COMPARISONS,
) -> set[int]:
    """Return the positions in ``known`` whose customers a clustering with ``new`` may change.

    ``known`` are stored records sharing a key with a new (or changed) record, ``owners``
    their customers. A known record is concerned when a new record scores with it at or
    above the review threshold or a domain rule links them (the same INN), when they share a
    trusted phone or e-mail (a lookup record may attach either way), or when they bear a name
    that few enough customers bear for a name-only join. Any other known record could
    neither link with a new one nor be put up for review with it: its customer stays as it is.
    """
    config = config or ResolverConfig()
    scope = scope or Scope()
    index = BlockIndex(
        known,
        fan_out_cap=config.guards.fan_out_cap,
        max_block=config.max_block,
        window=config.window,
        sizes=scope.sizes,
        untrusted=scope.untrusted,
    )
    scorer = Scorer(comparisons, config.context(index.untrusted), models, config.thresholds)
    review_at = probability_log_odds(config.thresholds.review)
    bearers = _name_bearers(known)
    found: set[int] = set()
    for f in new:
        for j in index.probe(f):
            edge = scorer.edge(-1, j, f, known[j])
            if edge.log_odds >= review_at or edge.rule != SCORE:
                found.add(j)
        for key in _contact_keys(f):
            if index.trusted(key):
                found.update(index.sharing(key))
        borne, searched = _name_keys(f)
        for key in {*borne, *searched}:
            holders = bearers.get(key, [])
            if len({owners[j] for j in holders}) <= MAX_NAMESAKES + 1:
                found.update(holders)
    return found


def name_search_keys(f: Features) -> tuple[str, ...]:
    """Return the name keys under which records naming the same party as ``f`` are stored.

    A person's family name with the given name (any form of it) or the initial, or a firm's
    name without its legal form: what a name-only lookup searches.
    """
    return _name_keys(f)[1]


def _name_bearers(features: Sequence[Features]) -> dict[str, list[int]]:
    """Return the positions of the records bearing each name key (lookups bear none)."""
    bearers: dict[str, list[int]] = {}
    for position, f in enumerate(features):
        if not f.is_lookup:
            for key in _name_keys(f)[0]:
                bearers.setdefault(key, []).append(position)
    return bearers


def _sparse(f: Features) -> bool:
    """Return True for a record that says little besides a name: at most one other fact."""
    facts = (
        bool(f.phones),
        bool(f.emails),
        f.birth_date is not None,
        bool(f.street),
        bool(f.strong_identifiers),
    )
    return sum(facts) <= SPARSE_FACTS


def _lookup_reach(
    features: Sequence[Features], index: BlockIndex, lookups: frozenset[int]
) -> dict[int, list[int]]:
    """Return, for each lookup record, the records sharing a trusted phone or e-mail."""
    reach: dict[int, list[int]] = {}
    for position in sorted(lookups):
        found: dict[int, None] = {}
        for key in _contact_keys(features[position]):
            if index.trusted(key):
                found.update(dict.fromkeys(o for o in index.sharing(key) if o != position))
        reach[position] = list(found)
    return reach


def resolve(
    features: Sequence[Features],
    *,
    config: ResolverConfig | None = None,
    comparisons: Sequence[Comparison] = BUILTIN_COMPARISONS,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    labelled: Iterable[tuple[int, int, bool]] = (),
    models: PairModels | None = None,
    extra_keys: Callable[[Features], Iterable[str]] | None = None,
    scope: Scope | None = None,
) -> Resolution:
    """Cluster ``features`` into customers; return the full :class:`Resolution`.

    Without ``models``, they are fitted on these records by EM over the candidate pairs'
    comparison patterns. ``labelled`` pairs ``(i, j, is_match)`` are reviewers' decisions,
    used in fitting; ``must_link`` and ``cannot_link`` pairs are reviewers' merges and
    separations, which always hold. ``scope`` describes the whole store when ``features``
    are only the records an incremental run re-clusters.
    """
    with gc_paused():
        return _resolve(
            features,
            config or ResolverConfig(),
            comparisons,
            (must_link, cannot_link, labelled),
            models,
            extra_keys,
            scope or Scope(),
        )


#: How many candidate pairs are compared at a time (bounds the memory of the columns).
PAIR_CHUNK = 1 << 15
_PatternKey = tuple[str, str | None, str | None, tuple[int, ...]]
_party = operator.attrgetter("party")


def _candidate_pairs(index: BlockIndex) -> tuple[array[int], array[int]]:
    """Return the candidate pairs ``(left[k], right[k])``, ordered by left then right."""
    left, right = array("I"), array("I")
    for i, candidates in enumerate(index.all_candidates()):
        if candidates:
            left.extend(repeat(i, len(candidates)))
            right.extend(candidates)
    return left, right


def _intern_patterns(
    features: Sequence[Features],
    left: array[int],
    right: array[int],
    functions: Sequence[Callable[[Features, Features, CompareContext], int]],
    context: CompareContext,
) -> tuple[dict[_PatternKey, int], array[int]]:
    """Compare every candidate pair; return the distinct pattern keys and each pair's key id.

    A key is the pair class, the two parties and the comparison pattern; ids number the
    keys in the order they first occur. Pairs are compared a chunk at a time, comparison by
    comparison (each one mapped over the chunk's pairs, the patterns zipped from the columns),
    which spares the interpreter a loop and a list per pair.
    """
    pattern_ids: dict[_PatternKey, int] = {}
    number = pattern_ids.setdefault
    ids = array("I")
    for start in range(0, len(left), PAIR_CHUNK):
        firsts = [features[i] for i in left[start : start + PAIR_CHUNK]]
        seconds = [features[j] for j in right[start : start + PAIR_CHUNK]]
        columns = [list(map(f, firsts, seconds, repeat(context))) for f in functions]
        patterns = zip(*columns, strict=True) if columns else repeat((), len(firsts))
        classes = map(pair_class, firsts, seconds)
        keys = zip(classes, map(_party, firsts), map(_party, seconds), patterns, strict=True)
        ids.extend([number(key, len(pattern_ids)) for key in keys])
    return pattern_ids, ids


def _resolve(
    features: Sequence[Features],
    config: ResolverConfig,
    comparisons: Sequence[Comparison],
    decided: tuple[
        Iterable[tuple[int, int]], Iterable[tuple[int, int]], Iterable[tuple[int, int, bool]]
    ],
    models: PairModels | None,
    extra_keys: Callable[[Features], Iterable[str]] | None,
    scope: Scope,
) -> Resolution:
    must_link, cannot_link, labelled = decided
    index = BlockIndex(
        features,
        fan_out_cap=config.guards.fan_out_cap,
        max_block=config.max_block,
        window=config.window,
        extra_keys=extra_keys,
        sizes=scope.sizes,
        untrusted=scope.untrusted,
    )
    context = config.context(index.untrusted)
    fitted = models or PairModels.from_priors(comparisons)
    scorer = Scorer(comparisons, context, fitted, config.thresholds)
    functions = scorer.functions
    # Patterns are interned: each pair keeps a small integer, not a tuple. Pairs whose class
    # a domain rule settles (vetoed: a non-match; the same INN: a match) are counted apart.
    left, right = _candidate_pairs(index)
    pattern_ids, ids = _intern_patterns(features, left, right, functions, context)
    keys = list(pattern_ids)
    verdicts = [scorer.verdict(pa, pb, pattern) for _, pa, pb, pattern in keys]
    if models is None:
        # The models learn from the pairs the rules leave open: a vetoed pair (a household,
        # two INNs) or a decided one (one INN) is only an anchor if the free fit goes astray.
        free: Counter[tuple[str, tuple[int, ...]]] = Counter()
        settled: Counter[tuple[str, tuple[int, ...], bool]] = Counter()
        for number, count in Counter(ids).items():
            verdict = verdicts[number]
            kind, _, _, pattern = keys[number]
            if verdict.veto is None and not verdict.decisive:
                free[kind, pattern] += count
            else:
                settled[kind, pattern, verdict.decisive] += count
        labels = [
            (pair_class(features[i], features[j]), scorer.pattern(features[i], features[j]), m)
            for i, j, m in labelled
        ]
        fitted.estimate(free, known=settled, labelled=labels, max_iterations=config.em_iterations)
        scorer.reset()
    review_at = probability_log_odds(config.thresholds.review)
    odds = [scorer.log_odds(kind, pattern) for kind, _, _, pattern in keys]
    wanted = [
        odds[k] >= review_at
        or verdicts[k].decisive
        or (verdicts[k].veto is None and scorer.one_home(keys[k][0], keys[k][3]))
        for k in range(len(keys))
    ]
    edges = [
        scorer.make_edge(i, j, features[i], features[j], keys[k][0], keys[k][3], odds[k])
        for i, j, k in zip(left, right, ids, strict=True)
        if wanted[k]
    ]
    lookups = frozenset(i for i, f in enumerate(features) if f.is_lookup)
    clusterer = Clusterer(
        features,
        thresholds=config.thresholds,
        must_link=must_link,
        cannot_link=cannot_link,
        lookups=lookups,
        checked=config.identifier_kinds.checked,
    )

    edge_for = _EdgeScorer(scorer, features)
    clusterer.add_edges([e for e in edges if scorer.corroborated(e)], edge_for)

    clusterer.attach_lookups(_lookup_reach(features, index, lookups), edge_for)
    clusterer.join_by_name(
        [_name_keys(f) for f in features],
        edge_for,
        scorer.acceptable,
        scorer.names_agree,
        lambda i: _sparse(features[i]),
        scope.sizes,
    )
    return Resolution(
        groups=clusterer.groups(),
        links=clusterer.links,
        review=[e for e in clusterer.review if clusterer.find(e.i) != clusterer.find(e.j)],
        fragile=clusterer.fragile(),
        models=fitted,
        candidate_pairs=len(ids),
        rejected=clusterer.rejected,
        features=features,
        scorer=scorer,
        index=index,
        clusterer=clusterer,
        config=config,
    )
