"""A plugin whose hooks raise, to show crmkit reports it and carries on."""

from __future__ import annotations

import crmkit


@crmkit.hookimpl
def normalize_name(name, kind):
    """Fail on every name."""
    raise RuntimeError(f"name service unreachable while keying {name!r}")


@crmkit.hookimpl
def customer_created(customer):
    """Fail on every new customer."""
    raise RuntimeError("webhook endpoint refused the connection")
