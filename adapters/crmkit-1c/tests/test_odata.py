"""The ``1c-odata`` adapter against a fake 1C OData publication on loopback."""

from __future__ import annotations

import decimal
import json
from pathlib import Path

import msgspec
import pytest
from crmkit_1c.odata import ODataAdapter

from crmkit.errors import ConfigError, PermanentError, TransientError
from crmkit.sdk.adapter import Checkpoint, NoProgress

USER = "Администратор"
PASSWORD = "секрет"  # noqa: S105 - the fake 1C's test password

DATA = Path(__file__).parent / "data"
COUNTERPARTIES = "Catalog_Контрагенты"
ORDERS = "Document_ЗаказКлиента"


def _rows(name: str) -> list[dict]:
    text = (DATA / name).read_bytes()
    return msgspec.json.Decoder(float_hook=decimal.Decimal).decode(text)["value"]


@pytest.fixture
def published(one_c):
    """Publish on the fake 1C counterparties, orders, currencies and products published."""
    state, url = one_c
    state.publish(COUNTERPARTIES, _rows("odata_counterparties.json"))
    state.publish(ORDERS, _rows("odata_orders.json"))
    state.publish("Catalog_Валюты", _rows("odata_currencies.json"))
    state.publish("Catalog_Номенклатура", _rows("odata_products.json"))
    return state, url


def _adapter(url: str, **settings) -> ODataAdapter:
    config = {"url": url, "username": USER, "password": PASSWORD, "http_backoff": 0, **settings}
    return ODataAdapter("erp", config)


def _items(adapter: ODataAdapter, stream: str, cursor=None) -> tuple[list, list]:
    items, checkpoints = [], []
    for item in adapter.read(stream, cursor, NoProgress()):
        (checkpoints if isinstance(item, Checkpoint) else items).append(item)
    return items, checkpoints


def test_counterparties_map_inn_kpp_contacts_and_kinds(published):
    """Organisations, sole traders and persons come with INN, KPP, phones, e-mails, addresses."""
    _state, url = published
    items, _ = _items(_adapter(url), "customers")
    by_id = {i.data["external_id"]: i.data for i in items if i.data}
    firm = by_id["3f7b2c1e-5a1d-11ee-8c99-0242ac120002"]
    assert firm["kind"] == "organization"
    assert firm["name"] == "Ромашка ООО"
    assert firm["identifiers"] == {"inn": "7707083893", "kpp": "773601001"}
    assert firm["phones"] == ["+74951234567"]
    assert firm["emails"] == ["info@romashka.ru"]
    assert firm["addresses"][0]["postcode"] == "101000"
    assert firm["addresses"][0]["city"] == "Москва"
    assert firm["attributes"]["partner_key"] == "3f7b2c1d-5a1d-11ee-8c99-0242ac120002"
    trader = by_id["5c9d1e2f-5a1d-11ee-8c99-0242ac120002"]
    assert trader["kind"] == "organization"
    assert trader["attributes"]["sole_trader"] is True
    assert trader["phones"] == ["8 (916) 111-22-33"]
    person = by_id["7e1f2a3b-5a1d-11ee-8c99-0242ac120002"]
    assert person["kind"] == "person"
    assert person["attributes"]["deleted_in_1c"] is True


def test_contacts_of_the_partner_join_the_counterparty(published):
    """УТ 11 keeps a customer's phones on the partner: they follow the counterparty's own."""
    state, url = published
    state.publish("Catalog_Партнеры", _rows("odata_partners.json"))
    items, _ = _items(_adapter(url), "customers")
    firm = next(i.data for i in items if i.data and i.data["name"] == "Ромашка ООО")
    assert firm["phones"] == ["+74951234567", "+74957654321"]
    assert firm["emails"] == ["info@romashka.ru", "zakaz@romashka.ru"]
    assert firm["attributes"]["partner_name"] == "Ромашка"
    assert "Партнеры" not in items[0].raw


def test_groups_are_skipped_and_raw_payload_is_the_entity_verbatim(published):
    """Catalog folders are not customers; raw keeps 1C's JSON with its Cyrillic names."""
    _state, url = published
    items, _ = _items(_adapter(url), "customers")
    assert "1a000000-0000-11ee-8c99-0242ac120002" not in {
        json.loads(i.raw)["Ref_Key"] for i in items
    }
    raw = json.loads(items[0].raw)
    assert raw["НаименованиеПолное"].startswith("Общество")


