"""Ingesting JSON Lines files: versioned verbatim records, idempotency, dead letters."""

from __future__ import annotations

import json

import pytest

from crmkit.errors import AdapterError, ConfigError, UnknownAdapterError

# For behaviour of the adapter and validator alone, which the database does not change.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def import_file(crm, path, *, adapter="jsonl", source="shop", **config):
    """Import ``path`` through ``adapter`` as ``source``; return the outcome."""
    return crm.import_from(crm.adapter(adapter, source, {"path": str(path), **config}))


def letters_by_position(crm):
    """Return the open dead letters as ``{position: letter}``."""
    return {letter.position: letter for letter in crm.dead_letters()}


def test_a_new_record_is_stored_verbatim_as_version_one(crm, input_files):
    """The stored payload is the line exactly as written: spacing, key order, Cyrillic."""
    line = '{"name": "ООО «Ромашка»",   "external_id": "42", "x-extra": [1, 2]}'
    outcome = import_file(crm, input_files.jsonl("a.jsonl", [line]))
    assert (outcome.read, outcome.new, outcome.changed, outcome.unchanged) == (1, 1, 0, 0)
    [record] = crm.records.records("shop", "42")
    assert record.version == 1
    assert record.payload == line


def test_a_changed_payload_adds_version_two_and_keeps_both_versions_verbatim(crm, input_files):
    """A changed line becomes version 2; version 1 stays untouched beside it."""
    first = '{"external_id": "42", "name": "Ivan"}'
    second = '{"external_id": "42", "name": "Ivan Petrov", "phones": ["+7 495 123-45-67"]}'
    import_file(crm, input_files.jsonl("v1.jsonl", [first]))
    outcome = import_file(crm, input_files.jsonl("v2.jsonl", [second]))
    assert (outcome.new, outcome.changed, outcome.unchanged) == (0, 1, 0)
    versions = crm.records.records("shop", "42")
    assert [(r.version, r.payload) for r in versions] == [(1, first), (2, second)]


def test_the_same_external_id_in_another_source_is_another_record(crm, input_files):
    """Records are keyed by source and external id: another source starts at version 1."""
    path = input_files.jsonl("a.jsonl", [{"external_id": "42", "name": "Ivan"}])
    import_file(crm, path, source="shop")
    outcome = import_file(crm, path, source="erp")
    assert outcome.new == 1
    assert [r.version for r in crm.records.records("erp", "42")] == [1]
    assert [r.version for r in crm.records.records("shop", "42")] == [1]


def test_repeated_and_changed_lines_within_one_file_are_versioned_in_order(crm, input_files):
    """In one run a repeated line adds nothing and a changed one adds the next version."""
    a = '{"external_id": "7", "name": "A"}'
    b = '{"external_id": "7", "name": "B"}'
    outcome = import_file(crm, input_files.jsonl("a.jsonl", [a, a, b, b]))
    assert (outcome.read, outcome.new, outcome.changed, outcome.unchanged) == (4, 1, 1, 2)
    assert [r.payload for r in crm.records.records("shop", "7")] == [a, b]


def test_importing_the_same_file_twice_adds_nothing(crm, input_files):
    """The second run of an unchanged file counts every line unchanged and stores nothing."""
    path = input_files.jsonl(
        "a.jsonl", [{"external_id": str(n), "name": f"N{n}"} for n in range(5)]
    )
    import_file(crm, path)
    again = import_file(crm, path)
    assert (again.read, again.new, again.changed, again.unchanged) == (5, 0, 0, 5)
    assert crm.records.count_records() == 5
    assert crm.count_customers() == 5


def test_ingesting_the_same_dicts_twice_through_the_api_adds_nothing(crm):
    """crm.ingest_customers is idempotent too: the same records again are all unchanged."""
    records = [{"external_id": "1", "name": "Ivan"}, {"external_id": "2", "name": "Anna"}]
    crm.ingest_customers("shop", records)
    again = crm.ingest_customers("shop", records)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert crm.records.count_records() == 2


GOOD = {"external_id": "good-{n}", "name": "Good {n}"}

# (case id, the bad line, a text the dead letter's reason must contain)
BAD_LINES = [
    ("malformed-json", b'{"external_id": "b1", "name": ', "malformed JSON"),
    ("json-array", b'[{"external_id": "b2"}]', "JSON object"),
    ("json-string", b'"just a string"', "JSON object"),
    ("missing-external-id", b'{"name": "nobody"}', "external_id"),
    ("blank-external-id", b'{"external_id": "   "}', "external_id"),
    ("list-for-a-string", b'{"external_id": "b5", "name": ["a", "b"]}', "name"),
    ("number-for-a-string", b'{"external_id": 6}', "external_id"),
    ("string-for-a-list", b'{"external_id": "b7", "phones": "+7 495 123-45-67"}', "phones"),
    ("number-in-a-list", b'{"external_id": "b8", "emails": [8]}', "emails.0"),
    ("bad-nested-address", b'{"external_id": "b9", "addresses": [{"city": 9}]}', "city"),
    ("invalid-utf-8", b'{"external_id": "b10", "name": "\xff\xfe"}', "utf-8"),
]


