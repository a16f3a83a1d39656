"""The crmkit domain model: plain attrs classes, free of any storage or wire format.

Nothing in this package imports SQLAlchemy, marshmallow or any adapter; the store and the
schemas translate to and from these classes at the edges.
"""

from crmkit.domain.common import Money, ensure_utc, utc_now
from crmkit.domain.customers import (
    Address,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerKind,
    Identity,
    PartyFacts,
)
from crmkit.domain.interactions import Channel, Direction, Interaction
from crmkit.domain.orders import (
    AddressVersion,
    Anomaly,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Shipment,
    TrackedOrder,
)
from crmkit.domain.records import (
    DeadLetter,
    IngestOutcome,
    RawItem,
    SourceRecord,
    Stream,
    content_hash,
)

__all__ = [
    "Address",
    "AddressVersion",
    "Anomaly",
    "Channel",
    "ContactKind",
    "ContactPoint",
    "Customer",
    "CustomerKind",
    "DeadLetter",
    "Direction",
    "Identity",
    "IngestOutcome",
    "Interaction",
    "Money",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "PartyFacts",
    "RawItem",
    "Shipment",
    "SourceRecord",
    "Stream",
    "TrackedOrder",
    "content_hash",
    "ensure_utc",
    "utc_now",
]
