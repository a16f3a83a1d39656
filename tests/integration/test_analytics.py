"""Customer analytics on SQLite and PostgreSQL, on hand-built data with known answers.

Segments (VIP, A, B, C, D, RFM), value and CLV, churn risk, every reminder kind,
satisfaction, the ``crmkit report`` and ``crmkit reminders`` commands and the PNG charts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

import crmkit
from crmkit.analytics import AnalyticsSettings
from crmkit.analytics.plots import (
    PlotUnavailableError,
    churn_chart,
    nps_chart,
    segments_chart,
    value_chart,
)
from crmkit.analytics.value import clv
from crmkit.cli import cli
from crmkit.plugins import get_plugin_manager

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def ago(days: float) -> str:
    """Return the RFC 3339 time ``days`` days before NOW."""
    return (NOW - dt.timedelta(days=days)).isoformat()


#: customer key → (name, [(days ago, total, status)])
ORDERS: dict[str, tuple[str, list[tuple[float, str, str]]]] = {
    # VIP by revenue (8000 of 9800 EUR), at risk: rhythm 30 days, last order 240 days ago.
    "vip": (
        "Vera VIP",
        [
            (330, "2000", "delivered"),
            (300, "2000", "delivered"),
            (270, "2000", "delivered"),
            (240, "2000", "delivered"),
        ],
    ),
    # A: 4 orders, last 20 days ago, 240 in the last 90 days vs 200 before.
    "potential": (
        "Anna Potential",
        [
            (150, "100", "delivered"),
            (120, "100", "delivered"),
            (60, "120", "delivered"),
            (20, "120", "delivered"),
        ],
    ),
    # B: 300 in the last 90 days vs 100 before (+200 %), only 2 orders (not A).
    "grower": ("Boris Grower", [(120, "100", "delivered"), (30, "300", "delivered")]),
    # C: 60 EUR revenue, 6 calls of 10 minutes.
    "costly": ("Clara Costly", [(200, "60", "delivered")]),
    # D: serial returner, 2 of 3 orders returned.
    "returner": (
        "Dmitri Returner",
        [(80, "100", "delivered"), (70, "150", "refunded"), (60, "150", "refunded")],
    ),
    # churned: rhythm 5 days, last order 110 days ago; not valuable, no segment.
    "churner": (
        "Chris Churner",
        [(120, "100", "delivered"), (115, "100", "delivered"), (110, "100", "delivered")],
    ),
    # replenishment: every 67.5 days, last 65 days ago, next due in 2.5 days.
    "regular": (
        "Rita Regular",
        [(200, "100", "delivered"), (130, "100", "delivered"), (65, "100", "delivered")],
    ),
    # a cancelled order counts nothing; a USD customer is ranked in USD only.
    "dollar": ("Dan Dollar", [(10, "500", "delivered"), (5, "999", "cancelled")]),
}
CURRENCY = {"dollar": "USD"}
BIRTH = {"vip": "1980-11-23", "potential": "1990-12-25"}
ATTRIBUTES = {
    "grower": {"contract_renewal": "2026-11-25"},
    "regular": {"anniversary": "2010-11-22"},
    "costly": {"contract_renewal": "2027-03-01"},
}


def interactions() -> list[dict[str, Any]]:
    """Return interaction records: calls, follow-ups, complaints, CSAT and NPS answers."""
    records: list[dict[str, Any]] = []

    def add(key: str, days: float, **fields: Any) -> None:
        records.append(
            {
                "external_id": f"i{len(records) + 1}",
                "channel": fields.pop("channel", "phone"),
                "direction": fields.pop("direction", "in"),
                "occurred_at": ago(days),
                "customer": {"external_id": key},
                **fields,
            }
        )

    for day in range(6):
        add("costly", 100 + day, duration_seconds=600, subject="help")
    add("potential", 1, outcome="callback 2026-11-24")
    add("grower", 3, outcome="follow-up on the offer")
    add("vip", 9, outcome="Follow-up next week")
    add("vip", 2, direction="out", subject="called back")
    add("returner", 5, channel="complaint", subject="broken parcel")
    add("churner", 40, channel="complaint", subject="late delivery")
    add("churner", 38, channel="email", direction="out", outcome="resolved: refund")
    add("vip", 50, csat=5, nps=10)
    add("potential", 45, csat=4, nps=9)
    add("returner", 20, csat=2, nps=3)
    add("grower", 15, csat=4, nps=7)
    add("churner", 12, csat=1, nps=0)
    return records


def fill(crm: Any) -> None:
    """Store the customers, orders and interactions above in ``crm``."""
    crm.declare_attribute("contract_renewal", "date", "renewal call")
    crm.declare_attribute("anniversary", "date", "wedding anniversary greeting")
    crm.ingest_customers(
        "shop",
        [
            {
                "external_id": key,
                "name": name,
                **({"birth_date": BIRTH[key]} if key in BIRTH else {}),
                **({"attributes": ATTRIBUTES[key]} if key in ATTRIBUTES else {}),
            }
            for key, (name, _) in ORDERS.items()
        ],
    )
    crm.ingest_orders(
        "shop",
        [
            {
                "external_id": f"{key}-{index}",
                "customer": {"external_id": key},
                "placed_at": ago(days),
                "currency": CURRENCY.get(key, "EUR"),
                "total": total,
                "status": status,
            }
            for key, (_, orders) in ORDERS.items()
            for index, (days, total, status) in enumerate(orders)
        ],
    )
    crm.ingest_interactions("shop", interactions())


@pytest.fixture
def filled(crm):
    """Return crmkit holding the hand-built customers, orders and interactions."""
    fill(crm)
    return crm


def by_name(rows, name):
    """Return the one row whose customer is ``name``."""
    found = [row for row in rows if row.to_dict()["name"] == name]
    assert len(found) == 1, name
    return found[0]


def test_vip_is_the_smallest_set_bringing_the_share_of_revenue_per_currency(filled):
    """8000 of 9600 EUR is over 80 %: one EUR VIP; the only USD buyer is the USD VIP."""
    report = filled.segments(now=NOW)
    vips = {(r.facts.name, r.facts.currency) for r in report.customers if r.segment == "VIP"}
    assert vips == {("Vera VIP", "EUR"), ("Dan Dollar", "USD")}
    assert (
        "8000.00 EUR is 83.3% of 9600.00" in by_name(report.customers, "Vera VIP").to_dict()["why"]
    )
    wider = filled.segments(AnalyticsSettings(vip_share=0.9), now=NOW)
    eur = {
        r.facts.name for r in wider.customers if r.segment == "VIP" and r.facts.currency == "EUR"
    }
    assert eur == {"Vera VIP", "Anna Potential", "Boris Grower"}
    assert report.notes[0].startswith("margins unknown")
    assert by_name(report.customers, "Vera VIP").profit is None


def test_vip_by_profit_and_negative_margin_once_margins_and_costs_are_known(filled):
    """With a 30 % margin and 5 per interaction, profit VIPs and the D of a loss appear."""
    settings = AnalyticsSettings(margin_rate="0.3", cost_per_interaction="5")
    report = filled.segments(settings, now=NOW)
    vera = by_name(report.customers, "Vera VIP")
    assert vera.profit == Decimal("2385.00")
    assert "by profit: profit 2385.00 EUR" in vera.to_dict()["why"]
    clara = by_name(report.customers, "Clara Costly")
    assert clara.profit == Decimal("-12.00")
    assert [m.segment for m in clara.memberships] == ["C", "D"]
    assert "margin -12.00 EUR after returns and cost to serve" in clara.to_dict()["why"]
    assert not any(n.startswith("margins unknown") for n in report.notes)
    assert any(n.startswith("return handling cost unknown") for n in report.notes)


@pytest.mark.parametrize(
    ("name", "segments", "why"),
    [
        ("Anna Potential", ["A"], "A: 4 orders, the last 20 days ago; revenue 240.00 EUR"),
        ("Boris Grower", ["B"], "vs 100.00 in the 90 before (+200%)"),
        ("Clara Costly", ["C"], "6 interactions and 60 min on the phone for 60.00 EUR"),
        ("Dmitri Returner", ["D"], "serial returner: 2 of 3 orders returned (300.00 EUR)"),
        ("Chris Churner", [], ""),
    ],
)
def test_each_segment_rule_and_why(filled, name, segments, why):
    """A: potential VIP; B: fast growth; C: costly to serve; D: serial returner; else none."""
    row = by_name(filled.segments(now=NOW).customers, name).to_dict()
    assert row["segments"] == segments
    assert why in row["why"]


def test_rfm_quintiles_rank_recency_frequency_and_money_within_the_currency(filled):
    """The most recent, most frequent top spender scores high; 7 EUR customers in 5 tiles."""
    rows = filled.segments(now=NOW).customers
    assert by_name(rows, "Anna Potential").facts.rfm == "554"
    assert by_name(rows, "Vera VIP").facts.rfm == "145"
    assert by_name(rows, "Clara Costly").facts.rfm == "111"


def test_clv_follows_the_documented_formula(filled):
    """CLV = m r / (1 + d - r): 2400 yearly margin, r 0.8, d 0.1 gives 6400."""
    assert clv(Decimal(100), 0.8, 0.1) == Decimal("266.67")
    settings = AnalyticsSettings(margin_rate="0.3", retention=0.8, discount_rate=0.1)
    report = filled.customer_value(settings, now=NOW)
    vera = by_name(report.customers, "Vera VIP")
    assert (vera.historical, vera.year_margin, vera.clv) == (
        Decimal("8000.00"),
        Decimal("2400.00"),
        Decimal("6400.00"),
    )
    vip_eur = next(
        g for g in report.by_segment() if g["segment"] == "VIP" and g["currency"] == "EUR"
    )
    assert vip_eur == {
        "segment": "VIP",
        "currency": "EUR",
        "customers": 1,
        "historical": "8000.00",
        "clv": "6400.00",
        "clv_mean": "6400.00",
    }


def test_value_without_margins_says_so_instead_of_inventing_clv(filled):
    """No margin rate, no retention history: historical value only, and notes saying why."""
    report = filled.customer_value(now=NOW)
    assert all(row.clv is None for row in report.customers)
    assert by_name(report.customers, "Anna Potential").historical == Decimal("440.00")
    assert any(n.startswith("margins unknown") for n in report.notes)
    assert any(n.startswith("retention unknown") for n in report.notes)


def test_retention_is_estimated_from_repeat_buyers_year_on_year(crm):
    """Two buyers in the year before last, one of them again since: retention 50 %."""
    crm.ingest_customers("shop", [{"external_id": k, "name": k} for k in ("x", "y")])
    crm.ingest_orders(
        "shop",
        [
            {
                "external_id": f"{k}{d}",
                "customer": {"external_id": k},
                "placed_at": ago(d),
                "currency": "EUR",
                "total": "10",
            }
            for k, d in (("x", 500), ("x", 100), ("y", 400))
        ],
    )
    report = crm.customer_value(AnalyticsSettings(margin_rate="0.5"), now=NOW)
    assert report.retention == 0.5
    x = by_name(report.customers, "x")
    assert x.clv == clv(Decimal("5.00"), 0.5, 0.1)


def test_churn_risk_against_each_customers_own_rhythm(filled):
    """Overdue against one's own gap; the retention list holds only the valuable at risk."""
    report = filled.churn_risk(now=NOW)
    vera = by_name(report.customers, "Vera VIP")
    assert (vera.rhythm_days, vera.days_since, vera.overdue_days) == (30.0, 240.0, 210.0)
    assert vera.at_risk
    assert vera.valuable
    chris = by_name(report.customers, "Chris Churner")
    assert chris.at_risk
    assert not chris.valuable
    assert chris.risk == 22.0
    assert not by_name(report.customers, "Rita Regular").at_risk
    assert [c.name for c in report.retention_list] == ["Vera VIP"]
    assert all(c.name != "Clara Costly" for c in report.customers)  # one order: no rhythm


