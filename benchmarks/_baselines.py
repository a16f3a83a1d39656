"""The baseline linkers of the Febrl benchmark, each configured as its own Febrl tutorial does.

* :func:`run_recordlinkage` — the Python Record Linkage Toolkit: blocking on ``given_name``,
  binary comparison vectors (exact ``given_name``, ``date_of_birth``, ``suburb``, ``state``;
  Jaro-Winkler ``surname`` and ``address_1`` at 0.85), classified without labels by
  ``ECMClassifier(binarize=0.8)``.
* :func:`run_splink` — Splink 5 on DuckDB, with the settings of Splink's ``febrl4`` (link) and
  ``febrl3`` (dedupe) examples: their blocking rules and comparisons, ``probability two random
  records match`` from deterministic rules, ``u`` by random sampling, ``m`` by expectation
  maximisation on two blocking rules; predictions at match probability 0.9, clustered for
  deduplication.

Each returns the predicted links as a set of unordered pairs of ``rec_id``. Nothing here reads
the true links. These modules need the benchmark environment (``requirements-bench.txt``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pandas as pd

Pairs = set[frozenset[str]]
PREDICT_THRESHOLD = 0.9


class FebrlTask(Protocol):
    """What a baseline needs to know about a task: its kind and its tables (index ``rec_id``)."""

    link: bool  # True: link two tables one to one; False: deduplicate one table
    frames: list[pd.DataFrame]


# recordlinkage --------------------------------------------------------------------------------


def recordlinkage_candidates(task: FebrlTask) -> pd.MultiIndex:
    """Return the candidate pairs of the tutorial's indexing: blocking on ``given_name``."""
    import recordlinkage as rl

    indexer = rl.Index()
    indexer.block("given_name")
    return indexer.index(*task.frames)


def run_recordlinkage(task: FebrlTask) -> Pairs:
    """Return the links found by recordlinkage's ECM classifier, set up as its tutorial."""
    import recordlinkage as rl

    candidates = recordlinkage_candidates(task)
    compare = rl.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(candidates, *task.frames)

    ecm = rl.ECMClassifier(binarize=0.8)
    matches = ecm.fit_predict(features)
    return {frozenset(pair) for pair in matches}


# Splink ---------------------------------------------------------------------------------------


def _splink_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` as Splink's examples prepare it: every column a trimmed string."""
    table = frame.reset_index()
    for column in table.columns:
        table[column] = table[column].astype("string").str.strip()
    return table


def _splink_link_settings() -> object:
    """Return the settings of Splink's febrl4 example (its "detailed model")."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _splink_dedupe_settings() -> object:
    """Return the settings of Splink's febrl3 example."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )


def run_splink(task: FebrlTask) -> Pairs:
    """Return the links found by Splink 5 (DuckDB), trained and run as its Febrl examples."""
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI()
    tables = [
        db_api.register(_splink_table(f), dataset_display_name=f"t{i}")
        for i, f in enumerate(task.frames)
    ]
    if task.link:
        linker = Linker(tables, _splink_link_settings(), log_level=logging.WARNING)
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
        for rule in (block_on("date_of_birth"), block_on("postcode")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        predictions = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
        rows = predictions.as_duckdbpyrelation().select("rec_id_l, rec_id_r").fetchall()
        return {frozenset(row) for row in rows}

    linker = Linker(tables[0], _splink_dedupe_settings(), log_level=logging.WARNING)
    deterministic = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
        (
            "l.given_name = r.surname and l.surname = r.given_name "
            "and l.date_of_birth = r.date_of_birth"
        ),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=PREDICT_THRESHOLD
    )
    rows = clusters.as_duckdbpyrelation().select("cluster_id, rec_id").fetchall()
    return pairs_from_clusters(rows)


def pairs_from_clusters(rows: list[tuple[str, str]]) -> Pairs:
    """Return every pair of ids that share a cluster, from ``(cluster id, id)`` rows."""
    members: dict[str, list[str]] = {}
    for cluster, rec_id in rows:
        members.setdefault(cluster, []).append(rec_id)
    pairs: Pairs = set()
    for ids in members.values():
        for i, left in enumerate(ids):
            pairs.update(frozenset((left, right)) for right in ids[i + 1 :])
    return pairs
