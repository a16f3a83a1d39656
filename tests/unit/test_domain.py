"""The domain model: money, UTC times, identities, party facts and the golden customer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from crmkit.domain import (
    Address,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerKind,
    DeadLetter,
    Identity,
    IngestOutcome,
    Interaction,
    Money,
    Order,
    OrderEvent,
    OrderLine,
    PartyFacts,
    SourceRecord,
    ensure_utc,
    utc_now,
)

MOSCOW = dt.timezone(dt.timedelta(hours=3))


# Money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("12.30", Decimal("12.30")), (12, Decimal(12)), (Decimal("0.10"), Decimal("0.10"))],
)
def test_money_keeps_an_exact_decimal_amount(amount, expected):
    """Strings, ints and Decimals become an exact Decimal, trailing zeros included."""
    money = Money(amount, "RUB")
    assert isinstance(money.amount, Decimal)
    assert money.amount == expected
    assert str(money.amount) == str(expected)


def test_money_refuses_floats():
    """A float amount is refused: 0.1 has no exact binary form."""
    with pytest.raises(TypeError, match="must not be floats"):
        Money(0.1, "RUB")  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["abc", "", "NaN", "Infinity", "-inf"])
def test_money_refuses_amounts_that_are_not_finite_decimals(amount):
    """Text that is no number, NaN and infinities are refused with the value named."""
    with pytest.raises(ValueError, match="amount"):
        Money(amount, "RUB")


def test_money_upper_cases_the_currency_code():
    """A lower-case ISO code is accepted and stored upper-case."""
    assert Money("1", "eur").currency == "EUR"


@pytest.mark.parametrize("currency", ["RUBL", "RU", "", "R1B", "руб", "US D"])
def test_money_refuses_currency_codes_that_are_not_iso_4217_shaped(currency):
    """The currency must be three Latin letters; the error names the bad code."""
    with pytest.raises(ValueError, match="ISO 4217"):
        Money("1", currency)


def test_money_adds_amounts_of_the_same_currency_exactly():
    """0.10 + 0.20 is exactly 0.30 in the same currency."""
    total = Money("0.10", "RUB") + Money("0.20", "RUB")
    assert total == Money("0.30", "RUB")
    assert str(total) == "0.30 RUB"


def test_adding_money_of_different_currencies_fails():
    """Roubles and euros do not add up; the error names both currencies."""
    with pytest.raises(ValueError, match="cannot add EUR to RUB"):
        _ = Money("1", "RUB") + Money("1", "EUR")


def test_adding_a_plain_number_to_money_is_a_type_error():
    """Money + int is not defined: the currency would be lost."""
    with pytest.raises(TypeError):
        _ = Money("1", "RUB") + 1  # type: ignore[operator]


def test_money_is_immutable():
    """Money is a value object: its amount cannot be reassigned."""
    money = Money("1", "RUB")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        money.amount = Decimal(2)  # type: ignore[misc]


def test_an_order_line_total_is_quantity_times_unit_price():
    """3 × 19.99 RUB is exactly 59.97 RUB."""
    line = OrderLine(sku="A-1", name="Widget", quantity="3", price=Money("19.99", "RUB"))
    assert line.total == Money("59.97", "RUB")


# times ------------------------------------------------------------------------------------


def test_ensure_utc_refuses_naive_datetimes():
    """A datetime without a zone is refused rather than guessed."""
    with pytest.raises(ValueError, match="naive datetime 2024-05-01T12:00:00 has no timezone"):
        ensure_utc(dt.datetime(2024, 5, 1, 12, 0))  # noqa: DTZ001 - naive on purpose


def test_ensure_utc_converts_aware_datetimes_to_utc():
    """Noon in Moscow (UTC+3) is 09:00 UTC, and the result's zone is UTC."""
    result = ensure_utc(dt.datetime(2024, 5, 1, 12, 0, tzinfo=MOSCOW))
    assert result == dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)
    assert result.utcoffset() == dt.timedelta(0)
    assert result.tzinfo is dt.UTC


def test_utc_now_is_aware_and_in_utc():
    """utc_now() never returns a naive datetime."""
    now = utc_now()
    assert now.tzinfo is not None
    assert now.utcoffset() == dt.timedelta(0)


