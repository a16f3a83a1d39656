"""crmkit-shopify: a Shopify shop's customers, orders and fulfillments, and its webhooks.

The adapter (name ``shopify``) reads the Admin REST API at a pinned version, incrementally;
its receiver verifies and ingests the shop's signed webhooks (``crmkit serve``, or
:class:`crmkit.webhooks.WebhookApp` in your own WSGI/ASGI application).
"""

from crmkit_shopify.adapter import ShopifyAdapter
from crmkit_shopify.webhooks import ShopifyReceiver

__all__ = ["ShopifyAdapter", "ShopifyReceiver"]
