"""Customer analytics from CRM practice: segments, value, churn, reminders, satisfaction.

Every report is aggregated in the database (SQLAlchemy Core over the order and interaction
projections, attributed to golden customers the way the card attributes them); Python only
ranks and classifies the per-customer aggregates. See ``docs/analytics.md``.
"""

from crmkit.analytics.settings import AnalyticsSettings

__all__ = ["AnalyticsSettings"]
