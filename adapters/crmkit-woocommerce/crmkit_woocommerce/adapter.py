"""The ``woocommerce`` adapter: customers, orders and order events over the REST API v3.

Streams:

``customers``
    ``GET /customers`` page by page (``page``, ``per_page``, ``X-WP-TotalPages``). The API
    has no "modified since" filter for customers, so every page is read and only customers
    modified after the cursor (their ``date_modified_gmt``) are passed on.
``orders``
    ``GET /orders?modified_after=CURSOR&dates_are_gmt=true&orderby=modified&order=asc``,
    with a checkpoint after each page; guest orders included.
``order_events``
    The same orders, each with its notes (``GET /orders/<id>/notes``) as order events.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Any, ClassVar

from crmkit.domain import RawItem
from crmkit.errors import PermanentError
from crmkit.sdk.adapter import Adapter, Checkpoint, StreamSpec, reparse_json
from crmkit.sdk.cursors import CursorTracker
from crmkit.sdk.mapping import MappingError, mapped_item
from crmkit.sdk.retry import RetryPolicy
from crmkit_woocommerce._http import HttpSession
from crmkit_woocommerce.mapping import (
    customer_record,
    note_events,
    order_record,
    status_change,
    utc_time,
)
from crmkit_woocommerce.settings import WooCommerceSettings
from crmkit_woocommerce.webhooks import WooCommerceReceiver

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from crmkit.sdk.adapter import Progress

_NOTE_POSITION = re.compile(r"^order (?P<order>\S+) note ")


class WooCommerceAdapter(Adapter):
    """Reads a WooCommerce shop's customers, orders and order notes (REST API v3)."""

    name = "woocommerce"
    description = "WooCommerce REST API v3: customers, orders (guests too), notes as events"
    config_schema = WooCommerceSettings
    streams = (
        StreamSpec("customers", "registered customers (role customer_role)"),
        StreamSpec("orders", "orders, guest orders included, incrementally by modification"),
        StreamSpec("order_events", "order notes: status changes and the shop's notes"),
    )
    webhook_receiver: ClassVar[type[WooCommerceReceiver]] = WooCommerceReceiver

    def __init__(self, source: str, config: Mapping[str, Any]) -> None:
        super().__init__(source, config)
        self.base = self.config["url"].rstrip("/") + "/" + self.config["api_path"].strip("/")
        self.sleep: Callable[[float], None] | None = None
        self._http: HttpSession | None = None

    # plumbing ----------------------------------------------------------------------------

    @property
    def http(self) -> HttpSession:
        """Return the HTTP session, made on first use; refuse to run without API keys."""
        if self._http is None:
            key, secret = self.config["consumer_key"], self.config["consumer_secret"]
            if not key:
                raise PermanentError(
                    self.source, "consumer_key and consumer_secret are needed to read the REST API"
                )
            options: dict[str, Any] = {} if self.sleep is None else {"sleep": self.sleep}
            self._http = HttpSession(
                self.source,
                auth=(key, secret) if self.config["auth"] == "basic" else None,
                timeout=self.config["timeout"],
                retry=RetryPolicy(
                    max_retries=self.config["http_retries"],
                    backoff_seconds=self.config["http_backoff_seconds"],
                ),
                verify=self.config["verify_tls"],
                secrets=(key, secret),
                **options,
            )
        return self._http

    def _params(self, **params: Any) -> dict[str, Any]:
        if self.config["auth"] == "query":
            params["consumer_key"] = self.config["consumer_key"]
            params["consumer_secret"] = self.config["consumer_secret"]
        return {k: v for k, v in params.items() if v is not None}

    def _pages(
        self, path: str, params: dict[str, Any], progress: Progress
    ) -> Iterator[tuple[int, list[tuple[str, Any]]]]:
        """Yield ``(page number, items)`` of a listing until the last page."""
        page = 1
        while True:
            response = self.http.get(
                f"{self.base}/{path}",
                self._params(**params, page=page, per_page=self.config["per_page"]),
            )
            items = self.http.records(response)
            pages = _header_int(response.headers.get("X-WP-TotalPages"))
            if page == 1:
                progress.set_total(pages)
            progress.advance(1)
            yield page, items
            last = pages is not None and page >= pages
            if last or not items or (pages is None and len(items) < self.config["per_page"]):
                return
            page += 1

    # the contract ------------------------------------------------------------------------

    def default_streams(self) -> list[str]:
        """Return customers and orders, and order events when ``order_notes`` is on."""
        wanted = ["customers", "orders"]
        return [*wanted, "order_events"] if self.config["order_notes"] else wanted

    def check(self) -> str:
        """Read one order to test the URL and keys; return what the shop said."""
        response = self.http.get(f"{self.base}/orders", self._params(per_page=1))
        self.http.records(response)
        total = response.headers.get("X-WP-Total", "?")
        return f"WooCommerce at {self.config['url']}: {total} orders readable"

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield the items of ``stream`` modified after ``cursor``, with checkpoints."""
        if stream == "customers":
            yield from self._customers(cursor, progress)
        elif stream in {"orders", "order_events"}:
            yield from self._orders(stream, cursor, progress)
        else:
            raise PermanentError(self.source, f"woocommerce has no stream {stream!r}")

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:
        """Map a dead letter's raw WooCommerce JSON again (a forged webhook never)."""
        if stream == "customers":
            return reparse_json(raw, position, lambda data, _: customer_record(data, self.timezone))
        if stream == "orders":
            return reparse_json(raw, position, lambda data, _: order_record(data, self.timezone))
        return reparse_json(raw, position, self._note_event)

    # streams -----------------------------------------------------------------------------

    def _customers(self, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        tracker = CursorTracker(cursor)
        params = {"role": self.config["customer_role"], "orderby": "id", "order": "asc"}
        for page, items in self._pages("customers", params, progress):
            for n, (raw, data) in enumerate(items, start=1):
                when = _modified(data, self.timezone)
                if not tracker.is_new(when):
                    continue
                tracker.see(when)
                yield mapped_item(
                    raw,
                    f"page {page} item {n}",
                    functools.partial(customer_record, data, self.timezone),
                )
        yield Checkpoint(tracker.final())

    def _orders(
        self, stream: str, cursor: Any, progress: Progress
    ) -> Iterator[RawItem | Checkpoint]:
        tracker = CursorTracker(cursor)
        params = {
            "orderby": "modified",
            "order": "asc",
            "dates_are_gmt": "true",
            "modified_after": _wc_time(tracker.start),
        }
        for page, items in self._pages("orders", params, progress):
            for n, (raw, data) in enumerate(items, start=1):
                when = _modified(data, self.timezone)
                if not tracker.is_new(when):
                    continue
                tracker.see(when)
                position = f"page {page} item {n}"
                if stream == "orders":
                    yield mapped_item(
                        raw, position, functools.partial(order_record, data, self.timezone)
                    )
                else:
                    yield from self._note_items(raw, data, position)
            safe = tracker.checkpoint()
            if safe is not None:
                yield Checkpoint(safe)
        yield Checkpoint(tracker.final())

    def _note_items(self, raw: str, order: Any, position: str) -> Iterator[RawItem]:
        if not isinstance(order, dict) or order.get("id") in (None, ""):
            yield RawItem(raw, None, position, error="cannot map: order has no id")
            return
        order_id = str(order["id"])
        notes = self.http.records(
            self.http.get(f"{self.base}/orders/{order_id}/notes", self._params())
        )
        events = note_events(order_id, order.get("status"), [d for _, d in notes], self.timezone)
        for (note_raw, note), event in zip(notes, events, strict=True):
            note_id = note.get("id") if isinstance(note, dict) else None
            where = f"order {order_id} note {note_id}"
            if isinstance(event, MappingError):
                yield RawItem(note_raw, None, where, error=f"cannot map: {event}")
            else:
                yield RawItem(note_raw, event, where)

    def _note_event(self, note: Any, position: str) -> dict[str, Any]:
        """Return the event of a dead letter's lone note; only a status change tells one."""
        found = _NOTE_POSITION.match(position)
        if (
            found is None
            or not isinstance(note, dict)
            or status_change(note.get("note", "")) is None
        ):
            raise MappingError("a lone note tells no status")
        (event,) = note_events(found["order"], None, [note], self.timezone)
        if isinstance(event, MappingError):
            raise event
        return event


def _modified(data: Any, zone: dt.tzinfo) -> str | None:
    if not isinstance(data, dict):
        return None
    try:
        return utc_time(data, "date_modified", zone)
    except MappingError:
        return None


def _wc_time(cursor: str | None) -> str | None:
    """Return a UTC cursor as WooCommerce's ``modified_after`` wants it (no offset)."""
    if cursor is None:
        return None
    when = dt.datetime.fromisoformat(cursor).astimezone(dt.UTC)
    return when.replace(tzinfo=None).isoformat(timespec="seconds")


def _header_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
