"""Charts of the reports as PNG files: Pareto curve and segment sizes, value, churn, NPS trend.

matplotlib is an optional extra (``pip install 'crmkit[plot]'``), imported only here and only
when a chart is drawn. Each function returns the matplotlib ``Figure`` it drew (and saves it
when given a path), so callers and tests can inspect titles and axes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crmkit.errors import CrmkitError

if TYPE_CHECKING:
    from pathlib import Path

    from crmkit.analytics.churn import ChurnReport
    from crmkit.analytics.satisfaction import SatisfactionReport
    from crmkit.analytics.segments import SegmentReport
    from crmkit.analytics.value import ValueReport


class PlotUnavailableError(CrmkitError):
    """Raised when a chart is asked for but matplotlib (the ``plot`` extra) is not installed."""


def _figure(rows: int = 1, cols: int = 1) -> tuple[Any, Any]:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotUnavailableError("plots need matplotlib: pip install 'crmkit[plot]'") from exc
    figure = Figure(figsize=(6 * cols, 4.5 * rows), layout="constrained")
    return figure, figure.subplots(rows, cols, squeeze=False)


def _save(figure: Any, path: str | Path | None) -> Any:
    if path is not None:
        figure.savefig(path, format="png", dpi=100)
    return figure


def segments_chart(report: SegmentReport, path: str | Path | None = None) -> Any:
    """Draw the Pareto curve of revenue per currency and the segment sizes; return the Figure."""
    figure, axes = _figure(1, 2)
    pareto, sizes = axes[0][0], axes[0][1]
    for currency, curve in sorted(report.pareto().items()):
        shares = [100 * (i + 1) / len(curve) for i in range(len(curve))]
        pareto.plot([0, *shares], [0, *(100 * c for c in curve)], label=currency)
    pareto.axhline(80, color="grey", linestyle="--", linewidth=0.8)
    pareto.set_title("Pareto curve of revenue")
    pareto.set_xlabel("customers, % (best first)")
    pareto.set_ylabel("cumulative revenue, %")
    if report.pareto():
        pareto.legend()
    counts = report.sizes()
    sizes.bar(list(counts), list(counts.values()))
    sizes.set_title("Segment sizes")
    sizes.set_xlabel("segment")
    sizes.set_ylabel("customers")
    return _save(figure, path)


def value_chart(report: ValueReport, path: str | Path | None = None) -> Any:
    """Draw historical value (and CLV where known) per segment and currency; return the Figure."""
    figure, axes = _figure()
    ax = axes[0][0]
    groups = report.by_segment()
    labels = [f"{g['segment']} {g['currency']}" for g in groups]
    ax.bar(labels, [float(Decimal(g["historical"])) for g in groups], label="historical")
    if any(g["clv"] for g in groups):
        ax.plot(labels, [float(Decimal(g["clv"] or 0)) for g in groups], "o", label="CLV")
    ax.set_title("Customer value by segment")
    ax.set_xlabel("segment")
    ax.set_ylabel("value")
    ax.legend()
    return _save(figure, path)


def churn_chart(report: ChurnReport, path: str | Path | None = None) -> Any:
    """Draw the distribution of churn risk (days since last order / rhythm); return the Figure."""
    figure, axes = _figure()
    ax = axes[0][0]
    ax.hist([min(c.risk, 10.0) for c in report.customers], bins=20)
    ax.set_title("Churn risk")
    ax.set_xlabel("days since last order / usual gap (capped at 10)")
    ax.set_ylabel("customers")
    return _save(figure, path)


def nps_chart(report: SatisfactionReport, path: str | Path | None = None) -> Any:
    """Draw the NPS trend by month (and CSAT on a second axis); return the Figure."""
    figure, axes = _figure()
    ax = axes[0][0]
    months = [m for m, s in sorted(report.months.items()) if s.nps is not None]
    ax.plot(months, [report.months[m].nps for m in months], marker="o", label="NPS")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_title("NPS trend")
    ax.set_xlabel("month")
    ax.set_ylabel("NPS, points")
    csat = ax.twinx()
    rated = [m for m, s in sorted(report.months.items()) if s.csat is not None]
    csat.plot(rated, [report.months[m].csat for m in rated], "s--", color="tab:orange")
    csat.set_ylabel("CSAT (1-5)")
    return _save(figure, path)
