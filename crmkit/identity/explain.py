"""Explain a resolution: why two records are one customer, or why they are not.

:func:`explain` answers the question users of other systems cannot get answered ("why were
these merged?"). For two records in one cluster it returns the chain of links that connects
them, each with the rule that made it and the comparison levels and weights behind its score;
for two records in different clusters it returns their direct comparison and the reason they
were not linked: a domain rule (a veto), a constraint between the two customers, a score
below the threshold, or the anti-chaining rule.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import TYPE_CHECKING

import attrs

from crmkit.domain import Identity
from crmkit.identity.cluster import probability_log_odds

if TYPE_CHECKING:
    from crmkit.identity.cluster import Edge
    from crmkit.identity.resolver import Resolution

__all__ = ["Explanation", "LinkExplanation", "explain"]


@attrs.frozen
class LinkExplanation:
    """One link (or one direct comparison) between two records.

    ``rule`` says what makes the link (``score``, ``same INN``, ``lookup``, ``unique name``,
    ``must-link``); ``comparisons`` lists ``(comparison, level, weight)`` for every field
    both records have, the weights being natural-log Bayes factors of the ``model`` (the
    pair class: ``person``, ``organization`` or ``other``); ``prior`` is the model's prior
    log-odds, so ``prior + sum of weights`` is the score's ``log_odds`` (unless a rule
    raised it); ``veto`` names a domain rule that forbids the link.
    """

    left: int
    right: int
    left_identity: Identity
    right_identity: Identity
    rule: str
    model: str
    probability: float
    log_odds: float
    prior: float
    comparisons: tuple[tuple[str, str, float], ...]
    veto: str | None = None

    def lines(self) -> list[str]:
        """Return the link as human-readable lines."""
        head = (
            f"{self.left_identity} — {self.right_identity}: {self.rule}, "
            f"p={self.probability:.4f} (log-odds {self.log_odds:+.2f}, {self.model} model, "
            f"prior {self.prior:+.2f})"
        )
        lines = [head]
        lines += [
            f"    {name}: {level} ({weight:+.2f})" for name, level, weight in self.comparisons
        ]
        if self.veto:
            lines.append(f"    vetoed: {self.veto}")
        return lines


@attrs.frozen
class Explanation:
    """Why records ``a`` and ``b`` are (``linked``) or are not one customer.

    For linked records, ``chain`` holds the links from ``a`` to ``b`` in order. For records
    in different clusters, ``direct`` holds their direct comparison and ``reason`` why they
    were not linked. ``fragile`` is True when a link of the chain alone holds the cluster of
    two groups of records together.
    """

    a: int
    b: int
    linked: bool
    chain: tuple[LinkExplanation, ...] = ()
    direct: LinkExplanation | None = None
    reason: str = ""
    fragile: bool = False

    def text(self) -> str:
        """Return the explanation as text, one link per block."""
        if self.linked:
            lines = [f"one customer, through {len(self.chain)} link(s):"]
            for link in self.chain:
                lines += link.lines()
            if self.fragile:
                lines.append("note: a single link holds this customer together; review it")
            return "\n".join(lines)
        lines = [f"two customers: {self.reason}"]
        if self.direct is not None:
            lines += self.direct.lines()
        return "\n".join(lines)


def _describe(resolution: Resolution, edge: Edge) -> LinkExplanation:
    features = resolution.features
    a, b = features[edge.i], features[edge.j]
    pattern = edge.pattern or resolution.scorer.pattern(a, b)
    model = resolution.models[edge.pair_class]
    return LinkExplanation(
        left=edge.i,
        right=edge.j,
        left_identity=a.identity,
        right_identity=b.identity,
        rule=edge.rule,
        model=edge.pair_class,
        probability=edge.probability,
        log_odds=edge.log_odds,
        prior=model.prior_log_odds,
        comparisons=tuple(resolution.scorer.weights(edge.pair_class, pattern)),
        veto=edge.veto,
    )


def _path(links: list[Edge], start: int, goal: int) -> list[Edge]:
    """Return the links from ``start`` to ``goal`` (a breadth-first search of the forest)."""
    adjacency: dict[int, list[tuple[int, Edge]]] = defaultdict(list)
    for edge in links:
        adjacency[edge.i].append((edge.j, edge))
        adjacency[edge.j].append((edge.i, edge))
    came: dict[int, tuple[int, Edge] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for nxt, edge in adjacency[node]:
            if nxt not in came:
                came[nxt] = (node, edge)
                queue.append(nxt)
    if goal not in came:
        return []
    path: list[Edge] = []
    node = goal
    while (step := came[node]) is not None:
        node, edge = step
        path.append(edge)
    path.reverse()
    return path


def explain(resolution: Resolution, a: int, b: int) -> Explanation:
    """Return why records ``a`` and ``b`` (positions) are or are not one customer."""
    if a == b:
        return Explanation(a, b, linked=True)
    if resolution.cluster_of(a) == resolution.cluster_of(b):
        members = set(resolution.groups[resolution.cluster_of(a)])
        links = [e for e in resolution.links if e.i in members]
        path = _path(links, a, b)
        fragile = {(e.i, e.j) for e in resolution.fragile}
        return Explanation(
            a,
            b,
            linked=True,
            chain=tuple(_describe(resolution, e) for e in path),
            fragile=any((e.i, e.j) in fragile for e in path),
        )
    i, j = min(a, b), max(a, b)
    features = resolution.features
    edge = resolution.scorer.edge(i, j, features[i], features[j])
    return Explanation(
        a,
        b,
        linked=False,
        direct=_describe(resolution, edge),
        reason=_reason(resolution, edge),
    )


def _reason(resolution: Resolution, edge: Edge) -> str:
    """Return why the pair ``edge`` was not linked."""
    if edge.veto is not None:
        return f"a domain rule forbids the link: {edge.veto}"
    clusterer = resolution.clusterer
    conflict = clusterer.conflict(clusterer.find(edge.i), clusterer.find(edge.j))
    if conflict is not None:
        return f"their customers cannot be one: {conflict}"
    recorded = resolution.rejected.get((edge.i, edge.j))
    if recorded is not None:
        return recorded
    if not resolution.index.shares_block(edge.i, edge.j):
        return "the records share no blocking key: they were never compared"
    return _score_reason(resolution, edge)


def _score_reason(resolution: Resolution, edge: Edge) -> str:
    """Return why a compared, unconstrained pair was not linked: its score or its evidence."""
    thresholds = resolution.config.thresholds
    if edge.log_odds < probability_log_odds(thresholds.review):
        return f"the score is below the review threshold ({thresholds.review})"
    if edge.log_odds < probability_log_odds(thresholds.merge):
        return f"the score is below the merge threshold ({thresholds.merge}): left for review"
    if not resolution.scorer.corroborated(edge):
        return "only the names agree: a name alone links only when one customer bears it"
    return "the score suffices, but the link was not taken (anti-chaining)"
