"""The pbx-webhook adapter against crmkit's adapter contract: calls arrive, nothing is read."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest
from crmkit_pbx_webhook import PbxWebhookAdapter
from pbx_fakes import TOKEN, callback, post_callback

from crmkit.cli_serve import make_webhook_server
from crmkit.config import parse_config
from crmkit.testing.contract import SOURCE, AdapterContract, ContractSource
from crmkit.webhooks import app_from_config, mount_path

if TYPE_CHECKING:
    from crmkit.api import Crmkit


class TestPbxWebhookContract(AdapterContract):
    """Status callbacks are received by crmkit's webhook app; a bad one is a dead letter."""

    adapter_class = PbxWebhookAdapter
    plugin = "crmkit_pbx_webhook.plugin"
    stream = "interactions"
    not_applicable: ClassVar[dict[str, str]] = {
        "paging": "calls arrive as webhooks: a sync reads nothing",
        "resume": "calls arrive as webhooks: there is no cursor to resume from",
        "auth": "nothing is read with credentials; a forged callback is answered 401 and "
        "kept as a dead letter (test_webhooks.py)",
    }

    def ingest(self, crm: Crmkit, source: ContractSource) -> None:
        """POST the source's callbacks, signed, to crmkit's webhook app on loopback."""
        settings = {"adapter": self.adapter_class.name, **source.settings}
        config = parse_config({"sources": {SOURCE: settings}}, Path("crmkit.toml"), {})
        server = make_webhook_server(app_from_config(crm, config), "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}{mount_path(SOURCE)}"
        try:
            answers = [post_callback(url, form) for form in source.peer]
        finally:
            server.shutdown()
            server.server_close()
        assert all(status == 200 for status, _ in answers), answers

    @pytest.fixture
    def malformed_source(self) -> ContractSource:
        """Return ``records`` completed calls' callbacks, the third with a bad duration."""
        forms = [callback(f"CA{n:02d}", "completed") for n in range(1, self.records + 1)]
        forms[2] = callback("CA03", "completed", CallDuration="3 min")
        settings = {"webhook_secret": TOKEN, "default_region": "RU"}
        return ContractSource(settings, malformed="CallDuration=3+min", peer=forms)