def test_a_counterparty_with_a_broken_tabular_part_is_still_read(published):
    """A contact-information part that is not a table is ignored, not fatal."""
    _state, url = published
    items, _ = _items(_adapter(url), "customers")
    branch = next(i for i in items if "филиал" in i.raw)
    assert branch.error is None
    assert branch.data["identifiers"]["kpp"] == "781001001"


def test_deleted_counterparties_can_be_skipped(published):
    """With ``deleted = "skip"`` a counterparty marked for deletion is not read."""
    _state, url = published
    items, _ = _items(_adapter(url, deleted="skip"), "customers")
    assert all("Сидорова" not in i.raw for i in items)


def test_paging_uses_top_skip_and_a_stable_order(published):
    """Pages of ``page_size`` under ``$orderby=Ref_Key``; a checkpoint after each page."""
    state, url = published
    items, checkpoints = _items(_adapter(url, page_size=2), "customers")
    assert len(items) == 4
    pages = [r for r in state.requests if COUNTERPARTIES in r or "%D0%9A%D0%BE%D0%BD" in r]
    assert len(pages) == 3
    assert all("$orderby=Ref_Key" in r and "$top=2" in r for r in pages)
    assert [json.loads(c.cursor) for c in checkpoints] == [{"skip": 2}, {"skip": 4}, {"skip": 0}]


def test_a_cursor_resumes_at_the_page_it_reached(published):
    """A sync that failed after page 1 goes on from ``$skip`` 2."""
    _state, url = published
    items, _ = _items(_adapter(url, page_size=2), "customers", json.dumps({"skip": 2}))
    assert len(items) == 3


def test_orders_have_lines_status_currency_and_local_times_in_utc(published):
    """Money as decimal strings, 1C's local times read in Moscow time, status as 1C shows it."""
    _state, url = published
    items, _ = _items(_adapter(url, customer_number_source="shop"), "orders")
    order = items[0].data
    assert order["number"] == "УТ-000123"
    assert order["placed_at"] == "2026-11-02T07:15:00+00:00"
    assert order["currency"] == "RUB"
    assert order["total"] == "15300.5"
    assert order["status"] == "К отгрузке"
    assert order["customer"] == {"external_id": "3f7b2c1e-5a1d-11ee-8c99-0242ac120002"}
    assert order["lines"][0] == {
        "sku": "d1d1d1d1-1a2b-11e7-80c4-00155d000000",
        "name": "Стол офисный СО-1",
        "quantity": "2",
        "price": "7500.25",
        "amount": "15000.5",
    }
    assert order["cross_references"] == [{"source": "shop", "number": "1234"}]
    assert items[1].data["lines"][0]["quantity"] == "3.3"
    assert items[1].data["status"] == "Не согласован"


def test_an_order_with_a_bad_total_is_a_dead_letter(published):
    """``СуммаДокумента`` that is not a number: the order carries the reason."""
    _state, url = published
    items, _ = _items(_adapter(url), "orders")
    bad = items[2]
    assert bad.data is None
    assert "СуммаДокумента" in bad.error
    assert "много" in bad.raw


def test_orders_are_read_incrementally_by_date_window(published):
    """The next sync filters ``Date ge`` the newest date seen minus ``lookback_days``."""
    state, url = published
    adapter = _adapter(url, lookback_days=1)
    _, checkpoints = _items(adapter, "orders")
    cursor = checkpoints[-1].cursor
    assert json.loads(cursor) == {"since": "2026-11-03T12:00:00", "skip": 0}
    state.requests.clear()
    items, _ = _items(adapter, "orders", cursor)
    assert [i.raw.count("УТ-000125") for i in items] == [1]
    assert any("Date%20ge%20datetime'2026-11-03T12:00:00'" in r for r in state.requests)


def test_orders_filtered_client_side_when_the_publication_rejects_date_filters(published):
    """With ``date_filter = false`` the window is applied to what 1C sends."""
    state, url = published
    cursor = json.dumps({"since": "2026-11-03T00:00:00", "skip": 0})
    items, _ = _items(_adapter(url, date_filter=False), "orders", cursor)
    assert len(items) == 2
    assert not any("filter=Date" in r for r in state.requests)


def test_older_configurations_read_zakaz_pokupatelya(published):
    """The ``bp3`` profile reads ``Document_ЗаказПокупателя`` with ``ВалютаДокумента_Key``."""
    state, url = published
    old = [
        {**row, "ВалютаДокумента_Key": "c1c1c1c1-1a2b-11e7-80c4-00155d000000"}
        for row in _rows("odata_orders.json")[:1]
    ]
    state.publish("Document_ЗаказПокупателя", old)
    items, _ = _items(_adapter(url, profile="bp3"), "orders")
    assert items[0].data["currency"] == "USD"
    assert "status" not in items[0].data