def test_reminders_of_every_kind_within_the_window(filled):
    """Birthday, key dates (on the day and anniversary), replenishment, follow-ups, complaint."""
    found = [(r.due.isoformat(), r.kind, r.name) for r in filled.reminders(7, now=NOW)]
    assert found == [
        ("2026-11-19", "follow_up", "Boris Grower"),
        ("2026-11-20", "complaint", "Dmitri Returner"),
        ("2026-11-22", "key_date", "Rita Regular"),
        ("2026-11-23", "birthday", "Vera VIP"),
        ("2026-11-23", "replenishment", "Rita Regular"),
        ("2026-11-24", "follow_up", "Anna Potential"),
        ("2026-11-25", "key_date", "Boris Grower"),
    ]
    texts = {r.kind + r.name: r.text for r in filled.reminders(7, now=NOW)}
    assert texts["birthdayVera VIP"] == "birthday (46)"
    assert texts["key_dateRita Regular"] == "anniversary (since 2010-11-22)"
    assert texts["complaintDmitri Returner"] == "open complaint for 5 days: broken parcel"
    short = [(r.kind, r.name) for r in filled.reminders(1, now=NOW)]
    assert short == [("follow_up", "Boris Grower"), ("complaint", "Dmitri Returner")]


def test_satisfaction_by_month_and_segment_and_complaints(filled):
    """CSAT means, NPS points, share of promoters, complaints opened/resolved/hours."""
    report = filled.satisfaction(now=NOW)
    assert report.months["2026-10"].to_dict() == {
        "csat": 3.67,
        "csat_responses": 3,
        "nps": 33.3,
        "nps_responses": 3,
        "promoter_share": 0.6667,
    }
    assert report.months["2026-11"].nps == -50.0
    assert (report.overall.nps, report.overall.promoter_share) == (0.0, 0.4)
    assert {k: s.nps for k, s in report.segments.items()} == {
        "VIP": 100.0,
        "A": 100.0,
        "B": 0.0,
        "D": -100.0,
        "-": -100.0,
    }
    assert report.complaints["2026-10"] == {
        "opened": 1,
        "resolved": 1,
        "mean_hours_to_resolve": 48.0,
    }
    assert report.complaints_total == {"opened": 2, "resolved": 1, "mean_hours_to_resolve": 48.0}


