"""crmkit.webhooks.HmacReceiver: a provider signing the raw body with base64 HMAC-SHA256."""

from __future__ import annotations

import pytest

from crmkit.errors import ConfigError
from crmkit.webhooks import Delivery, HmacReceiver, WebhookRequest, hmac_base64


class Signed(HmacReceiver):
    """A receiver of bodies signed in ``X-Signature``."""

    name = "signed"
    signature_header = "X-Signature"

    def parse(self, request: WebhookRequest) -> Delivery:  # noqa: ARG002
        """Carry nothing."""
        return Delivery(None, None)


def request(body: bytes, signature: str | None) -> WebhookRequest:
    """Return a POST of ``body`` carrying ``signature`` in X-Signature (if any)."""
    headers = {} if signature is None else {"x-signature": signature}
    return WebhookRequest("POST", "/", headers, body)


def test_an_hmac_receiver_accepts_only_the_bodys_signature():
    """An hmac receiver accepts only the body's signature."""
    receiver = Signed("shop", {"webhook_secret": "k3y", "url": "ignored"})
    body = b'{"id": 1}'
    assert receiver.verify(request(body, hmac_base64("k3y", body))) is None
    assert receiver.verify(request(body, hmac_base64("other", body))) == (
        "X-Signature does not match"
    )
    assert receiver.verify(request(body, None)) == "no X-Signature header"


def test_an_hmac_receiver_needs_a_secret():
    """An hmac receiver needs a secret."""
    with pytest.raises(ConfigError, match="webhook_secret"):
        Signed("shop", {})


def test_a_changed_body_under_the_old_bodys_signature_is_refused():
    """A signature is of one body: the same signature on a tampered body does not match."""
    receiver = Signed("shop", {"webhook_secret": "k3y"})
    signature = hmac_base64("k3y", b'{"id": 1, "total": "10.00"}')
    tampered = request(b'{"id": 1, "total": "0.01"}', signature)
    assert receiver.verify(tampered) == "X-Signature does not match"


def test_a_receiver_naming_no_signature_header_is_refused_when_built():
    """Forgetting ``signature_header`` fails at once, not on every request later."""

    class Forgot(HmacReceiver):
        name = "forgot"

        def parse(self, request: WebhookRequest) -> Delivery:  # noqa: ARG002
            return Delivery(None, None)

    with pytest.raises(TypeError, match="signature_header"):
        Forgot("shop", {"webhook_secret": "k3y"})
