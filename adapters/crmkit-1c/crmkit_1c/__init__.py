"""1C:Enterprise adapters for crmkit, and the site side of 1C's exchange with a web site.

The adapters are ``1c-odata``, ``commerceml`` and ``1c-soap``; the ``crmkit`` entry point
loads :mod:`crmkit_1c.plugin`, which registers them and the ``1c-exchange`` command.
"""

from crmkit_1c.commerceml import CommerceMLAdapter
from crmkit_1c.exchange import ExchangeApp, ExchangeSettings
from crmkit_1c.odata import ODataAdapter
from crmkit_1c.soap import SoapAdapter

__all__ = ["CommerceMLAdapter", "ExchangeApp", "ExchangeSettings", "ODataAdapter", "SoapAdapter"]
