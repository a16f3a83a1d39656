"""Twilio-style voice status callbacks over real HTTP: signed, forged, replayed, ringing."""

from __future__ import annotations

import urllib.parse

import pytest
from crmkit_pbx_webhook import (
    CallEvent,
    PbxWebhookAdapter,
    get_provider,
    register_provider,
    twilio_signature,
)
from pbx_fakes import TOKEN, callback, post_callback

from crmkit.errors import ConfigError
from crmkit.webhooks import received_deliveries, signature_matches


def _customer(crm, phone="+7 (495) 123-45-67", name="Иван Петров"):
    crm.ingest_customers("erp", [{"external_id": "k-1", "name": name, "phones": [phone]}])
    [customer] = crm.find_customers(identity=("erp", "k-1"))
    return customer


def test_twilios_published_signature_example_is_reproduced():
    """Token 12345, the documented URL and fields give Twilio's documented signature."""
    form = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ]
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, form) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678")]
    repeated += [("Digits", "1234"), ("Digits", "1234")]
    assert twilio_signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_signed_completed_call_is_recorded_on_the_callers_card(crm, endpoint):
    """Completed + inbound: one answered call of 180 s, linked by phone in another format."""
    customer = _customer(crm)
    status, answer = post_callback(endpoint, callback("CA01", "completed", From="84951234567"))
    assert status == 200, answer
    assert (answer["stored"], answer["dead_lettered"]) == (1, 0)
    [call] = crm.interactions(customer.id)
    assert (call.external_id, call.direction.value, call.outcome, call.duration_seconds) == (
        "CA01",
        "in",
        "answered",
        180,
    )
    assert call.occurred_at.isoformat() == "2026-11-02T09:00:00+00:00"
    card = crm.card(customer.id)
    assert any(e["kind"] == "interaction" for e in card["timeline"])


def test_a_forged_callback_is_answered_401_recorded_and_never_ingested(crm, endpoint):
    """A bad signature (or none) is 401; the body is a dead letter retry will never ingest."""
    customer = _customer(crm)
    form = callback("CA02", "completed")
    status, _ = post_callback(endpoint, form, token="not-the-token")  # noqa: S106
    assert status == 401
    status, _ = post_callback(endpoint, callback("CA03", "completed"), signature="")
    assert status == 401
    tampered = [(k, "+79990000000" if k == "From" else v) for k, v in form]
    good = twilio_signature(TOKEN, endpoint, form)
    assert post_callback(endpoint, tampered, signature=good)[0] == 401
    assert crm.interactions(customer.id) == []
    letters = crm.dead_letters(source="phones")
    assert len(letters) == 3
    assert all(letter.reason.startswith("bad signature") for letter in letters)
    assert all(letter.stream.value == "interactions" for letter in letters)
    report = crm.retry_dead_letters(config=None)
    assert report.fixed == []
    assert crm.interactions(customer.id) == []


def test_the_same_call_status_twice_is_stored_once(crm, endpoint):
    """Replay-safe by CallSid+CallStatus: the retried callback is acknowledged, not stored."""
    customer = _customer(crm)
    form = callback("CA04", "no-answer")
    first = post_callback(endpoint, form)
    again = post_callback(endpoint, form)
    assert first[0] == again[0] == 200
    assert again[1]["replayed"] is True
    [call] = crm.interactions(customer.id)
    assert call.outcome == "missed"
    assert len(crm.records.records("phones", "CA04", "interactions")) == 1
    assert set(received_deliveries(crm, "phones")) == {"CA04:no-answer"}


def test_a_ringing_incoming_call_pops_up_the_card_once_and_is_recorded_when_it_ends(
    crm, endpoint, pop
):
    """ringing: incoming_call gets the short card (a replay does not); completed: recorded."""
    customer = _customer(crm)
    ringing = callback("CA05", "ringing", From="8 (495) 123-45-67")
    status, answer = post_callback(endpoint, ringing)
    assert (status, answer["stored"]) == (200, 0)
    assert "recorded when it ends" in answer["note"]
    post_callback(endpoint, ringing)
    assert pop.seen == [("8 (495) 123-45-67", "+74950001122", "CA05", "Иван Петров")]
    assert crm.interactions(customer.id) == []
    post_callback(endpoint, callback("CA05", "completed", From="8 (495) 123-45-67"))
    assert [c.outcome for c in crm.interactions(customer.id)] == ["answered"]


@pytest.mark.parametrize(
    ("status", "direction", "expected", "customer_field"),
    [
        ("busy", "inbound", "busy", "From"),
        ("canceled", "inbound", "missed", "From"),
        ("failed", "inbound", "failed", "From"),
        ("completed", "outbound-api", "answered", "To"),
        ("no-answer", "outbound-api", "no answer", "To"),
    ],
)
def test_final_statuses_and_directions_map_to_outcomes(
    crm, endpoint, status, direction, expected, customer_field
):
    """Each final status is an outcome; an outgoing call belongs to the number called."""
    customer = _customer(crm)
    numbers = {"From": "+74950001122", "To": "+74950001122", customer_field: "+74951234567"}
    post_callback(endpoint, callback("CA06", status, Direction=direction, **numbers))
    [call] = crm.interactions(customer.id)
    assert call.outcome == expected
    assert call.direction.value == ("in" if direction == "inbound" else "out")


