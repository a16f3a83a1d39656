"""Generate the demo services' data files: ``python -m crmkit.demo.generate [FOLDER]``.

Deterministic (a fixed seed, fixed dates up to :data:`AS_OF`): running it again writes the
same bytes, and its output is committed under ``crmkit/demo/data/``. Each file is in the
format its system really serves:

- ``1c/*.json``: 1C:Enterprise OData answers (``Catalog_Контрагенты``,
  ``Document_ЗаказКлиента``, ``Catalog_Валюты``, ``Catalog_Номенклатура``);
- ``sap/customers.json``, ``sap/sales_orders.json``: BAPI structures with SAP's field names
  (``BAPICUSTOMER_04``/``BAPICUSTOMER_KNA1`` per customer, ``BAPIORDERS`` item rows);
- ``shop/customers.json``, ``shop/orders.json``, ``shop/order_notes.json`` (by order id):
  WooCommerce REST API v3 objects;
- ``phones/callbacks.txt``: Twilio voice status callbacks, one form body a line.

The same firms and people appear in several systems, spelled as each system spells them:
"Ромашка ООО" in 1C and "Romashka LLC" in SAP share ИНН 7707083893; the web-shop buyer
``ivan@romashka.ru`` orders as a guest; the caller on 8 (495) 123-45-67 is Ромашка's office.
Two records are broken on purpose, to show the dead letters.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import sys
import urllib.parse
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from anyascii import anyascii

from crmkit.demo.story import AS_OF, ROMASHKA_BUYER, ROMASHKA_INN

FIRST_DAY = dt.date(2025, 6, 2)
MOSCOW = dt.timezone(dt.timedelta(hours=3))
SEED = 20261201
FIRM_INN_DIGITS = 10
SAP_SHARE = 0.4  # of a firm's orders, when it is in SAP too
REFUND_SHARE = 0.6  # of a serial returner's orders
OPEN_DAYS = 20  # 1C orders younger than this are still open
SHIPPING_DAYS = 10  # SAP orders older than this are delivered
SHOP_OPEN_DAYS = 7  # shop orders younger than this are not completed yet
ACCOUNT_SID = "AC5e1f0d2c3b4a59687766554433221100"
COMPANY_LINE = "+74959876500"

FIRM_BASES = (
    "Василёк",
    "Лютик",
    "Берёзка",
    "Север",
    "Восток",
    "Гранит",
    "Вектор",
    "Меридиан",
    "Орион",
    "Сигма",
    "Квант",
    "Атлант",
    "Радуга",
    "Полюс",
    "Рубин",
    "Сапфир",
    "Изумруд",
    "Янтарь",
    "Кедр",
    "Сосна",
    "Олимп",
    "Зенит",
    "Импульс",
    "Прогресс",
    "Темп",
    "Ресурс",
    "Альянс",
    "Партнёр",
    "Эталон",
    "Стандарт",
    "Престиж",
    "Фаворит",
    "Лидер",
    "Старт",
    "Факел",
    "Маяк",
    "Волна",
    "Парус",
    "Гавань",
    "Причал",
    "Мост",
    "Арка",
    "Купол",
    "Фасад",
    "Кирпич",
    "Бетон",
    "Металлист",
    "Станкомаш",
    "Техснаб",
    "Промсервис",
    "Энергомонтаж",
    "Автодеталь",
    "Агроснаб",
    "Хлебодар",
    "Молочник",
    "Пекарь",
    "Фермер",
    "Садовод",
    "Лесник",
    "Рыбак",
    "Охотник",
    "Турист",
    "Спутник",
    "Ракета",
    "Комета",
    "Звезда",
    "Луч",
    "Рассвет",
    "Закат",
    "Полдень",
    "Алтай",
    "Байкал",
    "Урал",
    "Кавказ",
    "Волга",
    "Дон",
    "Нева",
    "Ока",
    "Кама",
    "Амур",
    "Енисей",
    "Обь",
    "Лена",
    "Иртыш",
)
GIVEN = (
    "Алексей",
    "Андрей",
    "Борис",
    "Виктор",
    "Дмитрий",
    "Евгений",
    "Игорь",
    "Константин",
    "Михаил",
    "Никита",
    "Олег",
    "Павел",
    "Роман",
    "Сергей",
    "Тимур",
    "Фёдор",
    "Юрий",
    "Анна",
    "Вера",
    "Галина",
    "Дарья",
    "Елена",
    "Ирина",
    "Ксения",
    "Людмила",
    "Мария",
    "Наталья",
    "Ольга",
    "Полина",
    "Светлана",
    "Татьяна",
    "Юлия",
)
FEMALE = frozenset(GIVEN[GIVEN.index("Анна") :])
FAMILY = (
    "Смирнов",
    "Иванов",
    "Кузнецов",
    "Соколов",
    "Попов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Волков",
    "Соловьёв",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьёв",
    "Фёдоров",
    "Михайлов",
    "Беляев",
    "Тарасов",
    "Белов",
    "Комаров",
    "Орлов",
    "Киселёв",
    "Макаров",
    "Андреев",
    "Ковалёв",
    "Ильин",
    "Гусев",
    "Титов",
)
STREETS = ("Ленина ул", "Мира пр-кт", "Садовая ул", "Гагарина ул", "Советская ул", "Лесная ул")
CITIES = (
    ("Москва", "101000", "77"),
    ("Санкт-Петербург", "190000", "78"),
    ("Казань", "420000", "16"),
    ("Екатеринбург", "620000", "66"),
    ("Новосибирск", "630000", "54"),
)
PRODUCTS = (
    ("KT-200", "Электрочайник KT-200", Decimal("2300.00")),
    ("MG-1", "Кружка керамическая", Decimal("350.00")),
    ("BL-7", "Блендер BL-7", Decimal("5400.00")),
    ("CF-9", "Кофемашина CF-9", Decimal("38900.00")),
    ("PN-3", "Сковорода PN-3", Decimal("1890.00")),
    ("TS-2", "Тостер TS-2", Decimal("3100.00")),
)
EQUIPMENT = (
    ("НС-40", "Насос центробежный НС-40", Decimal("48500.00")),
    ("КЛ-12", "Клапан обратный КЛ-12", Decimal("7300.00")),
    ("ТР-50", "Труба стальная ТР-50, м", Decimal("1150.00")),
    ("ФЛ-80", "Фланец ФЛ-80", Decimal("920.00")),
    ("ЭД-5", "Электродвигатель ЭД-5", Decimal("86000.00")),
)
NIL_KEY = "00000000-0000-0000-0000-000000000000"
RUB_KEY = "c0c0c0c0-1a2b-11e7-80c4-00155d000000"
KINDS = {
    "address": "ba7ec7e1-1a2b-11e7-80c4-00155d000000",
    "phone": "ba7ec7e2-1a2b-11e7-80c4-00155d000000",
    "email": "ba7ec7e3-1a2b-11e7-80c4-00155d000000",
}


def inn(rng: random.Random, digits: int = FIRM_INN_DIGITS) -> str:
    """Return a random ИНН with valid check digits (10 digits for a firm, 12 for a person)."""
    firm = digits == FIRM_INN_DIGITS
    body = [7, 7] + [rng.randrange(10) for _ in range(7 if firm else 8)]

    def check(weights: tuple[int, ...]) -> int:
        return sum(w * d for w, d in zip(weights, body, strict=False)) % 11 % 10

    if firm:
        body.append(check((2, 4, 10, 3, 5, 9, 4, 6, 8)))
    else:
        body.append(check((7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
        body.append(check((3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
    return "".join(map(str, body))


class World:
    """The demo's firms, people and what they bought and said, before any system's format."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - reproducible data, not secrets
        self.firms: list[dict[str, Any]] = []
        self.people: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self._build_firms()
        self._build_people()
        self._build_orders()
        self._build_calls()

    def uuid(self) -> str:
        """Return a deterministic 1C-style reference key."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=1))

    def phone(self, code: str = "495") -> str:
        """Return a random E.164 number in area ``code``."""
        return f"+7{code}{self.rng.randrange(1000000, 9999999)}"

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        """Return a random day from ``start`` to ``end``."""
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def _build_firms(self) -> None:
        rng = self.rng
        profiles = ["whale"] * 5 + ["regular"] * 35 + ["growing"] * 10 + ["lapsed"] * 15
        profiles += ["occasional"] * (len(FIRM_BASES) - len(profiles))
        rng.shuffle(profiles)
        romashka = {
            "name": "Ромашка",
            "form": "ООО",
            "inn": ROMASHKA_INN,
            "kpp": "773601001",
            "phone": "+74951234567",
            "email": ROMASHKA_BUYER,
            "sap_email": "orders@romashka.ru",
            "city": CITIES[0],
            "street": "Ленина ул, дом № 1, офис 5",
            "profile": "regular",
            "sap": "0000100042",
        }
        self.firms.append(romashka)
        for n, base in enumerate(FIRM_BASES):
            city = CITIES[n % len(CITIES)]
            firm = {
                "name": base,
                "form": "АО" if n % 7 == 0 else "ООО",
                "inn": inn(rng),
                "kpp": f"{city[2]}{rng.randrange(10, 99)}01001",
                "phone": self.phone("495" if city[0] == "Москва" else "812"),
                "email": f"zakaz@{anyascii(base).lower().replace(' ', '')}.ru",
                "city": city,
                "street": f"{rng.choice(STREETS)}, дом № {rng.randrange(1, 120)}",
                "profile": profiles[n],
                "sap": f"{100100 + n:010d}" if n % 2 == 0 else None,
            }
            self.firms.append(firm)

    def _build_people(self) -> None:
        rng = self.rng
        kinds = ["loyal"] * 30 + ["once"] * 40 + ["returner"] * 8 + ["caller"] * 12
        rng.shuffle(kinds)
        vorobyov = {
            "given": "Юлий",
            "family": "Воробьёв",
            "patronymic": "Андреевич",
            "phone": "+79161112233",
            "email": "yu.vorobyov@gmail.com",
            "kind": "loyal",
            "in_1c": True,
        }
        self.people.append(vorobyov)
        for n, kind in enumerate(kinds):
            given = GIVEN[n % len(GIVEN)]
            family = FAMILY[(n * 7) % len(FAMILY)]
            if given in FEMALE and family[-1] in "вн":
                family += "а"
            self.people.append(
                {
                    "given": given,
                    "family": family,
                    "patronymic": "",
                    "phone": self.phone(str(rng.choice((903, 905, 916, 926, 977)))),
                    "email": f"{anyascii(given).lower()}.{anyascii(family).lower()}{n}@mail.ru",
                    "kind": kind,
                    "in_1c": n % 9 == 0,
                }
            )

    def _dates(self, profile: str) -> list[dt.date]:
        end = AS_OF.date() - dt.timedelta(days=3)
        lapse = dt.date(2026, 3, 1)
        counts = {
            "whale": (10, 16, FIRST_DAY, end),
            "regular": (3, 7, FIRST_DAY, end),
            "growing": (3, 6, dt.date(2026, 7, 1), end),
            "lapsed": (2, 5, FIRST_DAY, lapse),
            "occasional": (1, 2, FIRST_DAY, end),
            "loyal": (3, 7, FIRST_DAY, end),
            "once": (1, 1, FIRST_DAY, end),
            "returner": (3, 5, FIRST_DAY, end),
            "caller": (1, 1, FIRST_DAY, end),
        }
        low, high, start, stop = counts[profile]
        return sorted(self.day(start, stop) for _ in range(self.rng.randint(low, high)))

    def _person_orders(self, person: dict[str, Any]) -> None:
        rng = self.rng
        for day in self._dates(person["kind"]):
            picks = rng.sample(PRODUCTS, rng.randint(1, 2))
            lines = [(sku, name, price, rng.randint(1, 3)) for sku, name, price in picks]
            if person["kind"] == "caller":  # calls a lot, buys a mug
                lines = [(sku, name, price, 1) for sku, name, price in PRODUCTS if sku == "MG-1"]
            refunded = person["kind"] == "returner" and rng.random() < REFUND_SHARE
            self.orders.append(
                {"system": "shop", "party": person, "day": day, "lines": lines, "refund": refunded}
            )

    def _build_orders(self) -> None:
        rng = self.rng
        scale = {"whale": 8, "regular": 2, "growing": 2, "lapsed": 1, "occasional": 1}
        for firm in self.firms:
            for day in self._dates(firm["profile"]):
                system = "sap" if firm["sap"] and rng.random() < SAP_SHARE else "1c"
                size = scale[firm["profile"]]
                if firm["profile"] == "growing":
                    size *= 1 + (day - dt.date(2026, 7, 1)).days // 30
                picks = rng.sample(EQUIPMENT, rng.randint(1, 3))
                lines = [(sku, name, price, rng.randint(1, 3) * size) for sku, name, price in picks]
                self.orders.append({"system": system, "party": firm, "day": day, "lines": lines})
        for person in self.people:
            self._person_orders(person)
        for day in (dt.date(2026, 9, 14), dt.date(2026, 11, 17)):
            lines = [("CF-9", "Кофемашина CF-9", Decimal("38900.00"), 2)]
            guest = {"system": "shop", "party": self.firms[0], "day": day, "lines": lines}
            self.orders.append({**guest, "guest": True})
        # the later guest order was also entered in 1C, under the shop's number
        self.orders.append({**guest, "system": "1c", "mirrors": guest})
        self.orders.sort(key=lambda o: (o["day"], o["system"]))
        numbers = {"shop": 5001, "1c": 1, "sap": 4500}
        for order in self.orders:
            order["number"] = numbers[order["system"]]
            numbers[order["system"]] += 1
        for order in self.orders:
            if "mirrors" in order:
                shop = next(o for o in self.orders if o.get("guest") and o["day"] == order["day"])
                order["shop_number"] = str(shop["number"])

    def _build_calls(self) -> None:
        rng = self.rng
        callers: list[tuple[str, int]] = [("+74951234567", 3), ("+79161112233", 2)]
        callers += [(p["phone"], rng.randint(8, 10)) for p in self.people if p["kind"] == "caller"]
        callers += [(p["phone"], 1) for p in self.people[1:40:3]]
        callers += [(f["phone"], 1) for f in self.firms[1:60:4]]
        callers += [(self.phone("499"), 1) for _ in range(5)]
        for number, count in callers:
            for _ in range(count):
                day = self.day(dt.date(2026, 6, 1), AS_OF.date() - dt.timedelta(days=1))
                at = dt.datetime.combine(day, dt.time(rng.randrange(6, 16), rng.randrange(60)))
                outcome = rng.choices(("completed", "no-answer", "busy"), (8, 2, 1))[0]
                self.calls.append(
                    {"from": number, "at": at.replace(tzinfo=dt.UTC), "status": outcome}
                )
        self.calls.sort(key=lambda c: c["at"])


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _total(lines: list[tuple[str, str, Decimal, int]]) -> Decimal:
    return sum((price * qty for _, _, price, qty in lines), Decimal(0))


def _contact(n: int, kind: str, shown: str, **fields: str) -> dict[str, str]:
    row = {
        "LineNumber": str(n),
        "Тип": {"address": "Адрес", "phone": "Телефон", "email": "АдресЭлектроннойПочты"}[kind],
        "Вид_Key": KINDS[kind],
        "Представление": shown,
        "ЗначенияПолей": "",
        "Страна": "",
        "Регион": "",
        "Город": "",
        "АдресЭП": "",
        "ДоменноеИмяСервера": "",
        "НомерТелефона": "",
        "НомерТелефонаБезКодов": "",
    }
    row.update(fields)
    return row


def _shown_phone(e164: str) -> str:
    digits = e164.removeprefix("+7")
    return f"+7 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"


def one_c(world: World) -> dict[str, Any]:
    """Return the 1C publication: entity set name → OData answer."""
    counterparties: list[dict[str, Any]] = [
        {
            "Ref_Key": "1a000000-0000-11ee-8c99-0242ac120002",
            "DataVersion": "AAAAAQAAAAA=",
            "DeletionMark": False,
            "Parent_Key": NIL_KEY,
            "IsFolder": True,
            "Code": "000000001",
            "Description": "Покупатели",
        }
    ]
    for n, firm in enumerate(world.firms, start=2):
        firm["ref"] = world.uuid()
        city, postcode, _region = firm["city"]
        contacts = [
            _contact(
                1,
                "address",
                f"{postcode}, {city} г, {firm['street']}",
                Страна="РОССИЯ",
                Регион=city,
                Город=city,
            ),
            _contact(2, "phone", _shown_phone(firm["phone"]), НомерТелефона=firm["phone"]),
            _contact(3, "email", firm["email"], АдресЭП=firm["email"]),
        ]
        full = {"ООО": "Общество с ограниченной ответственностью", "АО": "Акционерное общество"}
        counterparties.append(
            {
                "Ref_Key": firm["ref"],
                "DataVersion": "AAAAAgAAAAA=",
                "DeletionMark": False,
                "Parent_Key": "1a000000-0000-11ee-8c99-0242ac120002",
                "IsFolder": False,
                "Code": f"{n:09d}",
                "Description": f"{firm['name']} {firm['form']}",
                "НаименованиеПолное": f'{full[firm["form"]]} "{firm["name"]}"',
                "ИНН": firm["inn"],
                "КПП": firm["kpp"],
                "ЮрФизЛицо": "ЮрЛицо",
                "Партнер_Key": NIL_KEY,
                "ГоловнойКонтрагент_Key": firm["ref"],
                "Комментарий": "",
                "КонтактнаяИнформация": contacts,
            }
        )
    for n, person in enumerate((p for p in world.people if p["in_1c"]), start=200):
        person["ref"] = world.uuid()
        name = " ".join(filter(None, (person["family"], person["given"], person["patronymic"])))
        contacts = [_contact(1, "phone", _shown_phone(person["phone"]).replace("+7 ", "8 "))]
        counterparties.append(
            {
                "Ref_Key": person["ref"],
                "DataVersion": "AAAAAQAAAAA=",
                "DeletionMark": False,
                "Parent_Key": NIL_KEY,
                "IsFolder": False,
                "Code": f"{n:09d}",
                "Description": name,
                "НаименованиеПолное": name,
                "ИНН": "",
                "КПП": "",
                "ЮрФизЛицо": "ФизЛицо",
                "Партнер_Key": NIL_KEY,
                "ГоловнойКонтрагент_Key": NIL_KEY,
                "Комментарий": "",
                "КонтактнаяИнформация": contacts,
            }
        )
    products = {sku: world.uuid() for sku, _, _ in (*EQUIPMENT, *PRODUCTS)}
    orders: list[dict[str, Any]] = []
    one_c_orders = [o for o in world.orders if o["system"] == "1c"]
    for order in one_c_orders:
        n = order["number"]
        ref = world.uuid()
        recent = (AS_OF.date() - order["day"]).days < OPEN_DAYS
        lines = [
            {
                "Ref_Key": ref,
                "LineNumber": str(i),
                "Номенклатура_Key": products[sku],
                "Характеристика_Key": NIL_KEY,
                "Количество": qty,
                "КоличествоУпаковок": qty,
                "Цена": float(price),
                "Сумма": float(price * qty),
                "СтавкаНДС": "НДС20",
                "СуммаНДС": float((price * qty / 6).quantize(Decimal("0.01"))),
                "Отменено": False,
            }
            for i, (sku, _, price, qty) in enumerate(order["lines"], start=1)
        ]
        orders.append(
            {
                "Ref_Key": ref,
                "DataVersion": "AAAAFAAAAAA=",
                "DeletionMark": False,
                "Number": f"УТ-{n:06d}",
                "Date": f"{order['day'].isoformat()}T{9 + n % 8:02d}:{n * 7 % 60:02d}:00",
                "Posted": True,
                "Организация_Key": "0a0a0a0a-1a2b-11e7-80c4-00155d000000",
                "Партнер_Key": NIL_KEY,
                "Контрагент_Key": order["party"]["ref"],
                "Статус": world.rng.choice(("КОтгрузке", "Согласован")) if recent else "Закрыт",
                "Валюта_Key": RUB_KEY,
                "СуммаДокумента": float(_total(order["lines"])),
                "ЦенаВключаетНДС": True,
                "НомерПоДаннымКлиента": order.get("shop_number", ""),
                "АдресДоставки": "",
                "Комментарий": "",
                "Товары": lines,
            }
        )
    orders[7]["СуммаДокумента"] = "15 3OO,50"  # deliberately broken: letters O for zeros
    return {
        "Catalog_Контрагенты": counterparties,
        "Document_ЗаказКлиента": orders,
        "Catalog_Валюты": [
            {
                "Ref_Key": RUB_KEY,
                "DataVersion": "AAAAAQAAAAA=",
                "DeletionMark": False,
                "Code": "643",
                "Description": "руб.",
                "НаименованиеПолное": "Российский рубль",
            }
        ],
        "Catalog_Номенклатура": [
            {
                "Ref_Key": products[sku],
                "DataVersion": "AAAAAQAAAAA=",
                "DeletionMark": False,
                "Code": sku,
                "Description": name,
                "Артикул": sku,
            }
            for sku, name, _ in (*EQUIPMENT, *PRODUCTS)
        ],
    }


def _latin(firm: dict[str, Any]) -> str:
    legal = {"ООО": "LLC", "АО": "JSC"}[firm["form"]]
    return f"{anyascii(firm['name']).replace(chr(39), '')} {legal}"


def sap(world: World) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return SAP's customers (number → BAPI structures) and sales order item rows."""
    customers: dict[str, Any] = {}
    for firm in world.firms:
        if not firm["sap"]:
            continue
        city, postcode, region = firm["city"]
        digits = firm["phone"].removeprefix("+7")
        customers[firm["sap"]] = {
            "CUSTOMERADDRESS": {
                "CUSTOMER": firm["sap"],
                "TITLE": "Company",
                "NAME": _latin(firm),
                "CITY": anyascii(city),
                "POSTL_COD1": postcode,
                "STREET": anyascii(firm["street"].replace(", дом №", "")),
                "COUNTRY": "RU",
                "COUNTRYISO": "RU",
                "REGION": region,
                "LANGU": "R",
                "LANGU_ISO": "RU",
                "TELEPHONE": f"+7 {digits[:3]} {digits[3:]}",
                "E_MAIL": firm.get("sap_email", ""),
            },
            "CUSTOMERGENERALDETAIL": {
                "ACCNT_GRP": "0001",
                "TAX_NO_1": firm["inn"],
                "TAX_NO_3": firm["kpp"],
                "CREAT_DATE": "2019-03-01",
            },
        }
    customers["0000100099"] = None  # deliberately broken: listed, but its detail is refused
    rows: list[dict[str, Any]] = []
    sap_orders = [o for o in world.orders if o["system"] == "sap"]
    for order in sap_orders:
        n = order["number"]
        total = _total(order["lines"])
        delivered = (AS_OF.date() - order["day"]).days > SHIPPING_DAYS
        for item, (sku, name, price, qty) in enumerate(order["lines"], start=1):
            rows.append(
                {
                    "SD_DOC": f"{n:010d}",
                    "ITM_NUMBER": f"{item * 10:06d}",
                    "MATERIAL": anyascii(sku),
                    "SHORT_TEXT": name,
                    "DOC_TYPE": "TA",
                    "DOC_DATE": order["day"].isoformat(),
                    "REQ_QTY": f"{qty}.000",
                    "SOLD_TO": order["party"]["sap"],
                    "NAME": _latin(order["party"]),
                    "NET_PRICE": _money(price),
                    "COND_P_UNT": "1",
                    "NET_VAL_HD": _money(total),
                    "NET_VALUE": _money(price * qty),
                    "CURRENCY": "RUB",
                    "CURR_ISO": "RUB",
                    "DLV_STAT_H": "C" if delivered else "A",
                    "DLV_STAT_I": "C" if delivered else "A",
                    "DOC_STATUS": "C" if delivered else "A",
                    "SALES_ORG": "1000",
                    "DISTR_CHAN": "10",
                    "DIVISION": "00",
                    "SALES_UNIT": "ST",
                    "PURCH_NO_C": f"PO-{order['day'].year}-{n % 1000:03d}",
                }
            )
    return customers, rows


