"""Fixtures of the WooCommerce adapter's tests: the loopback shop and crmkit with the plugin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

sys.path.append(str(Path(__file__).parent))

import crmkit_woocommerce.plugin
from crmkit_woocommerce import WooCommerceAdapter
from woo_server import KEY, SECRET, FakeWoo

from crmkit.testing.database import temporary_crmkit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import crmkit


@pytest.fixture
def shop() -> Iterator[FakeWoo]:
    """Yield a running loopback WooCommerce, stopped after the test."""
    server = FakeWoo().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(shop: FakeWoo) -> dict[str, Any]:
    """Return the settings of a source reading the loopback shop, with tiny retry delays."""
    return {
        "url": shop.url,
        "consumer_key": KEY,
        "consumer_secret": SECRET,
        "per_page": 2,
        "timeout": 5,
        "http_retries": 2,
        "http_backoff_seconds": 0.01,
        "webhook_secret": "whsec-woo-test",
    }


@pytest.fixture
def make_adapter(settings: dict[str, Any]) -> Callable[..., WooCommerceAdapter]:
    """Return ``make_adapter(**changes)``: a ``woocommerce`` adapter on the loopback shop."""

    def make(**changes: Any) -> WooCommerceAdapter:
        return WooCommerceAdapter(source="shop", config={**settings, **changes})

    return make


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[crmkit.Crmkit]:
    """Yield crmkit on a fresh SQLite file with this distribution's plugin registered."""
    with temporary_crmkit(tmp_path, plugins=(crmkit_woocommerce.plugin,)) as opened:
        yield opened
