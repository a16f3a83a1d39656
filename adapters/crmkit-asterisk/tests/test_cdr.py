"""``asterisk-cdr``: Master.csv read incrementally, odd rows dead-lettered, rotation survived."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from crmkit_asterisk.cdr.row import CdrRowError, parse_line

from crmkit.config import load_config
from crmkit.errors import AdapterError

DATA = Path(__file__).parent / "data"
APPENDED = (
    '"","+7 (495) 765-43-21","102","from-trunk","""ACME"" <+74957654321>",'
    '"SIP/trunk-00000020","SIP/102-00000021","Dial","SIP/102,30","2026-11-03 09:00:00",'
    '"2026-11-03 09:00:03","2026-11-03 09:01:03",63,60,"ANSWERED","DOCUMENTATION",'
    '"1762149600.20",""\n'
)


def _row(uniqueid: str, start: str, disposition: str = "ANSWERED") -> str:
    answered = start if disposition == "ANSWERED" else ""
    return (
        f'"","84951234567","101","from-trunk","","SIP/trunk-1","SIP/101-2","Dial","SIP/101",'
        f'"{start}","{answered}","{start}",30,{30 if answered else 0},"{disposition}",'
        f'"DOCUMENTATION","{uniqueid}",""\n'
    )


@pytest.fixture
def pbx(tmp_path):
    """Return ``(config, path of Master.csv)``: a copy of the sample CDR file as source pbx."""
    folder = tmp_path / "cdr-csv"
    folder.mkdir()
    shutil.copy(DATA / "Master.csv", folder / "Master.csv")
    (tmp_path / "crmkit.toml").write_text(
        '[sources.pbx]\nadapter = "asterisk-cdr"\npath = "cdr-csv/Master.csv"\n'
        'default_region = "RU"\ntimezone = "Europe/Moscow"\n',
        encoding="utf-8",
    )
    return load_config(tmp_path / "crmkit.toml"), folder / "Master.csv"


def _sync(crm, config):
    report = crm.sync(config)
    assert report.ok, [r.message for r in report.streams]
    [result] = report.streams
    return result.outcome


def _all_calls(crm):
    crm.project()
    with crm.database.connect() as conn:
        from crmkit.store.tables import interactions

        return {row.external_id: row for row in conn.execute(interactions.select())}


def test_the_first_sync_maps_calls_and_dead_letters_the_odd_rows(crm, pbx):
    """Answered, missed, busy and failed calls are stored; short, misdated, misquoted rows not."""
    config, _ = pbx
    outcome = _sync(crm, config)
    assert (outcome.read, outcome.new, outcome.dead_lettered) == (7, 4, 3)
    calls = _all_calls(crm)
    by_outcome = {row.outcome: row for row in calls.values()}
    assert set(by_outcome) == {"answered", "missed", "busy", "failed"}
    answered = by_outcome["answered"]
    assert answered.occurred_at.replace(tzinfo=None).isoformat() == "2026-11-02T06:00:00"
    assert (answered.direction, answered.duration_seconds, answered.agent) == ("in", 180, "101")
    assert answered.phone == "+74951234567"
    missed = calls["1762067700.3"]
    assert (missed.outcome, missed.phone, missed.duration_seconds) == ("missed", "+79161234567", 0)
    busy = calls["1762070400.5-7"]
    assert (busy.direction, busy.outcome, busy.agent, busy.phone) == (
        "out",
        "busy",
        "101",
        "+74951234567",
    )
    failed = by_outcome["failed"]
    assert (failed.agent, failed.phone) == (None, "+74957654321")
    assert failed.external_id.startswith("cdr-")  # a 17th column that is a user field, no uniqueid
    reasons = sorted(letter.reason for letter in crm.dead_letters(source="pbx"))
    assert reasons[0].startswith("bad start time '2026-13-45 99:00:00'")
    assert reasons[1].startswith("malformed CSV quoting")
    assert reasons[2].startswith("short row: 4 columns")


def test_a_second_sync_reads_only_the_rows_appended_since(crm, pbx):
    """Appended rows are read on the next run; nothing before them is read again."""
    config, path = pbx
    _sync(crm, config)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(APPENDED)
        handle.write(APPENDED.replace("1762149600.20", "1762149600.21")[:40])
    outcome = _sync(crm, config)
    assert (outcome.read, outcome.new) == (1, 1)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(APPENDED.replace("1762149600.20", "1762149600.21")[40:])
    outcome = _sync(crm, config)
    assert (outcome.read, outcome.new) == (1, 1)
    assert (_sync(crm, config).read, len(_all_calls(crm))) == (0, 6)