def _billing(first: str, last: str, email: str, phone: str, company: str = "") -> dict[str, str]:
    return {
        "first_name": first,
        "last_name": last,
        "company": company,
        "address_1": "ул. Ленина, 1",
        "address_2": "",
        "city": "Москва",
        "state": "",
        "postcode": "101000",
        "country": "RU",
        "email": email,
        "phone": phone,
    }


def _stamp(when: dt.datetime) -> tuple[str, str]:
    local = when.astimezone(MOSCOW).replace(tzinfo=None).isoformat()
    return local, when.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


_STEPS = {
    "on-hold": ("Pending payment", "On hold"),
    "processing": ("Pending payment", "Processing"),
    "completed": ("Pending payment", "Processing", "Shipped", "Completed"),
    "refunded": ("Pending payment", "Processing", "Shipped", "Completed", "Refunded"),
}


def order_notes(order: dict[str, Any], placed: dt.datetime) -> list[dict[str, Any]]:
    """Return an order's notes: WooCommerce writes one at each status change."""
    steps = _STEPS[order["status"]]
    notes = []
    for n, (before, after) in enumerate(itertools.pairwise(steps), start=1):
        local, gmt = _stamp(placed + dt.timedelta(hours=1 + 20 * (n - 1)))
        notes.append(
            {
                "id": order["id"] * 10 + n,
                "author": "WooCommerce",
                "date_created": local,
                "date_created_gmt": gmt,
                "note": f"Order status changed from {before} to {after}.",
                "customer_note": False,
            }
        )
    return list(reversed(notes))


