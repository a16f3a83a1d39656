"""The ``commerceml`` adapter and the CommerceML 2 reader, mapping and writer."""

from crmkit_1c.commerceml.adapter import CommerceMLAdapter

__all__ = ["CommerceMLAdapter"]
