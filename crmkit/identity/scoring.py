"""Fellegi–Sunter scoring with parameters estimated without labels.

``m`` (how often a comparison level occurs among matching pairs), ``u`` (among non-matching
candidate pairs) and the share of matches are fitted by expectation-maximisation over the
candidate pairs' comparison patterns, counted once per distinct pattern so that fitting
costs nothing per pair. The comparisons' priors regularise the fit with a few pseudo-pairs;
reviewers' decisions enter as labelled pairs whose class is known.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import attrs

from crmkit.identity.compare import Comparison

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["PAIR_CLASSES", "MatchModel", "PairModels", "Pattern"]

Pattern = tuple[int, ...]

_FLOOR = 1e-5
#: How far (in log-odds) a level may weigh against its declared sense before a fit counts
#: as gone astray.
ASTRAY = 1.5
#: ... judged only on levels seen in this many pairs at least (rarer ones are noise).
ASTRAY_SUPPORT = 50
#: Log-odds beyond which a probability is 0 or 1 in floating point anyway.
_MAX_LOG_ODDS = 35.0


def _normalised(values: Sequence[float]) -> list[float]:
    total = sum(values[1:])
    if total <= 0:
        return [0.0] + [1.0 / (len(values) - 1)] * (len(values) - 1)
    floored = [max(v / total, _FLOOR) for v in values[1:]]
    scale = sum(floored)
    return [0.0] + [v / scale for v in floored]


def _sigmoid(odds: float) -> float:
    if odds >= _MAX_LOG_ODDS:
        return 1.0
    if odds <= -_MAX_LOG_ODDS:
        return 0.0
    return 1.0 / (1.0 + math.exp(-odds))


@attrs.define
class MatchModel:
    """The m and u probabilities of every level of every comparison, and the match prior.

    ``probability(pattern)`` turns a comparison pattern into the probability that the two
    records are the same customer; ``weights(pattern)`` explains it level by level, as
    natural-log Bayes factors ln(m/u).
    """

    comparisons: tuple[Comparison, ...]
    m: list[list[float]]
    u: list[list[float]]
    prior: float = 0.05
    iterations: int = 0
    observed: list[list[float]] = attrs.field(factory=list, repr=False)
    _weights: list[list[float]] = attrs.field(factory=list, repr=False)

    def __attrs_post_init__(self) -> None:
        self._refresh()

    def _refresh(self) -> None:
        self._weights = [
            [0.0] + [math.log(mi / ui) for mi, ui in zip(m[1:], u[1:], strict=True)]
            for m, u in zip(self.m, self.u, strict=True)
        ]

    @classmethod
    def from_priors(cls, comparisons: Sequence[Comparison], prior: float = 0.05) -> MatchModel:
        """Return a model holding the comparisons' prior m and u probabilities."""
        return cls(
            comparisons=tuple(comparisons),
            m=[_normalised(c.m_prior) for c in comparisons],
            u=[_normalised(c.u_prior) for c in comparisons],
            prior=prior,
        )

    @property
    def prior_log_odds(self) -> float:
        """Return the log-odds of a match before any comparison is seen."""
        return math.log(self.prior / (1.0 - self.prior))

    def level_weight(self, index: int, level: int) -> float:
        """Return the natural-log Bayes factor ln(m/u) of one level (0 for a null level)."""
        return self._weights[index][level]

    def weights(self, pattern: Pattern) -> list[tuple[str, str, float]]:
        """Return ``(comparison, level, weight)`` for every non-null level of ``pattern``."""
        return [
            (c.name, c.levels[level], self._weights[i][level])
            for i, (c, level) in enumerate(zip(self.comparisons, pattern, strict=True))
            if level
        ]

    def log_odds(self, pattern: Pattern) -> float:
        """Return the posterior log-odds that a pair with ``pattern`` is a match."""
        odds = self.prior_log_odds
        weights = self._weights
        for i, level in enumerate(pattern):
            if level:
                odds += weights[i][level]
        return odds

    def probability(self, pattern: Pattern) -> float:
        """Return the probability that a pair with ``pattern`` is a match."""
        return _sigmoid(self.log_odds(pattern))

    def estimate(
        self,
        patterns: Counter[Pattern],
        *,
        known: Counter[tuple[Pattern, bool]] | None = None,
        labelled: Iterable[tuple[Pattern, bool]] = (),
        fix_u: bool = False,
        max_iterations: int = 60,
        tolerance: float = 1e-5,
        pseudo_pairs: float | None = None,
        label_weight: float = 5.0,
    ) -> None:
        """Estimate ``m`` (and ``u`` unless ``fix_u``) and the prior by EM over pattern counts.

        This is the two-class mixture of Fellegi–Sunter fitted by expectation-maximisation
        (as recordlinkage's ECM and Splink do), regularised towards the comparisons' priors by
        ``pseudo_pairs`` imaginary pairs of each class (by default 0.2% of the pairs, at least
        20). ``known`` counts pairs whose class a domain rule settles (the same valid INN: a
        match; a household's members, different INNs: non-matches); they count once each with
        their class fixed. ``labelled`` pairs (reviewers' accepts and rejects) count
        ``label_weight`` times each, with their class fixed.
        """
        fixed: dict[tuple[Pattern, bool], float] = {}
        for key, count in Counter(labelled).items():
            fixed[key] = fixed.get(key, 0.0) + count * label_weight
        for key, count in (known or Counter()).items():
            fixed[key] = fixed.get(key, 0.0) + count
        items = list(patterns.items())
        self.observed = [[0.0] * len(c.levels) for c in self.comparisons]
        for pattern, count in items:
            for i, level in enumerate(pattern):
                self.observed[i][level] += count
        total_pairs = sum(patterns.values())
        pseudo = pseudo_pairs if pseudo_pairs is not None else max(20.0, 0.002 * total_pairs)
        m_base, u_base = self._base_counts(fixed, pseudo)
        fixed_matches = sum(c for (_, is_match), c in fixed.items() if is_match)
        total = float(total_pairs) + sum(fixed.values())
        for iteration in range(1, max_iterations + 1):
            m_counts, u_counts, matches = self._expected_counts(items, m_base, u_base)
            new_m = [_normalised(c) for c in m_counts]
            new_u = self.u if fix_u else [_normalised(c) for c in u_counts]
            new_prior = self.prior
            if total:
                new_prior = min(max((matches + fixed_matches) / total, 1e-6), 0.999)
            shift = self._shift(new_m, new_u, new_prior)
            self.m, self.u, self.prior, self.iterations = new_m, new_u, new_prior, iteration
            self._refresh()
            if shift < tolerance:
                return

    def _base_counts(
        self, fixed: dict[tuple[Pattern, bool], float], pseudo: float
    ) -> tuple[list[list[float]], list[list[float]]]:
        """Return the counts every iteration starts from: the priors' and the known pairs'."""
        m_base = [[pseudo * p for p in _normalised(c.m_prior)] for c in self.comparisons]
        u_base = [[pseudo * p for p in _normalised(c.u_prior)] for c in self.comparisons]
        for (pattern, is_match), count in fixed.items():
            base = m_base if is_match else u_base
            for i, level in enumerate(pattern):
                if level:
                    base[i][level] += count
        return m_base, u_base

    def _expected_counts(
        self,
        items: list[tuple[Pattern, int]],
        m_base: list[list[float]],
        u_base: list[list[float]],
    ) -> tuple[list[list[float]], list[list[float]], float]:
        """Return the E-step: expected level counts among matches and non-matches."""
        m_counts = [list(row) for row in m_base]
        u_counts = [list(row) for row in u_base]
        matches = 0.0
        for pattern, count in items:
            pc = self.probability(pattern) * count
            qc = count - pc
            matches += pc
            for i, level in enumerate(pattern):
                if level:
                    m_counts[i][level] += pc
                    u_counts[i][level] += qc
        return m_counts, u_counts, matches

    def _shift(self, new_m: list[list[float]], new_u: list[list[float]], prior: float) -> float:
        """Return the largest change of any parameter in one iteration."""
        shift = abs(prior - self.prior)
        for old, new in ((self.m, new_m), (self.u, new_u)):
            for row_old, row_new in zip(old, new, strict=True):
                for x, y in zip(row_old, row_new, strict=True):
                    shift = max(shift, abs(x - y))
        return shift

    def astray(self) -> list[str]:
        """Return the levels weighed against their declared sense (empty when none is).

        EM fits a mixture of two classes and nothing tells it which is "same customer": on
        data where a big group of non-matches differs from the rest (many pairs that share
        only a given name and a city, say), it may split along that instead. A level declared
        as agreement that comes out against a match, or a disagreement that comes out for
        one, betrays such a fit: by more than :data:`ASTRAY` for a disagreement, twice that for
        an agreement (a typo-level agreement may well weigh a little against a match among
        pairs blocked on similar values).
        """
        found = []
        for i, c in enumerate(self.comparisons):
            for j, level in enumerate(c.levels):
                if not j or not self.observed or self.observed[i][j] < ASTRAY_SUPPORT:
                    continue
                weight = self._weights[i][j]
                agreeing = level in c.agree and level not in c.weak
                if (agreeing and weight < -2 * ASTRAY) or (level in c.disagree and weight > ASTRAY):
                    found.append(f"{c.name}.{level} {weight:+.2f}")
        return found

    def as_dict(self) -> dict[str, object]:
        """Return the parameters as JSON-ready data (stored with the resolution state)."""
        return {
            "prior": self.prior,
            "iterations": self.iterations,
            "comparisons": {
                c.name: {
                    level: {
                        "m": self.m[i][j],
                        "u": self.u[i][j],
                        "weight": self._weights[i][j],
                    }
                    for j, level in enumerate(c.levels)
                    if j
                }
                for i, c in enumerate(self.comparisons)
            },
        }

    @classmethod
    def from_dict(cls, comparisons: Sequence[Comparison], data: dict[str, object]) -> MatchModel:
        """Return a model from :meth:`as_dict` data, for the comparisons named in it."""
        model = cls.from_priors(comparisons)
        table = data.get("comparisons")
        if not isinstance(table, dict):
            raise TypeError("model data has no 'comparisons' table")
        for i, c in enumerate(model.comparisons):
            levels = table.get(c.name)
            if not isinstance(levels, dict):
                continue
            for j, level in enumerate(c.levels):
                entry = levels.get(level)
                if j and isinstance(entry, dict):
                    model.m[i][j] = float(entry["m"])
                    model.u[i][j] = float(entry["u"])
        prior = data.get("prior")
        if isinstance(prior, (int, float)):
            model.prior = float(prior)
        model._refresh()  # noqa: SLF001 - our own class
        return model


