"""The built-in normalisers, called through a plugin manager, and the Normalizer on top."""

from __future__ import annotations

import gc
import weakref

import pytest

from crmkit.domain import Address, ContactKind, PartyFacts
from crmkit.hookspecs import hookimpl
from crmkit.identity.normalize import Normalizer
from crmkit.plugins import direct_call, get_plugin_manager


@pytest.fixture(scope="module")
def hook():
    """Return the hook relay of a plugin manager with the built-ins only."""
    return get_plugin_manager(entrypoints=False).hook


# phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["8 (495) 123-45-67", "+7 495 1234567", "74951234567", "+7 (495) 123 45 67", "84951234567"],
)
def test_russian_phones_in_every_spelling_become_one_e164_number(hook, raw):
    """The same Moscow number, however written, is +74951234567 with region RU."""
    assert hook.normalize_phone(raw=raw, region="RU") == "+74951234567"


def test_a_phone_with_a_country_code_needs_no_region(hook):
    """A number written with + and its country code is normalised without a region."""
    assert hook.normalize_phone(raw="+49 30 901820", region=None) == "+4930901820"


def test_a_phone_without_a_country_code_and_no_region_is_refused_with_the_reason(hook):
    """Without a country code or a default region crmkit cannot guess the country."""
    with pytest.raises(ValueError, match="no valid country code, and the source names no default"):
        hook.normalize_phone(raw="8 (495) 123-45-67", region=None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("call me", "not a phone number"),
        ("123", "not a valid phone number for region RU"),
        ("8 (495) 123-45-67-89-00-11-22", "not a valid phone number|too long"),
    ],
)
def test_text_that_is_no_valid_phone_is_refused_with_the_reason(hook, raw, reason):
    """Unparseable or impossible numbers raise ValueError saying why."""
    with pytest.raises(ValueError, match=reason):
        hook.normalize_phone(raw=raw, region="RU")


# e-mails ----------------------------------------------------------------------------------


def test_emails_are_trimmed_and_lower_cased(hook):
    """White space around an address goes, and the whole address is lower-cased."""
    assert hook.normalize_email(raw="  Ivan.Petrov@Example.COM \t") == "ivan.petrov@example.com"


@pytest.mark.parametrize("raw", ["ivan", "ivan@", "@example.com", "ivan@localhost", "a b@c.de"])
def test_text_that_is_no_email_address_is_refused(hook, raw):
    """Text without a user, a domain with a dot, or with spaces is no e-mail address."""
    with pytest.raises(ValueError, match="not an e-mail address"):
        hook.normalize_email(raw=raw)


# identifiers ------------------------------------------------------------------------------


def test_a_valid_inn_is_returned_compact(hook):
    """7707083893 (a real organisation's INN) passes its checksum; spaces are dropped."""
    assert hook.normalize_identifier(kind="inn", raw="7707083893", country=None) == "7707083893"
    assert hook.normalize_identifier(kind="INN", raw=" 7707 083 893 ", country=None) == (
        "7707083893"
    )


def test_an_inn_with_a_bad_checksum_is_refused_naming_inn(hook):
    """7707083894 differs in the check digit; the error names the INN."""
    with pytest.raises(ValueError, match="invalid INN"):
        hook.normalize_identifier(kind="inn", raw="7707083894", country=None)


def test_a_twelve_digit_personal_inn_is_checked_too(hook):
    """Individuals' 12-digit INNs have two check digits."""
    assert hook.normalize_identifier(kind="inn", raw="500100732259", country=None) == (
        "500100732259"
    )
    with pytest.raises(ValueError, match="INN"):
        hook.normalize_identifier(kind="inn", raw="500100732258", country=None)


def test_a_vat_number_is_checked_by_its_country_prefix(hook):
    """DE136695976 is a valid German VAT number, also when written with spaces."""
    assert hook.normalize_identifier(kind="vat", raw="DE 136 695 976", country=None) == (
        "DE136695976"
    )
    with pytest.raises(ValueError, match="invalid VAT"):
        hook.normalize_identifier(kind="vat", raw="DE136695977", country=None)


def test_kpp_and_ogrn_are_checked_as_russian_identifiers(hook):
    """KPP and OGRN are known Russian kinds; a broken OGRN checksum is refused."""
    assert hook.normalize_identifier(kind="kpp", raw="773601001", country=None) == "773601001"
    assert hook.normalize_identifier(kind="ogrn", raw="1027700132195", country=None) == (
        "1027700132195"
    )
    with pytest.raises(ValueError, match="OGRN"):
        hook.normalize_identifier(kind="ogrn", raw="1027700132194", country=None)