def test_orders_linked_by_phone_count_for_the_customer_holding_it(crm):
    """An order naming no known identity belongs to whoever holds its phone."""
    crm.ingest_customers("crm", [{"external_id": "1", "name": "Ivan", "phones": ["+74951234567"]}])
    crm.ingest_orders(
        "shop",
        [
            {
                "external_id": "o1",
                "customer": {"phones": ["8 (495) 123-45-67"]},
                "placed_at": ago(3),
                "currency": "RUB",
                "total": "1500.50",
            }
        ],
    )
    (row,) = crm.segments(now=NOW).customers
    assert (row.facts.name, row.facts.revenue, row.segment) == ("Ivan", Decimal("1500.50"), "VIP")


def test_a_customer_with_calls_and_no_orders_is_costly_to_serve(crm):
    """Interactions without any priced order still count: C, with no currency."""
    crm.ingest_customers("shop", [{"external_id": "q", "name": "Quinn"}])
    crm.ingest_interactions(
        "shop",
        [
            {
                "external_id": f"q{n}",
                "channel": "phone",
                "direction": "in",
                "occurred_at": ago(n + 1),
                "duration_seconds": 120,
                "customer": {"external_id": "q"},
            }
            for n in range(5)
        ],
    )
    (row,) = crm.segments(now=NOW).customers
    assert (row.facts.currency, row.segment) == (None, "C")
    assert row.memberships[0].why == (
        "5 interactions and 10 min on the phone for 0.00 revenue (0.00 per interaction)"
    )


