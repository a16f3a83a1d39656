"""Clustering scored pairs into customers, under must-link and cannot-link constraints.

Edges are taken strongest first (union-find). Two clusters never join when that would put
into one customer two different valid identifiers (INNs), two birth dates that are not one
date mistyped, two personal names that cannot be one person's (a household's members), a
person and a firm, or two records a reviewer separated (cannot-link). A reviewer's merge
(must-link) is applied first and always holds.

Against transitive chaining, two *established* clusters (each already holding more than one
record) join only on a link at least as strong as ``Thresholds.join``, on two independent
links (no record shared between them), or when every record of one agrees with every record
of the other (no veto, a mean score for a match): one weak bridge cannot chain two customers
together, while attaching a single record needs only the merge threshold. After clustering,
a cluster that still hangs on one bridge between two groups of records is flagged
(:meth:`Clusterer.fragile`) for review.

Records that only say how to reach someone (a caller's phone, a buyer's e-mail: see
:attr:`~crmkit.identity.features.Features.is_lookup`) do not take part in the pairwise
clustering; :meth:`Clusterer.attach_lookups` attaches each to the one customer its contact
points lead to, or to none when they lead to several (a household's home phone, a
switchboard). Last, :meth:`Clusterer.join_by_name` treats a name that exactly one other
customer bears (or several that nothing tells apart) as a lookup key for records that say
little besides it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import TYPE_CHECKING

import attrs

from crmkit.identity.compare import ORG_CLOSE, dates_close, names_conflict, same_given
from crmkit.identity.features import CHECKED_IDENTIFIERS, ORGANIZATION, PERSON, is_mobile
from crmkit.identity.organizations import compare_org_names
from crmkit.identity.persons import (
    NameAgreement,
    PersonName,
    compare_person_names,
    is_known_given_name,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from crmkit.identity.features import Features

__all__ = [
    "LOOKUP",
    "MUST_LINK",
    "NAME",
    "SCORE",
    "Clusterer",
    "Edge",
    "Thresholds",
    "probability_log_odds",
]

#: How a link was made (:attr:`Edge.rule`); a shared INN is ``same INN`` (``same <kind>``).
MUST_LINK = "must-link"
LOOKUP = "lookup"
SCORE = "score"
NAME = "unique name"
#: Two clusters with more record pairs than this are not checked pair by pair.
MAX_CROSS_PAIRS = 400
#: A name key borne by more records (or customers) than this is too common to look anyone
#: up by.
MAX_NAME_HOLDERS = 60
MAX_NAMESAKES = 4


def probability_log_odds(probability: float) -> float:
    """Return the log-odds of ``probability`` (clamped away from 0 and 1)."""
    p = min(max(probability, 1e-15), 1 - 1e-15)
    return math.log(p / (1 - p))


@attrs.define(slots=True)
class Edge:
    """A scored candidate pair: positions ``i < j``, log-odds of a match, comparison pattern.

    ``veto`` names the domain rule that forbids the link whatever the score (``None`` when
    none does); ``rule`` says what makes the link (``score``, ``same INN``, ``lookup``,
    ``unique name``, ``must-link``); ``pair_class`` which model scored it.
    """

    i: int
    j: int
    log_odds: float
    pattern: tuple[int, ...]
    veto: str | None = None
    rule: str = SCORE
    pair_class: str = "person"
    identified: bool = False
    personal: bool = False

    @property
    def probability(self) -> float:
        """Return the match probability of the pair."""
        if self.log_odds >= 35:  # noqa: PLR2004
            return 1.0
        if self.log_odds <= -35:  # noqa: PLR2004
            return 0.0
        return 1.0 / (1.0 + math.exp(-self.log_odds))


@attrs.define
class Thresholds:
    """Decision thresholds, as match probabilities.

    A pair at or above ``merge`` links its records; one between ``review`` and ``merge`` goes
    to the review queue. ``join`` is what a single link needs to join two established
    clusters (below it, two independent links are needed).
    """

    merge: float = 0.8
    review: float = 0.5
    join: float = 0.99


@attrs.define(slots=True)
class _Cluster:
    members: list[int]
    identifiers: dict[str, set[str]]
    birth_dates: set[dt.date]
    names: list[PersonName]
    kinds: set[str]
    orgs: set[str]
    weight: int  # members that are not lookups


class _Clusters(dict[int, _Cluster]):
    """The clusters by root, each made on first use (most records stay alone)."""

    def __init__(
        self,
        features: Sequence[Features],
        lookups: frozenset[int],
        checked: frozenset[str] = CHECKED_IDENTIFIERS,
    ) -> None:
        super().__init__()
        self.features = features
        self.lookups = lookups
        self.checked = checked

    def __missing__(self, position: int) -> _Cluster:
        f = self.features[position]
        ids = {k: {v} for k, v in f.identifiers if k in self.checked}
        births = {f.birth_date} if f.birth_date is not None and f.person_like else set()
        names = [f.person] if f.person is not None and f.person_like else []
        kind = _kind_of(f)
        orgs = {f.org} if f.org and f.org_like and f.kind == ORGANIZATION else set()
        cluster = _Cluster(
            [position],
            ids,
            births,
            names,
            {kind} if kind else set(),
            orgs,
            0 if position in self.lookups else 1,
        )
        self[position] = cluster
        return cluster


def _kind_of(f: Features) -> str | None:
    if f.kind == ORGANIZATION and not f.sole_trader:
        return ORGANIZATION
    if f.kind == PERSON or f.sole_trader:
        return PERSON
    return None


class Clusterer:
    """Union-find with constraints; see the module docstring for the rules."""

    def __init__(
        self,
        features: Sequence[Features],
        *,
        thresholds: Thresholds,
        must_link: Iterable[tuple[int, int]] = (),
        cannot_link: Iterable[tuple[int, int]] = (),
        lookups: frozenset[int] = frozenset(),
        checked: frozenset[str] = CHECKED_IDENTIFIERS,
    ) -> None:
        self.features = features
        self.thresholds = thresholds
        self.lookups = lookups
        self.parent = list(range(len(features)))
        self.clusters = _Clusters(features, lookups, checked)
        self.cannot: dict[int, set[int]] = defaultdict(set)
        for a, b in cannot_link:
            self.cannot[a].add(b)
            self.cannot[b].add(a)
        self.links: list[Edge] = []
        self.accepted: list[Edge] = []
        self.rejected: dict[tuple[int, int], str] = {}
        self.review: list[Edge] = []
        self._name_sizes: Mapping[str, int] = {}
        for a, b in must_link:
            i, j = min(a, b), max(a, b)
            self.union(i, j, Edge(i, j, math.inf, (), rule=MUST_LINK), force=True)

    def find(self, position: int) -> int:
        """Return the root of the cluster holding ``position``."""
        parent = self.parent
        root = position
        while parent[root] != root:
            root = parent[root]
        while parent[position] != root:
            parent[position], position = root, parent[position]
        return root

    def cluster_of(self, position: int) -> list[int]:
        """Return the members of the cluster holding ``position``."""
        return self.clusters[self.find(position)].members

    def conflict(self, a: int, b: int, edge: Edge | None = None) -> str | None:
        """Return why clusters ``a`` and ``b`` (roots) must stay apart, or ``None``.

        The personal evidence of the linking ``edge`` outweighs disagreeing names (and a
        shared identifier, disagreeing birth dates); never different INNs, kinds or a
        reviewer's decision.
        """
        ca, cb = self.clusters[a], self.clusters[b]
        if self.cannot:
            small, large = (ca, cb) if len(ca.members) <= len(cb.members) else (cb, ca)
            large_set = set(large.members)
            for member in small.members:
                if self.cannot[member] & large_set:
                    return "kept apart by a reviewer's decision"
        for kind, values in ca.identifiers.items():
            other = cb.identifiers.get(kind)
            if other and not (values & other):
                return f"different {kind.upper()}: {min(values)} / {min(other)}"
        if len(ca.kinds | cb.kinds) > 1:
            return "a person and an organisation"
        return self._people_conflict(
            ca,
            cb,
            dates=edge is None or not edge.identified,
            names=edge is None or not edge.personal,
        )

    @staticmethod
    def _people_conflict(
        ca: _Cluster, cb: _Cluster, *, dates: bool = True, names: bool = True
    ) -> str | None:
        """Return why two clusters' people differ (birth dates, names), or None."""
        if (
            dates
            and ca.birth_dates
            and cb.birth_dates
            and not any(dates_close(x, y) for x in ca.birth_dates for y in cb.birth_dates)
        ):
            return f"different birth dates: {min(ca.birth_dates)} / {min(cb.birth_dates)}"
        if not names:
            return None
        for x_name in ca.names:
            for y_name in cb.names:
                why = names_conflict(x_name, y_name)
                if why is not None:
                    return f"{why} ({x_name.display} / {y_name.display})"
        return None

    def union(self, a: int, b: int, edge: Edge, *, force: bool = False) -> bool:
        """Join the clusters of ``a`` and ``b`` unless a constraint forbids it; True if joined."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not force:
            reason = self.conflict(ra, rb, edge)
            if reason is not None:
                self.rejected[edge.i, edge.j] = reason
                return False
        ca, cb = self.clusters[ra], self.clusters[rb]
        if len(ca.members) < len(cb.members):
            ra, rb, ca, cb = rb, ra, cb, ca
        self.parent[rb] = ra
        ca.members.extend(cb.members)
        for kind, values in cb.identifiers.items():
            ca.identifiers.setdefault(kind, set()).update(values)
        ca.birth_dates |= cb.birth_dates
        for name in cb.names:
            if name not in ca.names:
                ca.names.append(name)
        ca.kinds |= cb.kinds
        ca.orgs |= cb.orgs
        ca.weight += cb.weight
        del self.clusters[rb]
        self.links.append(edge)
        return True

    def _established(self, root: int) -> bool:
        return self.clusters[root].weight > 1

    def _consistent(self, ra: int, rb: int, edge_for: Callable[[int, int], Edge]) -> bool:
        """Return True when every record of one cluster agrees with every record of the other.

        No pair is vetoed and the pairs' mean score is for a match (complete linkage).
        """
        ma = [m for m in self.clusters[ra].members if m not in self.lookups]
        mb = [m for m in self.clusters[rb].members if m not in self.lookups]
        if len(ma) * len(mb) > MAX_CROSS_PAIRS:
            return False
        total = 0.0
        for x in ma:
            for y in mb:
                edge = edge_for(min(x, y), max(x, y))
                if edge.veto is not None:
                    return False
                total += edge.log_odds
        return total >= 0

    def add_edges(
        self, edges: Iterable[Edge], edge_for: Callable[[int, int], Edge] | None = None
    ) -> None:
        """Merge along ``edges`` (strongest first); pairs between the thresholds go to review.

        Edges touching a lookup record are left to :meth:`attach_lookups`. Two established
        clusters join on a link below ``Thresholds.join`` only when a second independent link
        supports it, or when all their records agree pairwise (``edge_for`` scores a pair).
        """
        merge = probability_log_odds(self.thresholds.merge)
        review = probability_log_odds(self.thresholds.review)
        join = probability_log_odds(self.thresholds.join)
        deferred: dict[tuple[int, int], list[Edge]] = defaultdict(list)
        lookups = self.lookups
        ordered = sorted(
            (e for e in edges if e.log_odds >= review),
            key=lambda e: -e.log_odds,
        )
        for edge in ordered:
            if edge.i in lookups or edge.j in lookups:
                continue
            if edge.veto is not None:
                self.rejected[edge.i, edge.j] = edge.veto
                continue
            if edge.log_odds < merge:
                self.review.append(edge)
                continue
            self.accepted.append(edge)
            ra, rb = self.find(edge.i), self.find(edge.j)
            if ra == rb:
                continue
            if edge.log_odds < join and self._established(ra) and self._established(rb):
                key = (min(ra, rb), max(ra, rb))
                deferred[key].append(edge)
                consistent = edge_for is not None and self._consistent(ra, rb, edge_for)
                if not consistent and not _independent(deferred[key]):
                    self.rejected[edge.i, edge.j] = (
                        "one link between two established customers (needs a stronger "
                        "link or a second, independent one)"
                    )
                    continue
            if self.union(edge.i, edge.j, edge):
                self.rejected.pop((edge.i, edge.j), None)
        self._settle(deferred)
        self.review = [e for e in self.review if self.find(e.i) != self.find(e.j)]

    def _settle(self, deferred: dict[tuple[int, int], list[Edge]]) -> None:
        """Join established clusters that gained a second independent link meanwhile."""
        regrouped: dict[tuple[int, int], list[Edge]] = defaultdict(list)
        for group in deferred.values():
            for edge in group:
                ra, rb = self.find(edge.i), self.find(edge.j)
                if ra != rb:
                    regrouped[min(ra, rb), max(ra, rb)].append(edge)
        for group in regrouped.values():
            if _independent(group):
                best = max(group, key=lambda e: e.log_odds)
                if self.union(best.i, best.j, best):
                    for edge in group:
                        self.rejected.pop((edge.i, edge.j), None)

    def attach_lookups(
        self, reach: dict[int, list[int]], edge_for: Callable[[int, int], Edge]
    ) -> None:
        """Attach each lookup record to the one customer its contact points lead to.

        ``reach`` maps a lookup record to every other record sharing a trusted contact point
        with it; ``edge_for(i, j)`` scores a pair. The record joins when those records make
        up one customer whose names do not contradict the lookup's name fragment; when they
        make up several, the fragment may pick one (a caller-id naming one member of a
        household), otherwise the record stays alone.
        """
        for position, reached in reach.items():
            roots: dict[int, list[int]] = defaultdict(list)
            for other in reached:
                if other not in self.lookups:
                    roots[self.find(other)].append(other)
            if not roots:
                continue
            f = self.features[position]
            verdicts = {root: _fragment_verdict(f, self.clusters[root]) for root in roots}
            allowed = [root for root, verdict in verdicts.items() if verdict is not False]
            if len(roots) > 1:
                allowed = [root for root in allowed if verdicts[root] is True] or (
                    self._office_line(f, allowed)
                )
            if len(allowed) != 1:
                reason = (
                    "a lookup whose contact points lead to several customers"
                    if len(roots) > 1
                    else "a lookup whose name contradicts the customer it leads to"
                )
                for members in roots.values():
                    for other in members:
                        self.rejected[min(position, other), max(position, other)] = reason
                continue
            candidates = [
                edge_for(min(position, other), max(position, other)) for other in roots[allowed[0]]
            ]
            link = max(candidates, key=lambda e: e.log_odds)
            link.rule = LOOKUP
            self.union(link.i, link.j, link, force=True)

    def _office_line(self, f: Features, roots: list[int]) -> list[int]:
        """Return the one firm among ``roots`` whose office landline a lookup called from.

        A landline that one organisation and some people share is the firm's office line,
        which its staff gave as their work phone: the call is the firm's. Several firms on
        one number (a business centre's switchboard) or a mobile decide nothing.
        """
        if not f.phones or any(is_mobile(p) for p in f.phones):
            return []
        firms = [r for r in roots if self.clusters[r].kinds == {ORGANIZATION}]
        people = [r for r in roots if self.clusters[r].kinds == {PERSON}]
        if len(firms) == 1 and len(firms) + len(people) == len(roots):
            return firms
        return []

    def join_by_name(
        self,
        name_keys: Sequence[tuple[tuple[str, ...], tuple[str, ...]]],
        edge_for: Callable[[int, int], Edge],
        acceptable: Callable[[Edge], bool],
        names_agree: Callable[[Edge], bool],
        sparse: Callable[[int], bool],
        sizes: Mapping[str, int] | None = None,
    ) -> None:
        """Join two customers that alone bear one name and agree on everything else.

        A name is no proof of identity, but a name that exactly one other customer bears is a
        lookup key: a hand-typed record with a name and little else, a caller whose number
        leads nowhere (``sparse``: little besides a name), or two groups of records that
        share a name but no phone or e-mail join that customer when every pair of their
        records is ``acceptable`` (no veto, nothing contradicting: not another city, birth
        date or phone), the best pair's ``names_agree`` (a full name, not a family name
        alone) and no constraint forbids it.
        ``name_keys[i]`` is ``(keys record i bears, keys it searches)``: a family name with
        the given name or its initial, or a firm's name. A name borne by several customers
        (namesakes, same-name firms) joins nothing, unless nothing tells those customers
        apart: then they are the pieces of one customer that only its name connects.
        ``sizes`` gives how many records bear a name in the whole store, when only some of
        them are being clustered.
        """
        self._name_sizes = sizes or {}
        holders: dict[str, set[int]] = defaultdict(set)
        for position, (borne, _) in enumerate(name_keys):
            if position not in self.lookups:
                for key in borne:
                    holders[key].add(position)

        known: dict[tuple[int, int, int, int], bool] = {}

        def alike(a: int, b: int) -> bool:
            """Return True when nothing tells customers ``a`` and ``b`` apart (memoised)."""
            key = (a, b, len(self.clusters[a].members), len(self.clusters[b].members))
            found = known.get(key)
            if found is None:
                edges = [] if self.conflict(a, b) else self._cross_edges(a, b, edge_for, -1)
                found = known[key] = bool(edges) and all(acceptable(e) for e in edges)
            return found

        for position, (_, keys) in enumerate(name_keys):
            target = self._name_target(position, keys, holders, sparse, alike) if keys else None
            if target is None:
                continue
            edges = self._cross_edges(self.find(position), target, edge_for, include=position)
            if not edges or not all(acceptable(e) for e in edges):
                continue
            link = max(edges, key=lambda e: e.log_odds)
            if names_agree(link):
                link.rule = NAME
                self.union(link.i, link.j, link)

    def _name_target(
        self,
        position: int,
        keys: tuple[str, ...],
        holders: dict[str, set[int]],
        sparse: Callable[[int], bool],
        alike: Callable[[int, int], bool],
    ) -> int | None:
        """Return the one other customer bearing the name ``position`` searches, or None.

        Several customers bearing it are one when each pair of them is ``alike`` (nothing
        tells them apart: the pieces of one customer that its name alone connects): the
        largest is the target, and the others join it in turn.
        """
        root = self.find(position)
        if position in self.lookups and len(self.clusters[root].members) > 1:
            return None  # a lookup already attached by its phone or e-mail
        others = self._namesakes(keys, holders)
        if others is None:
            return None  # a name this common leads to no one in particular
        others.discard(root)
        person = self.features[position].person
        if person is not None and 1 < len(others) <= MAX_NAMESAKES:
            others = {
                other
                for other in others
                if not any(names_conflict(person, n) for n in self.clusters[other].names)
            }
        if 1 < len(others) <= MAX_NAMESAKES and all(
            alike(x, y) for x in others for y in others if x < y
        ):
            others = {max(others, key=lambda o: (self.clusters[o].weight, -o))}
        target = others.pop() if len(others) == 1 else None
        if target is None:
            return None
        weight, other_weight = self.clusters[root].weight, self.clusters[target].weight
        lone_with_facts = weight <= 1 and not sparse(position)  # matched nobody's facts
        asks_for_itself = weight > 1 and other_weight <= 1  # the lone one decides
        return None if lone_with_facts or asks_for_itself else target

    def _namesakes(self, keys: tuple[str, ...], holders: dict[str, set[int]]) -> set[int] | None:
        """Return the roots of the customers bearing any of ``keys``, or None for a common name.

        A name borne by more than :data:`MAX_NAME_HOLDERS` records (here or, for an
        incremental run, in the whole store) leads to no one in particular.
        """
        sizes = self._name_sizes
        found: set[int] = set()
        for key in keys:
            held = holders.get(key, ())
            if len(held) > MAX_NAME_HOLDERS or sizes.get(key, 0) > MAX_NAME_HOLDERS:
                return None
            found.update(map(self.find, held))
        return found

    def _cross_edges(
        self, a: int, b: int, edge_for: Callable[[int, int], Edge], include: int
    ) -> list[Edge]:
        """Return the scored pairs between two clusters' records (empty when too many)."""
        ma = [m for m in self.clusters[a].members if m not in self.lookups or m == include]
        mb = [m for m in self.clusters[b].members if m not in self.lookups]
        if len(ma) * len(mb) > MAX_CROSS_PAIRS:
            return []
        return [edge_for(min(x, y), max(x, y)) for x in ma for y in mb]

    def fragile(self) -> list[Edge]:
        """Return the links that alone hold a cluster together: bridges between two groups.

        A cluster is flagged when removing one accepted link would split it into two parts of
        more than one record each — the shape a wrong chain leaves behind.
        """
        by_root: dict[int, list[Edge]] = defaultdict(list)
        for edge in self.accepted:
            root = self.find(edge.i)
            if root == self.find(edge.j):
                by_root[root].append(edge)
        for edge in self.links:
            if edge.rule != SCORE:
                by_root[self.find(edge.i)].append(edge)
        found: list[Edge] = []
        for root, edges in by_root.items():
            if len(self.clusters[root].members) >= 4:  # noqa: PLR2004
                found.extend(_bridges(edges))
        return found

    def groups(self) -> list[list[int]]:
        """Return the clusters as lists of positions, each sorted, largest first."""
        members: dict[int, list[int]] = defaultdict(list)
        for position in range(len(self.parent)):
            members[self.find(position)].append(position)
        return sorted(members.values(), key=len, reverse=True)


