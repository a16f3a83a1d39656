"""Writing CommerceML 2 order documents: what a web site sends 1C in answer to ``mode=query``.

The shape is the one 1C's "Обмен с сайтом" reads (schema version 2.08, no namespace, as
sites write it): one ``Документ`` per order with ``ХозОперация`` "Заказ товара", its buyer
under ``Контрагенты``, its lines under ``Товары`` and its status under
``ЗначенияРеквизитов``.
"""

from __future__ import annotations

import datetime as dt

import attrs
from lxml import etree

SCHEMA_VERSION = "2.08"


@attrs.frozen
class Party:
    """The buyer as 1C should see it: ``Ид`` 1C already knows when identity resolution found one."""

    id: str
    name: str
    full_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: str | None = None


@attrs.frozen
class Line:
    """One order line: ``Ид`` and name of the product, unit price and quantity (decimal text)."""

    id: str
    name: str
    price: str
    quantity: str
    amount: str


@attrs.frozen
class OrderDocument:
    """One order to write; ``placed_at`` is aware and written in ``zone``'s local time."""

    id: str
    number: str
    placed_at: dt.datetime
    currency: str
    total: str
    buyer: Party
    lines: tuple[Line, ...] = ()
    status: str | None = None
    cancelled: bool = False
    shipping_address: str | None = None
    comment: str | None = None


def _add(parent: etree._Element, name: str, value: str | None) -> etree._Element | None:
    if value is None or value == "":
        return None
    element = etree.SubElement(parent, name)
    element.text = value
    return element


def _requisite(parent: etree._Element, name: str, value: str) -> None:
    item = etree.SubElement(parent, "ЗначениеРеквизита")
    _add(item, "Наименование", name)
    _add(item, "Значение", value)


def _party(parent: etree._Element, party: Party) -> None:
    element = etree.SubElement(etree.SubElement(parent, "Контрагенты"), "Контрагент")
    _add(element, "Ид", party.id)
    _add(element, "Наименование", party.name)
    _add(element, "Роль", "Покупатель")
    _add(element, "ПолноеНаименование", party.full_name or party.name)
    if party.kpp:
        _add(element, "ОфициальноеНаименование", party.full_name or party.name)
    _add(element, "ИНН", party.inn)
    _add(element, "КПП", party.kpp)
    if party.address:
        address = etree.SubElement(element, "АдресРегистрации")
        _add(address, "Представление", party.address)
    if party.phones or party.emails:
        contacts = etree.SubElement(element, "Контакты")
        for kind, values in (("ТелефонРабочий", party.phones), ("Почта", party.emails)):
            for value in values:
                contact = etree.SubElement(contacts, "Контакт")
                _add(contact, "Тип", kind)
                _add(contact, "Значение", value)


def _document(root: etree._Element, order: OrderDocument, zone: dt.tzinfo) -> None:
    element = etree.SubElement(root, "Документ")
    local = order.placed_at.astimezone(zone)
    _add(element, "Ид", order.id)
    _add(element, "Номер", order.number)
    _add(element, "Дата", local.date().isoformat())
    _add(element, "ХозОперация", "Заказ товара")
    _add(element, "Роль", "Продавец")
    _add(element, "Валюта", order.currency)
    _add(element, "Курс", "1")
    _add(element, "Сумма", order.total)
    _party(element, order.buyer)
    _add(element, "Время", local.time().replace(microsecond=0).isoformat())
    _add(element, "Комментарий", order.comment)
    goods = etree.SubElement(element, "Товары")
    for line in order.lines:
        item = etree.SubElement(goods, "Товар")
        _add(item, "Ид", line.id)
        _add(item, "Наименование", line.name)
        unit = _add(item, "БазоваяЕдиница", "шт")
        if unit is not None:
            unit.set("Код", "796")
            unit.set("НаименованиеПолное", "Штука")
            unit.set("МеждународноеСокращение", "PCE")
        _add(item, "ЦенаЗаЕдиницу", line.price)
        _add(item, "Количество", line.quantity)
        _add(item, "Сумма", line.amount)
    values = etree.SubElement(element, "ЗначенияРеквизитов")
    _requisite(values, "Отменен", "true" if order.cancelled else "false")
    if order.status:
        _requisite(values, "Статус заказа", order.status)
    if order.shipping_address:
        _requisite(values, "Адрес доставки", order.shipping_address)


def orders_document(
    orders: list[OrderDocument], zone: dt.tzinfo, *, created: dt.datetime | None = None
) -> bytes:
    """Return a ``КоммерческаяИнформация`` holding ``orders``, as UTF-8 XML with a declaration."""
    moment = (created or dt.datetime.now(dt.UTC)).astimezone(zone).replace(microsecond=0)
    root = etree.Element("КоммерческаяИнформация")
    root.set("ВерсияСхемы", SCHEMA_VERSION)
    root.set("ДатаФормирования", moment.replace(tzinfo=None).isoformat())
    for order in orders:
        _document(root, order, zone)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
