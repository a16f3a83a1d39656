"""The demo's SAP: a SOAMANAGER-style SOAP service answering four standard BAPIs.

It serves the single-document WSDL of a service definition ``ZCRMKIT_CRM`` (mixed-case
names, as SOAMANAGER maps them) and answers ``BapiCustomerGetlist`` (paging with
``Maxrows`` over ``Idrange``), ``BapiCustomerGetdetail2``, ``BapiSalesorderGetlist`` and
``BapiSalesorderGetstatus`` from ``data/sap/`` (BAPI structures under SAP's field names).
Answers are rendered in the order the WSDL's schema declares, with SAP's empty values
(``0000-00-00``, ``0.0``) where the data has none; tables come back only when requested.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape

from crmkit.demo.services.bapi import (
    LOGON_FAILED_BODY,
    LOGON_FAILED_HEADERS,
    SOAP_NS,
    customer_not_created,
    envelope,
    fault,
    key,
    select_customers,
    unknown_document,
    unknown_sales_organization,
)
from crmkit.demo.services.loopback import data_file, guarded
from crmkit.testing.loopback import ANY_PATH, LoopbackServer, Request, Response

MC_NS = "urn:sap-com:document:sap:soap:functions:mc-style"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
SERVICE_PATH = "/sap/bc/srt/rfc/sap/zcrmkit_crm/100/zcrmkit_crm/zcrmkit_crm"
WSDL_PATH = "/sap/bc/srt/wsdl/flv_10002A111AD1/bndg_url/sap/bc/srt/rfc/sap/zcrmkit_crm/100"
SALES_ORGANIZATION = "1000"
USER = "CRMKIT_RFC"


def _empty(kind: str) -> str:
    """Return what SAP sends for an initial field of XSD type ``kind`` (``char10``, ``date10``)."""
    if kind.startswith("numeric"):
        return "0" * int(kind.removeprefix("numeric"))
    if kind.startswith("date"):
        return "0000-00-00"
    if kind == "time":
        return "00:00:00"
    if kind.startswith(("quantum", "decimal", "curr")):
        return "0.0"
    return "0" if kind == "int" else ""


class Schema:
    """The WSDL's types: each structure's fields and each operation's answer, in order."""

    def __init__(self, wsdl: bytes) -> None:
        root = ET.fromstring(wsdl)  # noqa: S314 - our own packaged WSDL
        self.types: dict[str, list[tuple[str, str]]] = {}
        self.messages: dict[str, list[tuple[str, str]]] = {}
        for schema in root.iter(f"{{{XSD_NS}}}schema"):
            for node in schema:
                fields = [
                    (e.get("name", ""), e.get("type", "").rpartition(":")[2])
                    for e in node.iter(f"{{{XSD_NS}}}element")
                    if e is not node
                ]
                if node.tag == f"{{{XSD_NS}}}complexType":
                    self.types[node.get("name", "")] = fields
                elif node.tag == f"{{{XSD_NS}}}element":
                    self.messages[node.get("name", "")] = fields

    def render(self, operation: str, answer: dict[str, Any], requested: set[str]) -> str:
        """Return the ``<OperationResponse>`` element for ``answer`` (keys style-free)."""
        parts = []
        for name, kind in self.messages[f"{operation}Response"]:
            value = answer.get(key(name))
            if kind.startswith("TableOf"):
                if key(name) not in requested and value is None:
                    continue
                ((_, row_kind),) = self.types[kind]
                rows = value or []
                items = "".join(f"<item>{self._fields(row_kind, row)}</item>" for row in rows)
                parts.append(f"<{name}>{items}</{name}>")
            else:
                parts.append(f"<{name}>{self._fields(kind, value or {})}</{name}>")
        tag = f"{operation}Response"
        return f'<n0:{tag} xmlns:n0="{MC_NS}">{"".join(parts)}</n0:{tag}>'

    def _fields(self, kind: str, row: dict[str, Any]) -> str:
        out = []
        for name, field_kind in self.types[kind]:
            value = row.get(key(name))
            text = _empty(field_kind) if value in (None, "") else str(value)
            out.append(f"<{name}>{escape(text)}</{name}>")
        return "".join(out)


