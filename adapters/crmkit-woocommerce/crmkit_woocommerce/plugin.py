"""The ``crmkit`` entry point of this distribution: registers the ``woocommerce`` adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import crmkit
from crmkit_woocommerce.adapter import WooCommerceAdapter

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmkit.sdk import Adapter


@crmkit.hookimpl
def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register :class:`~crmkit_woocommerce.adapter.WooCommerceAdapter` as ``woocommerce``."""
    register(WooCommerceAdapter)
