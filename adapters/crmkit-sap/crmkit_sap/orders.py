"""The ``orders`` and ``order_events`` streams: sales orders per customer and their deliveries.

BAPI_SALESORDER_GETLIST needs a customer (sold-to party) and a sales organisation and
filters by entry date (DOCUMENT_DATE … DOCUMENT_DATE_TO); it returns one row per item. So a
run walks the customers (BAPI_CUSTOMER_GETLIST pages) and asks for each one's orders entered
in a window of days. ``order_events`` asks BAPI_SALESORDER_GETSTATUS about each such order
for its outbound deliveries.

The cursor is JSON: ``{"done": DATE}`` after a complete run (the next one reads from that
day, less ``lookback_days``, so later status changes and deliveries are seen), or
``{"since", "until", "after"}`` inside a run, after each page of customers.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from lxml import etree

from crmkit.domain import RawItem
from crmkit.errors import PermanentError
from crmkit.sdk import Checkpoint
from crmkit.sdk.mapping import MappingError
from crmkit_sap.alpha import alpha_in, alpha_out
from crmkit_sap.client import BapiError
from crmkit_sap.customers import customer_pages
from crmkit_sap.mapping import delivery_events, order_record

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from crmkit.sdk import Progress
    from crmkit_sap.client import SapClient
    from crmkit_sap.reply import Row

log = logging.getLogger("crmkit_sap")

GETLIST = "BAPI_SALESORDER_GETLIST"
GETSTATUS = "BAPI_SALESORDER_GETSTATUS"


def window(
    cursor: str | None, config: Mapping[str, Any], today: dt.date
) -> tuple[dt.date | None, dt.date, str | None]:
    """Return (since, until, after customer) for a run starting from ``cursor``."""
    if cursor:
        try:
            state = json.loads(cursor)
            if "done" in state:
                done = dt.date.fromisoformat(state["done"])
                return done - dt.timedelta(days=config["lookback_days"]), today, None
            since = dt.date.fromisoformat(state["since"]) if state.get("since") else None
            return since, dt.date.fromisoformat(state["until"]), state.get("after")
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("unreadable order cursor %r: reading from orders_since again", cursor)
    return config.get("orders_since"), today, None


def _state(since: dt.date | None, until: dt.date, after: str | None) -> str:
    if after is None:
        return json.dumps({"done": until.isoformat()})
    return json.dumps(
        {"since": since.isoformat() if since else None, "until": until.isoformat(), "after": after}
    )


def _documents(
    client: SapClient,
    config: Mapping[str, Any],
    customer: str,
    since: dt.date | None,
    until: dt.date,
) -> list[tuple[str, list[Row]]]:
    """Return one customer's sales documents (number, rows) entered in the window."""
    operation = client.operation(GETLIST)
    reply = client.call(
        GETLIST,
        {
            "CUSTOMER_NUMBER": alpha_in(customer),
            "SALES_ORGANIZATION": config["sales_organization"],
            "DOCUMENT_DATE": operation.date_value("DOCUMENT_DATE", since) if since else None,
            "DOCUMENT_DATE_TO": operation.date_value("DOCUMENT_DATE_TO", until),
            "TRANSACTION_GROUP": "0" if operation.has("TRANSACTION_GROUP") else None,
            "SALES_ORDERS": [],
        },
    )
    documents: dict[str, list[Row]] = {}
    for row in reply.table("SALES_ORDERS"):
        documents.setdefault(row.text("SD_DOC"), []).append(row)
    return sorted(documents.items())


