"""Segments from CRM practice — VIP (Pareto), A, B, C, D and plugins' own — each explained.

- VIP: the smallest set of customers who together bring ``vip_share`` of a currency's
  revenue; and, where margins are known, of its profit.
- A: potential VIPs — not VIP, frequent, recent and growing.
- B: fast-growing — revenue of the last period well above the period before.
- C: high cost to serve — many interactions for little revenue each.
- D: unprofitable — negative margin after returns and service cost, or a serial returner.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.analytics.facts import CENT, CustomerFacts, load_facts
from crmkit.analytics.rules import plugin_rules

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from crmkit.analytics.rules import SegmentRule
    from crmkit.analytics.settings import AnalyticsSettings
    from crmkit.plugins import CrmkitPluginManager
    from crmkit.store.database import Database

ORDER = ("VIP", "A", "B", "C", "D")
NO_SEGMENT = "-"


@attrs.frozen
class Membership:
    """One segment a customer belongs to, and ``why`` in words."""

    segment: str
    why: str


@attrs.frozen
class CustomerSegments:
    """A customer's facts in one currency, profit (None when unknown) and segments with why."""

    facts: CustomerFacts
    profit: Decimal | None
    memberships: tuple[Membership, ...]

    @property
    def segment(self) -> str:
        """Return the main segment: the first of VIP, A, B, C, D, own rules; ``-`` if none."""
        return self.memberships[0].segment if self.memberships else NO_SEGMENT

    def to_dict(self) -> dict[str, Any]:
        """Return the customer's row as JSON-ready values."""
        f = self.facts
        return {
            "customer_id": f.customer_id,
            "name": f.name,
            "currency": f.currency,
            "segment": self.segment,
            "segments": [m.segment for m in self.memberships],
            "why": "; ".join(f"{m.segment}: {m.why}" for m in self.memberships),
            "revenue": str(f.revenue),
            "profit": None if self.profit is None else str(self.profit),
            "orders": f.orders,
            "returns": f.returns,
            "interactions": f.interactions,
            "rfm": f.rfm,
        }


@attrs.frozen
class SegmentReport:
    """Every customer's segments, the segment sizes, and notes on what could not be computed."""

    customers: tuple[CustomerSegments, ...]
    notes: tuple[str, ...]

    def sizes(self) -> dict[str, int]:
        """Return the number of customer rows per main segment, in segment order."""
        counts: dict[str, int] = defaultdict(int)
        for row in self.customers:
            counts[row.segment] += 1
        names = [*ORDER, *sorted(set(counts) - {*ORDER, NO_SEGMENT}), NO_SEGMENT]
        return {name: counts[name] for name in names if counts[name]}

    def of(self, customer_id: int) -> list[CustomerSegments]:
        """Return the rows of one customer (one per currency)."""
        return [row for row in self.customers if row.facts.customer_id == customer_id]

    def segment_of(self) -> dict[int, str]:
        """Return each customer's main segment (of their highest-revenue currency)."""
        best: dict[int, CustomerSegments] = {}
        for row in self.customers:
            known = best.get(row.facts.customer_id)
            if known is None or row.facts.revenue > known.facts.revenue:
                best[row.facts.customer_id] = row
        return {customer: row.segment for customer, row in best.items()}

    def pareto(self) -> dict[str, list[float]]:
        """Return per currency the cumulative revenue share after each customer, best first."""
        curves: dict[str, list[float]] = defaultdict(list)
        for row in self.customers:
            f = row.facts
            if f.currency is not None and f.total > 0:
                curves[f.currency].append(float((f.before + f.revenue) / f.total))
        return {currency: sorted(curve) for currency, curve in curves.items()}


def service_cost(facts: CustomerFacts, settings: AnalyticsSettings) -> Decimal:
    """Return the cost to serve the customer from the known costs (unknown ones count 0)."""
    cost = Decimal(0)
    if settings.cost_per_interaction is not None:
        cost += settings.cost_per_interaction * facts.interactions
    if settings.cost_per_call_minute is not None:
        cost += settings.cost_per_call_minute * Decimal(facts.call_seconds) / 60
    return cost


