"""Fixtures for the Asterisk adapters: crmkit on SQLite and a fake AMI on loopback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parent))

import crmkit_asterisk.plugin
from asterisk_fakes import FakeAsterisk

from crmkit.testing.database import temporary_crmkit


@pytest.fixture
def crm(tmp_path):
    """Return crmkit on SQLite with the Asterisk plugin registered (no entry points)."""
    with temporary_crmkit(tmp_path, plugins=(crmkit_asterisk.plugin,)) as instance:
        yield instance


@pytest.fixture
def ami():
    """Serve a fake Asterisk Manager Interface on loopback."""
    server = FakeAsterisk()
    try:
        yield server
    finally:
        server.close()
