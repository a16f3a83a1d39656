"""``crmkit sources check`` and ``crmkit sync`` as a user runs them, against the loopback SAP."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sap_server import PASSWORD


def _crmkit(*args, env, cwd):
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "crmkit", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("style", ["mc"], indirect=True)
def test_sources_check_and_sync_from_a_crmkit_toml(sap, tmp_path, style):
    """A crmkit.toml with the password in the environment checks, syncs, and syncs again."""
    (tmp_path / "crmkit.toml").write_text(
        f"""
[database]
url = "sqlite:///{tmp_path / "crm.db"}"

[sources.sap]
adapter = "sap"
wsdl = "{sap.url}/wsdl/{style}?sap-client=100"
endpoint = "{sap.url}"
username = "CRMKIT_RFC"
password = "env:SAP_PASSWORD"
client = "100"
sales_organization = "1000"
timezone = "Europe/Moscow"
default_region = "RU"
page_size = 2
streams = ["customers", "orders", "order_events"]
""",
        encoding="utf-8",
    )
    env = {**os.environ, "SAP_PASSWORD": PASSWORD, "CRMKIT_DATABASE_URL": ""}
    env.pop("CRMKIT_DATABASE_URL")
    check = _crmkit("sources", "check", "sap", env=env, cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert "sap: ok: SAP answered BapiCustomerGetlist" in check.stdout
    first = _crmkit("sync", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "customers" in first.stdout
    second = _crmkit("sync", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert PASSWORD not in first.stdout + first.stderr + second.stdout + second.stderr
    wrong = {**env, "SAP_PASSWORD": "not-the-password"}
    refused = _crmkit("sources", "check", "sap", env=wrong, cwd=tmp_path)
    assert refused.returncode == 1
    assert "credentials refused by SAP at" in refused.stderr
    assert "not-the-password" not in refused.stderr
