"""Ingesting CSV files through the built-in ``csv`` adapter."""

from __future__ import annotations

import json

import pytest

from crmkit.errors import AdapterError

HEADER = [
    "external_id",
    "kind",
    "name",
    "phones",
    "emails",
    "address_line",
    "address_city",
    "address_postcode",
    "address_country",
    "identifiers.inn",
    "attributes.segment",
]


def import_csv(crm, path, *, source="sap", region="RU", **config):
    """Import ``path`` through the csv adapter and project it with ``region`` for phones."""
    adapter = crm.adapter("csv", source, {"path": str(path), **config})
    outcome = crm.import_from(adapter, resolve=False)
    crm.resolve(regions={source: region})
    return outcome


def test_header_columns_map_onto_the_generic_record(crm, input_files):
    """Lists split on ';', address_* make one address, dotted columns fill identifiers."""
    path = input_files.csv(
        "sap.csv",
        [
            HEADER,
            [
                "0000100042",
                "organization",
                "Romashka LLC",
                "+7 495 123-45-67; 8 (916) 111-22-33",
                "Orders@Romashka.ru;info@romashka.ru",
                "Lenina ul., 1",
                "Moscow",
                "101000",
                "ru",
                "7707083893",
                "A",
            ],
        ],
    )
    outcome = import_csv(crm, path)
    assert (outcome.new, outcome.dead_lettered) == (1, 0)
    [customer] = crm.customers()
    assert customer.name == "Romashka LLC"
    assert customer.kind.value == "organization"
    assert customer.phones() == ["+74951234567", "+79161112233"]
    assert customer.emails() == ["orders@romashka.ru", "info@romashka.ru"]
    [address] = customer.addresses
    assert (address.line, address.city, address.postcode, address.country) == (
        "Lenina ul., 1",
        "Moscow",
        "101000",
        "RU",
    )
    assert customer.identifiers == {"inn": "7707083893"}
    assert customer.attributes == {"segment": "A"}
    assert [(i.source, i.external_id) for i in customer.identities] == [("sap", "0000100042")]


def test_a_csv_row_is_kept_verbatim_beside_its_mapped_record(crm, input_files):
    """The payload holds the row as read (header to cell); the mapping is stored apart."""
    path = input_files.csv(
        "a.csv", [["external_id", "name", "phones"], ["7", " Anna ", "+7 903 765-43-21;"]]
    )
    import_csv(crm, path)
    [record] = crm.records.records("sap", "7")
    assert json.loads(record.payload) == {
        "external_id": "7",
        "name": " Anna ",
        "phones": "+7 903 765-43-21;",
    }
    assert json.loads(record.record_json()) == {
        "external_id": "7",
        "name": "Anna",
        "phones": ["+7 903 765-43-21"],
    }


def test_a_row_with_more_cells_than_the_header_is_a_dead_letter(crm, input_files):
    """An over-long row is dead-lettered with its line; the rows around it are stored."""
    path = input_files.csv(
        "a.csv",
        [["external_id", "name"], ["1", "Ivan"], ["2", "Anna", "surplus"], ["3", "Oleg"]],
    )
    outcome = import_csv(crm, path)
    assert (outcome.read, outcome.new, outcome.dead_lettered) == (3, 2, 1)
    [letter] = crm.dead_letters()
    assert letter.position == "line 3"
    assert "more cells" in letter.reason
    assert "surplus" in letter.raw
    assert sorted(c.name for c in crm.customers()) == ["Ivan", "Oleg"]


def test_a_row_without_an_external_id_is_a_dead_letter_naming_the_field(crm, input_files):
    """An empty external_id cell fails validation like a missing JSON field."""
    path = input_files.csv("a.csv", [["external_id", "name"], ["", "Nobody"], ["2", "Anna"]])
    outcome = import_csv(crm, path)
    assert (outcome.new, outcome.dead_lettered) == (1, 1)
    [letter] = crm.dead_letters()
    assert letter.position == "line 2"
    assert "external_id" in letter.reason


def test_a_windows_1251_file_is_read_with_encoding_cp1251(crm, input_files):
    """encoding=cp1251 decodes a 1C export written in Windows-1251."""
    path = input_files.csv(
        "1c.csv",
        [["external_id", "name", "address_city"], ["00-01", "ООО «Ромашка»", "Москва"]],
        encoding="cp1251",
    )
    outcome = import_csv(crm, path, source="1c", encoding="cp1251")
    assert outcome.new == 1
    [customer] = crm.customers()
    assert customer.name == "ООО «Ромашка»"
    assert customer.addresses[0].city == "Москва"


def test_a_windows_1251_file_read_as_utf8_fails_with_a_clear_error(crm, input_files):
    """Reading cp1251 bytes as UTF-8 raises AdapterError naming the file and encoding."""
    path = input_files.csv(
        "1c.csv", [["external_id", "name"], ["00-01", "Ромашка"]], encoding="cp1251"
    )
    with pytest.raises(AdapterError) as caught:
        import_csv(crm, path, source="1c")
    message = str(caught.value)
    assert str(path) in message
    assert "utf-8" in message.lower()
    assert crm.records.count_records() == 0


def test_the_delimiter_and_list_separator_can_be_configured(crm, input_files):
    """delimiter=';' and list_separator='|' read a semicolon-separated export."""
    path = input_files.csv(
        "a.csv",
        [["external_id", "emails"], ["1", "a@example.com|b@example.com"]],
        delimiter=";",
    )
    import_csv(crm, path, delimiter=";", list_separator="|")
    [customer] = crm.customers()
    assert customer.emails() == ["a@example.com", "b@example.com"]


def test_a_missing_csv_file_is_an_adapter_error(crm, tmp_path):
    """A CSV path that does not exist raises AdapterError naming the source and the path."""
    missing = tmp_path / "missing.csv"
    with pytest.raises(AdapterError) as caught:
        import_csv(crm, missing)
    assert str(missing) in str(caught.value)
    assert "'sap'" in str(caught.value)
