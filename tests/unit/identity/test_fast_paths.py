"""The matching pipeline's fast paths give what the plain computations they replace give.

Block-by-block candidate lists, column-wise pattern interning, the clustering stage's pair
memo, the identity-keyed memo of name levels and word-by-word address keys are speed-ups
only: each is checked here against the straightforward computation on messy data.
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain import Identity
from crmkit.identity.blocking import BlockIndex
from crmkit.identity.compare import (
    BUILTIN_COMPARISONS,
    _PairMemo,
    _person_name_level,
    person_name_level,
)
from crmkit.identity.features import Features, _line_words, extract_features
from crmkit.identity.guards import Guards
from crmkit.identity.normalize import Normalizer
from crmkit.identity.persons import parse_person_name
from crmkit.identity.resolver import (
    ResolverConfig,
    Scorer,
    _candidate_pairs,
    _EdgeScorer,
    _intern_patterns,
    pair_class,
    resolve,
)
from crmkit.identity.scoring import PairModels
from crmkit.identity.text import latin_key
from crmkit.plugins import get_plugin_manager
from crmkit.schemas import CustomerRecordSchema, RecordValidator
from crmkit.testing.messy import generate

VALIDATOR = RecordValidator(CustomerRecordSchema())
NORMALIZER = Normalizer(get_plugin_manager(entrypoints=False).hook)


@pytest.fixture(scope="module")
def messy() -> list[Features]:
    """Return the features of a small messy data set (households, typos, switchboards)."""
    data = generate(700, seed=21)
    found = []
    for number, (source, record) in enumerate(data.records):
        facts = VALIDATOR.load(record)
        identity = Identity(source, f"{number}-{facts.external_id}")
        normal = NORMALIZER.facts(facts, "RU")
        found.append(extract_features(identity, facts, normal, Guards()))
    return found


def small_blocks_index(features: list[Features]) -> BlockIndex:
    """Return an index whose blocks are small, so that many are searched by neighbourhood."""
    return BlockIndex(features, fan_out_cap=Guards().fan_out_cap, max_block=4, window=2)


@pytest.mark.parametrize("index_of", [small_blocks_index, None])
def test_all_candidates_are_the_candidates_of_each_position(messy, index_of):
    """Block-by-block candidate lists equal ``candidates(i)``, oversized blocks included."""
    index = index_of(messy) if index_of else BlockIndex(messy, fan_out_cap=Guards().fan_out_cap)
    expected = [index.candidates(i) for i in range(len(messy))]
    assert list(index.all_candidates()) == expected
    assert any(expected), "the data must yield candidate pairs"
    if index_of:
        assert any(len(members) > index.max_block for members in index.blocks.values())


def test_candidate_pairs_follow_positions_in_order(messy):
    """The pair arrays list every candidate pair once, by left then right position."""
    index = BlockIndex(messy, fan_out_cap=Guards().fan_out_cap)
    left, right = _candidate_pairs(index)
    pairs = list(zip(left, right, strict=True))
    assert pairs == [(i, j) for i in range(len(messy)) for j in index.candidates(i)]


def test_patterns_interned_by_column_match_pairwise_comparison(messy, monkeypatch):
    """Column-wise comparison in chunks gives each pair the key pairwise comparison gives."""
    monkeypatch.setattr("crmkit.identity.resolver.PAIR_CHUNK", 97)  # several chunks
    index = BlockIndex(messy, fan_out_cap=Guards().fan_out_cap)
    context = ResolverConfig().context(index.untrusted)
    functions = [c.function for c in BUILTIN_COMPARISONS]
    left, right = _candidate_pairs(index)
    pattern_ids, ids = _intern_patterns(messy, left, right, functions, context)
    keys = list(pattern_ids)
    for i, j, number in zip(left, right, ids, strict=True):
        a, b = messy[i], messy[j]
        pattern = tuple(f(a, b, context) for f in functions)
        assert keys[number] == (pair_class(a, b), a.party, b.party, pattern)
    assert list(pattern_ids.values()) == list(range(len(pattern_ids)))


def test_patterns_interned_without_comparisons_are_empty(messy):
    """With no comparison at all, every pair still gets a key, with an empty pattern."""
    index = BlockIndex(messy, fan_out_cap=Guards().fan_out_cap)
    left, right = _candidate_pairs(index)
    pattern_ids, ids = _intern_patterns(messy, left, right, [], ResolverConfig().context(set()))
    assert len(ids) == len(left)
    assert all(key[3] == () for key in pattern_ids)


def test_the_clustering_stage_scores_a_pair_as_the_scorer_does(messy):
    """The memoised edge of a pair equals the scorer's, and every call gives a fresh edge."""
    index = BlockIndex(messy, fan_out_cap=Guards().fan_out_cap)
    scorer = Scorer(
        BUILTIN_COMPARISONS,
        ResolverConfig().context(index.untrusted),
        PairModels.from_priors(BUILTIN_COMPARISONS),
    )
    edge_for = _EdgeScorer(scorer, messy)
    left, right = _candidate_pairs(index)
    for i, j in list(zip(left, right, strict=True))[:400]:
        expected = scorer.edge(i, j, messy[i], messy[j])
        first, again = edge_for(i, j), edge_for(i, j)
        assert first == expected == again
        assert first is not again


def test_name_levels_are_remembered_by_identity_only():
    """The memo answers for the very same two names; equal names parsed apart still agree."""
    calls: list[tuple[Any, Any]] = []

    def level(a: Any, b: Any) -> int:
        calls.append((a, b))
        return len(calls)

    memo = _PairMemo(level, size=2)
    x, y = ["x"], ["x"]  # equal, not identical
    assert memo(x, y) == memo(x, y) == 1
    assert memo(y, x) == 2
    assert memo(x, x) == 3  # the memo is full: emptied, then remembers this one
    assert memo(x, y) == 4
    assert len(calls) == 4


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Петров Иван Сергеевич", "Петрова Анна Сергеевна"),
        ("Петров Иван", "Petrov Ivan"),
        ("Иванов И. С.", "Иванов Иван Сергеевич"),
        ("Смирнов Михаил", "Smirnov Michael"),
        ("Кузнецов Пётр", "Кузнецов Павел"),
    ],
)
def test_remembered_name_levels_equal_computed_ones(left, right):
    """:func:`person_name_level` gives the computed level, first time and again."""
    a, b = parse_person_name(left), parse_person_name(right)
    expected = _person_name_level(a, b)
    assert person_name_level(a, b) == expected
    assert person_name_level(a, b) == expected


@given(st.text(alphabet=string.printable + "'`«»", max_size=40).filter(str.isascii))
def test_ascii_address_lines_are_keyed_word_by_word_as_whole(line):
    """For ASCII lines, keying word by word gives the words of the line's latin key."""
    assert _line_words(line) == latin_key(line).split()


def test_non_ascii_address_lines_are_keyed_whole():
    """A Cyrillic line gives the words of its latin key."""
    line = "г. Москва, ул. Льва Толстого, д. 16, кв. 5"
    assert _line_words(line) == latin_key(line).split()


def test_resolving_twice_gives_the_same_clusters(messy):
    """Memos carried over from a first run (name levels) change nothing in a second one."""
    first, second = resolve(messy), resolve(messy)
    assert first.groups == second.groups
    assert [(e.i, e.j, e.rule) for e in first.links] == [(e.i, e.j, e.rule) for e in second.links]
