"""``asterisk-ami`` against a fake Asterisk Manager Interface on loopback."""

from __future__ import annotations

import pytest
from asterisk_fakes import AMI_SECRET, AMI_USER, ami_config, event, inbound_call, split_bytes
from crmkit_asterisk.ami import AmiLoginError, listen
from crmkit_asterisk.ami.protocol import MessageReader

import crmkit
from crmkit.errors import PermanentError


def _adapter(crm, port, **extra):
    return crm.adapter("asterisk-ami", "pbx", ami_config(port, **extra))


def _calls(crm, source="pbx"):
    return {
        i.external_id: i
        for c in crm.customers()
        for i in crm.interactions(c.id)
        if i.source == source
    }


def test_a_refused_login_names_the_user_and_never_the_secret(crm, ami):
    """Wrong secret: AmiLoginError with the user name and host, without the secret."""
    ami.secret = "another"  # noqa: S105 - the fake PBX's secret
    adapter = _adapter(crm, ami.port)
    with pytest.raises(AmiLoginError) as caught:
        adapter.check()
    message = str(caught.value)
    assert AMI_USER in message
    assert "Authentication failed" in message
    assert AMI_SECRET not in message
    assert isinstance(caught.value, PermanentError)
    assert ami.logins == [(AMI_USER, AMI_SECRET)]


def test_check_logs_in_and_shows_the_banner(crm, ami):
    """A good login answers with the banner."""
    assert "Asterisk Call Manager/5.0.1" in _adapter(crm, ami.port).check()


def test_an_unreachable_manager_is_a_transient_error(crm):
    """Nothing listening: a retryable error naming the address."""
    adapter = _adapter(crm, 1, timeout_seconds=0.5)
    with pytest.raises(crmkit.errors.TransientError, match=r"127\.0\.0\.1:1"):
        adapter.check()


def test_a_peer_that_is_not_asterisk_is_refused():
    """The first line must be the Asterisk Call Manager banner."""
    reader = MessageReader()
    with pytest.raises(ValueError, match="not an Asterisk Manager Interface"):
        reader.feed(b"SSH-2.0-OpenSSH_9.6\r\n")


def test_events_split_across_packets_make_one_answered_call(crm, ami):
    """An incoming call sent 7 bytes at a time is recorded once, answered by 101."""
    crm.ingest_customers(
        "erp", [{"external_id": "k-1", "name": "Иван Петров", "phones": ["+7 495 123-45-67"]}]
    )
    ami.sessions.append(
        (split_bytes(b"".join(inbound_call("1700000000.11", "84951234567")), 7), "hold")
    )
    outcome = crm.import_from(_adapter(crm, ami.port, max_calls=1), "interactions")
    assert (outcome.new, outcome.dead_lettered) == (1, 0)
    [customer] = crm.find_customers(phone="+74951234567")
    [call] = crm.interactions(customer.id)
    assert (call.external_id, call.direction.value, call.outcome, call.agent) == (
        "1700000000.11",
        "in",
        "answered",
        "101",
    )


def test_a_disconnect_mid_call_is_followed_by_a_reconnect_and_the_call_completes(crm, ami):
    """The manager drops the connection mid-call; the client logs in again and goes on."""
    events = inbound_call("1700000000.21", "84951234567", status="NOANSWER")
    second = inbound_call("1700000000.22", "+79161234567", agent="102")
    ami.sessions.append((events[:3], "drop"))
    ami.sessions.append((events[3:] + second, "hold"))
    crm.ingest_customers(
        "erp",
        [
            {"external_id": "k-1", "name": "Иван", "phones": ["+74951234567"]},
            {"external_id": "k-2", "name": "Ольга", "phones": ["+79161234567"]},
        ],
    )
    outcome = crm.import_from(_adapter(crm, ami.port, max_calls=2), "interactions")
    assert outcome.new == 2
    assert len(ami.logins) == 2
    calls = _calls(crm)
    assert calls["1700000000.21"].outcome == "missed"
    assert calls["1700000000.22"].outcome == "answered"
    assert calls["1700000000.22"].agent == "102"


def test_a_sync_listens_for_a_bounded_time_and_records_calls(crm, ami, tmp_path):
    """``crmkit sync`` over asterisk-ami returns after read_seconds with the calls that ended."""
    from crmkit.config import load_config

    ami.sessions.append((inbound_call("1700000000.31", "84951234567", status="BUSY"), "hold"))
    (tmp_path / "crmkit.toml").write_text(
        f"""
[sources.pbx]
adapter = "asterisk-ami"
host = "127.0.0.1"
port = {ami.port}
username = "{AMI_USER}"
secret = "env:AMI_SECRET"
read_seconds = 0.6
default_region = "RU"
timezone = "Europe/Moscow"
""",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "crmkit.toml", environ={"AMI_SECRET": AMI_SECRET})
    report = crm.sync(config)
    assert report.ok, [r.message for r in report.streams]
    [result] = report.streams
    assert result.outcome.new == 1
    stored = crm.records.records("pbx", "1700000000.31", "interactions")
    assert "Event: Hangup" in stored[0].payload


