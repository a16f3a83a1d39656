"""Every hook crmkit calls. Plugins implement them with ``@crmkit.hookimpl``.

Hooks only ever gain arguments, never lose or rename them: pluggy lets an implementation
accept any subset of a hook's arguments, so a plugin written for an older crmkit keeps working.
A hook that raises is reported with the plugin's name and treated as if it had returned
``None``; it never takes the host down (set ``CRMKIT_STRICT_PLUGINS=1`` to re-raise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable

    import click

    from crmkit.domain import Address, Customer, Interaction, SourceRecord, TrackedOrder
    from crmkit.services.calls import CallerCard, IncomingCall
    from crmkit.sync import SyncReport

hookspec = pluggy.HookspecMarker("crmkit")
hookimpl = pluggy.HookimplMarker("crmkit")

#: Exceptions that are part of a hook's contract: they reach the caller instead of being
#: reported as a broken plugin.
CONTRACT_EXCEPTIONS: dict[str, tuple[type[Exception], ...]] = {
    "normalize_phone": (ValueError,),
    "normalize_email": (ValueError,),
    "normalize_identifier": (ValueError,),
}


@hookspec
def register_adapters(register: Callable[..., None]) -> None:
    """Register adapter classes that read records from a source system.

    Called once when a plugin manager is built. Call ``register(adapter_class)`` once per
    adapter; the adapter's ``name`` attribute is the name used in ``crmkit import`` and in
    configuration. Registering a name that another plugin already registered is an error that
    names both plugins. Returns nothing.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``crmkit`` command line.

    Called once when the CLI starts. ``cli`` is the top-level :class:`click.Group`; add
    commands with ``cli.add_command(...)`` or the ``@cli.command()`` decorator. Returns nothing.
    """


@hookspec(firstresult=True)
def normalize_phone(raw: str, region: str | None) -> str | None:
    """Return the phone number ``raw`` in E.164 form (``+74951234567``), or ``None``.

    Called for every phone number when a record's facts are normalised. ``region`` is the
    source's default region (ISO 3166 alpha-2, such as ``"RU"``) for numbers written without
    a country code, or ``None``. firstresult: the first non-None answer wins; the built-in
    implementation (phonenumbers) is ``trylast``. Raise ``ValueError`` with a reason to mark
    the number unusable; it is then kept raw and flagged.
    """


@hookspec(firstresult=True)
def normalize_email(raw: str) -> str | None:
    """Return the e-mail address ``raw`` in normal form, or ``None`` to let the next plugin try.

    Called for every e-mail address when a record's facts are normalised. firstresult; the
    built-in implementation (trimmed, lower-cased) is ``trylast``. Raise ``ValueError`` with a
    reason to mark the address unusable.
    """


@hookspec(firstresult=True)
def normalize_identifier(kind: str, raw: str, country: str | None) -> str | None:
    """Return identifier ``raw`` of type ``kind`` (``inn``, ``kpp``, ``vat``...) in compact form.

    Called for every entry of a record's ``identifiers``. ``country`` is the record's or
    source's country, if known. firstresult; the built-in implementation (python-stdnum) is
    ``trylast``. Raise ``ValueError`` with a reason when the identifier is invalid (a bad
    checksum); it is then kept raw and flagged, and never used to link records.
    """


@hookspec(firstresult=True)
def normalize_name(name: str, kind: str | None) -> str | None:
    """Return a comparison key for the person or organisation name ``name``, or ``None``.

    ``kind`` is ``"person"``, ``"organization"`` or ``None`` when the source does not say.
    The key is for matching, not for display. firstresult; the built-in is ``trylast``.
    """


@hookspec(firstresult=True)
def normalize_address(address: Address) -> Address | None:
    """Return ``address`` with its parts in normal form, or ``None`` to let the next plugin try.

    Called for every address when a record's facts are normalised. Locale plugins expand
    abbreviations (``ул.`` → ``улица``) and recognise postcodes. firstresult; the built-in
    implementation (whitespace and case only) is ``trylast``.
    """


@hookspec(firstresult=True)
def choose_golden_value(field: str, candidates: list[dict[str, Any]]) -> Any:
    """Return the value a customer's golden record shows for ``field``, or ``None``.

    ``candidates`` holds one dict per source record that has a value: ``value``, ``source``,
    ``priority`` (higher wins), ``updated_at`` (aware UTC or ``None``) and ``count`` (how many
    records give that value). firstresult; the built-in survivorship (priority, then recency,
    then frequency) is ``trylast``.
    """


@hookspec
def records_ingested(source: str, stream: str, records: list[SourceRecord]) -> None:
    """Observe a batch of new or changed source records, after it is committed.

    ``records`` are the stored versions, with ids. Observers only: the return value is
    ignored, and a failure here never undoes the ingest.
    """


@hookspec
def customer_created(customer: Customer) -> None:
    """Observe a new golden customer, after it is stored. Returns nothing."""


@hookspec
def customer_card(customer: Customer, card: dict[str, Any]) -> None:
    """Add sections to a customer's card.

    Called whenever a card is built. ``card`` is a dict of section name to content; add or
    extend sections in place. Returns nothing.
    """


@hookspec
def sync_finished(report: SyncReport) -> None:
    """Observe the end of a ``crmkit sync`` (or ``Crmkit.sync``): what each stream did.

    Called once per sync, after every stream ran and after identity resolution (if it ran).
    ``report`` is a :class:`crmkit.sync.SyncReport`: ``report.streams`` holds one result per
    source stream (``source``, ``stream``, ``status``, ``outcome`` with read/new/changed/
    unchanged/dead-lettered counts, ``seconds``, ``message``); ``report.resolution`` is the
    resolution report or ``None``. Observers only: the return value is ignored.
    """


@hookspec
def order_status_changed(order: TrackedOrder, previous: str | None) -> None:
    """Observe an order whose current status changed, after the change is stored.

    Called when new orders or order events are projected (after an import of the
    ``orders`` or ``order_events`` stream, or on the next read). ``order`` is the
    :class:`~crmkit.domain.TrackedOrder` with every system's number and event;
    ``previous`` is the status it had before (``None`` for a new order). Observers only:
    the return value is ignored.
    """


@hookspec
def interaction_recorded(interaction: Interaction) -> None:
    """Observe a new interaction, after it is stored.

    Called once per interaction (not again for a changed version of it), whether it came
    from an import of the ``interactions`` stream or from ``Crmkit.record_interaction``.
    Observers only: the return value is ignored.
    """


@hookspec
def register_attributes(register: Callable[..., None]) -> None:
    """Declare the custom customer attributes a plugin keeps, each with its type and purpose.

    Called once per plugin manager, when a customer card or
    ``Crmkit.attribute_declarations()`` first needs the declarations.
    Call ``register(name, type, purpose)`` once per attribute: ``type`` is ``text``,
    ``integer``, ``decimal``, ``boolean``, ``date``, ``email`` or ``phone``; ``purpose``
    says what the value is kept for. The card shows declared attributes typed and flags
    values of the wrong type; a declaration stored with ``Crmkit.declare_attribute``
    overrides a plugin's. Returns nothing.
    """


@hookspec
def incoming_call(call: IncomingCall, card: CallerCard | None) -> None:
    """Observe a call that is ringing now, with the caller's short card: a screen pop.

    Called by phone-system adapters (Asterisk AMI, cloud PBX webhooks) and by
    ``Crmkit.announce_call`` as soon as an incoming call is seen, before it is answered.
    ``call`` is a :class:`crmkit.services.calls.IncomingCall` (``source``, ``caller`` as the
    phone system gave it, ``caller_e164``, ``called``, ``call_id``, ``at``); ``card`` is the
    caller's :class:`crmkit.services.calls.CallerCard`, or ``None`` for an unknown number.
    Observers only: the return value is ignored. The built-in plugin logs each call on the
    ``crmkit.calls`` logger.
    """


@hookspec
def register_segment_rules(register: Callable[..., None]) -> None:
    """Add customer segments of one's own, next to the built-in VIP, A, B, C and D.

    Called once per plugin manager, when a segment report (``Crmkit.segments()``,
    ``crmkit report segments``) first needs the rules. Call
    ``register(name, rule, description)`` once per segment: ``rule(facts)`` gets a
    :class:`crmkit.analytics.facts.CustomerFacts` (one customer in one currency: orders,
    revenue, returns, first and last order, trailing revenue, RFM quintiles, interactions,
    call seconds, complaints) and returns why the customer belongs, in words, or ``None``.
    A name already taken (a built-in segment or another plugin's) is refused with a
    ``PluginError``. Returns nothing.
    """
