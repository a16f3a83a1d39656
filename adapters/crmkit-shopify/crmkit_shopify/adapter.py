"""The ``shopify`` adapter: customers, orders and fulfillments over the Admin REST API.

Every listing asks ``/admin/api/<api_version>/<resource>.json`` for records updated since the
cursor (``updated_at_min``, oldest first) and follows the ``Link`` header's ``rel="next"``
URL, whose ``page_info`` carries the filters: nothing else is sent with it. ``updated_at_min``
includes the cursor's own second, so records not newer than the cursor are skipped here.

Streams: ``customers``; ``orders`` (``status=any``: open, closed and cancelled);
``order_events``, from the same orders: each fulfillment as ``shipped`` with carrier and
tracking number (then the carrier's in-transit/delivered status), and each cancellation.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from crmkit.domain import RawItem
from crmkit.errors import PermanentError
from crmkit.sdk.adapter import Adapter, Checkpoint, StreamSpec, reparse_json
from crmkit.sdk.cursors import CursorTracker
from crmkit.sdk.mapping import MAPPING_ERRORS, MappingError, mapped_item
from crmkit.sdk.retry import RetryPolicy
from crmkit_shopify._http import HttpSession
from crmkit_shopify.mapping import (
    customer_record,
    fulfillment_events,
    order_events,
    order_record,
)
from crmkit_shopify.settings import ShopifySettings
from crmkit_shopify.webhooks import ShopifyReceiver

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    import requests

    from crmkit.sdk.adapter import Progress


def event_items(raw: str, order: Any, position: str) -> list[RawItem]:
    """Return the order-event items of one order (or one dead-letter item saying why not).

    Each event keeps the order's JSON verbatim as its raw payload; its position names the
    fulfillment or cancellation it came from, so :meth:`ShopifyAdapter.reparse` finds it.
    """
    try:
        events = order_events(order)
    except MAPPING_ERRORS as exc:
        return [RawItem(raw, None, position, error=f"cannot map: {exc}")]
    return [RawItem(raw, event, f"{position} {what}"[:100]) for what, event in events]


def event_from_raw(data: Any, position: str) -> dict[str, Any]:
    """Return the event a dead letter's raw JSON (an order or a fulfillment) held."""
    if isinstance(data, dict) and data.get("order_id") is not None:
        return fulfillment_events(str(data["order_id"]), data)[0]
    events = order_events(data)
    for what, event in events:
        if position.endswith(what):
            return event
    raise MappingError("no fulfillment or cancellation of this order matches the position")


class ShopifyAdapter(Adapter):
    """Reads a Shopify shop's customers, orders and fulfillments (Admin REST API)."""

    name = "shopify"
    description = "Shopify Admin REST API: customers, orders, fulfillments with tracking"
    config_schema = ShopifySettings
    streams = (
        StreamSpec("customers", "customers with every address, incrementally by updated_at"),
        StreamSpec("orders", "orders of any status (guest checkouts too), by updated_at"),
        StreamSpec("order_events", "fulfillments (carrier, tracking number) and cancellations"),
    )
    webhook_receiver: ClassVar[type[ShopifyReceiver]] = ShopifyReceiver

    def __init__(self, source: str, config: Mapping[str, Any]) -> None:
        super().__init__(source, config)
        self.base = f"{self.config['url'].rstrip('/')}/admin/api/{self.config['api_version']}"
        self.sleep: Callable[[float], None] | None = None
        self._http: HttpSession | None = None

    @property
    def http(self) -> HttpSession:
        """Return the HTTP session, made on first use; refuse to run without a token."""
        if self._http is None:
            token = self.config["access_token"]
            if not token:
                raise PermanentError(self.source, "access_token is needed to read the Admin API")
            options: dict[str, Any] = {} if self.sleep is None else {"sleep": self.sleep}
            self._http = HttpSession(
                self.source,
                token=token,
                timeout=self.config["timeout"],
                retry=RetryPolicy(
                    max_retries=self.config["http_retries"],
                    backoff_seconds=self.config["http_backoff_seconds"],
                ),
                slow_down_at=self.config["slow_down_at"],
                leak_rate=self.config["leak_rate"],
                verify=self.config["verify_tls"],
                **options,
            )
        return self._http

    def check(self) -> str:
        """Read the shop's own record to test the URL, version and token."""
        response = self.http.get(f"{self.base}/shop.json")
        try:
            body = msgspec.json.decode(response.content)
        except msgspec.DecodeError as exc:
            raise PermanentError(self.source, f"shop.json is not JSON: {exc}") from exc
        shop = (body.get("shop") if isinstance(body, dict) else None) or {}
        version = self.config["api_version"]
        return f"Shopify shop {shop.get('name')!r} ({shop.get('myshopify_domain')}), API {version}"

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield the items of ``stream`` updated after ``cursor``, with checkpoints."""
        if stream not in self.stream_names():
            raise PermanentError(self.source, f"shopify has no stream {stream!r}")
        resource = "customers" if stream == "customers" else "orders"
        tracker = CursorTracker(cursor)
        params: dict[str, Any] = {
            "limit": self.config["limit"],
            "order": "updated_at asc",
            "updated_at_min": tracker.start,
        }
        if resource == "orders":
            params["status"] = "any"
        for page, items in self._pages(resource, params, progress):
            for n, (raw, data) in enumerate(items, start=1):
                when = data.get("updated_at") if isinstance(data, dict) else None
                if not tracker.is_new(when):
                    continue
                tracker.see(when)
                yield from self._items(stream, raw, data, f"page {page} item {n}")
            safe = tracker.checkpoint()
            if safe is not None:
                yield Checkpoint(safe)
        yield Checkpoint(tracker.final())

    def _items(self, stream: str, raw: str, data: Any, position: str) -> Iterator[RawItem]:
        if stream == "customers":
            yield mapped_item(raw, position, functools.partial(customer_record, data))
        elif stream == "orders":
            yield mapped_item(raw, position, functools.partial(order_record, data))
        else:
            yield from event_items(raw, data, position)

    def _pages(
        self, resource: str, params: dict[str, Any], progress: Progress
    ) -> Iterator[tuple[int, list[tuple[str, Any]]]]:
        url: str | None = f"{self.base}/{resource}.json"
        query: dict[str, Any] | None = {k: v for k, v in params.items() if v is not None}
        page = 0
        while url is not None:
            page += 1
            response: requests.Response = self.http.get(url, query)
            items = self.http.records(response, resource)
            progress.advance(1)
            yield page, items
            url, query = self.http.next_url(response), None

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:
        """Map a dead letter's raw Shopify JSON again (a forged webhook never)."""
        if stream == "customers":
            return reparse_json(raw, position, lambda data, _: customer_record(data))
        if stream == "orders":
            return reparse_json(raw, position, lambda data, _: order_record(data))
        return reparse_json(raw, position, event_from_raw)