def test_a_rotated_file_is_finished_then_the_new_one_read_from_its_start(crm, pbx):
    """After logrotate moves Master.csv away, its tail is read, then the new file."""
    config, path = pbx
    _sync(crm, config)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(_row("1762200000.1", "2026-11-03 10:00:00"))
    path.rename(path.with_name("Master.csv.1"))
    path.write_text(_row("1762200000.2", "2026-11-03 11:00:00", "BUSY"), encoding="utf-8")
    outcome = _sync(crm, config)
    assert (outcome.read, outcome.new) == (2, 2)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(_row("1762200000.3", "2026-11-03 12:00:00"))
    outcome = _sync(crm, config)
    assert (outcome.read, outcome.new) == (1, 1)
    assert len(_all_calls(crm)) == 7


def test_a_truncated_file_is_read_again_from_its_start(crm, pbx):
    """When copytruncate empties Master.csv in place, the next rows are read from offset 0."""
    config, path = pbx
    _sync(crm, config)
    inode = path.stat().st_ino
    with path.open("w", encoding="utf-8") as handle:
        handle.write(_row("1762300000.1", "2026-11-04 09:00:00"))
    assert path.stat().st_ino == inode
    outcome = _sync(crm, config)
    assert (outcome.read, outcome.new) == (1, 1)


def test_a_new_file_as_long_as_the_old_one_is_not_mistaken_for_it(crm, pbx):
    """A replaced file with other first bytes starts over, even if it is larger."""
    config, path = pbx
    _sync(crm, config)
    rows = "".join(_row(f"1762400000.{n}", "2026-11-05 09:00:00") for n in range(12))
    path.unlink()
    path.write_text(rows, encoding="utf-8")
    outcome = _sync(crm, config)
    assert (outcome.read, outcome.new) == (12, 12)


def test_a_full_sync_stores_nothing_twice(crm, pbx):
    """``full`` reads the file again; every call is already known."""
    config, _ = pbx
    _sync(crm, config)
    report = crm.sync(config, full=True)
    [result] = report.streams
    assert (result.outcome.read, result.outcome.new, result.outcome.unchanged) == (7, 0, 4)


def test_a_dead_letter_is_mapped_again_by_reparse(crm, pbx):
    """``deadletters retry`` maps the raw line again; a still-bad line stays a letter."""
    config, _ = pbx
    _sync(crm, config)
    report = crm.retry_dead_letters(config=config)
    assert (report.fixed, len(report.still_bad)) == ([], 3)
    assert len(crm.dead_letters(source="pbx")) == 3


@pytest.mark.parametrize(
    ("count", "tail"),
    [
        (16, ()),
        (17, ("uniqueid",)),
        (18, ("uniqueid", "userfield")),
        (19, ("peeraccount", "linkedid", "sequence")),
        (21, ("uniqueid", "userfield", "peeraccount", "linkedid", "sequence")),
    ],
)
def test_every_cdr_conf_layout_is_recognised_by_its_column_count(count, tail):
    """16 base columns, then uniqueid, userfield and the newcdrcolumns as cdr.conf adds them."""
    values = ['""'] * 16 + ['"1762067700.3"'] + ['""'] * 4
    fields = parse_line(",".join(values[:count]))
    assert list(fields)[16:] == list(tail)


def test_a_lone_seventeenth_column_that_is_no_uniqueid_is_the_userfield():
    """cdr.conf with loguserfield only: the 17th column is the user field."""
    fields = parse_line(",".join(['""'] * 16 + ['"vip"']))
    assert fields["userfield"] == "vip"


def test_too_many_columns_is_an_odd_row():
    """22 columns is not a cdr_csv layout."""
    with pytest.raises(CdrRowError, match="long row"):
        parse_line(",".join(['""'] * 22))


def test_check_reports_the_file_and_its_layout(crm, pbx):
    """``sources check`` sees the file and the first line's column count."""
    config, path = pbx
    adapter = config.source("pbx").build(crm.adapters())
    assert adapter.check() == f"{path}: {path.stat().st_size} bytes, 16 columns a line"
    path.unlink()
    with pytest.raises(AdapterError, match="cannot read"):
        adapter.check()
    report = crm.sync(config)
    assert "CDR file" in report.streams[0].message
    assert "not found" in report.streams[0].message
