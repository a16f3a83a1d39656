"""Calls assembled from AMI events, and the calls ringing now.

A call is keyed by its ``Linkedid`` (the ``Uniqueid`` of its first channel). ``Newchannel``
opens it with the caller and the dialled extension; ``DialBegin``/``DialEnd`` say whom it
rang and whether they answered (``DialStatus``); ``Newstate`` to ``Up`` on another channel is
an answer too; ``Hangup`` of the first channel ends it. A ``Cdr`` event, when the PBX sends
them, is the call's record as Asterisk keeps it and updates the same interaction.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from crmkit_asterisk.cdr.mapping import map_cdr
from crmkit_asterisk.cdr.row import CdrRowError
from crmkit_asterisk.rules import IN, INTERNAL, OUT, call_record, outcome, peer

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit_asterisk.ami.protocol import Message
    from crmkit_asterisk.rules import CallRules

#: AMI ``Cdr`` event fields by ``Master.csv`` column.
CDR_FIELDS = {
    "accountcode": "AccountCode",
    "src": "Source",
    "dst": "Destination",
    "dcontext": "DestinationContext",
    "clid": "CallerID",
    "channel": "Channel",
    "dstchannel": "DestinationChannel",
    "lastapp": "LastApplication",
    "lastdata": "LastData",
    "start": "StartTime",
    "answer": "AnswerTime",
    "end": "EndTime",
    "duration": "Duration",
    "billsec": "BillableSeconds",
    "disposition": "Disposition",
    "amaflags": "AMAFlags",
    "uniqueid": "UniqueID",
    "userfield": "UserField",
}
_CALL_EVENTS = frozenset({"newchannel", "newstate", "dialbegin", "dialend", "hangup", "cdr"})
_REMEMBERED = 2000
_NOT_A_NUMBER = {"", "s", "<unknown>", "unknown", "anonymous"}


@attrs.frozen
class Ringing:
    """An incoming call seen ringing: who calls, what they dialled, the call's id."""

    caller: str
    called: str | None
    call_id: str
    at: dt.datetime


@attrs.frozen
class FinishedCall:
    """A call that ended (or a CDR that arrived): its interaction record and raw events."""

    record: dict[str, Any] | None
    raw: str
    error: str | None = None


@attrs.define
class _Call:
    key: str
    started_at: dt.datetime
    caller: str = ""
    caller_name: str = ""
    exten: str = ""
    context: str = ""
    direction: str = IN
    answered_at: dt.datetime | None = None
    agent: str | None = None
    dial_status: str = ""
    dialled: str = ""
    announced: bool = False
    raw: list[str] = attrs.field(factory=list)


def _number(text: str) -> str:
    return "" if text.strip().lower() in _NOT_A_NUMBER else text.strip()


def event_time(message: Message, clock: Callable[[], dt.datetime]) -> dt.datetime:
    """Return when an event happened: its ``Timestamp`` (``timestampevents``), else now."""
    stamp = message.get("Timestamp")
    if stamp:
        try:
            return dt.datetime.fromtimestamp(float(stamp), dt.UTC)
        except (ValueError, OverflowError, OSError):
            pass
    return clock()


