"""The ``1c-odata`` adapter: counterparties and customer orders over 1C's standard OData.

Incremental reading, honestly: 1C's OData has no universal change timestamp. Catalogs
(counterparties) carry none at all, so each sync reads the whole catalog page by page
(``$orderby=Ref_Key``, ``$top``/``$skip``) and crmkit's payload hashes turn unchanged
counterparties into no-ops; the cursor only lets a failed sync resume at the page it
reached. Documents (orders) carry their ``Date``: each sync reads the documents dated from
``lookback_days`` before the newest one seen last time (``$filter=Date ge datetime'…'``),
so status changes of orders younger than that window are seen; ``crmkit sync --full``
reads every order again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from marshmallow import ValidationError, fields, validate, validates

from crmkit.domain import RawItem
from crmkit.errors import AdapterError, PermanentError
from crmkit.sdk.adapter import Adapter, Checkpoint, Progress, StreamSpec
from crmkit_1c._http import HttpSession
from crmkit_1c._settings import HttpSettings
from crmkit_1c._values import DEFAULT_TIMEZONE, currency_code, reason, ref
from crmkit_1c.odata.client import (
    NotPublishedError,
    ODataClient,
    encode_entity_json,
    odata_error,
)
from crmkit_1c.odata.mapping import counterparty_record, order_record
from crmkit_1c.odata.profiles import ENTITY_KEYS, FIELD_KEYS, PROFILES, Profile

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

log = logging.getLogger("crmkit_1c.odata")
CUSTOMERS = "customers"
ORDERS = "orders"
_LOOKUP_BATCH = 20


class ODataSettings(HttpSettings):
    """Settings of the ``1c-odata`` adapter (see ``docs/adapters/1c.md``)."""

    profile = fields.String(load_default="ut11", validate=validate.OneOf(sorted(PROFILES)))
    entities = fields.Dict(keys=fields.String(), load_default=dict)
    fields_ = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict, data_key="fields"
    )
    page_size = fields.Integer(load_default=500, strict=True, validate=validate.Range(1, 5000))
    deleted = fields.String(load_default="mark", validate=validate.OneOf(["mark", "skip"]))
    lookback_days = fields.Integer(load_default=30, strict=True, validate=validate.Range(min=0))
    date_filter = fields.Boolean(load_default=True)
    currency = fields.String(
        load_default="RUB", validate=validate.Regexp(r"^[A-Z]{3}$", error="an ISO 4217 code")
    )
    product_names = fields.Boolean(load_default=True)
    partner_contacts = fields.Boolean(load_default=True)
    customer_number_source = fields.String(load_default=None, allow_none=True)

    @validates("entities")
    def _known_entities(self, value: dict[str, Any], **_: Any) -> None:
        unknown = sorted(set(value) - set(ENTITY_KEYS))
        if unknown:
            raise ValidationError(_unknown(unknown[0], ENTITY_KEYS))
        for key, names in value.items():
            if not (isinstance(names, str) and names) and not (
                isinstance(names, list) and names and all(isinstance(n, str) for n in names)
            ):
                raise ValidationError(f"{key}: an entity set name or a list of them")

    @validates("fields_")
    def _known_fields(self, value: dict[str, str], **_: Any) -> None:
        unknown = sorted(set(value) - set(FIELD_KEYS))
        if unknown:
            raise ValidationError(_unknown(unknown[0], FIELD_KEYS))


def _unknown(key: str, known: dict[str, str]) -> str:
    return f"unknown key {key!r} (known: {', '.join(sorted(known))})"


class ODataAdapter(Adapter):
    """Reads counterparties (``customers``) and customer orders (``orders``) from 1C OData."""

    name = "1c-odata"
    description = "1C:Enterprise over the standard OData interface (УТ 11, КА 2, ERP 2, БП 3)"
    config_schema = ODataSettings
    streams: ClassVar[tuple[StreamSpec, ...]] = (
        StreamSpec(CUSTOMERS, "counterparties (Catalog_Контрагенты)"),
        StreamSpec(ORDERS, "customer orders with lines and status"),
    )
    timezone: dt.tzinfo = DEFAULT_TIMEZONE

    def __init__(self, source: str, config: Any) -> None:
        super().__init__(source, config)
        settings = self.config
        self.profile: Profile = PROFILES[settings["profile"]].overridden(
            settings["entities"], settings["fields_"]
        )
        self.http = HttpSession(
            source,
            username=settings["username"],
            password=settings["password"],
            timeout=settings["timeout"],
            retries=settings["http_retries"],
            backoff=settings["http_backoff"],
            verify=settings["verify_tls"],
        )
        self.client = ODataClient(source, settings["url"], self.http, settings["username"])
        self._currencies: dict[str, str] | None = None
        self._products: dict[str, str] = {}
        self._product_names = bool(settings["product_names"])
        self._partner_contacts = bool(settings["partner_contacts"])
        self._orders_entity: str | None = None

    # connection -----------------------------------------------------------------------------

    def check(self) -> str:
        """Read the service document; return which configured entity sets 1C publishes.

        Raises :class:`~crmkit.errors.PermanentError` in 1C's words for a refused user, a
        wrong URL or a counterparty catalog that is not published.
        """
        response = self.http.get(
            f"{self.client.root}?$format=json", refused=lambda r: self.client.refused(r, None)
        )
        published = _published(self.source, response.content)
        wanted = [
            *self.profile.entities["counterparties"][:1],
            *self.profile.entities["orders"],
        ]
        missing = [e for e in wanted if e not in published]
        counterparties = self.profile.entity("counterparties")
        if counterparties in missing:
            raise NotPublishedError(self.source, counterparties, "not in the service document")
        orders = [e for e in self.profile.entities["orders"] if e in published]
        found = f"orders from {orders[0]}" if orders else "no order document published"
        return (
            f"1C OData at {self.client.root}: {len(published)} entity sets published; "
            f"counterparties from {counterparties}, {found} (profile {self.profile.name})"
        )

    # reading --------------------------------------------------------------------------------

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield the items of ``customers`` or ``orders`` after ``cursor``, page by page.

        A checkpoint follows every page; the last one starts the next sync over (customers)
        or from the new date window (orders). An entity that cannot be mapped is yielded
        with ``error``; an unreachable or refusing server raises.
        """
        state = _cursor(cursor)
        progress.set_total(None)
        if stream == CUSTOMERS:
            yield from self._counterparties(state, progress)
        elif stream == ORDERS:
            yield from self._orders(state, progress)
        else:
            raise AdapterError(self.source, f"the 1c-odata adapter has no stream {stream!r}")

    def _counterparties(
        self, state: dict[str, Any], progress: Progress
    ) -> Iterator[RawItem | Checkpoint]:
        entity = self.profile.entity("counterparties")
        skip = int(state.get("skip") or 0)
        top = self.config["page_size"]
        while True:
            page = self.client.page(entity, top=top, skip=skip)
            partners = self._partners(page)
            for offset, item in enumerate(page):
                position = f"{entity} item {skip + offset + 1}"
                if item.get("IsFolder") is True or self._skipped(item):
                    continue
                yield self._item(item, position, self._counterparty_mapper(partners))
            progress.advance(len(page))
            skip += len(page)
            if len(page) < top:
                yield Checkpoint(json.dumps({"skip": 0}))
                return
            yield Checkpoint(json.dumps({"skip": skip}))

    def _orders(self, state: dict[str, Any], progress: Progress) -> Iterator[RawItem | Checkpoint]:
        since: str | None = state.get("since")
        high: str | None = state.get("high")
        skip = int(state.get("skip") or 0)
        top = self.config["page_size"]
        date_field = self.profile.field("date")
        filter_ = None
        if since and date_field and self.config["date_filter"]:
            filter_ = f"{date_field} ge datetime'{since}'"
        while True:
            entity, page = self._orders_page(top=top, skip=skip, filter_=filter_)
            self._name_products(page)
            for offset, item in enumerate(page):
                date = item.get(date_field) if date_field else None
                if isinstance(date, str) and (high is None or date > high):
                    high = date
                if since and isinstance(date, str) and date < since:
                    continue
                if self._skipped(item):
                    continue
                position = f"{entity} item {skip + offset + 1}"
                yield self._item(item, position, self._order)
            progress.advance(len(page))
            skip += len(page)
            if len(page) < top:
                yield Checkpoint(json.dumps({"since": self._window(high) or since, "skip": 0}))
                return
            yield Checkpoint(json.dumps({"since": since, "skip": skip, "high": high}))

    def _orders_page(
        self, *, top: int, skip: int, filter_: str | None
    ) -> tuple[str, list[dict[str, Any]]]:
        """Return the order entity set read and one page of it, finding the published one."""
        candidates = (
            [self._orders_entity] if self._orders_entity else self.profile.entities["orders"]
        )
        first_error: NotPublishedError | None = None
        for entity in candidates:
            try:
                page = self.client.page(entity, top=top, skip=skip, filter_=filter_)
            except NotPublishedError as exc:
                first_error = first_error or exc
                continue
            self._orders_entity = entity
            return entity, page
        assert first_error is not None  # noqa: S101 - the candidates are never empty
        raise first_error

    def _window(self, high: str | None) -> str | None:
        """Return the start of the next sync's date window: ``lookback_days`` before ``high``."""
        if not high:
            return None
        try:
            newest = dt.datetime.fromisoformat(high[:19])
        except ValueError:
            return None
        start = newest - dt.timedelta(days=self.config["lookback_days"])
        return start.replace(microsecond=0).isoformat()

    def _skipped(self, item: dict[str, Any]) -> bool:
        return item.get("DeletionMark") is True and self.config["deleted"] == "skip"

    def _item(
        self,
        entity: dict[str, Any],
        position: str,
        mapper: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> RawItem:
        raw = encode_entity_json(entity)
        try:
            data = mapper(entity)
        except (ValueError, TypeError, AttributeError) as exc:
            return RawItem(raw=raw, data=None, position=position, error=reason(exc))
        return RawItem(raw=raw, data=data, position=position)

    def _counterparty_mapper(
        self, partners: dict[str, dict[str, Any]]
    ) -> Callable[[dict[str, Any]], dict[str, Any]]:
        partner_field = self.profile.field("partner")

        def mapped(entity: dict[str, Any]) -> dict[str, Any]:
            key = ref(entity.get(partner_field)) if partner_field else None
            return counterparty_record(entity, self.profile, partners.get(key or ""))

        return mapped

    def _order(self, entity: dict[str, Any]) -> dict[str, Any]:
        return order_record(
            entity,
            self.profile,
            zone=self.timezone,
            currencies=self.currencies(),
            default_currency=self.config["currency"],
            products=self._products,
            customer_number_source=self.config["customer_number_source"],
        )

    # look-ups -------------------------------------------------------------------------------

    def currencies(self) -> dict[str, str]:
        """Return ISO codes by ``Catalog_Валюты`` key, read once; empty if not published."""
        if self._currencies is None:
            self._currencies = {}
            entity = self.profile.entity("currencies")
            try:
                rows = self.client.page(entity, top=1000, skip=0, select="Ref_Key,Code,Description")
            except NotPublishedError as exc:
                log.warning("%s; order currencies default to %s", exc, self.config["currency"])
                rows = []
            for row in rows:
                key = ref(row.get("Ref_Key"))
                code = currency_code(str(row.get("Code") or "")) or currency_code(
                    str(row.get("Description") or "")
                )
                if key and code:
                    self._currencies[key] = code
        return self._currencies

    def _lookup(self, key: str, refs: set[str], select: str | None) -> list[dict[str, Any]]:
        """Return the entities of ``key``'s entity set with these ``Ref_Key`` s, a few per request.

        Raises :class:`NotPublishedError` when 1C does not publish the entity set.
        """
        keys = sorted(refs)
        entity = self.profile.entity(key)
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), _LOOKUP_BATCH):
            chunk = keys[start : start + _LOOKUP_BATCH]
            filter_ = " or ".join(f"Ref_Key eq guid'{k}'" for k in chunk)
            found.extend(
                self.client.page(entity, top=len(chunk), skip=0, filter_=filter_, select=select)
            )
        return found

    def _name_products(self, page: list[dict[str, Any]]) -> None:
        """Look up the names of the products on a page of orders."""
        lines_field = self.profile.field("lines")
        product_field = self.profile.field("line_product")
        if not (self._product_names and lines_field and product_field):
            return
        wanted = {
            key
            for order in page
            for row in order.get(lines_field) or []
            if isinstance(row, dict) and (key := ref(row.get(product_field)))
        } - set(self._products)
        try:
            rows = self._lookup("products", wanted, "Ref_Key,Description")
        except NotPublishedError as exc:
            log.warning("%s; order lines keep product keys only", exc)
            self._product_names = False
            return
        for row in rows:
            key = ref(row.get("Ref_Key"))
            if key and isinstance(row.get("Description"), str):
                self._products[key] = row["Description"].strip()
        for key in wanted:
            self._products.setdefault(key, "")

    def _partners(self, page: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Return the partners (УТ 11, КА 2, ERP 2) of a page of counterparties, by key.

        In these configurations the customer's contact information usually lives on the
        partner (``Catalog_Партнеры``), not on the counterparty.
        """
        partner_field = self.profile.field("partner")
        if not (self._partner_contacts and partner_field):
            return {}
        wanted = {k for item in page if (k := ref(item.get(partner_field)))}
        try:
            rows = self._lookup("partners", wanted, None)
        except NotPublishedError as exc:
            log.warning("%s; counterparties keep their own contact information only", exc)
            self._partner_contacts = False
            return {}
        return {k: row for row in rows if (k := ref(row.get("Ref_Key")))}

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:
        """Return the item for a dead letter's raw entity (its JSON), mapped again."""
        import decimal

        import msgspec

        where = position or "dead letter"
        try:
            entity = msgspec.json.Decoder(float_hook=decimal.Decimal).decode(raw)
        except msgspec.DecodeError as exc:
            return RawItem(raw=raw, data=None, position=where, error=f"malformed JSON: {exc}")
        if not isinstance(entity, dict):
            return RawItem(raw=raw, data=None, position=where, error="not a 1C entity")
        if stream == CUSTOMERS:
            return self._item(entity, where, self._counterparty_mapper(self._partners([entity])))
        return self._item(entity, where, self._order)


def _cursor(cursor: Any) -> dict[str, Any]:
    """Return a stored cursor as a dict; anything unreadable starts from the beginning."""
    if not cursor:
        return {}
    try:
        value = json.loads(cursor) if isinstance(cursor, str) else cursor
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _published(source: str, body: bytes) -> set[str]:
    """Return the entity set names of a service document (JSON or Atom XML)."""
    import re

    try:
        document = json.loads(body)
    except ValueError:
        return set(re.findall(r'<collection\s+href="([^"]+)"', body.decode("utf-8", "replace")))
    values = document.get("value") if isinstance(document, dict) else None
    if not isinstance(values, list):
        found = odata_error(body)
        raise PermanentError(
            source, f"not a 1C OData service document{': ' + found[1] if found else ''}"
        )
    return {str(v.get("name") or v.get("url")) for v in values if isinstance(v, dict)}