@sqlite_only
@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [pytest.param(line, reason, id=case) for case, line, reason in BAD_LINES],
)
def test_a_bad_line_is_dead_lettered_with_its_line_number_and_a_reason(
    crm, input_files, bad_line, reason
):
    """The good lines around a bad one are stored; the bad one waits as a dead letter."""
    lines = [json.dumps({"external_id": "good-1"}).encode(), bad_line, b'{"external_id": "good-3"}']
    outcome = import_file(crm, input_files.jsonl("a.jsonl", lines))
    assert (outcome.read, outcome.new, outcome.dead_lettered) == (3, 2, 1)
    [letter] = crm.dead_letters()
    assert letter.position == "line 2"
    assert reason.lower() in letter.reason.lower()
    assert (letter.source, letter.stream.value, letter.status) == ("shop", "customers", "open")
    assert letter.raw == bad_line.decode("utf-8", "replace")
    assert [i.external_id for c in crm.customers() for i in c.identities] == ["good-1", "good-3"]


def mixed_file(input_files):
    """Write a file of good lines, every kind of bad line, and blank lines."""
    lines = [
        b'{"external_id": "g1", "name": "First"}',
        b"{not json",
        b"",
        b"[1, 2, 3]",
        b'{"name": "no id"}',
        b"   ",
        b'{"external_id": "g7", "name": "Seventh"}',
        b'{"external_id": "b8", "name": ["list", "where", "a string belongs"]}',
        b'{"external_id": "b9", "name": 9}',
        b'{"external_id": "b10", "name": "\xc3\x28"}',
        b'{"external_id": "b11", "name": "' + b"x" * 500 + b'"}',
        b'{"external_id": "g12", "name": "Twelfth"}',
    ]
    return input_files.jsonl("mixed.jsonl", lines)


MIXED_BAD = {
    "line 2": "malformed JSON",
    "line 4": "JSON object",
    "line 5": "external_id",
    "line 8": "name",
    "line 9": "name",
    "line 10": "utf-8",
    "line 11": "longer than 200 bytes",
}


def test_a_file_with_malformed_lines_imports_every_good_line_and_dead_letters_each_bad_one(
    crm, input_files
):
    """Good lines are stored, bad ones dead-lettered by line number, blank lines skipped."""
    outcome = import_file(crm, mixed_file(input_files), max_record_bytes=200)
    assert (outcome.read, outcome.new, outcome.dead_lettered) == (10, 3, 7)
    letters = letters_by_position(crm)
    assert set(letters) == set(MIXED_BAD)
    for position, reason in MIXED_BAD.items():
        assert reason.lower() in letters[position].reason.lower(), position
    assert crm.records.count_records() == 3
    names = sorted(c.name for c in crm.customers())
    assert names == ["First", "Seventh", "Twelfth"]


def test_an_oversized_line_keeps_its_beginning_and_the_next_line_is_read_normally(crm, input_files):
    """A line over max_record_bytes is cut, not loaded; reading resumes at the next line."""
    big = '{"external_id": "big", "name": "' + "я" * 5000 + '"}'
    path = input_files.jsonl("a.jsonl", [big, '{"external_id": "after"}'])
    outcome = import_file(crm, path, max_record_bytes=1000)
    assert (outcome.new, outcome.dead_lettered) == (1, 1)
    [letter] = crm.dead_letters()
    assert letter.position == "line 1"
    assert "1000 bytes" in letter.reason
    assert letter.raw == big  # under 64 KiB: the dead letter keeps the whole line
    assert crm.find_customers(identity=("shop", "after"))


def test_an_oversized_line_keeps_the_first_64_kib_its_reason_promises(crm, input_files):
    """The dead letter of a 100 kB line under a 1 kB limit keeps its first 64 KiB."""
    big = '{"external_id": "big", "name": "' + "x" * 100_000 + '"}'
    import_file(crm, input_files.jsonl("a.jsonl", [big]), max_record_bytes=1000)
    [letter] = crm.dead_letters()
    assert "first 65536 bytes kept" in letter.reason
    assert letter.raw == big[: 64 * 1024]


