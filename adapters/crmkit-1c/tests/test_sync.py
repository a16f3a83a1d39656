"""``crmkit sync`` over the three 1C adapters: incremental, and one customer across them."""

from __future__ import annotations

import decimal
import shutil
from pathlib import Path

import msgspec

from crmkit.config import load_config

DATA = Path(__file__).parent / "data"
FIRM = "3f7b2c1e-5a1d-11ee-8c99-0242ac120002"


def _rows(name: str) -> list[dict]:
    text = (DATA / name).read_bytes()
    return msgspec.json.Decoder(float_hook=decimal.Decimal).decode(text)["value"]


def test_sync_reads_odata_and_commerceml_incrementally_into_one_card(crm, one_c, tmp_path):
    """OData counterparties and a site's CommerceML buyer with the same INN are one customer."""
    state, url = one_c
    state.publish("Catalog_Контрагенты", _rows("odata_counterparties.json"))
    state.publish("Document_ЗаказКлиента", _rows("odata_orders.json"))
    state.publish("Catalog_Валюты", _rows("odata_currencies.json"))
    state.publish("Catalog_Номенклатура", _rows("odata_products.json"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DATA / "site_orders.xml", inbox / "orders-1.xml")
    config_file = tmp_path / "crmkit.toml"
    config_file.write_text(
        f"""
[sources.erp]
adapter = "1c-odata"
url = "{url}"
username = "Администратор"
password = "env:ERP_PASSWORD"
profile = "ut11"
customer_number_source = "shop"
default_region = "RU"
timezone = "Europe/Moscow"
max_retries = 0
streams = ["customers", "orders"]

[sources.shop]
adapter = "commerceml"
path = "inbox"
onec_source = "erp"
default_region = "RU"
streams = ["customers", "orders"]
""",
        encoding="utf-8",
    )
    config = load_config(config_file, environ={"ERP_PASSWORD": "секрет"})
    report = crm.sync(config)
    assert report.ok, [r.message for r in report.streams]
    stored = {(r.source, r.stream): r.outcome.new for r in report.streams}
    assert stored == {
        ("erp", "customers"): 4,
        ("erp", "orders"): 2,
        ("shop", "customers"): 2,
        ("shop", "orders"): 2,
    }
    (customer,) = crm.find_customers(identifier=("inn", "7707083893"))
    identities = {(i.source, i.external_id) for i in customer.identities}
    assert {("erp", FIRM), ("shop", "17#Ромашка ООО")} <= identities
    order = crm.order("1234")
    assert {(n.source, n.external_id) for n in order.numbers} >= {
        ("shop", "1234"),
        ("erp", "УТ-000123"),
    }

    state.requests.clear()
    again = crm.sync(config)
    assert again.ok
    assert sum(r.outcome.new + r.outcome.changed for r in again.streams) == 0
    assert any("$filter=Date%20ge%20datetime'" in r for r in state.requests)
