"""Ingest benchmark: ``crmkit import jsonl`` against plain SQLAlchemy Core, same rows, same run.

Usage::

    python benchmarks/ingest.py [--records N] [--db sqlite|postgresql|both] [--pg-url URL]

For each database the benchmark

1. generates N messy generic customer records into a temporary JSON Lines file (once, as a
   stream; see ``_common.py``),
2. runs ``crmkit --db URL import jsonl FILE --source bench --no-resolve`` as a child process
   on a fresh database and times it from the outside (process start-up included); the child
   reports its own peak RSS (``VmHWM``),
3. reads back the very rows crmkit stored in ``source_records`` and inserts them with plain
   SQLAlchemy Core ``conn.execute(table.insert(), rows)`` executemany, one transaction per
   batch of crmkit's batch size, into a fresh database of the same kind with the same schema;
   only the inserts are timed: this is the baseline,
4. runs the same import again (nothing changed) and reports its throughput separately.

It passes when crmkit's records/s are at least half the baseline's rows/s and the import's
peak RSS stays under 300 MiB. PostgreSQL scratch databases are created and dropped on the
server named by ``--pg-url`` (default ``CRMKIT_TEST_PG_URL`` or a local ``test`` database).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from _common import write_records

from crmkit.services.ingest import DEFAULT_BATCH_SIZE
from crmkit.store import Database

if TYPE_CHECKING:
    from collections.abc import Iterator

MIN_RATIO = 0.5
MAX_RSS_MIB = 300
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SOURCE = "bench"
REPORT_EVERY = 10.0

#: The start of a benchmark's child process: at exit, it writes its own peak resident set
#: size (VmHWM, KiB) to the file named by CRMKIT_BENCH_RSS_FILE.
CHILD_RSS_REPORT = """
import atexit, os, resource, sys

def _report():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with open("/proc/self/status") as status:
            peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except OSError:
        pass
    with open(os.environ["CRMKIT_BENCH_RSS_FILE"], "w") as out:
        out.write(str(peak))

atexit.register(_report)
"""
# Runs the crmkit CLI exactly as the console script does, reporting its peak RSS.
_CHILD = (
    CHILD_RSS_REPORT
    + """
from crmkit.cli import main
main(sys.argv[1:])
"""
)


def log(message: str) -> None:
    """Print a progress line to stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class ImportRun:
    """One timed ``crmkit import`` child process."""

    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    records: int

    @property
    def per_second(self) -> float:
        """Return records read per second."""
        return self.records / self.seconds


@dataclass
class Result:
    """Everything measured on one database."""

    database: str
    first: ImportRun
    second: ImportRun
    stored_rows: int
    dead_letters: int
    baseline_rows: int
    baseline_seconds: float
    load: tuple[float, float]

    @property
    def baseline_per_second(self) -> float:
        """Return baseline rows inserted per second."""
        return self.baseline_rows / self.baseline_seconds

    @property
    def ratio(self) -> float:
        """Return crmkit records/s over baseline rows/s."""
        return self.first.per_second / self.baseline_per_second

    @property
    def passed(self) -> bool:
        """Return True when both targets are met."""
        return self.ratio >= MIN_RATIO and self.first.peak_rss_mib < MAX_RSS_MIB


