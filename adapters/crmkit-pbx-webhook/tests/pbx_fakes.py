"""Twilio-style status callbacks, signed or forged, POSTed over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from crmkit_pbx_webhook import twilio_signature

import crmkit

TOKEN = "f3c1e5a9b7d24c6e8a0b1c2d3e4f5a6b"  # noqa: S105 - the test account's auth token
ACCOUNT = "AC0123456789abcdef0123456789abcdef"


def callback(sid: str, status: str, **fields: str) -> list[tuple[str, str]]:
    """Return the form fields of a Twilio voice status callback (inbound unless told)."""
    form = {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": status,
        "Called": "+74950001122",
        "CallerCountry": "RU",
        "Direction": "inbound",
        "From": "+74951234567",
        "To": "+74950001122",
        "Timestamp": "Mon, 02 Nov 2026 09:03:00 +0000",
        "CallbackSource": "call-progress-events",
        "SequenceNumber": "0",
    }
    form.update(fields)
    if status == "completed":
        form.setdefault("CallDuration", "180")
        form.setdefault("Duration", "3")
    return list(form.items())


def post_callback(
    url: str, form: list[tuple[str, str]], *, token: str = TOKEN, signature: str | None = None
) -> tuple[int, dict]:
    """POST ``form`` to ``url`` signed as Twilio would (or with ``signature``); return the reply."""
    body = urllib.parse.urlencode(form).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": "b4f1c2d3-0000-4000-8000-000000000001",
        "X-Twilio-Signature": signature
        if signature is not None
        else twilio_signature(token, url, form),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 - loopback
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class ScreenPop:
    """A plugin collecting what ``incoming_call`` is told."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None, str | None, str | None]] = []

    @crmkit.hookimpl
    def incoming_call(self, call, card):
        """Remember the caller, the number dialled, the call id and the card's name."""
        self.seen.append((call.caller, call.called, call.call_id, card.name if card else None))
