"""Messy multi-source Russian/Latin customer data with ground truth, for identity resolution.

:func:`generate` returns a :class:`MessyDataset`: generic customer records (the format of
:class:`crmkit.schemas.CustomerRecordSchema`) from five sources, each record labelled with the
real customer it describes, and the scores of a predicted clustering against that truth::

    from crmkit.testing.messy import generate

    data = generate(50_000, seed=0)          # ~2.8 records per customer, in about 3 s
    for source, record in data.records:      # source in {"1c", "sap", "shop", "pbx", "manual"}
        ...                                  # feed crm.ingest_customers(source, [record, ...])
    precision, recall, f1 = data.pairwise_scores(predicted_clusters)

A baseline for orientation: three exact rules — the same normalised phone (E.164) OR the same
e-mail (trimmed, lower-cased) OR the same INN with valid check digits links two records,
closed transitively — score pairwise F1 ≈ 0.80 on ``generate(50_000)`` (precision ≈ 0.85,
recall ≈ 0.76) when placeholder values (``test@test.ru``, INN ``0000000000``,
``+7 (999) 999-99-99``…) are ignored, and ≈ 0.42 without that guard (0.68 at 10,000
customers: the clusters glued by a placeholder grow quadratically). Households and
business-centre switchboards cost the precision; records that share no phone, e-mail or INN
with the rest of their customer's records (name, address and birth date only) cost the
recall.

Sources and their habits
------------------------
``1c``
    Cyrillic; organisations as ``ООО «Ромашка»`` with INN (valid check digits), KPP, some
    OGRN; people as ``Фамилия Имя Отчество``; phones like ``8 (495) 123-45-67``; addresses
    like ``г. Москва, ул. Ленина, д. 1``; branches of a firm as separate counterparties with
    the firm's INN and their own KPP; the odd duplicate counterparty.
``sap``
    Latin, transliterated by different systems (Yulia/Iuliia/Julia, Vorobyov/Vorobev/Worobjow;
    ``Romashka LLC``/``OOO Romashka``); 10-digit zero-padded customer numbers; phones like
    ``+7 495 1234567``; INN missing from about a third of the organisations.
``shop``
    Web-shop buyers: given and family names typed in Latin or Cyrillic, e-mails with case
    variants, gmail ``+tags`` and dots, phones like ``74951234567`` or ``+7 (916) …``,
    sometimes only an e-mail; guest buyers appear several times under different ids.
``pbx``
    Caller records of a phone system: the caller's number and at most a caller-id string.
``manual``
    Typed by hand: swapped and missing letters, diminutives (Саша for Александр), name order
    ``Петров Иван`` or ``Иван Петров``, patronymics present or not, mistyped digits.

Traps, in realistic proportions (tags in :attr:`Entity.traps`)
--------------------------------------------------------------
``household``
    Spouses and children: one family name (Петров/Петрова), one home phone and address,
    different given names and birth dates — different customers; some share a family e-mail.
``namesake``
    The same full name in another city, with another phone, e-mail and birth date.
``same_name_firm``
    ``ООО «Ромашка»`` beside ``ООО «Ромашка-Трейд»``, or the same name in two cities, with
    different INNs (the finite name pool adds many more same-name firms, as in real life).
``business_centre``
    Tenants of one business centre whose records carry the centre's switchboard number (and
    people who give it as their work phone): the number links nothing by itself.
``shared_mailbox``
    Tenants that give the centre's role mailbox (``info@bc-….ru``) as their e-mail.
``branches``
    A firm with branches: one INN, several KPPs, cities, phones. **Branches are the same
    customer entity**: the same INN is the same legal entity.
``placeholder``
    A record with a placeholder value: INN ``0000000000`` (whose check digit is valid), ``-``,
    ``null``, phone ``+7 (999) 999-99-99``, e-mail ``test@test.ru``…
``pbx_phone_only``
    A person whose PBX record has only their own (unique) phone, and who appears elsewhere:
    it must be linked by that phone alone.
``guest_repeat``, ``individual_entrepreneur``
    Shop buyers with several guest records; sole traders (ИП, 12-digit INN).

Everything is deterministic for a seed; records come in shuffled chunks and are produced as
a stream (:func:`iter_records`, :func:`iter_labelled`), so a million records need no more
memory than the caller keeps. Only the standard library and python-stdnum are used.
"""

# ruff: noqa: PLR2004, S311
# The literal probabilities are the data's description (PLR2004); the random numbers make
# test data, never secrets (S311).
from __future__ import annotations

import bisect
import functools
import gc
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

__all__ = [
    "SOURCES",
    "TRAPS",
    "Entity",
    "MessyDataset",
    "generate",
    "iter_labelled",
    "iter_records",
    "pairwise_scores",
    "transliterate",
]

Key = tuple[str, str]
Record = dict[str, Any]

SOURCES: Final = ("1c", "sap", "shop", "pbx", "manual")
TRAPS: Final = (
    "household",
    "namesake",
    "same_name_firm",
    "business_centre",
    "shared_mailbox",
    "branches",
    "placeholder",
    "pbx_phone_only",
    "guest_repeat",
    "individual_entrepreneur",
)

# How a unit of generation is drawn: (kind, probability). A unit is one or more entities.
_UNITS: Final = (
    ("person", 0.585),
    ("household", 0.057),
    ("namesakes", 0.016),
    ("org", 0.287),
    ("branches", 0.025),
    ("same_name", 0.022),
    ("business_centre", 0.006),
)
# How many sources an entity appears in: 1..5.
_SOURCE_COUNT_WEIGHTS: Final = (0.22, 0.30, 0.25, 0.14, 0.09)
_PERSON_SOURCES: Final = (
    ("shop", 0.50),
    ("1c", 0.30),
    ("pbx", 0.30),
    ("manual", 0.22),
    ("sap", 0.1),
)
_ORG_SOURCES: Final = (("1c", 0.65), ("sap", 0.40), ("pbx", 0.25), ("manual", 0.20), ("shop", 0.12))
_PERSON_SOURCE_TOTAL: Final = sum(w for _, w in _PERSON_SOURCES)
_ORG_SOURCE_TOTAL: Final = sum(w for _, w in _ORG_SOURCES)
_PLACEHOLDER_SHARE: Final = 0.012
_CHUNK_ENTITIES: Final = 2048

# --- name pools ------------------------------------------------------------------------------

