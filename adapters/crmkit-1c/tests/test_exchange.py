"""The site side of 1C's exchange protocol, driven by an HTTP client playing 1C."""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from crmkit_1c.commerceml import CommerceMLAdapter
from crmkit_1c.exchange import ExchangeApp, ExchangeSettings
from lxml import etree

DATA = Path(__file__).parent / "data"
URL_PATH = "/1c_exchange.php"
FIRM_IN_1C = "3f7b2c1e-5a1d-11ee-8c99-0242ac120002"
GUEST_IN_1C = "7e1f2a3b-5a1d-11ee-8c99-0242ac120002"
GUEST_FILE = f"""<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08">
  <Контрагенты>
    <Контрагент>
      <Ид>{GUEST_IN_1C}</Ид>
      <Наименование>Сидорова Анна Павловна</Наименование>
      <ПолноеНаименование>Сидорова Анна Павловна</ПолноеНаименование>
      <Фамилия>Сидорова</Фамилия>
      <Имя>Анна</Имя>
      <Контакты>
        <Контакт><Тип>Почта</Тип><Значение>anna.sidorova@mail.ru</Значение></Контакт>
        <Контакт><Тип>ТелефонРабочий</Тип><Значение>8 (916) 555-44-33</Значение></Контакт>
      </Контакты>
    </Контрагент>
  </Контрагенты>
</КоммерческаяИнформация>
"""


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def exchange(crm, tmp_path):
    """Serve the exchange endpoint on loopback over a crmkit that already has web-shop orders."""
    shop = CommerceMLAdapter("shop", {"path": str(DATA / "site_orders.xml")})
    crm.import_from(shop, "customers")
    crm.import_from(shop, "orders", resolve=False)
    crm.ingest_orders(
        "shop",
        [
            {
                "external_id": "2001",
                "number": "2001",
                "placed_at": "2026-11-06T09:00:00+03:00",
                "currency": "RUB",
                "total": "500.00",
                "customer": {"external_id": "17#Ромашка ООО"},
                "lines": [{"sku": "СО-2", "name": "Стул", "quantity": "2", "price": "250.00"}],
                "status": "processing",
            }
        ],
    )
    settings = ExchangeSettings(
        username="обмен",
        password="пароль",  # noqa: S106 - the test endpoint's password
        work_dir=tmp_path / "exchange",
        source="1c",
        query_sources=("shop",),
        site_source="shop",
    )
    app = ExchangeApp(crm, settings)
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}{URL_PATH}"
    finally:
        server.shutdown()
        server.server_close()


def _auth(user: str = "обмен", password: str = "пароль") -> dict[str, str]:  # noqa: S107
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _login(url: str) -> requests.Session:
    """Play 1C: checkauth, then send the cookie it got on every request."""
    answer = requests.get(
        url, params={"type": "sale", "mode": "checkauth"}, headers=_auth(), timeout=5
    )
    lines = answer.text.split("\n")
    assert lines[0] == "success"
    session = requests.Session()
    session.headers["Cookie"] = f"{lines[1]}={lines[2]}"
    return session


