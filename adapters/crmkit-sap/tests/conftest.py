"""Fixtures of the SAP adapter's tests: the loopback SAP, adapters on it, crmkit with the plugin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

sys.path.append(str(Path(__file__).parent))

import crmkit_sap.plugin
from crmkit_sap import SapAdapter
from sap_server import PASSWORD, USER, FakeSap

from crmkit.testing.database import temporary_crmkit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import crmkit


@pytest.fixture
def sap() -> Iterator[FakeSap]:
    """Yield a running loopback SAP, stopped after the test."""
    server = FakeSap().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["mc", "rfc"])
def style(request: pytest.FixtureRequest) -> str:
    """Return each WSDL style in turn: SOAMANAGER (mc) and the RFC SOAP handler (rfc)."""
    return str(request.param)


@pytest.fixture
def settings(sap: FakeSap, style: str) -> dict[str, Any]:
    """Return the settings of a source reading the loopback SAP in ``style``."""
    return {
        "wsdl": f"{sap.url}/wsdl/{style}?sap-client=100",
        "endpoint": sap.url,
        "username": USER,
        "password": PASSWORD,
        "client": "100",
        "sales_organization": "1000",
        "timezone": "Europe/Moscow",
        "page_size": 2,
        "timeout": 5,
        "lookback_days": 3,
    }


@pytest.fixture
def make_adapter(settings: dict[str, Any]) -> Callable[..., SapAdapter]:
    """Return ``make_adapter(**changes)``: a ``sap`` adapter on the loopback SAP."""

    def make(**changes: Any) -> SapAdapter:
        return SapAdapter(source="sap", config={**settings, **changes})

    return make


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[crmkit.Crmkit]:
    """Yield crmkit on a fresh SQLite file with this distribution's plugin registered."""
    with temporary_crmkit(tmp_path, plugins=(crmkit_sap.plugin,)) as opened:
        yield opened
