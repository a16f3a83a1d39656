"""How a call is read, whichever Asterisk interface reported it: direction, outcome, parties.

Asterisk does not say whether a call came in or went out. The dialplan context does (calls
from the provider land in ``from-trunk``, ``from-pstn``...), and so do the numbers: an
internal extension (``101``) calling an outside number is an outgoing call. Calls between two
extensions are internal and are not customer interactions unless configured so.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
from marshmallow import Schema, ValidationError, fields, validate

#: Contexts where calls from the outside world arrive, in FreePBX and common dialplans.
DEFAULT_INBOUND_CONTEXTS = (
    "from-trunk",
    "from-pstn",
    "from-external",
    "from-did-direct",
    "ext-did",
    "from-sip-external",
    "incoming",
    "inbound",
)
#: Internal extensions: two to five digits.
DEFAULT_INTERNAL_EXTENSIONS = r"^\d{2,5}$"
IN, OUT, INTERNAL = "in", "out", "internal"

#: Outcomes by Asterisk disposition (CDR ``disposition``) or dial status (AMI ``DialStatus``).
_OUTCOMES = {
    "ANSWERED": "answered",
    "ANSWER": "answered",
    "NO ANSWER": "missed",
    "NOANSWER": "missed",
    "CANCEL": "missed",
    "BUSY": "busy",
    "FAILED": "failed",
    "CHANUNAVAIL": "failed",
    "CONGESTION": "congestion",
}
_CLID = re.compile(
    r'^\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<plain>[^<]*?))\s*<(?P<number>[^>]*)>\s*$'
)
_PEER = re.compile(r"^[^/]+/(?P<peer>[^-@/;]+)")


def _pattern(text: str) -> None:
    """Refuse an empty pattern or one that is not a regular expression."""
    if not text:
        raise ValidationError("must not be empty")
    try:
        re.compile(text)
    except re.error as exc:
        raise ValidationError(f"not a regular expression: {exc}") from None


class CallRulesSchema(Schema):
    """The settings both Asterisk adapters share: how to tell in, out and internal calls."""

    inbound_contexts = fields.List(
        fields.String(validate=validate.Length(min=1)),
        load_default=list(DEFAULT_INBOUND_CONTEXTS),
    )
    internal_extensions = fields.String(load_default=DEFAULT_INTERNAL_EXTENSIONS, validate=_pattern)
    strip_prefixes = fields.List(fields.String(validate=validate.Length(min=1)), load_default=[])
    record_internal = fields.Boolean(load_default=False)


@attrs.frozen
class CallRules:
    """Tells a call's direction and the customer's number from context and numbers.

    ``inbound_contexts`` are dialplan contexts where outside calls arrive; ``internal`` matches
    internal extensions; ``strip_prefixes`` are dial-out prefixes (``9``) removed from a
    dialled number; ``record_internal`` keeps calls between two extensions.
    """

    inbound_contexts: frozenset[str] = frozenset(DEFAULT_INBOUND_CONTEXTS)
    internal: re.Pattern[str] = re.compile(DEFAULT_INTERNAL_EXTENSIONS)
    strip_prefixes: tuple[str, ...] = ()
    record_internal: bool = False

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CallRules:
        """Return the rules an adapter's loaded configuration sets."""
        return cls(
            inbound_contexts=frozenset(config["inbound_contexts"]),
            internal=re.compile(config["internal_extensions"]),
            strip_prefixes=tuple(config["strip_prefixes"]),
            record_internal=config["record_internal"],
        )

    def is_internal(self, number: str | None) -> bool:
        """Return True when ``number`` is an internal extension."""
        return bool(number) and self.internal.search(number or "") is not None

    def direction(self, context: str | None, src: str | None, dst: str | None) -> str:
        """Return ``in``, ``out`` or ``internal`` for a call from ``src`` to ``dst``."""
        if context and context in self.inbound_contexts:
            return IN
        src_internal, dst_internal = self.is_internal(src), self.is_internal(dst)
        if src_internal and dst_internal:
            return INTERNAL
        if src_internal:
            return OUT
        return IN

    def dialled(self, number: str) -> str:
        """Return a dialled outside number without its dial-out prefix."""
        for prefix in self.strip_prefixes:
            if number.startswith(prefix) and len(number) > len(prefix) + 4:
                return number[len(prefix) :]
        return number


def outcome(disposition: str | None, direction: str) -> str | None:
    """Return the interaction outcome of a CDR disposition or AMI dial status.

    ``missed`` for an unanswered incoming call, ``no answer`` for an unanswered outgoing one.
    """
    if not disposition:
        return None
    found = _OUTCOMES.get(disposition.strip().upper())
    if found == "missed" and direction == OUT:
        return "no answer"
    return found or disposition.strip().lower()


def split_clid(clid: str | None) -> tuple[str | None, str | None]:
    """Return ``(name, number)`` of a caller id such as ``"Ivan Petrov" <84951234567>``."""
    if not clid:
        return None, None
    found = _CLID.match(clid)
    if not found:
        return None, clid.strip() or None
    name = found.group("quoted") if found.group("quoted") is not None else found.group("plain")
    name = (name or "").replace('\\"', '"').strip()
    return name or None, found.group("number").strip() or None


def peer(channel: str | None) -> str | None:
    """Return the peer of a channel name: ``SIP/101-0000002a`` → ``101``."""
    if not channel:
        return None
    found = _PEER.match(channel)
    return found.group("peer") if found else None


def call_record(
    *,
    external_id: str,
    direction: str,
    occurred_at: str,
    number: str | None,
    name: str | None,
    duration_seconds: int | None,
    outcome: str | None,
    agent: str | None,
    subject: str | None,
    call: dict[str, Any],
) -> dict[str, Any]:
    """Return one call in crmkit's generic interaction format.

    The customer is named by the raw ``number`` (crmkit normalises it with the source's
    region); ``call`` keeps the phone system's own fields (duration, billsec, disposition,
    ids) beside the record.
    """
    record: dict[str, Any] = {
        "external_id": external_id,
        "channel": "phone",
        "direction": direction,
        "occurred_at": occurred_at,
    }
    customer: dict[str, Any] = {}
    if number:
        customer["phones"] = [number]
    if name:
        customer["name"] = name
    optional = {
        "customer": customer or None,
        "duration_seconds": duration_seconds,
        "outcome": outcome,
        "agent": agent,
        "subject": subject,
    }
    record.update({k: v for k, v in optional.items() if v is not None})
    record["call"] = {k: v for k, v in call.items() if v not in (None, "")}
    return record