def test_domain_objects_with_times_refuse_naive_datetimes():
    """Interactions, orders and order events all refuse naive times."""
    naive = dt.datetime(2024, 5, 1, 12, 0)  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValueError, match="naive"):
        Interaction("pbx", "c-1", "phone", "in", naive)
    with pytest.raises(ValueError, match="naive"):
        Order("shop", "o-1", naive, Money("1", "RUB"))
    with pytest.raises(ValueError, match="naive"):
        OrderEvent("shop", "e-1", Identity("shop", "o-1"), "paid", naive)


def test_an_order_event_stores_its_time_in_utc():
    """An event stamped in Moscow time is kept as the same instant in UTC."""
    event = OrderEvent(
        "shop", "e-1", Identity("shop", "o-1"), "shipped", dt.datetime(2024, 5, 1, 3, tzinfo=MOSCOW)
    )
    assert event.occurred_at == dt.datetime(2024, 5, 1, 0, tzinfo=dt.UTC)
    assert event.occurred_at.tzinfo is dt.UTC


def test_an_order_event_refuses_an_unknown_status():
    """Only the documented order statuses exist."""
    with pytest.raises(ValueError, match="teleported"):
        OrderEvent("shop", "e-1", Identity("shop", "o-1"), "teleported", utc_now())


# identities -------------------------------------------------------------------------------


def test_identity_parse_splits_source_from_external_id():
    """SOURCE/EXTERNAL_ID parses into its two parts and prints back the same way."""
    identity = Identity.parse("sap/0000123")
    assert identity == Identity("sap", "0000123")
    assert str(identity) == "sap/0000123"


def test_identity_parse_keeps_slashes_inside_the_external_id():
    """Only the first slash separates: 1C ids such as 'Контрагенты/00-123' survive."""
    identity = Identity.parse("1c/Контрагенты/00-123")
    assert identity.source == "1c"
    assert identity.external_id == "Контрагенты/00-123"


@pytest.mark.parametrize("text", ["sap", "", "no-separator-here"])
def test_identity_parse_refuses_text_without_a_slash(text):
    """Text without a slash is refused with the expected shape in the message."""
    with pytest.raises(ValueError, match="SOURCE/EXTERNAL_ID"):
        Identity.parse(text)


@pytest.mark.parametrize("text", ["/123", "sap/", " / "])
def test_identity_parse_refuses_an_empty_part(text):
    """Both the source and the external id must be non-blank."""
    with pytest.raises(ValueError, match="Length of"):
        Identity.parse(text)


def test_identity_strips_white_space_and_compares_by_value():
    """' sap ' and 'sap' name the same source."""
    assert Identity(" sap ", " 42 ") == Identity("sap", "42")
    assert len({Identity("sap", "42"), Identity("sap ", "42")}) == 1


# party facts ------------------------------------------------------------------------------


def test_display_name_prefers_the_name():
    """The record's name wins over every other name it gives."""
    facts = PartyFacts(external_id="1", name="ООО «Ромашка»", given_name="Иван", contact_name="x")
    assert facts.display_name() == "ООО «Ромашка»"


def test_display_name_joins_given_and_family_name_without_a_name():
    """Given and family names make the display name when there is no name."""
    assert PartyFacts(external_id="1", given_name="Иван", family_name="Петров").display_name() == (
        "Иван Петров"
    )
    assert PartyFacts(external_id="1", family_name="Петров").display_name() == "Петров"


def test_display_name_falls_back_to_the_contact_name_then_the_external_id():
    """A record with no names at all is still shown by its contact, then by its id."""
    assert PartyFacts(external_id="1", contact_name="Анна").display_name() == "Анна"
    assert PartyFacts(external_id=" 42 ").display_name() == "42"


def test_party_facts_turn_lists_into_tuples_and_strip_the_external_id():
    """Lists become tuples (so facts are hashable values) and the id is trimmed."""
    facts = PartyFacts(external_id=" 7 ", phones=["1", "2"], emails=["a@b.c"], kind="person")
    assert facts.external_id == "7"
    assert facts.phones == ("1", "2")
    assert facts.emails == ("a@b.c",)
    assert facts.kind is CustomerKind.PERSON


def test_party_facts_refuse_a_blank_external_id():
    """An external id of white space only is no id."""
    with pytest.raises(ValueError, match="Length of"):
        PartyFacts(external_id="   ")


