"""Identity resolution at scale: ~1M messy records, full and incremental, then one at a time.

Two parts, each on records from :mod:`crmkit.testing.messy` with its ground truth:

``store`` (default; what ``crmkit resolve`` does): the records, less 1,000 held back, are
ingested into a fresh SQLite database (not timed); a child process then times
``crm.resolve()`` — a full run: records read from the store, validated, normalised, matched,
clustered, golden customers and keys written back — and reports its own peak RSS (VmHWM);
then the held-back records are ingested and an incremental ``crm.resolve()`` is timed.
Pairwise precision, recall and F1 of the stored customers are printed.

``memory``: the matching pipeline alone, in memory (features, then ``resolve``), then
records of new customers matched one by one with ``Resolution.match``: single-record match
latency p50/p99.

    python benchmarks/scale.py                          # both parts, ~1,000,000 records
    python benchmarks/scale.py --entities 20000         # a quick run
    python benchmarks/scale.py --part memory
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from crmkit.domain import Identity
from crmkit.identity.features import extract_features, gc_paused
from crmkit.identity.guards import Guards
from crmkit.identity.normalize import Normalizer
from crmkit.identity.resolver import resolve
from crmkit.plugins import get_plugin_manager
from crmkit.schemas import CustomerRecordSchema, RecordValidator
from crmkit.testing.messy import iter_labelled, pairwise_scores

TARGET_SECONDS = 600
TARGET_RSS_MIB = 4096
TARGET_P99_MS = 20.0


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log(message: str) -> None:
    """Print a progress line to stderr."""
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=360_000, help="real customers")
    parser.add_argument("--new", type=int, default=1_000, help="records matched one by one")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--part", choices=["store", "memory", "both"], default="both")
    parser.add_argument("--held-back", type=int, default=1_000, help="incremental records")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def vm_hwm_mib() -> float:
    """Return this process's own peak resident set size (VmHWM) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mib()


def _ingest(crm: object, batch: list[tuple[str, dict]]) -> None:
    by_source: dict[str, list[dict]] = defaultdict(list)
    for source, record in batch:
        by_source[source].append(record)
    for source, records in by_source.items():
        crm.ingest_customers(source, records, resolve=False)  # type: ignore[attr-defined]


def store_child(workdir: str) -> int:
    """Time the full resolve, then the incremental one, in this (child) process."""
    import crmkit

    folder = Path(workdir)
    crm = crmkit.open(f"sqlite:///{folder / 'scale.db'}", entrypoints=False, default_region="RU")
    started = time.perf_counter()
    full = crm.resolve(full=True)
    full_seconds = time.perf_counter() - started
    full_rss = vm_hwm_mib()
    held = [tuple(json.loads(line)) for line in (folder / "held.jsonl").open()]
    _ingest(crm, held)
    started = time.perf_counter()
    incremental = crm.resolve()
    incremental_seconds = time.perf_counter() - started
    clusters = [[(i.source, i.external_id) for i in c.identities] for c in crm.customers()]
    truth = json.loads((folder / "truth.json").read_text())
    precision, recall, f1 = pairwise_scores({(s, e): entity for s, e, entity in truth}, clusters)
    print(
        json.dumps(
            {
                "full_seconds": full_seconds,
                "full_records": full.records,
                "full_customers": full.customers,
                "peak_rss_mib": full_rss,
                "incremental_seconds": incremental_seconds,
                "incremental_mode": incremental.mode,
                "incremental_records": incremental.records,
                "held_back": len(held),
                "precision": precision,
                "recall": recall,
                "f1": f1,
            }
        )
    )
    crm.close()
    return 0