def shop(
    world: World,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the WooCommerce shop's customers, orders and order notes (REST API v3 objects).

    A completed order went through the custom status ``shipped`` (as shops with a shipment
    tracking plugin have it), so its notes say when it left.
    """
    customers: list[dict[str, Any]] = []
    for n, person in enumerate(world.people, start=1045):
        person["woo"] = n
        created = dt.datetime.combine(FIRST_DAY, dt.time(10), tzinfo=dt.UTC)
        local, gmt = _stamp(created + dt.timedelta(days=n % 200))
        first, last = person["given"], person["family"]
        if n % 3 == 0:
            first, last = anyascii(first), anyascii(last)
        phone = person["phone"]
        shown = f"8 {phone[2:5]} {phone[5:8]}-{phone[8:10]}-{phone[10:]}" if n % 2 else phone
        customers.append(
            {
                "id": n,
                "date_created": local,
                "date_created_gmt": gmt,
                "date_modified": local,
                "date_modified_gmt": gmt,
                "email": person["email"],
                "first_name": first,
                "last_name": last,
                "role": "customer",
                "username": person["email"].split("@")[0],
                "billing": _billing(first, last, person["email"], shown),
                "shipping": {**_billing(first, last, "", ""), "phone": ""},
                "is_paying_customer": True,
                "avatar_url": "https://secure.gravatar.com/avatar/0?s=96&d=mm&r=g",
                "meta_data": [],
            }
        )
    orders: list[dict[str, Any]] = []
    notes: dict[str, list[dict[str, Any]]] = {}
    shop_orders = [o for o in world.orders if o["system"] == "shop"]
    for order in shop_orders:
        n = order["number"]
        party = order["party"]
        placed = dt.datetime.combine(order["day"], dt.time(8 + n % 10, n % 60), tzinfo=dt.UTC)
        local, gmt = _stamp(placed)
        m_local, m_gmt = _stamp(placed + dt.timedelta(days=2, minutes=n % 50))
        age = (AS_OF.date() - order["day"]).days
        status = (
            "completed" if age > SHOP_OPEN_DAYS else world.rng.choice(("processing", "on-hold"))
        )
        if order.get("refund"):
            status = "refunded"
        if order.get("guest"):
            billing = _billing("Иван", "Петров", ROMASHKA_BUYER, "8 (495) 123-45-67", "ООО Ромашка")
            customer_id = 0
        else:
            billing = _billing(party["given"], party["family"], party["email"], party["phone"])
            customer_id = party["woo"]
        total = _total(order["lines"])
        orders.append(
            {
                "id": n,
                "parent_id": 0,
                "number": str(n),
                "order_key": f"wc_order_{n:x}demo",
                "created_via": "checkout",
                "version": "9.3.3",
                "status": status,
                "currency": "RUB",
                "date_created": local,
                "date_created_gmt": gmt,
                "date_modified": m_local,
                "date_modified_gmt": m_gmt,
                "discount_total": "0.00",
                "shipping_total": "0.00",
                "total": _money(total),
                "total_tax": "0.00",
                "prices_include_tax": False,
                "customer_id": customer_id,
                "customer_note": "",
                "billing": billing,
                "shipping": {**billing, "email": "", "phone": ""},
                "payment_method": "cod",
                "payment_method_title": "Оплата при получении",
                "line_items": [
                    {
                        "id": n * 10 + i,
                        "name": name,
                        "product_id": 90 + i,
                        "variation_id": 0,
                        "quantity": qty,
                        "subtotal": _money(price * qty),
                        "total": _money(price * qty),
                        "total_tax": "0.00",
                        "taxes": [],
                        "meta_data": [],
                        "sku": sku,
                        "price": float(price),
                    }
                    for i, (sku, name, price, qty) in enumerate(order["lines"])
                ],
                "shipping_lines": [],
                "fee_lines": [],
                "coupon_lines": [],
                "refunds": [],
            }
        )
        notes[str(n)] = order_notes(orders[-1], placed)
    return customers, orders, notes


def callbacks(world: World) -> list[str]:
    """Return the phone system's status callbacks: a ``ringing`` and a final one per call."""
    lines: list[str] = []
    for n, call in enumerate(world.calls):
        sid = f"CA{n:04d}{uuid.UUID(int=world.rng.getrandbits(128)).hex[:28]}"
        duration = world.rng.randrange(40, 600) if call["status"] == "completed" else 0
        for status, at in (("ringing", call["at"]), (call["status"], call["at"])):
            ended = at + dt.timedelta(seconds=duration if status != "ringing" else 0)
            form = {
                "AccountSid": ACCOUNT_SID,
                "ApiVersion": "2010-04-01",
                "CallSid": sid,
                "CallStatus": status,
                "Called": COMPANY_LINE,
                "Caller": call["from"],
                "CallerCountry": "RU",
                "Direction": "inbound",
                "From": call["from"],
                "To": COMPANY_LINE,
                "Timestamp": ended.strftime("%a, %d %b %Y %H:%M:%S +0000"),
                "CallbackSource": "call-progress-events",
                "SequenceNumber": "0" if status == "ringing" else "1",
            }
            if status != "ringing":
                form["CallDuration"] = str(duration)
                form["Duration"] = str(-(-duration // 60))
            lines.append(urllib.parse.urlencode(form))
    return lines


def _rows(rows: Any) -> str:
    """Return a JSON array (or object) with one entry a line: compact, yet diffable."""
    if isinstance(rows, dict):
        inner = ",\n".join(
            f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in rows.items()
        )
        return "{\n" + inner + "\n}"
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]"


def _odata(name: str, rows: list[dict[str, Any]]) -> str:
    metadata = f"http://erp.example.ru/trade/odata/standard.odata/$metadata#{name}"
    head = json.dumps(metadata, ensure_ascii=False)
    return f'{{"odata.metadata": {head},\n"value": {_rows(rows)}}}\n'


def write(folder: Path) -> list[Path]:
    """Write every data file under ``folder``; return their paths."""
    world = World()
    files: dict[str, str] = {}
    names = {
        "Catalog_Контрагенты": "counterparties",
        "Document_ЗаказКлиента": "orders",
        "Catalog_Валюты": "currencies",
        "Catalog_Номенклатура": "products",
    }
    for entity, rows in one_c(world).items():
        files[f"1c/{names[entity]}.json"] = _odata(entity, rows)
    customers, orders = sap(world)
    files["sap/customers.json"] = _rows(customers) + "\n"
    files["sap/sales_orders.json"] = _rows(orders) + "\n"
    buyers, shop_orders, notes = shop(world)
    files["shop/order_notes.json"] = _rows(notes) + "\n"
    files["shop/customers.json"] = _rows(buyers) + "\n"
    files["shop/orders.json"] = _rows(shop_orders) + "\n"
    files["phones/callbacks.txt"] = "\n".join(callbacks(world)) + "\n"
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """Write the data files into the folder named on the command line (default: ``data/``)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path(__file__).parent / "data"
    for path in write(folder):
        sys.stdout.write(f"{path}\n")


if __name__ == "__main__":
    main()
