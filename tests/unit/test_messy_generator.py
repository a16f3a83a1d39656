"""The messy multi-source data generator: determinism, validity, habits, traps and scoring."""

from __future__ import annotations

import collections
import itertools
import re
import time

import pytest
from stdnum.ru import inn as stdnum_inn

from crmkit.schemas import CustomerRecordSchema, RecordValidator
from crmkit.testing.messy import (
    SOURCES,
    TRAPS,
    generate,
    iter_labelled,
    iter_records,
    pairwise_scores,
    transliterate,
)

PLACEHOLDERS = {
    "0000000000",
    "000000000000",
    "-",
    "null",
    "нет",
    "0",
    "+7 (999) 999-99-99",
    "89999999999",
    "test@test.ru",
    "no@mail.ru",
    "noemail@mail.ru",
    "a@a.ru",
}


@pytest.fixture(scope="module")
def data():
    """Return one mid-sized dataset shared by the proportion tests."""
    return generate(6000, seed=11)


def phone_key(raw):
    """Return the last ten digits of a phone, or None for a placeholder or a short number."""
    if raw in PLACEHOLDERS:
        return None
    digits = re.sub(r"\D", "", raw)
    return digits[-10:] if len(digits) >= 10 else None


def entity_of(dataset, source, record):
    """Return the true entity id of one record."""
    return dataset.truth[source, record["external_id"]]


def values_by_entity(dataset, extract):
    """Return value -> set of entity ids, over every record, for values ``extract`` yields."""
    result = collections.defaultdict(set)
    for source, record in dataset.records:
        for value in extract(source, record):
            if value is not None:
                result[value].add(entity_of(dataset, source, record))
    return result


def persons(dataset):
    """Return the ids of the person entities."""
    return {e.id for e in dataset.entities.values() if e.kind == "person"}


def organizations(dataset):
    """Return the ids of the organisation entities."""
    return {e.id for e in dataset.entities.values() if e.kind == "organization"}


# determinism and shape ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_records_and_truth():
    """Two runs with one seed produce identical records, truth and entities."""
    first, second = generate(400, seed=5), generate(400, seed=5)
    assert first.records == second.records
    assert first.truth == second.truth
    assert first.entities == second.entities


def test_another_seed_gives_other_records():
    """A different seed produces different data."""
    assert generate(200, seed=1).records != generate(200, seed=2).records


def test_iter_records_streams_exactly_what_generate_lists():
    """The streaming iterator yields the same records in the same order as generate."""
    assert list(iter_records(2500, seed=3)) == generate(2500, seed=3).records


def test_iter_labelled_yields_each_record_with_its_entity():
    """The labelled stream agrees with the truth of generate."""
    dataset = generate(300, seed=4)
    labelled = {(s, r["external_id"]): e for s, r, e in iter_labelled(300, seed=4)}
    assert labelled == dataset.truth


def test_streaming_starts_at_once_however_large_the_request():
    """The first record of a 300,000-customer stream arrives without generating them all."""
    started = time.monotonic()
    source, record = next(iter(iter_records(300_000, seed=0)))
    assert source in SOURCES
    assert record["external_id"]
    assert time.monotonic() - started < 5


def test_the_number_of_entities_is_exactly_the_number_asked_for(data):
    """Every entity asked for exists and has at least one record; no other entity does."""
    assert len(data.entities) == 6000
    assert set(data.truth.values()) == set(data.entities)


def test_zero_entities_give_an_empty_dataset():
    """Asking for no customers gives no records."""
    dataset = generate(0)
    assert dataset.records == []
    assert dataset.truth == {}


def test_external_ids_are_unique_within_each_source_and_match_the_truth(data):
    """Each (source, external_id) occurs once, and the truth covers exactly the records."""
    keys = [(s, r["external_id"]) for s, r in data.records]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(data.truth)


def test_every_entity_appears_in_one_to_five_sources(data):
    """No entity is in more than the five sources; a good share is in several."""
    sources = collections.defaultdict(set)
    for key, entity in data.truth.items():
        sources[entity].add(key[0])
    counts = collections.Counter(len(s) for s in sources.values())
    assert set(counts) <= {1, 2, 3, 4, 5}
    assert counts[1] < 0.5 * len(sources)
    assert counts[5] > 0


