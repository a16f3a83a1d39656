"""Sending WooCommerce-style webhook deliveries to a receiver over HTTP, for the tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request

SECRET = "whsec-woo-test"  # noqa: S105 - the test shop's webhook secret


def sign(body: bytes, secret: str = SECRET) -> str:
    """Return the X-WC-Webhook-Signature of ``body``: base64 of its HMAC-SHA256."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post(url, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """POST ``body`` and return the status and the JSON answer (errors included)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback http
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 - loopback http
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def deliver(url, topic, payload, delivery="7a1b2c3d", signature=None):
    """Send a WooCommerce-style delivery of ``payload``, signed unless told otherwise."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/9.3.3 Hookshot (WordPress/6.6.2)",
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": topic.split(".")[0],
        "X-WC-Webhook-Event": topic.split(".")[1],
        "X-WC-Webhook-Signature": signature if signature is not None else sign(body),
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery,
    }
    return post(url, body, headers)
