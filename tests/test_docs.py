"""docs/plugin_hooks.md documents every hook, exactly, and its examples run."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import types
from pathlib import Path

import click
import pytest

from crmkit import hookspecs
from crmkit.domain import (
    Address,
    ContactPoint,
    Customer,
    Identity,
    Interaction,
    Order,
    OrderEvent,
    Shipment,
    SourceRecord,
    utc_now,
)
from crmkit.domain.orders import track
from crmkit.plugins import collect_adapters, get_plugin_manager

HOOKS_DOC = Path(__file__).parent.parent / "docs" / "plugin_hooks.md"
SIGNATURE_HEADING = re.compile(r"^## (\w+)\(([\w, ]*)\)$")


def hook_specs() -> dict[str, types.FunctionType]:
    """Return every hook specification in crmkit.hookspecs by name."""
    return {
        name: function
        for name, function in vars(hookspecs).items()
        if inspect.isfunction(function) and hasattr(function, "crmkit_spec")
    }


def documented_sections() -> dict[str, tuple[list[str], str]]:
    """Return ``{hook: (argument names, section text)}`` for each signature heading."""
    sections: dict[str, tuple[list[str], str]] = {}
    current: str | None = None
    for line in HOOKS_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            match = SIGNATURE_HEADING.match(line)
            current = match.group(1) if match else None
            if match:
                assert current not in sections, f"{current} is documented twice"
                args = [a.strip() for a in match.group(2).split(",") if a.strip()]
                sections[current] = (args, "")
            continue
        if line.startswith("# "):
            current = None
        elif current is not None:
            args, text = sections[current]
            sections[current] = (args, text + line + "\n")
    return sections


def spec_arguments(function) -> list[str]:
    """Return a hook spec's argument names, in order."""
    return list(inspect.signature(function).parameters)


def test_every_hook_spec_has_a_docstring():
    """Each hook says when it is called and what it returns, in crmkit/hookspecs.py."""
    specs = hook_specs()
    assert specs, "no hook specs found"
    undocumented = sorted(name for name, f in specs.items() if not (f.__doc__ or "").strip())
    assert undocumented == []


def test_the_spec_module_and_the_plugin_manager_agree_on_the_hooks():
    """Every hook a plugin manager knows comes from crmkit.hookspecs, and vice versa."""
    pm = get_plugin_manager(entrypoints=False)
    known = {name for name, caller in vars(pm.hook).items() if caller.spec is not None}
    assert known == set(hook_specs())


def test_every_hook_has_a_heading_with_its_exact_signature():
    """docs/plugin_hooks.md has '## name(arg, ...)' for each hook, with the spec's arguments."""
    sections = documented_sections()
    for name, function in sorted(hook_specs().items()):
        assert name in sections, f"docs/plugin_hooks.md has no '## {name}(...)' heading"
        assert sections[name][0] == spec_arguments(function), f"{name}: wrong arguments"


def test_every_signature_heading_names_an_existing_hook():
    """No section documents a hook that no longer exists."""
    stale = sorted(set(documented_sections()) - set(hook_specs()))
    assert stale == []


def test_headings_with_parentheses_are_plain_signatures():
    """A '## ' heading with '(' must be an exact signature: no annotations, no defaults."""
    for line in HOOKS_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## ") and "(" in line:
            assert SIGNATURE_HEADING.match(line), f"not a plain signature heading: {line!r}"


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_section_says_when_arguments_returns_and_firstresult(name):
    """Each section states when the hook is called, its arguments, its return, firstresult."""
    text = documented_sections()[name][1]
    for label in ("**When:**", "**Arguments:**", "**Returns:**", "**firstresult:**"):
        assert label in text, f"{name}: missing {label}"
    firstresult = bool(hook_specs()[name].crmkit_spec.get("firstresult"))
    stated = re.search(r"\*\*firstresult:\*\* (yes|no)", text)
    assert stated, f"{name}: firstresult must say yes or no"
    assert (stated.group(1) == "yes") is firstresult, f"{name}: firstresult is {firstresult}"


def example_of(name: str) -> str:
    """Return the Python example of a hook's section."""
    blocks = re.findall(r"```python\n(.*?)```", documented_sections()[name][1], re.DOTALL)
    assert len(blocks) == 1, f"{name}: expected exactly one python example"
    return blocks[0]


def run_example(name: str) -> types.ModuleType:
    """Execute a hook's example as a module and return it."""
    module = types.ModuleType(f"crmkit_doc_example_{name}")
    exec(compile(example_of(name), f"docs/plugin_hooks.md ({name})", "exec"), vars(module))  # noqa: S102 - our own docs
    return module


# How each example is driven: a call through the plugin manager whose answer (or effect)
# shows that the example was used. A failing example is caught by pm.problems as well.


def drive_register_adapters(pm, _module):
    """Return whether the example's adapter is collected."""
    return "sheet" in collect_adapters(pm)


def drive_register_commands(pm, _module):
    """Return whether the example's command is added to a fresh group."""
    group = click.Group("crmkit")
    pm.hook.register_commands(cli=group)
    return "loyalty-tiers" in group.commands


def drive_normalize_phone(pm, _module):
    """Return whether the example reads a Russian mobile given without a region."""
    return pm.hook.normalize_phone(raw="916 123-45-67", region=None) == "+79161234567"


def drive_normalize_email(pm, _module):
    """Return whether the example folds a Gmail address."""
    return pm.hook.normalize_email(raw="Ivan.Petrov+shop@gmail.com") == "ivanpetrov@gmail.com"


def drive_normalize_identifier(pm, _module):
    """Return whether the example compacts an OKPO code."""
    return pm.hook.normalize_identifier(kind="okpo", raw="0019-6352", country=None) == "00196352"


