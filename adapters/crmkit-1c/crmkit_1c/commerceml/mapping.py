"""CommerceML 2 elements (``Контрагент``, ``Документ``) in crmkit's generic formats.

Element names follow CommerceML 2.03–2.10 as 1C and web-site engines write them; a file
from 1C carries the ``urn:1C.ru:commerceml_2`` namespace, a site's often none, so elements
are matched by local name. Every function raises :class:`~crmkit_1c._values.BadRecord` with
the reason when an element cannot become a record.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import attrs

from crmkit_1c._parties import address_record, clean, legal_kind, party_record
from crmkit_1c._values import BadRecord, amount, currency_code, local_time
from crmkit_1c.commerceml.reader import local

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lxml import etree

#: ``ХозОперация`` of a customer order.
ORDER_OPERATION = "Заказ товара"
_BUYER_ROLES = frozenset({"покупатель", "buyer"})
_STATUS_PREFIX = re.compile(r"^\[[^\]]*\]\s*")
_TRUE = frozenset({"true", "истина", "да", "1", "yes"})


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """Yield the child elements called ``name`` (any namespace)."""
    return (c for c in element if local(c) == name)


def child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """Return the first element along ``path`` below ``element``, or ``None``."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next(children(current, name), None)
    return current


def within(element: etree._Element, name: str) -> etree._Element:
    """Return the child container ``name`` of ``element``, or ``element`` itself if it has none."""
    found = child(element, name)
    return found if found is not None else element


def text(element: etree._Element | None, *path: str) -> str | None:
    """Return the trimmed text of the element along ``path``, or ``None`` if empty."""
    found = child(element, *path) if path else element
    return clean(found.text) if found is not None else None


def requisites(element: etree._Element) -> dict[str, str]:
    """Return ``ЗначенияРеквизитов`` as ``{Наименование: Значение}`` (first value wins)."""
    pairs = [
        (text(item, "Наименование"), text(item, "Значение"))
        for item in children(within(element, "ЗначенияРеквизитов"), "ЗначениеРеквизита")
    ]
    return {name: value for name, value in reversed(pairs) if name and value is not None}


def is_true(value: str | None) -> bool:
    """Return True for ``true``/``Истина``/``да``/``1`` (CommerceML writes booleans as text)."""
    return bool(value) and (value or "").casefold() in _TRUE


def _address(element: etree._Element | None) -> dict[str, str]:
    if element is None:
        return {}
    fields = {text(f, "Тип"): text(f, "Значение") for f in children(element, "АдресноеПоле")}
    return address_record(
        text(element, "Представление"),
        postcode=fields.get("Почтовый индекс"),
        city=fields.get("Город") or fields.get("Населенный пункт"),
        region=fields.get("Регион"),
        country=fields.get("Страна"),
    )


def contacts(element: etree._Element) -> dict[str, list[str]]:
    """Return ``phones``, ``emails`` and ``websites`` of an element's ``Контакты``.

    The contact ``Тип`` says which: any kind of ``Телефон`` (``Телефон рабочий``,
    ``ТелефонРабочий``, ``Телефон мобильный``), ``Почта`` or ``Электронная почта``, ``Сайт``.
    """
    found: dict[str, list[str]] = {"phones": [], "emails": [], "websites": []}
    box = within(element, "Контакты")
    entries = [c for c in box if local(c) in {"Контакт", "КонтактнаяИнформация"}]
    for contact in entries:
        kind = (text(contact, "Тип") or "").casefold()
        value = text(contact, "Значение")
        if not value:
            continue
        if "телефон" in kind or "phone" in kind:
            found["phones"].append(value)
        elif "почт" in kind or "mail" in kind:
            found["emails"].append(value)
        elif "сайт" in kind or "web" in kind:
            found["websites"].append(value)
    return found


_LEGAL = "РеквизитыЮрЛица"
_NATURAL = "РеквизитыФизЛица"


def counterparty_record(element: etree._Element) -> dict[str, Any]:
    """Return the generic customer record of a ``Контрагент`` element.

    ``Ид`` is the external id. Details are read from the element itself and from its
    ``РеквизитыЮрЛица`` / ``РеквизитыФизЛица`` blocks (CommerceML 2.05+). Those blocks, a
    ``КПП``, ``ОфициальноеНаименование`` or ``ЮридическийАдрес`` make an organisation;
    ``РеквизитыФизЛица`` or ``Фамилия``/``Имя`` a person; ``ИП`` in the name a sole trader.
    The first representative (``Представители``) is the contact person.
    """
    key = text(element, "Ид")
    if not key:
        raise BadRecord("the Контрагент has no Ид")
    legal, natural = child(element, _LEGAL), child(element, _NATURAL)
    blocks = [b for b in (element, legal, natural) if b is not None]

    def pick(name: str) -> str | None:
        return next((v for b in blocks if (v := text(b, name))), None)

    def first(name: str) -> etree._Element | None:
        return next((found for b in blocks if (found := child(b, name)) is not None), None)

    name = pick("Наименование")
    official = pick("ОфициальноеНаименование")
    full_name = official or pick("ПолноеНаименование")
    inn, kpp = pick("ИНН"), pick("КПП")
    word = None
    if legal is not None or kpp or official or first("ЮридическийАдрес") is not None:
        word = "ЮрЛицо"
    elif natural is not None or pick("Фамилия") or pick("Имя"):
        word = "ФизЛицо"
    found = contacts(element)
    places = (first(n) for n in ("ЮридическийАдрес", "АдресРегистрации", "Адрес"))
    role = text(element, "Роль")
    return party_record(
        key,
        kind=legal_kind(word, name or full_name, inn),
        name=name,
        full_name=full_name,
        inn=inn,
        kpp=kpp,
        phones=found["phones"],
        emails=found["emails"],
        addresses=[_address(place) for place in places if place is not None],
        website=next(iter(found["websites"]), None),
        contact_name=representative(element),
        given_name=pick("Имя"),
        family_name=pick("Фамилия"),
        attributes={"role": role} if role else None,
    )


