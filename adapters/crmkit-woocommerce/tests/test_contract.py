"""The WooCommerce adapter against crmkit's adapter contract (orders: paged, incremental)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import pytest
from crmkit_woocommerce import WooCommerceAdapter
from woo_data import order
from woo_server import API, KEY, SECRET

from crmkit.testing.contract import AdapterContract, ContractSource

if TYPE_CHECKING:
    from woo_server import FakeWoo


def _orders(shop: FakeWoo, count: int) -> None:
    """Give the shop ``count`` guest orders, each modified a minute after the one before."""
    shop.orders = [
        order(100 + n, email=f"buyer{n}@example.com", modified=f"2026-11-02T10:{n:02d}:00")
        for n in range(count)
    ]


class TestWooCommerceContract(AdapterContract):
    """Orders are read page by page with ``modified_after`` and a checkpoint per page."""

    adapter_class = WooCommerceAdapter
    plugin = "crmkit_woocommerce.plugin"
    stream = "orders"

    def _source(self, shop: FakeWoo, **changes: Any) -> ContractSource:
        settings = {
            "url": shop.url,
            "consumer_key": KEY,
            "consumer_secret": SECRET,
            "per_page": self.page_size,
            "http_retries": 0,
            "timeout": 5,
            **changes,
        }
        return ContractSource(
            settings,
            where=shop.url.removeprefix("http://"),
            secret=changes.get("consumer_secret"),
            pages=lambda: len(shop.queries(f"{API}/orders")),
            peer=shop,
        )

    @pytest.fixture
    def contract_source(self, shop: FakeWoo) -> ContractSource:
        """Return a source on a shop holding ``records`` orders."""
        _orders(shop, self.records)
        return self._source(shop)

    @pytest.fixture
    def malformed_source(self, shop: FakeWoo) -> ContractSource:
        """Return a source on a shop whose third order has a total that is no amount."""
        _orders(shop, self.records)
        shop.orders[2]["total"] = "1 530,50 руб."
        return attrs.evolve(self._source(shop), malformed="1 530,50 руб.")

    @pytest.fixture
    def rejecting_source(self, shop: FakeWoo) -> ContractSource:
        """Return a source whose consumer secret the shop refuses."""
        _orders(shop, self.records)
        return self._source(shop, consumer_secret="cs_wrong_0123456789abcdef")  # noqa: S106
