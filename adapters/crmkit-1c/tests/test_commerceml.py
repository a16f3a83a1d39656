"""The ``commerceml`` adapter on real-shaped CommerceML 2 files, good, broken and hostile."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from crmkit_1c.commerceml import CommerceMLAdapter

from crmkit.sdk.adapter import Checkpoint, NoProgress

DATA = Path(__file__).parent / "data"


def _read(path: Path, stream: str, cursor=None, source: str = "shop", **settings):
    adapter = CommerceMLAdapter(source, {"path": str(path), **settings})
    items, checkpoints = [], []
    for item in adapter.read(stream, cursor, NoProgress()):
        (checkpoints if isinstance(item, Checkpoint) else items).append(item)
    return items, checkpoints


def test_site_orders_map_lines_money_status_and_buyer():
    """A site's UTF-8 file: number, Moscow time to UTC, decimal strings, status word."""
    items, _ = _read(DATA / "site_orders.xml", "orders", onec_source="1c")
    first = items[0].data
    assert first["external_id"] == "1234"
    assert first["number"] == "1234"
    assert first["placed_at"] == "2026-11-02T07:15:00+00:00"
    assert first["currency"] == "RUB"
    assert first["total"] == "15300.50"
    assert first["status"] == "Принят"
    assert first["updated_at"] == "2026-11-02T07:20:00+00:00"
    assert first["customer"]["external_id"] == "17#Ромашка ООО"
    assert first["customer"]["phones"] == ["8 (495) 123-45-67"]
    assert first["lines"][0] == {
        "sku": "СО-1",
        "name": "Стол офисный СО-1",
        "quantity": "2",
        "price": "7500.25",
        "amount": "15000.50",
    }
    assert first["shipping_address"]["postcode"] == "190000"
    assert items[1].data["currency"] == "RUB"
    assert items[0].raw.startswith("<Документ>")


def test_buyers_of_documents_are_customers():
    """Counterparties inside documents: organisation with INN/KPP, guest person with e-mail."""
    items, _ = _read(DATA / "site_orders.xml", "customers")
    firm, guest = (i.data for i in items)
    assert firm["kind"] == "organization"
    assert firm["identifiers"] == {"inn": "7707083893", "kpp": "773601001"}
    assert firm["contact_name"] == "Петров Иван Сергеевич"
    assert firm["addresses"][0]["postcode"] == "101000"
    assert guest["kind"] == "person"
    assert guest["family_name"] == "Сидорова"
    assert guest["emails"] == ["anna.sidorova@mail.ru"]
    assert guest["phones"] == ["+7 916 555-44-33"]


def test_windows_1251_files_from_1c_with_namespace():
    """1C's own file: windows-1251, ``urn:1C.ru:commerceml_2``, 1C's numbers and payment."""
    items, _ = _read(DATA / "from_1c_cp1251.xml", "orders", source="1c", site_source="shop")
    (order,) = (i.data for i in items)
    assert order["number"] == "УТ-000123"
    assert order["cross_references"] == [{"source": "shop", "number": "1234"}]
    assert order["status"] == "Оплачен"
    assert order["posted"] is True
    assert order["currency"] == "RUB"
    customers, _ = _read(DATA / "from_1c_cp1251.xml", "customers", source="1c")
    names = [c.data["name"] for c in customers]
    assert names == ["Ромашка ООО", "ИП Петров Иван Сергеевич", "Ромашка ООО"]
    trader = customers[1].data
    assert trader["kind"] == "organization"
    assert trader["attributes"]["sole_trader"] is True
    assert "urn:1C.ru:commerceml_2" in customers[0].raw


def test_a_site_sees_1c_numbers_as_cross_references():
    """Read by the site's source, 1C's ``Номер по 1С`` is a cross-reference to ``1c``."""
    items, _ = _read(DATA / "from_1c_cp1251.xml", "orders", source="shop")
    assert items[0].data["number"] == "1234"
    assert items[0].data["cross_references"] == [{"source": "1c", "number": "УТ-000123"}]


def test_broken_elements_are_dead_letters_and_the_rest_is_read():
    """No Ид, a bad sum, a bad date: three reasons; the good elements still come."""
    customers, _ = _read(DATA / "broken_elements.xml", "customers")
    assert [c.error for c in customers] == ["the Контрагент has no Ид", None]
    orders, _ = _read(DATA / "broken_elements.xml", "orders")
    errors = [o.error for o in orders]
    assert errors[0] == "the Документ has no Ид"
    assert "Сумма" in errors[1]
    assert "вчера" in errors[2]
    assert errors[3] is None
    assert orders[3].data["lines"][0]["name"] == "Ручка"
    assert orders[1].position.startswith("broken_elements.xml line ")


def test_a_truncated_file_keeps_what_came_before_the_break(tmp_path):
    """A file cut mid-element: the complete documents, then one item saying where it broke."""
    text = (DATA / "site_orders.xml").read_text(encoding="utf-8")
    cut = text[: text.index("<Ид>1235</Ид>") + 30]
    (tmp_path / "cut.xml").write_text(cut, encoding="utf-8")
    items, _ = _read(tmp_path / "cut.xml", "orders")
    assert items[0].data["external_id"] == "1234"
    assert "not well-formed XML" in items[1].error


def test_billion_laughs_is_refused_without_expanding(tmp_path):
    """An entity bomb is reported, fast, and nothing is expanded."""
    lol = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE КоммерческаяИнформация [<!ENTITY lol0 "lol">'
        f"{lol}]>\n<КоммерческаяИнформация><Контрагенты><Контрагент><Ид>&lol9;</Ид>"
        "</Контрагент></Контрагенты></КоммерческаяИнформация>"
    )
    (tmp_path / "bomb.xml").write_text(bomb, encoding="utf-8")
    started = time.perf_counter()
    items, _ = _read(tmp_path / "bomb.xml", "customers")
    assert time.perf_counter() - started < 2
    (item,) = items
    assert item.data is None
    assert "DTD" in item.error