def representative(element: etree._Element) -> str | None:
    """Return the name of a counterparty's first representative (its contact person)."""
    agent = child(element, "Представители", "Представитель")
    if agent is None:
        return None
    return text(agent, "Контрагент", "Наименование") or text(agent, "Наименование")


def buyer(document: etree._Element) -> etree._Element | None:
    """Return the document's buyer: the ``Контрагент`` of ``Роль`` Покупатель, or the first."""
    parties = list(children(within(document, "Контрагенты"), "Контрагент"))
    for party in parties:
        if (text(party, "Роль") or "").casefold() in _BUYER_ROLES:
            return party
    return parties[0] if parties else None


@attrs.frozen
class OrderContext:
    """What mapping an order needs beyond the element.

    ``source`` is the crmkit source reading the file; ``onec_source`` the source name 1C's
    numbers belong to (``Номер по 1С``); ``site_source`` the site's, when this source is 1C.
    """

    source: str
    zone: dt.tzinfo
    default_currency: str = "RUB"
    onec_source: str = "1c"
    site_source: str | None = None


def order_status(values: dict[str, str]) -> tuple[str | None, str | None]:
    """Return the order's status word and the requisite dating it (see ``docs/adapters/1c.md``).

    ``Отменен`` wins; then ``Статус заказа`` (a site's ``[N] Принят`` prefix dropped, dated
    by ``Дата изменения статуса``); then what 1C's dates say: shipped (``Дата отгрузки по
    1С``), paid (``Дата оплаты по 1С``, ``Заказ оплачен``), accepted (``Проведен``).
    """
    if is_true(values.get("Отменен")):
        return "Отменен", values.get("Дата изменения статуса")
    status = values.get("Статус заказа")
    if status:
        changed = values.get("Дата изменения статуса")
        return _STATUS_PREFIX.sub("", status).strip() or None, changed
    if values.get("Дата отгрузки по 1С") or values.get("Номер отгрузки по 1С"):
        return "Отгружен", values.get("Дата отгрузки по 1С")
    if values.get("Дата оплаты по 1С") or is_true(values.get("Заказ оплачен")):
        return "Оплачен", values.get("Дата оплаты по 1С")
    if is_true(values.get("Проведен")):
        return "Принят", None
    return None, None


def requisite_time(value: str | None, zone: dt.tzinfo) -> str | None:
    """Return a requisite's local date and time in ``zone`` as RFC 3339 UTC, or ``None``.

    Accepts ``2026-11-03T12:00:00``, ``2026-11-03 12:00:00`` and ``03.11.2026 12:00:00``.
    """
    if not value:
        return None
    text = value.strip()
    found = re.match(r"^(\d{2})\.(\d{2})\.(\d{4})(?:\s+(\d{1,2}:\d{2}(?::\d{2})?))?$", text)
    if found:
        day, month, year, clock = found.groups()
        text = f"{year}-{month}-{day}T{(clock or '00:00:00').zfill(8)}"
    return local_time(text.replace(" ", "T", 1), zone)


def document_time(document: etree._Element, zone: dt.tzinfo) -> str | None:
    """Return ``Дата`` with ``Время`` (local, in ``zone``) as RFC 3339 UTC, or ``None``."""
    date = text(document, "Дата")
    if not date:
        return None
    moment = date if "T" in date else f"{date}T{text(document, 'Время') or '00:00:00'}"
    found = local_time(moment, zone)
    if found is None:
        raise BadRecord(f"Дата/Время {moment!r} is not a date and time")
    return found