def test_there_are_between_two_and_four_records_per_entity_on_average(data):
    """The record count is realistic for multi-source data (a million at 300,000 customers)."""
    assert 2.3 < len(data.records) / len(data.entities) < 4


def test_every_record_validates_against_the_generic_customer_schema(data):
    """The RecordValidator of crmkit accepts every generated record."""
    validator = RecordValidator(CustomerRecordSchema())
    for _source, record in data.records:
        validator.validate(record)


def test_persons_and_organisations_are_both_well_represented(data):
    """About three in five customers are people, the rest organisations and sole traders."""
    share = len(persons(data)) / len(data.entities)
    assert 0.5 < share < 0.75


# source habits --------------------------------------------------------------------------------


def test_sap_customer_numbers_are_ten_zero_padded_digits(data):
    """SAP ids look like 0000104523."""
    ids = [r["external_id"] for r in data.by_source("sap")]
    assert all(re.fullmatch(r"00\d{8}", i) for i in ids)


def test_1c_organisations_carry_legal_forms_and_inns_with_valid_check_digits(data):
    """1C firms are named with ООО/АО/ИП and their real INNs pass the stdnum check."""
    firms = [r for r in data.by_source("1c") if r["kind"] == "organization"]
    assert all(re.search(r"ООО|АО|ПАО|ЗАО|ИП", r["name"]) for r in firms)
    assert sum("«" in r["name"] for r in firms) > 0.5 * len(firms)
    inns = [r["identifiers"].get("inn") for r in firms]
    real = [i for i in inns if i and i not in PLACEHOLDERS]
    assert len(real) > 0.9 * len(firms)
    assert all(stdnum_inn.is_valid(i) for i in real)


def test_1c_phones_are_written_the_russian_way(data):
    """Most 1C phones look like 8 (495) 123-45-67 or +7 (495) 123-45-67."""
    phones = [p for r in data.by_source("1c") for p in r.get("phones") or ()]
    russian = [p for p in phones if re.fullmatch(r"(8|\+7) \(\d{3,4}\) [\d-]+", p)]
    assert len(russian) > 0.6 * len(phones)


def test_sap_names_are_transliterated_to_latin(data):
    """SAP holds names in Latin letters, in several transliteration systems."""
    names = [r["name"] for r in data.by_source("sap")]
    assert all(not re.search(r"[А-Яа-яЁё]", n) for n in names)
    spellings = {n.split()[0] for n in names if n.split()[0] in {"Iuliia", "Yulia", "Julia"}}
    assert len(spellings) >= 2


def test_some_sap_organisations_lack_an_inn(data):
    """About a third of SAP organisations have no INN."""
    firms = [r for r in data.by_source("sap") if r["kind"] == "organization"]
    missing = sum("inn" not in r["identifiers"] for r in firms) / len(firms)
    assert 0.2 < missing < 0.45


def test_shop_has_email_only_records_and_gmail_tags(data):
    """Some shop records hold only an e-mail; some gmail addresses carry a +tag."""
    shop = data.by_source("shop")
    only_email = [
        r for r in shop if set(r) <= {"external_id", "kind", "emails", "attributes", "updated_at"}
    ]
    assert len(only_email) > 0.03 * len(shop)
    emails = [e for r in shop for e in r.get("emails") or ()]
    assert any(re.search(r"\+\w+@gmail\.com", e) for e in emails)
    assert any(e != e.lower() for e in emails)


def test_pbx_records_hold_a_phone_and_at_most_a_caller_id(data):
    """Caller records carry one phone and maybe a name, nothing else that identifies."""
    for record in data.by_source("pbx"):
        assert len(record["phones"]) == 1
        assert set(record) <= {"external_id", "phones", "name", "attributes", "updated_at"}


def test_manual_entries_use_diminutives_and_both_name_orders(data):
    """Hand-typed names include diminutives and given-name-first order."""
    names = [r["name"] for r in data.by_source("manual")]
    assert any(re.match(r"(Саша|Маша|Дима|Женя|Катя|Лена|Таня|Юля|Миша|Ваня) ", n) for n in names)
    truth_names = {e.id: e.name for e in data.entities.values() if e.kind == "person"}
    swapped = 0
    for record in data.by_source("manual"):
        full = truth_names.get(entity_of(data, "manual", record))
        if full and record["name"].startswith(full.split()[1] + " "):
            swapped += 1
    assert swapped > 0.1 * len(names)