def _style_free(row: dict[str, Any]) -> dict[str, Any]:
    return {key(name): value for name, value in row.items()}


def _date(value: str) -> str:
    """Return a date parameter as ``YYYYMMDD`` (SAP accepts both spellings); blank as ``""``."""
    digits = value.replace("-", "")
    return "" if digits.strip("0") == "" else digits


class SapSystem:
    """SAP's data and the four BAPIs over it (parameters and answers keyed style-free)."""

    def __init__(self) -> None:
        customers = json.loads(data_file("sap", "customers.json").read_text(encoding="utf-8"))
        self.customers: dict[str, dict[str, dict[str, Any]] | None] = {
            number: None
            if found is None
            else {key(part): _style_free(fields) for part, fields in found.items()}
            for number, found in customers.items()
        }
        rows = json.loads(data_file("sap", "sales_orders.json").read_text(encoding="utf-8"))
        self.orders = [_style_free(row) for row in rows]

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Return the answer of BAPI ``operation`` (``BapiCustomerGetlist``) to ``params``."""
        answer: dict[str, Any] = getattr(self, key(operation).lower())(params)
        return answer

    def bapicustomergetlist(self, params: dict[str, Any]) -> dict[str, Any]:
        """List customer numbers in ``Idrange`` (BT, EQ, GE), at most ``Maxrows``."""
        numbers = select_customers(
            self.customers, params.get("IDRANGE") or [], params.get("MAXROWS")
        )
        answer: dict[str, Any] = {"IDRANGE": params.get("IDRANGE") or []}
        if "ADDRESSDATA" in params:
            answer["ADDRESSDATA"] = [self._address_row(n) for n in numbers]
        return answer

    def _address_row(self, number: str) -> dict[str, Any]:
        found = self.customers[number]
        address = found["CUSTOMERADDRESS"] if found else {"NAME": "Gelöschter Kunde"}
        return {
            **address,
            "CUSTOMER": number,
            "SORT1": str(address.get("NAME", ""))[:10].upper(),
            "TEL1NUMBR": address.get("TELEPHONE", ""),
        }

    def bapicustomergetdetail2(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return one customer's address and general data, or SAP's error in ``Return``."""
        number = params.get("CUSTOMERNO", "")
        found = self.customers.get(number)
        if found is None:
            return {"RETURN": {**customer_not_created(number), "MESSAGEV1": number.lstrip("0")}}
        return {
            "CUSTOMERADDRESS": {**found["CUSTOMERADDRESS"], "CUSTOMER": number},
            "CUSTOMERGENERALDETAIL": found["CUSTOMERGENERALDETAIL"],
        }

    def bapisalesordergetlist(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the item rows of a customer's orders entered in the date window."""
        organization = params.get("SALESORGANIZATION", "")
        if organization != SALES_ORGANIZATION:
            return {"RETURN": unknown_sales_organization(organization)}
        customer = params.get("CUSTOMERNUMBER", "")
        since = _date(params.get("DOCUMENTDATE") or "") or "00000000"
        until = _date(params.get("DOCUMENTDATETO") or "") or "99991231"
        rows = [
            r
            for r in self.orders
            if r["SOLDTO"] == customer and since <= _date(r["DOCDATE"]) <= until
        ]
        return {"SALESORDERS": rows}

    def bapisalesordergetstatus(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the delivery status rows of one order: one delivery once it is delivered."""
        document = params.get("SALESDOCUMENT", "")
        rows = [r for r in self.orders if r["SDDOC"] == document]
        if not rows:
            return {"RETURN": unknown_document(document)}
        status = []
        for row in rows:
            delivered = row["DLVSTATH"] == "C"
            entered = dt.date.fromisoformat(row["DOCDATE"])
            status.append(
                {
                    **row,
                    "DOCNUMBER": document,
                    "PRCSTATH": row["DOCSTATUS"],
                    "DELIVNUMB": f"{80000000 + int(document):010d}" if delivered else "",
                    "DELIVITEM": row["ITMNUMBER"] if delivered else "",
                    "DELIVDATE": (entered + dt.timedelta(days=3)).isoformat() if delivered else "",
                    "DLVQTY": row["REQQTY"] if delivered else "",
                }
            )
        return {"STATUSINFO": status}


def _refuse_dtd(body: bytes) -> None:
    """Raise ValueError when ``body`` declares a DTD or an entity, in whatever encoding.

    expat reads the document's own encoding (UTF-16 included), so no spelling of
    ``<!DOCTYPE`` gets past it the way it would past a byte search.
    """

    def refuse(*_args: object) -> None:
        raise ValueError("DTDs and entities are not accepted")

    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = refuse
    scanner.EntityDeclHandler = refuse
    try:
        scanner.Parse(body, True)  # noqa: FBT003 - expat's positional "final" flag
    except expat.ExpatError as exc:
        raise ValueError(f"not XML: {exc}") from exc


def parse_request(body: bytes, schema: Schema) -> tuple[str, dict[str, Any]]:
    """Return the operation and the style-free parameters of a SOAP request.

    Tables (``TableOf…`` in the WSDL) become lists of rows. A document declaring a DTD or
    entities is refused, as SAP's runtime refuses it.
    """
    _refuse_dtd(body)
    root = ET.fromstring(body)  # noqa: S314 - _refuse_dtd let no DTD or entity through
    soap_body = next(root.iter(f"{{{SOAP_NS}}}Body"))
    request = next(iter(soap_body))
    operation = _local(request.tag)
    tables = {key(n) for n, kind in schema.messages[operation] if kind.startswith("TableOf")}
    params: dict[str, Any] = {}
    for child in request:
        name = key(_local(child.tag))
        if name in tables:
            params[name] = [{key(_local(f.tag)): f.text or "" for f in item} for item in child]
        else:
            params[name] = child.text or ""
    return operation, params


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


XML = {"Content-Type": "text/xml; charset=utf-8"}
NOT_FOUND = Response(404, b"Not found", {"Content-Type": "text/plain"})
LOGON_FAILED = Response(401, LOGON_FAILED_BODY, LOGON_FAILED_HEADERS)


class SapService(LoopbackServer):
    """SAP ECC's SOAP runtime on loopback: the WSDL at :attr:`wsdl_url`, user ``CRMKIT_RFC``."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.wsdl = data_file("sap", "zcrmkit_crm.wsdl").read_bytes()
        self.schema = Schema(self.wsdl)
        self.system = SapSystem()
        super().__init__(name="crmkit-demo-sap", record=False)
        for method, path, answer in (
            ("GET", WSDL_PATH, self._wsdl),
            ("POST", SERVICE_PATH, self._call),
            ("GET", ANY_PATH, _not_found),
            ("POST", ANY_PATH, _not_found),
        ):
            self.route(method, path, guarded(answer, self._logged_on, LOGON_FAILED))

    @property
    def wsdl_url(self) -> str:
        """Return the WSDL's URL, as SOAMANAGER shows it."""
        return f"{self.url}{WSDL_PATH}?sap-client=100"

    def _logged_on(self, request: Request) -> bool:
        return request.has_basic_auth(USER, self.password)

    def _wsdl(self, _request: Request) -> Response:
        """Serve the WSDL."""
        return Response(200, self.wsdl, XML)

    def _call(self, request: Request) -> Response:
        """Answer one BAPI call."""
        try:
            operation, params = parse_request(request.body, self.schema)
            answer = self.system.call(operation, params)
            xml = self.schema.render(operation, answer, set(params))
        except (ValueError, KeyError, AttributeError, StopIteration, ET.ParseError) as exc:
            return Response(500, fault("Client", f"Deserialisation failed: {exc}"), XML)
        return Response(200, envelope(xml), XML)


def _not_found(_request: Request) -> Response:
    return NOT_FOUND