def test_a_line_of_exactly_max_record_bytes_is_accepted_and_one_byte_more_is_not(crm, input_files):
    """max_record_bytes counts the record without its line ending, inclusive."""
    exact = '{"external_id": "e", "name": "' + "x" * 70 + '"}'
    over = '{"external_id": "o", "name": "' + "x" * 71 + '"}'
    path = input_files.jsonl("a.jsonl", [exact, over])
    outcome = import_file(crm, path, max_record_bytes=len(exact))
    assert (outcome.new, outcome.dead_lettered) == (1, 1)
    assert crm.records.records("shop", "e")
    assert crm.dead_letters()[0].position == "line 2"


def test_windows_line_endings_and_a_utf8_byte_order_mark_are_accepted(crm, input_files):
    """CRLF endings are not part of the payload; a leading BOM is not part of the record."""
    path = input_files.jsonl(
        "a.jsonl",
        [b'\xef\xbb\xbf{"external_id": "1", "name": "A"}', b'{"external_id": "2", "name": "B"}'],
        newline=b"\r\n",
    )
    outcome = import_file(crm, path)
    assert (outcome.new, outcome.dead_lettered) == (2, 0)
    assert crm.records.records("shop", "2")[0].payload == '{"external_id": "2", "name": "B"}'


def test_a_second_run_of_a_file_with_malformed_lines_stores_no_record(crm, input_files):
    """Re-running the file with bad lines counts every good line unchanged."""
    path = mixed_file(input_files)
    import_file(crm, path, max_record_bytes=200)
    again = import_file(crm, path, max_record_bytes=200)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert crm.records.count_records() == 3


def test_a_second_run_does_not_dead_letter_the_same_bad_line_twice(crm, input_files):
    """Idempotent ingest: the same bad line from the same source stays one open dead letter."""
    path = input_files.jsonl("bad.jsonl", [b"{broken", b'{"name": "no id"}'])
    import_file(crm, path)
    import_file(crm, path)
    assert len(crm.dead_letters()) == 2


def test_an_external_id_too_long_to_store_is_dead_lettered(crm, input_files):
    """A record whose external id cannot be stored is a dead letter, not a failed import."""
    path = input_files.jsonl(
        "a.jsonl", [{"external_id": "1"}, {"external_id": "x" * 300}, {"external_id": "3"}]
    )
    outcome = import_file(crm, path)
    assert (outcome.new, outcome.dead_lettered) == (2, 1)
    assert "external_id" in crm.dead_letters()[0].reason


def test_a_missing_file_is_an_adapter_error_naming_the_source_and_the_path(crm, tmp_path):
    """Reading a file that does not exist raises AdapterError and stores nothing."""
    missing = tmp_path / "nowhere.jsonl"
    with pytest.raises(AdapterError) as caught:
        import_file(crm, missing, source="erp")
    assert str(missing) in str(caught.value)
    assert "'erp'" in str(caught.value)
    assert "No such file" in str(caught.value)
    assert crm.records.count_records() == 0


@sqlite_only
def test_an_unknown_adapter_is_refused_with_the_installed_ones_listed(crm):
    """Asking for an adapter nobody registers names the installed adapters."""
    with pytest.raises(UnknownAdapterError) as caught:
        crm.adapter("nosuchadapter", "shop", {"path": "x"})
    assert "'nosuchadapter'" in str(caught.value)
    assert "csv, jsonl" in str(caught.value)


@sqlite_only
@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"max_record_bytes": "lots"}, "max_record_bytes"),
        ({"max_record_bytes": 0}, "max_record_bytes"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_adapter_setting_is_a_config_error_naming_source_and_setting(
    crm, tmp_path, config, named
):
    """A wrong or unknown adapter setting is refused before anything is read."""
    with pytest.raises(ConfigError) as caught:
        crm.adapter("jsonl", "shop", {"path": str(tmp_path / "a.jsonl"), **config})
    assert "'shop'" in str(caught.value)
    assert named in str(caught.value)


def test_a_line_with_a_nul_byte_is_dead_lettered_and_the_rest_imported(crm, input_files):
    """A raw NUL byte makes the line a dead letter; it does not abort the import."""
    path = input_files.jsonl(
        "a.jsonl", [b'{"external_id": "1"}', b'{"external_id": "2", "name": "a\x00b"}', b"{}"]
    )
    outcome = import_file(crm, path)
    assert (outcome.new, outcome.dead_lettered) == (1, 2)
    assert [letter.position for letter in crm.dead_letters()] == ["line 2", "line 3"]


def test_a_nul_escape_in_one_record_does_not_stop_the_customer_projection(crm, input_files):
    """A record whose JSON holds a NUL escape neither fails the import nor blocks later resolves."""
    lines = [b'{"external_id": "1"}', b'{"external_id": "2", "name": "a\\u0000b"}']
    import_file(crm, input_files.jsonl("a.jsonl", lines))
    import_file(crm, input_files.jsonl("b.jsonl", [b'{"external_id": "3"}']))
    assert crm.find_customers(identity=("shop", "1"))
    assert crm.find_customers(identity=("shop", "3"))
