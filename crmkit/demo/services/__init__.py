"""The demo's source systems on loopback: SAP (SOAP), 1C (OData), a web shop, a phone system."""
