"""``crmkit serve`` run as a user runs it: a subprocess on loopback, config from crmkit.toml."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

import pytest
from woo_data import order
from woo_webhooks import deliver

if TYPE_CHECKING:
    from pathlib import Path


def test_crmkit_serve_receives_the_configured_shops_webhooks(settings, tmp_path: Path):
    """The command mounts /webhooks/shop with the secret from the environment, and ingests."""
    (tmp_path / "crmkit.toml").write_text(
        "[database]\n"
        f'url = "sqlite:///{tmp_path / "served.db"}"\n'
        "[sources.shop]\n"
        'adapter = "woocommerce"\n'
        f'url = "{settings["url"]}"\n'
        'webhook_secret = "env:SHOP_WEBHOOK_SECRET"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "SHOP_WEBHOOK_SECRET": "whsec-woo-test", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "crmkit", "serve", "--port", "0"]
    with subprocess.Popen(  # noqa: S603 - our own interpreter
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            line = process.stdout.readline()
            assert line.startswith("shop (woocommerce): http://127.0.0.1:"), line
            url = line.split(": ", 1)[1].strip()
            status, answer = deliver(url, "order.created", order(901))
            assert (status, answer["stored"]) == (200, 1)
            forged = urllib.request.Request(url, data=b"{}", method="POST")  # noqa: S310 - loopback http
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(forged, timeout=5)  # noqa: S310 - loopback
            assert refused.value.code == 401
            assert json.loads(refused.value.read()) == {"error": "bad signature"}
            refused.value.close()
        finally:
            process.terminate()
            process.communicate(timeout=10)
