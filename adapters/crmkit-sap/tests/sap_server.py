"""A loopback SAP: serves the WSDL fixtures and answers the four BAPIs over SOAP 1.1.

It speaks both naming styles (by the namespace of the request), checks Basic credentials,
returns only the tables a request names (as SAP does), pages with MAXROWS over IDRANGE, and
can be switched to misbehave: HTTP 401/500, SOAP faults, a slow answer, an entity bomb. What
it shares with the demo's SAP (ranges, SAP's errors, the envelope) is
:mod:`crmkit.demo.services.bapi`.
"""

from __future__ import annotations

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from sap_data import dataset
from sap_signatures import FUNCTIONS, STRUCTURES, mc_name

from crmkit.demo.services.bapi import (
    LOGON_FAILED_BODY,
    LOGON_FAILED_HEADERS,
    customer_not_created,
    envelope,
    fault,
    select_customers,
    unknown_document,
    unknown_sales_organization,
)
from crmkit.demo.services.bapi import key as _key

WSDL_DIR = Path(__file__).parent / "wsdl"
RFC_NS = "urn:sap-com:document:sap:rfc:functions"
MC_NS = "urn:sap-com:document:sap:soap:functions:mc-style"
USER, PASSWORD = "CRMKIT_RFC", "Init#2026-s3cret"
MC_PATH = "/sap/bc/srt/rfc/sap/zcrmkit_crm/100/zcrmkit_crm/zcrmkit_crm"
RFC_PATH = "/sap/bc/soap/rfc"


