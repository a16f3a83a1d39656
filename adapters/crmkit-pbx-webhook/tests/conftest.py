"""Fixtures for the PBX webhooks: crmkit on SQLite and the webhook app served on loopback."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parent))

import crmkit_pbx_webhook.plugin
from crmkit_pbx_webhook import screen_pop
from pbx_fakes import TOKEN, ScreenPop

import crmkit.cli  # noqa: F401 - crmkit.cli_serve is imported after crmkit.cli, as the CLI does
from crmkit.cli_serve import make_webhook_server
from crmkit.config import parse_config
from crmkit.testing.database import temporary_crmkit
from crmkit.webhooks import app_from_config


@pytest.fixture
def pop():
    """Return a plugin that remembers every incoming_call it is told about."""
    return ScreenPop()


@pytest.fixture
def crm(tmp_path, pop):
    """Return crmkit on SQLite with the pbx-webhook plugin and the screen-pop recorder."""
    with temporary_crmkit(tmp_path, plugins=(crmkit_pbx_webhook.plugin, pop)) as instance:
        yield instance


@pytest.fixture
def settings():
    """Return the settings of the ``phones`` source; tests may change them first."""
    return {"adapter": "pbx-webhook", "webhook_secret": TOKEN, "default_region": "RU"}


@pytest.fixture
def endpoint(crm, settings, tmp_path):
    """Serve the webhooks of source ``phones`` on loopback over HTTP; yield its URL."""
    config = parse_config({"sources": {"phones": settings}}, tmp_path / "c.toml", {})
    crm.set_source_region("phones", "RU")
    app = app_from_config(crm, config, on_delivery=screen_pop(crm))
    server = make_webhook_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/webhooks/phones"
    finally:
        server.shutdown()
        server.server_close()