# scratch databases ----------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(kind: str, label: str, workdir: Path, pg_url: str) -> Iterator[str]:
    """Yield the URL of a new, empty database of ``kind``; delete it afterwards."""
    if kind == "sqlite":
        path = workdir / f"{label}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    server = sa.make_url(pg_url)
    if server.drivername in {"postgresql", "postgres"}:
        server = server.set(drivername="postgresql+psycopg")
    name = f"crmkit_bench_{os.getpid()}_{label}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        shown = server.render_as_string(hide_password=True)
        raise SystemExit(f"cannot create a scratch database on {shown}: {exc.orig}") from exc
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# crmkit ---------------------------------------------------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crmkit_cli(url: str, *args: str, records: int, rss_file: Path) -> tuple[ImportRun, str]:
    """Run ``crmkit --db URL ARGS`` in a child process; return its figures and its stdout.

    Wall time is measured around the whole process (start-up included), CPU time is the
    child's user + system time, peak RSS is the child's own ``VmHWM``.
    """
    command = [sys.executable, "-c", _CHILD, "--db", url, *args]
    env = {**os.environ, "CRMKIT_BENCH_RSS_FILE": str(rss_file)}
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.stderr.write(done.stdout)
        raise SystemExit(f"crmkit {' '.join(args)} failed with status {done.returncode}")
    rss = int(rss_file.read_text()) / 1024
    return ImportRun(seconds, _children_cpu() - cpu_before, rss, records), done.stdout


def run_import(url: str, path: Path, records: int, workdir: Path) -> ImportRun:
    """Time ``crmkit import jsonl PATH --source bench --no-resolve`` on ``url``."""
    args = ("import", "jsonl", str(path), "--source", SOURCE, "--no-resolve")
    run, summary = crmkit_cli(url, *args, records=records, rss_file=workdir / "rss")
    sys.stderr.write(summary)
    log(
        f"crmkit: {records:,} records in {run.seconds:.1f} s = {run.per_second:,.0f}/s, "
        f"{run.cpu_seconds:.1f} s CPU, peak RSS {run.peak_rss_mib:.0f} MiB"
    )
    return run


