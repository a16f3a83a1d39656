"""The Shopify adapter against crmkit's adapter contract (customers: Link paging, updated_at)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import pytest
from crmkit_shopify import ShopifyAdapter
from shopify_data import customer
from shopify_server import TOKEN, VERSION

from crmkit.testing.contract import AdapterContract, ContractSource

if TYPE_CHECKING:
    from shopify_server import FakeShopify


def _customers(shop: FakeShopify, count: int) -> None:
    """Give the shop ``count`` customers, each updated a minute after the one before."""
    shop.customers = [
        customer(200 + n, f"buyer{n}@example.com", f"2026-11-02T10:{n:02d}:00+03:00")
        for n in range(count)
    ]


class TestShopifyContract(AdapterContract):
    """Customers are read by ``updated_at_min``, page by page through the Link header."""

    adapter_class = ShopifyAdapter
    plugin = "crmkit_shopify.plugin"
    stream = "customers"

    def _source(self, shop: FakeShopify, **changes: Any) -> ContractSource:
        settings = {
            "url": shop.url,
            "access_token": TOKEN,
            "api_version": VERSION,
            "limit": self.page_size,
            "timeout": 5,
            "http_retries": 0,
            "leak_rate": 1000.0,
            **changes,
        }
        return ContractSource(
            settings,
            where=shop.url.removeprefix("http://"),
            secret=changes.get("access_token"),
            pages=lambda: len(shop.queries("customers")),
            peer=shop,
        )

    @pytest.fixture
    def contract_source(self, shop: FakeShopify) -> ContractSource:
        """Return a source on a shop holding ``records`` customers."""
        _customers(shop, self.records)
        return self._source(shop)

    @pytest.fixture
    def malformed_source(self, shop: FakeShopify) -> ContractSource:
        """Return a source on a shop whose third customer's addresses are not a list."""
        _customers(shop, self.records)
        shop.customers[2]["addresses"] = "Prospekt Mira 10"
        return attrs.evolve(self._source(shop), malformed='"addresses": "Prospekt Mira 10"')

    @pytest.fixture
    def rejecting_source(self, shop: FakeShopify) -> ContractSource:
        """Return a source whose access token the shop refuses."""
        _customers(shop, self.records)
        return self._source(shop, access_token="shpat_wrong0123456789abcdef01234567")  # noqa: S106