def test_unknown_identifier_kinds_pass_through_trimmed(hook):
    """An identifier crmkit does not know is kept as written, only trimmed."""
    assert hook.normalize_identifier(kind="loyalty_card", raw="  AB-0042 ", country=None) == (
        "AB-0042"
    )
    assert hook.normalize_identifier(kind="passport", raw=" 45 06 ", country="ru") == "45 06"


# names and addresses ----------------------------------------------------------------------


def test_normalize_name_case_folds_and_maps_yo_to_ye(hook):
    """'Ёлкин' and 'елкин' are the same name for matching."""
    assert hook.normalize_name(name="Ёлкин", kind="person") == "елкин"
    assert hook.normalize_name(name="ЁЛКИН", kind=None) == hook.normalize_name(
        name="елкин", kind=None
    )


def test_normalize_name_turns_punctuation_into_single_spaces(hook):
    """Quotes, commas and runs of spaces do not matter for matching."""
    assert hook.normalize_name(name='  ООО  «Ромашка», "Москва" ', kind="organization") == (
        "ооо ромашка москва"
    )


def test_normalize_name_case_folds_beyond_lower_case(hook):
    """Case folding maps the German ß to ss, which lower() would not."""
    assert hook.normalize_name(name="Straße", kind=None) == "strasse"


def test_a_name_of_punctuation_only_has_no_key(hook):
    """A name with no letters or digits gives None, not an empty key."""
    assert hook.normalize_name(name="— ! —", kind=None) is None


def test_normalize_address_collapses_white_space_and_upper_cases_the_country(hook):
    """Parts are trimmed and inner runs of spaces collapsed; blank parts become None."""
    address = Address(line="  ул.  Ленина,   1 ", city=" Москва ", region="  ", country=" ru ")
    assert hook.normalize_address(address=address) == Address(
        line="ул. Ленина, 1", city="Москва", region=None, country="RU"
    )


# the Normalizer ---------------------------------------------------------------------------


def test_the_normalizer_turns_a_phone_into_a_valid_contact_point(hook):
    """A parseable phone gets its E.164 value and keeps the raw text."""
    point = Normalizer(hook).contact(ContactKind.PHONE, "8 (495) 123-45-67", "RU")
    assert (point.value, point.raw, point.problem, point.valid) == (
        "+74951234567",
        "8 (495) 123-45-67",
        None,
        True,
    )


def test_the_normalizer_flags_an_unusable_phone_instead_of_failing(hook):
    """An unparseable phone is kept raw, invalid, with the hook's reason."""
    point = Normalizer(hook).contact(ContactKind.PHONE, "8 (495) 123-45-67", None)
    assert point.raw == "8 (495) 123-45-67"
    assert point.value is None
    assert not point.valid
    assert "no valid country code" in point.problem


def test_the_normalizer_flags_what_no_plugin_can_normalise():
    """With no normalize_email implementation at all, the address is flagged, not dropped."""
    pm = get_plugin_manager(entrypoints=False)
    pm.unregister(name="crmkit.builtins.normalizers")
    point = Normalizer(pm.hook).contact(ContactKind.EMAIL, "ivan@example.com")
    assert point.value is None
    assert point.problem == "no plugin could normalise this email"


def test_the_normalizer_keeps_a_bad_identifier_out_and_reports_it(hook):
    """A bad INN is left out of the identifiers and named in the problems."""
    value, problem = Normalizer(hook).identifier("inn", "7707083894", None)
    assert value is None
    assert "invalid INN" in problem


def test_normalizing_facts_collects_every_problem_and_keeps_the_good_values(hook):
    """Good values are normalised; bad ones are kept raw and reported, nothing is lost."""
    facts = PartyFacts(
        external_id="1",
        kind="organization",
        name="ООО «Ёлка»",
        phones=["8 (495) 123-45-67", "call me"],
        emails=[" Info@Elka.RU ", "nope"],
        website=" elka.ru ",
        identifiers={"INN": "7707083893", "kpp": "773601001", "ogrn": "1027700132194"},
        addresses=[Address(city=" Москва "), Address()],
    )
    normal = Normalizer(hook).facts(facts, region="RU")
    assert [(p.kind.value, p.raw, p.value) for p in normal.contact_points] == [
        ("phone", "8 (495) 123-45-67", "+74951234567"),
        ("phone", "call me", None),
        ("email", " Info@Elka.RU ", "info@elka.ru"),
        ("email", "nope", None),
        ("website", " elka.ru ", "elka.ru"),
    ]
    assert normal.identifiers == {"inn": "7707083893", "kpp": "773601001"}
    assert normal.addresses == (Address(city="Москва"),)
    assert normal.name_key == "ооо елка"
    assert len(normal.problems) == 3
    assert normal.problems[0] == "phone 'call me': not a phone number"
    assert normal.problems[1] == "email 'nope': not an e-mail address"
    assert normal.problems[2].startswith("identifier ogrn '1027700132194': invalid OGRN")