def run_store(args: argparse.Namespace) -> bool:
    """Ingest the records, run the child that resolves them; print figures; return PASS."""
    import crmkit

    with tempfile.TemporaryDirectory(prefix="crmkit-scale-") as workdir:
        folder = Path(workdir)
        crm = crmkit.open(
            f"sqlite:///{folder / 'scale.db'}", entrypoints=False, default_region="RU"
        )
        truth: list[tuple[str, str, str]] = []
        batch: list[tuple[str, dict]] = []
        held: list[tuple[str, dict]] = []
        started = time.perf_counter()
        for source, record, entity in iter_labelled(args.entities, args.seed):
            truth.append((source, record["external_id"], entity))
            batch.append((source, record))
            if len(batch) >= 50_000 + args.held_back:
                _ingest(crm, batch[: -args.held_back])
                del batch[: -args.held_back]
                log(f"{len(truth):,} records ingested ({time.perf_counter() - started:.0f} s)")
        held = batch[-args.held_back :] if args.held_back else []
        _ingest(crm, batch[: len(batch) - len(held)])
        crm.close()
        with (folder / "held.jsonl").open("w") as out:
            for pair in held:
                out.write(json.dumps(pair, ensure_ascii=False) + "\n")
        (folder / "truth.json").write_text(json.dumps(truth))
        del truth, batch, held
        log("resolving in a child process")
        child = subprocess.run(
            [sys.executable, __file__, "--child", workdir],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    ok = figures["full_seconds"] < TARGET_SECONDS and figures["peak_rss_mib"] < TARGET_RSS_MIB
    rows = [
        (
            "records",
            (
                f"{figures['full_records'] + figures['held_back']:,} "
                f"({args.entities:,} customers, seed {args.seed})"
            ),
        ),
        (
            "full resolve (store)",
            (
                f"{figures['full_seconds']:.1f} s for "
                f"{figures['full_records']:,} records (target < {TARGET_SECONDS} s)"
            ),
        ),
        (
            "peak RSS of the resolve",
            f"{figures['peak_rss_mib']:.0f} MiB (target < {TARGET_RSS_MIB} MiB)",
        ),
        (
            "incremental resolve",
            (
                f"{figures['incremental_seconds']:.2f} s for "
                f"{figures['held_back']:,} new records ({figures['incremental_mode']}, "
                f"{figures['incremental_records']:,} records re-clustered)"
            ),
        ),
        (
            "pairwise P / R / F1",
            f"{figures['precision']:.4f} / {figures['recall']:.4f} / {figures['f1']:.4f}",
        ),
    ]
    for label, value in rows:
        print(f"{label:<30}{value}")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when every target is met."""
    args = parse_args(argv)
    if args.child:
        return store_child(args.child)
    ok = True
    if args.part in {"store", "both"}:
        print("== store: crm.resolve() on SQLite ==")
        ok = run_store(args) and ok
    if args.part in {"memory", "both"}:
        print("== memory: the matching pipeline alone, and Resolution.match ==")
        ok = run_memory(args) and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def run_memory(args: argparse.Namespace) -> bool:
    """Resolve in memory, then match new records one by one; print figures; return PASS."""
    pm = get_plugin_manager(entrypoints=False)
    normalizer = Normalizer(pm.hook)
    validator = RecordValidator(CustomerRecordSchema())
    guards = Guards()

    def features_of(source: str, record: dict) -> object:
        facts = validator.load(record)
        identity = Identity(source, record["external_id"])
        return extract_features(identity, facts, normalizer.facts(facts, "RU"), guards)

    started = time.perf_counter()
    features, truth = [], {}
    with gc_paused():
        for source, record, entity in iter_labelled(args.entities, args.seed):
            features.append(features_of(source, record))
            truth[(source, record["external_id"])] = entity
            if len(features) % 100_000 == 0:
                log(f"{len(features):,} records featurised ({time.perf_counter() - started:.0f} s)")
    featurised = time.perf_counter()
    log(f"resolving {len(features):,} records")
    with gc_paused():
        resolution = resolve(features)
    resolved = time.perf_counter()
    clusters = [
        [(features[i].identity.source, features[i].identity.external_id) for i in group]
        for group in resolution.groups
    ]
    precision, recall, f1 = pairwise_scores(truth, clusters)

    latencies: list[float] = []
    for source, record, _entity in iter_labelled(max(args.new // 2, 1), args.seed + 1000):
        f = features_of(source, {**record, "external_id": f"new-{record['external_id']}"})
        t = time.perf_counter()
        resolution.match(f)
        latencies.append((time.perf_counter() - t) * 1000)
        if len(latencies) >= args.new:
            break
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    total = resolved - started
    rss = peak_rss_mib()
    ok = total < TARGET_SECONDS and rss < TARGET_RSS_MIB and p99 < TARGET_P99_MS
    rows = [
        ("records", f"{len(features):,} ({args.entities:,} customers, seed {args.seed})"),
        ("validate+normalise+features", f"{featurised - started:.1f} s"),
        ("resolve", f"{resolved - featurised:.1f} s"),
        ("candidate pairs", f"{resolution.candidate_pairs:,}"),
        ("full resolve, total", f"{total:.1f} s (target < {TARGET_SECONDS} s)"),
        ("peak RSS", f"{rss:.0f} MiB (target < {TARGET_RSS_MIB} MiB)"),
        ("pairwise P / R / F1", f"{precision:.4f} / {recall:.4f} / {f1:.4f}"),
        ("match one record, p50", f"{p50:.2f} ms over {len(latencies):,} new records"),
        ("match one record, p99", f"{p99:.2f} ms (target < {TARGET_P99_MS} ms)"),
    ]
    for label, value in rows:
        print(f"{label:<30}{value}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