def _given_verdict(fragment: PersonName, name: PersonName) -> bool | None:
    if fragment.given and name.given:
        if same_given(fragment, name):
            return True
        if is_known_given_name(fragment.given) and is_known_given_name(name.given):
            return False
        return None
    if fragment.initials and name.initials:
        return None if fragment.initials[0] == name.initials[0] else False
    return None


def _name_verdict(fragment: PersonName, name: PersonName) -> bool | None:
    """Return whether a name fragment names this person.

    True when it does (its given name included), False when it names someone else, None
    when it cannot tell (a family name alone, say).
    """
    if fragment.family and name.family:
        agreement = compare_person_names(fragment, name)
        if agreement in {NameAgreement.GIVEN_DIFFERS, NameAgreement.DIFFERS}:
            return False
    return _given_verdict(fragment, name)


def _fragment_verdict(f: Features, cluster: _Cluster) -> bool | None:
    """Return whether a lookup's name fragment agrees with a customer (None: cannot tell)."""
    verdicts: list[bool | None] = []
    if f.person is not None and cluster.names:
        verdicts += [_name_verdict(f.person, name) for name in cluster.names]
    if f.org and cluster.orgs:
        verdicts += [
            True if f.org == org or compare_org_names(f.org, org) >= ORG_CLOSE else None
            for org in cluster.orgs
        ]
    if not verdicts:
        return None
    if any(v is True for v in verdicts):
        return True
    if all(v is False for v in verdicts) and not cluster.orgs:
        return False
    return None


