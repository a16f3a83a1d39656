"""The assumptions behind the analytics, each a setting with a documented default."""

from __future__ import annotations

from decimal import Decimal

import attrs


def _optional_decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@attrs.frozen
class AnalyticsSettings:
    """Thresholds and assumptions of the segment, value, churn and reminder rules.

    Money settings are in each report row's own currency. ``margin_rate`` and the costs are
    ``None`` by default: the data holds no margins or costs, so the reports say what they
    cannot compute instead of inventing numbers.
    """

    vip_share: float = 0.8
    """VIP: the smallest set of customers bringing this share of revenue (and of profit)."""
    margin_rate: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    """Gross margin as a share of net revenue, when known (e.g. ``0.3``)."""
    cost_per_interaction: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    """What one interaction costs to handle, when known."""
    cost_per_call_minute: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    """What one minute on the phone costs, when known."""
    cost_per_return: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    """What handling one returned order costs, when known."""
    trend_days: int = 90
    """Length of the trailing periods compared for growth (this period vs the one before)."""
    potential_min_orders: int = 3
    """A: at least this many orders ..."""
    potential_recent_days: int = 60
    """A: ... the last one at most this many days ago, and revenue growing."""
    growth_share: float = 0.5
    """B: revenue in the last period at least this much above the period before (+50 %)."""
    serve_min_interactions: int = 5
    """C: at least this many interactions ..."""
    serve_max_revenue_per_interaction: Decimal = attrs.field(default=Decimal(50), converter=Decimal)
    """C: ... with less net revenue than this per interaction."""
    returner_min_returns: int = 2
    """D: a serial returner has returned at least this many orders ..."""
    returner_share: float = 0.3
    """D: ... and at least this share of the orders kept or returned."""
    retention: float | None = None
    """Yearly retention rate for CLV; ``None`` estimates it from the data."""
    discount_rate: float = 0.1
    """Yearly discount rate for CLV."""
    churn_factor: float = 1.5
    """At risk: days since the last order at least this many times the usual gap."""
    churn_min_orders: int = 2
    """A purchase rhythm needs at least this many orders."""
    replenish_min_orders: int = 3
    """Replenishment reminders need at least this many orders."""
    follow_up_words: tuple[str, ...] = ("follow-up", "follow up", "callback", "call back")
    """An interaction outcome starting with one of these promises a follow-up."""
    follow_up_days: int = 2
    """A promised follow-up without a date is due this many days after the interaction."""
    resolved_words: tuple[str, ...] = ("resolved",)
    """An interaction outcome starting with one of these resolves the customer's complaints."""

    @property
    def service_costs_known(self) -> bool:
        """Return True when the cost of an interaction or of a call minute is set."""
        return self.cost_per_interaction is not None or self.cost_per_call_minute is not None
