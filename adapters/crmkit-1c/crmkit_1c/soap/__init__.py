"""The ``1c-soap`` adapter and the reference 1C web service's WSDL."""

from crmkit_1c.soap.adapter import SoapAdapter, reference_wsdl

__all__ = ["SoapAdapter", "reference_wsdl"]
