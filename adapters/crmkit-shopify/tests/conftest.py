"""Fixtures of the Shopify adapter's tests: the loopback shop and crmkit with the plugin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

sys.path.append(str(Path(__file__).parent))

import crmkit_shopify.plugin
from crmkit_shopify import ShopifyAdapter
from shopify_server import TOKEN, FakeShopify

from crmkit.testing.database import temporary_crmkit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import crmkit


@pytest.fixture
def shop() -> Iterator[FakeShopify]:
    """Yield a running loopback Shopify, stopped after the test."""
    server = FakeShopify().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(shop: FakeShopify) -> dict[str, Any]:
    """Return the settings of a source reading the loopback shop, with tiny delays."""
    return {
        "url": shop.url,
        "access_token": TOKEN,
        "api_version": "2024-10",
        "limit": 2,
        "timeout": 5,
        "http_retries": 2,
        "http_backoff_seconds": 0.01,
        "leak_rate": 1000.0,
        "webhook_secret": "shpss_test_client_secret",
    }


@pytest.fixture
def make_adapter(settings: dict[str, Any]) -> Callable[..., ShopifyAdapter]:
    """Return ``make_adapter(**changes)``: a ``shopify`` adapter on the loopback shop."""

    def make(**changes: Any) -> ShopifyAdapter:
        return ShopifyAdapter(source="shopify", config={**settings, **changes})

    return make


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[crmkit.Crmkit]:
    """Yield crmkit on a fresh SQLite file with this distribution's plugin registered."""
    with temporary_crmkit(tmp_path, plugins=(crmkit_shopify.plugin,)) as opened:
        yield opened