def test_a_dialled_leg_is_acknowledged_but_not_recorded(crm, endpoint):
    """outbound-dial (the leg to the agent's phone) is not a customer's call of its own."""
    _customer(crm)
    leg = callback("CA07", "completed", Direction="outbound-dial", ParentCallSid="CA05")
    status, answer = post_callback(endpoint, leg)
    assert (status, answer["stored"]) == (200, 0)
    assert "a leg dialled from call CA05" in answer["note"]


def test_a_signed_callback_that_is_not_a_call_status_becomes_a_dead_letter(crm, endpoint):
    """A verified body with an unknown CallStatus is answered 200 and kept as a dead letter."""
    status, answer = post_callback(endpoint, callback("CA08", "exploded"))
    assert (status, answer["dead_lettered"]) == (200, 1)
    [letter] = crm.dead_letters(source="phones")
    assert "CallStatus 'exploded'" in letter.reason
    assert letter.raw.startswith("AccountSid=")


def test_a_proxy_url_is_verified_against_webhook_url(crm, settings, tmp_path):
    """Behind a proxy, the URL Twilio signed is the configured webhook_url (plus the query)."""
    from crmkit_pbx_webhook import PbxReceiver

    from crmkit.webhooks import WebhookRequest

    settings["webhook_url"] = "https://crm.example.com/twilio/status"
    receiver = PbxReceiver("phones", settings)
    form = callback("CA09", "completed")
    body = urllib.parse.urlencode(form).encode()
    signed = twilio_signature(TOKEN, "https://crm.example.com:443/twilio/status?x=1", form)
    request = WebhookRequest(
        "POST",
        "/webhooks/phones",
        {"x-twilio-signature": signed},
        body,
        url="http://127.0.0.1:8080/webhooks/phones?x=1",
        query="x=1",
    )
    assert receiver.verify(request) is None


class AcmeProvider:
    """A made-up provider: form fields ``call_id``, ``state``, ``caller``; HMAC hex header."""

    name = "acme"

    def verify(self, request, secret, url):  # noqa: ARG002 - the protocol's arguments
        """Check ``X-Acme-Sign``: the hex HMAC-SHA256 of the body."""
        import hashlib
        import hmac

        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return None if signature_matches(expected, request.header("X-Acme-Sign")) else "bad"

    def delivery_id(self, form):
        """Return call id and state."""
        values = dict(form)
        return f"{values.get('call_id')}:{values.get('state')}"

    def call_event(self, form):
        """Read the provider's three fields."""
        values = dict(form)
        return CallEvent(
            call_id=values["call_id"],
            status={"done": "completed", "lost": "no-answer"}[values["state"]],
            direction="in",
            caller=values["caller"],
            called="office",
            duration_seconds=int(values.get("talk", "0")),
        )


def test_another_provider_plugs_in_through_the_registry(crm, tmp_path):
    """A registered provider's callbacks are verified and mapped by it, not by Twilio's."""
    import hashlib
    import hmac

    from crmkit_pbx_webhook import PbxReceiver

    from crmkit.webhooks import WebhookApp, WebhookRequest

    register_provider(AcmeProvider)
    assert get_provider("acme").name == "acme"
    customer = _customer(crm)
    receiver = PbxReceiver("acme-pbx", {"webhook_secret": "k", "provider": "acme"})
    app = WebhookApp.for_receivers(crm, [receiver])
    body = b"call_id=77&state=lost&caller=84951234567"
    sign = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    request = WebhookRequest("POST", "/webhooks/acme-pbx", {"x-acme-sign": sign}, body)
    status, answer, _ = app.handle(receiver, request)
    assert (status, answer["stored"]) == (200, 1)
    assert [c.outcome for c in crm.interactions(customer.id)] == ["missed"]


def test_an_unknown_provider_is_a_configuration_error_naming_the_known():
    """Provider = "nope" names the providers there are."""
    with pytest.raises(ConfigError, match=r"no PBX provider named 'nope'.*twilio"):
        PbxWebhookAdapter("phones", {"webhook_secret": "x", "provider": "nope"})


def test_a_sync_has_nothing_to_read_from_a_webhook_source(crm, tmp_path):
    """The adapter offers no default stream: ``crmkit sync`` skips it without failing."""
    from crmkit.config import parse_config

    config = parse_config(
        {"sources": {"phones": {"adapter": "pbx-webhook", "webhook_secret": TOKEN}}},
        tmp_path / "c.toml",
        {},
    )
    report = crm.sync(config)
    assert report.ok
    assert report.streams == []
    adapter = config.source("phones").build(crm.adapters())
    assert adapter.check() == "receives twilio status callbacks at /webhooks/phones"


def test_behind_a_reverse_proxy_the_forwarded_url_is_verified(crm, endpoint):
    """Twilio signed https://crm.example.com/…; the proxy says so in X-Forwarded-* headers."""
    import json
    import urllib.request

    customer = _customer(crm)
    form = callback("CA10", "completed")
    public = "https://crm.example.com/webhooks/phones"
    request = urllib.request.Request(  # noqa: S310 - loopback
        endpoint,
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "crm.example.com",
            "X-Twilio-Signature": twilio_signature(TOKEN, public, form),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 - loopback
        assert (reply.status, json.loads(reply.read())["stored"]) == (200, 1)
    assert [c.external_id for c in crm.interactions(customer.id)] == ["CA10"]