def count_rows(url: str) -> tuple[int, int]:
    """Return how many source records and dead letters the database holds."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.scalar(sa.text("SELECT count(*) FROM source_records"))
        letters = conn.scalar(sa.text("SELECT count(*) FROM dead_letters"))
    engine.dispose()
    return int(stored or 0), int(letters or 0)


# baseline -------------------------------------------------------------------------------------


def stored_batches(url: str, batch_size: int) -> Iterator[list[dict[str, object]]]:
    """Yield the rows of ``source_records`` at ``url`` in id order, ``batch_size`` at a time."""
    engine = sa.create_engine(url)
    table = sa.Table("source_records", sa.MetaData(), autoload_with=engine)
    columns = [c for c in table.c if c.name != "id"]
    last = 0
    try:
        while True:
            query = sa.select(table.c.id, *columns).where(table.c.id > last)
            with engine.connect() as conn:
                rows = conn.execute(query.order_by(table.c.id).limit(batch_size)).all()
            if not rows:
                return
            last = rows[-1].id
            yield [{c.name: row[n] for n, c in enumerate(columns, start=1)} for row in rows]
    finally:
        engine.dispose()


def run_baseline(source_url: str, target_url: str, batch_size: int) -> tuple[int, float]:
    """Insert the rows stored at ``source_url`` into ``target_url`` with Core executemany.

    The target gets crmkit's schema through its own migrations and the same engine settings
    (SQLite pragmas); its table is reflected, so the inserts use plain column types. Returns
    the row count and the seconds spent in the insert transactions alone.
    """
    target = Database(target_url)
    target.migrate()
    table = sa.Table("source_records", sa.MetaData(), autoload_with=target.engine)
    rows = 0
    seconds = 0.0
    last_report = time.monotonic()
    for batch in stored_batches(source_url, batch_size):
        started = time.perf_counter()
        with target.engine.begin() as conn:
            conn.execute(table.insert(), batch)
        seconds += time.perf_counter() - started
        rows += len(batch)
        if time.monotonic() - last_report >= REPORT_EVERY:
            last_report = time.monotonic()
            log(f"baseline: {rows:,} rows inserted, {rows / seconds:,.0f}/s")
    target.dispose()
    log(f"baseline: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f}/s")
    return rows, seconds


# the benchmark --------------------------------------------------------------------------------


def bench_database(kind: str, path: Path, records: int, workdir: Path, pg_url: str) -> Result:
    """Measure crmkit and the baseline on one kind of database."""
    load_at_start = os.getloadavg()[0]
    with (
        scratch_database(kind, "crmkit", workdir, pg_url) as crm_url,
        scratch_database(kind, "baseline", workdir, pg_url) as base_url,
    ):
        crmkit_cli(crm_url, "init", records=0, rss_file=workdir / "rss")
        log(f"{kind}: crmkit import, first run")
        first = run_import(crm_url, path, records, workdir)
        stored, letters = count_rows(crm_url)
        log(f"{kind}: baseline, {stored:,} rows with plain Core executemany")
        base_rows, base_seconds = run_baseline(crm_url, base_url, DEFAULT_BATCH_SIZE)
        log(f"{kind}: crmkit import, second run (nothing changed)")
        second = run_import(crm_url, path, records, workdir)
    load = (load_at_start, os.getloadavg()[0])
    return Result(kind, first, second, stored, letters, base_rows, base_seconds, load)


def _summary_row(r: Result, records: int) -> str:
    first = r.first
    verdict = "PASS" if r.passed else "FAIL"
    return (
        f"{r.database:<11}{records:>10,}{first.seconds:>10.1f}{first.per_second:>14,.0f}"
        f"{first.peak_rss_mib:>14.0f}{r.baseline_per_second:>17,.0f}{r.ratio:>7.2f}  {verdict}"
    )


def _details_row(r: Result) -> str:
    first = r.first
    return (
        f"  {r.database:<11}crmkit {first.seconds:.1f} s wall, {first.cpu_seconds:.1f} s CPU;"
        f" baseline {r.baseline_seconds:.1f} s in inserts;"
        f" {r.stored_rows:,} rows stored, {r.dead_letters:,} dead letters;"
        f" load {r.load[0]:.1f} -> {r.load[1]:.1f}"
    )


def _second_run_row(r: Result) -> str:
    second = r.second
    return (
        f"  {r.database:<11}{second.seconds:>8.1f} s{second.per_second:>12,.0f} rec/s"
        f"{second.cpu_seconds:>8.1f} s CPU{second.peak_rss_mib:>8.0f} MiB peak RSS"
    )


def print_report(results: list[Result], records: int) -> None:
    """Print the results table, the verdicts, the details and the second-run figures."""
    header = (
        f"{'database':<11}{'records':>10}{'crmkit s':>10}{'crmkit rec/s':>14}"
        f"{'peak RSS MiB':>14}{'baseline rows/s':>17}{'ratio':>7}  verdict"
    )
    print()
    print(f"crmkit import jsonl vs plain SQLAlchemy Core executemany, {records:,} records")
    print(header)
    print("-" * len(header))
    for r in results:
        print(_summary_row(r, records))
    print(f"targets: ratio >= {MIN_RATIO}, peak RSS < {MAX_RSS_MIB} MiB")
    print()
    print(f"details ({os.cpu_count()} CPUs; 1-minute load average at start -> end):")
    for r in results:
        print(_details_row(r))
    print()
    print("second run of the same import, nothing changed (not part of the ratio):")
    for r in results:
        print(_second_run_row(r))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="records to generate")
    add_database_options(parser)
    return parser.parse_args(argv)


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--db``, ``--pg-url`` and ``--seed``, shared by the benchmarks on both databases."""
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("CRMKIT_TEST_PG_URL") or DEFAULT_PG_URL,
        help="a PostgreSQL server where scratch databases may be created",
    )
    parser.add_argument("--seed", type=int, default=20261123, help="seed of the generated data")


def exit_on_term(signum: int, _frame: object) -> None:
    """Turn SIGTERM into SystemExit, so scratch databases and files are still removed."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when every database passes."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, exit_on_term)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    with tempfile.TemporaryDirectory(prefix="crmkit-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / "records.jsonl"
        log(f"generating {args.records:,} records into {path}")
        write_records(path, args.records, args.seed)
        results = [bench_database(kind, path, args.records, workdir, args.pg_url) for kind in kinds]
    print_report(results, args.records)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