# (name, diminutives, patronymic masculine, patronymic feminine, popular Latin spellings)
_MALE: Final = (
    ("Александр", ("Саша", "Шура"), "Александрович", "Александровна", ("Alexander", "Aleksandr")),
    ("Алексей", ("Лёша", "Алёша"), "Алексеевич", "Алексеевна", ("Alexey", "Aleksei", "Alexei")),
    ("Андрей", ("Андрюша",), "Андреевич", "Андреевна", ("Andrey", "Andrei")),
    ("Антон", ("Тоша",), "Антонович", "Антоновна", ("Anton",)),
    ("Артём", ("Тёма",), "Артёмович", "Артёмовна", ("Artem", "Artyom")),
    ("Борис", ("Боря",), "Борисович", "Борисовна", ("Boris",)),
    ("Вадим", ("Вадик",), "Вадимович", "Вадимовна", ("Vadim",)),
    ("Валерий", ("Валера",), "Валерьевич", "Валерьевна", ("Valery", "Valeriy", "Valerii")),
    ("Василий", ("Вася",), "Васильевич", "Васильевна", ("Vasily", "Vasiliy", "Vasilii")),
    ("Виктор", ("Витя",), "Викторович", "Викторовна", ("Victor", "Viktor")),
    ("Владимир", ("Вова", "Володя"), "Владимирович", "Владимировна", ("Vladimir",)),
    ("Вячеслав", ("Слава",), "Вячеславович", "Вячеславовна", ("Vyacheslav", "Viacheslav")),
    ("Георгий", ("Жора", "Гоша"), "Георгиевич", "Георгиевна", ("Georgy", "Georgii", "George")),
    ("Денис", ("Дениска",), "Денисович", "Денисовна", ("Denis",)),
    ("Дмитрий", ("Дима",), "Дмитриевич", "Дмитриевна", ("Dmitry", "Dmitriy", "Dmitrii")),
    ("Евгений", ("Женя",), "Евгеньевич", "Евгеньевна", ("Evgeny", "Yevgeniy", "Eugene")),
    ("Егор", ("Егорка",), "Егорович", "Егоровна", ("Egor", "Yegor")),
    ("Иван", ("Ваня",), "Иванович", "Ивановна", ("Ivan",)),
    ("Игорь", ("Игорёк",), "Игоревич", "Игоревна", ("Igor",)),
    ("Илья", ("Илюша",), "Ильич", "Ильинична", ("Ilya", "Ilia", "Ilja")),
    ("Кирилл", ("Киря",), "Кириллович", "Кирилловна", ("Kirill", "Cyril")),
    ("Константин", ("Костя",), "Константинович", "Константиновна", ("Konstantin",)),
    ("Максим", ("Макс",), "Максимович", "Максимовна", ("Maxim", "Maksim")),
    ("Михаил", ("Миша",), "Михайлович", "Михайловна", ("Mikhail", "Michael")),
    ("Николай", ("Коля",), "Николаевич", "Николаевна", ("Nikolay", "Nikolai")),
    ("Олег", ("Олежка",), "Олегович", "Олеговна", ("Oleg",)),
    ("Павел", ("Паша",), "Павлович", "Павловна", ("Pavel", "Paul")),
    ("Пётр", ("Петя",), "Петрович", "Петровна", ("Petr", "Pyotr", "Peter")),
    ("Роман", ("Рома",), "Романович", "Романовна", ("Roman",)),
    ("Руслан", ("Руся",), "Русланович", "Руслановна", ("Ruslan",)),
    ("Сергей", ("Серёжа",), "Сергеевич", "Сергеевна", ("Sergey", "Sergei", "Serge")),
    ("Станислав", ("Стас",), "Станиславович", "Станиславовна", ("Stanislav",)),
    ("Степан", ("Стёпа",), "Степанович", "Степановна", ("Stepan",)),
    ("Тимур", ("Тима",), "Тимурович", "Тимуровна", ("Timur",)),
    ("Фёдор", ("Федя",), "Фёдорович", "Фёдоровна", ("Fedor", "Fyodor")),
    ("Юрий", ("Юра",), "Юрьевич", "Юрьевна", ("Yury", "Yuri", "Iurii")),
    ("Ярослав", ("Слава",), "Ярославович", "Ярославовна", ("Yaroslav", "Iaroslav")),
)
# (name, diminutives, popular Latin spellings)
_FEMALE: Final = (
    ("Александра", ("Саша",), ("Alexandra", "Aleksandra")),
    ("Алина", ("Аля",), ("Alina",)),
    ("Анастасия", ("Настя",), ("Anastasia", "Anastasiya", "Anastasiia")),
    ("Анна", ("Аня",), ("Anna",)),
    ("Валентина", ("Валя",), ("Valentina",)),
    ("Вера", ("Верочка",), ("Vera",)),
    ("Виктория", ("Вика",), ("Victoria", "Viktoriya", "Viktoriia")),
    ("Галина", ("Галя",), ("Galina",)),
    ("Дарья", ("Даша",), ("Daria", "Darya", "Dariya")),
    ("Евгения", ("Женя",), ("Evgenia", "Evgeniya", "Evgeniia")),
    ("Екатерина", ("Катя",), ("Ekaterina", "Yekaterina", "Katerina")),
    ("Елена", ("Лена",), ("Elena", "Yelena", "Helen")),
    ("Елизавета", ("Лиза",), ("Elizaveta", "Yelizaveta")),
    ("Ирина", ("Ира",), ("Irina",)),
    ("Ксения", ("Ксюша",), ("Ksenia", "Kseniya", "Kseniia")),
    ("Лариса", ("Лара",), ("Larisa",)),
    ("Любовь", ("Люба",), ("Lyubov", "Liubov")),
    ("Людмила", ("Люда",), ("Lyudmila", "Liudmila", "Ludmila")),
    ("Марина", ("Мариша",), ("Marina",)),
    ("Мария", ("Маша",), ("Maria", "Mariya", "Mariia")),
    ("Надежда", ("Надя",), ("Nadezhda",)),
    ("Наталья", ("Наташа",), ("Natalia", "Natalya", "Nataliya")),
    ("Нина", ("Ниночка",), ("Nina",)),
    ("Оксана", ("Ксана",), ("Oksana",)),
    ("Ольга", ("Оля",), ("Olga",)),
    ("Полина", ("Поля",), ("Polina",)),
    ("Светлана", ("Света",), ("Svetlana",)),
    ("София", ("Соня",), ("Sofia", "Sofiya", "Sophia")),
    ("Тамара", ("Тома",), ("Tamara",)),
    ("Татьяна", ("Таня",), ("Tatiana", "Tatyana", "Tatjana")),
    ("Юлия", ("Юля",), ("Julia", "Yulia", "Iuliia", "Yuliya")),
    ("Яна", ("Яночка",), ("Yana", "Iana")),
)
# Masculine forms, roughly by frequency (the feminine form is derived).
_FAMILY: Final = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
    "Родионов",
    "Коновалов",
    "Лазарев",
    "Воронин",
    "Климов",
    "Филатов",
    "Пономарёв",
    "Голубев",
    "Кудрявцев",
    "Прохоров",
    "Наумов",
    "Потапов",
    "Журавлёв",
    "Овчинников",
    "Трофимов",
    "Леонов",
    "Соболев",
    "Ермаков",
    "Колесников",
    "Гончаров",
    "Емельянов",
    "Никифоров",
    "Грачёв",
    "Котов",
    "Гришин",
    "Ефремов",
    "Архипов",
    "Громов",
    "Кириллов",
    "Малышев",
    "Панов",
    "Моисеев",
    "Румянцев",
    "Акимов",
    "Кондратьев",
    "Бирюков",
    "Горбунов",
    "Анисимов",
    "Ершов",
    "Шубин",
    "Вишневский",
    "Завадский",
    "Высоцкий",
    "Ковальский",
    "Шевченко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Черных",
    "Седых",
    "Толстой",
    "Ким",
    "Цой",
]
_ORG_ROOTS: Final = [
    "Ромашка",
    "Василёк",
    "Вектор",
    "Альянс",
    "Гарант",
    "Меридиан",
    "Прогресс",
    "Сфера",
    "Импульс",
    "Феникс",
    "Атлант",
    "Орион",
    "Гефест",
    "Сигма",
    "Дельта",
    "Квант",
    "Монолит",
    "Бастион",
    "Авангард",
    "Восток",
    "Заря",
    "Рассвет",
    "Радуга",
    "Успех",
    "Лидер",
    "Стандарт",
    "Профиль",
    "Эталон",
    "Магистраль",
    "Форвард",
    "Горизонт",
    "Кристалл",
    "Фаворит",
    "Триумф",
    "Олимп",
    "Титан",
    "Полюс",
    "Старт",
    "Интеграл",
    "Спектр",
    "Капитал",
    "Партнёр",
    "Регион",
    "Контур",
    "Альфа",
    "Омега",
    "Гамма",
    "Континент",
    "Альтаир",
    "Вега",
    "Сириус",
    "Зенит",
    "Пульс",
    "Ресурс",
    "Технолог",
    "Техносервис",
    "Стройинвест",
    "Стройтех",
    "Промтех",
    "Промснаб",
    "Агроснаб",
    "Электрон",
    "Энергия",
    "Теплосеть",
    "Металлист",
    "Металлторг",
    "Мебельщик",
    "Пекарь",
    "Молочник",
    "Фермер",
    "Садовод",
    "Автомир",
    "Автодор",
    "Трансснаб",
    "Логика",
    "Эксперт",
    "Консалт",
    "Инфосистемы",
    "Медтехника",
    "Оптима",
    "Максима",
    "Прайм",
    "Элит",
    "Комфорт",
    "Уют",
    "Домострой",
    "Мастер",
    "Умелец",
    "Снабженец",
    "Виктория",
    "Надежда",
    "Юнона",
    "Аврора",
    "Северянка",
    "Волга",
    "Кама",
    "Урал",
    "Байкал",
    "Алтай",
]
_ORG_SUFFIXES: Final = (
    "-Трейд",
    "-Сервис",
    " Плюс",
    "-Строй",
    " Групп",
    "-М",
    "-Логистик",
    "-Инвест",
    "-Про",
    "-Юг",
    "-Центр",
    "-Холдинг",
    "-Снаб",
    "-Торг",
)
# legal form: (short, full, Latin short forms, share)
_FORMS: Final = (
    ("ООО", "Общество с ограниченной ответственностью", ("OOO", "LLC", "Ltd."), 0.62),
    ("АО", "Акционерное общество", ("AO", "JSC"), 0.09),
    ("ПАО", "Публичное акционерное общество", ("PAO", "PJSC"), 0.02),
    ("ЗАО", "Закрытое акционерное общество", ("ZAO", "CJSC"), 0.03),
    ("ИП", "Индивидуальный предприниматель", ("IP", "Individual Entrepreneur"), 0.24),
)
_BC_NAMES: Final = [
    "Северный",
    "Меридиан",
    "Олимпия",
    "Аврора",
    "Галерея",
    "Нева",
    "Премьер",
    "Гранд",
    "Слава",
    "Восход",
    "Лотос",
    "Арбат",
    "Сокол",
    "Парус",
    "Империя",
    "Каскад",
    "Форум",
    "Дельта",
    "Кронштадтский",
    "Магистраль",
    "Сити",
    "Плаза",
    "Альфа",
    "Бета",
]
_FREE_MAIL: Final = (
    ("mail.ru", 0.33),
    ("yandex.ru", 0.25),
    ("gmail.com", 0.20),
    ("bk.ru", 0.05),
    ("list.ru", 0.04),
    ("inbox.ru", 0.03),
    ("rambler.ru", 0.05),
    ("ya.ru", 0.05),
)
_ROLE_BOXES: Final = ("info", "sales", "zakaz", "office", "buh", "mail", "secretary")
_STREETS: Final = (
    ("ул.", "Ленина"),
    ("пр-т", "Мира"),
    ("ул.", "Тверская"),
    ("наб.", "Фонтанки"),
    ("ш.", "Энтузиастов"),
    ("пер.", "Гагаринский"),
    ("б-р", "Цветной"),
    ("ул.", "Садовая"),
    ("ул.", "Профсоюзная"),
    ("ул.", "Гагарина"),
    ("ул.", "Пушкина"),
    ("ул.", "Советская"),
    ("ул.", "Молодёжная"),
    ("ул.", "Центральная"),
    ("ул.", "Школьная"),
    ("ул.", "Лесная"),
    ("ул.", "Новая"),
    ("ул.", "Октябрьская"),
    ("ул.", "Комсомольская"),
    ("ул.", "Кирова"),
    ("ул.", "Чехова"),
    ("ул.", "Горького"),
    ("ул.", "Победы"),
    ("пр-т", "Ленинский"),
    ("пр-т", "Невский"),
    ("ул.", "Строителей"),
    ("ул.", "Заводская"),
    ("ул.", "Полевая"),
    ("ул.", "Мичурина"),
    ("ул.", "Маяковского"),
    ("ул.", "Лермонтова"),
    ("ул.", "Суворова"),
    ("ул.", "Есенина"),
    ("ул.", "Крупской"),
    ("пр-т", "Вернадского"),
    ("ул.", "Дзержинского"),
)
_STREET_TYPES_LATIN: Final = {
    "ул.": ("ul.", "ulitsa", "str."),
    "пр-т": ("pr-t", "prospekt", "ave."),
    "наб.": ("nab.", "naberezhnaya"),
    "ш.": ("sh.", "shosse"),
    "пер.": ("per.", "pereulok", "lane"),
    "б-р": ("b-r", "bulvar", "blvd."),
}
_STREET_TYPES_LOOSE: Final = {
    "ул.": ("ул", "улица", ""),
    "пр-т": ("пр", "проспект", "пр."),
    "наб.": ("наб", "набережная"),
    "ш.": ("ш", "шоссе"),
    "пер.": ("пер", "переулок"),
    "б-р": ("бульвар", "б-р"),
}


