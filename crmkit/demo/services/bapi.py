"""What SAP's BAPIs and SOAP runtime do, for the loopback SAPs of the demo and of tests.

The demo's SAP (:mod:`crmkit.demo.services.sap`) and the SAP adapter's test server answer
the same BAPIs from different data; the behaviour they share lives here: field names free of
naming style, customer-number ranges and ``MAXROWS``, SAP's error returns in its own words,
the SOAP envelope and fault, and the logon refusal of the ICM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
#: The body and headers of the ICM's answer to a failed logon (HTTP 401).
LOGON_FAILED_BODY = (
    b"<html><head><title>Logon failed</title></head><body>Logon failed</body></html>"
)
LOGON_FAILED_HEADERS = {
    "Content-Type": "text/html",
    "WWW-Authenticate": 'Basic realm="SAP NetWeaver Application Server [ECC/100]"',
}


def key(name: str) -> str:
    """Return a field name free of style: ``POSTL_COD1`` and ``PostlCod1`` are ``POSTLCOD1``."""
    return "".join(c for c in name if c.isalnum()).upper()


def select_customers(
    numbers: Iterable[str], ranges: Iterable[Mapping[str, Any]], maxrows: Any
) -> list[str]:
    """Return the customer numbers ``BAPI_CUSTOMER_GETLIST`` lists, in order.

    Each row of ``ranges`` (``IDRANGE``: ``OPTION`` ``BT``, ``GE`` or ``EQ`` with ``LOW`` and
    ``HIGH``) narrows the sorted numbers; ``maxrows`` (``MAXROWS``, 0 or empty: all) cuts them.
    """
    selected = sorted(numbers)
    for row in ranges:
        option, low, high = row.get("OPTION", ""), row.get("LOW", ""), row.get("HIGH", "")
        if option == "BT":
            selected = [n for n in selected if low <= n <= high]
        elif option == "GE":
            selected = [n for n in selected if n >= low]
        elif option == "EQ":
            selected = [n for n in selected if n == low]
    limit = int(maxrows or 0)
    return selected[:limit] if limit else selected


def failed(kind: str, message: str, code: str) -> dict[str, str]:
    """Return a BAPI return row of type ``kind`` (``E``, ``W``) with message ``code`` (``F2163``).

    The row carries both spellings of the code: ``CODE`` (BAPIRETURN) and ``ID`` with
    ``NUMBER`` (BAPIRET2); a server renders those its structure has.
    """
    return {"TYPE": kind, "CODE": code, "ID": code[:2], "NUMBER": code[2:], "MESSAGE": message}


def customer_not_created(number: str) -> dict[str, str]:
    """Return ``BAPI_CUSTOMER_GETDETAIL2``'s error for a customer number that does not exist."""
    return failed("E", f"Customer {number.lstrip('0')} has not been created", "F2163")


def unknown_sales_organization(organization: str) -> dict[str, str]:
    """Return ``BAPI_SALESORDER_GETLIST``'s error for a sales organization that does not exist."""
    return failed("E", f"Sales organization {organization} is not defined", "VR032")


def unknown_document(document: str) -> dict[str, str]:
    """Return ``BAPI_SALESORDER_GETSTATUS``'s error for a sales document it does not know."""
    message = f"SD document {document} is not in the database or has been archived"
    return failed("E", message, "V1302")


def envelope(body: str) -> bytes:
    """Return ``body`` inside a SOAP 1.1 envelope, as SAP's SOAP runtime writes it."""
    return (
        f'<soap-env:Envelope xmlns:soap-env="{SOAP_NS}">'
        f"<soap-env:Header/><soap-env:Body>{body}</soap-env:Body></soap-env:Envelope>"
    ).encode()


def fault(code: str, text: str, detail: str = "") -> bytes:
    """Return a SOAP 1.1 fault (``Client`` or ``Server``) as SAP's SOAP runtime sends it."""
    detail_xml = f"<detail>{escape(detail)}</detail>" if detail else ""
    return envelope(
        f"<soap-env:Fault><faultcode>soap-env:{code}</faultcode>"
        f'<faultstring xml:lang="en">{escape(text)}</faultstring>{detail_xml}</soap-env:Fault>'
    )
