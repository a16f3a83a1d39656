"""WooCommerce webhooks: verified with ``X-WC-Webhook-Signature``, mapped like the REST API.

WooCommerce signs each delivery with base64(HMAC-SHA256(secret, raw body)) in
``X-WC-Webhook-Signature`` and names it with ``X-WC-Webhook-Delivery-ID`` and
``X-WC-Webhook-Topic`` (``order.created``, ``customer.updated``...). The body is the REST
API v3 object, so orders and customers map exactly as the adapter maps them. When a webhook
is saved, WooCommerce sends the form body ``webhook_id=<id>`` as a ping: answered
200, nothing ingested. ``*.deleted`` topics carry only an id and are acknowledged; other
resources (products, coupons) are acknowledged and ignored.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import msgspec

from crmkit.domain import RawItem, Stream
from crmkit.sdk.mapping import exact_json, mapped_item
from crmkit.webhooks import Delivery, HmacReceiver, WebhookRequest
from crmkit_woocommerce.mapping import customer_record, order_record

SIGNATURE = "X-WC-Webhook-Signature"
DELIVERY = "X-WC-Webhook-Delivery-ID"
TOPIC = "X-WC-Webhook-Topic"
_PING = re.compile(rb"^webhook_id=\d+$")


class WooCommerceReceiver(HmacReceiver):
    """Receives a WooCommerce shop's order and customer webhooks (see the module doc)."""

    name = "woocommerce"
    signature_header = SIGNATURE
    rejected_stream: ClassVar[Stream] = Stream.ORDERS

    def is_ping(self, request: WebhookRequest) -> bool:
        """Return True for the ``webhook_id=<id>`` form ping sent when a webhook is saved.

        Signed or not, it carries nothing to ingest, so it is answered without a check.
        """
        return bool(_PING.match(request.body.strip()))

    def delivery_id(self, request: WebhookRequest) -> str | None:
        """Return ``X-WC-Webhook-Delivery-ID``."""
        return request.header(DELIVERY)

    def parse(self, request: WebhookRequest) -> Delivery:
        """Return the order or customer the delivery carries, mapped; other topics ignored."""
        topic = request.header(TOPIC) or ""
        delivery_id = request.header(DELIVERY)
        resource, _, event = topic.partition(".")
        raw = request.body.decode("utf-8", "replace")
        position = f"webhook {topic or '?'} {delivery_id or ''}".strip()[:100]
        stream = {"order": Stream.ORDERS, "customer": Stream.CUSTOMERS}.get(resource)
        if stream is None:
            return Delivery(delivery_id, topic, note=f"topic {topic!r} is not used by crmkit")
        if event == "deleted":
            return Delivery(delivery_id, topic, note="deletions are kept as history, not applied")
        try:
            data: Any = exact_json(request.body)
        except msgspec.DecodeError as exc:
            bad = RawItem(raw, None, position, error=f"malformed JSON: {exc}")
            return Delivery(delivery_id, topic, ((stream, bad),))
        if isinstance(data, dict) and isinstance(data.get(resource), dict) and len(data) == 1:
            data = data[resource]  # the legacy API's envelope: {"order": {...}}
        mapper = order_record if stream is Stream.ORDERS else customer_record
        found = mapped_item(raw, position, lambda: mapper(data))
        return Delivery(delivery_id, topic, ((stream, found),))
