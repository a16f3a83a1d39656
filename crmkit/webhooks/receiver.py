"""What a webhook receiver is: it verifies a request and turns a verified body into items.

A receiver knows one provider (WooCommerce, Shopify, a cloud PBX). The provider-agnostic
:class:`~crmkit.webhooks.app.WebhookApp` routes a request to it, asks :meth:`verify` whether
the request is authentic, and ingests what :meth:`parse` returns; it never sees a provider's
headers itself. An adapter offers a receiver by naming its class in the class attribute
``webhook_receiver``; ``crmkit serve`` mounts it for every source of that adapter whose
settings carry a ``webhook_secret`` (see :meth:`WebhookReceiver.accepts`).
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import marshmallow
import marshmallow.fields
import marshmallow.validate

from crmkit.domain import RawItem, Stream
from crmkit.sdk.settings import load_settings

#: The setting that switches webhooks on for a source, holding the shared signing secret.
SECRET_SETTING = "webhook_secret"  # noqa: S105 - a setting name, not a secret
#: Where a rejected delivery's dead letter says it came from; its reparse must refuse it.
REJECTED_POSITION = "webhook rejected"


def hmac_base64(secret: str | bytes, body: bytes, digest: str = "sha256") -> str:
    """Return base64(HMAC-``digest``(``secret``, ``body``)), as most shops sign their bodies."""
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, body, digest).digest()).decode("ascii")


def signature_matches(expected: str, given: str | None) -> bool:
    """Return True when ``given`` equals ``expected``, compared in constant time."""
    if not given:
        return False
    return hmac.compare_digest(expected.strip().encode(), given.strip().encode())


def is_rejected(position: str | None) -> bool:
    """Return True when a dead letter's ``position`` marks a delivery that failed verification.

    Such a letter keeps a forged body for the record; an adapter's ``reparse`` must answer
    it with an error, so that ``crmkit deadletters retry`` never ingests it.
    """
    return bool(position) and str(position).startswith(REJECTED_POSITION)


@attrs.frozen
class WebhookRequest:
    """One HTTP request as a receiver sees it.

    ``headers`` have lower-case names; ``body`` is the raw body, byte for byte as signed;
    ``url`` is the full URL the sender called (scheme, host, path, query), which some
    providers (Twilio) sign; ``form`` is the body parsed as a form when it is one.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    url: str = ""
    query: str = ""
    remote: str | None = None
    form: Mapping[str, str] = attrs.field(factory=dict)

    def header(self, name: str) -> str | None:
        """Return header ``name`` (any case), or ``None`` when it was not sent."""
        return self.headers.get(name.lower())


@attrs.frozen
class Delivery:
    """What a verified request carries: its replay key, its topic and the items to ingest.

    ``id`` is the provider's delivery (or event) id: a second request with the same id is
    answered without being ingested again. ``items`` pair each :class:`RawItem` with the
    stream it belongs to; a topic crmkit does not use gives none, and ``note`` says why.
    """

    id: str | None
    topic: str | None
    items: tuple[tuple[Stream, RawItem], ...] = ()
    note: str = ""


class WebhookReceiver:
    """Base class of a provider's receiver; subclasses set ``name`` and implement three methods.

    An instance serves one configured source: ``Receiver(source="shop", config={...})`` loads
    the source's settings with ``config_schema`` (which should ignore the adapter's other
    settings) and raises :class:`ConfigError` naming the source and the key.
    """

    name: ClassVar[str]
    config_schema: ClassVar[type[marshmallow.Schema]] = marshmallow.Schema
    #: The stream a rejected request's dead letter is filed under.
    rejected_stream: ClassVar[Stream] = Stream.ORDERS

    def __init__(self, source: str, config: Mapping[str, Any]) -> None:
        self.source = source
        self.config: dict[str, Any] = load_settings(
            self.config_schema, config, f"source {source!r} (webhooks {self.name!r})"
        )

    @classmethod
    def accepts(cls, settings: Mapping[str, Any]) -> bool:
        """Return True when a source with these settings wants webhooks (a secret is set)."""
        return bool(settings.get(SECRET_SETTING))

    def is_ping(self, request: WebhookRequest) -> bool:  # noqa: ARG002 - a hook for subclasses
        """Return True for a provider's connectivity test, answered 200 and not ingested."""
        return False

    def verify(self, request: WebhookRequest) -> str | None:
        """Return ``None`` when ``request`` is authentic, else why not (never the secret)."""
        raise NotImplementedError

    def parse(self, request: WebhookRequest) -> Delivery:
        """Return the :class:`Delivery` a verified request carries.

        A body that cannot be mapped gives an item with ``error`` set (a dead letter), not
        an exception: the provider would only send it again.
        """
        raise NotImplementedError

    def delivery_id(self, request: WebhookRequest) -> str | None:  # noqa: ARG002
        """Return the request's delivery id as the provider sent it, to name it in records."""
        return None


class WebhookSecretSettings(marshmallow.Schema):
    """The settings a receiver reads from its source: the signing secret ``webhook_secret``."""

    class Meta:
        """The adapter's other settings are not the receiver's business."""

        unknown = marshmallow.EXCLUDE

    webhook_secret = marshmallow.fields.String(
        required=True, validate=marshmallow.validate.Length(min=1)
    )


class HmacReceiver(WebhookReceiver):
    """A receiver of a provider that signs the raw body: base64(HMAC-SHA256(secret, body)).

    Subclasses name the header carrying the signature in ``signature_header`` (as WooCommerce
    and Shopify do) and implement ``parse``; the secret is the source's
    ``webhook_secret``.
    """

    config_schema: ClassVar[type[marshmallow.Schema]] = WebhookSecretSettings
    #: The request header holding the base64 signature.
    signature_header: ClassVar[str]

    def __init__(self, source: str, config: Mapping[str, Any]) -> None:
        if not getattr(self, "signature_header", ""):
            name = type(self).__name__
            raise TypeError(f"{name} must set signature_header: the header carrying the signature")
        super().__init__(source, config)

    def verify(self, request: WebhookRequest) -> str | None:
        """Check the signature header against the raw body, in constant time; say why not."""
        given = request.header(self.signature_header)
        if not given:
            return f"no {self.signature_header} header"
        expected = hmac_base64(self.config[SECRET_SETTING], request.body)
        if signature_matches(expected, given):
            return None
        return f"{self.signature_header} does not match"