def _walk(
    client: SapClient,
    config: Mapping[str, Any],
    cursor: str | None,
    progress: Progress,
    today: dt.date,
    items_of: Callable[[str, list[Row], str], Iterator[RawItem]],
) -> Iterator[RawItem | Checkpoint]:
    if not config.get("sales_organization"):
        raise PermanentError(
            client.source,
            f"set 'sales_organization': {GETLIST} reads orders of one sales organisation",
        )
    since, until, after = window(cursor, config, today)
    seen: set[str] = set()
    answered = False
    for page, customers in enumerate(customer_pages(client, config, after), 1):
        for index, customer in enumerate(customers, 1):
            number = customer.text("CUSTOMER")
            position = f"page {page} customer {index}"
            try:
                documents = _documents(client, config, number, since, until)
            except BapiError as exc:
                if not answered:
                    raise
                yield _refused(number, exc, position)
                progress.advance(1)
                continue
            answered = True
            for document, rows in documents:
                if document and document not in seen:
                    seen.add(document)
                    yield from items_of(document, rows, position)
            progress.advance(1)
        yield Checkpoint(_state(since, until, customers[-1].text("CUSTOMER")))
    yield Checkpoint(_state(since, until, None))


def _refused(customer: str, exc: BapiError, position: str) -> RawItem:
    """Return the dead letter of a customer whose orders SAP refused to list.

    The first customer of a run that fails stops the stream instead (a wrong sales
    organisation fails them all); later ones are reported one by one.
    """
    raw = exc.reply.xml() if exc.reply is not None else customer
    error = f"orders of customer {alpha_out(customer)}: {exc.bapi}: SAP says: {exc.message}"
    return RawItem(raw=raw, data=None, position=position, error=error)


def wrap(tag: str, rows: list[Row]) -> str:
    """Return ``rows`` (table items) as XML inside one ``tag`` element: a record's raw text."""
    holder = etree.Element(tag)
    for row in rows:
        holder.append(copy.deepcopy(row.element))
    return etree.tostring(holder, encoding="unicode")


def read_orders(
    client: SapClient,
    config: Mapping[str, Any],
    cursor: str | None,
    progress: Progress,
    zone: dt.tzinfo,
) -> Iterator[RawItem | Checkpoint]:
    """Yield the orders entered in the cursor's window, one item per sales document."""

    def items_of(document: str, rows: list[Row], position: str) -> Iterator[RawItem]:
        raw = wrap("SalesOrder", rows)
        try:
            data = order_record(document, rows, zone)
        except MappingError as exc:
            error = f"order {alpha_out(document)}: {exc}"
            yield RawItem(raw=raw, data=None, position=position, error=error)
            return
        yield RawItem(raw=raw, data=data, position=position)

    yield from _walk(client, config, cursor, progress, dt.datetime.now(zone).date(), items_of)


def read_order_events(
    client: SapClient,
    config: Mapping[str, Any],
    cursor: str | None,
    progress: Progress,
    zone: dt.tzinfo,
) -> Iterator[RawItem | Checkpoint]:
    """Yield one ``shipped`` event per outbound delivery of the orders in the window."""

    def items_of(document: str, _rows: list[Row], position: str) -> Iterator[RawItem]:
        shown = alpha_out(document)
        try:
            reply = client.call(GETSTATUS, {"SALESDOCUMENT": document, "STATUSINFO": []})
        except BapiError as exc:
            error = f"order {shown}: {exc.bapi}: SAP says: {exc.message}"
            yield RawItem(raw=shown, data=None, position=position, error=error)
            return
        yield from status_items(document, reply.table("STATUSINFO"), position, zone)

    yield from _walk(client, config, cursor, progress, dt.datetime.now(zone).date(), items_of)


def status_items(
    document: str, rows: list[Row], position: str, zone: dt.tzinfo
) -> Iterator[RawItem]:
    """Yield the delivery events of one order's STATUSINFO rows (or why they cannot be read)."""
    raw = wrap("StatusInfo", rows)
    try:
        events = delivery_events(document, rows, zone)
    except MappingError as exc:
        error = f"order {alpha_out(document)}: {exc}"
        yield RawItem(raw=raw, data=None, position=position, error=error)
        return
    for event in events:
        delivery = event["external_id"].rpartition("/")[2]
        mine = [r for r in rows if alpha_out(r.text("DELIV_NUMB")) == delivery]
        yield RawItem(raw=wrap("StatusInfo", mine), data=event, position=position)