def test_a_sync_with_a_wrong_secret_fails_without_showing_it(crm, ami, tmp_path):
    """The failed stream's message names the user; the secret is nowhere in it."""
    from crmkit.config import load_config

    ami.secret = "another"  # noqa: S105
    (tmp_path / "crmkit.toml").write_text(
        f'[sources.pbx]\nadapter = "asterisk-ami"\nhost = "127.0.0.1"\nport = {ami.port}\n'
        f'username = "{AMI_USER}"\nsecret = "{AMI_SECRET}"\nmax_retries = 0\n',
        encoding="utf-8",
    )
    report = crm.sync(load_config(tmp_path / "crmkit.toml"))
    [result] = report.streams
    assert result.status == "failed"
    assert AMI_USER in result.message
    assert AMI_SECRET not in result.message


class ScreenPop:
    """Collects incoming_call notifications."""

    def __init__(self):
        self.seen = []

    @crmkit.hookimpl
    def incoming_call(self, call, card):
        """Remember the call's number, the dialled extension and the card's customer."""
        self.seen.append((call.caller, call.called, call.call_id, card.name if card else None))


def test_listen_pops_up_the_callers_card_and_records_the_call(tmp_path, ami):
    """On Newchannel in from-trunk the hook gets the short card; at Hangup the call is stored."""
    import crmkit_asterisk.plugin

    pop = ScreenPop()
    with crmkit.open(
        f"sqlite:///{tmp_path}/c.db",
        entrypoints=False,
        plugins=(crmkit_asterisk.plugin, pop),
        default_region="RU",
    ) as crm:
        crm.ingest_customers(
            "erp", [{"external_id": "k-1", "name": "Иван Петров", "phones": ["+74951234567"]}]
        )
        crm.ingest_orders(
            "erp", [{"external_id": "o-1", "number": "1234", "customer": {"external_id": "k-1"}}]
        )
        unknown = inbound_call("1700000000.42", "+79990001122", status="NOANSWER")
        ami.sessions.append((inbound_call("1700000000.41", "8 495 123-45-67") + unknown, "hold"))
        adapter = _adapter(crm, ami.port)
        report = listen(crm, adapter, seconds=5, max_calls=2)
        assert (report.announced, report.recorded, report.dead_lettered) == (2, 2, 0)
        assert pop.seen == [
            ("8 495 123-45-67", "74950001122", "1700000000.41", "Иван Петров"),
            ("+79990001122", "74950001122", "1700000000.42", None),
        ]
        card = crm.lookup_caller("+74951234567")
        assert card is not None
        assert [i.outcome for i in card.last_interactions] == ["answered"]


def test_cdr_events_update_the_call_and_a_bad_one_is_a_dead_letter(crm, ami):
    """A Cdr event is the call's record (local times in the source's zone); a bad one is kept."""
    import zoneinfo

    cdr = event(
        "Cdr",
        AccountCode="",
        Source="84951234567",
        Destination="101",
        DestinationContext="from-trunk",
        CallerID='"Ivan" <84951234567>',
        Channel="SIP/trunk-0001",
        DestinationChannel="SIP/101-0002",
        LastApplication="Dial",
        LastData="SIP/101,30",
        StartTime="2026-11-02 09:00:00",
        AnswerTime="2026-11-02 09:00:05",
        EndTime="2026-11-02 09:02:05",
        Duration="125",
        BillableSeconds="120",
        Disposition="ANSWERED",
        AMAFlags="DOCUMENTATION",
        UniqueID="1700000000.51",
        UserField="",
    )
    broken = cdr.replace(b"2026-11-02 09:00:00", b"02/11/2026 9am").replace(b".51", b".52")
    ami.sessions.append(([cdr, broken], "hold"))
    adapter = _adapter(crm, ami.port, max_calls=2)
    adapter.timezone = zoneinfo.ZoneInfo("Europe/Moscow")
    outcome = crm.import_from(adapter, "interactions")
    assert (outcome.new, outcome.dead_lettered) == (1, 1)
    crm.project()
    call = crm.interaction_store.get("pbx", "1700000000.51")
    assert call.occurred_at.isoformat() == "2026-11-02T06:00:00+00:00"
    assert (call.duration_seconds, call.outcome, call.agent) == (120, "answered", "101")
    [letter] = crm.dead_letters(source="pbx")
    assert "bad start time" in letter.reason
