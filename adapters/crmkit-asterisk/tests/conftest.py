"""Fixtures for the Asterisk adapters: crmkit on SQLite and a fake AMI on loopback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parent))

import crmkit_asterisk.plugin
from asterisk_fakes import FakeAsterisk

import crmkit


@pytest.fixture
def crm(tmp_path):
    """Return crmkit on SQLite with the Asterisk plugin registered (no entry points)."""
    with crmkit.open(
        f"sqlite:///{tmp_path}/c.db",
        entrypoints=False,
        plugins=(crmkit_asterisk.plugin,),
        default_region="RU",
    ) as instance:
        yield instance


@pytest.fixture
def ami():
    """Serve a fake Asterisk Manager Interface on loopback."""
    server = FakeAsterisk()
    try:
        yield server
    finally:
        server.close()
