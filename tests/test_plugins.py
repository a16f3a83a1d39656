"""Every hook, exercised by a real plugin; and how crmkit loads, guards and reports plugins.

Each ``test_hook_<name>`` registers a small plugin (a module in ``tests/plugins/`` or a
class defined here) and shows that crmkit calls it and uses its answer. A meta-test keeps
this module in step with ``crmkit/hookspecs.py``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import crmkit
import crmkit.cli
from crmkit.card import build_card
from crmkit.domain import Address, ContactKind, PartyFacts, SourceRecord
from crmkit.errors import PluginError
from crmkit.identity.normalize import Normalizer
from crmkit.plugins import PluginProblem, collect_adapters, get_plugin_manager

PLUGINS_DIR = Path(__file__).parent / "plugins"
MEMORY = "sqlite:///:memory:"


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    """Run every test without the plugin switches a developer may have set."""
    for name in ("CRMKIT_LOAD_PLUGINS", "CRMKIT_TRACE_PLUGINS", "CRMKIT_STRICT_PLUGINS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fixture_plugin(monkeypatch):
    """Return ``load(name)``: import a plugin module from ``tests/plugins/``."""
    monkeypatch.syspath_prepend(str(PLUGINS_DIR))
    return importlib.import_module


@pytest.fixture
def open_crm():
    """Return ``open_crm(*plugins)``: crmkit on an in-memory database, closed afterwards."""
    opened = []

    def open_(*plugins):
        crm = crmkit.open(MEMORY, entrypoints=False, plugins=plugins)
        opened.append(crm)
        return crm

    yield open_
    for crm in opened:
        crm.close()


@pytest.fixture
def cli_group():
    """Return crmkit's click group, with any commands tests add removed afterwards."""
    before = dict(crmkit.cli.cli.commands)
    yield crmkit.cli.cli
    crmkit.cli.cli.commands.clear()
    crmkit.cli.cli.commands.update(before)


def only_customer(crm, source, external_id):
    """Return the customer made from one source record."""
    [customer] = crm.find_customers(identity=(source, external_id))
    return customer


class Observer:
    """Collects what the observer hooks are told."""

    def __init__(self):
        self.batches = []
        self.created = []

    @crmkit.hookimpl
    def records_ingested(self, source, stream, records):
        """Remember each batch."""
        self.batches.append((source, stream, list(records)))

    @crmkit.hookimpl
    def customer_created(self, customer):
        """Remember each new customer."""
        self.created.append(customer)


# one test per hook ------------------------------------------------------------------------


def test_hook_register_adapters(fixture_plugin, open_crm):
    """A plugin's adapter appears next to the built-ins and imports records end to end."""
    plugin = fixture_plugin("crmkit_fixture_adapters")
    adapters = collect_adapters(get_plugin_manager(entrypoints=False, extra=(plugin,)))
    assert adapters["fixture-static"] is plugin.StaticAdapter
    assert {"jsonl", "csv"} <= set(adapters)

    crm = open_crm(plugin)
    adapter = crm.adapter("fixture-static", "crm-sheet", {"names": ["Иван Петров", "Ольга"]})
    outcome = crm.import_from(adapter)
    assert (outcome.read, outcome.new) == (2, 2)
    assert only_customer(crm, "crm-sheet", "2").name == "Ольга"


def test_hook_register_commands(fixture_plugin, cli_group):
    """A plugin's click command runs through the crmkit command line."""
    pm = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_adapters"),))
    cli = crmkit.cli.build_cli(pm)
    result = CliRunner().invoke(cli, ["fixture-hello", "Ivan"], obj=pm)
    assert result.exit_code == 0, result.output
    assert result.output == "hello, Ivan, from the fixture plugin\n"


def test_a_cli_built_without_a_plugin_does_not_offer_its_commands(fixture_plugin, cli_group):
    """Two plugin managers in one process get two command lines."""
    with_plugin = get_plugin_manager(
        entrypoints=False, extra=(fixture_plugin("crmkit_fixture_adapters"),)
    )
    crmkit.cli.build_cli(with_plugin)
    without = get_plugin_manager(entrypoints=False)
    result = CliRunner().invoke(crmkit.cli.build_cli(without), ["fixture-hello", "x"], obj=without)
    assert result.exit_code != 0
    assert "No such command" in result.output


def test_hook_normalize_phone(fixture_plugin, open_crm):
    """The plugin's answer wins; numbers it does not know fall through to the built-in."""
    crm = open_crm(fixture_plugin("crmkit_fixture_locale"))
    crm.ingest_customers(
        "shop", [{"external_id": "1", "phones": ["916 123-45-67", "+7 (495) 123-45-67"]}]
    )
    customer = only_customer(crm, "shop", "1")
    assert customer.phones() == ["+79161234567", "+74951234567"]
    assert customer.problems == ()
    assert crm.find_customers(phone="+79161234567") == [customer]