def test_party_facts_store_updated_at_in_utc_and_refuse_naive_times():
    """updated_at goes through ensure_utc."""
    facts = PartyFacts(external_id="1", updated_at=dt.datetime(2024, 1, 1, 3, tzinfo=MOSCOW))
    assert facts.updated_at == dt.datetime(2024, 1, 1, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="naive"):
        PartyFacts(external_id="1", updated_at=dt.datetime(2024, 1, 1))  # noqa: DTZ001


def test_party_facts_refuse_an_unknown_kind():
    """A party is a person, an organization, or of unknown kind."""
    with pytest.raises(ValueError, match="robot"):
        PartyFacts(external_id="1", kind="robot")


# addresses and contact points -------------------------------------------------------------


def test_address_one_line_runs_from_postcode_to_street_and_skips_gaps():
    """Empty parts are left out of the one-line form."""
    address = Address(line="ул. Ленина, 1", city="Москва", postcode="101000", country="RU")
    assert address.one_line() == "101000, RU, Москва, ул. Ленина, 1"
    assert not address.is_empty()
    assert Address().is_empty()
    assert Address(city="").is_empty()


def test_a_contact_point_without_a_value_is_invalid_but_keeps_its_raw_text():
    """An unparseable phone is kept raw with the reason, and is not valid."""
    point = ContactPoint("phone", "call me", None, "not a phone number")
    assert point.kind is ContactKind.PHONE
    assert not point.valid
    assert point.raw == "call me"
    assert ContactPoint("phone", "8 495 123-45-67", "+74951234567").valid


# customer ---------------------------------------------------------------------------------


def make_customer() -> Customer:
    """Return a customer with valid and invalid phones and e-mails and a web site."""
    return Customer(
        id=0,
        kind="organization",
        name="ООО «Ромашка»",
        identities=[Identity("sap", "1"), Identity("1c", "00-1")],
        contact_points=[
            ContactPoint("phone", "8 (495) 123-45-67", "+74951234567"),
            ContactPoint("email", "Info@Romashka.RU", "info@romashka.ru"),
            ContactPoint("phone", "call me", None, "not a phone number"),
            ContactPoint("website", "romashka.ru", "romashka.ru"),
            ContactPoint("phone", "+7 812 000-00-00", "+78120000000"),
            ContactPoint("email", "nope", None, "not an e-mail address"),
        ],
    )


def test_customer_phones_lists_only_usable_phones_in_order():
    """Invalid phones, e-mails and web sites are left out of phones()."""
    assert make_customer().phones() == ["+74951234567", "+78120000000"]


def test_customer_emails_lists_only_usable_emails():
    """Invalid e-mails and phones are left out of emails()."""
    assert make_customer().emails() == ["info@romashka.ru"]


def test_customer_converts_kind_and_sequences():
    """The kind becomes the enum; identities and contact points become tuples."""
    customer = make_customer()
    assert customer.kind is CustomerKind.ORGANIZATION
    assert isinstance(customer.identities, tuple)
    assert isinstance(customer.contact_points, tuple)


# records ----------------------------------------------------------------------------------


def test_a_source_record_falls_back_to_its_payload_as_the_record_json():
    """When the payload already is the record, record_json() is the payload."""
    common = {
        "source": "shop",
        "stream": "customers",
        "external_id": "1",
        "version": 1,
        "payload_hash": "0" * 32,
        "received_at": utc_now(),
    }
    assert SourceRecord(payload='{"a": 1}', **common).record_json() == '{"a": 1}'
    mapped = SourceRecord(payload="<xml/>", record='{"external_id": "1"}', **common)
    assert mapped.record_json() == '{"external_id": "1"}'


def test_a_dead_letter_refuses_an_unknown_stream():
    """Dead letters belong to one of the four streams."""
    with pytest.raises(ValueError, match="contracts"):
        DeadLetter("shop", "contracts", "{}", "bad")


def test_ingest_outcomes_add_up_and_count_stored_versions():
    """Stored counts are new + changed; add() sums every count."""
    total = IngestOutcome(read=3, new=1, changed=1, unchanged=1)
    total.add(IngestOutcome(read=2, new=1, dead_lettered=1))
    assert (total.read, total.new, total.changed, total.unchanged, total.dead_lettered) == (
        5,
        2,
        1,
        1,
        1,
    )
    assert total.stored == 3
