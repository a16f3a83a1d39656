"""Verified webhook receivers as a WSGI application (and an ASGI wrapper), provider-agnostic.

A provider's :class:`WebhookReceiver` verifies a request and maps its body into items;
:class:`WebhookApp` routes requests to receivers, answers forged ones 401 (recording them as
dead letters, never ingesting them), ingests verified ones once per delivery id, and can be
mounted in any WSGI host or, through :class:`AsgiWebhooks`, any ASGI host. ``crmkit serve``
runs it standalone. See ``docs/adapters/webshops.md``.
"""

from crmkit.webhooks.app import WebhookApp, delivery_state_name, mount_path, received_deliveries
from crmkit.webhooks.asgi import AsgiWebhooks
from crmkit.webhooks.receiver import (
    REJECTED_POSITION,
    SECRET_SETTING,
    Delivery,
    HmacReceiver,
    WebhookReceiver,
    WebhookRequest,
    WebhookSecretSettings,
    hmac_base64,
    is_rejected,
    signature_matches,
)
from crmkit.webhooks.setup import app_from_config, receivers_from_config

__all__ = [
    "REJECTED_POSITION",
    "SECRET_SETTING",
    "AsgiWebhooks",
    "Delivery",
    "HmacReceiver",
    "WebhookApp",
    "WebhookReceiver",
    "WebhookRequest",
    "WebhookSecretSettings",
    "app_from_config",
    "delivery_state_name",
    "hmac_base64",
    "is_rejected",
    "mount_path",
    "received_deliveries",
    "receivers_from_config",
    "signature_matches",
]
