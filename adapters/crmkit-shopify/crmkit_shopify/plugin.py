"""The ``crmkit`` entry point of this distribution: registers the ``shopify`` adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import crmkit
from crmkit_shopify.adapter import ShopifyAdapter

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.sdk import Adapter


@crmkit.hookimpl
def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register :class:`~crmkit_shopify.adapter.ShopifyAdapter` as ``shopify``."""
    register(ShopifyAdapter)
