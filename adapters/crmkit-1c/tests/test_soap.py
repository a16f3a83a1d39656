"""The ``1c-soap`` adapter with zeep against the reference service served on loopback."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from crmkit_1c.soap import SoapAdapter, reference_wsdl
from lxml import etree

from crmkit.config import load_config
from crmkit.errors import PermanentError, TransientError
from crmkit.sdk.adapter import Checkpoint, NoProgress

NS = "http://crmkit.dev/1c/exchange"
ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
USER, PASSWORD = "Администратор", "секрет"

COUNTERPARTIES = [
    {
        "Ref": "3f7b2c1e-5a1d-11ee-8c99-0242ac120002",
        "DeletionMark": "false",
        "Code": "000000012",
        "Description": "Ромашка ООО",
        "FullName": 'ООО "Ромашка"',
        "LegalKind": "ЮрЛицо",
        "INN": "7707083893",
        "KPP": "773601001",
        "Phone": ["+7 (495) 123-45-67"],
        "Email": ["info@romashka.ru"],
        "Address": ["101000, Москва г, Ленина ул, дом № 1"],
        "Changed": "2026-11-01T10:00:00",
    },
    {
        "Ref": "5c9d1e2f-5a1d-11ee-8c99-0242ac120002",
        "DeletionMark": "false",
        "Code": "000000013",
        "Description": "ИП Петров Иван Сергеевич",
        "FullName": None,
        "LegalKind": "ИндивидуальныйПредприниматель",
        "INN": "500100732259",
        "KPP": None,
        "Phone": ["8 (916) 111-22-33"],
        "Email": [],
        "Address": [],
        "Changed": "2026-11-02T11:00:00",
    },
    {
        "Ref": "",
        "DeletionMark": "false",
        "Code": None,
        "Description": "Без ссылки",
        "FullName": None,
        "LegalKind": None,
        "INN": None,
        "KPP": None,
        "Phone": [],
        "Email": [],
        "Address": [],
        "Changed": "2026-11-03T12:00:00",
    },
]
ORDERS = [
    {
        "Ref": "b1c2d3e4-6a1d-11ee-8c99-0242ac120002",
        "DeletionMark": "false",
        "Posted": "true",
        "Number": "УТ-000123",
        "Date": "2026-11-02T10:15:00",
        "Counterparty": "3f7b2c1e-5a1d-11ee-8c99-0242ac120002",
        "Status": "К отгрузке",
        "Currency": "643",
        "Total": "15300.50",
        "CustomerNumber": "1234",
        "ShippingAddress": None,
        "Line": [
            {
                "Product": "d1d1",
                "ProductName": "Стол офисный СО-1",
                "Quantity": "2",
                "Price": "7500.25",
                "Amount": "15000.50",
            },
            {
                "Product": "d2d2",
                "ProductName": "Доставка",
                "Quantity": "1",
                "Price": "300",
                "Amount": "300",
            },
        ],
        "Changed": "2026-11-02T12:00:00",
    },
]


class FakeService:
    """The reference web service as a 1C infobase would answer it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, int]] = []
        self.fault: str | None = None
        self.status = 200


def _element(parent: etree._Element, name: str, value) -> None:
    values = value if isinstance(value, list) else [value]
    for item in values:
        child = etree.SubElement(parent, f"{{{NS}}}{name}")
        if item is None:
            child.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
        elif isinstance(item, dict):
            for key, inner in item.items():
                _element(child, key, inner)
        else:
            child.text = item