class _City(NamedTuple):
    name: str
    latin: tuple[str, ...]
    region: str
    code: str  # region number: SAP region, tax office prefix
    post: int  # first postcode of the city's range (1,000 codes)
    areas: tuple[str, ...]  # telephone area codes
    weight: float


_CITIES: Final = (
    _City("Москва", ("Moscow", "Moskva"), "г. Москва", "77", 101000, ("495", "499"), 0.30),
    _City(
        "Санкт-Петербург",
        ("Saint Petersburg", "Sankt-Peterburg", "St. Petersburg"),
        "г. Санкт-Петербург",
        "78",
        190000,
        ("812",),
        0.14,
    ),
    _City("Казань", ("Kazan",), "Республика Татарстан", "16", 420000, ("843",), 0.05),
    _City("Новосибирск", ("Novosibirsk",), "Новосибирская обл.", "54", 630000, ("383",), 0.05),
    _City(
        "Екатеринбург",
        ("Yekaterinburg", "Ekaterinburg"),
        "Свердловская обл.",
        "66",
        620000,
        ("343",),
        0.05,
    ),
    _City(
        "Нижний Новгород",
        ("Nizhny Novgorod", "Nizhniy Novgorod"),
        "Нижегородская обл.",
        "52",
        603000,
        ("831",),
        0.04,
    ),
    _City("Самара", ("Samara",), "Самарская обл.", "63", 443000, ("846",), 0.04),
    _City(
        "Ростов-на-Дону",
        ("Rostov-on-Don", "Rostov-na-Donu"),
        "Ростовская обл.",
        "61",
        344000,
        ("863",),
        0.04,
    ),
    _City("Краснодар", ("Krasnodar",), "Краснодарский край", "23", 350000, ("861",), 0.04),
    _City("Уфа", ("Ufa",), "Республика Башкортостан", "02", 450000, ("347",), 0.03),
    _City("Пермь", ("Perm",), "Пермский край", "59", 614000, ("342",), 0.03),
    _City("Воронеж", ("Voronezh",), "Воронежская обл.", "36", 394000, ("473",), 0.03),
    _City("Челябинск", ("Chelyabinsk",), "Челябинская обл.", "74", 454000, ("351",), 0.03),
    _City("Омск", ("Omsk",), "Омская обл.", "55", 644000, ("3812",), 0.02),
    _City("Тверь", ("Tver",), "Тверская обл.", "69", 170000, ("4822",), 0.02),
    _City("Калининград", ("Kaliningrad",), "Калининградская обл.", "39", 236000, ("4012",), 0.02),
    _City("Ульяновск", ("Ulyanovsk",), "Ульяновская обл.", "73", 432000, ("8422",), 0.02),
    _City("Подольск", ("Podolsk",), "Московская обл.", "50", 142100, ("4967",), 0.02),
    _City("Химки", ("Khimki",), "Московская обл.", "50", 141400, ("498",), 0.03),
)
_MOBILE_CODES: Final = tuple(
    str(c) for c in (*range(900, 940), *range(950, 954), *range(960, 970), *range(980, 1000))
)

_PLACEHOLDER_INNS: Final = ("0000000000", "000000000000", "-", "null", "нет", "0")
_PLACEHOLDER_PHONES: Final = ("+7 (999) 999-99-99", "0000000000", "-", "нет", "null", "89999999999")
_PLACEHOLDER_EMAILS: Final = (
    "test@test.ru",
    "-",
    "null",
    "no@mail.ru",
    "noemail@mail.ru",
    "a@a.ru",
)


# --- small helpers ---------------------------------------------------------------------------


def _cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    total = 0.0
    result = []
    for w in weights:
        total += w
        result.append(total)
    return tuple(result)


def _rr(rng: random.Random, start: int, stop: int | None = None) -> int:
    """Return a random int in ``range(start, stop)`` or ``range(start)``, faster than randrange."""
    if stop is None:
        return int(rng.random() * start)
    return start + int(rng.random() * (stop - start))


def _pick(rng: random.Random, items: Sequence[Any]) -> Any:
    """Return a random element of ``items``, faster than ``Random.choice``."""
    return items[int(rng.random() * len(items))]


def _weighted(rng: random.Random, items: Sequence[Any], cum: Sequence[float]) -> Any:
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


_PATRONYMICS: Final[tuple[tuple[str, str], ...]] = tuple((m[2], m[3]) for m in _MALE)
_UNIT_KINDS: Final = tuple(k for k, _ in _UNITS)
_UNIT_CUM: Final = _cumulative(w for _, w in _UNITS)
_CITY_CUM: Final = _cumulative(c.weight for c in _CITIES)
_FAMILY_CUM: Final = _cumulative(1.0 / (rank + 3) ** 0.8 for rank in range(len(_FAMILY)))
_FORM_CUM: Final = _cumulative(f[3] for f in _FORMS)
_FREE_MAIL_CUM: Final = _cumulative(w for _, w in _FREE_MAIL)
_SOURCE_COUNT_CUM: Final = _cumulative(_SOURCE_COUNT_WEIGHTS)

_BASE_LATIN: Final = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
_SYSTEMS: Final[dict[str, dict[str, str]]] = {
    # Russian passports since 2013 (ICAO Doc 9303): Iuliia Vorobeva, Dmitrii
    "icao": {**_BASE_LATIN, "й": "i", "ю": "iu", "я": "ia", "ъ": "ie"},
    # BGN/PCGN without apostrophes: Yuliya Vorobyova, Dmitriy
    "bgn": {**_BASE_LATIN, "ё": "yo"},
    # what people type: Yulia Vorobieva, Dmitry
    "popular": {**_BASE_LATIN, "ё": "yo", "х": "h", "щ": "sch"},
    # German-style: Julija Worobjowa
    "german": {
        **_BASE_LATIN,
        "в": "w",
        "ж": "sch",
        "з": "s",
        "й": "j",
        "х": "ch",
        "ц": "z",
        "ч": "tsch",
        "ш": "sch",
        "щ": "schtsch",
        "ю": "ju",
        "я": "ja",
        "ё": "jo",
        "ы": "y",
    },
}
_SYSTEM_NAMES: Final = ("icao", "bgn", "popular", "german")
_SYSTEM_CUM: Final = _cumulative((0.35, 0.3, 0.3, 0.05))
# Two-letter rules per system; "$" marks a rule that applies only at the end of a word.
_DIGRAPHS: Final[dict[str, dict[str, str]]] = {
    "icao": {},
    "bgn": {},
    "popular": {"ья": "ia", "ье": "ie", "ий$": "y", "ия$": "ia", "ый$": "y"},
    "german": {"ий$": "ij", "ый$": "yj"},
}
_VOWELS: Final = frozenset("аеёиоуыэюяьъ")
_CYRILLIC_WORD: Final = re.compile(r"[А-Яа-яЁё]+")


def _translit_word(word: str, system: str) -> str:
    table = _SYSTEMS[system]
    digraphs = _DIGRAPHS[system]
    low = word.lower()
    n = len(low)
    out: list[str] = []
    i = 0
    while i < n:
        pair = low[i : i + 2]
        if len(pair) == 2 and digraphs:
            at_end = i + 2 == n
            latin = digraphs.get(pair + "$") if at_end else None
            latin = latin if latin is not None else digraphs.get(pair)
            if latin is not None:
                out.append(latin)
                i += 2
                continue
        ch = low[i]
        latin = table[ch]
        if ch == "е" and system == "bgn" and (i == 0 or low[i - 1] in _VOWELS):
            latin = "ye"
        elif ch in "ьъ":
            latin = ""
        out.append(latin)
        i += 1
    result = "".join(out)
    if n > 1 and word.isupper():
        return result.upper()
    if word[0].isupper():
        return result[:1].upper() + result[1:]
    return result


@functools.lru_cache(maxsize=65536)
def transliterate(text: str, system: str = "popular") -> str:
    """Return ``text`` in Latin letters by ``system``: ``icao``, ``bgn``, ``popular``, ``german``.

    ``icao`` is the Russian passport system since 2013 (Iuliia Vorobeva), ``bgn`` BGN/PCGN
    without apostrophes (Yuliya Vorobyova), ``popular`` what people type (Yulia Vorobieva),
    ``german`` the German style (Julija Worobjowa). Other characters pass through.
    """
    if system not in _SYSTEMS:
        raise ValueError(f"unknown transliteration system {system!r}")
    return _CYRILLIC_WORD.sub(lambda m: _translit_word(m.group(0), system), text)


def _fem_family(family: str) -> str:
    if family.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return family + "а"
    if family.endswith(("ский", "цкий")):
        return family[:-2] + "ая"
    if family.endswith("ой"):
        return family[:-2] + "ая"
    return family


def _typo(rng: random.Random, word: str) -> str:
    """Return ``word`` with one realistic slip: swapped, missing or doubled letter."""
    if len(word) < 4:
        return word
    i = _rr(rng, 1, len(word) - 1)
    roll = rng.random()
    if roll < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if roll < 0.75:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _digit_typo(rng: random.Random, digits: str) -> str:
    i = _rr(rng, len(digits))
    return digits[:i] + str((int(digits[i]) + _rr(rng, 1, 10)) % 10) + digits[i + 1 :]


def _yo(text: str) -> str:
    return text.replace("ё", "е").replace("Ё", "Е")


def _split_phone(national: str) -> tuple[str, str]:
    """Return (area code, local number) of a 10-digit national number."""
    cut = 4 if national[:4] in {"3812", "4822", "4012", "8422", "4967"} else 3
    return national[:cut], national[cut:]