def test_guest_buyers_appear_in_the_shop_several_times_under_different_ids(data):
    """An entity tagged guest_repeat has two or more shop records."""
    per_entity = collections.Counter(entity_of(data, "shop", r) for r in data.by_source("shop"))
    repeaters = data.with_trap("guest_repeat")
    assert repeaters
    assert all(per_entity[e] >= 2 for e in repeaters)


# traps ----------------------------------------------------------------------------------------


def test_the_trap_tags_are_all_known_and_all_present(data):
    """Every trap of the documented list occurs in the data, and no other tag does."""
    seen = set().union(*(e.traps for e in data.entities.values()))
    assert seen == set(TRAPS)


def test_households_share_a_home_phone_across_different_people(data):
    """About a fifth of the people live in households whose home phone links different people."""
    household = data.with_trap("household")
    assert 0.1 < len(household) / len(persons(data)) < 0.3
    by_phone = values_by_entity(data, lambda _s, r: map(phone_key, r.get("phones") or ()))
    shared = {e for ents in by_phone.values() if len(ents) > 1 for e in ents}
    assert len(household & shared) > 0.25 * len(household)


def test_household_members_share_a_family_name(data):
    """Spouses read Петров/Петрова: one family-name stem across a household's people."""
    names = [data.entities[e].name for e in data.with_trap("household")]
    stems = collections.Counter(n.split()[0].removesuffix("а") for n in names)
    assert stems.most_common(1)[0][1] >= 2


def test_namesakes_have_one_full_name_and_nothing_else_in_common(data):
    """Namesake pairs exist (at least 1% of people) with the same name."""
    namesakes = data.with_trap("namesake")
    assert len(namesakes) > 0.01 * len(persons(data))
    names = collections.Counter(data.entities[e].name.rsplit(" ", 1)[0] for e in namesakes)
    assert sum(c >= 2 for c in names.values()) > 0.8 * len(namesakes) / 2


def test_firms_of_the_same_or_similar_name_have_different_inns(data):
    """Same-name firms make up a few percent of organisations, each with its own INN."""
    firms = data.with_trap("same_name_firm")
    assert 0.04 < len(firms) / len(organizations(data)) < 0.25
    by_inn = values_by_entity(
        data, lambda _s, r: [(r.get("identifiers") or {}).get("inn")] if r.get("kind") else []
    )
    for inn, ents in by_inn.items():
        if inn not in PLACEHOLDERS and stdnum_inn.is_valid(inn):
            assert len(ents) == 1, inn


def test_switchboards_are_shared_by_several_tenants_of_a_business_centre(data):
    """Some phone numbers appear in records of three or more different customers."""
    tenants = data.with_trap("business_centre")
    assert 0.03 < len(tenants & organizations(data)) / len(organizations(data)) < 0.2
    by_phone = values_by_entity(data, lambda _s, r: map(phone_key, r.get("phones") or ()))
    fanned_out = [ents for ents in by_phone.values() if len(ents) >= 3]
    assert fanned_out
    assert all(ents & tenants for ents in fanned_out if len(ents) >= 5)


def test_role_mailboxes_are_shared_across_firms(data):
    """A business centre's info@ or office@ mailbox appears for several different firms."""
    by_email = values_by_entity(
        data,
        lambda _s, r: [e.strip().lower() for e in r.get("emails") or () if e not in PLACEHOLDERS],
    )
    shared = {e: ents for e, ents in by_email.items() if len(ents) > 1 and e.startswith("info@bc-")}
    assert shared
    assert data.with_trap("shared_mailbox")


def test_branches_share_the_inn_and_are_the_same_entity(data):
    """1C branch counterparties carry the firm's INN and their own KPP, under one entity."""
    branch_records = [r for r in data.by_source("1c") if "филиал" in (r.get("name") or "")]
    assert branch_records
    heads = collections.defaultdict(set)
    for record in data.by_source("1c"):
        inn = record["identifiers"].get("inn") if record["kind"] == "organization" else None
        if inn and inn not in PLACEHOLDERS:
            heads[inn].add((entity_of(data, "1c", record), record["identifiers"].get("kpp")))
    multi_kpp = [v for v in heads.values() if len({k for _, k in v if k}) > 1]
    assert multi_kpp
    assert all(len({e for e, _ in v}) == 1 for v in multi_kpp)


