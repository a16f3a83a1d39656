"""Twilio voice status callbacks: ``X-Twilio-Signature`` and the form fields of a call status.

Twilio POSTs ``application/x-www-form-urlencoded`` fields — ``CallSid``, ``AccountSid``,
``From``, ``To``, ``CallStatus`` (queued, initiated, ringing, in-progress, completed, busy,
failed, no-answer, canceled), ``Direction`` (inbound, outbound-api, outbound-dial),
``CallDuration`` (on completion), ``Timestamp`` (RFC 2822), ``CallerName``,
``ParentCallSid``, ``SequenceNumber``... — and signs them: ``X-Twilio-Signature`` is
base64(HMAC-SHA1(auth token, the full URL + every POST field, sorted by name, as name+value)).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import urllib.parse
from typing import TYPE_CHECKING, ClassVar

from crmkit.sdk.mapping import MappingError
from crmkit.webhooks import signature_matches
from crmkit_pbx_webhook.providers import CallEvent

if TYPE_CHECKING:
    from crmkit.webhooks import WebhookRequest

SIGNATURE = "X-Twilio-Signature"
STATUSES = frozenset(
    {
        "queued",
        "initiated",
        "ringing",
        "in-progress",
        "completed",
        "busy",
        "failed",
        "no-answer",
        "canceled",
    }
)
_DIRECTIONS = {"inbound": "in", "outbound-api": "out", "outbound-dial": "out", "outbound": "out"}
_DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_signature(token: str, url: str, form: list[tuple[str, str]]) -> str:
    """Return the ``X-Twilio-Signature`` of a POST of ``form`` fields to ``url``.

    As Twilio's own libraries do, each field name is taken once, in sorted order, with its
    distinct values sorted.
    """
    values: dict[str, set[str]] = {}
    for key, value in form:
        values.setdefault(key, set()).add(value)
    data = url + "".join(k + v for k in sorted(values) for v in sorted(values[k]))
    digest = hmac.new(token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def url_variants(url: str) -> list[str]:
    """Return ``url`` as given, without its default port and with it (Twilio signs either)."""
    parts = urllib.parse.urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    variants = [url]
    if parts.port is not None and parts.port == default:
        variants.append(urllib.parse.urlunsplit(parts._replace(netloc=host)))
    elif parts.port is None and default is not None:
        variants.append(urllib.parse.urlunsplit(parts._replace(netloc=f"{host}:{default}")))
    return variants


def _first(form: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in form if k == name), "").strip()


def _time(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise MappingError(f"Timestamp {text!r} is not an RFC 2822 date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _seconds(text: str, field: str) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise MappingError(f"{field} {text!r} is not a whole number of seconds") from None
    if value < 0:
        raise MappingError(f"{field} {text!r} is negative")
    return value


class TwilioProvider:
    """Twilio (and Twilio-compatible PBXs such as SignalWire's LaML) voice status callbacks."""

    name: ClassVar[str] = "twilio"

    def verify(self, request: WebhookRequest, secret: str, url: str) -> str | None:
        """Check ``X-Twilio-Signature`` over ``url`` and the sorted fields, in constant time."""
        given = request.header(SIGNATURE)
        if not given:
            return f"no {SIGNATURE} header"
        form = urllib.parse.parse_qsl(
            request.body.decode("utf-8", "replace"), keep_blank_values=True
        )
        for candidate in url_variants(url):
            if signature_matches(twilio_signature(secret, candidate, form), given):
                return None
        return f"{SIGNATURE} does not match"

    def delivery_id(self, form: list[tuple[str, str]]) -> str | None:
        """Return ``CallSid:CallStatus``: the same status of the same call comes once."""
        sid, status = _first(form, "CallSid"), _first(form, "CallStatus")
        return f"{sid}:{status}" if sid and status else None

    def call_event(self, form: list[tuple[str, str]]) -> CallEvent:
        """Return the call status of a Twilio voice status callback."""
        sid = _first(form, "CallSid")
        if not sid:
            raise MappingError("no CallSid")
        status = _first(form, "CallStatus").lower()
        if status not in STATUSES:
            raise MappingError(f"CallStatus {status!r} is not a Twilio call status")
        raw_direction = _first(form, "Direction").lower()
        if raw_direction not in _DIRECTIONS:
            raise MappingError(f"Direction {raw_direction!r} is not a Twilio call direction")
        caller, called = _first(form, "From"), _first(form, "To")
        if not caller and not called:
            raise MappingError("neither From nor To is given")
        return CallEvent(
            call_id=sid,
            status=status,
            direction=_DIRECTIONS[raw_direction],
            caller=caller,
            called=called,
            at=_time(_first(form, "Timestamp")),
            duration_seconds=_seconds(_first(form, "CallDuration"), "CallDuration"),
            caller_name=_first(form, "CallerName") or None,
            parent_id=_first(form, "ParentCallSid") or None,
            leg=raw_direction == "outbound-dial",
            account=_first(form, "AccountSid") or None,
        )
