"""crmkit-sap: customers, sales orders and their status from SAP ERP over SOAP.

The adapter (name ``sap``) calls the standard RFC-enabled BAPIs through the SOAP services SAP
publishes for them, in either naming style (the RFC SOAP handler's upper-case names or
SOAMANAGER's mixed-case ones), reading every parameter and field name from the WSDL.
"""

from crmkit_sap.adapter import SapAdapter

__all__ = ["SapAdapter"]
