"""Wire formats (marshmallow) to and from the domain model, one module per resource."""

from crmkit.schemas.customers import AddressSchema, CustomerExportSchema, CustomerRecordSchema
from crmkit.schemas.validation import RecordValidator

__all__ = ["AddressSchema", "CustomerExportSchema", "CustomerRecordSchema", "RecordValidator"]
