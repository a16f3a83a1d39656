"""The modified-after cursor adapters share: safe mid-run checkpoints, never a skipped record."""

from crmkit.sdk.cursors import CursorTracker, normal_time


def test_times_are_compared_in_utc_whatever_their_offset():
    """An offset or a missing zone is turned into UTC; garbage is None."""
    assert normal_time("2026-11-02T13:00:00+03:00") == "2026-11-02T10:00:00+00:00"
    assert normal_time("2026-11-02T10:00:00") == "2026-11-02T10:00:00+00:00"
    assert normal_time("yesterday") is None


def test_a_mid_run_checkpoint_stays_behind_records_sharing_the_newest_time():
    """Records with the newest time may go on in the next page: the checkpoint waits for them."""
    tracker = CursorTracker("2026-11-01T00:00:00Z")
    for when in ("2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z", "2026-11-02T11:00:00Z"):
        assert tracker.is_new(when)
        tracker.see(when)
    assert tracker.checkpoint() == "2026-11-02T10:00:00+00:00"
    assert tracker.final() == "2026-11-02T11:00:00+00:00"
    assert not tracker.is_new("2026-10-31T23:00:00Z")


def test_answers_out_of_order_give_no_mid_run_checkpoint():
    """A source that answers out of order gets only the final cursor, so nothing is skipped."""
    tracker = CursorTracker(None)
    for when in ("2026-11-02T11:00:00Z", "2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z"):
        tracker.see(when)
    assert tracker.checkpoint() is None
    assert tracker.final() == "2026-11-02T12:00:00+00:00"
