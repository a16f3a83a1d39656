"""crmkit.sdk.mapping: the helpers adapters share to map source objects into records."""

from __future__ import annotations

import decimal

import pytest

from crmkit.sdk.mapping import (
    AddressFields,
    MappingError,
    compact,
    exact_json,
    full_name,
    mapped_item,
    nested,
    object_id,
)


def test_exact_json_reads_fractions_as_decimals():
    """Exact json reads fractions as decimals."""
    assert exact_json(b'{"price": 29.35, "n": 2}') == {"price": decimal.Decimal("29.35"), "n": 2}


def test_mapped_item_turns_a_mapping_failure_into_a_dead_letter():
    """Mapped item turns a mapping failure into a dead letter."""
    good = mapped_item("{}", "page 1 item 1", lambda: {"external_id": "7"})
    assert (good.data, good.error) == ({"external_id": "7"}, None)

    def broken() -> dict[str, str]:
        """Fail as a bad amount does."""
        raise MappingError("total: not an amount")

    bad = mapped_item("{}", "page 1 item 2", broken)
    assert (bad.data, bad.error, bad.position) == (
        None,
        "cannot map: total: not an amount",
        "page 1 item 2",
    )


def test_object_id_accepts_numbers_and_text_and_refuses_the_rest():
    """Object id accepts numbers and text and refuses the rest."""
    assert object_id({"id": 42}, "order") == "42"
    assert object_id({"id": " A-1 "}, "order") == "A-1"
    for bad in ({"id": True}, {"id": ""}, {}):
        with pytest.raises(MappingError, match="order has no id"):
            object_id(bad, "order")
    with pytest.raises(MappingError, match="must be a JSON object, got list"):
        object_id([], "order")


def test_nested_gives_an_empty_object_for_null_and_refuses_a_non_object():
    """Nested gives an empty object for null and refuses a non object."""
    assert nested({"billing": None}, "billing") == {}
    assert nested({"billing": {"city": "Москва"}}, "billing") == {"city": "Москва"}
    with pytest.raises(MappingError, match="billing: not an object: 'x'"):
        nested({"billing": "x"}, "billing")


def test_full_name_takes_the_first_block_that_names_someone():
    """Full name takes the first block that names someone."""
    assert full_name({}, {"first_name": "Анна", "last_name": "Смирнова"}) == "Анна Смирнова"
    assert full_name({"last_name": "Smith"}, {"first_name": "Ann"}) == "Smith"
    assert full_name({}) is None


def test_address_joins_lines_and_drops_one_naming_only_a_country():
    """Address joins lines and drops one naming only a country."""
    fields = AddressFields(
        lines=("street", "house"),
        city="town",
        region="state",
        postcode="zip",
        country=("country_code", "country"),
    )
    block = {"street": "ул. Ленина", "house": "1", "town": "Москва", "zip": "101000"}
    assert fields.read({**block, "country": "Russia"}) == {
        "line": "ул. Ленина, 1",
        "city": "Москва",
        "postcode": "101000",
        "country": "Russia",
    }
    assert fields.read({**block, "country_code": "RU", "country": "Russia"})["country"] == "RU"
    assert fields.read({"street": " ", "country": "RU"}) is None
    assert fields.read("ул. Ленина, 1") is None


def test_compact_drops_only_empty_values():
    """Compact drops only empty values."""
    assert compact({"a": None, "b": [], "c": {}, "d": 0, "e": ""}) == {"d": 0, "e": ""}