class CallAssembler:
    """Feeds on AMI events; returns finished calls and announces calls that start ringing.

    ``zone`` is the PBX's time zone, for the local times of ``Cdr`` events; ``clock``
    gives the time of events without a ``Timestamp``.
    """

    def __init__(
        self,
        rules: CallRules,
        zone: dt.tzinfo,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.rules = rules
        self.zone = zone
        self.clock = clock
        self.calls: dict[str, _Call] = {}
        self.channels: dict[str, str] = {}
        self.done: collections.OrderedDict[str, str] = collections.OrderedDict()

    def feed(self, message: Message) -> list[Ringing | FinishedCall]:
        """Take one message; return what it completed: a ringing call, a finished call."""
        name = message.event.lower()
        if name == "dial":  # Asterisk 11 and older: Dial with SubEvent Begin or End
            name = "dialbegin" if message.get("SubEvent").lower() == "begin" else "dialend"
        if name not in _CALL_EVENTS:
            return []
        if name == "cdr":
            return self._cdr(message)
        uid = message.get("Uniqueid")
        key = message.get("Linkedid") or self.channels.get(uid) or uid
        if not key:
            return []
        at = event_time(message, self.clock)
        call = self.calls.get(key)
        if call is None:
            if name == "hangup" or key in self.done:
                return []
            call = self._open(key, message, at)
        if uid:
            self.channels[uid] = key
        call.raw.append(message.raw)
        handler = {
            "newchannel": self._newchannel,
            "dialbegin": self._dialbegin,
            "dialend": self._dialend,
            "newstate": self._newstate,
            "hangup": self._hangup,
        }[name]
        return handler(call, message, at)

    def _open(self, key: str, message: Message, at: dt.datetime) -> _Call:
        call = _Call(
            key=key,
            started_at=at,
            caller=_number(message.get("CallerIDNum")),
            caller_name=message.get("CallerIDName").strip(),
            exten=_number(message.get("Exten")),
            context=message.get("Context"),
        )
        call.direction = self.rules.direction(call.context, call.caller, call.exten)
        self.calls[key] = call
        return call

    def _ringing(self, call: _Call, at: dt.datetime) -> list[Ringing | FinishedCall]:
        if call.announced or call.direction != IN or not call.caller:
            return []
        call.announced = True
        return [Ringing(call.caller, call.exten or None, call.key, at)]

    def _newchannel(self, call: _Call, message: Message, at: dt.datetime) -> list[Any]:
        if message.get("Uniqueid") != call.key:
            return []
        return self._ringing(call, at)

    def _dialbegin(self, call: _Call, message: Message, at: dt.datetime) -> list[Any]:
        dest = message.get("DestUniqueid")
        if dest and dest != call.key:
            self.channels[dest] = call.key
            dialled = self.calls.pop(dest, None)  # its Newchannel came first (Asterisk 11)
            if dialled is not None:
                call.raw.extend(dialled.raw)
        target = _number(message.get("DestExten")) or _number(message.get("DestCallerIDNum"))
        if call.direction == OUT and not call.dialled:
            string = message.get("DialString")
            call.dialled = target or string.rpartition("/")[2]
        elif not call.exten and target:
            call.exten = target
        return self._ringing(call, at)

    def _dialend(self, call: _Call, message: Message, at: dt.datetime) -> list[Any]:
        status = message.get("DialStatus").upper()
        if status == "ANSWER":
            call.answered_at = call.answered_at or at
            if call.direction != OUT:
                call.agent = (
                    _number(message.get("DestCallerIDNum"))
                    or peer(message.get("DestChannel"))
                    or call.agent
                )
            call.dial_status = status
        elif call.dial_status != "ANSWER" and status:
            call.dial_status = status
        return []

    def _newstate(self, call: _Call, message: Message, at: dt.datetime) -> list[Any]:
        up = message.get("ChannelStateDesc").lower() == "up"
        if up and message.get("Uniqueid") != call.key and call.answered_at is None:
            call.answered_at = at
            call.dial_status = call.dial_status or "ANSWER"
            if call.direction != OUT:
                call.agent = _number(message.get("CallerIDNum")) or peer(message.get("Channel"))
        return []

    def _hangup(self, call: _Call, message: Message, at: dt.datetime) -> list[Any]:
        if message.get("Uniqueid") != call.key:
            return []
        del self.calls[call.key]
        self.done[call.key] = call.key
        for uid in [u for u, k in self.channels.items() if k == call.key]:
            self.done[uid] = call.key
            del self.channels[uid]
        while len(self.done) > _REMEMBERED:
            self.done.popitem(last=False)
        if call.direction == INTERNAL and not self.rules.record_internal:
            return []
        return [self._finished(call, at, message.get("Cause-txt") or message.get("Cause"))]

    def _finished(self, call: _Call, ended: dt.datetime, cause: str) -> FinishedCall:
        status = call.dial_status or ("ANSWER" if call.answered_at else "NOANSWER")
        talk = int((ended - call.answered_at).total_seconds()) if call.answered_at else 0
        direction = OUT if call.direction == OUT else IN
        if direction == OUT:
            number = self.rules.dialled(call.dialled or call.exten)
            agent: str | None = call.caller or None
        else:
            number, agent = call.caller, call.agent
        record = call_record(
            external_id=call.key,
            direction=direction,
            occurred_at=call.started_at.isoformat(),
            number=number or None,
            name=call.caller_name if direction == IN else None,
            duration_seconds=max(talk, 0),
            outcome=outcome(status, call.direction),
            agent=agent,
            subject=None,
            call={
                "duration": max(int((ended - call.started_at).total_seconds()), 0),
                "billsec": max(talk, 0),
                "disposition": status,
                "answered_at": call.answered_at.isoformat() if call.answered_at else None,
                "ended_at": ended.isoformat(),
                "context": call.context,
                "dst": call.exten,
                "uniqueid": call.key,
                "linkedid": call.key,
                "hangup_cause": cause,
            },
        )
        return FinishedCall(record, "\r\n\r\n".join(call.raw))

    def _cdr(self, message: Message) -> list[Ringing | FinishedCall]:
        unique = message.get("UniqueID")
        owner = self.channels.get(unique) or self.done.get(unique)
        if owner is not None and owner != unique:
            return []  # the CDR of a dialled party: the call is recorded under its first channel
        fields = {column: message.get(key) for column, key in CDR_FIELDS.items()}
        try:
            record = map_cdr(fields, self.rules, self.zone, f"cdr-{unique or 'event'}")
        except CdrRowError as exc:
            return [FinishedCall(None, message.raw, str(exc))]
        if record is None:
            return []
        return [FinishedCall(record, message.raw)]
