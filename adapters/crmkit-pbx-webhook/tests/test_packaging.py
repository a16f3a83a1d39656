"""The distribution registers itself as a vendor's would: entry point, adapter, command."""

from __future__ import annotations

import importlib.metadata

import crmkit_pbx_webhook.plugin
from click.testing import CliRunner

from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager


def test_the_entry_point_names_the_plugin_module():
    """``[project.entry-points.crmkit]`` points at ``crmkit_pbx_webhook.plugin``."""
    points = importlib.metadata.entry_points(group="crmkit")
    assert any(p.value == "crmkit_pbx_webhook.plugin" for p in points)


def test_the_adapter_is_registered_and_offers_a_receiver(crm):
    """``pbx-webhook`` is known to crmkit and names its webhook receiver for ``crmkit serve``."""
    adapter = crm.adapters()["pbx-webhook"]
    assert adapter.webhook_receiver.name == "pbx-webhook"


def test_the_serve_command_is_added_to_the_cli():
    """``crmkit pbx-webhook serve --help`` describes the endpoint."""
    pm = get_plugin_manager(entrypoints=False, extra=(crmkit_pbx_webhook.plugin,))
    result = CliRunner().invoke(build_cli(pm), ["pbx-webhook", "serve", "--help"], obj=pm)
    assert result.exit_code == 0, result.output
    assert "/webhooks/SOURCE" in result.output


def test_serve_without_a_webhook_source_says_what_to_configure(tmp_path):
    """No source with a webhook_secret: a one-line error, exit status 1."""
    (tmp_path / "crmkit.toml").write_text('[sources.x]\nadapter = "jsonl"\npath = "x.jsonl"\n')
    pm = get_plugin_manager(entrypoints=False, extra=(crmkit_pbx_webhook.plugin,))
    result = CliRunner().invoke(
        build_cli(pm),
        [
            "--db",
            f"sqlite:///{tmp_path}/c.db",
            "pbx-webhook",
            "serve",
            "--config",
            str(tmp_path / "crmkit.toml"),
        ],
        obj=pm,
    )
    assert result.exit_code == 1
    assert "receives webhooks" in result.output


def test_a_misspelt_setting_is_refused_naming_it(crm):
    """The adapter checks its settings strictly: a typo is a configuration error."""
    import pytest

    from crmkit.errors import ConfigError

    with pytest.raises(ConfigError, match="providr: Unknown field"):
        crm.adapter("pbx-webhook", "phones", {"webhook_secret": "x", "providr": "twilio"})
