"""The Python API for embedding crmkit: ``crm = crmkit.open(url)``."""

from __future__ import annotations

import builtins
import functools
from typing import TYPE_CHECKING, Any, Unpack

import msgspec

from crmkit.domain import (
    ContactKind,
    Customer,
    DeadLetter,
    Identity,
    IngestOutcome,
    OrderStatus,
    RawItem,
    Stream,
    utc_now,
)
from crmkit.errors import CrmkitError, UnknownAdapterError, UnknownCustomerError
from crmkit.identity.explain import Explanation, explain
from crmkit.identity.normalize import Normalizer
from crmkit.identity.resolver import ResolverConfig
from crmkit.plugins import (
    CrmkitPluginManager,
    collect_adapters,
    collect_identifier_kinds,
    direct_call,
    get_plugin_manager,
)
from crmkit.schemas import (
    CustomerRecordSchema,
    InteractionRecordSchema,
    OrderEventRecordSchema,
    OrderRecordSchema,
    RecordValidator,
)
from crmkit.sdk.adapter import Adapter, NoProgress, Progress
from crmkit.services.ingest import DEFAULT_BATCH_SIZE, Ingestor
from crmkit.services.interactions import InteractionFields  # noqa: TC001 - resolved by get_type_hints and the docs
from crmkit.services.resolution import (
    ResolveReport,
    compute,
    customers_named,
    resolve_customers,
)
from crmkit.store import Database
from crmkit.store.customers import SqlCustomerStore
from crmkit.store.interactions import SqlInteractionStore
from crmkit.store.orders import SqlOrderStore
from crmkit.store.records import SqlRecordStore
from crmkit.store.resolution import Decision, ReviewItem, SqlResolutionStore

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from contextlib import AbstractContextManager
    from types import TracebackType

    from crmkit.analytics.churn import ChurnReport
    from crmkit.analytics.reminders import Reminder
    from crmkit.analytics.satisfaction import SatisfactionReport
    from crmkit.analytics.segments import SegmentReport
    from crmkit.analytics.settings import AnalyticsSettings
    from crmkit.analytics.value import ValueReport
    from crmkit.config import Config
    from crmkit.domain import Interaction, SourceRecord, TrackedOrder
    from crmkit.identity.features import IdentifierKinds
    from crmkit.services.calls import CallerCard
    from crmkit.services.card import AttributeDeclaration
    from crmkit.services.orders import ProjectionReport
    from crmkit.store.sync import SyncRun
    from crmkit.sync.deadletters import RetryReport
    from crmkit.sync.engine import StreamProgress, SyncReport


_REGION_STATE = "source-region:"
_PRIORITY_STATE = "source-priority:"
_TIMEZONE_STATE = "source-timezone:"
_SLA_STATE = "order-sla:"  # crmkit.services.orders.SLA_STATE
_STATUS_WORD_STATE = "status-word:"  # crmkit.services.orders.STATUS_WORD_STATE
_ATTRIBUTE_STATE = "attribute:"  # crmkit.services.card.ATTRIBUTE_STATE


def _validators() -> dict[Stream, RecordValidator]:
    return {
        Stream.CUSTOMERS: RecordValidator(CustomerRecordSchema()),
        Stream.ORDERS: RecordValidator(OrderRecordSchema()),
        Stream.ORDER_EVENTS: RecordValidator(OrderEventRecordSchema()),
        Stream.INTERACTIONS: RecordValidator(InteractionRecordSchema()),
    }


