"""The ``crmkit report`` commands (segments, value, churn, satisfaction) and ``crmkit reminders``.

Each report is aggregated in the database and printed as a table, JSON or CSV; ``--plot``
also draws its chart as PNG (needs the ``plot`` extra). ``crmkit.cli`` registers them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from crmkit.analytics.settings import AnalyticsSettings
from crmkit.cli_support import State, friendly_errors, pass_state

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


F = TypeVar("F", bound="Callable[..., Any]")


def _when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date-time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


_OPTIONS: tuple[tuple[str, str, type, str], ...] = (
    ("--vip-share", "vip_share", float, "VIP: share of revenue the top customers bring."),
    ("--margin", "margin_rate", str, "Gross margin as a share of revenue, when known."),
    ("--cost-per-interaction", "cost_per_interaction", str, "Cost of one interaction."),
    ("--cost-per-minute", "cost_per_call_minute", str, "Cost of one minute on the phone."),
    ("--cost-per-return", "cost_per_return", str, "Cost of handling one returned order."),
    ("--retention", "retention", float, "Yearly retention for CLV (default: estimated)."),
    ("--discount-rate", "discount_rate", float, "Yearly discount rate for CLV."),
    ("--trend-days", "trend_days", int, "Length of the periods compared for growth."),
    ("--churn-factor", "churn_factor", float, "At risk from this many usual gaps."),
)


def _report_options(func: F) -> F:
    """Add the format, plot, ``--now`` and settings options of every report."""
    for flag, name, kind, text in reversed(_OPTIONS):
        func = click.option(flag, name, type=kind, default=None, help=text)(func)
    func = click.option("--now", help="Compute as of this ISO date-time (default: now, UTC).")(func)
    func = click.option(
        "--plot", "plot", type=click.Path(dir_okay=False), help="Also draw the chart to FILE.png."
    )(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "csv"]),
        default="table",
        show_default=True,
        help="A table for people, JSON or CSV for programs.",
    )(func)


def _settings(options: dict[str, Any]) -> AnalyticsSettings:
    chosen = {name: options.pop(name) for _, name, _, _ in _OPTIONS}
    return AnalyticsSettings(**{k: v for k, v in chosen.items() if v is not None})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def emit(
    fmt: str,
    title: str,
    rows: Sequence[dict[str, Any]],
    notes: Sequence[str] = (),
    extra: dict[str, Any] | None = None,
) -> None:
    """Print ``rows`` as a table (with title and notes), JSON (an object) or CSV (notes on stderr).

    JSON is ``{"rows": [...], "notes": [...], **extra}``.
    """
    if fmt == "json":
        document = {"rows": list(rows), "notes": list(notes), **(extra or {})}
        click.echo(json.dumps(document, ensure_ascii=False, default=str))
        return
    columns = list(rows[0]) if rows else []
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(row.get(c)) for c in columns] for row in rows)
        click.echo(out.getvalue(), nl=False)
        for note in notes:
            click.echo(f"note: {note}", err=True)
        return
    console = Console(width=200)
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console.print(table)
    for note in notes:
        console.print(f"note: {note}", highlight=False)


@click.group()
def report() -> None:
    """Report on customers: segments, value, churn risk, satisfaction."""


@report.command("segments")
@_report_options
@pass_state
@friendly_errors
def segments_command(
    state: State, /, fmt: str, plot: str | None, now: str | None, **options: Any
) -> None:
    """Segments VIP (Pareto), A, B, C, D and plugins', with RFM and why, per customer."""
    result = state.crm().segments(_settings(options), _when(now))
    rows = [row.to_dict() for row in result.customers]
    emit(fmt, "Segments", rows, result.notes, {"sizes": result.sizes()})
    if plot:
        from crmkit.analytics.plots import segments_chart

        segments_chart(result, plot)


@report.command("value")
@_report_options
@pass_state
@friendly_errors
def value_command(
    state: State, /, fmt: str, plot: str | None, now: str | None, **options: Any
) -> None:
    """Historical value and CLV per customer (JSON also per segment)."""
    result = state.crm().customer_value(_settings(options), _when(now))
    extra = {"by_segment": result.by_segment(), "retention": result.retention}
    if fmt == "table":
        emit(fmt, "Value by segment", result.by_segment())
    emit(fmt, "Customer value", [row.to_dict() for row in result.customers], result.notes, extra)
    if plot:
        from crmkit.analytics.plots import value_chart

        value_chart(result, plot)


@report.command("churn")
@click.option(
    "--at-risk", is_flag=True, help="Only the valuable customers at risk (retention list)."
)
@_report_options
@pass_state
@friendly_errors
def churn_command(
    state: State, /, fmt: str, plot: str | None, now: str | None, at_risk: bool, **options: Any
) -> None:
    """Churn risk against each customer's own purchase rhythm, most overdue first."""
    result = state.crm().churn_risk(_settings(options), _when(now))
    chosen = result.retention_list if at_risk else list(result.customers)
    extra = {"retention_list": [c.customer_id for c in result.retention_list]}
    emit(fmt, "Churn risk", [row.to_dict() for row in chosen], result.notes, extra)
    if plot:
        from crmkit.analytics.plots import churn_chart

        churn_chart(result, plot)


@report.command("satisfaction")
@_report_options
@pass_state
@friendly_errors
def satisfaction_command(
    state: State, /, fmt: str, plot: str | None, now: str | None, **options: Any
) -> None:
    """CSAT and NPS by month and by segment; complaints opened, resolved, hours to resolve."""
    result = state.crm().satisfaction(_settings(options), _when(now))
    emit(fmt, "Satisfaction and service", result.rows())
    if plot:
        from crmkit.analytics.plots import nps_chart

        nps_chart(result, plot)


@click.command("reminders")
@click.option("--days", type=click.IntRange(min=0), default=7, show_default=True)
@click.option("--now", help="As of this ISO date-time (default: now, UTC).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@pass_state
@friendly_errors
def reminders(state: State, days: int, now: str | None, fmt: str) -> None:
    """Birthdays, key dates, replenishment due, promised follow-ups and open complaints."""
    found = state.crm().reminders(days, now=_when(now))
    emit(fmt, f"Reminders for the next {days} days", [r.to_dict() for r in found])
