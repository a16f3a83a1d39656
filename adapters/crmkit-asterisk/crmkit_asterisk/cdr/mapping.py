"""A CDR (a ``Master.csv`` line or an AMI ``Cdr`` event) as a call interaction.

CDR times are the PBX's local time (unless ``usegmtime`` is set in ``cdr.conf``): they are
read in the adapter's ``timezone``. ``billsec`` (talk time) becomes ``duration_seconds``;
``duration`` (ringing included), ``billsec``, ``disposition`` and the channel ids stay in
the record's ``call`` section.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crmkit_asterisk.cdr.row import CdrRowError
from crmkit_asterisk.rules import IN, INTERNAL, call_record, outcome, peer, split_clid

if TYPE_CHECKING:
    from crmkit_asterisk.rules import CallRules

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S")


def local_time(text: str, zone: dt.tzinfo, field: str) -> dt.datetime | None:
    """Return a CDR time (``2026-11-02 09:15:03``, local to ``zone``) as aware UTC.

    Empty is ``None`` (an unanswered call has no answer time); anything else unreadable
    raises :class:`CdrRowError` naming the field.
    """
    value = text.strip()
    if not value:
        return None
    for form in _TIME_FORMATS:
        try:
            naive = dt.datetime.strptime(value, form)  # noqa: DTZ007 - zone attached below
        except ValueError:
            continue
        return naive.replace(tzinfo=zone).astimezone(dt.UTC)
    raise CdrRowError(f"bad {field} time {value!r} (expected YYYY-MM-DD HH:MM:SS)")


def _seconds(text: str, field: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise CdrRowError(f"bad {field} {value!r}: not a whole number of seconds") from None
    if number < 0:
        raise CdrRowError(f"bad {field} {value!r}: negative")
    return number


def external_id(fields: dict[str, str], fallback: str) -> str:
    """Return the call's id: its ``uniqueid`` (with ``sequence`` when logged), else ``fallback``.

    One call can leave several CDRs (one per dialled party); ``sequence`` tells them apart.
    """
    unique = fields.get("uniqueid", "").strip()
    if not unique:
        return fallback
    sequence = fields.get("sequence", "").strip()
    return f"{unique}-{sequence}" if sequence else unique


def map_cdr(
    fields: dict[str, str], rules: CallRules, zone: dt.tzinfo, fallback_id: str
) -> dict[str, Any] | None:
    """Return the interaction record of one CDR, or ``None`` for an internal call not kept.

    Raises :class:`CdrRowError` when the CDR has no start time or a bad time or number.
    """
    src, dst = fields.get("src", "").strip(), fields.get("dst", "").strip()
    name, clid_number = split_clid(fields.get("clid"))
    caller = src or clid_number or ""
    direction = rules.direction(fields.get("dcontext", "").strip(), caller, dst)
    if direction == INTERNAL and not rules.record_internal:
        return None
    start = local_time(fields.get("start", ""), zone, "start")
    if start is None:
        raise CdrRowError("no start time")
    answer = local_time(fields.get("answer", ""), zone, "answer")
    end = local_time(fields.get("end", ""), zone, "end")
    duration = _seconds(fields.get("duration", ""), "duration")
    billsec = _seconds(fields.get("billsec", ""), "billsec")
    disposition = fields.get("disposition", "").strip()
    if direction == IN:
        internal_dst = dst if rules.is_internal(dst) else None
        number, agent = caller, peer(fields.get("dstchannel")) or internal_dst
    else:
        number, agent = rules.dialled(dst), src or peer(fields.get("channel"))
        name = None
    return call_record(
        external_id=external_id(fields, fallback_id),
        direction="in" if direction == INTERNAL else direction,
        occurred_at=start.isoformat(),
        number=number or None,
        name=name,
        duration_seconds=billsec,
        outcome=outcome(disposition, direction),
        agent=agent,
        subject=None,
        call={
            "duration": duration,
            "billsec": billsec,
            "disposition": disposition,
            "answered_at": answer.isoformat() if answer else None,
            "ended_at": end.isoformat() if end else None,
            "context": fields.get("dcontext"),
            "dst": dst,
            "channel": fields.get("channel"),
            "dstchannel": fields.get("dstchannel"),
            "uniqueid": fields.get("uniqueid"),
            "linkedid": fields.get("linkedid"),
            "accountcode": fields.get("accountcode"),
            "userfield": fields.get("userfield"),
        },
    )
