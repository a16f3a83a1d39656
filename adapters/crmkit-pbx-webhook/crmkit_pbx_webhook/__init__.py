"""Cloud PBX webhooks for crmkit: voice status callbacks recorded as call interactions.

Twilio is the built-in provider; others plug in through :func:`register_provider` (or the
``crmkit_pbx_webhook.providers`` entry-point group). The ``crmkit`` entry point loads
:mod:`crmkit_pbx_webhook.plugin`, which registers the ``pbx-webhook`` adapter.
"""

from crmkit.sdk.mapping import MappingError
from crmkit_pbx_webhook.adapter import PbxWebhookAdapter
from crmkit_pbx_webhook.providers import (
    CallEvent,
    CallProvider,
    get_provider,
    provider_names,
    register_provider,
)
from crmkit_pbx_webhook.receiver import CallDelivery, PbxReceiver, screen_pop
from crmkit_pbx_webhook.twilio import TwilioProvider, twilio_signature

register_provider(TwilioProvider)

__all__ = [
    "CallDelivery",
    "CallEvent",
    "CallProvider",
    "MappingError",
    "PbxReceiver",
    "PbxWebhookAdapter",
    "TwilioProvider",
    "get_provider",
    "provider_names",
    "register_provider",
    "screen_pop",
    "twilio_signature",
]