def profit_of(facts: CustomerFacts, settings: AnalyticsSettings) -> Decimal | None:
    """Return margin after returns handling and service cost, or None when margins are unknown."""
    if settings.margin_rate is None or facts.currency is None:
        return None
    value = facts.revenue * settings.margin_rate - service_cost(facts, settings)
    if settings.cost_per_return is not None:
        value -= settings.cost_per_return * facts.returns
    return value.quantize(CENT)


def notes_for(settings: AnalyticsSettings) -> tuple[str, ...]:
    """Return what the data lacks for these settings, as sentences for the report."""
    notes = []
    if settings.margin_rate is None:
        notes.append(
            "margins unknown: VIP by profit and D by negative margin are not computed "
            "(set margin_rate); D counts serial returners only"
        )
    else:
        if not settings.service_costs_known:
            notes.append(
                "service costs unknown: profit carries no cost to serve "
                "(set cost_per_interaction, cost_per_call_minute)"
            )
        if settings.cost_per_return is None:
            notes.append("return handling cost unknown: profit counts returns as lost revenue only")
    return tuple(notes)


def _profit_vips(rows: list[tuple[CustomerFacts, Decimal | None]], share: float) -> dict[int, str]:
    """Return why each profit-VIP row (by index) is one: the Pareto set of positive profit."""
    found: dict[int, str] = {}
    by_currency: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for index, (facts, profit) in enumerate(rows):
        if profit is not None and profit > 0 and facts.currency is not None:
            by_currency[facts.currency].append((index, profit))
    for currency, items in by_currency.items():
        total = sum((p for _, p in items), Decimal(0))
        before = Decimal(0)
        for index, profit in sorted(
            items, key=lambda item: (-item[1], rows[item[0]][0].customer_id)
        ):
            if before >= total * Decimal(str(share)):
                break
            found[index] = (
                f"profit {profit} {currency} is {profit / total:.1%} of {total}; "
                f"among the customers bringing {share:.0%} of profit"
            )
            before += profit
    return found


@functools.cache
def _decimal(value: float) -> Decimal:
    """Return a float setting as the Decimal of its shortest text, e.g. ``0.8`` → ``0.8``."""
    return Decimal(str(value))


def _pct(value: Decimal, of: Decimal) -> str:
    """Return ``value`` as a share of ``of`` for a text (a float: Decimal division is slow)."""
    return f"{float(value) / float(of):.1%}" if of else "n/a"