class Crmkit:
    """One crmkit instance: a database, a plugin manager, and the use cases over them.

    Build it with :func:`crmkit.open`. Instances are independent: each has its own plugin
    manager and engine, so an application may open several. ``default_region`` is the phone
    region (ISO 3166 code such as ``"RU"``) assumed for numbers written without a country
    code, wherever a source names no region of its own.
    """

    def __init__(
        self,
        database: Database,
        plugin_manager: CrmkitPluginManager,
        *,
        default_region: str | None = None,
    ) -> None:
        self.database = database
        self.default_region = default_region.upper() if default_region else None
        self.pm = plugin_manager
        self.hook = plugin_manager.hook
        self.records = SqlRecordStore(database)
        self.customer_store = SqlCustomerStore(database)
        self.resolution_store = SqlResolutionStore(database)
        self.normalizer = Normalizer(self.hook)
        self.validators = _validators()
        self._adapters: dict[str, type[Adapter]] | None = None
        self._identifier_kinds: IdentifierKinds | None = None

    def __enter__(self) -> Crmkit:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()

    def init(self) -> None:
        """Create or upgrade the database schema (also done on first use)."""
        self.database.migrate()

    # adapters -----------------------------------------------------------------------------

    def adapters(self) -> dict[str, type[Adapter]]:
        """Return every registered adapter class by name."""
        if self._adapters is None:
            self._adapters = collect_adapters(self.pm)
        return dict(self._adapters)

    def identifier_kinds(self) -> IdentifierKinds:
        """Return the identifier kinds that link records on their own, and the checked ones.

        The built-in kinds and those plugins register through ``register_identifier_kinds``.
        """
        if self._identifier_kinds is None:
            self._identifier_kinds = collect_identifier_kinds(self.pm)
        return self._identifier_kinds

    def _resolver_config(self) -> ResolverConfig:
        return ResolverConfig(identifier_kinds=self.identifier_kinds())

    def adapter(self, name: str, source: str, config: Mapping[str, Any]) -> Adapter:
        """Return adapter ``name`` configured for ``source``; raise if unknown or misconfigured."""
        known = self.adapters()
        if name not in known:
            raise UnknownAdapterError(name, builtins.list(known))
        return known[name](source=source, config=config)

    # ingest -------------------------------------------------------------------------------

    def import_from(
        self,
        adapter: Adapter,
        stream: str = "customers",
        *,
        progress: Progress | None = None,
        on_batch: Callable[[IngestOutcome], None] | None = None,
        resolve: bool = True,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> IngestOutcome:
        """Read ``stream`` from ``adapter`` into the store; return what happened.

        Bad records go to the dead-letter table; everything else is stored, batch by batch.
        With ``resolve`` (the default), customers are brought up to date afterwards.
        """
        items = adapter.read(stream, None, progress or NoProgress())
        return self._ingest(adapter.source, stream, items, on_batch, resolve, batch_size)

    def ingest_customers(
        self, source: str, records: Iterable[Mapping[str, Any]], *, resolve: bool = True
    ) -> IngestOutcome:
        """Ingest customer records in the generic format (dicts) from ``source``."""
        items = _record_items(records)
        return self._ingest(source, "customers", items, None, resolve, DEFAULT_BATCH_SIZE)

    def _ingest(
        self,
        source: str,
        stream: str,
        items: Iterable[Any],
        on_batch: Callable[[IngestOutcome], None] | None,
        resolve: bool,
        batch_size: int,
    ) -> IngestOutcome:
        stream_kind = Stream(stream)
        validator = self.validators.get(stream_kind)
        if validator is None:
            raise NotImplementedError(f"the {stream} stream is not ingested yet")
        ingestor = Ingestor(
            store=self.records,
            validator=validator,
            source=source,
            stream=stream_kind,
            batch_size=batch_size,
            on_stored=self._announce if self.hook.records_ingested.get_hookimpls() else None,
            on_progress=on_batch,
        )
        outcome = ingestor.run(items)
        if resolve:
            self.resolve()
        return outcome

    def _announce(self, records: builtins.list[SourceRecord]) -> None:
        first = records[0]
        self.hook.records_ingested(source=first.source, stream=first.stream.value, records=records)

    # customers ----------------------------------------------------------------------------

    def set_source_region(self, source: str, region: str) -> None:
        """Remember ``region`` as the default phone region of ``source``'s numbers."""
        with self.records.transaction() as session:
            session.set_state(f"{_REGION_STATE}{source}", region.upper())

    def source_regions(self) -> dict[str, str]:
        """Return the remembered default phone region of each source."""
        return self.records.states(_REGION_STATE)

    def resolve(
        self,
        *,
        regions: dict[str, str] | None = None,
        dry_run: bool = False,
        full: bool = False,
    ) -> ResolveReport:
        """Resolve customer records into customers, keeping customer ids stable.

        Only what changed since the last run is resolved — new and changed records and new
        decisions, against the customers they may concern — unless ``full`` (or the first
        run, or a change to more than half the store) rebuilds from every record and refits
        the matching models. ``regions`` maps a source to the default phone region of its
        numbers; they are remembered for later runs (:meth:`set_source_region`); other
        sources use ``default_region``; a changed region takes effect for all of a source's
        records with ``full``. The golden records prefer the values of the sources with the
        higher priority (:meth:`set_source_priority`); a changed priority, or identifier
        kinds added or removed by a plugin, make the next run full. Decisions in the journal
        (merges, unmerges, review answers) always hold. With ``dry_run`` nothing is written;
        the report says what would merge and split.
        """
        for source, region in (regions or {}).items():
            self.set_source_region(source, region)
        notify = self.hook.customer_created if self.hook.customer_created.get_hookimpls() else None
        return resolve_customers(
            self.resolution_store,
            self.validators[Stream.CUSTOMERS],
            self.normalizer,
            self._chooser(),
            regions=self.source_regions(),
            default_region=self.default_region,
            config=self._resolver_config(),
            priorities=self.source_priorities(),
            dry_run=dry_run,
            full=full,
            on_created=(lambda c: notify(customer=c)) if notify else None,
        )

    def _chooser(self) -> Callable[[str, builtins.list[dict[str, Any]]], Any]:
        """Return ``choose(field, candidates)``: the ``choose_golden_value`` hook, bound once.

        A resolution asks it for every field of every customer, so the hook is bound for the
        run (:func:`~crmkit.plugins.direct_call`) instead of dispatched by pluggy each time.
        """
        hook = direct_call(self.hook.choose_golden_value)

        def choose(field: str, candidates: builtins.list[dict[str, Any]]) -> Any:
            return hook(field=field, candidates=candidates)

        return choose

    # decisions ----------------------------------------------------------------------------

    def merge(self, first: int, second: int, *, actor: str = "api", reason: str = "") -> Customer:
        """Merge two customers for good (a must-link decision); return the merged customer."""
        left, right = self.customer(first), self.customer(second)
        if left.id == right.id:
            return left
        self.resolution_store.add_decision(
            "merge", left.identities[0], right.identities[0], actor, reason
        )
        self.resolve()
        return self.customer(left.id)

    def unmerge(
        self, customer_id: int, identity: Identity, *, actor: str = "api", reason: str = ""
    ) -> Customer:
        """Separate one source identity from its customer for good; return its new customer.

        Recorded as cannot-link decisions between ``identity`` and every other identity of
        the customer, so no later run joins them again.
        """
        customer = self.customer(customer_id)
        if identity not in customer.identities:
            raise CrmkitError(f"customer {customer.id} has no identity {identity}")
        others = [i for i in customer.identities if i != identity]
        if not others:
            raise CrmkitError(f"{identity} is the only identity of customer {customer.id}")
        for other in others:
            self.resolution_store.add_decision("unmerge", identity, other, actor, reason)
        self.resolve()
        found = self.customer_store.find_by_identity(identity.source, identity.external_id)
        if found is None:  # pragma: no cover - every stored identity belongs to a customer
            raise UnknownCustomerError(str(identity))
        return found

    def review_items(self, status: str | None = "open") -> builtins.list[ReviewItem]:
        """Return the pairs waiting for a decision (or those with ``status``)."""
        return self.resolution_store.review_items(status)

    def decide(
        self, item_id: int, *, accept: bool, actor: str = "api", reason: str = ""
    ) -> ResolveReport:
        """Accept (same customer) or reject (different) a review item; re-resolve."""
        item = self.resolution_store.review_item(item_id)
        if item is None or item.status != "open":
            raise CrmkitError(f"no open review item {item_id}")
        kind = "accept" if accept else "reject"
        self.resolution_store.add_decision(kind, item.left, item.right, actor, reason)
        self.resolution_store.decide_review_item(item_id, "accepted" if accept else "rejected")
        return self.resolve()

    def explain(self, first: int, second: int) -> Explanation:
        """Return why customers ``first`` and ``second`` are one customer, or why not.

        For one customer: the chain of links between their records, each with its rule and
        comparison weights. For two: the direct comparison of their closest records and the
        reason they were not linked.
        """
        left, right = self.customer(first), self.customer(second)
        inputs, resolution, _ = compute(
            self.resolution_store,
            self.validators[Stream.CUSTOMERS],
            self.normalizer,
            regions=self.source_regions(),
            default_region=self.default_region,
            config=self._resolver_config(),
            customers={left.id, right.id},
            priorities=self.source_priorities(),
        )
        a = inputs.position[left.identities[0]]
        candidates = [inputs.position[i] for i in right.identities if i in inputs.position]
        if left.id == right.id:
            b = next((p for p in candidates if p != a), a)
            return explain(resolution, a, b)
        return max(
            (
                explain(resolution, p, q)
                for p in (inputs.position[i] for i in left.identities)
                for q in candidates
            ),
            key=lambda e: e.direct.log_odds if e.direct else float("-inf"),
        )

    def decisions(self) -> builtins.list[Decision]:
        """Return the decisions journal, oldest first."""
        return self.resolution_store.decisions()

    def customer(self, customer_id: int) -> Customer:
        """Return one customer by id (an old id of a merged customer resolves too)."""
        return self.customer_store.get(customer_id)

    def customers(self) -> Iterator[Customer]:
        """Yield every current customer, in id order, without loading them all at once."""
        return self.customer_store.iter_all()

    def count_customers(self) -> int:
        """Return how many current customers there are."""
        return self.customer_store.count()

    def find_customers(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        identifier: tuple[str, str] | None = None,
        identity: tuple[str, str] | None = None,
        name: str | None = None,
        region: str | None = None,
        kind: str | None = None,
    ) -> builtins.list[Customer]:
        """Return the customers matching any one given fact, in any format the source used.

        ``phone`` is normalised like ingested phones (``region`` for numbers written
        without a country code, as the source's default region is); ``identifier`` is
        ``(kind, value)`` such as
        ``("inn", "7707083893")``; ``identity`` is ``(source, external_id)``; ``name`` a
        person's or firm's name in any script, order or spelling (``kind`` ``person`` or
        ``organization`` settles an ambiguous one), best matches first.
        """
        if name is not None:
            found_ids = customers_named(self.resolution_store, self.normalizer, name, kind)
            return [self.customer(customer_id) for customer_id in found_ids]
        if identity is not None:
            found = self.customer_store.find_by_identity(*identity)
            return [found] if found else []
        if phone is not None:
            point = self.normalizer.contact(ContactKind.PHONE, phone, region or self.default_region)
            return self.customer_store.find_by_key("phone", point.value) if point.value else []
        if email is not None:
            point = self.normalizer.contact(ContactKind.EMAIL, email)
            return self.customer_store.find_by_key("email", point.value) if point.value else []
        if identifier is not None:
            kind, raw = identifier
            value, _problem = self.normalizer.identifier(kind, raw, None)
            return self.customer_store.find_by_key(f"id:{kind.lower()}", value) if value else []
        raise TypeError("find_customers needs one of phone, email, identifier, identity or name")

    def dead_letters(
        self, *, source: str | None = None, status: str | None = "open", limit: int | None = None
    ) -> builtins.list[DeadLetter]:
        """Return dead letters (default: the open ones), oldest first."""
        return self.records.dead_letters(source=source, status=status, limit=limit)

    def sync(
        self,
        config: Config,
        sources: Sequence[str] | None = None,
        *,
        full: bool = False,
        wait: bool = True,
        resolve: bool | None = None,
        progress: Callable[[str, str], AbstractContextManager[StreamProgress]] | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> SyncReport:
        """Sync the configured ``sources`` (default: all enabled) incrementally; return the report.

        Each stream reads from its committed cursor (``full``: from the start), under a
        database lock (``wait=False``: a stream another process is syncing is reported
        ``busy``). Transient failures are retried, permanent ones fail that stream only.
        Identity resolution runs afterwards when records changed, unless ``resolve`` (default:
        the configuration's ``[sync] resolve``) is False; then ``sync_finished`` is called.
        """
        from crmkit.sync.engine import SyncEngine, quiet_progress

        engine = SyncEngine(
            self, config, progress=progress or quiet_progress, on_message=on_message
        )
        return engine.run(sources, full=full, wait=wait, resolve=resolve)

    def sync_runs(self, source: str | None = None) -> dict[tuple[str, str], SyncRun]:
        """Return the latest sync run of each (source, stream), optionally of one source."""
        from crmkit.store.sync import SqlSyncStore

        return SqlSyncStore(self.database).last_runs(source)

    def set_source_priority(self, source: str, priority: int) -> None:
        """Remember ``source``'s survivorship priority (higher wins)."""
        with self.records.transaction() as session:
            session.set_state(f"{_PRIORITY_STATE}{source}", str(int(priority)))

    def source_priorities(self) -> dict[str, int]:
        """Return the remembered survivorship priority of each source."""
        return {k: int(v) for k, v in self.records.states(_PRIORITY_STATE).items()}

    def set_source_timezone(self, source: str, zone: str) -> None:
        """Remember the time zone (``Europe/Moscow``) of the local times ``source`` sends."""
        with self.records.transaction() as session:
            session.set_state(f"{_TIMEZONE_STATE}{source}", zone)

    def source_timezones(self) -> dict[str, str]:
        """Return the remembered time zone of each source that sends local times."""
        return self.records.states(_TIMEZONE_STATE)

    def dead_letter(self, letter_id: int) -> DeadLetter:
        """Return one dead letter with its raw payload; raise :class:`CrmkitError` if unknown."""
        from crmkit.store.sync import SqlSyncStore

        letter = SqlSyncStore(self.database).dead_letter(letter_id)
        if letter is None:
            raise CrmkitError(f"no dead letter with id {letter_id}")
        return letter

    def retry_dead_letters(
        self,
        ids: Iterable[int] | None = None,
        *,
        source: str | None = None,
        config: Config | None = None,
        resolve: bool = True,
    ) -> RetryReport:
        """Validate open dead letters again with today's code and ``config``; return the report.

        ``ids`` picks letters (default: every open one, of ``source`` if given). Each raw
        payload is mapped again by its source's adapter as ``config`` configures it; letters
        of sources ``config`` does not name are left alone. Letters that pass now become
        records and are marked ``retried``; the others stay open with the new reason.
        Customers are resolved afterwards when any letter was fixed.
        """
        from crmkit.sync.deadletters import retry_letters

        if ids is None:
            letters = self.dead_letters(source=source)
        else:
            letters = [self.dead_letter(i) for i in ids]
            if source is not None:
                letters = [x for x in letters if x.source == source]
        report = retry_letters(self, letters, config)
        if resolve and report.fixed:
            self.resolve()
        return report

    def discard_dead_letters(self, ids: Iterable[int]) -> int:
        """Mark open dead letters ``ids`` discarded (kept, never retried); return how many."""
        from crmkit.store.sync import SqlSyncStore

        wanted = builtins.list(ids)
        for letter_id in wanted:
            self.dead_letter(letter_id)
        return SqlSyncStore(self.database).set_dead_letter_status(wanted, "discarded")

    # orders, interactions and the customer card ------------------------------------------

    @functools.cached_property
    def order_store(self) -> SqlOrderStore:
        """Return the order projection's store."""
        return SqlOrderStore(self.database)

    @functools.cached_property
    def interaction_store(self) -> SqlInteractionStore:
        """Return the interaction projection's store."""
        return SqlInteractionStore(self.database)

    def project(self, *, full: bool = False) -> ProjectionReport:
        """Bring orders, order events and interactions up to date with their records.

        Reads only the records stored since the last pass; the read methods below call it
        first, so it rarely needs calling directly. With ``full``, every record is projected
        again (after :meth:`map_status_word`, say). Calls ``order_status_changed`` and
        ``interaction_recorded`` for what changed. Returns what the pass did.
        """
        from crmkit.services.orders import (
            PROJECTION_MARK,
            ProjectionContext,
            ProjectionReport,
            project,
            status_words_from_states,
        )

        if not full and not self.order_store.pending(PROJECTION_MARK):
            return ProjectionReport()
        context = ProjectionContext(
            validators=self.validators,
            normalizer=self.normalizer,
            regions=self.source_regions(),
            default_region=self.default_region,
            status_words=status_words_from_states(self.records.states(_STATUS_WORD_STATE)),
        )
        return project(
            self.order_store,
            context,
            on_changed=lambda order, before: self.hook.order_status_changed(
                order=order, previous=before
            ),
            on_recorded=lambda interaction: self.hook.interaction_recorded(interaction=interaction),
            full=full,
        )

    def _ingest_stream(
        self, source: str, stream: Stream, records: Iterable[Mapping[str, Any]]
    ) -> IngestOutcome:
        items = _record_items(records)
        outcome = self._ingest(
            source, stream.value, items, None, resolve=False, batch_size=DEFAULT_BATCH_SIZE
        )
        self.project()
        return outcome

    def ingest_orders(self, source: str, records: Iterable[Mapping[str, Any]]) -> IngestOutcome:
        """Ingest order records in the generic format (dicts) from ``source``; project them."""
        return self._ingest_stream(source, Stream.ORDERS, records)

    def ingest_order_events(
        self, source: str, records: Iterable[Mapping[str, Any]]
    ) -> IngestOutcome:
        """Ingest order-event records (dicts) from ``source``; the same event twice is one."""
        return self._ingest_stream(source, Stream.ORDER_EVENTS, records)

    def ingest_interactions(
        self, source: str, records: Iterable[Mapping[str, Any]]
    ) -> IngestOutcome:
        """Ingest interaction records in the generic format (dicts) from ``source``."""
        return self._ingest_stream(source, Stream.INTERACTIONS, records)

    def record_interaction(self, source: str, **fields: Unpack[InteractionFields]) -> Interaction:
        """Record one interaction from ``source`` and return it, linked like an imported one.

        Keyword arguments: ``channel`` and ``direction`` (required), ``occurred_at``
        (required, aware), ``external_id`` (defaults to a new UUID), ``customer_external_id``
        (an identity of ``source``), ``phone`` or ``email`` naming the customer,
        ``duration_seconds``, ``subject``, ``agent``, ``outcome``, ``order_number``,
        ``csat`` and ``nps``. Raises :class:`~crmkit.errors.RecordError` when it is not
        valid, :class:`TypeError` for a missing or unknown argument.
        """
        from crmkit.services.interactions import check_fields, interaction_record

        check_fields(dict(fields), "record_interaction")
        record = interaction_record(**fields)
        self.validators[Stream.INTERACTIONS].validate(record)
        self.ingest_interactions(source, [record])
        found = self.interaction_store.get(source, record["external_id"])
        if found is None:  # pragma: no cover - a valid record is always stored
            raise CrmkitError(f"interaction {source}/{record['external_id']} was not stored")
        return found

    def interactions(
        self, customer_id: int, *, limit: int | None = 100
    ) -> builtins.list[Interaction]:
        """Return a customer's interactions, newest first, linked by identity, phone or e-mail."""
        self.project()
        return self.interaction_store.for_customer(customer_id, limit)

    def track(self, number: str) -> builtins.list[TrackedOrder]:
        """Return the orders known under ``number`` in any system (or a tracking number).

        Usually one: an order known to several systems is one tracked order with every
        system's number, every event, the current status and its anomalies.
        """
        from crmkit.services.card import complete

        self.project()
        return complete(self, self.order_store.load(self.order_store.find(number)))

    def order(self, number: str) -> TrackedOrder:
        """Return the one order known under ``number``; raise if none or several are."""
        found = self.track(number)
        if not found:
            raise CrmkitError(f"no order is known under {number!r}")
        if len(found) > 1:
            raise CrmkitError(
                f"{len(found)} orders are known under {number!r}: "
                + ", ".join(f"{n.source}/{n.external_id}" for o in found for n in o.numbers[:1])
            )
        return found[0]

    def orders(
        self,
        *,
        status: str | Iterable[str] | None = None,
        overdue: bool = False,
        customer: int | None = None,
        limit: int = 100,
    ) -> builtins.list[TrackedOrder]:
        """Return orders, newest first: in ``status``, stuck past their SLA, of ``customer``."""
        from crmkit.services.card import complete

        self.project()
        statuses = [status] if isinstance(status, str) else builtins.list(status or ())
        ids = self.order_store.select_groups(
            statuses=[OrderStatus(s).value for s in statuses],
            overdue=self.order_sla() if overdue else None,
            now=utc_now(),
            customer_id=customer,
            limit=limit,
        )
        return complete(self, self.order_store.load(ids))

    def order_customers(self, order: TrackedOrder) -> builtins.list[Customer]:
        """Return the customers an order belongs to (usually one; none if nobody matches)."""
        return [self.customer(i) for i in self.order_store.customers_of(order)]

    def cards(
        self,
        customer_id: int | None = None,
        *,
        phone: str | None = None,
        email: str | None = None,
        inn: str | None = None,
        order: str | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """Return the card of every customer one key finds (a shared phone finds several)."""
        from crmkit.card import build_card
        from crmkit.services.card import card_customers

        found = card_customers(self, customer_id, phone=phone, email=email, inn=inn, order=order)
        return [build_card(self, c) for c in found]

    def card(
        self,
        customer_id: int | None = None,
        *,
        phone: str | None = None,
        email: str | None = None,
        inn: str | None = None,
        order: str | None = None,
    ) -> dict[str, Any]:
        """Return the customer card found by id, phone, e-mail, INN or any order number.

        Raises :class:`~crmkit.errors.UnknownCustomerError` when nobody matches and
        :class:`~crmkit.errors.CrmkitError` when several customers do (see :meth:`cards`).
        """
        found = self.cards(customer_id, phone=phone, email=email, inn=inn, order=order)
        key = next(v for v in (customer_id, phone, email, inn, order) if v is not None)
        if not found:
            raise UnknownCustomerError(key)
        if len(found) > 1:
            ids = ", ".join(str(c["customer"]["id"]) for c in found)
            raise CrmkitError(f"{len(found)} customers match {key!r}: {ids}; use cards()")
        return found[0]

    def set_order_sla(self, status: str, limit: dt.timedelta) -> None:
        """Remember how long an order may stay in ``status`` before it counts as stuck."""
        with self.records.transaction() as session:
            name = f"{_SLA_STATE}{OrderStatus(status).value}"
            session.set_state(name, str(limit.total_seconds()))

    def order_sla(self) -> dict[OrderStatus, dt.timedelta]:
        """Return the SLA of each open status: the built-in defaults and any set here."""
        from crmkit.services.orders import sla_from_states

        return sla_from_states(self.records.states(_SLA_STATE))

    def map_status_word(self, source: str, word: str, status: str) -> None:
        """Remember that ``source``'s status ``word`` means order ``status``.

        Applies to records projected from now on (``project(full=True)`` applies it to the
        stored ones); a source's own mapping wins over the built-in words.
        """
        from crmkit.builtins.orders import word_key

        with self.records.transaction() as session:
            session.set_state(
                f"{_STATUS_WORD_STATE}{source}:{word_key(word)}", OrderStatus(status).value
            )

    def declare_attribute(self, name: str, type: str, purpose: str) -> None:  # noqa: A002
        """Declare custom attribute ``name``: its ``type`` and the ``purpose`` it is kept for.

        Types: text, integer, decimal, boolean, date, email, phone. The card shows declared
        attributes with their purpose, and flags values of the wrong type.
        """
        from crmkit.services.card import AttributeDeclaration

        declaration = AttributeDeclaration(name, type, purpose)
        with self.records.transaction() as session:
            session.set_state(
                f"{_ATTRIBUTE_STATE}{name}",
                msgspec.json.encode({"type": declaration.type, "purpose": purpose}).decode(),
            )

    def attribute_declarations(self) -> dict[str, AttributeDeclaration]:
        """Return the declared custom attributes by name: plugins', then those stored here."""
        from crmkit.services.card import AttributeDeclaration, plugin_declarations

        return plugin_declarations(self.pm) | {
            name: AttributeDeclaration(name, **msgspec.json.decode(value))
            for name, value in sorted(self.records.states(_ATTRIBUTE_STATE).items())
        }

    # calls --------------------------------------------------------------------------------

    def lookup_caller(self, phone: str, region: str | None = None) -> CallerCard | None:
        """Return the short card of the customer on ``phone`` (any format), or ``None``.

        The card has the customer's id, name, segment (when kept), open orders with their
        status and the last five interactions. ``region`` reads a number written without a
        country code (default: ``default_region``, then each source's region). Found through
        the lookup keys, so it answers in milliseconds.
        """
        from crmkit.services.calls import caller_card

        return caller_card(self, phone, region)

    def announce_call(
        self,
        source: str,
        caller: str,
        *,
        called: str | None = None,
        call_id: str | None = None,
        at: dt.datetime | None = None,
    ) -> CallerCard | None:
        """Report a call ringing now: look the caller up, call ``incoming_call``; return the card.

        Phone-system adapters call it for a screen pop; ``caller`` is the number as the phone
        system gave it. The hook gets ``card=None`` for an unknown number.
        """
        from crmkit.services.calls import IncomingCall, announce_call

        call = IncomingCall(
            source=source, caller=caller, at=at or utc_now(), called=called, call_id=call_id
        )
        return announce_call(self, call)

    # analytics ----------------------------------------------------------------------------

    def segments(
        self, settings: AnalyticsSettings | None = None, now: dt.datetime | None = None
    ) -> SegmentReport:
        """Return every customer's segments (VIP, A, B, C, D, plugins'), RFM and why.

        Aggregated in the database; ``settings`` holds the thresholds and assumptions
        (:class:`crmkit.analytics.AnalyticsSettings`), ``now`` defaults to the current time.
        """
        from crmkit.analytics.segments import segments

        return segments(*self._analytics(settings, now), self.pm)

    def customer_value(
        self, settings: AnalyticsSettings | None = None, now: dt.datetime | None = None
    ) -> ValueReport:
        """Return each customer's historical value and CLV, and their sums per segment."""
        from crmkit.analytics.value import values

        return values(*self._analytics(settings, now), self.pm)

    def churn_risk(
        self, settings: AnalyticsSettings | None = None, now: dt.datetime | None = None
    ) -> ChurnReport:
        """Return churn risk against each customer's own rhythm, and the retention list."""
        from crmkit.analytics.churn import churn

        return churn(*self._analytics(settings, now), self.pm)

    def reminders(
        self,
        days: int = 7,
        settings: AnalyticsSettings | None = None,
        now: dt.datetime | None = None,
    ) -> builtins.list[Reminder]:
        """Return the reminders due within ``days`` days: key dates, replenishment, follow-ups.

        Birthdays and declared ``date`` attributes, expected replenishment orders, follow-ups
        promised in interactions, and open complaints; overdue ones are included.
        """
        from crmkit.analytics.reminders import reminders

        database, chosen, at = self._analytics(settings, now)
        dates = [n for n, d in self.attribute_declarations().items() if d.type == "date"]
        return reminders(database, chosen, at, days, dates)

    def satisfaction(
        self, settings: AnalyticsSettings | None = None, now: dt.datetime | None = None
    ) -> SatisfactionReport:
        """Return CSAT and NPS by month and by segment, and complaints opened and resolved."""
        from crmkit.analytics.satisfaction import satisfaction

        return satisfaction(*self._analytics(settings, now), self.pm)

    def _analytics(
        self, settings: AnalyticsSettings | None, now: dt.datetime | None
    ) -> tuple[Database, AnalyticsSettings, dt.datetime]:
        from crmkit.analytics.settings import AnalyticsSettings

        self.project()
        return self.database, settings or AnalyticsSettings(), now or utc_now()


def open(  # noqa: A001 - the natural name for opening a crmkit database
    url: str | None = None,
    *,
    entrypoints: bool = True,
    plugins: tuple[object, ...] = (),
    create: bool = True,
    default_region: str | None = None,
) -> Crmkit:
    """Return a :class:`Crmkit` on the database at ``url``.

    ``url`` is any SQLAlchemy URL; default ``CRMKIT_DATABASE_URL`` or ``sqlite:///crmkit.db``.
    ``entrypoints=False`` loads only built-ins (and ``plugins``); ``plugins`` are extra plugin
    objects to register. With ``create``, the schema is created or upgraded now.
    ``default_region`` is the phone region for numbers without a country code (``"RU"``).
    """
    pm = get_plugin_manager(entrypoints=entrypoints, extra=plugins)
    crm = Crmkit(Database(url), pm, default_region=default_region)
    if create:
        try:
            crm.database.ensure_schema()
        except BaseException:
            crm.close()
            raise
    return crm


def _record_items(records: Iterable[Mapping[str, Any]]) -> Iterator[RawItem]:
    """Yield an item per record in the generic format, its JSON kept as the raw payload."""
    for n, record in enumerate(records, start=1):
        raw = msgspec.json.encode(record).decode()
        yield RawItem(raw=raw, data=record, position=f"item {n}", raw_is_record=True)
