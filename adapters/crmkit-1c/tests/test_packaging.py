"""The distribution registers itself the way a vendor's would: entry point, adapters, command."""

from __future__ import annotations

import importlib.metadata
import socket
import subprocess
import sys
import time

import crmkit_1c.plugin
import requests
from click.testing import CliRunner

from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager


def test_the_entry_point_names_the_plugin_module():
    """``[project.entry-points.crmkit]`` points at ``crmkit_1c.plugin``."""
    points = importlib.metadata.entry_points(group="crmkit")
    assert any(p.value == "crmkit_1c.plugin" for p in points)


def test_the_three_adapters_are_registered(crm):
    """``1c-odata``, ``commerceml`` and ``1c-soap`` are known to crmkit."""
    assert {"1c-odata", "commerceml", "1c-soap"} <= set(crm.adapters())


def test_the_exchange_command_is_added_to_the_cli():
    """``crmkit 1c-exchange serve --help`` describes the endpoint."""
    pm = get_plugin_manager(entrypoints=False, extra=(crmkit_1c.plugin,))
    result = CliRunner().invoke(build_cli(pm), ["1c-exchange", "serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "--query-source" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_crmkit_serves_the_exchange_from_the_command_line(tmp_path):
    """``crmkit 1c-exchange serve`` answers 1C's checkauth on the port it was given."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "crmkit",
        "--db",
        f"sqlite:///{tmp_path}/c.db",
        "1c-exchange",
        "serve",
        "--port",
        str(port),
        "--username",
        "obmen",
        "--password",
        "secret-1",
        "--work-dir",
        str(tmp_path / "x"),
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    try:
        answer = None
        for _ in range(100):
            try:
                answer = requests.get(
                    f"http://127.0.0.1:{port}/1c_exchange.php?type=sale&mode=checkauth",
                    auth=("obmen", "secret-1"),
                    timeout=2,
                )
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer is not None, server.stderr.read().decode() if server.poll() else "no answer"
        assert answer.text.startswith("success\ncrmkit_1c_session\n")
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()
