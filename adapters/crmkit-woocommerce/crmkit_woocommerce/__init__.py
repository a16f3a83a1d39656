"""crmkit-woocommerce: a WooCommerce shop's customers, orders and notes, and its webhooks.

The adapter (name ``woocommerce``) reads the REST API v3 incrementally; its receiver
verifies and ingests the shop's signed webhooks (``crmkit serve``, or
:class:`crmkit.webhooks.WebhookApp` in your own WSGI/ASGI application).
"""

from crmkit_woocommerce.adapter import WooCommerceAdapter
from crmkit_woocommerce.webhooks import WooCommerceReceiver

__all__ = ["WooCommerceAdapter", "WooCommerceReceiver"]
