"""Satisfaction and service: CSAT and NPS over time and by segment; complaints handled.

CSAT is the mean score (1-5); NPS is the share of promoters (9-10) minus the share of
detractors (0-6), in points. A complaint (a ``complaint`` interaction) is resolved by its
own outcome or by the first later interaction of the same customer whose outcome starts
with one of ``resolved_words``; the time to resolve runs until then.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from crmkit.analytics.parallel import side_by_side
from crmkit.analytics.queries import interactions_with_owner, month_of, tune
from crmkit.analytics.reminders import starts_with
from crmkit.analytics.segments import NO_SEGMENT, segments
from crmkit.store.tables import interactions

if TYPE_CHECKING:
    import datetime as dt

    from crmkit.analytics.settings import AnalyticsSettings
    from crmkit.plugins import CrmkitPluginManager
    from crmkit.store.database import Database

PROMOTER, DETRACTOR = 9, 6


def _scores(t: sa.FromClause) -> list[sa.ColumnElement[Any]]:
    """Return the score aggregates: csat_n, csat_sum, nps_n, promoters, detractors."""
    count = sa.func.count
    return [
        count(t.c.csat).label("csat_n"),
        sa.func.coalesce(sa.func.sum(t.c.csat), 0).label("csat_sum"),
        count(t.c.nps).label("nps_n"),
        count(sa.case((t.c.nps >= PROMOTER, 1))).label("promoters"),
        count(sa.case((t.c.nps <= DETRACTOR, 1))).label("detractors"),
    ]


@attrs.frozen
class Scores:
    """Score counts of a group of interactions; CSAT and NPS derived."""

    csat_n: int = 0
    csat_sum: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, other: Scores) -> Scores:
        """Return the counts of both groups together."""
        return Scores(
            *(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other), strict=True))
        )

    @property
    def csat(self) -> float | None:
        """Return the mean CSAT, or None without scores."""
        return round(self.csat_sum / self.csat_n, 2) if self.csat_n else None

    @property
    def promoter_share(self) -> float | None:
        """Return the share of promoters among NPS answers, or None without answers."""
        return round(self.promoters / self.nps_n, 4) if self.nps_n else None

    @property
    def nps(self) -> float | None:
        """Return NPS in points (−100…100), or None without answers."""
        if not self.nps_n:
            return None
        return round(100 * (self.promoters - self.detractors) / self.nps_n, 1)

    def to_dict(self) -> dict[str, Any]:
        """Return counts and derived scores as JSON-ready values."""
        return {
            "csat": self.csat,
            "csat_responses": self.csat_n,
            "nps": self.nps,
            "nps_responses": self.nps_n,
            "promoter_share": self.promoter_share,
        }


def _row_scores(row: Any) -> Scores:
    return Scores(
        int(row.csat_n), int(row.csat_sum), int(row.nps_n), int(row.promoters), int(row.detractors)
    )


@attrs.frozen
class SatisfactionReport:
    """CSAT/NPS by month and by segment, overall, and complaints by month and overall."""

    months: dict[str, Scores]
    segments: dict[str, Scores]
    overall: Scores
    complaints: dict[str, dict[str, Any]]
    complaints_total: dict[str, Any]

    def rows(self) -> list[dict[str, Any]]:
        """Return one row per month, per segment and overall, with the complaint figures."""
        empty = {"opened": 0, "resolved": 0, "mean_hours_to_resolve": None}
        found = [
            {
                "group": "month",
                "key": month,
                **scores.to_dict(),
                **self.complaints.get(month, empty),
            }
            for month, scores in sorted(self.months.items())
        ]
        found += [
            {"group": "segment", "key": name, **scores.to_dict()}
            for name, scores in self.segments.items()
        ]
        found.append(
            {"group": "all", "key": "all", **self.overall.to_dict(), **self.complaints_total}
        )
        return found


def _complaints(settings: AnalyticsSettings, now: dt.datetime) -> sa.Subquery:
    """Return per complaint: when, resolved by its own outcome, first later resolution time.

    Only complaints and resolving interactions are read (once, in a CTE).
    """
    i = interactions.c
    owned = (
        interactions_with_owner()
        .where(
            i.occurred_at <= now,
            (i.channel == "complaint") | starts_with(i.outcome, settings.resolved_words),
        )
        .cte("complaint_related")
    )
    o = owned.c
    complaints = (
        sa.select(
            o.id,
            o.customer_id,
            o.occurred_at,
            starts_with(sa.func.coalesce(o.outcome, ""), settings.resolved_words).label("own"),
        )
        .where(o.channel == "complaint")
        .subquery("complaint")
    )
    resolutions = (
        sa.select(o.customer_id, o.occurred_at)
        .where(starts_with(o.outcome, settings.resolved_words), o.customer_id.is_not(None))
        .subquery("resolution")
    )
    c, r = complaints.c, resolutions.c
    later = sa.and_(r.customer_id == c.customer_id, r.occurred_at > c.occurred_at)
    return (
        sa.select(c.id, c.occurred_at, c.own, sa.func.min(r.occurred_at).label("resolved_at"))
        .select_from(complaints.outerjoin(resolutions, later))
        .group_by(c.id, c.occurred_at, c.own)
        .subquery("complaints")
    )


def _statements(
    settings: AnalyticsSettings, now: dt.datetime, dialect: str
) -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """Return the queries of the scores by month and by customer, and complaints by month."""
    i = interactions.c
    month = month_of(i.occurred_at, dialect).label("month")
    by_month = sa.select(month, *_scores(interactions)).where(i.occurred_at <= now).group_by(month)
    owned = (
        interactions_with_owner()
        .where(i.occurred_at <= now, i.csat.is_not(None) | i.nps.is_not(None))
        .subquery("scored")
    )
    o = owned.c
    by_customer = (
        sa.select(o.customer_id, *_scores(owned))
        .where(o.customer_id.is_not(None))
        .group_by(o.customer_id)
    )
    c = _complaints(settings, now).c
    hours = hours_between(c.resolved_at, c.occurred_at, dialect)
    complaint_month = month_of(c.occurred_at, dialect).label("month")
    handled = (
        sa.select(
            complaint_month,
            sa.func.count().label("opened"),
            sa.func.count(sa.case((c.resolved_at.is_not(None) | c.own, 1))).label("resolved"),
            sa.func.count(c.resolved_at).label("timed"),
            sa.func.coalesce(sa.func.sum(hours), 0).label("hours"),
        )
        .group_by(complaint_month)
        .order_by(complaint_month)
    )
    return by_month, by_customer, handled


def _read(
    database: Database, settings: AnalyticsSettings, now: dt.datetime
) -> tuple[dict[str, Scores], dict[int, Scores], list[Any]]:
    """Return the scores by month and by customer, and the complaint rows by month."""
    by_month, by_customer, handled = _statements(settings, now, database.engine.dialect.name)
    with database.connect() as conn:
        months = {row.month: _row_scores(row) for row in tune(conn).execute(by_month)}
        customers = {row.customer_id: _row_scores(row) for row in conn.execute(by_customer)}
        return months, customers, list(conn.execute(handled))


def satisfaction(
    database: Database,
    settings: AnalyticsSettings,
    now: dt.datetime,
    pm: CrmkitPluginManager | None = None,
) -> SatisfactionReport:
    """Return CSAT/NPS by month and segment, and complaints opened/resolved/time to resolve.

    The scores and complaints are read on their own connection while the segments are
    computed.
    """
    with side_by_side(database, 1) as pool:
        read = pool.submit(_read, database, settings, now)
        segment_of = segments(database, settings, now, pm, explain=False).segment_of()
        months, customers, complaint_rows = read.result()
    by_segment: dict[str, Scores] = defaultdict(Scores)
    for customer_id, scores in customers.items():
        by_segment[segment_of.get(customer_id, NO_SEGMENT)] += scores
    overall = sum(months.values(), Scores())
    summary = {
        row.month: _handled(row.opened, row.resolved, row.timed, row.hours)
        for row in complaint_rows
    }
    total = _handled(
        *(
            sum(getattr(row, name) for row in complaint_rows)
            for name in ("opened", "resolved", "timed", "hours")
        )
    )
    ordered = {name: by_segment[name] for name in sorted(by_segment, key=_segment_key)}
    return SatisfactionReport(months, ordered, overall, summary, total)


def _handled(opened: int, resolved: int, timed: int, hours: Any) -> dict[str, Any]:
    mean = round(float(hours) / timed, 1) if timed else None
    return {"opened": int(opened), "resolved": int(resolved), "mean_hours_to_resolve": mean}


def hours_between(
    later: sa.ColumnElement[Any], earlier: sa.ColumnElement[Any], dialect: str
) -> sa.ColumnElement[Any]:
    """Return the hours from ``earlier`` to ``later`` in ``dialect``'s SQL (NULL stays NULL)."""
    if dialect == "postgresql":
        return sa.func.extract("epoch", later - earlier) / 3600
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 24


def _segment_key(name: str) -> tuple[int, str]:
    order = ("VIP", "A", "B", "C", "D")
    return (order.index(name), name) if name in order else (len(order), name)
