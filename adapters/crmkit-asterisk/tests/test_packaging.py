"""The distribution registers itself as a vendor's would; ``crmkit asterisk listen`` works."""

from __future__ import annotations

import importlib.metadata

import crmkit_asterisk.plugin
from asterisk_fakes import AMI_SECRET, AMI_USER, event, inbound_call
from click.testing import CliRunner

import crmkit
from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager


def test_the_entry_point_names_the_plugin_module():
    """``[project.entry-points.crmkit]`` points at ``crmkit_asterisk.plugin``."""
    points = importlib.metadata.entry_points(group="crmkit")
    assert any(p.value == "crmkit_asterisk.plugin" for p in points)


def test_both_adapters_are_registered(crm):
    """``asterisk-cdr`` and ``asterisk-ami`` are known to crmkit."""
    assert {"asterisk-cdr", "asterisk-ami"} <= set(crm.adapters())


def test_a_bad_internal_extensions_pattern_is_a_config_error(crm):
    """The pattern is checked when the source is configured, naming the key."""
    import pytest

    from crmkit.errors import ConfigError

    with pytest.raises(ConfigError, match="internal_extensions"):
        crm.adapter("asterisk-cdr", "pbx", {"path": "x.csv", "internal_extensions": "(["})


def _cli(tmp_path, ami_port, *args):
    (tmp_path / "crmkit.toml").write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/cli.db"\n\n'
        f'[sources.pbx]\nadapter = "asterisk-ami"\nhost = "127.0.0.1"\nport = {ami_port}\n'
        f'username = "{AMI_USER}"\nsecret = "env:AMI_SECRET"\ndefault_region = "RU"\n',
        encoding="utf-8",
    )
    pm = get_plugin_manager(entrypoints=False, extra=(crmkit_asterisk.plugin,))
    return CliRunner().invoke(
        build_cli(pm),
        ["asterisk", "listen", "pbx", "--config", str(tmp_path / "crmkit.toml"), *args],
        obj=pm,
        env={"AMI_SECRET": AMI_SECRET},
    )


def test_crmkit_asterisk_listen_records_calls_until_told_to_stop(tmp_path, ami):
    """``listen --max-calls 2`` records an incoming and an outgoing call, then stops."""
    outgoing = [
        event(
            "Newchannel",
            Channel="SIP/101-0000a",
            ChannelStateDesc="Ring",
            CallerIDNum="101",
            Exten="84951234567",
            Context="from-internal",
            Uniqueid="1700000001.1",
            Linkedid="1700000001.1",
        ),
        event(
            "DialBegin",
            Channel="SIP/101-0000a",
            Uniqueid="1700000001.1",
            Linkedid="1700000001.1",
            DestChannel="SIP/trunk-0000b",
            DestUniqueid="1700000001.2",
            DialString="trunk/84951234567",
        ),
        event(
            "Newstate",
            Channel="SIP/trunk-0000b",
            ChannelStateDesc="Up",
            Uniqueid="1700000001.2",
            Linkedid="1700000001.1",
        ),
        event("Hangup", Channel="SIP/101-0000a", Uniqueid="1700000001.1", Linkedid="1700000001.1"),
    ]
    ami.sessions.append((inbound_call("1700000000.91", "84951234567") + outgoing, "hold"))
    result = _cli(tmp_path, ami.port, "--max-calls", "2", "--seconds", "5")
    assert result.exit_code == 0, result.output
    assert "1 calls announced, 2 recorded, 0 dead-lettered" in result.output
    assert AMI_SECRET not in result.output
    with crmkit.open(f"sqlite:///{tmp_path}/cli.db", entrypoints=False) as crm:
        crm.project()
        call = crm.interaction_store.get("pbx", "1700000001.1")
        assert (call.direction.value, call.outcome, call.phone, call.agent) == (
            "out",
            "answered",
            "+74951234567",
            "101",
        )


def test_crmkit_asterisk_listen_with_a_refused_login_fails_cleanly(tmp_path, ami):
    """A wrong secret ends the command with the user's name, never the secret."""
    ami.secret = "another"  # noqa: S105
    result = _cli(tmp_path, ami.port, "--seconds", "2")
    assert result.exit_code == 1
    assert f"AMI login refused for user '{AMI_USER}'" in result.output
    assert AMI_SECRET not in result.output
