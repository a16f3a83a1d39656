"""Customer analytics reports on a large store, SQLite and PostgreSQL: seconds and peak RSS.

Usage::

    python benchmarks/reports.py [--scale 1.0] [--db sqlite|postgresql|both] [--pg-url URL]
                                 [--seed S]

At scale 1 the store holds 100,000 customers, 1,000,000 orders and 1,000,000 interactions
(``--scale 0.1`` is a quick run), linked to their customers the three ways crmkit supports:
by source identity, by phone only, by e-mail only.

**Loading is not what is measured.** The store is written in bulk straight into the
projection tables by :func:`card.load` (the customer-card benchmark's loader, not through
ingest), and every order and interaction is linked to its customer by crmkit's own
:func:`crmkit.store.customer_links.relink` (what a full resolution does). Then one order
in 20 is marked returned and one in 50 cancelled, and one interaction in 25 becomes a
complaint, one in 40 is resolved, one in 30 promises a callback and one in 10 carries an
NPS answer, so that every rule has work to do.

Each report then runs once, through the public API on a fresh :class:`crmkit.Crmkit`, in
its own child process, which prints its wall time and peak RSS (``ru_maxrss``): segments,
value, churn, satisfaction, and reminders for 7 days. The run passes when every report
finishes in under 10 s on SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from card import DEFAULT_PG_URL, T0, load, log
from ingest import scratch_database

import crmkit
from crmkit.store.customer_links import relink
from crmkit.store.tables import interactions, order_groups

TARGET_SECONDS = 10.0
NOW = T0 + dt.timedelta(days=280)
REPORTS = ("segments", "value", "churn", "satisfaction", "reminders")


def link_customers(url: str) -> None:
    """Link every loaded order and interaction to its customer, as resolution would."""
    crm = crmkit.open(url, entrypoints=False, create=False)
    try:
        relink(crm.database, None)
    finally:
        crm.close()


def enrich(url: str) -> None:
    """Give the loaded store returns, cancellations, complaints, callbacks and NPS answers."""
    link_customers(url)
    engine = sa.create_engine(url)
    g, i = order_groups.c, interactions.c
    with engine.begin() as conn:
        conn.execute(order_groups.update().where(g.id % 20 == 0).values(status="returned"))
        conn.execute(order_groups.update().where(g.id % 50 == 1).values(status="cancelled"))
        conn.execute(interactions.update().where(i.id % 25 == 0).values(channel="complaint"))
        conn.execute(interactions.update().where(i.id % 40 == 3).values(outcome="resolved"))
        conn.execute(interactions.update().where(i.id % 30 == 7).values(outcome="callback"))
        conn.execute(interactions.update().where(i.id % 10 == 1).values(nps=i.id % 11))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def run_one(url: str, name: str) -> dict[str, float | int]:
    """Run report ``name`` once on a fresh crmkit; return seconds, rows and peak RSS (MiB)."""
    crm = crmkit.open(url, entrypoints=False, create=False)
    calls = {
        "segments": lambda: crm.segments(now=NOW).customers,
        "value": lambda: crm.customer_value(now=NOW).customers,
        "churn": lambda: crm.churn_risk(now=NOW).customers,
        "satisfaction": lambda: crm.satisfaction(now=NOW).rows(),
        "reminders": lambda: crm.reminders(7, now=NOW),
    }
    started = time.perf_counter()
    rows = len(calls[name]())
    seconds = time.perf_counter() - started
    crm.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "rows": rows, "peak_rss_mib": peak}


def measure(url: str) -> dict[str, dict[str, float | int]]:
    """Run every report in its own child process; return each one's figures."""
    results = {}
    for name in REPORTS:
        out = subprocess.run(
            [sys.executable, __file__, "--one", name, "--url", url],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)},
        )
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        log(f"  {name}: {results[name]['seconds']:.2f} s")
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100k customers, 1M orders")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("CRMKIT_TEST_PG_URL") or DEFAULT_PG_URL)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--one", choices=REPORTS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when every report takes under 10 s on SQLite."""
    args = parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.url, args.one)))
        return 0
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            with scratch_database(kind, "reports", Path(tmp), args.pg_url) as url:
                log(f"{kind}: loading the store (bulk, straight into the projection tables)")
                counts = load(url, args.scale, args.seed)
                enrich(url)
                log(f"{kind}: running the reports")
                results[kind] = (counts, measure(url))
    print("Loaded in bulk straight into the projection tables (not through ingest).")
    ok = True
    for kind, (counts, figures) in results.items():
        print(
            f"\n{kind}: {counts['customers']:,} customers, {counts['orders']:,} orders, "
            f"{counts['interactions']:,} interactions"
        )
        for name, figure in figures.items():
            print(
                f"  {name:<13} {figure['seconds']:6.2f} s   {figure['rows']:>8,} rows   "
                f"peak RSS {figure['peak_rss_mib']:6.0f} MiB"
            )
        if kind == "sqlite":
            ok = all(f["seconds"] < TARGET_SECONDS for f in figures.values())
            verdict = "PASS" if ok else "FAIL"
            print(f"  target: each report < {TARGET_SECONDS:.0f} s on SQLite: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