def drive_normalize_name(pm, _module):
    """Return whether the example drops the legal form."""
    return pm.hook.normalize_name(name="ООО «Ёлка»", kind="organization") == "елка"


def drive_normalize_address(pm, _module):
    """Return whether the example expands the street abbreviation."""
    return pm.hook.normalize_address(address=Address(line="ул. Мира, 1")).line == "улица Мира, 1"


def drive_choose_golden_value(pm, _module):
    """Return whether the ERP's name wins over a higher-priority shop name."""
    candidates = [
        {"value": "Ivan", "source": "shop", "priority": 9, "updated_at": None, "count": 2},
        {"value": "Иван", "source": "erp", "priority": 1, "updated_at": None, "count": 1},
    ]
    return pm.hook.choose_golden_value(field="name", candidates=candidates) == "Иван"


def drive_records_ingested(pm, _module):
    """Return whether the example logs each record without failing."""
    record = SourceRecord("shop", "customers", "42", 1, "{}", "0" * 32, utc_now(), id=1)
    pm.hook.records_ingested(source="shop", stream="customers", records=[record])
    return pm.problems == []


def drive_customer_created(pm, module):
    """Return whether the example queues a welcome e-mail."""
    pm.hook.customer_created(customer=sample_customer())
    return module.welcome_queue == [(7, "ivan@example.com")]


def drive_customer_card(pm, _module):
    """Return whether the example adds its section."""
    card: dict = {}
    pm.hook.customer_card(customer=sample_customer(), card=card)
    return card == {"loyalty": {"tier": "gold"}}


def drive_sync_finished(pm, module):
    """Return whether the example raises an alert for the failed stream only."""
    from crmkit.sync import StreamResult, SyncReport

    report = SyncReport(
        streams=[
            StreamResult("shop", "customers", "ok"),
            StreamResult("erp", "customers", "failed", message="HTTP 401 Unauthorized"),
        ]
    )
    pm.hook.sync_finished(report=report)
    return module.alerts == ["erp/customers: HTTP 401 Unauthorized"]


def drive_order_status_changed(pm, module):
    """Return whether the example texts the tracking number of a shipped order only."""
    placed = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    order = Order("shop", "o-1", placed, None, number="1234")
    ref = Identity("shop", "o-1")
    shipped = OrderEvent(
        "cdek", "e-1", ref, "shipped", placed, shipment=Shipment("CDEK", "1099887766")
    )
    pm.hook.order_status_changed(order=track(1, [order], [], []), previous=None)
    pm.hook.order_status_changed(order=track(1, [order], [], [shipped]), previous="placed")
    return module.texts == ["Order 1234 shipped: 1099887766"]


def drive_interaction_recorded(pm, module):
    """Return whether the example schedules a call-back for the missed call only."""
    at = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    for outcome in ("missed", "answered"):
        call = Interaction("pbx", outcome, "phone", "in", at, phone="+74951234567", outcome=outcome)
        pm.hook.interaction_recorded(interaction=call)
    return module.callbacks == ["+74951234567"]


def drive_register_attributes(pm, _module):
    """Return whether the example's two declarations reach crmkit, typed."""
    from crmkit.services.card import plugin_declarations

    found = plugin_declarations(pm)
    return {(d.name, d.type) for d in found.values()} == {
        ("loyalty_tier", "text"),
        ("greeting_opt_in", "boolean"),
    }


def drive_incoming_call(pm, module):
    """Return whether the example pops up the known caller's card and skips the unknown one."""
    from crmkit.services.calls import CallerCard, IncomingCall, OpenOrder

    at = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    card = CallerCard(
        7, "Иван Петров", "+74951234567", open_orders=(OpenOrder("1234", "shipped", at),)
    )
    pm.hook.incoming_call(call=IncomingCall("pbx", "84951234567", at, called="101"), card=card)
    pm.hook.incoming_call(call=IncomingCall("pbx", "84950000000", at, called="102"), card=None)
    return module.popups == [("101", "Иван Петров: 1234 shipped")]


def drive_register_segment_rules(pm, _module):
    """Return whether the example's segment takes an RFM 555 customer, and only that one."""
    from crmkit.analytics.facts import CustomerFacts
    from crmkit.analytics.rules import plugin_rules

    (rule,) = plugin_rules(pm)
    best = CustomerFacts(1, "Ivan", "EUR", r=5, f=5, m=5)
    other = CustomerFacts(2, "Olga", "EUR", r=1, f=5, m=5)
    return rule.name == "champions" and bool(rule.rule(best)) and rule.rule(other) is None


def sample_customer() -> Customer:
    """Return a stored-looking customer with an e-mail and a loyalty tier."""
    return Customer(
        id=7,
        kind="person",
        name="Ivan",
        contact_points=[ContactPoint("email", "ivan@example.com", "ivan@example.com")],
        attributes={"loyalty_tier": "gold"},
    )


DRIVERS = {
    name.removeprefix("drive_"): function
    for name, function in dict(globals()).items()
    if name.startswith("drive_")
}


def test_every_hook_example_is_driven_by_this_module():
    """There is one drive_<hook> function per hook, and none for a hook that is gone."""
    assert set(DRIVERS) == set(hook_specs())


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_example_runs_as_a_plugin(name):
    """Each example imports, registers cleanly, implements its hook and is used by it."""
    module = run_example(name)
    pm = get_plugin_manager(entrypoints=False, extra=(module,))
    assert pm.problems == []
    assert name in {caller.name for caller in pm.get_hookcallers(module) or ()}
    assert DRIVERS[name](pm, module), f"{name}: the example's answer was not used"
    assert pm.problems == []