def test_the_built_in_phone_normaliser_alone_flags_what_the_plugin_reads(open_crm):
    """Without the locale plugin the same number is flagged: the plugin made the difference."""
    crm = open_crm()
    crm.ingest_customers("shop", [{"external_id": "1", "phones": ["916 123-45-67"]}])
    customer = only_customer(crm, "shop", "1")
    assert customer.phones() == []
    assert customer.problems == (
        "phone '916 123-45-67': no valid country code, and the source names no default region",
    )


def test_hook_normalize_email(fixture_plugin, open_crm):
    """Gmail addresses are folded by the plugin; other domains by the built-in."""
    crm = open_crm(fixture_plugin("crmkit_fixture_locale"))
    crm.ingest_customers(
        "shop", [{"external_id": "1", "emails": ["Ivan.Petrov+shop@GMail.com", " Ivan@Mail.RU"]}]
    )
    customer = only_customer(crm, "shop", "1")
    assert customer.emails() == ["ivanpetrov@gmail.com", "ivan@mail.ru"]
    assert crm.find_customers(email="ivan.petrov@gmail.com") == [customer]


def test_hook_normalize_identifier(fixture_plugin, open_crm):
    """The plugin compacts OKPO codes and its ValueError flags a bad one."""
    crm = open_crm(fixture_plugin("crmkit_fixture_locale"))
    crm.ingest_customers(
        "erp",
        [
            {"external_id": "1", "identifiers": {"okpo": "0019-6352", "inn": "7707083893"}},
            {"external_id": "2", "identifiers": {"okpo": "12"}},
        ],
    )
    good = only_customer(crm, "erp", "1")
    assert good.identifiers == {"okpo": "00196352", "inn": "7707083893"}
    bad = only_customer(crm, "erp", "2")
    assert bad.identifiers == {}
    assert bad.problems == ("identifier okpo '12': OKPO must have 8 or 10 digits, got 2",)
    assert crm.find_customers(identifier=("okpo", "00 19 63 52")) == [good]


class ClubKinds:
    """Registers a club number (unchecked) and a member id (checked), then a bad kind."""

    @crmkit.hookimpl
    def register_identifier_kinds(self, register):
        """Declare ``club_no``, a checked ``member_id`` and an empty, refused kind."""
        register("club_no")
        register(" Member_ID ", checked=True)
        register("")


def kinds_of_customers(crm):
    """Return every customer's identities, sorted."""
    return sorted(sorted(str(i) for i in c.identities) for c in crm.customers())


def test_hook_register_identifier_kinds(open_crm):
    """A registered kind links records on its own; a checked one keeps two values apart."""
    anna = [
        {"external_id": "b-1", "name": "Анна", "emails": ["anna.s@mail.ru"],
         "identifiers": {"club_no": "5127"}},
        {"external_id": "r-1", "name": "Смирнова А. В.", "phones": ["+7 916 200-30-40"],
         "identifiers": {"club_no": "5127"}},
    ]  # fmt: skip
    petr = [
        {"external_id": f"p-{n}", "name": "Иванов Пётр Сергеевич", "phones": ["+7 916 555-12-34"],
         "identifiers": {"member_id": member}}
        for n, member in ((1, "A-1"), (2, "B-2"))
    ]  # fmt: skip
    plain, plugged = open_crm(), open_crm(ClubKinds())
    for crm in (plain, plugged):
        crm.ingest_customers("shop", anna, resolve=False)
        crm.ingest_customers("pos", petr)
    assert kinds_of_customers(plain) == [["pos/p-1", "pos/p-2"], ["shop/b-1"], ["shop/r-1"]]
    assert kinds_of_customers(plugged) == [["pos/p-1"], ["pos/p-2"], ["shop/b-1", "shop/r-1"]]
    kinds = plugged.identifier_kinds()
    assert {"club_no", "member_id", "inn"} <= kinds.strong
    assert "member_id" in kinds.checked
    assert "club_no" not in kinds.checked
    [problem] = plugged.pm.problems
    assert problem.hook == "register_identifier_kinds"
    assert problem.error.endswith("not an identifier kind: ''")


def test_hook_normalize_name(fixture_plugin):
    """The plugin's key drops the legal form for organisations; persons use the built-in."""
    pm = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_locale"),))
    normalizer = Normalizer(pm.hook)
    org = PartyFacts(external_id="1", kind="organization", name="ООО «Ёлка»")
    person = PartyFacts(external_id="2", kind="person", name="Ёлкин Иван")
    assert normalizer.facts(org).name_key == "елка"
    assert normalizer.facts(person).name_key == "елкин иван"


