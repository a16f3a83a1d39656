"""Sync benchmark: ``crmkit sync`` from a paged JSON API on loopback against ``crmkit import``.

Usage::

    python benchmarks/sync.py [--records N] [--page-size P] [--db sqlite|postgresql|both]

For each database the benchmark

1. generates N messy generic customer records into a temporary JSON Lines file (once; see
   ``_common.py``), and serves the same records from an HTTP server on loopback in this
   process: ``GET /customers?after=K&limit=P`` answers ``{"items": [...], "next": K+P}``
   (a line that is not valid JSON is served as a JSON string, which the adapter dead-letters
   as ``crmkit import`` does),
2. runs ``crmkit import jsonl FILE --source file --no-resolve`` as a child process on a fresh
   database, timed from the outside,
3. runs ``crmkit sync --config crmkit.toml --no-resolve`` as a child process on another fresh
   database; its one source uses the ``bench-pages`` adapter defined here, which reads the API
   through ``crmkit.sdk.http`` page by page, yielding a checkpoint after each page, so the
   engine commits a cursor with every batch, under the stream's lock,
4. repeats steps 2 and 3 ``--rounds`` times (default 2), alternating, and keeps the fastest
   run of each, so that a burst of load from elsewhere on the machine does not decide the
   ratio; then prints both rates and the ratio sync / import (target: at least 0.7).

PostgreSQL scratch databases are created and dropped on the server named by ``--pg-url``.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec
from _common import write_records
from ingest import (
    CHILD_RSS_REPORT,
    add_database_options,
    crmkit_cli,
    exit_on_term,
    log,
    scratch_database,
)
from marshmallow import Schema, fields

import crmkit
from crmkit.domain import RawItem
from crmkit.sdk import Adapter, Checkpoint, StreamSpec
from crmkit.sdk.http import HttpClient, JsonPage

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crmkit.sdk import Progress

MIN_RATIO = 0.7
DEFAULT_PAGE_SIZE = 5000

# Runs the crmkit CLI with this module's adapter registered, as an adapter package would be.
_CHILD = (
    "import sys\nsys.path.insert(0, {here!r})\n"
    + CHILD_RSS_REPORT
    + """
import sync as bench
from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager
pm = get_plugin_manager(entrypoints=False, extra=(bench,))
build_cli(pm).main(args=sys.argv[1:], prog_name="crmkit", obj=pm)
"""
)


# the adapter ----------------------------------------------------------------------------------


class PagesConfigSchema(Schema):
    """Where the API is and how many records a page holds."""

    url = fields.String(required=True)
    page_size = fields.Integer(load_default=DEFAULT_PAGE_SIZE)


class BenchPagesAdapter(Adapter):
    """Reads ``GET /customers?after=K&limit=P`` pages; the cursor is the position ``K``."""

    name = "bench-pages"
    description = "paged JSON over HTTP (benchmark)"
    config_schema = PagesConfigSchema
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers"),)

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield each page's records, then a checkpoint with the position after the page."""
        client = HttpClient(self.source, base_url=self.config["url"])
        after = int(cursor or 0)
        limit = self.config["page_size"]
        decode = msgspec.json.decode
        while True:
            page = client.get_json(f"/{stream}", {"after": after, "limit": limit}, shape=JsonPage)
            for n, item in enumerate(page.items):
                position = f"record {after + n + 1}"
                raw = bytes(item).decode()
                data = decode(item)
                if isinstance(data, str):
                    error = "malformed JSON in the source"
                    yield RawItem(raw=data, data=None, position=position, error=error)
                    continue
                yield RawItem(raw=raw, data=data, position=position, raw_is_record=True)
            progress.advance(len(page.items))
            after += len(page.items)
            yield Checkpoint(str(after))
            if page.next is None:
                return


@crmkit.hookimpl
def register_adapters(register: Any) -> None:
    """Register the benchmark's adapter."""
    register(BenchPagesAdapter)


# the server -----------------------------------------------------------------------------------


class PageServer:
    """Serves pre-built pages of the records file on 127.0.0.1, in a thread of this process."""

    def __init__(self, path: Path, page_size: int) -> None:
        self.page_size = page_size
        self.pages = list(_build_pages(path, page_size))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.requests = 0

    @property
    def url(self) -> str:
        """Return the base URL."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> PageServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                after = int(query.get("after", 0))
                if after % owner.page_size or int(query.get("limit", 0)) != owner.page_size:
                    self.send_error(400, "pages start at multiples of the page size")
                    return
                owner.requests += 1
                index = after // owner.page_size
                body = (
                    owner.pages[index] if index < len(owner.pages) else b'{"items":[],"next":null}'
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                return

        return Handler


def _build_pages(path: Path, page_size: int) -> Iterator[bytes]:
    """Yield the body of each page: the file's lines as JSON objects (or strings if broken)."""
    decode = msgspec.json.decode
    with path.open("rb") as lines:
        chunk: list[bytes] = []
        done = 0
        for line in lines:
            text = line.rstrip(b"\r\n")
            if not text.strip():
                continue
            try:
                decode(text)
            except msgspec.DecodeError:
                text = msgspec.json.encode(text.decode("utf-8", "replace"))
            chunk.append(text)
            if len(chunk) == page_size:
                done += len(chunk)
                yield b'{"items":[' + b",".join(chunk) + b'],"next":' + str(done).encode() + b"}"
                chunk = []
        done += len(chunk)
        yield b'{"items":[' + b",".join(chunk) + b'],"next":null}'


