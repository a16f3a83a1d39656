"""Customer value: historical value and customer lifetime value (CLV).

CLV uses the simple retention model of CRM practice::

    CLV = m * r / (1 + d - r)

``m`` is the customer's yearly margin (net revenue of the last 365 days × ``margin_rate``),
``r`` the yearly retention rate (``retention``, or estimated from the data: the share of the
customers who bought in the year before last and bought again in the last year) and ``d``
the yearly discount rate (``discount_rate``). Without ``margin_rate`` there is no CLV: the
report says so rather than guess.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.analytics.facts import CENT, estimated_retention
from crmkit.analytics.segments import segments

if TYPE_CHECKING:
    import datetime as dt

    from crmkit.analytics.segments import CustomerSegments
    from crmkit.analytics.settings import AnalyticsSettings
    from crmkit.plugins import CrmkitPluginManager
    from crmkit.store.database import Database


def clv(margin: Decimal, retention: float, discount_rate: float) -> Decimal:
    """Return ``margin * r / (1 + d - r)``: the lifetime value of a yearly margin."""
    r, d = Decimal(str(retention)), Decimal(str(discount_rate))
    return (margin * r / (1 + d - r)).quantize(CENT)


@attrs.frozen
class CustomerValue:
    """One customer's value in one currency: historical revenue and margin, yearly margin, CLV."""

    customer_id: int
    name: str
    currency: str | None
    segment: str
    historical: Decimal
    margin: Decimal | None
    year_margin: Decimal | None
    clv: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready values (money as strings)."""
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "currency": self.currency,
            "segment": self.segment,
            "historical": str(self.historical),
            "margin": _text(self.margin),
            "year_margin": _text(self.year_margin),
            "clv": _text(self.clv),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@attrs.frozen
class ValueReport:
    """Customer values, per-segment sums, the retention used, and notes on what is missing."""

    customers: tuple[CustomerValue, ...]
    retention: float | None
    discount_rate: float
    notes: tuple[str, ...]

    def by_segment(self) -> list[dict[str, Any]]:
        """Return per (segment, currency): customers, historical value, and CLV sum and mean."""
        groups: dict[tuple[str, str], list[CustomerValue]] = defaultdict(list)
        for row in self.customers:
            if row.currency is not None:
                groups[(row.segment, row.currency)].append(row)
        result = []
        for (segment, currency), rows in sorted(groups.items()):
            known = [r.clv for r in rows if r.clv is not None]
            total = sum(known, Decimal(0))
            result.append(
                {
                    "segment": segment,
                    "currency": currency,
                    "customers": len(rows),
                    "historical": str(sum((r.historical for r in rows), Decimal(0))),
                    "clv": str(total) if known else None,
                    "clv_mean": str((total / len(known)).quantize(CENT)) if known else None,
                }
            )
        return result


def values(
    database: Database,
    settings: AnalyticsSettings,
    now: dt.datetime,
    pm: CrmkitPluginManager | None = None,
) -> ValueReport:
    """Return each customer's historical value and CLV, with their segments."""
    report = segments(database, settings, now, pm, explain=False)
    retention = settings.retention
    notes = list(report.notes)
    if retention is None:
        retention = estimated_retention([row.facts for row in report.customers])
        if retention is None:
            notes.append("retention unknown: no buyers in the year before last (set retention)")
        else:
            notes.append(f"retention {retention:.1%} estimated from repeat buyers year on year")
    rows = [_value(row, settings, retention) for row in report.customers if row.facts.currency]
    return ValueReport(tuple(rows), retention, settings.discount_rate, tuple(notes))


def _value(
    row: CustomerSegments, settings: AnalyticsSettings, retention: float | None
) -> CustomerValue:
    f = row.facts
    rate = settings.margin_rate
    year_margin = None if rate is None else (f.year_revenue * rate).quantize(CENT)
    return CustomerValue(
        customer_id=f.customer_id,
        name=f.name,
        currency=f.currency,
        segment=row.segment,
        historical=f.revenue,
        margin=row.profit,
        year_margin=year_margin,
        clv=(
            None
            if year_margin is None or retention is None
            else clv(year_margin, retention, settings.discount_rate)
        ),
    )