def test_hook_normalize_address(fixture_plugin, open_crm):
    """The plugin expands 'ул.'; an address without it is cleaned by the built-in."""
    crm = open_crm(fixture_plugin("crmkit_fixture_locale"))
    crm.ingest_customers(
        "shop",
        [
            {
                "external_id": "1",
                "addresses": [
                    {"line": "ул. Ленина, 1", "city": "Москва"},
                    {"line": "  пр-т  Мира,  5 ", "country": "ru"},
                ],
            }
        ],
    )
    assert only_customer(crm, "shop", "1").addresses == (
        Address(line="улица Ленина, 1", city="Москва"),
        Address(line="пр-т Мира, 5", country="RU"),
    )


def test_hook_choose_golden_value(fixture_plugin):
    """firstresult: the plugin's ERP-first answer wins; without an ERP value the built-in decides.

    (The core does not call this hook yet; survivorship across sources comes with identity
    resolution. The test drives the hook the way that code will.)
    """
    pm = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_golden"),))
    jan = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    candidates = [
        {"value": "Ivan", "source": "shop", "priority": 9, "updated_at": jan, "count": 3},
        {"value": "Иван", "source": "erp", "priority": 1, "updated_at": None, "count": 1},
    ]
    assert pm.hook.choose_golden_value(field="name", candidates=candidates) == "Иван"
    assert pm.hook.choose_golden_value(field="name", candidates=candidates[:1]) == "Ivan"
    assert pm.hook.choose_golden_value.spec.opts["firstresult"] is True


def test_hook_records_ingested(open_crm):
    """Observers get each committed batch of new or changed records, and only those."""
    observer = Observer()
    crm = open_crm(observer)
    crm.ingest_customers(
        "shop",
        [{"external_id": "1", "name": "Ivan"}, {"external_id": " "}, {"external_id": "2"}],
    )
    [(source, stream, records)] = observer.batches
    assert (source, stream) == ("shop", "customers")
    assert all(isinstance(r, SourceRecord) for r in records)
    assert [(r.external_id, r.version) for r in records] == [("1", 1), ("2", 1)]
    assert json.loads(records[0].payload) == {"external_id": "1", "name": "Ivan"}

    crm.ingest_customers("shop", [{"external_id": "1", "name": "Ivan Petrov"}])
    [(_, _, changed)] = observer.batches[1:]
    assert [(r.external_id, r.version) for r in changed] == [("1", 2)]


def test_records_ingested_receives_records_with_their_ids(open_crm):
    """The hook's records carry the ids the store gave them."""
    observer = Observer()
    crm = open_crm(observer)
    crm.ingest_customers("shop", [{"external_id": "1"}, {"external_id": "2"}])
    [(_, _, records)] = observer.batches
    assert all(isinstance(r.id, int) for r in records)


def test_hook_customer_created(open_crm):
    """Observers hear of each new customer, stored with an id; an update is not a creation."""
    observer = Observer()
    crm = open_crm(observer)
    crm.ingest_customers("shop", [{"external_id": "1", "name": "Ivan"}, {"external_id": "2"}])
    assert [(c.name, c.identities[0].external_id) for c in observer.created] == [
        ("Ivan", "1"),
        ("2", "2"),
    ]
    assert all(c.id > 0 for c in observer.created)
    assert crm.customer(observer.created[0].id).name == "Ivan"

    crm.ingest_customers("shop", [{"external_id": "1", "name": "Ivan Petrov"}])
    assert len(observer.created) == 2
    crm.ingest_customers("shop", [{"external_id": "3", "name": "Olga"}])
    assert [c.name for c in observer.created[2:]] == ["Olga"]


def test_hook_customer_card(fixture_plugin, open_crm):
    """A plugin adds a section to the card; the built-in sections stay."""
    crm = open_crm(fixture_plugin("crmkit_fixture_loyalty"))
    crm.ingest_customers(
        "shop",
        [{"external_id": "1", "phones": ["+74951234567"], "attributes": {"loyalty_tier": "gold"}}],
    )
    card = build_card(crm, only_customer(crm, "shop", "1"))
    assert card["loyalty"] == {"tier": "gold", "sources": 1}
    assert card["contacts"]["phones"] == ["+74951234567"]
    assert card["identities"] == [{"source": "shop", "external_id": "1"}]


class Attributes:
    """Declares two attributes, one of a type crmkit does not know."""

    @crmkit.hookimpl
    def register_attributes(self, register):
        """Declare a birthday-greeting flag and a bad one."""
        register("greeting_opt_in", "boolean", "birthday greetings by e-mail")
        register("shoe_size", "colour", "none")