# the benchmark --------------------------------------------------------------------------------


@dataclass
class Run:
    """One timed child process."""

    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    records: int

    @property
    def per_second(self) -> float:
        """Return records per second."""
        return self.records / self.seconds


def run_child(url: str, code: str, args: list[str], records: int, workdir: Path) -> Run:
    """Run crmkit in a child process with ``code`` as its entry; return its figures."""
    child = [sys.executable, "-c", code, "--db", url, *args]
    env = {**os.environ, "CRMKIT_BENCH_RSS_FILE": str(workdir / "rss"), "CRMKIT_LOAD_PLUGINS": ""}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    done = subprocess.run(child, env=env, stdout=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    sys.stderr.write(done.stdout)
    if done.returncode:
        raise SystemExit(f"crmkit {' '.join(args)} failed with status {done.returncode}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss = int((workdir / "rss").read_text()) / 1024
    return Run(seconds, usage.ru_utime + usage.ru_stime - cpu_before, rss, records)


@dataclass
class Result:
    """Both runs on one database."""

    database: str
    imported: Run
    synced: Run
    requests: int

    @property
    def ratio(self) -> float:
        """Return sync records/s over import records/s."""
        return self.synced.per_second / self.imported.per_second


def bench_database(
    kind: str,
    path: Path,
    server: PageServer,
    records: int,
    workdir: Path,
    pg_url: str,
    rounds: int,
) -> Result:
    """Time ``crmkit import`` and ``crmkit sync`` ``rounds`` times; keep the best of each."""
    runs = [bench_round(kind, path, server, records, workdir, pg_url) for _ in range(rounds)]
    return Result(
        kind,
        min((r.imported for r in runs), key=lambda run: run.seconds),
        min((r.synced for r in runs), key=lambda run: run.seconds),
        runs[0].requests,
    )


def bench_round(
    kind: str, path: Path, server: PageServer, records: int, workdir: Path, pg_url: str
) -> Result:
    """Time ``crmkit import`` and ``crmkit sync`` of the same records on fresh databases."""
    here = str(Path(__file__).resolve().parent)
    child = _CHILD.format(here=here)
    with (
        scratch_database(kind, "import", workdir, pg_url) as import_url,
        scratch_database(kind, "sync", workdir, pg_url) as sync_url,
    ):
        for url in (import_url, sync_url):
            crmkit_cli(url, "init", records=0, rss_file=workdir / "rss")
        log(f"{kind}: crmkit import jsonl")
        args = ["import", "jsonl", str(path), "--source", "file", "--no-resolve"]
        imported = run_child(import_url, child, args, records, workdir)
        log(f"{kind}: import {imported.per_second:,.0f} records/s")
        config = workdir / "crmkit.toml"
        config.write_text(
            f'[sources.api]\nadapter = "bench-pages"\nurl = "{server.url}"\n'
            f"page_size = {server.page_size}\nbatch_size = {server.page_size}\n",
            encoding="utf-8",
        )
        before = server.requests
        log(f"{kind}: crmkit sync from {server.url}")
        args = ["sync", "--config", str(config), "--no-resolve"]
        synced = run_child(sync_url, child, args, records, workdir)
        log(f"{kind}: sync {synced.per_second:,.0f} records/s")
    return Result(kind, imported, synced, server.requests - before)


def print_report(results: list[Result], records: int, page_size: int, rounds: int) -> None:
    """Print the results table."""
    header = (
        f"{'database':<11}{'records':>10}{'import s':>10}{'import rec/s':>14}"
        f"{'sync s':>9}{'sync rec/s':>12}{'sync RSS MiB':>14}{'ratio':>7}  verdict"
    )
    print()
    print(
        f"crmkit sync (paged JSON over loopback HTTP, {page_size:,} a page) vs crmkit import "
        f"jsonl, {records:,} records"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "PASS" if r.ratio >= MIN_RATIO else "FAIL"
        print(
            f"{r.database:<11}{records:>10,}{r.imported.seconds:>10.1f}"
            f"{r.imported.per_second:>14,.0f}{r.synced.seconds:>9.1f}"
            f"{r.synced.per_second:>12,.0f}{r.synced.peak_rss_mib:>14.0f}{r.ratio:>7.2f}  {verdict}"
        )
    print(f"target: ratio >= {MIN_RATIO} (best of {rounds} runs of each)")
    print()
    print(f"details ({os.cpu_count()} CPUs):")
    for r in results:
        print(
            f"  {r.database:<11}import {r.imported.cpu_seconds:.1f} s CPU, "
            f"{r.imported.peak_rss_mib:.0f} MiB peak RSS; sync {r.synced.cpu_seconds:.1f} s CPU "
            f"(the HTTP server runs in the benchmark process), {r.requests} page requests"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--records", type=int, default=500_000, help="records to generate")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    add_database_options(parser)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each; the best counts")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when every database reaches the target ratio."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, exit_on_term)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    with tempfile.TemporaryDirectory(prefix="crmkit-bench-sync-") as tmp:
        workdir = Path(tmp)
        path = workdir / "records.jsonl"
        log(f"generating {args.records:,} records into {path}")
        write_records(path, args.records, args.seed)
        with PageServer(path, args.page_size) as server:
            log(f"serving {len(server.pages)} pages at {server.url}")
            results = [
                bench_database(kind, path, server, args.records, workdir, args.pg_url, args.rounds)
                for kind in kinds
            ]
    print_report(results, args.records, args.page_size, args.rounds)
    return 0 if all(r.ratio >= MIN_RATIO for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
