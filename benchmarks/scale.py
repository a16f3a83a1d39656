"""Identity resolution at scale: full resolve of ~1M messy records, then one record at a time.

Runs crmkit's matching pipeline in memory over records from :mod:`crmkit.testing.messy`
(validated with the generic schema, normalised through the built-in hooks, turned into
features, resolved), then matches records of new customers one by one against the result
with ``Resolution.match``. Prints wall time per phase, peak RSS, pairwise precision, recall
and F1 against the generator's truth, and single-record match latency p50/p99.

    python benchmarks/scale.py                      # ~1,000,000 records (360,000 customers)
    python benchmarks/scale.py --entities 20000     # a quick run

What it does not measure yet: the store round trip (loading records from the database and
writing customers back), and incremental resolution persisted between runs.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when every target is met."""
    args = parse_args(argv)
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
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
