"""The same firm in SAP, in 1C and in a web shop's CommerceML file is one card after a sync.

Both ERP adapters run through ``crmkit sync`` semantics (``Crmkit.sync`` with a parsed
``crmkit.toml``) against their loopback peers: the SAP adapter's SOAP server and the 1C
adapter's OData server, borrowed from each distribution's own tests.
"""

from __future__ import annotations

import decimal
import importlib.util
import shutil
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import pytest

import crmkit
from crmkit.config import parse_config

if TYPE_CHECKING:
    from types import ModuleType

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
SAP_TESTS = ADAPTERS / "crmkit-sap" / "tests"
ONE_C_TESTS = ADAPTERS / "crmkit-1c" / "tests"
ROMASHKA_INN = "7707083893"

crmkit_sap_plugin = pytest.importorskip("crmkit_sap.plugin")
crmkit_1c_plugin = pytest.importorskip("crmkit_1c.plugin")


def _load(name: str, path: Path) -> ModuleType:
    """Import a test helper module of an adapter distribution under a name of its own."""
    if str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(name: str) -> list[dict]:
    text = (ONE_C_TESTS / "data" / name).read_bytes()
    return msgspec.json.Decoder(float_hook=decimal.Decimal).decode(text)["value"]


@pytest.fixture
def sap_url():
    """Serve the SAP adapter tests' loopback SAP; yield its base URL."""
    server = _load("crmkit_sap_test_server", SAP_TESTS / "sap_server.py")
    sap = server.FakeSap().start()
    try:
        yield sap.url, server.USER, server.PASSWORD
    finally:
        sap.stop()


@pytest.fixture
def one_c_url():
    """Serve the 1C adapter tests' loopback OData publication with its sample data."""
    helpers = _load("crmkit_1c_test_helpers", ONE_C_TESTS / "conftest.py")
    state = helpers.FakeOneC()
    for entity, data in (
        ("Catalog_Контрагенты", "odata_counterparties.json"),
        ("Document_ЗаказКлиента", "odata_orders.json"),
        ("Catalog_Валюты", "odata_currencies.json"),
        ("Catalog_Номенклатура", "odata_products.json"),
    ):
        state.publish(entity, _rows(data))
    prefix = "/trade/odata/standard.odata/"
    server = ThreadingHTTPServer(("127.0.0.1", 0), helpers._handler(state, prefix))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/trade", state.user, state.password
    finally:
        server.shutdown()
        server.server_close()


def test_one_firm_in_sap_1c_and_a_web_shop_is_one_card(tmp_path, sap_url, one_c_url):
    """Syncing SAP, 1C OData and a CommerceML file gives Ромашка one card with all three ids."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(ONE_C_TESTS / "data" / "site_orders.xml", inbox / "orders-1.xml")
    sap, sap_user, sap_password = sap_url
    one_c, one_c_user, one_c_password = one_c_url
    sources = {
        "sap": {
            "adapter": "sap",
            "wsdl": f"{sap}/wsdl/mc?sap-client=100",
            "endpoint": sap,
            "username": sap_user,
            "password": "env:SAP_PASSWORD",
            "client": "100",
            "sales_organization": "1000",
            "timezone": "Europe/Moscow",
            "streams": ["customers"],
            "max_retries": 0,
        },
        "erp": {
            "adapter": "1c-odata",
            "url": one_c,
            "username": one_c_user,
            "password": "env:ONE_C_PASSWORD",
            "profile": "ut11",
            "default_region": "RU",
            "streams": ["customers", "orders"],
            "max_retries": 0,
        },
        "shop": {
            "adapter": "commerceml",
            "path": str(inbox),
            "onec_source": "erp",
            "default_region": "RU",
            "streams": ["customers", "orders"],
        },
    }
    environ = {"SAP_PASSWORD": sap_password, "ONE_C_PASSWORD": one_c_password}
    config = parse_config({"sources": sources}, tmp_path / "crmkit.toml", environ)
    with crmkit.open(
        f"sqlite:///{tmp_path / 'crm.db'}",
        entrypoints=False,
        plugins=(crmkit_sap_plugin, crmkit_1c_plugin),
        default_region="RU",
    ) as crm:
        report = crm.sync(config)
        assert report.ok, [r.message for r in report.streams]
        [romashka] = crm.find_customers(identifier=("inn", ROMASHKA_INN))
        assert {i.source for i in romashka.identities} == {"sap", "erp", "shop"}
        card = crm.card(romashka.id)
        assert {i["source"] for i in card["identities"]} == {"sap", "erp", "shop"}
        again = crm.sync(config)
        assert sum(r.outcome.new + r.outcome.changed for r in again.streams) == 0
