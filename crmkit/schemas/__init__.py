"""Wire formats (marshmallow) to and from the domain model, one module per resource."""

from crmkit.schemas.customers import AddressSchema, CustomerExportSchema, CustomerRecordSchema
from crmkit.schemas.interactions import InteractionRecordSchema
from crmkit.schemas.orders import OrderEventRecordSchema, OrderRecordSchema
from crmkit.schemas.validation import RecordValidator

__all__ = [
    "AddressSchema",
    "CustomerExportSchema",
    "CustomerRecordSchema",
    "InteractionRecordSchema",
    "OrderEventRecordSchema",
    "OrderRecordSchema",
    "RecordValidator",
]
