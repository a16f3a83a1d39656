"""Calls assembled from AMI events, without a network: the older Dial event, odd orders."""

from __future__ import annotations

import datetime as dt

from asterisk_fakes import event
from crmkit_asterisk.ami.calls import CallAssembler, FinishedCall, Ringing
from crmkit_asterisk.ami.protocol import MessageReader, parse_messages
from crmkit_asterisk.rules import CallRules, split_clid

AT = dt.datetime(2026, 11, 2, 6, tzinfo=dt.UTC)


def _feed(chunks: list[bytes]) -> list[object]:
    ticks = iter(AT + dt.timedelta(seconds=n) for n in range(1000))
    assembler = CallAssembler(CallRules(), dt.UTC, clock=lambda: next(ticks))
    found: list[object] = []
    for message in parse_messages(b"".join(chunks).decode()):
        found += assembler.feed(message)
    return found


def test_asterisk_11_dial_events_make_one_answered_call():
    """Dial with SubEvent Begin/End (Asterisk 11): one call, the dialled channel folded in."""
    found = _feed(
        [
            event(
                "Newchannel",
                Channel="SIP/trunk-1",
                CallerIDNum="84951234567",
                Exten="74950001122",
                Context="from-trunk",
                Uniqueid="100.1",
            ),
            event("Newchannel", Channel="SIP/101-2", CallerIDNum="101", Uniqueid="100.2"),
            event(
                "Dial",
                SubEvent="Begin",
                Channel="SIP/trunk-1",
                UniqueID="100.1",
                DestUniqueID="100.2",
                Dialstring="101",
            ),
            event(
                "Newstate",
                Channel="SIP/101-2",
                ChannelStateDesc="Up",
                CallerIDNum="101",
                Uniqueid="100.2",
            ),
            event(
                "Dial", SubEvent="End", Channel="SIP/trunk-1", UniqueID="100.1", DialStatus="ANSWER"
            ),
            event("Hangup", Channel="SIP/101-2", Uniqueid="100.2"),
            event("Hangup", Channel="SIP/trunk-1", Uniqueid="100.1", Cause="16"),
        ]
    )
    ringing, finished = found
    assert isinstance(ringing, Ringing)
    assert (ringing.caller, ringing.call_id) == ("84951234567", "100.1")
    assert isinstance(finished, FinishedCall)
    record = finished.record
    assert (record["external_id"], record["outcome"], record["agent"]) == (
        "100.1",
        "answered",
        "101",
    )
    assert record["duration_seconds"] == 3
    assert record["call"]["duration"] == 6


def test_a_hangup_of_an_unknown_call_and_other_events_are_ignored():
    """Events of calls that began before we connected, and unrelated events, give nothing."""
    assert _feed([event("Hangup", Uniqueid="9.9"), event("PeerStatus", Peer="SIP/101")]) == []


def test_a_message_split_anywhere_is_read_whole():
    """Every split point of two events gives the same two messages."""
    data = event("Newchannel", Uniqueid="1.1") + event("Hangup", Uniqueid="1.1")
    for cut in range(1, len(data)):
        reader = MessageReader()
        got = reader.feed(b"Asterisk Call Manager/5.0.1\r\n" + data[:cut])
        got += reader.feed(data[cut:])
        assert [m.event for m in got] == ["Newchannel", "Hangup"]


def test_caller_ids_are_split_into_name_and_number():
    """The clid forms Asterisk writes."""
    assert split_clid('"Ivan Petrov" <84951234567>') == ("Ivan Petrov", "84951234567")
    assert split_clid("<84951234567>") == (None, "84951234567")
    assert split_clid('"" <84951234567>') == (None, "84951234567")
    assert split_clid("84951234567") == (None, "84951234567")
    assert split_clid("") == (None, None)