def test_an_unpublished_entity_names_the_object_to_publish(published):
    """1C's 404 odata.error becomes a message naming Справочник.Контрагенты."""
    state, url = published
    del state.entities[COUNTERPARTIES]
    with pytest.raises(PermanentError) as caught:
        _items(_adapter(url), "customers")
    message = str(caught.value)
    assert "Справочник.Контрагенты" in message
    assert "Установка состава стандартного интерфейса OData" in message
    assert "Не найден объект метаданных" in message


@pytest.mark.parametrize(("status", "body"), [(400, True), (404, False)])
def test_unpublished_entities_are_recognised_in_other_answers_too(published, status, body):
    """A 400 odata.error, or a bare 404, still names the object to publish."""
    state, url = published
    del state.entities[ORDERS]
    state.missing_status, state.missing_body = status, body
    with pytest.raises(PermanentError, match=r"Документ\.ЗаказКлиента"):
        _items(_adapter(url), "orders")


def test_entity_names_can_be_overridden(published):
    """``entities`` replaces a profile's entity set."""
    state, url = published
    state.publish("Catalog_Клиенты", state.entities.pop(COUNTERPARTIES))
    items, _ = _items(_adapter(url, entities={"counterparties": "Catalog_Клиенты"}), "customers")
    assert len(items) == 4


def test_unknown_override_keys_are_configuration_errors():
    """A typo in ``fields`` is refused before anything is read."""
    with pytest.raises(ConfigError, match="unknown key 'innn'"):
        _adapter("http://127.0.0.1:1/x", fields={"innn": "ИНН"})


def test_wrong_password_is_reported_in_1c_terms(published):
    """HTTP 401 names the user and what to check."""
    _state, url = published
    with pytest.raises(PermanentError, match=r"1C refused user 'Администратор'.*401"):
        _items(_adapter(url, password="wrong"), "customers")  # noqa: S106 - wrong on purpose


def test_malformed_json_on_a_page_is_a_clear_error_after_the_good_pages(published):
    """The pages before the broken one are yielded with their checkpoints."""
    state, url = published
    state.broken.add((COUNTERPARTIES, 2))
    adapter = _adapter(url, page_size=2)
    seen = []
    with pytest.raises(PermanentError, match="malformed JSON") as caught:
        seen.extend(adapter.read("customers", None, NoProgress()))
    assert "$skip=2" in str(caught.value)
    assert isinstance(seen[-1], Checkpoint)


def test_a_server_error_is_retried_then_transient(published):
    """503 is retried ``http_retries`` times, then raised as transient for the engine."""
    state, url = published
    state.unavailable = 1
    items, _ = _items(_adapter(url, http_retries=1), "customers")
    assert len(items) == 4
    state.unavailable = 5
    with pytest.raises(TransientError, match="503"):
        _items(_adapter(url, http_retries=1), "customers")


def test_an_unreachable_server_is_transient():
    """Connection refused is worth retrying."""
    with pytest.raises(TransientError, match="cannot connect"):
        _items(_adapter("http://127.0.0.1:9/x", http_retries=0), "customers")


def test_check_lists_what_is_published(published):
    """``check`` reads the service document and names the entity sets it will read."""
    _state, url = published
    text = _adapter(url).check()
    assert "counterparties from Catalog_Контрагенты" in text
    assert "orders from Document_ЗаказКлиента" in text


def test_check_reports_an_unpublished_catalog(published):
    """``check`` fails when the counterparty catalog is not published."""
    state, url = published
    del state.entities[COUNTERPARTIES]
    with pytest.raises(PermanentError, match=r"Справочник\.Контрагенты"):
        _adapter(url).check()


def test_import_through_the_engine_resolves_customers(crm, published):
    """``crm.import_from`` stores counterparties and orders; the branch shares the INN."""
    _state, url = published
    adapter = crm.adapter("1c-odata", "erp", {"url": url, "username": USER, "password": PASSWORD})
    outcome = crm.import_from(adapter, "customers")
    assert outcome.new == 4
    orders = crm.import_from(adapter, "orders", resolve=False)
    assert orders.new == 2
    assert orders.dead_lettered == 1
    order = crm.order("УТ-000123")
    assert order.status.value == "paid"
    (customer,) = crm.order_customers(order)
    assert customer.identifiers["inn"] == "7707083893"