def _answer(operation: str, since: str | None, limit: int) -> bytes:
    rows, name = (
        (COUNTERPARTIES, "Counterparty") if "Counterparties" in operation else (ORDERS, "Order")
    )
    after = [r for r in rows if since is None or r["Changed"] > since]
    page = after[:limit]
    envelope = etree.Element(f"{{{ENVELOPE}}}Envelope", nsmap={"soap": ENVELOPE})
    body = etree.SubElement(envelope, f"{{{ENVELOPE}}}Body")
    response = etree.SubElement(body, f"{{{NS}}}{operation}Response", nsmap={"m": NS})
    result = etree.SubElement(response, f"{{{NS}}}return")
    for row in page:
        _element(result, name, row)
    _element(result, "More", "true" if len(after) > limit else "false")
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _fault(text: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{ENVELOPE}">'
        "<soap:Body><soap:Fault><faultcode>soap:Server</faultcode>"
        f"<faultstring>{text}</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    ).encode()


def _handler(service: FakeService):  # noqa: C901 - one fake server in one place
    wsdl = Path(reference_wsdl()).read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "text/xml; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self) -> bool:
            token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {token}":
                return True
            self._send(401, b"", "text/html")
            return False

        def do_GET(self) -> None:
            if self._authorised():
                self._send(200, wsdl)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if not self._authorised():
                return
            if service.status != 200:
                self._send(service.status, b"Service Unavailable", "text/plain")
                return
            request = etree.fromstring(body)
            call = request.find(f"{{{ENVELOPE}}}Body")[0]
            operation = etree.QName(call).localname
            since = call.findtext(f"{{{NS}}}Since") or None
            limit = int(call.findtext(f"{{{NS}}}Limit"))
            service.calls.append((operation, since, limit))
            if service.fault:
                self._send(500, _fault(service.fault))
                return
            self._send(200, _answer(operation, since, limit))

    return Handler


@pytest.fixture
def soap():
    """Serve the reference service on loopback: ``(FakeService, service URL)``."""
    service = FakeService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield service, f"http://127.0.0.1:{server.server_address[1]}/trade/ws/crmkit.1cws"
    finally:
        server.shutdown()
        server.server_close()


def _adapter(url: str, **settings) -> SoapAdapter:
    config = {"url": url, "username": USER, "password": PASSWORD, "http_backoff": 0, **settings}
    return SoapAdapter("erp-ws", config)


def _read(adapter: SoapAdapter, stream: str, cursor=None):
    items, checkpoints = [], []
    for item in adapter.read(stream, cursor, NoProgress()):
        (checkpoints if isinstance(item, Checkpoint) else items).append(item)
    return items, checkpoints


def test_counterparties_come_through_zeep_with_the_wsdl_from_1c(soap):
    """The WSDL is fetched from ``…/crmkit.1cws?wsdl`` with UTF-8 Basic auth."""
    _service, url = soap
    items, checkpoints = _read(_adapter(url), "customers")
    firm, trader, bad = items
    assert firm.data["identifiers"] == {"inn": "7707083893", "kpp": "773601001"}
    assert firm.data["phones"] == ["+7 (495) 123-45-67"]
    assert firm.data["updated_at"] == "2026-11-01T07:00:00+00:00"
    assert trader.data["attributes"]["sole_trader"] is True
    assert bad.error == "the Counterparty has no Ref"
    assert json.loads(checkpoints[-1].cursor) == {"since": "2026-11-03T12:00:00"}


def test_paging_follows_more_and_the_cursor_is_the_last_change(soap):
    """``Limit`` objects per call; ``Since`` moves to the last ``Changed``."""
    service, url = soap
    items, _ = _read(_adapter(url, limit=2, wsdl="reference"), "customers")
    assert len(items) == 3
    assert [c[1] for c in service.calls] == [None, "2026-11-02T11:00:00"]
    service.calls.clear()
    again, _ = _read(
        _adapter(url, wsdl="reference"), "customers", json.dumps({"since": "2026-11-02T11:00:00"})
    )
    assert len(again) == 1
    assert service.calls[0][1] == "2026-11-02T11:00:00"


def test_orders_have_lines_money_and_status(soap):
    """Decimals stay decimals; the numeric currency code becomes RUB."""
    _service, url = soap
    (order,), _ = _read(_adapter(url, customer_number_source="shop"), "orders")
    data = order.data
    assert data["number"] == "УТ-000123"
    assert data["total"] == "15300.50"
    assert data["currency"] == "RUB"
    assert data["status"] == "К отгрузке"
    assert data["lines"][0]["price"] == "7500.25"
    assert data["cross_references"] == [{"source": "shop", "number": "1234"}]
    assert json.loads(order.raw)["Number"] == "УТ-000123"


def test_field_names_are_configurable(soap):
    """An integrator's service naming things otherwise is mapped by ``fields``."""
    _service, url = soap
    items, _ = _read(_adapter(url, fields={"name": "FullName"}), "customers")
    assert items[0].data["name"] == 'ООО "Ромашка"'


def test_a_soap_fault_carries_1c_words(soap):
    """A BSL exception in the module reaches the integrator verbatim."""
    service, url = soap
    service.fault = "Ошибка при вызове метода контекста (Выполнить): Таблица не найдена"
    with pytest.raises(PermanentError, match="Таблица не найдена"):
        _read(_adapter(url), "customers")


def test_wrong_password_is_a_clear_error(soap):
    """401 on the WSDL names the user."""
    _service, url = soap
    with pytest.raises(PermanentError, match="refused user 'Администратор'"):
        _read(_adapter(url, password="x"), "customers")  # noqa: S106 - wrong on purpose


def test_server_errors_are_transient(soap):
    """HTTP 503 from the web server is retried, then left to the engine."""
    service, url = soap
    service.status = 503
    with pytest.raises(TransientError, match="503"):
        _read(_adapter(url, wsdl="reference", http_retries=1), "customers")


def test_an_unreachable_service_is_transient():
    """Connection refused while loading the WSDL is worth retrying."""
    with pytest.raises(TransientError, match="cannot reach 1C"):
        _read(_adapter("http://127.0.0.1:9/ws/crmkit.1cws", http_retries=0), "customers")


def test_check_calls_the_service(soap):
    """``check`` answers with the operation it called."""
    _service, url = soap
    assert "answers GetChangedCounterparties" in _adapter(url).check()


def test_the_reference_wsdl_looks_like_1c_publishes_it():
    """Target namespace, 1C's soapAction form and the ``.1cws`` address."""
    root = etree.parse(reference_wsdl()).getroot()
    assert root.get("targetNamespace") == NS
    actions = {
        a.get("soapAction") for a in root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}operation")
    }
    assert f"{NS}#crmkit:GetChangedCounterparties" in actions
    address = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")
    assert address.endswith("/ws/crmkit.1cws")


def test_crmkit_sync_reads_the_service_incrementally(crm, soap, tmp_path):
    """The second sync asks only for what changed after the first one's last ``Changed``."""
    service, url = soap
    config_file = tmp_path / "crmkit.toml"
    config_file.write_text(
        f"""
[sources.erp-ws]
adapter = "1c-soap"
url = "{url}"
username = "{USER}"
password = "{PASSWORD}"
limit = 2
default_region = "RU"
max_retries = 0
""",
        encoding="utf-8",
    )
    config = load_config(config_file)
    first = crm.sync(config)
    assert first.ok, [r.message for r in first.streams]
    outcomes = {r.stream: r.outcome for r in first.streams}
    assert outcomes["customers"].new == 2
    assert outcomes["customers"].dead_lettered == 1
    assert outcomes["orders"].new == 1
    service.calls.clear()
    second = crm.sync(config)
    assert second.ok
    assert [c[1] for c in service.calls] == ["2026-11-03T12:00:00", "2026-11-02T12:00:00"]
    assert crm.order("УТ-000123").status.value == "paid"