# command line -----------------------------------------------------------------------------


def run(url, *args):
    """Invoke ``crmkit --db URL ARGS`` with the built-in plugins; return click's result."""
    result = CliRunner().invoke(
        cli,
        ["--db", url, *args],
        obj=get_plugin_manager(entrypoints=False),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("name", ["segments", "value", "churn", "satisfaction"])
def test_report_commands_print_table_json_and_csv(filled, database_url, name):
    """Every report prints a titled table, a JSON object with rows and notes, and CSV."""
    now = ["--now", NOW.isoformat()]
    table = run(database_url, "report", name, *now).stdout
    assert {
        "segments": "Segments",
        "value": "Customer value",
        "churn": "Churn risk",
        "satisfaction": "Satisfaction",
    }[name] in table
    document = json.loads(run(database_url, "report", name, *now, "--format", "json").stdout)
    assert document["rows"]
    assert isinstance(document["notes"], list)
    rows = list(
        csv.DictReader(
            io.StringIO(run(database_url, "report", name, *now, "--format", "csv").stdout)
        )
    )
    assert len(rows) == len(document["rows"])


def test_report_segments_json_carries_why_sizes_and_settings(filled, database_url):
    """Settings options reach the rules; JSON lists sizes and each customer's why."""
    out = run(
        database_url,
        "report",
        "segments",
        "--now",
        NOW.isoformat(),
        "--format",
        "json",
        "--vip-share",
        "0.9",
        "--margin",
        "0.3",
    ).stdout
    document = json.loads(out)
    assert document["sizes"]["VIP"] == 4
    vera = next(r for r in document["rows"] if r["name"] == "Vera VIP")
    assert vera["profit"] == "2400.00"
    assert vera["why"].startswith("VIP: revenue 8000.00 EUR")


def test_churn_at_risk_lists_the_retention_list(filled, database_url):
    """``--at-risk`` prints only the valuable customers at risk."""
    out = run(
        database_url, "report", "churn", "--at-risk", "--now", NOW.isoformat(), "--format", "csv"
    )
    assert [r["name"] for r in csv.DictReader(io.StringIO(out.stdout))] == ["Vera VIP"]


def test_reminders_command_for_the_next_days(filled, database_url):
    """``crmkit reminders --days 7`` prints each reminder; JSON for programs."""
    now = ["--now", NOW.isoformat()]
    assert "birthday (46)" in run(database_url, "reminders", "--days", "7", *now).stdout
    rows = json.loads(
        run(database_url, "reminders", "--days", "7", *now, "--format", "json").stdout
    )
    assert [r["kind"] for r in rows["rows"]].count("follow_up") == 2


# charts -----------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    """Check that the file is a real PNG of a reasonable size."""
    data = path.read_bytes()
    assert data[:8] == PNG
    assert len(data) > 5000


def test_charts_are_pngs_with_the_expected_titles_and_axes(filled, tmp_path):
    """Pareto curve and segment sizes, value by segment, churn risk, NPS trend."""
    figure = segments_chart(filled.segments(now=NOW), tmp_path / "s.png")
    pareto, sizes = figure.axes
    assert (pareto.get_title(), pareto.get_ylabel()) == (
        "Pareto curve of revenue",
        "cumulative revenue, %",
    )
    assert sorted(
        line.get_label() for line in pareto.get_lines() if not line.get_label().startswith("_")
    ) == ["EUR", "USD"]
    assert sizes.get_title() == "Segment sizes"
    assert [t.get_text() for t in sizes.get_xticklabels()] == ["VIP", "A", "B", "C", "D", "-"]
    assert [p.get_height() for p in sizes.patches] == [2, 1, 1, 1, 1, 2]
    assert_png(tmp_path / "s.png")
    value = value_chart(filled.customer_value(now=NOW), tmp_path / "v.png")
    assert value.axes[0].get_title() == "Customer value by segment"
    churn = churn_chart(filled.churn_risk(now=NOW), tmp_path / "c.png")
    assert churn.axes[0].get_title() == "Churn risk"
    nps = nps_chart(filled.satisfaction(now=NOW), tmp_path / "n.png")
    assert (nps.axes[0].get_title(), nps.axes[0].get_ylabel()) == ("NPS trend", "NPS, points")
    assert list(nps.axes[0].get_lines()[0].get_ydata()) == [33.3, -50.0]
    for name in "vcn":
        assert_png(tmp_path / f"{name}.png")


def test_report_plot_option_writes_the_chart(filled, database_url, tmp_path):
    """``--plot FILE.png`` writes the report's chart next to the printed report."""
    target = tmp_path / "nps.png"
    run(database_url, "report", "satisfaction", "--now", NOW.isoformat(), "--plot", str(target))
    assert_png(target)


def test_plots_without_matplotlib_name_the_extra(filled, monkeypatch):
    """Without matplotlib, a chart fails with an error naming ``crmkit[plot]``."""
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(PlotUnavailableError, match=r"crmkit\[plot\]"):
        nps_chart(filled.satisfaction(now=NOW))


def test_reports_that_only_need_segments_classify_alike_without_the_why(filled):
    """Value, churn and satisfaction skip the explanations, never the membership."""
    from crmkit.analytics.segments import segments as compute_segments

    settings = AnalyticsSettings(margin_rate="0.3", cost_per_interaction="5")
    args = (filled.database, settings, NOW, filled.pm)
    explained = compute_segments(*args)
    quiet = compute_segments(*args, explain=False)

    def who(report):
        return [
            (r.facts.customer_id, r.facts.currency, [m.segment for m in r.memberships])
            for r in report.customers
        ]

    assert who(quiet) == who(explained)
    assert "VIP" in {r.segment for r in quiet.customers}
    assert any(m.why for r in explained.customers for m in r.memberships)
    assert all(not m.why for r in quiet.customers for m in r.memberships)


def test_queries_run_side_by_side_only_where_each_thread_gets_its_own_connection(tmp_path):
    """An in-memory SQLite shares one connection: its jobs run in the calling thread."""
    import threading

    from crmkit.analytics.parallel import side_by_side
    from crmkit.store import Database

    memory, on_file = Database("sqlite://"), Database(f"sqlite:///{tmp_path / 'a.db'}")
    with side_by_side(memory, 2) as pool:
        assert pool.submit(threading.get_ident).result() == threading.get_ident()
        failed = pool.submit(int, "not a number")
        with pytest.raises(ValueError, match="not a number"):
            failed.result()
    with side_by_side(on_file, 2) as pool:
        assert pool.submit(threading.get_ident).result() != threading.get_ident()
    for database in (memory, on_file):
        database.engine.dispose()


def test_reports_on_an_in_memory_database():
    """Every report runs on ``sqlite://`` (one shared connection), with the known answers."""
    with crmkit.open("sqlite://", entrypoints=False, default_region="RU") as crm:
        fill(crm)
        vips = {
            (r.facts.name, r.facts.currency)
            for r in crm.segments(now=NOW).customers
            if r.segment == "VIP"
        }
        assert vips == {("Vera VIP", "EUR"), ("Dan Dollar", "USD")}
        assert crm.satisfaction(now=NOW).rows()
        assert crm.reminders(7, now=NOW)