def test_a_bomb_hidden_after_a_long_comment_is_still_not_expanded(tmp_path):
    """The parser itself never resolves entities, even past the refused-prolog check."""
    comment = "<!--" + "x" * 70000 + "-->"
    bomb = (
        f'<?xml version="1.0"?>\n{comment}<!DOCTYPE r [<!ENTITY a "AAAAAAAAAA">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<КоммерческаяИнформация><Контрагенты><Контрагент><Ид>&b;</Ид>"
        "</Контрагент></Контрагенты></КоммерческаяИнформация>"
    )
    (tmp_path / "hidden.xml").write_text(bomb, encoding="utf-8")
    items, _ = _read(tmp_path / "hidden.xml", "customers")
    assert all("AAAAAAAAAA" not in (json.dumps(i.data) + i.raw) for i in items)
    assert items[0].data is None


def test_external_entities_are_never_read(tmp_path):
    """``<!ENTITY x SYSTEM "file:///...">`` does not leak the file's content."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        "<КоммерческаяИнформация><Контрагенты><Контрагент><Ид>1</Ид>"
        "<Наименование>&x;</Наименование></Контрагент></Контрагенты></КоммерческаяИнформация>"
    )
    (tmp_path / "xxe.xml").write_text(xxe, encoding="utf-8")
    items, _ = _read(tmp_path / "xxe.xml", "customers")
    assert all("TOP-SECRET" not in (json.dumps(i.data) + i.raw) for i in items)


def test_not_commerceml_is_reported(tmp_path):
    """Another XML root is one item with the reason."""
    (tmp_path / "other.xml").write_text("<rss/>", encoding="utf-8")
    (item,) = _read(tmp_path / "other.xml", "orders")[0]
    assert "not <КоммерческаяИнформация>" in item.error


def test_a_folder_is_read_incrementally_by_file(tmp_path):
    """The cursor names the last file read; a new file is read next time, the old ones not."""
    shutil.copy(DATA / "site_orders.xml", tmp_path / "a.xml")
    items, checkpoints = _read(tmp_path, "orders")
    assert len(items) == 2
    cursor = checkpoints[-1].cursor
    assert _read(tmp_path, "orders", cursor)[0] == []
    shutil.copy(DATA / "broken_elements.xml", tmp_path / "b.xml")
    later, _ = _read(tmp_path, "orders", cursor)
    assert len(later) == 4


def test_reparse_maps_a_stored_element_again():
    """A dead letter's raw element is parsed safely and mapped by today's code."""
    adapter = CommerceMLAdapter("shop", {"path": str(DATA)})
    items = [
        i for i in adapter.read("customers", None, NoProgress()) if not isinstance(i, Checkpoint)
    ]
    again = adapter.reparse("customers", items[0].raw, "x")
    assert again.data == items[0].data
    bad = adapter.reparse("customers", "<!DOCTYPE a><a/>", "y")
    assert "DTD" in bad.error


def test_import_through_crmkit_dedups_and_resolves(crm):
    """Orders and buyers are stored through crmkit; status and total come through exactly."""
    adapter = crm.adapter("commerceml", "shop", {"path": str(DATA / "site_orders.xml")})
    crm.import_from(adapter, "customers")
    crm.import_from(adapter, "orders", resolve=False)
    order = crm.order("1234")
    assert order.status.value == "confirmed"
    assert str(order.orders[0].total.amount) == "15300.50"


def test_order_events_date_payment_and_status():
    """1C's payment date is a ``paid`` step; a site's status change is dated by its requisite."""
    items, _ = _read(DATA / "from_1c_cp1251.xml", "order_events", source="1c")
    (paid,) = (i.data for i in items)
    assert paid == {
        "external_id": "1234:paid",
        "order": {"external_id": "1234"},
        "status": "Оплачен",
        "occurred_at": "2026-11-03T09:00:00+00:00",
        "note": "Номер оплаты по 1С: П-77",
    }
    site, _ = _read(DATA / "site_orders.xml", "order_events")
    assert site[0].data["external_id"] == "1234:status:Принят"
    assert site[0].data["occurred_at"] == "2026-11-02T07:20:00+00:00"


def test_windows_1251_without_a_declaration_is_still_read(tmp_path):
    """A site's file in windows-1251 with no XML declaration is not taken for UTF-8."""
    text = (DATA / "site_orders.xml").read_text(encoding="utf-8").split("\n", 1)[1]
    (tmp_path / "bare.xml").write_bytes(text.encode("cp1251"))
    items, _ = _read(tmp_path / "bare.xml", "customers")
    assert items[0].data["name"] == "Ромашка ООО"


def test_requisite_blocks_of_commerceml_2_08_are_read():
    """``РеквизитыЮрЛица`` / ``РеквизитыФизЛица`` hold the INN, names and addresses."""
    items, _ = _read(DATA / "requisites_2_08.xml", "customers")
    firm, person = (i.data for i in items)
    assert firm["kind"] == "organization"
    assert firm["identifiers"] == {"inn": "7707083893", "kpp": "773601001"}
    assert firm["attributes"]["full_name"] == 'ООО "Ромашка"'
    assert firm["addresses"][0]["postcode"] == "101000"
    assert firm["emails"] == ["info@romashka.ru"]
    assert firm["contact_name"] == "Петров Иван"
    assert person["kind"] == "person"
    assert person["family_name"] == "Сидорова"
    assert person["phones"] == ["+7 916 555-44-33"]
    assert person["addresses"][0]["line"] == "Москва, ул. Тверская, 7"
