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
from marshmallow import EXCLUDE, Schema, fields, validate

from crmkit.domain import RawItem, Stream
from crmkit.sdk.mapping import MappingError
from crmkit.webhooks import (
    Delivery,
    WebhookReceiver,
    WebhookRequest,
    hmac_base64,
    signature_matches,
)
from crmkit_woocommerce._http import decode_item
from crmkit_woocommerce.mapping import customer_record, order_record

SIGNATURE = "X-WC-Webhook-Signature"
DELIVERY = "X-WC-Webhook-Delivery-ID"
TOPIC = "X-WC-Webhook-Topic"
_PING = re.compile(rb"^webhook_id=\d+$")


class WooCommerceWebhookSettings(Schema):
    """The settings the receiver reads from a ``woocommerce`` source: the signing secret."""

    class Meta:
        """The adapter's other settings are not the receiver's business."""

        unknown = EXCLUDE

    webhook_secret = fields.String(required=True, validate=validate.Length(min=1))


class WooCommerceReceiver(WebhookReceiver):
    """Receives a WooCommerce shop's order and customer webhooks (see the module doc)."""

    name = "woocommerce"
    config_schema = WooCommerceWebhookSettings
    rejected_stream: ClassVar[Stream] = Stream.ORDERS

    def is_ping(self, request: WebhookRequest) -> bool:
        """Return True for the ``webhook_id=<id>`` form ping sent when a webhook is saved.

        Signed or not, it carries nothing to ingest, so it is answered without a check.
        """
        return bool(_PING.match(request.body.strip()))

    def delivery_id(self, request: WebhookRequest) -> str | None:
        """Return ``X-WC-Webhook-Delivery-ID``."""
        return request.header(DELIVERY)

    def verify(self, request: WebhookRequest) -> str | None:
        """Check ``X-WC-Webhook-Signature`` against the body, in constant time."""
        given = request.header(SIGNATURE)
        if not given:
            return f"no {SIGNATURE} header"
        expected = hmac_base64(self.config["webhook_secret"], request.body)
        return None if signature_matches(expected, given) else f"{SIGNATURE} does not match"

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
            data: Any = decode_item(request.body)
        except msgspec.DecodeError as exc:
            bad = RawItem(raw, None, position, error=f"malformed JSON: {exc}")
            return Delivery(delivery_id, topic, ((stream, bad),))
        if isinstance(data, dict) and isinstance(data.get(resource), dict) and len(data) == 1:
            data = data[resource]  # the legacy API's envelope: {"order": {...}}
        mapper = order_record if stream is Stream.ORDERS else customer_record
        try:
            found = RawItem(raw, mapper(data), position)
        except (MappingError, KeyError, TypeError, AttributeError, ValueError) as exc:
            found = RawItem(raw, None, position, error=f"cannot map: {exc}")
        return Delivery(delivery_id, topic, ((stream, found),))