class FakeSap:
    """The loopback SAP's state: its data, how it should misbehave, and what it was asked."""

    def __init__(self) -> None:
        self.data = dataset()
        self.mode = "ok"
        self.delay = 1.0
        self.refuse_orders_of: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """Return the server's base URL (scheme, host and port)."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeSap:
        """Start serving in a thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def called(self, op: str) -> list[dict[str, Any]]:
        """Return the parameters of every call of BAPI ``op`` (style-free names)."""
        return [params for name, params in self.calls if name == _key(op)]

    # answers ------------------------------------------------------------------------------

    def answer(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        """Return the export and table parameters of BAPI ``op`` (RFC names → values)."""
        return getattr(self, f"_{op.lower()}")(params)

    def _bapicustomergetlist(self, params: dict[str, Any]) -> dict[str, Any]:
        ranges = params.get("IDRANGE") or []
        numbers = select_customers(self.data["customers"], ranges, params.get("MAXROWS"))
        out: dict[str, Any] = {"RETURN": {}, "IDRANGE": ranges}
        if not numbers and self.mode == "empty-is-error":
            out["RETURN"] = {"TYPE": "E", "ID": "F2", "NUMBER": "300", "MESSAGE": "No data found"}
        if "ADDRESSDATA" in params:
            out["ADDRESSDATA"] = [self._address_row(n) for n in numbers]
        return out

    def _address_row(self, number: str) -> dict[str, str]:
        found = self.data["customers"][number]
        address = found[0] if found else {"NAME": "Gelöschter Kunde"}
        return {
            "CUSTOMER": number,
            "SORT1": address.get("NAME", "")[:10].upper(),
            "NAME": address.get("NAME", ""),
            "CITY": address.get("CITY", ""),
            "POSTL_COD1": address.get("POSTL_COD1", ""),
            "STREET": address.get("STREET", ""),
            "COUNTRY": address.get("COUNTRY", ""),
            "COUNTRYISO": address.get("COUNTRYISO", ""),
            "TEL1_NUMBR": address.get("TELEPHONE", ""),
        }

    def _bapicustomergetdetail2(self, params: dict[str, Any]) -> dict[str, Any]:
        number = params.get("CUSTOMERNO", "")
        found = self.data["customers"].get(number)
        if not found:
            return {
                "RETURN": {**customer_not_created(number), "MESSAGE_V1": number.lstrip("0")},
                "CUSTOMERADDRESS": {},
                "CUSTOMERGENERALDETAIL": {},
                "CUSTOMERCOMPANYDETAIL": {},
            }
        address, general = found
        warning = {
            "TYPE": "W",
            "ID": "F2",
            "NUMBER": "104",
            "MESSAGE": f"Customer {number.lstrip('0')} is not defined in company code 1000",
        }
        return {
            "CUSTOMERADDRESS": {"CUSTOMER": number, **address},
            "CUSTOMERGENERALDETAIL": general,
            "CUSTOMERCOMPANYDETAIL": {},
            "RETURN": warning if self.mode == "warn" else {},
        }

    def _bapisalesordergetlist(self, params: dict[str, Any]) -> dict[str, Any]:
        org = params.get("SALESORGANIZATION", "")
        if org != "1000":
            return {
                "RETURN": {**unknown_sales_organization(org), "MESSAGE_V1": org},
                "SALES_ORDERS": [],
            }
        customer = params.get("CUSTOMERNUMBER", "")
        if customer in self.refuse_orders_of:
            return {
                "RETURN": {
                    "TYPE": "E",
                    "CODE": "VS011",
                    "MESSAGE": f"Customer {customer.lstrip('0')} has not been created for "
                    f"sales organization {org}",
                },
                "SALES_ORDERS": [],
            }
        since = params.get("DOCUMENTDATE") or "0000-00-00"
        until = params.get("DOCUMENTDATETO") or "9999-12-31"
        rows = [
            r
            for r in self.data["orders"]
            if r["SOLD_TO"] == customer and since <= r["DOC_DATE"] <= until
        ]
        out: dict[str, Any] = {"RETURN": {}}
        if "SALESORDERS" in params:
            out["SALES_ORDERS"] = rows
        return out

    def _bapisalesordergetstatus(self, params: dict[str, Any]) -> dict[str, Any]:
        document = params.get("SALESDOCUMENT", "")
        if document not in self.data["statuses"]:
            return {"RETURN": unknown_document(document), "STATUSINFO": []}
        return {"RETURN": {}, "STATUSINFO": self.data["statuses"][document]}


def _types(function: str) -> dict[str, str]:
    signature = FUNCTIONS[function]
    types = dict(signature["exports"])
    types.update({name: struct for name, struct, _ in signature["tables"]})
    return types


def _render(name: str, struct: str, value: Any, *, mc: bool) -> str:
    tag = mc_name(name) if mc else name
    fields = STRUCTURES[struct]
    if isinstance(value, list):
        items = "".join("<item>" + _fields(fields, row, mc=mc) + "</item>" for row in value)
        return f"<{tag}>{items}</{tag}>"
    return f"<{tag}>{_fields(fields, value, mc=mc)}</{tag}>"


def _fields(fields: list[tuple[str, str]], row: dict[str, Any], *, mc: bool) -> str:
    out = []
    for field, code in fields:
        value = row.get(field)
        if value is None:
            value = {"d": "0000-00-00", "t": "00:00:00"}.get(code, "")
            if code[0] in "qp" or code.startswith("dec"):
                value = "0.0"
            if code[0] == "n":
                value = "0" * int(code[1:])
        tag = mc_name(field) if mc else field
        out.append(f"<{tag}>{escape(str(value))}</{tag}>")
    return "".join(out)


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>
<n0:BapiCustomerGetlistResponse xmlns:n0="urn:sap-com:document:sap:soap:functions:mc-style">
<Addressdata><item><Customer>&lol3;</Customer></item></Addressdata>
</n0:BapiCustomerGetlistResponse></soap-env:Body></soap-env:Envelope>"""


def _handler(sap: FakeSap) -> type[BaseHTTPRequestHandler]:  # noqa: C901 - one fake server
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Stay quiet."""

        def _authorised(self) -> bool:
            expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {expected}" and sap.mode != "401":
                return True
            headers = dict(LOGON_FAILED_HEADERS)
            self._send(401, LOGON_FAILED_BODY, headers.pop("Content-Type"), headers)
            return False

        def _send(
            self,
            status: int,
            body: bytes,
            kind: str = "text/xml; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            sap.requests.append(("GET", self.path))
            if not self._authorised():
                return
            name = {"/wsdl/mc": "zcrmkit_crm_mc_style.wsdl", "/wsdl/rfc": "bapi_rfc_style.wsdl"}
            path = self.path.split("?")[0]
            if path not in name:
                self._send(404, b"not found", "text/plain")
                return
            self._send(200, (WSDL_DIR / name[path]).read_bytes())

        def do_POST(self) -> None:
            sap.requests.append(("POST", self.path))
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if not self._authorised():
                return
            if sap.mode == "slow":
                time.sleep(sap.delay)
            if sap.mode == "500":
                self._send(
                    500,
                    b"<html><body>500 Internal Server Error: ICM_HTTP_INTERNAL_ERROR</body></html>",
                    "text/html",
                )
                return
            if sap.mode == "fault-server":
                self._send(
                    500,
                    fault(
                        "Server",
                        "Web service processing error; more details in the web service error log "
                        "on "
                        "provider side (UTC timestamp 20261123101500; Transaction ID "
                        "5F3A0C2B9E1D11EF)",
                    ),
                )
                return
            if sap.mode == "fault-client":
                self._send(
                    500,
                    fault(
                        "Client",
                        "Deserialisation failed",
                        "CX_ST_MATCH_ELEMENT: System expected the element 'Idrange'",
                    ),
                )
                return
            if sap.mode == "bomb":
                self._send(200, ENTITY_BOMB)
                return
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            root = etree.fromstring(body, parser)
            request = next(iter(next(iter(root.iter("{*}Body")))))
            qname = etree.QName(request.tag)
            mc = qname.namespace == MC_NS
            function = next(f for f in FUNCTIONS if _key(f) == _key(qname.localname))
            params: dict[str, Any] = {}
            for child in request:
                name = _key(etree.QName(child.tag).localname)
                items = [c for c in child if etree.QName(c.tag).localname == "item"]
                if items or (
                    len(child) == 0 and name in {_key(t[0]) for t in FUNCTIONS[function]["tables"]}
                ):
                    params[name] = [
                        {_key(etree.QName(f.tag).localname): f.text or "" for f in i} for i in items
                    ]
                else:
                    params[name] = child.text or ""
            sap.calls.append((_key(function), params))
            answer = sap.answer(_key(function), _rfc_names(function, params))
            types = _types(function)
            parts = "".join(
                _render(name, types[name], value, mc=mc) for name, value in answer.items()
            )
            if mc:
                tag = mc_name(function) + "Response"
                xml = f'<n0:{tag} xmlns:n0="{MC_NS}">{parts}</n0:{tag}>'
            else:
                tag = f"rfc:{function}.Response"
                xml = f'<{tag} xmlns:rfc="{RFC_NS}">{parts}</{tag}>'
            self._send(200, envelope(xml))

    return Handler


def _rfc_names(function: str, params: dict[str, Any]) -> dict[str, Any]:
    """Return request ``params`` with table rows keyed by RFC field names, others style-free."""
    tables = {_key(name): (name, struct) for name, struct, _ in FUNCTIONS[function]["tables"]}
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name in tables and isinstance(value, list):
            rfc_name, struct = tables[name]
            fields = {_key(f): f for f, _ in STRUCTURES[struct]}
            out[rfc_name] = [{fields.get(k, k): v for k, v in row.items()} for row in value]
            out[name] = out[rfc_name]
        else:
            out[name] = value
    return out
