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

    **When:** when crmkit collects the adapters of a plugin manager (``crmkit adapters``,
    ``crmkit import``, ``crmkit sync``, :meth:`crmkit.Crmkit.adapters`).

    **Arguments:** ``register`` — call ``register(adapter_class)`` once per adapter class. The
    class subclasses ``crmkit.sdk.Adapter`` and sets ``name`` (the name used in
    ``crmkit import`` and in ``adapter = "..."`` of ``crmkit.toml``), ``config_schema`` (a
    marshmallow schema of its settings) and ``streams``.

    **Returns:** nothing. A name another plugin already registered is refused with a problem
    that names both plugins; the first registration is kept.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``crmkit`` command line.

    **When:** once, when the ``crmkit`` command line is built (``crmkit.cli.build_cli``).

    **Arguments:** ``cli`` — the top-level ``click.Group``. Add commands with
    ``cli.add_command(...)`` or the ``@cli.command()`` decorator. A command reaches crmkit
    with ``@click.pass_obj``: ``state.crm()`` opens the configured database (``--db``) and
    ``state.pm`` is the plugin manager.

    **Returns:** nothing.
    """


@hookspec(firstresult=True)
def normalize_phone(raw: str, region: str | None) -> str | None:
    """Return the phone number ``raw`` in E.164 form (``+74951234567``), or ``None``.

    **When:** for every phone number when a record's facts are normalised, and for the phone
    given to ``Crmkit.find_customers(phone=...)``, ``Crmkit.card(phone=...)`` and the caller
    lookup.

    **Arguments:** ``raw`` — the number as the source wrote it; ``region`` — the source's
    default region (ISO 3166 alpha-2, such as ``"RU"``) for numbers written without a country
    code, or ``None``.

    **Returns:** the number in E.164 form, or ``None`` to let the next plugin try. Raise
    ``ValueError`` with a reason to mark the number unusable: it is then kept raw, flagged
    with that reason, and left out of matching. The built-in uses phonenumbers.
    """


@hookspec(firstresult=True)
def normalize_email(raw: str) -> str | None:
    """Return the e-mail address ``raw`` in normal form, or ``None`` to let the next plugin try.

    **When:** for every e-mail address when a record's facts are normalised, and for the
    address given to ``Crmkit.find_customers(email=...)`` and ``Crmkit.card(email=...)``.

    **Arguments:** ``raw`` — the address as the source wrote it.

    **Returns:** the address in normal form, or ``None`` to let the next plugin try. Raise
    ``ValueError`` with a reason to mark the address unusable (kept raw and flagged). The
    built-in trims, lower-cases and checks for ``user@domain.tld``.
    """


@hookspec(firstresult=True)
def normalize_identifier(kind: str, raw: str, country: str | None) -> str | None:
    """Return identifier ``raw`` of type ``kind`` (``inn``, ``kpp``, ``vat``...) in compact form.

    **When:** for every entry of a record's ``identifiers``, and for the identifier given to
    ``Crmkit.find_customers(identifier=...)``.

    **Arguments:** ``kind`` — the identifier's key in the record (``"inn"``, ``"kpp"``,
    ``"vat"``...); ``raw`` — its value as written; ``country`` — the record's or source's
    country, if known, else ``None``.

    **Returns:** the identifier in compact form, or ``None`` to let the next plugin try. Raise
    ``ValueError`` with a reason when it is invalid (a bad checksum): it is then kept raw,
    flagged, and never used to link records. The built-in uses python-stdnum for INN, KPP,
    OGRN, OGRNIP, SNILS and EU VAT numbers and keeps other kinds trimmed and unchecked.
    """


@hookspec
def register_identifier_kinds(register: Callable[..., None]) -> None:
    """Declare identifier kinds that identify a party on their own: matching rules of one's own.

    **When:** once per :class:`crmkit.Crmkit` instance, the first time it resolves customers
    (or explains two of them); a plugin installed or removed later takes effect in a new
    instance, whose first run is then full.

    **Arguments:** ``register`` — call ``register(kind)`` once per identifier kind (the key
    in a record's ``identifiers``, such as ``"loyalty_card"``): records sharing a value of
    that kind become candidates, and the shared value counts as identifier evidence (the
    ``identifier`` comparison's ``same`` level, which also lifts the rules that tell
    different names apart), unless the value is shared by more parties than the fan-out
    cap. ``register(kind, checked=True)`` additionally says that a shared value links
    whatever the score (``same_checked``) and that two different values are two different
    parties (a cannot-link): only for kinds with check digits, where a typo cannot pass the
    check. Values are compared in the form ``normalize_identifier`` returns, so implement
    it for the kind too.

    **Returns:** nothing. The built-in plugin registers ``inn``, ``ogrn``, ``ogrnip``,
    ``vat`` and ``snils`` (checked) and ``national_id``, ``ssn``, ``passport`` and
    ``tax_id``. A kind that is not a non-empty string is reported as a problem of the plugin.
    """


@hookspec(firstresult=True)
def normalize_name(name: str, kind: str | None) -> str | None:
    """Return a comparison key for the person or organisation name ``name``, or ``None``.

    **When:** for each record's display name when its facts are normalised.

    **Arguments:** ``name`` — the person's or organisation's name as written; ``kind`` —
    ``"person"``, ``"organization"``, or ``None`` when the source does not say.

    **Returns:** a key for matching, not for display, or ``None`` to let the next plugin try.
    The built-in applies NFKC, case-folds, reads ``ё`` as ``е`` and turns punctuation into
    spaces.
    """


@hookspec(firstresult=True)
def normalize_address(address: Address) -> Address | None:
    """Return ``address`` with its parts in normal form, or ``None`` to let the next plugin try.

    **When:** for every non-empty address when a record's facts are normalised, and when an
    order's shipping address is compared with the customer's addresses.

    **Arguments:** ``address`` — a :class:`~crmkit.domain.Address` (``line``, ``city``,
    ``region``, ``postcode``, ``country``) as the source wrote it.

    **Returns:** a new :class:`~crmkit.domain.Address` (use ``attrs.evolve``) with its parts
    in normal form, or ``None`` to let the next plugin try. Locale plugins expand
    abbreviations (``ул.`` → ``улица``) and recognise postcodes; the built-in collapses white
    space and upper-cases the country code.
    """


@hookspec(firstresult=True)
def choose_golden_value(field: str, candidates: list[dict[str, Any]]) -> Any:
    """Return the value a customer's golden record shows for ``field``, or ``None``.

    **When:** whenever identity resolution builds a golden customer from its source records
    (survivorship): once for each of ``kind``, ``name``, ``birth_date``,
    ``identifiers.KIND`` and ``attributes.KEY`` that at least one record gives a value for.
    Phones, e-mails and addresses are not chosen: the customer keeps all of them.

    **Arguments:** ``field`` — the field's name, as above; ``candidates`` — one dict per
    source record that gives a value: ``value``, ``source``, ``priority`` (the source's
    priority, higher wins), ``updated_at`` (aware UTC or ``None``) and ``count`` (how many
    records give that value).

    **Returns:** the value to show, or ``None`` to let the next plugin decide. The built-in
    survivorship takes the highest priority, then the most recent, then the most frequent.
    """


@hookspec
def records_ingested(source: str, stream: str, records: list[SourceRecord]) -> None:
    """Observe a batch of new or changed source records, after it is committed.

    **When:** after each batch of an import, a sync or an ``ingest_*`` call is committed.
    Unchanged records and dead letters are not included.

    **Arguments:** ``source`` — the source's name; ``stream`` — ``"customers"``,
    ``"orders"``, ``"order_events"`` or ``"interactions"``; ``records`` — the stored
    :class:`~crmkit.domain.SourceRecord` versions, with their ids.

    **Returns:** nothing; the return value is ignored. Observers only: a failure here is
    reported and never undoes the ingest.
    """


@hookspec
def customer_created(customer: Customer) -> None:
    """Observe a new golden customer, after it is stored.

    **When:** when identity resolution stores a customer that did not exist before (not when
    an existing one is updated or absorbs another).

    **Arguments:** ``customer`` — the stored :class:`~crmkit.domain.Customer`, with its id.

    **Returns:** nothing. Observers only: a failure is reported and the customer stays
    stored.
    """


@hookspec
def customer_card(customer: Customer, card: dict[str, Any]) -> None:
    """Add sections to a customer's card.

    **When:** whenever a card is built: ``crmkit customers show``, ``Crmkit.card()``,
    ``Crmkit.cards()``, ``crmkit.card.build_card()``.

    **Arguments:** ``customer`` — the :class:`~crmkit.domain.Customer`; ``card`` — a dict of
    section name to content, already holding the built-in sections (``customer``,
    ``identities``, ``contacts``, ``identifiers``, ``orders``, ``interactions``,
    ``timeline``, ``attributes``, ``key_dates``, ``problems``). Add or extend sections in
    place; keep them JSON-ready, as ``crmkit customers show --format json`` prints the card.

    **Returns:** nothing.
    """


@hookspec
def sync_finished(report: SyncReport) -> None:
    """Observe the end of a ``crmkit sync`` (or ``Crmkit.sync``): what each stream did.

    **When:** once per sync, after every stream ran and after identity resolution, if it
    ran. The records themselves reached ``records_ingested`` batch by batch; this is the
    summary.

    **Arguments:** ``report`` — a :class:`crmkit.sync.SyncReport`: ``report.streams`` holds
    one :class:`~crmkit.sync.StreamResult` per source stream (``source``, ``stream``,
    ``status`` — ``ok``, ``failed``, ``skipped`` or ``busy`` —, ``outcome`` with the read,
    new, changed, unchanged and dead-lettered counts, ``seconds``, ``attempts``,
    ``message``); ``report.failed_sources`` names the sources that failed;
    ``report.resolution`` is the resolution report, or ``None`` when resolution did not run.

    **Returns:** nothing; the return value is ignored. Observers only: a failure is reported
    and never changes the sync's outcome.
    """


@hookspec
def order_status_changed(order: TrackedOrder, previous: str | None) -> None:
    """Observe an order whose current status changed, after the change is stored.

    **When:** when new orders or order events are projected and an order's current status is
    not what it was (a new order counts too): right after an import of the ``orders`` or
    ``order_events`` stream, ``Crmkit.ingest_orders()`` or ``Crmkit.ingest_order_events()``,
    or on the next read of orders when records arrived another way. The built-in plugin logs
    each change on the ``crmkit.orders`` logger.

    **Arguments:** ``order`` — the :class:`~crmkit.domain.TrackedOrder` with every system's
    number and view, its events, ``status``, ``status_word``, ``status_at``,
    ``tracking_numbers`` and ``is_open``; ``previous`` — the status it had before, as text,
    or ``None`` for a new order.

    **Returns:** nothing; the return value is ignored. Observers only: a failure is reported
    and the projection stays stored.
    """


@hookspec
def interaction_recorded(interaction: Interaction) -> None:
    """Observe a new interaction, after it is stored.

    **When:** once per interaction, whether it came from an import of the ``interactions``
    stream, ``Crmkit.ingest_interactions()`` or ``Crmkit.record_interaction()``; a changed
    version of a known interaction does not call it again. The built-in plugin logs
    complaints and poor CSAT or NPS scores on the ``crmkit.interactions`` logger.

    **Arguments:** ``interaction`` — the :class:`~crmkit.domain.Interaction`: ``source``,
    ``external_id``, ``channel``, ``direction``, ``occurred_at``, ``duration_seconds``,
    ``customer_ref``, ``phone`` (E.164), ``email``, ``subject``, ``agent``, ``outcome``,
    ``order_number``, ``csat``, ``nps``.

    **Returns:** nothing; the return value is ignored. Observers only: a failure is reported
    and the interaction stays stored.
    """


@hookspec
def register_attributes(register: Callable[..., None]) -> None:
    """Declare the custom customer attributes a plugin keeps, each with its type and purpose.

    **When:** once per plugin manager, the first time a customer card is built or
    ``Crmkit.attribute_declarations()`` is called.

    **Arguments:** ``register`` — call ``register(name, type, purpose)`` once per attribute:
    ``type`` is ``text``, ``integer``, ``decimal``, ``boolean``, ``date`` (``YYYY-MM-DD``),
    ``email`` or ``phone``; ``purpose`` says what the value is kept for. An unknown type is
    reported as a problem of the plugin. A declaration stored with
    ``Crmkit.declare_attribute()`` overrides a plugin's.

    **Returns:** nothing. The card's ``attributes`` section then shows each declared value
    with its type and purpose, and a ``problem`` when the value is not of its type.
    """


@hookspec
def incoming_call(call: IncomingCall, card: CallerCard | None) -> None:
    """Observe a call that is ringing now, with the caller's short card: a screen pop.

    **When:** as soon as a phone system reports an incoming call, before it is answered: the
    ``asterisk-ami`` adapter, the ``pbx-webhook`` receiver on a ringing inbound call, or any
    code calling ``Crmkit.announce_call()``. The caller is looked up first, so the hook gets
    the card at once. The built-in plugin logs each call on the ``crmkit.calls`` logger.

    **Arguments:** ``call`` — a :class:`crmkit.services.calls.IncomingCall` (``source``,
    ``caller`` as the phone system gave it, ``caller_e164``, ``called``, ``call_id``,
    ``at``); ``card`` — the caller's :class:`crmkit.services.calls.CallerCard`, or ``None``
    for an unknown number.

    **Returns:** nothing; the return value is ignored. Observers only: a failure is reported
    and the call is still recorded.
    """


@hookspec
def register_segment_rules(register: Callable[..., None]) -> None:
    """Add customer segments of one's own, next to the built-in VIP, A, B, C and D.

    **When:** once per plugin manager, the first time a segment report is computed
    (``Crmkit.segments()``, ``customer_value()``, ``churn_risk()``, ``satisfaction()``,
    ``crmkit report ...``).

    **Arguments:** ``register`` — call ``register(name, rule, description)`` once per
    segment. ``rule(facts)`` gets a :class:`crmkit.analytics.facts.CustomerFacts` (one
    customer in one currency: orders, revenue, returns, first and last order, trailing
    revenue, RFM quintiles, interactions, call seconds, complaints) and returns why the
    customer belongs, in words, or ``None``. A name already taken (a built-in segment or
    another plugin's) is refused with a :class:`~crmkit.errors.PluginError`; a rule that
    raises is reported and skipped.

    **Returns:** nothing. Each customer a rule accepts lists the segment, with the rule's
    answer as the why, after the built-in segments.
    """
