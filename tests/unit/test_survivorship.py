"""Built-in survivorship: priority, then recency, then frequency decide the golden value."""

from __future__ import annotations

import datetime as dt

import pytest

from crmkit.plugins import get_plugin_manager

JAN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
JUN = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def choose():
    """Return a function asking a built-ins-only plugin manager for the golden value."""
    hook = get_plugin_manager(entrypoints=False).hook

    def choose_(candidates, field="name"):
        return hook.choose_golden_value(field=field, candidates=candidates)

    return choose_


def candidate(value, source="shop", priority=0, updated_at=None, count=1):
    """Return one candidate dict as the hook documents it."""
    return {
        "value": value,
        "source": source,
        "priority": priority,
        "updated_at": updated_at,
        "count": count,
    }


def test_the_highest_priority_source_wins_even_when_older_and_rarer(choose):
    """The ERP (priority 10) beats a newer, more frequent web-shop value."""
    winner = choose(
        [
            candidate("Ivan P.", "shop", priority=1, updated_at=JUN, count=5),
            candidate("Петров Иван", "erp", priority=10, updated_at=JAN, count=1),
        ]
    )
    assert winner == "Петров Иван"


def test_among_equal_priorities_the_newest_value_wins(choose):
    """With the same priority, the value updated last wins, however rare."""
    winner = choose(
        [
            candidate("old", priority=5, updated_at=JAN, count=9),
            candidate("new", priority=5, updated_at=JUN, count=1),
        ]
    )
    assert winner == "new"


def test_a_dated_value_beats_an_undated_one_of_the_same_priority(choose):
    """A value without updated_at counts as older than any dated one."""
    winner = choose(
        [candidate("undated", priority=5, count=9), candidate("dated", priority=5, updated_at=JAN)]
    )
    assert winner == "dated"


def test_among_equal_priority_and_time_the_commonest_value_wins(choose):
    """When priority and time tie, the value more records agree on wins."""
    winner = choose(
        [
            candidate("+74951234567", updated_at=JAN, count=1),
            candidate("+74957654321", updated_at=JAN, count=3),
            candidate("+74950000000", updated_at=JAN, count=2),
        ],
        field="phone",
    )
    assert winner == "+74957654321"


def test_missing_priority_and_count_default_to_zero_and_one(choose):
    """Candidates may leave out priority and count."""
    winner = choose([{"value": "a"}, {"value": "b", "priority": 1}])
    assert winner == "b"


def test_no_candidates_means_no_value(choose):
    """With nothing to choose from, the answer is None."""
    assert choose([]) is None
