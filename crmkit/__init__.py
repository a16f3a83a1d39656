"""crmkit: CRM for ERP systems, as a Python SDK and plugin framework.

Embed it with :func:`open`::

    import crmkit
    crm = crmkit.open("sqlite:///crm.db")
    crm.ingest_customers("shop", [{"external_id": "42", "phones": ["+74951234567"]}])
    for customer in crm.find_customers(phone="8 (495) 123-45-67"):
        print(customer.name)

Write plugins with ``@crmkit.hookimpl`` (see ``docs/plugin_hooks.md``).
"""

from crmkit.api import Crmkit, open  # noqa: A004 - crmkit.open mirrors sqlite3.connect-style APIs
from crmkit.errors import CrmkitError
from crmkit.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["Crmkit", "CrmkitError", "__version__", "hookimpl", "open"]
