"""crmkit: CRM for ERP systems, as a Python SDK and plugin framework.

Embed it with :func:`open`::

    import crmkit
    crm = crmkit.open("sqlite:///crm.db")
    crm.ingest_customers("shop", [{"external_id": "42", "phones": ["+74951234567"]}])
    for customer in crm.find_customers(phone="8 (495) 123-45-67"):
        print(customer.name)

Write plugins with ``@crmkit.hookimpl`` (see ``docs/plugin_hooks.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmkit.errors import CrmkitError
from crmkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from crmkit.api import Crmkit, open  # noqa: A004 - crmkit.open reads like sqlite3.connect

__version__ = "0.1.0"

__all__ = ["Crmkit", "CrmkitError", "__version__", "hookimpl", "open"]


def __getattr__(name: str) -> Any:
    """Import the embedding API on first use, so ``import crmkit.domain`` stays light."""
    if name in {"Crmkit", "open"}:
        from crmkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'crmkit' has no attribute {name!r}")
