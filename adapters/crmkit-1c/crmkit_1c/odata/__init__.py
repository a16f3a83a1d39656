"""The ``1c-odata`` adapter: 1C:Enterprise's standard OData interface."""

from crmkit_1c.odata.adapter import ODataAdapter
from crmkit_1c.odata.profiles import PROFILES, Profile

__all__ = ["PROFILES", "ODataAdapter", "Profile"]
