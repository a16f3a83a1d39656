"""The ``sap`` adapter: customers, sales orders and deliveries from SAP ERP over SOAP."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING, Any, ClassVar

from crmkit.domain import RawItem
from crmkit.errors import AdapterError
from crmkit.sdk import Adapter, StreamSpec
from crmkit.sdk.mapping import MappingError
from crmkit_sap.alpha import alpha_out
from crmkit_sap.client import SapClient
from crmkit_sap.customers import (
    GETLIST,
    detail_to_item,
    id_range,
    list_item,
    read_customers,
)
from crmkit_sap.mapping import order_record
from crmkit_sap.orders import read_order_events, read_orders, status_items
from crmkit_sap.reply import Row, UnreadableReply, local, parse, to_row
from crmkit_sap.settings import SapConfigSchema

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from crmkit.sdk import Checkpoint, Progress

STREAMS = (
    StreamSpec("customers", "BAPI_CUSTOMER_GETLIST pages and BAPI_CUSTOMER_GETDETAIL2"),
    StreamSpec("orders", "BAPI_SALESORDER_GETLIST per customer, by entry date"),
    StreamSpec("order_events", "outbound deliveries from BAPI_SALESORDER_GETSTATUS"),
)


class SapAdapter(Adapter):
    """Reads one SAP system through the SOAP services of its standard BAPIs.

    ``SapAdapter(source="sap", config={"wsdl": ..., ...})``; see ``docs/adapters/sap.md``.
    The WSDLs are loaded on the first read or check, not when the adapter is built.
    """

    name = "sap"
    description = "SAP ERP over SOAP: customers, sales orders and deliveries (BAPIs via zeep)"
    config_schema = SapConfigSchema
    streams: ClassVar[tuple[StreamSpec, ...]] = STREAMS

    def __init__(self, source: str, config: Mapping[str, Any]) -> None:
        super().__init__(source, config)
        if self.config.get("timezone"):
            self.timezone = zoneinfo.ZoneInfo(self.config["timezone"])
        self.client = SapClient(source, self.config)

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield the items of ``stream`` after ``cursor``, with a checkpoint after each page."""
        progress.set_total(None)
        if stream == "customers":
            return read_customers(self.client, self.config, cursor, progress)
        if stream == "orders":
            return read_orders(self.client, self.config, cursor, progress, self.timezone)
        if stream == "order_events":
            return read_order_events(self.client, self.config, cursor, progress, self.timezone)
        offered = ", ".join(self.stream_names())
        raise AdapterError(self.source, f"the sap adapter has no stream {stream!r} ({offered})")

    def check(self) -> str:
        """Call BAPI_CUSTOMER_GETLIST for one customer; return what SAP and the WSDL offer."""
        operation = self.client.operation(GETLIST)
        reply = self.client.call(
            GETLIST, {"IDRANGE": [id_range("", None)], "MAXROWS": 1, "ADDRESSDATA": []}
        )
        rows = reply.table("ADDRESSDATA")
        offered = ", ".join(sorted(o.name for o in self.client.operations().values()))
        seen = f"customer {alpha_out(rows[0].text('CUSTOMER'))}" if rows else "no customers"
        return (
            f"SAP answered {operation.name} at {self.client.address(operation)} "
            f"({operation.style.value}; {seen}); offered: {offered}"
        )

    def default_streams(self) -> list[str]:
        """Return all three streams; orders need ``sales_organization``, so only with it."""
        if self.config.get("sales_organization"):
            return self.stream_names()
        return ["customers"]

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:  # noqa: PLR0911 - one answer per kind of raw text
        """Return the item for a dead letter's raw XML, mapped again by today's code."""
        where = position or "dead letter"
        try:
            element = parse(_envelope(raw), self.client.settings)
        except UnreadableReply as exc:
            return RawItem(raw=raw, data=None, position=where, error=str(exc))
        record = None
        if isinstance(element, Row):
            record = next((c for c in element.element if isinstance(c.tag, str)), None)
        if record is None:
            return RawItem(raw=raw, data=None, position=where, error="not a record")
        if stream == "customers":
            if local(record.tag) == "item":
                return list_item(to_row(record), self.config, where)
            return detail_to_item(to_row(record), self.config, where)
        rows = [to_row(child) for child in record if isinstance(child.tag, str)]
        if not rows:
            return RawItem(raw=raw, data=None, position=where, error="no rows in the raw text")
        if stream == "orders":
            document = rows[0].text("SD_DOC")
            try:
                data = order_record(document, rows, self.timezone)
            except MappingError as exc:
                return RawItem(raw=raw, data=None, position=where, error=str(exc))
            return RawItem(raw=raw, data=data, position=where)
        items = list(status_items(rows[0].text("DOC_NUMBER"), rows, where, self.timezone))
        if not items:
            return RawItem(raw=raw, data=None, position=where, error="no delivery in the rows")
        return items[0]


def _envelope(raw: str) -> bytes:
    """Return ``raw`` (one record's XML) inside a SOAP envelope, to parse it the same way."""
    body = raw.strip()
    if body.startswith("<?xml"):
        body = body.split("?>", 1)[1]
    return (
        '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>'
        f"<holder>{body}</holder></e:Body></e:Envelope>"
    ).encode()
