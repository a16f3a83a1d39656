"""The generic customer-record format (marshmallow) and the customer export format."""

from __future__ import annotations

import datetime as dt

import marshmallow
import pytest

from crmkit.domain import Address, ContactPoint, Customer, CustomerKind, Identity, PartyFacts
from crmkit.errors import format_messages
from crmkit.schemas import CustomerExportSchema, CustomerRecordSchema


def load(data):
    """Return ``data`` loaded by a fresh CustomerRecordSchema."""
    return CustomerRecordSchema().load(data)


def errors_of(data) -> str:
    """Return the flattened marshmallow messages for an invalid record."""
    with pytest.raises(marshmallow.ValidationError) as info:
        load(data)
    return format_messages(info.value.messages)


FULL_RECORD = {
    "external_id": " 0000123 ",
    "kind": "organization",
    "name": "ООО «Ромашка»",
    "given_name": "Иван",
    "family_name": "Петров",
    "emails": ["Info@Romashka.RU"],
    "phones": ["8 (495) 123-45-67", "+7 812 000-00-00"],
    "addresses": [{"line": "ул. Ленина, 1", "city": "Москва", "postcode": "101000"}],
    "identifiers": {"inn": "7707083893", "kpp": "773601001"},
    "birth_date": "1980-02-29",
    "website": "romashka.ru",
    "contact_name": "Анна",
    "attributes": {"segment": "A", "limits": [1, 2.5, None, {"x": True}]},
    "updated_at": "2024-05-01T12:00:00+03:00",
}


def test_a_full_record_loads_to_party_facts():
    """Every field of a valid record lands in PartyFacts, in domain types."""
    facts = load(FULL_RECORD)
    assert isinstance(facts, PartyFacts)
    assert facts.external_id == "0000123"
    assert facts.kind is CustomerKind.ORGANIZATION
    assert facts.name == "ООО «Ромашка»"
    assert (facts.given_name, facts.family_name, facts.contact_name) == ("Иван", "Петров", "Анна")
    assert facts.emails == ("Info@Romashka.RU",)
    assert facts.phones == ("8 (495) 123-45-67", "+7 812 000-00-00")
    assert facts.addresses == (Address(line="ул. Ленина, 1", city="Москва", postcode="101000"),)
    assert facts.identifiers == {"inn": "7707083893", "kpp": "773601001"}
    assert facts.birth_date == dt.date(1980, 2, 29)
    assert facts.website == "romashka.ru"
    assert facts.attributes == {"segment": "A", "limits": [1, 2.5, None, {"x": True}]}
    assert facts.updated_at == dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


def test_a_record_with_only_an_external_id_is_valid():
    """external_id is the only required field; everything else defaults to empty."""
    facts = load({"external_id": "42"})
    assert facts == PartyFacts(external_id="42")
    assert (facts.phones, facts.emails, facts.addresses) == ((), (), ())
    assert (facts.identifiers, facts.attributes) == ({}, {})


def test_null_counts_as_absent():
    """A null in any optional field means the same as leaving the field out."""
    nulls = dict.fromkeys(FULL_RECORD, None) | {"external_id": "42"}
    assert load(nulls) == load({"external_id": "42"})


def test_null_parts_of_an_address_count_as_absent():
    """An address part given as null is simply not known."""
    facts = load({"external_id": "1", "addresses": [{"city": "Москва", "line": None}]})
    assert facts.addresses == (Address(city="Москва"),)


def test_unknown_fields_are_ignored():
    """Fields the format does not define are left out of the facts (they stay in the payload)."""
    facts = load({"external_id": "1", "x-shop-id": 7, "КодКонтрагента": "00-1", "name": "Ivan"})
    assert facts == PartyFacts(external_id="1", name="Ivan")


def test_unknown_fields_inside_an_address_are_ignored():
    """An address with extra keys (a 1C 'Представление') still loads."""
    facts = load({"external_id": "1", "addresses": [{"city": "Тула", "Представление": "…"}]})
    assert facts.addresses == (Address(city="Тула"),)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"external_id": "1", "phones": "+74951234567"}, "phones: Not a valid list."),
        ({"external_id": "1", "emails": {"a": "b"}}, "emails: Not a valid list."),
        ({"external_id": "1", "phones": ["+7", 495]}, "phones.1: Not a valid string."),
        ({"external_id": "1", "addresses": [{"city": 5}]}, "addresses.0.city: Not a valid string."),
        ({"external_id": "1", "addresses": "Москва"}, "addresses: Not a valid list."),
        ({"external_id": "1", "identifiers": ["inn"]}, "identifiers: Not a valid mapping type."),
        (
            {"external_id": "1", "identifiers": {"inn": 7707083893}},
            "identifiers.inn.value: Not a valid string.",
        ),
        ({"external_id": "1", "kind": "robot"}, "kind: Must be one of: person, organization."),
        ({"external_id": "1", "birth_date": "1990-02-30"}, "birth_date: Not a valid date."),
        (
            {"external_id": "1", "updated_at": "2024-05-01T12:00:00"},
            "updated_at: Not a valid aware datetime.",
        ),
        ({"external_id": "1", "name": ["Ivan"]}, "name: Not a valid string."),
        ({}, "external_id: Missing data for required field."),
        ({"external_id": None}, "external_id: Field may not be null."),
        ({"external_id": 42}, "external_id: Not a valid string."),
        ({"external_id": ""}, "external_id: must not be blank"),
        ({"external_id": " \t "}, "external_id: must not be blank"),
    ],
)
def test_structural_errors_name_the_field(record, message):
    """Each structural error names the field (with its path) and the problem."""
    assert errors_of(record) == message


def test_several_errors_are_all_reported():
    """Every bad field is reported, not just the first."""
    text = errors_of({"external_id": " ", "phones": "x", "kind": 1})
    assert "external_id: must not be blank" in text
    assert "phones: Not a valid list." in text
    assert "kind: Not a valid string." in text


def test_the_export_schema_writes_golden_fields_and_identities():
    """The export shows usable phones and e-mails only, every identity, and aware times."""
    when = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)
    customer = Customer(
        id=7,
        kind="person",
        name="Иван Петров",
        identities=[Identity("shop", "42"), Identity("1c", "00-1")],
        contact_points=[
            ContactPoint("phone", "8 495 123 45 67", "+74951234567"),
            ContactPoint("phone", "call me", None, "not a phone number"),
            ContactPoint("email", "Ivan@Example.com", "ivan@example.com"),
        ],
        addresses=[Address(city="Москва")],
        identifiers={"inn": "7707083893"},
        birth_date=dt.date(1980, 2, 29),
        created_at=when,
        updated_at=when,
    )
    doc = CustomerExportSchema().dump_customer(customer)
    assert doc["id"] == 7
    assert doc["kind"] == "person"
    assert doc["phones"] == ["+74951234567"]
    assert doc["emails"] == ["ivan@example.com"]
    assert doc["addresses"] == [
        {"line": None, "city": "Москва", "region": None, "postcode": None, "country": None}
    ]
    assert doc["identities"] == [
        {"source": "shop", "external_id": "42"},
        {"source": "1c", "external_id": "00-1"},
    ]
    assert doc["birth_date"] == "1980-02-29"
    assert doc["created_at"] == "2024-05-01T09:00:00+00:00"


def test_the_export_schema_writes_a_customer_without_a_kind_as_null():
    """An unknown kind is exported as null, not as the text 'None'."""
    customer = Customer(id=1, kind=None, name="x")
    assert CustomerExportSchema().dump_customer(customer)["kind"] is None