def _independent(edges: list[Edge]) -> bool:
    """Return True when two of ``edges`` share no record."""
    for x in range(len(edges)):
        a = edges[x]
        for y in range(x + 1, len(edges)):
            b = edges[y]
            if len({a.i, a.j, b.i, b.j}) == 4:  # noqa: PLR2004
                return True
    return False


def _bridges(edges: list[Edge]) -> list[Edge]:
    """Return the bridges of the graph ``edges`` that split it into parts of two or more."""
    adjacency: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for index, edge in enumerate(edges):
        adjacency[edge.i].append((edge.j, index))
        adjacency[edge.j].append((edge.i, index))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    size: dict[int, int] = {}
    found: list[tuple[int, int]] = []  # (edge index, size of the part below it)
    counter = 0
    for start in adjacency:
        if start in order:
            continue
        order[start] = low[start] = counter
        size[start] = 1
        counter += 1
        stack: list[tuple[int, int, int]] = [(start, -1, 0)]
        while stack:
            node, via, cursor = stack[-1]
            neighbours = adjacency[node]
            if cursor < len(neighbours):
                stack[-1] = (node, via, cursor + 1)
                nxt, index = neighbours[cursor]
                if index == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    size[nxt] = 1
                    counter += 1
                    stack.append((nxt, index, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                size[parent] += size[node]
                if low[node] > order[parent]:
                    found.append((via, size[node]))
    total = len(adjacency)
    return [edges[index] for index, below in found if below >= 2 and total - below >= 2]  # noqa: PLR2004
