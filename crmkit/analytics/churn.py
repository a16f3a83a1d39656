"""Churn risk against each customer's own purchase rhythm, and the retention list.

A customer's rhythm is the mean gap between their orders: (last − first) / (orders − 1).
``overdue`` is how many days past the expected next order they are; the risk ratio is days
since the last order over the rhythm. At ``churn_factor`` (1.5) or more the customer is at
risk; the retention list holds the valuable ones at risk (VIP, A, or top revenue quintile).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.analytics.segments import segments

if TYPE_CHECKING:
    import datetime as dt

    from crmkit.analytics.settings import AnalyticsSettings
    from crmkit.plugins import CrmkitPluginManager
    from crmkit.store.database import Database

VALUABLE = ("VIP", "A")


@attrs.frozen
class ChurnRisk:
    """One customer's rhythm (days), days since the last order, overdue days and risk ratio."""

    customer_id: int
    name: str
    currency: str
    segment: str
    revenue: Decimal
    orders: int
    rhythm_days: float
    days_since: float
    overdue_days: float
    risk: float
    at_risk: bool
    valuable: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready values (days rounded to one decimal)."""
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "currency": self.currency,
            "segment": self.segment,
            "revenue": str(self.revenue),
            "orders": self.orders,
            "rhythm_days": round(self.rhythm_days, 1),
            "days_since": round(self.days_since, 1),
            "overdue_days": round(self.overdue_days, 1),
            "risk": round(self.risk, 2),
            "at_risk": self.at_risk,
            "valuable": self.valuable,
        }


@attrs.frozen
class ChurnReport:
    """Every customer with a rhythm, most overdue first; ``retention_list`` the ones to call."""

    customers: tuple[ChurnRisk, ...]
    notes: tuple[str, ...]

    @property
    def retention_list(self) -> list[ChurnRisk]:
        """Return the valuable customers at risk, highest revenue first."""
        found = [c for c in self.customers if c.at_risk and c.valuable]
        return sorted(found, key=lambda c: (-c.revenue, c.customer_id))


def churn(
    database: Database,
    settings: AnalyticsSettings,
    now: dt.datetime,
    pm: CrmkitPluginManager | None = None,
) -> ChurnReport:
    """Return each customer's churn risk against their own rhythm, most at risk first."""
    report = segments(database, settings, now, pm, explain=False)
    rows = []
    for row in report.customers:
        f = row.facts
        rhythm = f.rhythm_days()
        if (
            f.currency is None
            or f.last_order is None
            or rhythm is None
            or f.orders < settings.churn_min_orders
        ):
            continue
        rhythm = max(rhythm, 1.0)
        since = (now - f.last_order).total_seconds() / 86400
        risk = since / rhythm
        rows.append(
            ChurnRisk(
                customer_id=f.customer_id,
                name=f.name,
                currency=f.currency,
                segment=row.segment,
                revenue=f.revenue,
                orders=f.orders,
                rhythm_days=rhythm,
                days_since=since,
                overdue_days=max(since - rhythm, 0.0),
                risk=risk,
                at_risk=risk >= settings.churn_factor,
                valuable=row.segment in VALUABLE or f.m == 5,  # noqa: PLR2004 - top quintile
            )
        )
    rows.sort(key=lambda c: (-c.risk, c.customer_id))
    notes = (f"customers with fewer than {settings.churn_min_orders} orders have no rhythm",)
    return ChurnReport(tuple(rows), notes)