def test_hook_register_attributes(open_crm):
    """Declared attributes are typed on the card; a bad declaration is the plugin's problem."""
    crm = open_crm(Attributes())
    crm.ingest_customers(
        "shop", [{"external_id": "1", "name": "Ivan", "attributes": {"greeting_opt_in": "yes"}}]
    )
    card = build_card(crm, only_customer(crm, "shop", "1"))
    assert card["attributes"]["greeting_opt_in"] == {
        "value": "yes",
        "type": "boolean",
        "purpose": "birthday greetings by e-mail",
        "problem": "not true or false",
    }
    assert [p.hook for p in crm.pm.problems] == ["register_attributes"]
    crm.declare_attribute("greeting_opt_in", "text", "a note")
    assert crm.attribute_declarations()["greeting_opt_in"].type == "text"


class OrderWatcher:
    """Collects order status changes and recorded interactions."""

    def __init__(self):
        self.changes = []
        self.interactions = []

    @crmkit.hookimpl
    def order_status_changed(self, order, previous):
        """Remember (number, previous, current)."""
        self.changes.append((order.number, previous, order.status and order.status.value))

    @crmkit.hookimpl
    def interaction_recorded(self, interaction):
        """Remember the interaction's key."""
        self.interactions.append(interaction.external_id)


def test_hook_order_status_changed(open_crm):
    """A new order, then each real change of its status is reported once; a repeat is not."""
    watcher = OrderWatcher()
    crm = open_crm(watcher)
    crm.ingest_orders("shop", [{"external_id": "o-1", "number": "1234", "status": "new"}])
    shipped = {
        "external_id": "e-1",
        "order": {"number": "1234"},
        "status": "Отгружен",
        "occurred_at": "2099-01-01T10:00:00Z",
    }
    crm.ingest_order_events("shop", [shipped])
    crm.ingest_order_events("shop", [shipped])
    assert watcher.changes == [("1234", None, "placed"), ("1234", "placed", "shipped")]


def test_hook_interaction_recorded(open_crm):
    """Each new interaction is reported once, whether imported or recorded through the API."""
    watcher = OrderWatcher()
    crm = open_crm(watcher)
    call = {
        "external_id": "call-1",
        "channel": "phone",
        "direction": "in",
        "occurred_at": "2026-11-02T09:00:00+03:00",
        "customer": {"phones": ["+74951234567"]},
    }
    crm.ingest_interactions("pbx", [call])
    crm.ingest_interactions("pbx", [{**call, "outcome": "answered"}])
    crm.record_interaction(
        "crm",
        external_id="note-1",
        channel="meeting",
        direction="out",
        occurred_at=dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC),
        subject="contract renewal",
    )
    assert watcher.interactions == ["call-1", "note-1"]


def test_hook_sync_finished(fixture_plugin, open_crm, tmp_path):
    """A sync_finished observer gets the report of a sync: each stream and what it stored."""
    from crmkit.config import load_config

    class Listener:
        def __init__(self):
            self.reports = []

        @crmkit.hookimpl
        def sync_finished(self, report):
            """Remember each report."""
            self.reports.append(report)

    (tmp_path / "shop.jsonl").write_text('{"external_id": "1", "name": "Ольга"}\n')
    (tmp_path / "crmkit.toml").write_text(
        '[sources.shop]\nadapter = "jsonl"\npath = "shop.jsonl"\n'
    )
    listener = Listener()
    crm = open_crm(listener)
    crm.sync(load_config(tmp_path / "crmkit.toml"))
    [report] = listener.reports
    [result] = report.streams
    assert (result.source, result.stream, result.status, result.outcome.new) == (
        "shop",
        "customers",
        "ok",
        1,
    )
    assert report.resolution is not None
    assert report.resolution.customers == 1


class ScreenPop:
    """Collects the calls and short cards ``incoming_call`` is given."""

    def __init__(self):
        self.calls = []

    @crmkit.hookimpl
    def incoming_call(self, call, card):
        """Remember the caller, the E.164 number and the card's customer and open orders."""
        shown = (
            (card.customer_id, card.name, [o.number for o in card.open_orders]) if card else None
        )
        self.calls.append((call.caller, call.caller_e164, shown))


def test_hook_incoming_call(open_crm):
    """A ringing call reaches the hook with the caller's short card, or None when unknown."""
    pop = ScreenPop()
    crm = open_crm(pop)
    crm.set_source_region("erp", "RU")
    crm.ingest_customers(
        "erp", [{"external_id": "k-1", "name": "Иван Петров", "phones": ["+7 495 123-45-67"]}]
    )
    crm.ingest_orders(
        "erp", [{"external_id": "o-1", "number": "1234", "customer": {"external_id": "k-1"}}]
    )
    card = crm.announce_call("pbx", "8 (495) 123-45-67", called="101", call_id="1.1")
    crm.announce_call("pbx", "+7 916 000-00-00")
    assert card is not None
    [customer] = crm.find_customers(identity=("erp", "k-1"))
    assert pop.calls == [
        ("8 (495) 123-45-67", "+74951234567", (customer.id, "Иван Петров", ["1234"])),
        ("+7 916 000-00-00", "+79160000000", None),
    ]