def _dashed(local: str) -> str:
    if len(local) == 7:
        return f"{local[:3]}-{local[3:5]}-{local[5:]}"
    return f"{local[:2]}-{local[2:4]}-{local[4:]}"


# How each source writes a phone: templates over {c} area code, {l} local number, {d} local
# number with dashes, {s} local number spaced 3-2-2; with their shares.
_PHONE_STYLES: Final[dict[str, tuple[tuple[str, ...], tuple[float, ...]]]] = {
    "1c": (
        ("8 ({c}) {d}", "+7 ({c}) {d}", "8-{c}-{d}", "8{c}{l}", "{d}"),  # the last: no area code
        _cumulative((0.45, 0.25, 0.15, 0.12, 0.03)),
    ),
    "sap": (("+7 {c} {l}", "+7 {c}{l}", "+7-{c}-{l}"), _cumulative((0.6, 0.25, 0.15))),
    "shop": (
        ("7{c}{l}", "+7 ({c}) {d}", "8{c}{l}", "+7{c}{l}"),
        _cumulative((0.4, 0.35, 0.15, 0.1)),
    ),
    "pbx": (("7{c}{l}", "8{c}{l}", "+7{c}{l}", "{c}{l}"), _cumulative((0.45, 0.3, 0.17, 0.08))),
    "manual": (
        ("8 {c} {s}", "{c}-{d}", "8({c}){l}", "+7 {c} {l}", "{c}{l}"),
        _cumulative((0.3, 0.25, 0.2, 0.15, 0.1)),
    ),
}
_MANUAL_DIGIT_TYPO: Final = 0.03


def _phone(rng: random.Random, national: str, source: str) -> str:
    """Return ``national`` (10 digits) written the way ``source`` writes phones."""
    code, local = _split_phone(national)
    if source == "manual" and rng.random() < _MANUAL_DIGIT_TYPO:
        local = _digit_typo(rng, local)
    templates, cum = _PHONE_STYLES[source]
    template: str = _weighted(rng, templates, cum)
    spaced = f"{local[:-4]} {local[-4:-2]} {local[-2:]}"
    return template.format(c=code, l=local, d=_dashed(local), s=spaced)


def _email_variant(rng: random.Random, email: str, source: str) -> str:
    """Return ``email`` as ``source`` would hold it: case, gmail ``+tag`` and dots, typos."""
    local, _, domain = email.partition("@")
    roll = rng.random()
    if domain == "gmail.com" and source == "shop":
        if roll < 0.35:
            local = f"{local}+{_pick(rng, ('shop', 'orders', 'promo', 'sale'))}"
        elif roll < 0.45:
            local = local.replace(".", "")
    if source == "manual" and rng.random() < 0.03:
        local = _typo(rng, local)
    roll = rng.random()
    if source == "sap" and roll < 0.3:
        return f"{local}@{domain}".upper()
    if roll < 0.15:
        return f"{local.capitalize()}@{domain.capitalize()}"
    if roll < 0.2:
        return f" {local}@{domain} "
    return f"{local}@{domain}"


def _date(rng: random.Random, lo: int, hi: int) -> str:
    return f"{_rr(rng, lo, hi)}-{_rr(rng, 1, 13):02d}-{_rr(rng, 1, 29):02d}"


_UPDATED_ZONES: Final = ("+03:00", "+03:00", "+05:00")


def _updated_at(rng: random.Random, source: str) -> str:
    zone = {"sap": "Z", "pbx": "+03:00"}.get(source) or _pick(rng, _UPDATED_ZONES)
    u = int(rng.random() * 3 * 12 * 28 * 86_400)
    u, second = divmod(u, 60)
    u, minute = divmod(u, 60)
    u, hour = divmod(u, 24)
    u, day = divmod(u, 28)
    year, month = divmod(u, 12)
    return f"{2023 + year}-{month + 1:02d}-{day + 1:02d}T{hour:02d}:{minute:02d}:{second:02d}{zone}"


# --- entity profiles -------------------------------------------------------------------------


@dataclass(slots=True)
class _Place:
    city: _City
    street: tuple[str, str]
    house: int
    unit: str  # flat or office number, "" when none
    postcode: str


@dataclass(slots=True)
class _Person:
    index: int
    female: bool
    given: str
    given_i: int
    father_i: int
    patronymic: str
    family: str
    birth: str
    home_place: _Place
    mobile: str | None = None
    home: str | None = None
    work: str | None = None
    email: str | None = None
    family_email: str | None = None
    inn: str | None = None
    latin_typist: bool = False
    tags: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Branch:
    place: _Place
    kpp: str
    phone: str


@dataclass(slots=True)
class _Org:
    index: int
    form: int  # index into _FORMS
    core: str  # the name without the legal form (for a sole trader: the owner's full name)
    inn: str
    kpp: str | None
    ogrn: str
    place: _Place
    phone: str | None
    emails: list[str]
    website: str | None
    contact: str
    switchboard: str | None = None
    shared_mailbox: str | None = None
    branches: list[_Branch] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)


_Profile = _Person | _Org


# --- the public result -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    """One real customer behind the records: its id, kind, canonical name and trap tags."""

    id: str
    kind: str
    name: str
    traps: frozenset[str]


