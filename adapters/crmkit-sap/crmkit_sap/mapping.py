"""SAP rows → crmkit's generic customer, order and order-event records.

SAP dates are local to the system's time zone (the source's ``timezone``); a date becomes
local midnight, in UTC. Amounts and quantities stay decimal strings. Numbers (customers,
sales documents, deliveries, materials) are shown without ALPHA padding.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from crmkit.sdk.mapping import MappingError
from crmkit_sap.alpha import alpha_out

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crmkit_sap.reply import Row


#: Forms of address (TITLE) that name a person, and ones that name an organisation.
PERSON_TITLES = frozenset(
    {"mr.", "mrs.", "ms.", "mr", "mrs", "ms", "mr. and mrs.", "herr", "frau", "господин", "госпожа"}
)
ORGANISATION_TITLES = frozenset({"company", "firma", "компания", "организация"})
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
_BLANK_DATES = frozenset({"", "0000-00-00", "00000000"})


def sap_date(text: str, field: str) -> dt.date | None:
    """Return the date SAP wrote (``2026-11-02`` or ``20261102``); None when blank."""
    value = text.strip()
    if value in _BLANK_DATES:
        return None
    match = _DATE.match(value)
    if match is None:
        raise MappingError(f"{field} {value!r} is not a date")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise MappingError(f"{field} {value!r} is not a date") from exc


def local_midnight(day: dt.date, zone: dt.tzinfo) -> str:
    """Return the start of ``day`` in ``zone`` as an RFC 3339 time in UTC."""
    moment = dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone).astimezone(dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def sap_decimal(text: str, field: str) -> Decimal | None:
    """Return the amount SAP wrote (``1250.00``, ``-3``, ``12.50-``); None when blank."""
    value = text.strip()
    if not value:
        return None
    if value.endswith("-"):
        value = "-" + value[:-1]
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise MappingError(f"{field} {text.strip()!r} is not a number") from exc
    if not number.is_finite():
        raise MappingError(f"{field} {text.strip()!r} is not a number")
    return number


def decimal_text(number: Decimal) -> str:
    """Return ``number`` as plain decimal text (no exponent)."""
    return format(number, "f")


def _kind(title: str) -> str | None:
    word = title.strip().lower()
    if word in PERSON_TITLES:
        return "person"
    if word in ORGANISATION_TITLES:
        return "organization"
    return None


def _identifier_kinds(country: str, overrides: Mapping[str, str] | None) -> dict[str, str]:
    kinds = {
        "VAT_REG_NO": "vat",
        "TAX_NO_1": "tax_no_1",
        "TAX_NO_2": "tax_no_2",
        "TAX_NO_3": "tax_no_3",
    }
    if country in {"RU", "Russia"}:
        kinds["TAX_NO_1"] = "inn"
    kinds.update(overrides or {})
    return kinds


def customer_record(
    address: Row,
    general: Row | None,
    *,
    identifiers: Mapping[str, str] | None = None,
    number: str = "",
) -> dict[str, Any]:
    """Return the generic customer record of a customer's address and general data.

    ``address`` is CUSTOMERADDRESS of BAPI_CUSTOMER_GETDETAIL2 (or an ADDRESSDATA row of
    BAPI_CUSTOMER_GETLIST); ``general`` is CUSTOMERGENERALDETAIL, when read.
    ``identifiers`` maps RFC field names of the general data to identifier kinds;
    ``number`` is the customer number asked for, used when the address carries none.
    """
    number = address.text("CUSTOMER") or number
    if not number:
        raise MappingError("the row has no CUSTOMER number")
    record: dict[str, Any] = {"external_id": alpha_out(number)}
    name = " ".join(
        part for part in (address.text(f) for f in ("NAME", "NAME_2", "NAME_3", "NAME_4")) if part
    )
    if name:
        record["name"] = name
    kind = _kind(address.text("TITLE", "FORM_OF_AD", "FORMOFADDR"))
    if kind:
        record["kind"] = kind
    phones = _distinct(address.text(f) for f in ("TELEPHONE", "TEL1_NUMBR", "TELEPHONE2"))
    if phones:
        record["phones"] = phones
    emails = _distinct([address.text("E_MAIL", "SMTP_ADDR", "INTERNET")])
    if emails:
        record["emails"] = emails
    country = address.text("COUNTRYISO", "COUNTRY")
    postal = {
        "line": address.text("STREET"),
        "city": address.text("CITY"),
        "region": address.text("REGION"),
        "postcode": address.text("POSTL_COD1", "POSTL_CODE"),
        "country": country,
    }
    postal = {k: v for k, v in postal.items() if v}
    if set(postal) - {"country"}:
        record["addresses"] = [postal]
    found = _identifiers(general, country, identifiers)
    if found:
        record["identifiers"] = found
    attributes = {
        "sap_customer": number,
        "sap_account_group": general.text("ACCNT_GRP") if general is not None else "",
        "sap_search_term": address.text("SORT1"),
        "sap_deletion_flag": bool(general is not None and general.text("DEL_FLAG_G")),
    }
    record["attributes"] = {k: v for k, v in attributes.items() if v}
    return record


def _identifiers(
    general: Row | None, country: str, overrides: Mapping[str, str] | None
) -> dict[str, str]:
    if general is None:
        return {}
    kinds = _identifier_kinds(country, overrides)
    return {kind: general.text(field) for field, kind in kinds.items() if general.text(field)}


def _distinct(values: Any) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def order_status(rows: list[Row]) -> str:
    """Return the status word of an order from its delivery status (DLV_STAT_H).

    SAP's codes: A not yet processed, B partially processed, C completely processed. An
    order without deliveries is ``open`` (crmkit: placed); one with any delivery is
    ``shipped`` (SD knows goods left, not that they arrived).
    """
    codes = {r.text("DLV_STAT_H", "DLV_STAT_I") for r in rows}
    return "shipped" if codes & {"B", "C"} else "open"


def order_record(number: str, rows: list[Row], zone: dt.tzinfo) -> dict[str, Any]:
    """Return the generic order record of one sales document's SALES_ORDERS rows.

    BAPI_SALESORDER_GETLIST returns one row per item; header fields repeat on each row.
    """
    head = rows[0]
    record: dict[str, Any] = {"external_id": alpha_out(number), "number": alpha_out(number)}
    sold_to = head.text("SOLD_TO")
    customer = {"external_id": alpha_out(sold_to), "name": head.text("NAME")}
    customer = {k: v for k, v in customer.items() if v}
    if customer:
        record["customer"] = customer
    placed = sap_date(head.text("DOC_DATE"), "DOC_DATE")
    if placed is not None:
        record["placed_at"] = local_midnight(placed, zone)
    currency = head.text("CURR_ISO", "CURRENCY")
    lines = [order_line(row) for row in sorted(rows, key=lambda r: r.text("ITM_NUMBER"))]
    if lines:
        record["lines"] = lines
    total = _total(rows)
    if total is not None:
        record["total"] = decimal_text(total)
    if currency:
        record["currency"] = currency
    elif total is not None or any("price" in line for line in lines):
        raise MappingError("CURRENCY is blank although the order has prices")
    record["status"] = order_status(rows)
    purchase_order = head.text("PURCH_NO_C", "PURCH_NO")
    if purchase_order:
        record["purchase_order"] = purchase_order
    record["sap_status"] = {
        "overall": head.text("DOC_STATUS"),
        "delivery": head.text("DLV_STAT_H"),
    }
    return record


def order_line(row: Row) -> dict[str, Any]:
    """Return the generic line of one SALES_ORDERS row; ``price`` is per one sales unit.

    SAP's NET_PRICE is per COND_P_UNT units (a price per 100 pieces has COND_P_UNT 100).
    """
    item = row.text("ITM_NUMBER") or "?"
    line: dict[str, Any] = {}
    material = row.text("MATERIAL_LONG", "MATERIAL")
    if material:
        line["sku"] = alpha_out(material)
    if row.text("SHORT_TEXT"):
        line["name"] = row.text("SHORT_TEXT")
    quantity = sap_decimal(row.text("REQ_QTY"), f"item {item} REQ_QTY")
    if quantity is not None:
        line["quantity"] = decimal_text(quantity.normalize() if quantity else Decimal(0))
    price = sap_decimal(row.text("NET_PRICE"), f"item {item} NET_PRICE")
    unit = sap_decimal(row.text("COND_P_UNT"), f"item {item} COND_P_UNT")
    if price is not None:
        line["price"] = decimal_text(price / unit if unit and unit != 1 else price)
    return line


def _total(rows: list[Row]) -> Decimal | None:
    total = sap_decimal(rows[0].text("NET_VAL_HD"), "NET_VAL_HD")
    if total is not None:
        return total
    values = [sap_decimal(r.text("NET_VALUE"), "NET_VALUE") for r in rows]
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def delivery_events(number: str, rows: list[Row], zone: dt.tzinfo) -> list[dict[str, Any]]:
    """Return one ``shipped`` event per outbound delivery in BAPI_SALESORDER_GETSTATUS rows.

    The event's id is ``<order>/<delivery>``; it happened on the delivery's DELIV_DATE.
    Raise :class:`MappingError` when a delivery has no readable date.
    """
    deliveries: dict[str, list[Row]] = {}
    for row in rows:
        delivery = row.text("DELIV_NUMB")
        if delivery:
            deliveries.setdefault(delivery, []).append(row)
    events = []
    order = alpha_out(number)
    for delivery, items in sorted(deliveries.items()):
        shown = alpha_out(delivery)
        day = sap_date(items[0].text("DELIV_DATE"), f"delivery {shown} DELIV_DATE")
        if day is None:
            raise MappingError(f"delivery {shown} has no DELIV_DATE")
        codes = "".join(sorted({i.text("DLV_STAT_I") for i in items}))
        events.append(
            {
                "external_id": f"{order}/{shown}",
                "order": {"external_id": order},
                "status": "shipped",
                "occurred_at": local_midnight(day, zone),
                "note": (
                    f"outbound delivery {shown}, {len(items)} item(s), "
                    f"SAP delivery status {codes or 'blank'}"
                ),
            }
        )
    return events
