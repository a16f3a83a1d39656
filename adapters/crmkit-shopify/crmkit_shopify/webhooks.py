"""Shopify webhooks: verified with ``X-Shopify-Hmac-Sha256``, mapped like the REST API.

Shopify signs each delivery with base64(HMAC-SHA256(the app's client secret, raw body)) in
``X-Shopify-Hmac-Sha256``; ``X-Shopify-Webhook-Id`` names the delivery (the same on every
retry; ``X-Shopify-Event-Id`` is used when it is missing) and ``X-Shopify-Topic`` the
topic. Used topics: ``customers/create|update|enable|disable`` (customers),
``orders/create|updated|paid|cancelled|fulfilled|partially_fulfilled`` (the order and its
fulfillment and cancellation events), ``fulfillments/create|update`` (shipping events).
``*/delete`` and other topics are acknowledged and ignored.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from crmkit.domain import RawItem, Stream
from crmkit.sdk.mapping import MAPPING_ERRORS, MappingError, exact_json
from crmkit.webhooks import Delivery, HmacReceiver, WebhookRequest
from crmkit_shopify.mapping import (
    customer_record,
    fulfillment_events,
    order_events,
    order_record,
)

SIGNATURE = "X-Shopify-Hmac-Sha256"
WEBHOOK_ID = "X-Shopify-Webhook-Id"
EVENT_ID = "X-Shopify-Event-Id"
TOPIC = "X-Shopify-Topic"
_CUSTOMER_TOPICS = frozenset({"create", "update", "enable", "disable"})
_ORDER_TOPICS = frozenset(
    {"create", "updated", "paid", "cancelled", "fulfilled", "partially_fulfilled"}
)
_FULFILLMENT_TOPICS = frozenset({"create", "update"})


class ShopifyReceiver(HmacReceiver):
    """Receives a Shopify shop's customer, order and fulfillment webhooks."""

    name = "shopify"
    signature_header = SIGNATURE
    rejected_stream: ClassVar[Stream] = Stream.ORDERS

    def delivery_id(self, request: WebhookRequest) -> str | None:
        """Return ``X-Shopify-Webhook-Id``, else ``X-Shopify-Event-Id``."""
        return request.header(WEBHOOK_ID) or request.header(EVENT_ID)

    def parse(self, request: WebhookRequest) -> Delivery:
        """Return what a delivery carries, mapped; unused topics carry nothing."""
        topic = request.header(TOPIC) or ""
        delivery_id = self.delivery_id(request)
        resource, _, event = topic.partition("/")
        position = f"webhook {topic or '?'} {delivery_id or ''}".strip()[:100]
        raw = request.body.decode("utf-8", "replace")
        wanted = {
            "customers": _CUSTOMER_TOPICS,
            "orders": _ORDER_TOPICS,
            "fulfillments": _FULFILLMENT_TOPICS,
        }.get(resource, frozenset())
        if event not in wanted:
            return Delivery(delivery_id, topic, note=f"topic {topic!r} is not used by crmkit")
        stream = {"customers": Stream.CUSTOMERS, "orders": Stream.ORDERS}.get(
            resource, Stream.ORDER_EVENTS
        )
        try:
            data: Any = exact_json(request.body)
        except msgspec.DecodeError as exc:
            bad = RawItem(raw, None, position, error=f"malformed JSON: {exc}")
            return Delivery(delivery_id, topic, ((stream, bad),))
        return Delivery(delivery_id, topic, tuple(self._items(resource, raw, data, position)))

    def _items(
        self, resource: str, raw: str, data: Any, position: str
    ) -> list[tuple[Stream, RawItem]]:
        try:
            if resource == "customers":
                return [(Stream.CUSTOMERS, RawItem(raw, customer_record(data), position))]
            if resource == "fulfillments":
                order_id = data.get("order_id") if isinstance(data, dict) else None
                if order_id is None:
                    raise MappingError("fulfillment has no order_id")
                events = fulfillment_events(str(order_id), data)
                return [(Stream.ORDER_EVENTS, RawItem(raw, e, position)) for e in events]
            found = [(Stream.ORDERS, RawItem(raw, order_record(data), position))]
            found.extend(
                (Stream.ORDER_EVENTS, RawItem(raw, event, f"{position} {what}"[:100]))
                for what, event in order_events(data)
            )
        except MAPPING_ERRORS as exc:
            stream = {"customers": Stream.CUSTOMERS, "orders": Stream.ORDERS}.get(
                resource, Stream.ORDER_EVENTS
            )
            return [(stream, RawItem(raw, None, position, error=f"cannot map: {exc}"))]
        return found