def _pair_count(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(
    truth: dict[Key, str], predicted_clusters: Iterable[Iterable[Key]]
) -> tuple[float, float, float]:
    """Return pairwise (precision, recall, F1) of ``predicted_clusters`` against ``truth``.

    ``truth`` maps each record key ``(source, external_id)`` to its entity id. A record in
    no predicted cluster counts as a singleton; a record in two clusters is an error. Keys
    unknown to ``truth`` count as predicted pairs that are all wrong. With no predicted pair,
    precision is 1.0 (nothing wrong was claimed). Counting is linear in the records: no pair
    is enumerated.
    """
    seen: set[Key] = set()
    predicted = correct = 0
    for cluster in predicted_clusters:
        by_entity: dict[str | None, int] = {}
        size = 0
        for key in cluster:
            if key in seen:
                raise ValueError(f"record {key!r} is in more than one predicted cluster")
            seen.add(key)
            size += 1
            entity = truth.get(key)
            by_entity[entity] = by_entity.get(entity, 0) + 1
        predicted += _pair_count(size)
        correct += sum(_pair_count(c) for e, c in by_entity.items() if e is not None)
    sizes: dict[str, int] = {}
    for entity in truth.values():
        sizes[entity] = sizes.get(entity, 0) + 1
    true_total = sum(_pair_count(c) for c in sizes.values())
    precision = correct / predicted if predicted else 1.0
    recall = correct / true_total if true_total else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class MessyDataset:
    """Generated records with their ground truth.

    ``records`` are ``(source, record)`` pairs in generation order; ``truth`` maps each
    record key ``(source, external_id)`` to the id of the real customer; ``entities`` maps
    that id to an :class:`Entity`.
    """

    records: list[tuple[str, Record]]
    truth: dict[Key, str]
    entities: dict[str, Entity]

    def clusters(self) -> list[list[Key]]:
        """Return the true clusters: the record keys of each entity, entities in id order."""
        groups: dict[str, list[Key]] = {}
        for key, entity in self.truth.items():
            groups.setdefault(entity, []).append(key)
        return [groups[e] for e in sorted(groups)]

    def true_pairs(self) -> set[frozenset[Key]]:
        """Return every pair of record keys that belong to the same entity.

        Quadratic in cluster size and memory-hungry on large data: for scoring, use
        :meth:`pairwise_scores`, which enumerates no pairs.
        """
        pairs: set[frozenset[Key]] = set()
        for keys in self.clusters():
            for i, a in enumerate(keys):
                pairs.update(frozenset((a, b)) for b in keys[i + 1 :])
        return pairs

    def pairwise_scores(
        self, predicted_clusters: Iterable[Iterable[Key]]
    ) -> tuple[float, float, float]:
        """Return pairwise (precision, recall, F1) of ``predicted_clusters``; see the function."""
        return pairwise_scores(self.truth, predicted_clusters)

    def by_source(self, source: str) -> list[Record]:
        """Return the records of one source, in order."""
        return [r for s, r in self.records if s == source]

    def with_trap(self, trap: str) -> set[str]:
        """Return the ids of the entities tagged with ``trap`` (one of :data:`TRAPS`)."""
        return {e.id for e in self.entities.values() if trap in e.traps}


# --- the generator ---------------------------------------------------------------------------


def _entity_id(index: int) -> str:
    return f"E{index:07d}"


class _Generator:
    """Produces units of entities and their records, chunk by chunk, deterministically."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.next_index = 0
        self.unit_index = 0
        self.landline_counters: dict[str, int] = {}
        self.inn_counters: dict[tuple[str, int], int] = {}
        self.id_counters = dict.fromkeys(SOURCES, 0)
        self.used_emails: set[str] = set()
        self.used_domains: set[str] = set()
        self.mobile_offset = (seed * 7_919 + 12_345) % 10**7

    # numbers --------------------------------------------------------------------------------

    def mobile(self, index: int) -> str:
        """Return the mobile number of entity ``index``: unique to it."""
        u = (index * 7_654_321 + self.mobile_offset) % (len(_MOBILE_CODES) * 10**7)
        return f"{_MOBILE_CODES[u // 10**7]}{u % 10**7:07d}"

    def landline(self, rng: random.Random, city: _City) -> str:
        """Return a new landline number in ``city``, never handed out before."""
        area = _pick(rng, city.areas)
        count = self.landline_counters.get(area, 0)
        self.landline_counters[area] = count + 1
        width = 10 - len(area)
        local = (count * 3_141_593 + self.seed * 977 + 1_234) % 10**width
        return f"{area}{local:0{width}d}"

    def new_inn(self, city: _City, *, personal: bool) -> tuple[str, str]:
        """Return a new (INN with valid check digits, tax office code) in ``city``'s region."""
        width = 6 if personal else 5
        key = (city.code, width)
        count = self.inn_counters.get(key, 0)
        self.inn_counters[key] = count + 1
        space = 40 * 10**width
        u = (count * 7_777_777 + self.seed * 131 + 17) % space
        office = f"{city.code}{1 + u // 10**width:02d}"
        body = f"{office}{u % 10**width:0{width}d}"
        if personal:
            return body + stdnum_inn.calc_personal_check_digits(body), office
        return body + stdnum_inn.calc_company_check_digit(body), office

    def unique_email(self, rng: random.Random, local: str, domain: str, index: int) -> str:
        """Return ``local@domain``, made unique with a year-like number or the entity index."""
        email = f"{local}@{domain}"
        if email in self.used_emails:
            email = f"{local}{_rr(rng, 70, 100)}@{domain}"
            if email in self.used_emails:
                email = f"{local}{index}@{domain}"
        self.used_emails.add(email)
        return email

    def unique_domain(self, slug: str, city: _City, index: int) -> str:
        """Return a web domain for a firm: its name, else name and city, else name and index."""
        for candidate in (
            f"{slug}.ru",
            f"{slug}-{transliterate(city.name, 'popular').lower()[:3]}.ru",
            f"{slug}.com",
        ):
            if candidate not in self.used_domains:
                self.used_domains.add(candidate)
                return candidate
        candidate = f"{slug}-{index}.ru"
        self.used_domains.add(candidate)
        return candidate

    # profiles -------------------------------------------------------------------------------

    def place(self, rng: random.Random, city: _City | None = None, *, office: bool) -> _Place:
        """Return a random address in ``city`` (or a random city)."""
        city = city or _weighted(rng, _CITIES, _CITY_CUM)
        unit = str(_rr(rng, 1, 500)) if office or rng.random() < 0.85 else ""
        return _Place(
            city,
            _pick(rng, _STREETS),
            _rr(rng, 1, 150),
            unit,
            str(city.post + _rr(rng, 0, 1000)),
        )

    def person(
        self,
        rng: random.Random,
        *,
        female: bool | None = None,
        family: str | None = None,
        given_i: int | None = None,
        father: int | None = None,
        birth: str | None = None,
        place: _Place | None = None,
    ) -> _Person:
        """Return a new person; any fact given is used as it is (households, namesakes)."""
        index = self.next_index
        self.next_index += 1
        female = rng.random() < 0.5 if female is None else female
        pool: Sequence[tuple[Any, ...]] = _FEMALE if female else _MALE
        given_i = _rr(rng, len(pool)) if given_i is None else given_i
        father = _rr(rng, len(_MALE)) if father is None else father
        family_m = family or _weighted(rng, _FAMILY, _FAMILY_CUM)
        person = _Person(
            index=index,
            female=female,
            given=pool[given_i][0],
            given_i=given_i,
            father_i=father,
            patronymic=_PATRONYMICS[father][female],
            family=_fem_family(family_m) if female else family_m,
            birth=birth or _date(rng, 1945, 2006),
            home_place=place or self.place(rng, office=False),
        )
        if rng.random() < 0.93:
            person.mobile = self.mobile(index)
        if rng.random() < 0.2:
            person.home = self.landline(rng, person.home_place.city)
        if not person.mobile and not person.home:
            person.home = self.landline(rng, person.home_place.city)
        if rng.random() < 0.78:
            person.email = self.personal_email(rng, person)
        if rng.random() < 0.15:
            person.inn = self.new_inn(person.home_place.city, personal=True)[0]
        person.latin_typist = rng.random() < 0.35
        return person

    def personal_email(self, rng: random.Random, p: _Person) -> str:
        """Return a new personal free-mail address built from the person's name."""
        system = "icao" if rng.random() < 0.3 else "popular"
        g = transliterate(p.given, system).lower()
        f = transliterate(p.family, system).lower()
        roll = rng.random()
        if roll < 0.3:
            local = f"{g}.{f}"
        elif roll < 0.5:
            local = f"{f}.{g}"
        elif roll < 0.65:
            local = f"{g[0]}.{f}"
        elif roll < 0.8:
            local = f"{f}{p.birth[2:4]}"
        elif roll < 0.9:
            local = f"{g}_{f}"
        else:
            local = f"{g}{p.birth[:4]}"
        domain: str = _weighted(rng, [d for d, _ in _FREE_MAIL], _FREE_MAIL_CUM)
        return self.unique_email(rng, local, domain, p.index)

    def org(
        self,
        rng: random.Random,
        *,
        core: str | None = None,
        form: int | None = None,
        place: _Place | None = None,
    ) -> _Org:
        """Return a new organisation (or sole trader) with its own INN, phone and e-mails."""
        index = self.next_index
        self.next_index += 1
        form = _weighted(rng, range(len(_FORMS)), _FORM_CUM) if form is None else form
        place = place or self.place(rng, office=True)
        sole_trader = _FORMS[form][0] == "ИП"
        if sole_trader:
            owner = self.person_name(rng)
            core = core or owner
        elif core is None:
            core = _pick(rng, _ORG_ROOTS)
            if rng.random() < 0.35:
                core += _pick(rng, _ORG_SUFFIXES)
        inn, office = self.new_inn(place.city, personal=sole_trader)
        tags = {"individual_entrepreneur"} if sole_trader else set()
        if sole_trader:
            ogrn_body = f"3{_rr(rng, 4, 25):02d}{place.city.code}{_rr(rng, 10**9):09d}"
            kpp = None
        else:
            ogrn_body = f"1{_rr(rng, 2, 25):02d}{place.city.code}{_rr(rng, 10**7):07d}"
            kpp = f"{office}{'50' if rng.random() < 0.03 else '01'}001"
        ogrn = ogrn_body + stdnum_ogrn.calc_check_digit(ogrn_body + "0")
        slug = transliterate(core.split()[0] if sole_trader else core, "popular").lower()
        slug = "".join(ch if ch.isalnum() else "-" for ch in slug).strip("-")
        emails: list[str] = []
        website = None
        contact = self.person_name(rng)
        if sole_trader or rng.random() < 0.3:
            domain = _weighted(rng, [d for d, _ in _FREE_MAIL], _FREE_MAIL_CUM)
            emails.append(self.unique_email(rng, slug.replace("-", ""), domain, index))
        else:
            domain = self.unique_domain(slug, place.city, index)
            website = f"https://{domain}" if rng.random() < 0.5 else f"www.{domain}"
            emails.append(f"{_pick(rng, _ROLE_BOXES)}@{domain}")
            if rng.random() < 0.5:
                family, given = contact.split()[:2]
                person_box = transliterate(f"{given[0]}.{family}", "popular").lower()
                emails.append(f"{person_box}@{domain}")
        return _Org(
            index=index,
            form=form,
            core=core,
            inn=inn,
            kpp=kpp,
            ogrn=ogrn,
            place=place,
            phone=self.mobile(index) if sole_trader else self.landline(rng, place.city),
            emails=emails,
            website=website,
            contact=contact,
            tags=tags,
        )

    @staticmethod
    def person_name(rng: random.Random) -> str:
        """Return a random ``Фамилия Имя Отчество`` (for contacts and sole traders)."""
        female = rng.random() < 0.4
        family = _weighted(rng, _FAMILY, _FAMILY_CUM)
        given = (_FEMALE if female else _MALE)[_rr(rng, len(_FEMALE if female else _MALE))][0]
        patronymic = _PATRONYMICS[_rr(rng, len(_MALE))][female]
        return f"{_fem_family(family) if female else family} {given} {patronymic}"

    # units ----------------------------------------------------------------------------------

    def unit(self, rng: random.Random) -> list[_Profile]:
        """Return the profiles of one unit: a lone customer or a group forming a trap."""
        kind = _weighted(rng, _UNIT_KINDS, _UNIT_CUM)
        if kind == "person":
            return [self.person(rng)]
        if kind == "org":
            return [self.org(rng)]
        builder: Callable[[random.Random], list[_Profile]] = getattr(self, kind)
        return builder(rng)

    def namesakes(self, rng: random.Random) -> list[_Profile]:
        """Return two people of the same full name, otherwise unrelated."""
        first = self.person(rng)
        second = self.person(
            rng,
            female=first.female,
            given_i=first.given_i,
            father=first.father_i if rng.random() < 0.7 else None,
        )
        second.family = first.family
        if second.email:
            second.email = self.personal_email(rng, second)
        first.tags.add("namesake")
        second.tags.add("namesake")
        return [first, second]

    def branches(self, rng: random.Random) -> list[_Profile]:
        """Return one firm with 1-3 branches: its INN, their own KPPs, cities and phones."""
        org = self.org(rng, form=0 if rng.random() < 0.7 else 1)
        for _ in range(_pick(rng, (1, 1, 2, 3))):
            place = self.place(rng, office=True)
            kpp = f"{place.city.code}{_rr(rng, 1, 41):02d}43{_rr(rng, 1, 10):03d}"
            org.branches.append(_Branch(place, kpp, self.landline(rng, place.city)))
        org.tags.add("branches")
        return [org]

    def household(self, rng: random.Random) -> list[_Profile]:
        """Return 2-4 people sharing a family name, a home phone and an address."""
        place = self.place(rng, office=False)
        place.unit = place.unit or str(_rr(rng, 1, 300))
        family = _weighted(rng, _FAMILY, _FAMILY_CUM)
        year = _rr(rng, 1950, 1985)
        father_i = _rr(rng, len(_MALE))
        parents = (
            ("father", "mother") if rng.random() < 0.9 else (_pick(rng, ("father", "mother")),)
        )
        children = _pick(rng, (0, 0, 1, 1, 2)) if year + 22 < 2007 else 0
        if len(parents) + children < 2:
            children = 1 if year + 22 < 2007 else 0
            parents = ("father", "mother") if not children else parents
        members: list[_Person] = []
        for parent in parents:
            female = parent == "mother"
            members.append(
                self.person(
                    rng,
                    female=female,
                    family=family if not female or rng.random() < 0.85 else None,
                    given_i=father_i if not female else None,
                    place=place,
                    birth=_date(rng, year - 3, year + 5),
                )
            )
        members.extend(
            self.person(
                rng,
                family=family,
                father=father_i,
                place=place,
                birth=_date(rng, year + 22, min(year + 36, 2007)),
            )
            for _ in range(children)
        )
        home = self.landline(rng, place.city)
        family_email = None
        if rng.random() < 0.12:
            plural = transliterate(_fem_family(family)[:-1] + "ы", "popular").lower()
            family_email = self.unique_email(rng, plural, "mail.ru", members[0].index)
        for member in members:
            member.home = home
            member.tags.add("household")
            if family_email and member.birth < f"{year + 10}":
                member.family_email = family_email
        return list(members)

    def same_name(self, rng: random.Random) -> list[_Profile]:
        """Return 2-3 firms named alike (same name elsewhere, or with a suffix), INNs apart."""
        root = _pick(rng, _ORG_ROOTS)
        first = self.org(rng, core=root, form=0)
        firms = [first]
        for _ in range(_pick(rng, (1, 1, 2))):
            if rng.random() < 0.5:
                firms.append(self.org(rng, core=root, form=_pick(rng, (0, 0, 1))))
            else:
                core = root + _pick(rng, _ORG_SUFFIXES)
                place = (
                    self.place(rng, first.place.city, office=True) if rng.random() < 0.6 else None
                )
                firms.append(self.org(rng, core=core, form=0, place=place))
        for firm in firms:
            firm.tags.add("same_name_firm")
        return list(firms)

    def business_centre(self, rng: random.Random) -> list[_Profile]:
        """Return tenants of one business centre (and a few people working there)."""
        place = self.place(rng, office=True)
        switchboard = self.landline(rng, place.city)
        bc_slug = transliterate(_pick(rng, _BC_NAMES), "popular").lower()
        domain = self.unique_domain(f"bc-{bc_slug}", place.city, self.next_index)
        mailbox = f"{_pick(rng, ('info', 'office', 'reception'))}@{domain}"
        members: list[_Profile] = []
        for _ in range(_rr(rng, 3, 8)):
            tenant_place = _Place(
                place.city, place.street, place.house, str(_rr(rng, 100, 900)), place.postcode
            )
            tenant = self.org(rng, form=_pick(rng, (0, 0, 0, 4)), place=tenant_place)
            tenant.switchboard = switchboard
            tenant.tags.add("business_centre")
            if rng.random() < 0.25:
                tenant.phone = None  # reachable only through the switchboard
            if rng.random() < 0.35:
                tenant.shared_mailbox = mailbox
                tenant.tags.add("shared_mailbox")
            members.append(tenant)
        for _ in range(_pick(rng, (0, 1, 1, 2, 3))):
            employee = self.person(rng)
            employee.work = switchboard
            employee.tags.add("business_centre")
            members.append(employee)
        return members

    # records --------------------------------------------------------------------------------

    def sources_for(self, rng: random.Random, *, person: bool) -> list[str]:
        """Return the 1-5 sources an entity appears in."""
        count = 1 + bisect.bisect(_SOURCE_COUNT_CUM, rng.random() * _SOURCE_COUNT_CUM[-1])
        pool = list(_PERSON_SOURCES if person else _ORG_SOURCES)
        total = _PERSON_SOURCE_TOTAL if person else _ORG_SOURCE_TOTAL
        chosen: list[str] = []
        for _ in range(count):
            roll = rng.random() * total
            for i, (name, weight) in enumerate(pool):
                roll -= weight
                if roll <= 0 or i == len(pool) - 1:
                    chosen.append(name)
                    total -= weight
                    del pool[i]
                    break
        return chosen

    def records_for(self, rng: random.Random, profile: _Profile) -> list[tuple[str, Record, str]]:
        """Return ``(source, record, id style)`` for every record describing ``profile``."""
        out: list[tuple[str, Record, str]] = []
        if isinstance(profile, _Person):
            for source in self.sources_for(rng, person=True):
                builder = _PERSON_BUILDERS[source]
                out.extend(builder(rng, profile))
        else:
            for source in self.sources_for(rng, person=False):
                out.extend(_ORG_BUILDERS[source](rng, profile))
        for source, record, _style in out:
            if source != "pbx" and rng.random() < _PLACEHOLDER_SHARE:
                _add_placeholder(rng, record)
                profile.tags.add("placeholder")
        if isinstance(profile, _Person) and len(out) > 1:
            for source, record, _style in out:
                phones = record.get("phones") or ()
                if (
                    source == "pbx"
                    and "name" not in record
                    and profile.mobile
                    and phones
                    and phones[0][-7:] == profile.mobile[-7:]
                ):
                    profile.tags.add("pbx_phone_only")
                    break
        return out

    # external ids ---------------------------------------------------------------------------

    def external_id(self, rng: random.Random, source: str, style: str) -> str:
        """Return a new external id of ``source``, unique within it, in the source's style."""
        n = self.id_counters[source]
        self.id_counters[source] = n + 1
        if source == "1c":
            bits = rng.getrandbits(64)
            return (
                f"{bits >> 32:08x}-{(bits >> 16) & 0xFFFF:04x}-11ee-"
                f"{bits & 0xFFFF:04x}-{(n * 2_654_435_761 + 99_991) % 2**48:012x}"
            )
        if source == "sap":
            return f"{(n * 7_654_321 + 100_003) % 10**8:010d}"
        if source == "shop":
            number = (n * 48_271 + 1_000) % 10**8
            return f"guest-{number}" if style == "guest" else f"{number}"
        if source == "pbx":
            return f"{1_700_000_000 + n * 37 + _rr(rng, 37)}.{n % 997}"
        return f"M-{(n * 3_571 + 11) % 10**7:07d}"


# --- source record builders ------------------------------------------------------------------


def _address(rng: random.Random, place: _Place, source: str, *, office: bool) -> Record:
    street_type, street = place.street
    city = place.city
    unit_word = ("оф.", "офис", "пом.") if office else ("кв.", "кв.", "квартира")
    if source == "1c":
        line = f"{street_type} {street}, д. {place.house}"
        if place.unit:
            line += f", {_pick(rng, unit_word)} {place.unit}"
        if rng.random() < 0.4:
            line = f"г. {city.name}, {line}"
        address: Record = {"line": line, "city": city.name, "postcode": place.postcode}
        if rng.random() < 0.5:
            address["region"] = city.region
        address["country"] = "RU" if rng.random() < 0.7 else "Россия"
        return address
    if source == "sap":
        system = _weighted(rng, _SYSTEM_NAMES, _SYSTEM_CUM)
        street_latin = transliterate(street, system)
        kind = _pick(rng, _STREET_TYPES_LATIN[street_type])
        unit = f"-{place.unit}" if place.unit else ""
        line = f"{kind} {street_latin} {place.house}{unit}"
        if rng.random() < 0.4:
            line = f"{street_latin} {kind} {place.house}{unit}"
        return {
            "line": line,
            "city": _pick(rng, city.latin),
            "region": city.code,
            "postcode": place.postcode,
            "country": "RU",
        }
    loose = _pick(rng, _STREET_TYPES_LOOSE[street_type])
    name = _yo(street) if rng.random() < 0.5 else street
    unit = ""
    if place.unit:
        unit = f" кв {place.unit}" if rng.random() < 0.5 else f"-{place.unit}"
    if source == "manual" and rng.random() < 0.1:
        name = _typo(rng, name)
    line = f"{loose} {name} {place.house}{unit}".strip()
    address = {"line": line, "city": city.name if rng.random() < 0.7 else city.name.lower()}
    if rng.random() < 0.5:
        address["postcode"] = place.postcode
    return address


def _person_phones(
    rng: random.Random, p: _Person, source: str, shares: tuple[float, float, float]
) -> list[str]:
    """Return the person's mobile, home and work phones, each kept with its share."""
    phones = []
    for number, share in zip((p.mobile, p.home, p.work), shares, strict=True):
        if number and rng.random() < share:
            phones.append(_phone(rng, number, source))
    return phones


def _person_1c(rng: random.Random, p: _Person) -> list[tuple[str, Record, str]]:
    out = []
    for _ in range(2 if rng.random() < 0.06 else 1):  # the odd duplicate counterparty
        parts = [p.family, p.given] + ([p.patronymic] if rng.random() < 0.85 else [])
        name = " ".join(parts)
        record: Record = {"kind": "person", "name": _yo(name) if rng.random() < 0.3 else name}
        if rng.random() < 0.25:
            record["given_name"], record["family_name"] = p.given, p.family
        record["phones"] = _person_phones(rng, p, "1c", (0.8, 0.45, 0.35))
        emails = []
        if p.email and rng.random() < 0.5:
            emails.append(_email_variant(rng, p.email, "1c"))
        if p.family_email and rng.random() < 0.5:
            emails.append(p.family_email)
        record["emails"] = emails
        if rng.random() < 0.7:
            record["addresses"] = [_address(rng, p.home_place, "1c", office=False)]
        if rng.random() < 0.3:
            record["birth_date"] = p.birth
        if p.inn and rng.random() < 0.6:
            record["identifiers"] = {"inn": p.inn}
        if rng.random() < 0.2:
            record["attributes"] = {"ПометкаУдаления": False, "ВидКонтрагента": "ФизЛицо"}
        record["updated_at"] = _updated_at(rng, "1c")
        out.append(("1c", record, ""))
    return out


def _latin_given(rng: random.Random, p: _Person, system: str) -> str:
    pool = _FEMALE[p.given_i][2] if p.female else _MALE[p.given_i][4]
    if rng.random() < 0.5:
        return str(_pick(rng, pool))
    return transliterate(p.given, system)


def _person_sap(rng: random.Random, p: _Person) -> list[tuple[str, Record, str]]:
    system = _weighted(rng, _SYSTEM_NAMES, _SYSTEM_CUM)
    given = _latin_given(rng, p, system)
    family = transliterate(p.family, system)
    record: Record = {"kind": "person" if rng.random() < 0.6 else None}
    record["name"] = f"{given} {family}" if rng.random() < 0.6 else f"{family}, {given}"
    if rng.random() < 0.6:
        record["given_name"], record["family_name"] = given, family
    phones = []
    if p.mobile and rng.random() < 0.65:
        phones.append(_phone(rng, p.mobile, "sap"))
    elif p.home and rng.random() < 0.5:
        phones.append(_phone(rng, p.home, "sap"))
    record["phones"] = phones
    if p.email and rng.random() < 0.55:
        record["emails"] = [_email_variant(rng, p.email, "sap")]
    if rng.random() < 0.5:
        record["addresses"] = [_address(rng, p.home_place, "sap", office=False)]
    if p.inn and rng.random() < 0.2:
        record["identifiers"] = {"inn": p.inn}
    record["attributes"] = {"KTOKD": "0002"}
    record["updated_at"] = _updated_at(rng, "sap")
    return [("sap", record, "")]


def _person_shop(rng: random.Random, p: _Person) -> list[tuple[str, Record, str]]:
    roll = rng.random()
    count = 1 if roll < 0.75 else 2 if roll < 0.93 else 3
    guest = count > 1 or rng.random() < 0.3
    if count > 1:
        p.tags.add("guest_repeat")
    out = []
    for _ in range(count):
        latin = p.latin_typist != (rng.random() < 0.1)
        record: Record = {"kind": "person"} if rng.random() < 0.5 else {}
        if p.email and rng.random() < 0.12:
            record["emails"] = [_email_variant(rng, p.email, "shop")]  # only an e-mail
        else:
            if latin:
                system = "popular" if rng.random() < 0.7 else "icao"
                given = _latin_given(rng, p, system)
                family = transliterate(p.family, system)
            else:
                given = p.given
                if rng.random() < 0.05:
                    pool = _FEMALE[p.given_i][1] if p.female else _MALE[p.given_i][1]
                    given = _pick(rng, pool)
                family = _yo(p.family) if rng.random() < 0.5 else p.family
            record["given_name"], record["family_name"] = given, family
            if rng.random() < 0.3:
                record["name"] = f"{given} {family}"
            if p.email and rng.random() < 0.93:
                record["emails"] = [_email_variant(rng, p.email, "shop")]
            phone = p.mobile or p.home
            if phone and (rng.random() < 0.7 or "emails" not in record):
                record["phones"] = [_phone(rng, phone, "shop")]
            if rng.random() < 0.4:
                record["addresses"] = [_address(rng, p.home_place, "shop", office=False)]
        record["attributes"] = {"orders": _rr(rng, 1, 9), "guest": guest}
        record["updated_at"] = _updated_at(rng, "shop")
        out.append(("shop", record, "guest" if guest else ""))
    return out


def _caller_id(rng: random.Random, p: _Person) -> str:
    roll = rng.random()
    if roll < 0.3:
        return f"{_latin_given(rng, p, 'popular')} {transliterate(p.family, 'popular')}".upper()
    if roll < 0.55:
        return f"{p.family} {p.given}"
    if roll < 0.7:
        return p.given
    if roll < 0.85:
        return f"{transliterate(p.family, 'popular').upper()} {_latin_given(rng, p, 'popular')[0]}"
    return f"{p.family} {p.given[0]}."


def _pbx_record(rng: random.Random, number: str, name: str | None) -> tuple[str, Record, str]:
    record: Record = {"phones": [_phone(rng, number, "pbx")]}
    if name:
        record["name"] = name
    record["attributes"] = {"calls": _rr(rng, 1, 30), "last_disposition": "ANSWERED"}
    record["updated_at"] = _updated_at(rng, "pbx")
    return ("pbx", record, "")


def _person_pbx(rng: random.Random, p: _Person) -> list[tuple[str, Record, str]]:
    out = []
    if p.mobile and (rng.random() < 0.85 or not (p.home or p.work)):
        out.append(_pbx_record(rng, p.mobile, _caller_id(rng, p) if rng.random() < 0.35 else None))
    if p.home and (not out or rng.random() < 0.2):
        name = None
        if rng.random() < 0.3:
            name = transliterate(p.family, "popular").upper() if rng.random() < 0.5 else p.family
        out.append(_pbx_record(rng, p.home, name))
    if p.work and (not out or rng.random() < 0.25):
        out.append(_pbx_record(rng, p.work, None))
    return out


def _manual_name(rng: random.Random, p: _Person) -> str:
    given = p.given
    if rng.random() < 0.15:
        pool = _FEMALE[p.given_i][1] if p.female else _MALE[p.given_i][1]
        given = _pick(rng, pool)
    family = p.family
    if rng.random() < 0.12:
        family = _typo(rng, family)
    elif rng.random() < 0.06:
        given = _typo(rng, given)
    patronymic = p.patronymic if rng.random() < 0.5 else ""
    roll = rng.random()
    if roll < 0.35:
        name = f"{family} {given} {patronymic}"
    elif roll < 0.6:
        name = f"{given} {family}"
    elif roll < 0.75:
        name = f"{given} {patronymic} {family}"
    elif roll < 0.85:
        name = f"{family} {given[0]}. {patronymic[:1]}." if patronymic else f"{family} {given[0]}."
    else:
        name = f"{family} {given}"
    name = " ".join(name.split())
    roll = rng.random()
    if roll < 0.05:
        return name.upper()
    if roll < 0.1:
        return name.lower()
    return _yo(name) if rng.random() < 0.5 else name


def _person_manual(rng: random.Random, p: _Person) -> list[tuple[str, Record, str]]:
    out = []
    for _ in range(2 if rng.random() < 0.08 else 1):
        record: Record = {"kind": "person"} if rng.random() < 0.7 else {}
        record["name"] = _manual_name(rng, p)
        phones = _person_phones(rng, p, "manual", (0.75, 0.25, 0.3))
        if phones:
            record["phones"] = phones
        if p.email and rng.random() < 0.35:
            record["emails"] = [_email_variant(rng, p.email, "manual")]
        elif p.family_email and rng.random() < 0.3:
            record["emails"] = [p.family_email]
        if rng.random() < 0.4:
            record["addresses"] = [_address(rng, p.home_place, "manual", office=False)]
        if rng.random() < 0.25:
            year, month, day = p.birth.split("-")
            if rng.random() < 0.05 and int(day) <= 12:
                month, day = day, month
            record["birth_date"] = f"{year}-{month}-{day}"
        record["updated_at"] = _updated_at(rng, "manual")
        out.append(("manual", record, ""))
    return out


def _org_name_1c(rng: random.Random, o: _Org) -> str:
    short = _FORMS[o.form][0]
    if short == "ИП":
        if rng.random() < 0.3:
            family, given, patronymic = o.core.split()
            return f"ИП {family} {given[0]}.{patronymic[0]}."
        return f"ИП {o.core}"
    roll = rng.random()
    if roll < 0.7:
        return f"{short} «{o.core}»"
    if roll < 0.85:
        return f'{short} "{o.core}"'
    if roll < 0.95:
        return f"{o.core} {short}"
    return f"{short} {o.core}"


def _org_phones(rng: random.Random, o: _Org, source: str) -> list[str]:
    phones = []
    if o.phone and rng.random() < 0.7:
        phones.append(_phone(rng, o.phone, source))
    if o.switchboard and (not phones or rng.random() < 0.2) and rng.random() < 0.8:
        phones.append(_phone(rng, o.switchboard, source))
    return phones


def _org_emails(rng: random.Random, o: _Org, source: str, share: float) -> list[str]:
    emails = []
    if rng.random() < share:
        emails.append(_email_variant(rng, _pick(rng, o.emails), source))
    if o.shared_mailbox and rng.random() < 0.6:
        emails.append(o.shared_mailbox)
    return emails


def _org_1c_record(rng: random.Random, o: _Org, branch: _Branch | None) -> Record:
    name = _org_name_1c(rng, o)
    identifiers: dict[str, str] = {}
    if rng.random() < 0.97:
        identifiers["inn"] = o.inn
    kpp = branch.kpp if branch else o.kpp
    if kpp and rng.random() < 0.85:
        identifiers["kpp"] = kpp
    if rng.random() < 0.3:
        identifiers["ogrn"] = o.ogrn
    record: Record = {"kind": "organization", "name": name, "identifiers": identifiers}
    if branch is None:
        record["phones"] = _org_phones(rng, o, "1c")
        record["emails"] = _org_emails(rng, o, "1c", 0.6)
        if rng.random() < 0.85:
            record["addresses"] = [_address(rng, o.place, "1c", office=True)]
        if o.website and rng.random() < 0.3:
            record["website"] = o.website
    else:
        record["name"] = f"{name} ({branch.place.city.name}, филиал)"
        record["phones"] = [_phone(rng, branch.phone, "1c")] if rng.random() < 0.8 else []
        record["addresses"] = [_address(rng, branch.place, "1c", office=True)]
    if rng.random() < 0.4:
        record["contact_name"] = o.contact
    full = _FORMS[o.form][1]
    record["attributes"] = {"НаименованиеПолное": f"{full} «{o.core}»", "ПометкаУдаления": False}
    record["updated_at"] = _updated_at(rng, "1c")
    return record


def _org_1c(rng: random.Random, o: _Org) -> list[tuple[str, Record, str]]:
    out = [("1c", _org_1c_record(rng, o, None), "")]
    # branches are counterparties of their own, with the firm's INN and their own KPP
    out.extend(("1c", _org_1c_record(rng, o, b), "") for b in o.branches if rng.random() < 0.8)
    if rng.random() < 0.04:  # the odd duplicate counterparty
        duplicate = dict(out[0][1])
        duplicate["name"] = _org_name_1c(rng, o)
        duplicate["updated_at"] = _updated_at(rng, "1c")
        out.append(("1c", duplicate, ""))
    return out


def _org_name_latin(rng: random.Random, o: _Org) -> str:
    system = _weighted(rng, _SYSTEM_NAMES[:3], _SYSTEM_CUM[:3])
    latin_forms = _FORMS[o.form][2]
    if _FORMS[o.form][0] == "ИП":
        family, given, patronymic = o.core.split()
        owner = f"{transliterate(family, system)} {transliterate(given, system)[0]}."
        owner += f"{transliterate(patronymic, system)[0]}."
        return f"{_pick(rng, latin_forms)} {owner}"
    core = transliterate(o.core, system)
    form = _pick(rng, latin_forms)
    roll = rng.random()
    if roll < 0.4:
        return f"{core} {form}"
    if roll < 0.7:
        return f"{form} {core}"
    if roll < 0.85:
        return f"{core.upper()} {form.upper()}"
    return f"{core}, {form}"


def _org_sap(rng: random.Random, o: _Org) -> list[tuple[str, Record, str]]:
    out = []
    for branch in [None, *o.branches]:
        if branch is not None and rng.random() < 0.5:
            continue
        record: Record = {"kind": "organization", "name": _org_name_latin(rng, o)}
        identifiers: dict[str, str] = {}
        if rng.random() < 0.68:
            identifiers["inn"] = o.inn
            kpp = branch.kpp if branch else o.kpp
            if kpp and rng.random() < 0.5:
                identifiers["kpp"] = kpp
        record["identifiers"] = identifiers
        if branch is None:
            record["phones"] = _org_phones(rng, o, "sap")
            record["emails"] = _org_emails(rng, o, "sap", 0.4)
            if rng.random() < 0.6:
                record["addresses"] = [_address(rng, o.place, "sap", office=True)]
        else:
            record["phones"] = [_phone(rng, branch.phone, "sap")]
            record["addresses"] = [_address(rng, branch.place, "sap", office=True)]
        record["attributes"] = {"KTOKD": "0001" if branch is None else "0002"}
        record["updated_at"] = _updated_at(rng, "sap")
        out.append(("sap", record, ""))
    return out


def _org_shop(rng: random.Random, o: _Org) -> list[tuple[str, Record, str]]:
    short = _FORMS[o.form][0]
    roll = rng.random()
    name = f"{short} {o.core}" if roll < 0.5 else o.core if roll < 0.8 else _org_name_1c(rng, o)
    record: Record = {"kind": "organization"} if rng.random() < 0.6 else {}
    record["name"] = name
    record["emails"] = _org_emails(rng, o, "shop", 0.95)
    if rng.random() < 0.5:
        record["phones"] = _org_phones(rng, o, "shop")
    if rng.random() < 0.4:
        record["identifiers"] = {"inn": o.inn}
    if rng.random() < 0.5:
        record["contact_name"] = " ".join(o.contact.split()[1::-1])
    if rng.random() < 0.5:
        record["addresses"] = [_address(rng, o.place, "shop", office=True)]
    record["updated_at"] = _updated_at(rng, "shop")
    return [("shop", record, "")]


def _org_pbx(rng: random.Random, o: _Org) -> list[tuple[str, Record, str]]:
    number = o.switchboard if o.switchboard and (not o.phone or rng.random() < 0.6) else o.phone
    if number is None:
        return []
    name = None
    if number == o.phone and rng.random() < 0.4:
        core = o.core.split()[0] if _FORMS[o.form][0] == "ИП" else o.core
        name = transliterate(core, "popular").upper()
    return [_pbx_record(rng, number, name)]


def _org_manual(rng: random.Random, o: _Org) -> list[tuple[str, Record, str]]:
    short = _FORMS[o.form][0]
    core = _typo(rng, o.core) if rng.random() < 0.12 else o.core
    roll = rng.random()
    if short == "ИП":
        name = f"ИП {core}" if roll < 0.6 else f"{core} ИП"
    else:
        name = (
            f"{core} {short.lower() if roll < 0.3 else short}" if roll < 0.5 else f"{short} {core}"
        )
    record: Record = {"kind": "organization"} if rng.random() < 0.7 else {}
    record["name"] = name
    if rng.random() < 0.5:
        value = o.inn
        roll = rng.random()
        if roll < 0.04:
            value = _digit_typo(rng, value)
        elif roll < 0.14:
            value = f"{value[:4]} {value[4:]}"
        record["identifiers"] = {"inn": value}
    if rng.random() < 0.5:
        record["phones"] = _org_phones(rng, o, "manual")
    emails = _org_emails(rng, o, "manual", 0.4)
    if emails:
        record["emails"] = emails
    if rng.random() < 0.3:
        record["contact_name"] = o.contact
    record["updated_at"] = _updated_at(rng, "manual")
    return [("manual", record, "")]


_Builder = Callable[[random.Random, Any], list[tuple[str, Record, str]]]
_PERSON_BUILDERS: Final[dict[str, _Builder]] = {
    "1c": _person_1c,
    "sap": _person_sap,
    "shop": _person_shop,
    "pbx": _person_pbx,
    "manual": _person_manual,
}
_ORG_BUILDERS: Final[dict[str, _Builder]] = {
    "1c": _org_1c,
    "sap": _org_sap,
    "shop": _org_shop,
    "pbx": _org_pbx,
    "manual": _org_manual,
}


def _add_placeholder(rng: random.Random, record: Record) -> None:
    """Put one placeholder value into ``record``, as careless data entry does."""
    roll = rng.random()
    if roll < 0.4:
        identifiers = dict(record.get("identifiers") or {})
        identifiers["inn"] = _pick(rng, _PLACEHOLDER_INNS)
        record["identifiers"] = identifiers
    elif roll < 0.7:
        phones = list(record.get("phones") or ())
        if phones and rng.random() < 0.5:
            phones[0] = _pick(rng, _PLACEHOLDER_PHONES)
        else:
            phones.append(_pick(rng, _PLACEHOLDER_PHONES))
        record["phones"] = phones
    else:
        emails = list(record.get("emails") or ())
        if emails and rng.random() < 0.5:
            emails[0] = _pick(rng, _PLACEHOLDER_EMAILS)
        else:
            emails.append(_pick(rng, _PLACEHOLDER_EMAILS))
        record["emails"] = emails


def _profile_name(profile: _Profile) -> str:
    if isinstance(profile, _Person):
        return f"{profile.family} {profile.given} {profile.patronymic}"
    short = _FORMS[profile.form][0]
    return f"ИП {profile.core}" if short == "ИП" else f"{short} «{profile.core}»"


def _chunk(
    gen: _Generator, n_entities: int, chunk_index: int, on_entity: Callable[[Entity], None] | None
) -> list[tuple[str, Record, str]]:
    """Return the next chunk of labelled records, shuffled, with their external ids."""
    seed = gen.seed
    pending: list[tuple[str, Record, str, str]] = []
    stop = min(n_entities, (chunk_index + 1) * _CHUNK_ENTITIES)
    while gen.next_index < stop:
        rng = random.Random((seed << 40) ^ gen.unit_index)
        gen.unit_index += 1
        for profile in gen.unit(rng):
            if profile.index >= n_entities:
                continue  # the last unit is cut to the number asked for
            entity_id = _entity_id(profile.index)
            for source, record, style in gen.records_for(rng, profile):
                pending.append((source, record, style, entity_id))
            if on_entity is not None:
                kind = "person" if isinstance(profile, _Person) else "organization"
                on_entity(Entity(entity_id, kind, _profile_name(profile), frozenset(profile.tags)))
    chunk_rng = random.Random((seed << 40) ^ (1 << 39) ^ chunk_index)
    chunk_rng.shuffle(pending)
    chunk = []
    for source, record, style, entity_id in pending:
        record["external_id"] = gen.external_id(chunk_rng, source, style)
        chunk.append((source, record, entity_id))
    return chunk


def iter_labelled(
    n_entities: int, seed: int = 0, *, on_entity: Callable[[Entity], None] | None = None
) -> Iterator[tuple[str, Record, str]]:
    """Yield ``(source, record, entity id)`` for ``n_entities`` real customers, as a stream.

    Records come in chunks of about 2,000 customers, shuffled within the chunk; the same
    ``(n_entities, seed)`` always yields the same records in the same order. ``on_entity``
    is called with each :class:`Entity` once its records are produced.
    """
    if n_entities < 0:
        raise ValueError("n_entities must not be negative")
    gen = _Generator(seed)
    chunk_index = 0
    while gen.next_index < n_entities:
        # Building a chunk allocates only acyclic objects; the cyclic collector would rescan
        # them again and again (half the run time), so it pauses while the chunk is built.
        collecting = gc.isenabled()
        gc.disable()
        try:
            chunk = _chunk(gen, n_entities, chunk_index, on_entity)
        finally:
            if collecting:
                gc.enable()
        chunk_index += 1
        yield from chunk


def iter_records(n_entities: int, seed: int = 0) -> Iterator[tuple[str, Record]]:
    """Yield ``(source, record)`` exactly as :func:`generate` lists them, keeping no truth."""
    for source, record, _entity in iter_labelled(n_entities, seed):
        yield source, record


def generate(n_entities: int, seed: int = 0) -> MessyDataset:
    """Return ``n_entities`` real customers' records from five sources, with the truth.

    Deterministic: the same ``(n_entities, seed)`` gives the same dataset. About 2.8 records
    per customer; 50,000 customers take about 3 s; 300,000 (some 850,000 records) stream in
    about 16 s.
    """
    entities: dict[str, Entity] = {}

    def keep(entity: Entity) -> None:
        entities[entity.id] = entity

    records: list[tuple[str, Record]] = []
    truth: dict[Key, str] = {}
    # Millions of small acyclic dicts would make the cyclic collector rescan the growing heap
    # again and again; nothing generated here can form a cycle, so it pauses meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for source, record, entity_id in iter_labelled(n_entities, seed, on_entity=keep):
            records.append((source, record))
            truth[source, record["external_id"]] = entity_id
    finally:
        if collecting:
            gc.enable()
    return MessyDataset(records, truth, entities)
