"""The cloud PBX webhook receiver: verified, replay-safe, plugged into ``crmkit.webhooks``.

Each status callback is verified by its provider's signature (a forged one is answered 401,
kept as a dead letter and never ingested); its replay key is the call and its status
(``CallSid:CallStatus``), so a retried callback is stored once. A call is recorded when it
ends (completed, busy, failed, no-answer, canceled); earlier statuses are acknowledged, and
an incoming ``ringing`` one can pop up the caller's card (:func:`screen_pop`).
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from crmkit.domain import RawItem, Stream, utc_now
from crmkit.sdk.mapping import MappingError
from crmkit.webhooks import Delivery, WebhookReceiver
from crmkit_pbx_webhook.mapping import call_record
from crmkit_pbx_webhook.providers import CallEvent, get_provider

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.api import Crmkit
    from crmkit.domain import IngestOutcome
    from crmkit.webhooks import WebhookRequest


class PbxWebhookSettings(Schema):
    """The settings of a ``pbx-webhook`` source.

    ``webhook_secret`` is the provider's signing key (Twilio's auth token); ``provider``
    names the provider (default ``twilio``); ``webhook_url`` is the exact public URL the
    provider calls, when a proxy makes it differ from what the server sees;
    ``record_dial_legs`` also records the legs a call dials (Twilio ``outbound-dial``).
    """

    class Meta:
        """The engine's settings are not the receiver's business."""

        unknown = EXCLUDE

    webhook_secret = fields.String(required=True, validate=validate.Length(min=1))
    provider = fields.String(load_default="twilio", validate=validate.Length(min=1))
    webhook_url = fields.Url(load_default=None, require_tld=False)
    record_dial_legs = fields.Boolean(load_default=False)


class PbxAdapterSettings(PbxWebhookSettings):
    """The same settings as the adapter checks them: an unknown key is a typo, refused."""

    class Meta:
        """Everything a ``pbx-webhook`` source may set is declared above."""

        unknown = RAISE


@attrs.frozen
class CallDelivery(Delivery):
    """A verified callback: the delivery crmkit ingests, and the call status it reported."""

    call: CallEvent | None = None


def form_of(body: bytes) -> list[tuple[str, str]]:
    """Return the fields of a form-encoded body, in order, repeated names kept."""
    return urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


class PbxReceiver(WebhookReceiver):
    """Receives a cloud PBX's voice status callbacks for one ``pbx-webhook`` source."""

    name = "pbx-webhook"
    config_schema = PbxWebhookSettings
    rejected_stream: ClassVar[Stream] = Stream.INTERACTIONS

    def __init__(self, source: str, config: Any) -> None:
        super().__init__(source, config)
        self.provider = get_provider(self.config["provider"])

    def signed_urls(self, request: WebhookRequest) -> list[str]:
        """Return the URLs the provider may have signed, the likeliest first.

        ``webhook_url`` when set (plus the request's query); else the URL as the server saw
        it, and as a reverse proxy's ``X-Forwarded-Proto``/``X-Forwarded-Host`` say it was
        called. Trying a URL only changes what the signature is checked against.
        """
        configured: str | None = self.config["webhook_url"]
        if configured:
            if request.query and "?" not in configured:
                return [f"{configured}?{request.query}"]
            return [configured]
        urls = [request.url]
        proto = (request.header("X-Forwarded-Proto") or "").split(",")[0].strip()
        host = (request.header("X-Forwarded-Host") or "").split(",")[0].strip()
        if request.url and (proto or host):
            parts = urllib.parse.urlsplit(request.url)
            forwarded = parts._replace(scheme=proto or parts.scheme, netloc=host or parts.netloc)
            urls.append(urllib.parse.urlunsplit(forwarded))
        return urls

    def verify(self, request: WebhookRequest) -> str | None:
        """Check the provider's signature in constant time; return why it fails, if it does."""
        reason: str | None = "no URL to verify against"
        for url in self.signed_urls(request):
            reason = self.provider.verify(request, self.config["webhook_secret"], url)
            if reason is None:
                return None
        return reason

    def delivery_id(self, request: WebhookRequest) -> str | None:
        """Return the provider's replay key of the callback (Twilio: ``CallSid:CallStatus``)."""
        return self.provider.delivery_id(form_of(request.body))

    def item(self, raw: str, position: str) -> tuple[CallEvent | None, RawItem | None]:
        """Return the call status of a raw callback body and the item to ingest, if any.

        The item is ``None`` for a status before the end of the call and for a dialled leg
        (unless ``record_dial_legs``); it carries ``error`` when the body is not a callback.
        """
        try:
            event = self.provider.call_event(form_of(raw.encode("utf-8")))
        except MappingError as exc:
            return None, RawItem(raw, None, position, error=f"cannot map: {exc}")
        if not event.terminal or (event.leg and not self.config["record_dial_legs"]):
            return event, None
        record = call_record(event, self.provider.name, utc_now())
        return event, RawItem(raw, record, position)

    def parse(self, request: WebhookRequest) -> Delivery:
        """Return the call a verified callback ends (to ingest), or just its status."""
        raw = request.body.decode("utf-8", "replace")
        delivery_id = self.delivery_id(request)
        position = f"webhook {delivery_id or '(no id)'}"[:100]
        event, found = self.item(raw, position)
        topic = f"call {event.status}" if event else "call"
        items = ((Stream.INTERACTIONS, found),) if found is not None else ()
        note = ""
        if event is not None and found is None:
            note = (
                f"a leg dialled from call {event.parent_id}: not recorded"
                if event.terminal
                else f"call {event.status}: recorded when it ends"
            )
        return CallDelivery(delivery_id, topic, items, note, call=event)


def screen_pop(crm: Crmkit) -> Callable[[str, Delivery, IngestOutcome], None]:
    """Return an ``on_delivery`` callback announcing each incoming call that starts ringing.

    Pass it to :class:`crmkit.webhooks.WebhookApp`: the caller is looked up and the
    ``incoming_call`` hook gets the short card. A replayed callback is not announced again.
    """

    def announce(source: str, delivery: Delivery, _outcome: IngestOutcome) -> None:
        call = delivery.call if isinstance(delivery, CallDelivery) else None
        if call is None or call.status != "ringing" or call.direction != "in" or call.leg:
            return
        crm.announce_call(
            source, call.caller, called=call.called, call_id=call.call_id, at=call.at or utc_now()
        )

    return announce