def _built_in(
    facts: CustomerFacts,
    profit: Decimal | None,
    profit_vip: str | None,
    settings: AnalyticsSettings,
    now: dt.datetime,
    *,
    explain: bool = True,
) -> list[Membership]:
    """Return the built-in segments of ``facts``; ``why`` is left empty unless ``explain``."""
    found: list[Membership] = []
    cur = facts.currency or ""
    share = _decimal(settings.vip_share)
    vip = facts.revenue > 0 and facts.before < share * facts.total
    if vip:
        found.append(
            Membership(
                "VIP",
                (
                    f"revenue {facts.revenue} {cur} is {_pct(facts.revenue, facts.total)} of "
                    f"{facts.total}; among the customers bringing {settings.vip_share:.0%} of "
                    "revenue"
                )
                if explain
                else "",
            )
        )
    if profit_vip is not None:
        found.append(Membership("VIP", profit_vip))
    days = settings.trend_days
    growing = facts.recent_revenue > facts.prior_revenue
    since = (now - facts.last_order).days if facts.last_order is not None else None
    recent = since is not None and since <= settings.potential_recent_days
    if not found and facts.orders >= settings.potential_min_orders and recent and growing:
        found.append(
            Membership(
                "A",
                (
                    f"{facts.orders} orders, the last {since} days ago; "
                    f"revenue {facts.recent_revenue} {cur} in the last {days} days vs "
                    f"{facts.prior_revenue} before"
                )
                if explain
                else "",
            )
        )
    prior = facts.prior_revenue
    if prior > 0 and facts.recent_revenue >= prior * _decimal(1 + settings.growth_share):
        found.append(
            Membership(
                "B",
                (
                    f"revenue {facts.recent_revenue} {cur} in the last {days} days vs {prior} "
                    f"in the {days} before ({facts.recent_revenue / prior - 1:+.0%})"
                )
                if explain
                else "",
            )
        )
    if facts.interactions >= settings.serve_min_interactions:
        per = (facts.revenue / facts.interactions).quantize(CENT)
        if per < settings.serve_max_revenue_per_interaction:
            found.append(
                Membership(
                    "C",
                    (
                        f"{facts.interactions} interactions and {facts.call_seconds // 60} min "
                        f"on the phone for {f'{facts.revenue} {cur}'.strip()} revenue "
                        f"({per} per interaction)"
                    )
                    if explain
                    else "",
                )
            )
    kept_or_returned = facts.orders + facts.returns
    if (
        facts.returns >= settings.returner_min_returns
        and facts.returns >= settings.returner_share * kept_or_returned
    ):
        found.append(
            Membership(
                "D",
                (
                    f"serial returner: {facts.returns} of {kept_or_returned} orders returned "
                    f"({facts.returned_value} {cur})"
                )
                if explain
                else "",
            )
        )
    elif profit is not None and profit < 0:
        why = f"margin {profit} {cur} after returns and cost to serve" if explain else ""
        found.append(Membership("D", why))
    return found


def _own(
    facts: CustomerFacts,
    rules: Iterable[SegmentRule],
    pm: CrmkitPluginManager | None,
    failed: set[str],
) -> list[Membership]:
    """Return the plugins' segments of ``facts``; a failing rule is reported once, then skipped."""
    found = []
    for rule in rules:
        if rule.name in failed:
            continue
        try:
            why = rule.rule(facts)
        except Exception as exc:
            if pm is None or pm.strict:
                raise
            pm.record_problem(rule.plugin, "register_segment_rules", exc)
            failed.add(rule.name)
            continue
        if why:
            found.append(Membership(rule.name, str(why)))
    return found


def classify(
    facts: list[CustomerFacts],
    settings: AnalyticsSettings,
    now: dt.datetime,
    *,
    rules: tuple[SegmentRule, ...] = (),
    pm: CrmkitPluginManager | None = None,
    explain: bool = True,
) -> SegmentReport:
    """Return the segments of each facts row, with why, under ``settings`` at ``now``.

    Without ``explain`` the built-in segments' ``why`` is left empty: for the reports that
    only need who is in which segment (value, churn, satisfaction).
    """
    profits = [(f, profit_of(f, settings)) for f in facts]
    profit_vips = _profit_vips(profits, settings.vip_share)
    rows = []
    failed: set[str] = set()
    for index, (f, profit) in enumerate(profits):
        memberships = _built_in(f, profit, profit_vips.get(index), settings, now, explain=explain)
        if len(memberships) > 1 and memberships[1].segment == "VIP":  # by revenue and profit
            by_revenue, by_profit, *others = memberships
            why = f"{by_revenue.why}; by profit: {by_profit.why}" if explain else ""
            merged = Membership("VIP", why)
            memberships = [merged, *others]
        if rules:
            memberships += _own(f, rules, pm, failed)
        rows.append(CustomerSegments(f, profit, tuple(memberships)))
    return SegmentReport(tuple(rows), notes_for(settings))


def segments(
    database: Database,
    settings: AnalyticsSettings,
    now: dt.datetime,
    pm: CrmkitPluginManager | None = None,
    *,
    explain: bool = True,
) -> SegmentReport:
    """Return the segment report: facts aggregated in the database, then classified.

    ``explain=False`` leaves the built-in segments' ``why`` empty (see :func:`classify`).
    """
    rules = plugin_rules(pm) if pm is not None else ()
    facts = load_facts(database, settings, now)
    return classify(facts, settings, now, rules=rules, pm=pm, explain=explain)
