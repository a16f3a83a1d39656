"""The ``customers`` stream: BAPI_CUSTOMER_GETLIST pages, each customer's GETDETAIL2.

Paging: IDRANGE selects numbers from the page's LOW on (``I BT LOW HIGH``, HIGH being
``customer_to`` or the highest number there can be), MAXROWS bounds the page; the next
page's LOW is the last number read, and rows up to it are dropped. The cursor is the last
(padded) customer number read.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crmkit.domain import RawItem
from crmkit.sdk import Checkpoint
from crmkit.sdk.mapping import MappingError
from crmkit_sap.alpha import alpha_in, alpha_out
from crmkit_sap.client import BapiError
from crmkit_sap.mapping import customer_record

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from crmkit.sdk import Progress
    from crmkit_sap.client import SapClient
    from crmkit_sap.reply import Row

log = logging.getLogger("crmkit_sap")

GETLIST = "BAPI_CUSTOMER_GETLIST"
GETDETAIL2 = "BAPI_CUSTOMER_GETDETAIL2"


#: Above every customer number: digits are zero-padded, other numbers are upper case.
HIGHEST = "ZZZZZZZZZZ"


def id_range(low: str, high: str | None) -> dict[str, str]:
    """Return the IDRANGE row selecting customer numbers from ``low`` to ``high`` (or all).

    Every public use of this BAPI passes ``I BT``; it is the one option this adapter sends.
    """
    return {"SIGN": "I", "OPTION": "BT", "LOW": low, "HIGH": alpha_in(high) if high else HIGHEST}


def customer_pages(
    client: SapClient, config: Mapping[str, Any], after: str | None
) -> Iterator[list[Row]]:
    """Yield pages of ADDRESSDATA rows with customer numbers above ``after``, in order.

    ``page_size`` bounds each page (0 reads everything in one call). A RETURN error with no
    rows after the first page (or when resuming after a cursor) means "nothing more to
    read": some releases answer an empty selection that way. It is logged, not raised.
    """
    page_size = config["page_size"]
    low = after or (alpha_in(config["customer_from"]) if config.get("customer_from") else "")
    while True:
        values: dict[str, Any] = {
            "IDRANGE": [id_range(low, config.get("customer_to"))],
            "ADDRESSDATA": [],
        }
        if page_size:
            values["MAXROWS"] = page_size + (1 if after else 0)
        try:
            reply = client.call(GETLIST, values)
        except BapiError as exc:
            if not after or exc.reply is None or exc.reply.table("ADDRESSDATA"):
                raise
            log.info("source %s: no customers after %s: %s", client.source, after, exc.message)
            return
        rows = sorted(reply.table("ADDRESSDATA"), key=lambda r: r.text("CUSTOMER"))
        received = len(rows)
        if after:
            rows = [r for r in rows if r.text("CUSTOMER") > after]
        if rows:
            yield rows
        if not page_size or not rows or received < values["MAXROWS"]:
            return
        after = low = rows[-1].text("CUSTOMER")


def read_customers(
    client: SapClient,
    config: Mapping[str, Any],
    cursor: str | None,
    progress: Progress,
) -> Iterator[RawItem | Checkpoint]:
    """Yield every customer after ``cursor``, with a checkpoint after each page."""
    detailed = client.has(GETDETAIL2)
    if not detailed:
        log.warning(
            "source %s: no WSDL offers %s; customers are mapped from %s's ADDRESSDATA only",
            client.source,
            GETDETAIL2,
            GETLIST,
        )
    for page_number, rows in enumerate(customer_pages(client, config, cursor or None), 1):
        for index, row in enumerate(rows, 1):
            position = f"page {page_number} item {index}"
            yield (
                detail_item(client, config, row, position)
                if detailed
                else list_item(row, config, position)
            )
            progress.advance(1)
        yield Checkpoint(rows[-1].text("CUSTOMER"))


def list_item(row: Row, config: Mapping[str, Any], position: str) -> RawItem:
    """Return the item of an ADDRESSDATA row (when GETDETAIL2 is not published)."""
    try:
        data = customer_record(row, None, identifiers=config.get("identifiers"))
    except MappingError as exc:
        return RawItem(raw=row.xml(), data=None, position=position, error=str(exc))
    return RawItem(raw=row.xml(), data=data, position=position)


def detail_item(client: SapClient, config: Mapping[str, Any], row: Row, position: str) -> RawItem:
    """Return the item of one customer read with BAPI_CUSTOMER_GETDETAIL2.

    A RETURN error for this customer makes the item a dead letter with SAP's message.
    """
    number = row.text("CUSTOMER")
    values: dict[str, Any] = {"CUSTOMERNO": number}
    if config.get("company_code"):
        values["COMPANYCODE"] = config["company_code"]
    try:
        reply = client.call(GETDETAIL2, values)
    except BapiError as exc:
        return RawItem(
            raw=row.xml(),
            data=None,
            position=position,
            error=f"customer {alpha_out(number)}: {exc.bapi}: SAP says: {exc.message}",
        )
    return detail_to_item(reply, config, position, number)


def detail_to_item(
    reply: Row, config: Mapping[str, Any], position: str, number: str = ""
) -> RawItem:
    """Return the item of a GETDETAIL2 answer (also used to map a dead letter again)."""
    address = reply.row("CUSTOMERADDRESS")
    raw = reply.xml()
    if address is None:
        error = "the answer has no CUSTOMERADDRESS"
        return RawItem(raw=raw, data=None, position=position, error=error)
    try:
        data = customer_record(
            address,
            reply.row("CUSTOMERGENERALDETAIL"),
            identifiers=config.get("identifiers"),
            number=number,
        )
    except MappingError as exc:
        return RawItem(raw=raw, data=None, position=position, error=str(exc))
    return RawItem(raw=raw, data=data, position=position)