#: The classes of record pair that get a model of their own: people and organisations differ
#: in what sharing a value means (a landline, an address), so their weights are fitted apart.
PAIR_CLASSES = ("person", "organization", "other")


@attrs.define
class PairModels:
    """One :class:`MatchModel` per pair class (:data:`PAIR_CLASSES`), fitted separately.

    ``anchored[class]`` is True when that class's free fit went astray and was refitted with
    the rule-decided pairs as anchors.
    """

    models: dict[str, MatchModel]
    anchored: dict[str, bool] = attrs.field(factory=dict)

    @classmethod
    def from_priors(cls, comparisons: Sequence[Comparison]) -> PairModels:
        """Return models holding the comparisons' prior m and u probabilities."""
        return cls({name: MatchModel.from_priors(comparisons) for name in PAIR_CLASSES})

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        """Return the comparisons the models score."""
        return next(iter(self.models.values())).comparisons

    def __getitem__(self, pair_class: str) -> MatchModel:
        return self.models[pair_class]

    def estimate(
        self,
        patterns: Counter[tuple[str, Pattern]],
        *,
        known: Counter[tuple[str, Pattern, bool]] | None = None,
        labelled: Iterable[tuple[str, Pattern, bool]] = (),
        max_iterations: int = 60,
    ) -> None:
        """Fit every class's model by EM on that class's pattern counts (and labels).

        ``known`` counts pairs the domain rules decide (vetoed, or sharing an INN). They are
        left out of the fit, which should describe the pairs the rules leave open, unless the
        free fit goes astray (:meth:`MatchModel.astray`): then they anchor the two classes.
        """
        labels = list(labelled)
        settled = known or Counter()
        for name, model in self.models.items():
            counts: Counter[Pattern] = Counter(
                {p: c for (k, p), c in patterns.items() if k == name}
            )
            fixed: Counter[tuple[Pattern, bool]] = Counter(
                {(p, m): c for (k, p, m), c in settled.items() if k == name}
            )
            own = [(p, m) for k, p, m in labels if k == name]
            if not (counts or own or fixed):
                continue
            start = ([list(row) for row in model.m], [list(row) for row in model.u], model.prior)
            model.estimate(counts, labelled=own, max_iterations=max_iterations)
            self.anchored[name] = bool(fixed and model.astray())
            if self.anchored[name]:
                # Anchor the two classes with the pairs the domain rules decide.
                model.m, model.u, model.prior = start
                model.estimate(counts, known=fixed, labelled=own, max_iterations=max_iterations)

    def as_dict(self) -> dict[str, object]:
        """Return every class's parameters as JSON-ready data."""
        return {name: model.as_dict() for name, model in self.models.items()}

    @classmethod
    def from_dict(cls, comparisons: Sequence[Comparison], data: dict[str, object]) -> PairModels:
        """Return the models :meth:`as_dict` described; a class it lacks keeps the priors.

        Raise :class:`TypeError` when ``data`` is not such a description.
        """
        models = cls.from_priors(comparisons)
        for name in PAIR_CLASSES:
            entry = data.get(name)
            if entry is not None:
                if not isinstance(entry, dict):
                    raise TypeError(f"model data for {name!r} is not a table")
                models.models[name] = MatchModel.from_dict(comparisons, entry)
        return models
