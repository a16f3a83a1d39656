"""The Python API for embedding crmkit: ``crm = crmkit.open(url)``."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import msgspec

from crmkit.domain import (
    ContactKind,
    Customer,
    DeadLetter,
    Identity,
    IngestOutcome,
    RawItem,
    Stream,
)
from crmkit.errors import CrmkitError, UnknownAdapterError, UnknownCustomerError
from crmkit.identity.explain import Explanation, explain
from crmkit.identity.normalize import Normalizer
from crmkit.plugins import CrmkitPluginManager, collect_adapters, get_plugin_manager
from crmkit.schemas import CustomerRecordSchema, RecordValidator
from crmkit.sdk.adapter import Adapter, NoProgress, Progress
from crmkit.services.ingest import DEFAULT_BATCH_SIZE, Ingestor
from crmkit.services.resolution import (
    ResolveReport,
    compute,
    customers_named,
    resolve_customers,
)
from crmkit.store import Database
from crmkit.store.customers import SqlCustomerStore
from crmkit.store.records import SqlRecordStore
from crmkit.store.resolution import Decision, ReviewItem, SqlResolutionStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from types import TracebackType

    from crmkit.domain import SourceRecord


_REGION_STATE = "source-region:"


def _validators() -> dict[Stream, RecordValidator]:
    return {Stream.CUSTOMERS: RecordValidator(CustomerRecordSchema())}


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
        items = (
            RawItem(
                raw=msgspec.json.encode(r).decode(),
                data=r,
                position=f"item {n}",
                raw_is_record=True,
            )
            for n, r in enumerate(records, start=1)
        )
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
        records with ``full``. Decisions in the journal (merges, unmerges, review answers)
        always hold. With ``dry_run`` nothing is written; the report says what would merge
        and split.
        """
        for source, region in (regions or {}).items():
            self.set_source_region(source, region)
        notify = self.hook.customer_created if self.hook.customer_created.get_hookimpls() else None
        return resolve_customers(
            self.resolution_store,
            self.validators[Stream.CUSTOMERS],
            self.normalizer,
            self._choose,
            regions=self.source_regions(),
            default_region=self.default_region,
            dry_run=dry_run,
            full=full,
            on_created=(lambda c: notify(customer=c)) if notify else None,
        )

    def _choose(self, field: str, candidates: builtins.list[dict[str, Any]]) -> Any:
        return self.hook.choose_golden_value(field=field, candidates=candidates)

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
            customers={left.id, right.id},
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