def test_every_hook_has_a_test_in_this_module():
    """Each hook in crmkit/hookspecs.py has a test_hook_<name> here, and no test is stale."""
    pm = get_plugin_manager(entrypoints=False)
    hooks = {name for name, caller in vars(pm.hook).items() if caller.spec is not None}
    tests = {
        name.removeprefix("test_hook_")
        for name in vars(sys.modules[__name__])
        if name.startswith("test_hook_")
    }
    assert hooks, "no hooks found"
    assert sorted(hooks - tests) == [], "hooks without a test_hook_<name>"
    assert sorted(tests - hooks) == [], "test_hook_<name> for a hook that does not exist"


# guarding hook calls ----------------------------------------------------------------------


def test_a_plugin_that_raises_is_reported_by_name_and_hook_and_others_answer(fixture_plugin):
    """The failing plugin is recorded in pm.problems; the built-in answers instead."""
    pm = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_broken"),))
    assert pm.hook.normalize_name(name="Ёлкин", kind="person") == "елкин"
    assert pm.problems == [
        PluginProblem(
            name="crmkit_fixture_broken",
            hook="normalize_name",
            error="RuntimeError: name service unreachable while keying 'Ёлкин'",
        )
    ]


def test_a_plugin_that_raises_in_an_observer_does_not_stop_the_ingest(fixture_plugin, open_crm):
    """A failing customer_created observer is reported; the customers are stored."""
    crm = open_crm(fixture_plugin("crmkit_fixture_broken"))
    outcome = crm.ingest_customers("shop", [{"external_id": "1"}, {"external_id": "2"}])
    assert outcome.new == 2
    assert crm.count_customers() == 2
    failures = [(p.name, p.hook) for p in crm.pm.problems if p.hook == "customer_created"]
    assert failures == [("crmkit_fixture_broken", "customer_created")] * 2


def test_a_failing_plugin_is_logged_with_its_name(fixture_plugin, caplog):
    """The log line follows pluggy's shape: plugin 'name' in hook 'hook': error."""
    pm = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_broken"),))
    with caplog.at_level(logging.ERROR, logger="crmkit.plugins"):
        pm.hook.normalize_name(name="x", kind=None)
    assert (
        "plugin 'crmkit_fixture_broken' in hook 'normalize_name': RuntimeError: name service"
        in caplog.text
    )


def test_strict_plugins_re_raises_a_plugin_failure(fixture_plugin, monkeypatch):
    """CRMKIT_STRICT_PLUGINS=1 lets the plugin's own exception through."""
    monkeypatch.setenv("CRMKIT_STRICT_PLUGINS", "1")
    pm = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_broken"),))
    with pytest.raises(RuntimeError, match="name service unreachable"):
        pm.hook.normalize_name(name="x", kind=None)
    assert pm.problems == []


class ExchangeOnly:
    """Refuses every number outside one telephone exchange, by the hook contract."""

    @crmkit.hookimpl
    def normalize_phone(self, raw):
        """Refuse numbers not on +7 495 (a hook may take a subset of its arguments)."""
        if "495" not in raw:
            raise ValueError("not on our 495 exchange")

    @crmkit.hookimpl
    def normalize_name(self):
        """Raise ValueError where the hook contract does not allow it."""
        raise ValueError("names are not my business")


def test_a_value_error_from_normalize_phone_is_the_contract_not_a_crash(open_crm):
    """ValueError from normalize_phone reaches the caller and flags the number, unreported."""
    crm = open_crm(ExchangeOnly())
    with pytest.raises(ValueError, match="not on our 495 exchange"):
        crm.hook.normalize_phone(raw="+7 812 000-00-00", region="RU")
    crm.ingest_customers("shop", [{"external_id": "1", "phones": ["+7 812 000-00-00"]}])
    point = only_customer(crm, "shop", "1").contact_points[0]
    assert (point.kind, point.value, point.problem) == (
        ContactKind.PHONE,
        None,
        "not on our 495 exchange",
    )
    assert [p for p in crm.pm.problems if p.hook == "normalize_phone"] == []