def order_record(document: etree._Element, context: OrderContext) -> dict[str, Any]:
    """Return the generic order record of a ``Документ`` (``ХозОперация`` "Заказ товара").

    ``Ид`` is the external id. In a site's file the record's number is ``Номер`` and 1C's
    ``Номер по 1С`` becomes a cross-reference to ``onec_source``; when the reading source
    *is* ``onec_source`` (files 1C sent), the number is 1C's and the site's ``Номер`` the
    cross-reference (to ``site_source``, if set).
    """
    key = text(document, "Ид")
    if not key:
        raise BadRecord("the Документ has no Ид")
    values = requisites(document)
    number, references = _numbers(text(document, "Номер"), values.get("Номер по 1С"), context)
    party = buyer(document)
    status, dated_by = order_status(values)
    address = values.get("Адрес доставки")
    record: dict[str, Any] = {
        "external_id": key,
        "number": number,
        "cross_references": references or None,
        "placed_at": document_time(document, context.zone),
        "currency": currency_code(text(document, "Валюта")) or context.default_currency,
        **_money(document, "Сумма", "total"),
        "customer": _customer(party) if party is not None else None,
        "lines": [_line(item, n) for n, item in enumerate(_goods(document), start=1)],
        "status": status,
        "updated_at": requisite_time(dated_by, context.zone) if status else None,
        "shipping_address": address_record(address) if address else None,
        "deleted": True if is_true(values.get("ПометкаУдаления")) else None,
        "posted": is_true(values["Проведен"]) if "Проведен" in values else None,
        "comment": text(document, "Комментарий"),
    }
    return {k: v for k, v in record.items() if v is not None}


def _numbers(
    own: str | None, onec: str | None, context: OrderContext
) -> tuple[str | None, list[dict[str, str]]]:
    """Return the record's number and its cross-references (see :func:`order_record`)."""
    if context.source == context.onec_source:
        if onec and own and own != onec and context.site_source:
            return onec, [{"source": context.site_source, "number": own}]
        return onec or own, []
    if onec and onec != own:
        return own, [{"source": context.onec_source, "number": onec}]
    return own, []


def _goods(document: etree._Element) -> list[etree._Element]:
    return list(children(within(document, "Товары"), "Товар"))


def _money(element: etree._Element, name: str, key: str) -> dict[str, str]:
    value = text(element, name)
    if value is None:
        return {}
    try:
        return {key: amount(value) or ""}
    except BadRecord as exc:
        raise BadRecord(f"{name}: {exc}") from None


def _customer(party: etree._Element) -> dict[str, Any]:
    found = contacts(party)
    named = {
        "external_id": text(party, "Ид"),
        "name": text(party, "Наименование") or text(party, "ПолноеНаименование"),
    }
    customer: dict[str, Any] = {k: v for k, v in named.items() if v}
    if found["phones"]:
        customer["phones"] = found["phones"]
    if found["emails"]:
        customer["emails"] = found["emails"]
    return customer


def _line(item: etree._Element, number: int) -> dict[str, Any]:
    line: dict[str, Any] = {}
    sku = text(item, "Артикул") or text(item, "Ид")
    if sku:
        line["sku"] = sku
    name = text(item, "Наименование")
    if name:
        line["name"] = name
    try:
        line.update(_money(item, "Количество", "quantity"))
        line.update(_money(item, "ЦенаЗаЕдиницу", "price"))
        line.update(_money(item, "Сумма", "amount"))
    except BadRecord as exc:
        raise BadRecord(f"Товар {number}: {exc}") from None
    return line


def operation(document: etree._Element) -> str | None:
    """Return the document's ``ХозОперация`` (``Заказ товара``, ``Отпуск товара``...)."""
    return text(document, "ХозОперация")


#: Requisites that date a step of the order in 1C: (date, number, status word, event id suffix).
_STEPS = (
    ("Дата оплаты по 1С", "Номер оплаты по 1С", "Оплачен", "paid"),
    ("Дата отгрузки по 1С", "Номер отгрузки по 1С", "Отгружен", "shipped"),
)


def order_events(document: etree._Element, context: OrderContext) -> list[dict[str, Any]]:
    """Return the generic order events a ``Документ`` dates: payment, shipment, status.

    1C writes when an order was paid (``Дата оплаты по 1С``) and shipped (``Дата отгрузки по
    1С``), each with its document number (kept as the event's note); a site writes when its
    ``Статус заказа`` last changed. Each becomes one event of the order ``Ид``; its
    external id (``<Ид>:paid``, ``<Ид>:shipped``, ``<Ид>:status:<word>``) makes a repeat
    of the same file add nothing.
    """
    key = text(document, "Ид")
    if not key:
        raise BadRecord("the Документ has no Ид")
    values = requisites(document)
    order = {"external_id": key}
    events: list[dict[str, Any]] = []
    for date, number, word, suffix in _STEPS:
        when = requisite_time(values.get(date), context.zone)
        if when:
            event = {"external_id": f"{key}:{suffix}", "order": order, "status": word}
            event["occurred_at"] = when
            if values.get(number):
                event["note"] = f"{number}: {values[number]}"
            events.append(event)
    status, dated_by = order_status(values)
    when = requisite_time(dated_by, context.zone)
    if status and when and not any(e["status"] == status for e in events):
        events.append(
            {
                "external_id": f"{key}:status:{status}",
                "order": order,
                "status": status,
                "occurred_at": when,
            }
        )
    return events