def test_placeholder_values_appear_in_about_one_percent_of_records(data):
    """Placeholders such as 0000000000 and test@test.ru are in 0.5-3% of records."""

    def has_placeholder(record):
        values = [*(record.get("phones") or ()), *(record.get("emails") or ())]
        values += list((record.get("identifiers") or {}).values())
        return any(v in PLACEHOLDERS for v in values)

    share = sum(has_placeholder(r) for _, r in data.records) / len(data.records)
    assert 0.005 < share < 0.03
    assert any("test@test.ru" in (r.get("emails") or ()) for _, r in data.records)


def test_pbx_phone_only_people_are_linkable_by_a_phone_unique_to_them(data):
    """Their bare PBX number appears in another of their records and in no other entity's."""
    tagged = data.with_trap("pbx_phone_only")
    assert len(tagged) > 0.03 * len(persons(data))
    by_phone = values_by_entity(data, lambda _s, r: map(phone_key, r.get("phones") or ()))
    records = collections.defaultdict(list)
    for source, record in data.records:
        records[entity_of(data, source, record)].append((source, record))
    linkable = 0
    for entity in tagged:
        bare = [r for s, r in records[entity] if s == "pbx" and "name" not in r]
        own = [k for k in (phone_key(r["phones"][0]) for r in bare) if by_phone[k] == {entity}]
        assert own
        key = own[0]
        others = [r for s, r in records[entity] if s != "pbx"]
        linkable += any(key in map(phone_key, r.get("phones") or ()) for r in others)
    assert linkable > 0.5 * len(tagged)


# scoring --------------------------------------------------------------------------------------


def test_the_truth_scores_perfectly():
    """Predicting the true clusters gives precision, recall and F1 of 1."""
    dataset = generate(500, seed=2)
    assert dataset.pairwise_scores(dataset.clusters()) == (1.0, 1.0, 1.0)


def test_all_singletons_have_zero_recall():
    """Linking nothing finds no true pair (and claims no false one)."""
    dataset = generate(500, seed=2)
    precision, recall, f1 = dataset.pairwise_scores([[k] for k in dataset.truth])
    assert (precision, recall, f1) == (1.0, 0.0, 0.0)
    assert dataset.pairwise_scores([]) == (1.0, 0.0, 0.0)


def test_one_big_cluster_has_full_recall_and_poor_precision():
    """Merging everything finds every true pair among a flood of false ones."""
    dataset = generate(300, seed=2)
    precision, recall, _f1 = dataset.pairwise_scores([list(dataset.truth)])
    assert recall == 1.0
    assert precision < 0.05


def test_scores_count_pairs_like_the_explicit_pair_set():
    """pairwise_scores agrees with a brute-force count over true_pairs."""
    dataset = generate(200, seed=9)
    keys = sorted(dataset.truth)
    predicted = [keys[i : i + 3] for i in range(0, len(keys), 3)]
    pairs = {frozenset(p) for c in predicted for p in itertools.combinations(c, 2)}
    truth = dataset.true_pairs()
    expected_p = len(pairs & truth) / len(pairs)
    expected_r = len(pairs & truth) / len(truth)
    precision, recall, _ = dataset.pairwise_scores(predicted)
    assert precision == pytest.approx(expected_p)
    assert recall == pytest.approx(expected_r)


def test_a_record_in_two_predicted_clusters_is_an_error():
    """Clusters must be disjoint."""
    truth = {("a", "1"): "x", ("a", "2"): "x"}
    with pytest.raises(ValueError, match="more than one predicted cluster"):
        pairwise_scores(truth, [[("a", "1")], [("a", "1"), ("a", "2")]])


# transliteration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ("icao", "Iuliia Vorobeva"),
        ("bgn", "Yuliya Vorobyova"),
        ("popular", "Yulia Vorobyova"),
        ("german", "Julija Worobjowa"),
    ],
)
def test_transliteration_systems_spell_one_name_differently(system, expected):
    """Юлия Воробьёва comes out as each system writes it."""
    assert transliterate("Юлия Воробьёва", system) == expected


def test_an_unknown_transliteration_system_is_refused():
    """Only the four documented systems exist."""
    with pytest.raises(ValueError, match="unknown transliteration system"):
        transliterate("Юлия", "klingon")