def test_a_value_error_outside_the_contract_is_reported_as_a_plugin_problem():
    """normalize_name has no ValueError contract: its ValueError is a plugin failure."""
    plugin = ExchangeOnly()
    pm = get_plugin_manager(entrypoints=False, extra=(plugin,))
    assert pm.hook.normalize_name(name="Ivan", kind=None) == "ivan"
    assert [(p.name, p.hook) for p in pm.problems] == [(pm.get_name(plugin), "normalize_name")]


def test_a_plugin_object_is_reported_under_a_readable_name():
    """A failing plugin instance is named after its class, not a memory address."""
    pm = get_plugin_manager(entrypoints=False, extra=(ExchangeOnly(),))
    pm.hook.normalize_name(name="Ivan", kind=None)
    [problem] = pm.problems
    assert "ExchangeOnly" in problem.name


def test_duplicate_adapter_names_are_refused_naming_both_plugins(fixture_plugin):
    """The built-in 'jsonl' is kept; the problem names the newcomer and the owner."""
    pm = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_duplicate"),))
    adapters = collect_adapters(pm)
    assert adapters["jsonl"].__module__ == "crmkit.builtins.file_adapters"
    [problem] = pm.problems
    assert (problem.name, problem.hook) == ("crmkit_fixture_duplicate", "register_adapters")
    assert (
        "adapter name 'jsonl' already registered by 'crmkit.builtins.file_adapters'"
        in problem.error
    )


def test_duplicate_adapter_names_raise_in_strict_mode(fixture_plugin, monkeypatch):
    """With CRMKIT_STRICT_PLUGINS=1 the refusal is a PluginError naming both plugins."""
    monkeypatch.setenv("CRMKIT_STRICT_PLUGINS", "1")
    pm = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_duplicate"),))
    with pytest.raises(PluginError) as info:
        collect_adapters(pm)
    assert str(info.value) == (
        "plugin 'crmkit_fixture_duplicate' in hook 'register_adapters': "
        "adapter name 'jsonl' already registered by 'crmkit.builtins.file_adapters'"
    )


# misspelled hooks -------------------------------------------------------------------------


def test_check_pending_turns_a_misspelled_hook_into_a_problem(fixture_plugin):
    """A plugin implementing 'normalise_phone' is reported and left out; crmkit works on."""
    plugin = fixture_plugin("crmkit_fixture_typo")
    pm = get_plugin_manager(entrypoints=False, extra=(plugin,))
    [problem] = pm.problems
    assert problem.name == "crmkit_fixture_typo"
    assert "unknown hook 'normalise_phone'" in problem.error
    assert not pm.is_registered(plugin)
    assert pm.hook.normalize_phone(raw="+74951234567", region=None) == "+74951234567"


def test_check_pending_raises_for_a_misspelled_hook_in_strict_mode(fixture_plugin, monkeypatch):
    """With CRMKIT_STRICT_PLUGINS=1 a typo stops plugin loading."""
    import pluggy

    monkeypatch.setenv("CRMKIT_STRICT_PLUGINS", "1")
    with pytest.raises(pluggy.PluginValidationError, match="normalise_phone"):
        get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_typo"),))


def test_check_pending_reports_every_plugin_with_a_misspelled_hook(fixture_plugin):
    """Two plugins with typos give two problems, and neither stays registered."""
    first = fixture_plugin("crmkit_fixture_typo")
    second = fixture_plugin("crmkit_fixture_typo_too")
    pm = get_plugin_manager(entrypoints=False, extra=(first, second))
    assert sorted(p.name for p in pm.problems) == ["crmkit_fixture_typo", "crmkit_fixture_typo_too"]
    assert not pm.is_registered(first)
    assert not pm.is_registered(second)


# entry points -----------------------------------------------------------------------------