def test_a_full_exchange_session_as_1c_runs_it(crm, exchange):
    """Checkauth → init → file → import → query → success, as an unmodified 1C does."""
    app, url = exchange
    one_c = _login(url)
    init = one_c.get(url, params={"type": "sale", "mode": "init"}, timeout=5).text
    assert init.splitlines()[0] == "zip=no"
    assert init.splitlines()[1].startswith("file_limit=")
    body = (DATA / "from_1c_cp1251.xml").read_bytes()
    half = len(body) // 2
    for chunk in (body[:half], body[half:]):
        sent = one_c.post(
            url,
            params={"type": "sale", "mode": "file", "filename": "orders-1.xml"},
            data=chunk,
            timeout=5,
        )
        assert sent.text == "success\n"
    imported = one_c.get(
        url, params={"type": "sale", "mode": "import", "filename": "orders-1.xml"}, timeout=10
    )
    assert imported.text == "success\n"
    one_c.post(
        url,
        params={"type": "sale", "mode": "file", "filename": "Контрагенты.xml"},
        data=GUEST_FILE.encode(),
        timeout=5,
    )
    order = crm.order("УТ-000123")
    assert {(n.source, n.external_id) for n in order.numbers} >= {
        ("1c", "УТ-000123"),
        ("shop", "1234"),
    }
    assert order.status.value == "paid"

    query = one_c.get(url, params={"type": "sale", "mode": "query"}, timeout=10)
    root = etree.fromstring(query.content)
    assert etree.QName(root).localname == "КоммерческаяИнформация"
    documents = {d.findtext("Номер"): d for d in root.iter("Документ")}
    assert set(documents) == {"1235", "2001"}
    firm_order = documents["2001"]
    assert firm_order.findtext("Контрагенты/Контрагент/Ид") == FIRM_IN_1C
    assert firm_order.findtext("Контрагенты/Контрагент/ИНН") == "7707083893"
    assert firm_order.findtext("Сумма") == "500.00"
    assert firm_order.findtext("Товары/Товар/Количество") == "2"
    guest = documents["1235"]
    assert guest.findtext("Контрагенты/Контрагент/Ид") == GUEST_IN_1C
    assert guest.findtext("ХозОперация") == "Заказ товара"

    assert one_c.get(url, params={"type": "sale", "mode": "success"}, timeout=5).text == "success\n"
    again = one_c.get(url, params={"type": "sale", "mode": "query"}, timeout=10)
    assert list(etree.fromstring(again.content).iter("Документ")) == []
    assert app.sent() == {"shop/1235", "shop/2001"}
    twice = one_c.get(
        url, params={"type": "sale", "mode": "import", "filename": "orders-1.xml"}, timeout=5
    )
    assert twice.text == "success\n"
    assert list((app.settings.work_dir / "imported").iterdir())


def test_wrong_credentials_are_refused(exchange):
    """Checkauth with a wrong password answers failure and 401."""
    _app, url = exchange
    answer = requests.get(
        url,
        params={"type": "sale", "mode": "checkauth"},
        headers=_auth(password="x"),  # noqa: S106 - wrong on purpose
        timeout=5,
    )
    assert answer.status_code == 401
    assert answer.text.startswith("failure\n")


def test_modes_need_a_session(exchange):
    """Without the checkauth cookie (or credentials) nothing is accepted."""
    _app, url = exchange
    answer = requests.get(url, params={"type": "sale", "mode": "init"}, timeout=5)
    assert answer.status_code == 401


def test_unsafe_file_names_and_unknown_files_are_failures(exchange):
    """A path in ``filename`` is cut to its name; importing a file never sent says so."""
    _app, url = exchange
    one_c = _login(url)
    answer = one_c.post(
        url,
        params={"type": "sale", "mode": "file", "filename": "../../.bashrc"},
        data=b"<a/>",
        timeout=5,
    )
    assert answer.text.startswith("failure\nunsafe")
    missing = one_c.get(
        url, params={"type": "sale", "mode": "import", "filename": "nope.xml"}, timeout=5
    )
    assert missing.text.startswith("failure\nfile 'nope.xml' was not received")


def test_a_broken_file_from_1c_does_not_stop_the_exchange(crm, exchange):
    """A file that is not XML is dead-lettered; the exchange answers success and goes on."""
    _app, url = exchange
    one_c = _login(url)
    one_c.post(
        url,
        params={"type": "sale", "mode": "file", "filename": "bad.xml"},
        data="<КоммерческаяИнформация><Документ>".encode(),
        timeout=5,
    )
    answer = one_c.get(
        url, params={"type": "sale", "mode": "import", "filename": "bad.xml"}, timeout=5
    )
    assert answer.text == "success\n"
    assert any("not well-formed" in d.reason for d in crm.dead_letters(source="1c"))


def test_other_exchange_types_are_refused(exchange):
    """``type=catalog`` (goods) is not crmkit's business."""
    _app, url = exchange
    answer = requests.get(
        url, params={"type": "catalog", "mode": "checkauth"}, headers=_auth(), timeout=5
    )
    assert answer.text.startswith("failure\nonly type=sale")


def test_buyers_1c_does_not_know_get_one_stable_crmkit_id(crm, exchange):
    """Before 1C has sent its counterparties, each buyer is ``crmkit-<customer id>``."""
    _app, url = exchange
    one_c = _login(url)
    query = one_c.get(url, params={"type": "sale", "mode": "query"}, timeout=10)
    ids = {
        d.findtext("Номер"): d.findtext("Контрагенты/Контрагент/Ид")
        for d in etree.fromstring(query.content).iter("Документ")
    }
    (anna,) = crm.find_customers(email="anna.sidorova@mail.ru")
    assert ids["1235"] == f"crmkit-{anna.id}"
    assert ids["2001"].startswith("crmkit-")