# the cached normaliser --------------------------------------------------------------------


class CountingPhones:
    """A plugin normalising phones (before the built-in one), counting its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    @hookimpl
    def normalize_phone(self, raw: str, region: str | None) -> str | None:
        """Return ``raw`` as ``tel:<digits>``, refusing numbers without digits."""
        self.calls.append((raw, region))
        digits = "".join(ch for ch in raw if ch.isdigit())
        if not digits:
            raise ValueError("no digits")
        return f"tel:{digits}"


def test_the_cached_normalizer_gives_what_the_normalizer_gives(hook):
    """On generated records, cached and uncached normal forms are equal."""
    from crmkit.schemas import CustomerRecordSchema, RecordValidator
    from crmkit.testing.messy import iter_records

    validator = RecordValidator(CustomerRecordSchema())
    plain, cached = Normalizer(hook), Normalizer(hook).cached(maxsize=64)
    for _, record in iter_records(300, seed=5):
        facts = validator.load(record)
        for region in ("RU", None):
            assert cached.facts(facts, region) == plain.facts(facts, region)


def test_the_cached_normalizer_asks_a_plugin_once_per_distinct_value():
    """A plugin's own normaliser is honoured, and each value reaches it once."""
    pm = get_plugin_manager(entrypoints=False)
    plugin = CountingPhones()
    pm.register(plugin)
    normalizer = Normalizer(pm.hook).cached()
    facts = PartyFacts("1", phones=("8 495 123", "8 495 123", "none"))
    first = normalizer.facts(facts, "RU")
    second = normalizer.facts(facts, "RU")
    assert [p.value for p in first.contact_points] == ["tel:8495123", "tel:8495123", None]
    assert second == first
    assert first.problems == ("phone 'none': no digits",)
    assert plugin.calls == [("8 495 123", "RU"), ("none", "RU")]


def test_the_cached_normalizer_forgets_beyond_its_size(hook):
    """The caches are bounded: the least recently used values are asked again."""
    plugin = CountingPhones()
    pm = get_plugin_manager(entrypoints=False)
    pm.register(plugin)
    normalizer = Normalizer(pm.hook).cached(maxsize=2)
    for raw in ("1", "2", "3", "1"):
        normalizer.contact(ContactKind.PHONE, raw, "RU")
    assert [raw for raw, _ in plugin.calls] == ["1", "2", "3", "1"]
    assert normalizer.cached(maxsize=2) is normalizer


def test_a_hook_with_one_plain_implementation_is_called_directly(hook):
    """direct_call gives what the hook gives, errors included, without pluggy's dispatch."""
    phone = direct_call(hook.normalize_phone)
    assert phone is not hook.normalize_phone
    assert phone(raw="8 (495) 123-45-67", region="RU") == hook.normalize_phone(
        raw="8 (495) 123-45-67", region="RU"
    )
    with pytest.raises(ValueError, match="not a phone number"):
        phone(raw="abc", region="RU")


class PhoneWrapper:
    """A hook wrapper around the phone normalisers, marking their results."""

    @hookimpl(wrapper=True)
    def normalize_phone(self):
        """Return the inner result with a mark (a hook wrapper may take no arguments)."""
        result = yield
        return f"{result}!"


def test_a_hook_with_a_wrapper_or_several_implementations_goes_through_pluggy():
    """Wrappers and other plugins' implementations are honoured by the cached normaliser."""
    pm = get_plugin_manager(entrypoints=False)
    pm.register(PhoneWrapper())
    assert direct_call(pm.hook.normalize_phone) is pm.hook.normalize_phone
    point = Normalizer(pm.hook).cached().contact(ContactKind.PHONE, "+7 495 1234567", "RU")
    assert point.value == "+74951234567!"


def test_a_cached_normalizer_and_its_values_go_as_soon_as_the_run_drops_it(hook):
    """No reference cycle: reference counting alone frees the normaliser and its caches."""
    cached = Normalizer(hook).cached()
    cached.contact(ContactKind.PHONE, "8 (495) 123-45-67", "RU")
    gone = weakref.ref(cached)
    gc.disable()
    try:
        del cached
        assert gone() is None
    finally:
        gc.enable()