def install_distribution(root: Path, monkeypatch, name: str, entry_points: dict[str, str]):
    """Create an installed distribution ``name`` 1.0 with ``crmkit`` entry points under root."""
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
    )
    lines = "".join(f"{key} = {value}\n" for key, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[crmkit]\n{lines}", encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()


@pytest.fixture
def installed(tmp_path, monkeypatch, fixture_plugin):
    """Install three fixture distributions: a golden rule, a loyalty card, a broken import."""
    install_distribution(
        tmp_path, monkeypatch, "crmkit-fixture-golden", {"fixture-golden": "crmkit_fixture_golden"}
    )
    install_distribution(
        tmp_path,
        monkeypatch,
        "crmkit-fixture-loyalty",
        {"fixture-loyalty": "crmkit_fixture_loyalty"},
    )
    install_distribution(
        tmp_path,
        monkeypatch,
        "crmkit-fixture-broken",
        {"fixture-broken": "crmkit_fixture_missing_dependency"},
    )
    return tmp_path


FIXTURE_NAMES = {"fixture-golden", "fixture-loyalty", "fixture-broken"}


def test_entry_points_are_loaded_with_their_distribution(installed, monkeypatch):
    """An installed plugin is registered under its entry-point name, with name and version."""
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", "fixture-golden,fixture-loyalty")
    pm = get_plugin_manager()
    assert pm.get_plugin("fixture-golden").__name__ == "crmkit_fixture_golden"
    assert pm.distributions["fixture-golden"] == ("crmkit-fixture-golden", "1.0")
    assert pm.distributions["fixture-loyalty"] == ("crmkit-fixture-loyalty", "1.0")
    assert pm.problems == []


def test_an_entry_point_that_fails_to_import_is_a_problem_not_a_crash(installed, monkeypatch):
    """The import error is recorded under the entry-point name; the rest loads."""
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", "fixture-broken,fixture-golden")
    pm = get_plugin_manager()
    assert pm.get_plugin("fixture-golden") is not None
    assert pm.get_plugin("fixture-broken") is None
    [problem] = pm.problems
    assert (problem.name, problem.hook) == ("fixture-broken", None)
    assert problem.error == (
        "ModuleNotFoundError: No module named 'crmkit_fixture_no_such_soap_library'"
    )


def test_crmkit_plugins_lists_installed_plugins_and_shows_the_broken_one(
    installed, monkeypatch, cli_group
):
    """`crmkit plugins` still works with a broken plugin installed, and says which is broken."""
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", "fixture-broken,fixture-golden")
    pm = get_plugin_manager()
    cli = crmkit.cli.build_cli(pm)
    result = CliRunner().invoke(cli, ["plugins"], obj=pm, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "fixture-golden" in result.stdout
    assert "crmkit-fixture-golden 1.0" in result.stdout
    assert "choose_golden_value" in result.stdout
    assert "broken fixture-broken: ModuleNotFoundError" in " ".join(result.stderr.split())

    as_json = CliRunner().invoke(cli, ["plugins", "--json"], obj=pm)
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.stdout)
    assert [p["name"] for p in payload["plugins"]] == ["fixture-golden"]
    assert payload["plugins"][0]["version"] == "1.0"
    assert payload["problems"] == [
        {
            "name": "fixture-broken",
            "hook": None,
            "error": "ModuleNotFoundError: No module named 'crmkit_fixture_no_such_soap_library'",
        }
    ]


def test_crmkit_plugins_all_includes_the_built_ins(cli_group):
    """Built-ins are hidden by default and listed with --all."""
    pm = get_plugin_manager(entrypoints=False)
    cli = crmkit.cli.build_cli(pm)
    plain = json.loads(CliRunner().invoke(cli, ["plugins", "--json"], obj=pm).stdout)
    every = json.loads(CliRunner().invoke(cli, ["plugins", "--json", "--all"], obj=pm).stdout)
    assert plain["plugins"] == []
    assert {p["name"] for p in every["plugins"]} == {
        "crmkit.builtins.file_adapters",
        "crmkit.builtins.normalizers",
        "crmkit.builtins.survivorship",
        "crmkit.builtins.orders",
        "crmkit.builtins.calls",
        "crmkit.builtins.identifiers",
    }
    assert all(p["builtin"] for p in every["plugins"])


def test_an_empty_load_plugins_allowlist_loads_no_outside_plugin(installed, monkeypatch):
    """CRMKIT_LOAD_PLUGINS set but empty: built-ins only, whatever is installed."""
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", "")
    pm = get_plugin_manager()
    assert {name for name, _ in pm.list_name_plugin()} == pm.builtin_names
    assert pm.distributions == {}
    assert pm.problems == []


def test_a_load_plugins_allowlist_loads_only_the_named_plugin(installed, monkeypatch):
    """Naming one entry point loads it and nothing else installed."""
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", "fixture-loyalty")
    pm = get_plugin_manager()
    outside = {name for name, _ in pm.list_name_plugin()} - pm.builtin_names
    assert outside == {"fixture-loyalty"}
    assert pm.problems == []


def test_a_load_plugins_allowlist_may_name_the_distribution(installed, monkeypatch):
    """The allowlist accepts a distribution name as well as an entry-point name."""
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", " crmkit-fixture-golden , ")
    pm = get_plugin_manager()
    assert {name for name, _ in pm.list_name_plugin()} - pm.builtin_names == {"fixture-golden"}


def test_without_an_allowlist_every_installed_plugin_loads(installed):
    """With CRMKIT_LOAD_PLUGINS unset, all installed entry points are tried."""
    pm = get_plugin_manager()
    assert {"fixture-golden", "fixture-loyalty"} <= {name for name, _ in pm.list_name_plugin()}
    assert "fixture-broken" in {p.name for p in pm.problems}


def test_entry_points_off_ignores_installed_plugins(installed):
    """get_plugin_manager(entrypoints=False) loads built-ins and extras only."""
    pm = get_plugin_manager(entrypoints=False)
    assert not FIXTURE_NAMES & {name for name, _ in pm.list_name_plugin()}


def test_an_extra_plugin_overrides_an_installed_one(installed, monkeypatch, fixture_plugin):
    """Extras register last, so they are called first (pluggy's LIFO order)."""
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", "fixture-golden")

    class ShopFirst:
        @crmkit.hookimpl
        def choose_golden_value(self, candidates):
            """Prefer the web shop."""
            return next((c["value"] for c in candidates if c["source"] == "shop"), None)

    pm = get_plugin_manager(extra=(ShopFirst(),))
    candidates = [
        {"value": "erp value", "source": "erp"},
        {"value": "shop value", "source": "shop"},
    ]
    assert pm.hook.choose_golden_value(field="name", candidates=candidates) == "shop value"


# tracing ----------------------------------------------------------------------------------


def test_trace_plugins_logs_every_hook_call_and_result(monkeypatch, caplog):
    """CRMKIT_TRACE_PLUGINS=1 logs the hook, its arguments, the plugins asked and the result."""
    monkeypatch.setenv("CRMKIT_TRACE_PLUGINS", "1")
    pm = get_plugin_manager(entrypoints=False)
    with caplog.at_level(logging.DEBUG, logger="crmkit.plugins"):
        assert pm.hook.normalize_email(raw=" Ivan@Example.COM ") == "ivan@example.com"
    messages = [r.getMessage() for r in caplog.records if r.name == "crmkit.plugins"]
    assert len(messages) == 2
    called, returned = messages
    assert "normalize_email" in called
    assert "' Ivan@Example.COM '" in called
    assert "crmkit.builtins.normalizers" in called
    assert "normalize_email" in returned
    assert "'ivan@example.com'" in returned


def test_without_trace_plugins_hook_calls_are_not_logged(caplog):
    """Tracing is off by default."""
    pm = get_plugin_manager(entrypoints=False)
    with caplog.at_level(logging.DEBUG, logger="crmkit.plugins"):
        pm.hook.normalize_email(raw="ivan@example.com")
    assert [r for r in caplog.records if r.name == "crmkit.plugins"] == []


def test_each_plugin_manager_is_independent(fixture_plugin):
    """Two managers in one process do not share plugins or problems."""
    broken = get_plugin_manager(entrypoints=False, extra=(fixture_plugin("crmkit_fixture_broken"),))
    clean = get_plugin_manager(entrypoints=False)
    broken.hook.normalize_name(name="x", kind=None)
    assert len(broken.problems) == 1
    assert clean.problems == []
    assert not clean.is_registered(fixture_plugin("crmkit_fixture_broken"))


class SegmentRules:
    """Adds a 'big spenders' segment, tries to take 'VIP', and has a rule that fails."""

    @crmkit.hookimpl
    def register_segment_rules(self, register):
        """Register three rules; the last is refused (and ends the registration)."""
        register("big spenders", self.big, "1000 or more")
        register("broken", self.broken, "raises")
        register("VIP", self.big, "taken")

    @staticmethod
    def big(facts):
        """Return why a customer who spent 1000 or more belongs."""
        return f"spent {facts.revenue} {facts.currency}" if facts.revenue >= 1000 else None

    @staticmethod
    def broken(facts):
        """Fail, as a buggy plugin would."""
        raise RuntimeError(facts.name)


def test_hook_register_segment_rules(open_crm):
    """A plugin's segment shows with its why; a taken name and a failing rule are problems."""
    crm = open_crm(SegmentRules())
    crm.ingest_customers("shop", [{"external_id": k, "name": k} for k in ("big", "small")])
    crm.ingest_orders(
        "shop",
        [
            {
                "external_id": key,
                "customer": {"external_id": key},
                "placed_at": "2026-11-01T10:00:00Z",
                "currency": "EUR",
                "total": total,
            }
            for key, total in (("big", "1500"), ("small", "20"))
        ],
    )
    now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    rows = {row.facts.name: row for row in crm.segments(now=now).customers}
    assert [(m.segment, m.why) for m in rows["big"].memberships] == [
        ("VIP", rows["big"].memberships[0].why),
        ("big spenders", "spent 1500.00 EUR"),
    ]
    assert [m.segment for m in rows["small"].memberships] == []
    problems = [(p.hook, p.error) for p in crm.pm.problems]
    assert {hook for hook, _ in problems} == {"register_segment_rules"}
    assert "segment 'VIP' already defined by 'crmkit'" in problems[0][1]
    assert [error for _, error in problems[1:]] == ["RuntimeError: big"]
