"""Customers projected from source records: problems, look-ups, export, incremental updates."""

from __future__ import annotations

import json

import pytest

from crmkit.errors import UnknownCustomerError
from crmkit.schemas import CustomerExportSchema

ROMASHKA = {
    "external_id": "42",
    "kind": "organization",
    "name": "ООО «Ромашка»",
    "phones": ["+7 (495) 123-45-67"],
    "emails": ["Info@Romashka.ru"],
    "identifiers": {"inn": "7707083893"},
}


def test_an_unusable_phone_is_kept_raw_and_listed_as_a_problem(crm):
    """An unparseable phone does not stop the record: it stays raw and flagged."""
    outcome = crm.ingest_customers(
        "shop", [{"external_id": "1", "name": "Ivan", "phones": ["123", "+7 495 123-45-67"]}]
    )
    assert (outcome.new, outcome.dead_lettered) == (1, 0)
    [customer] = crm.customers()
    assert customer.phones() == ["+74951234567"]
    [bad] = [c for c in customer.contact_points if c.raw == "123"]
    assert bad.value is None
    assert not bad.valid
    assert bad.problem
    assert any("'123'" in problem for problem in customer.problems)


def test_an_inn_with_a_bad_checksum_is_a_problem_not_an_identifier(crm):
    """An INN failing its check digit is kept out of identifiers and named in problems."""
    crm.ingest_customers("erp", [{"external_id": "1", "identifiers": {"inn": "7707083894"}}])
    [customer] = crm.customers()
    assert customer.identifiers == {}
    assert any("inn" in p.lower() and "7707083894" in p for p in customer.problems)
    assert crm.find_customers(identifier=("inn", "7707083894")) == []


def test_a_source_region_makes_national_phone_numbers_usable(crm, input_files):
    """With the source's default region, '8 (495) ...' becomes +7495... ."""
    path = input_files.jsonl("a.jsonl", [{"external_id": "1", "phones": ["8 (495) 123-45-67"]}])
    crm.import_from(crm.adapter("jsonl", "1c", {"path": str(path)}), resolve=False)
    crm.resolve(regions={"1c": "RU"})
    [customer] = crm.customers()
    assert customer.phones() == ["+74951234567"]
    assert customer.problems == ()


PHONE_FORMATS = [
    "+7 (495) 123-45-67",
    "8 (495) 123-45-67",
    "84951234567",
    "+74951234567",
    "74951234567",
    "495 123 45 67",
]


def test_a_customer_is_found_by_phone_written_in_any_format(crm):
    """find_customers normalises the phone it is given like ingested phones."""
    crm.ingest_customers("shop", [ROMASHKA, {"external_id": "other", "phones": ["+79031112233"]}])
    found = {phone: [c.name for c in crm.find_customers(phone=phone)] for phone in PHONE_FORMATS}
    assert found == {phone: ["ООО «Ромашка»"] for phone in PHONE_FORMATS}


def test_customers_are_found_by_email_inn_and_identity(crm):
    """E-mail (any case), INN (with spaces) and (source, external_id) all find the customer."""
    crm.ingest_customers("shop", [ROMASHKA, {"external_id": "43", "name": "Other"}])
    by_email = crm.find_customers(email="  INFO@romashka.RU ")
    by_inn = crm.find_customers(identifier=("INN", " 7707083893 "))
    by_identity = crm.find_customers(identity=("shop", "42"))
    assert [c.name for c in by_email] == ["ООО «Ромашка»"]
    assert [c.id for c in by_inn] == [by_email[0].id]
    assert [c.id for c in by_identity] == [by_email[0].id]


def test_looking_up_unknown_facts_finds_nobody(crm):
    """Facts no customer has return an empty list, including an unusable phone."""
    crm.ingest_customers("shop", [ROMASHKA])
    assert crm.find_customers(phone="+7 812 555-01-02") == []
    assert crm.find_customers(phone="not a phone") == []
    assert crm.find_customers(email="nobody@example.com") == []
    assert crm.find_customers(identity=("shop", "nope")) == []
    with pytest.raises(TypeError):
        crm.find_customers()


def test_two_sources_naming_the_same_firm_by_inn_give_one_customer_with_both_identities(crm):
    """The same valid INN from two sources is one taxpayer: one customer, two identities."""
    crm.ingest_customers("shop", [ROMASHKA])
    crm.ingest_customers("erp", [ROMASHKA])
    [found] = crm.find_customers(identifier=("inn", "7707083893"))
    assert [str(i) for i in found.identities] == ["erp/42", "shop/42"]
    assert crm.count_customers() == 1


def test_a_customer_is_fetched_by_id_and_an_unknown_id_is_an_error(crm):
    """crm.customer(id) returns the customer; an unknown id raises UnknownCustomerError."""
    crm.ingest_customers("shop", [ROMASHKA])
    [customer] = crm.customers()
    assert crm.customer(customer.id).name == customer.name
    with pytest.raises(UnknownCustomerError, match="999999"):
        crm.customer(999999)


def test_customers_export_through_the_api_as_json_documents(crm):
    """Every customer dumps to JSON with id, golden fields and identities."""
    crm.ingest_customers(
        "shop", [ROMASHKA, {"external_id": "7", "name": "Anna", "phones": ["bad"]}]
    )
    schema = CustomerExportSchema()
    docs = [json.loads(json.dumps(schema.dump_customer(c))) for c in crm.customers()]
    assert [d["name"] for d in docs] == ["ООО «Ромашка»", "Anna"]
    first, second = docs
    assert first["phones"] == ["+74951234567"]
    assert first["emails"] == ["info@romashka.ru"]
    assert first["identifiers"] == {"inn": "7707083893"}
    assert first["kind"] == "organization"
    assert first["identities"] == [{"source": "shop", "external_id": "42"}]
    assert second["phones"] == []
    assert second["identities"] == [{"source": "shop", "external_id": "7"}]
    assert all(isinstance(d["id"], int) for d in docs)


def test_customer_ids_stay_stable_across_resolutions_as_records_arrive(crm):
    """Resolving again after more records keeps every surviving customer's id."""
    crm.ingest_customers("shop", [{"external_id": str(n)} for n in range(3)], resolve=False)
    assert crm.count_customers() == 0
    assert crm.resolve().customers == 3
    before = {str(c.identities[0]): c.id for c in crm.customers()}
    crm.ingest_customers("shop", [{"external_id": str(n)} for n in range(3, 5)], resolve=False)
    report = crm.resolve()
    assert (report.customers, report.created) == (5, 2)
    again = crm.resolve()
    assert (again.customers, again.created, again.merged) == (5, 0, [])
    after = {str(c.identities[0]): c.id for c in crm.customers()}
    assert {k: after[k] for k in before} == before


def test_a_changed_record_updates_the_same_customer(crm):
    """A new version of a record changes its customer in place: same id, new facts."""
    crm.ingest_customers("shop", [ROMASHKA, {"external_id": "43", "name": "Other"}])
    [before] = crm.find_customers(identity=("shop", "42"))
    changed = {**ROMASHKA, "name": "АО «Ромашка»", "phones": ["+7 812 555-01-02"]}
    crm.ingest_customers("shop", [changed], resolve=False)
    assert crm.resolve().created == 0
    [after] = crm.find_customers(identity=("shop", "42"))
    assert after.id == before.id
    assert after.name == "АО «Ромашка»"
    assert after.phones() == ["+78125550102"]
    assert crm.find_customers(phone="+7 495 123-45-67") == []
    assert [c.id for c in crm.find_customers(phone="+7 812 555-01-02")] == [before.id]
    assert crm.count_customers() == 2
