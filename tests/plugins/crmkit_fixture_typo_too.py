"""A second plugin with a misspelled hook name."""

from __future__ import annotations

import crmkit


@crmkit.hookimpl
def customer_crated(customer):
    """Never called: crmkit has no hook of this name."""
