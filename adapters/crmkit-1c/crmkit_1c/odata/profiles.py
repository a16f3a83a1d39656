"""Where each 1C configuration keeps counterparties and customer orders, by OData name.

1C's standard OData interface names entity sets after the metadata objects
(``Catalog_Контрагенты``, ``Document_ЗаказКлиента``) and properties after their attributes
(``ИНН``, ``Контрагент_Key``). Configurations differ: УТ 11, КА 2 and ERP 2 share the
``ЗаказКлиента`` document with a ``Статус``; older ones (УТ 10, УНФ) use
``ЗаказПокупателя``; БП 3 marks persons with ``ЮридическоеФизическоеЛицо``. A profile holds
one configuration's names; a source's ``entities`` and ``fields`` settings override any of
them.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

#: Entity keys a profile names, and what each is.
ENTITY_KEYS = {
    "counterparties": "the counterparty catalog",
    "orders": "the customer-order document (a list: the first one published is read)",
    "currencies": "the currency catalog (to turn Валюта_Key into an ISO code)",
    "products": "the product catalog (to name order lines)",
    "partners": "the partner catalog (УТ 11, КА 2, ERP 2: a customer's contact information)",
}

#: Field keys a profile names, and what each is.
FIELD_KEYS = {
    "name": "counterparty: short name",
    "full_name": "counterparty: full name",
    "inn": "counterparty: ИНН",
    "kpp": "counterparty: КПП",
    "ogrn": "counterparty: ОГРН",
    "legal_kind": "counterparty: person or organisation (enumeration)",
    "contacts": "counterparty: contact-information tabular part",
    "partner": "counterparty: the partner it belongs to (УТ 11)",
    "head_office": "counterparty: head office of a branch",
    "comment": "counterparty and order: comment",
    "number": "order: number",
    "date": "order: date",
    "posted": "order: posted flag",
    "customer": "order: counterparty reference",
    "status": "order: status (enumeration)",
    "total": "order: total",
    "currency": "order: currency reference",
    "customer_number": "order: the customer's own number for the order",
    "shipping_address": "order: delivery address (text)",
    "lines": "order: goods tabular part",
    "line_product": "order line: product reference",
    "line_quantity": "order line: quantity",
    "line_price": "order line: unit price",
    "line_amount": "order line: amount",
}

_COMMON_FIELDS = {
    "name": "Description",
    "full_name": "НаименованиеПолное",
    "inn": "ИНН",
    "kpp": "КПП",
    "ogrn": "",
    "legal_kind": "ЮрФизЛицо",
    "contacts": "КонтактнаяИнформация",
    "partner": "Партнер_Key",
    "head_office": "ГоловнойКонтрагент_Key",
    "comment": "Комментарий",
    "number": "Number",
    "date": "Date",
    "posted": "Posted",
    "customer": "Контрагент_Key",
    "status": "Статус",
    "total": "СуммаДокумента",
    "currency": "Валюта_Key",
    "customer_number": "НомерПоДаннымКлиента",
    "shipping_address": "АдресДоставки",
    "lines": "Товары",
    "line_product": "Номенклатура_Key",
    "line_quantity": "Количество",
    "line_price": "Цена",
    "line_amount": "Сумма",
}
_COMMON_ENTITIES: dict[str, tuple[str, ...]] = {
    "counterparties": ("Catalog_Контрагенты",),
    "orders": ("Document_ЗаказКлиента",),
    "currencies": ("Catalog_Валюты",),
    "products": ("Catalog_Номенклатура",),
    "partners": ("Catalog_Партнеры",),
}
_OLD_ORDER_FIELDS = {
    "status": "",
    "currency": "ВалютаДокумента_Key",
    "customer_number": "",
    "shipping_address": "",
    "partner": "",
}


@attrs.frozen
class Profile:
    """One configuration's entity and field names; an empty field name means "not there"."""

    name: str
    title: str
    entities: Mapping[str, tuple[str, ...]]
    fields: Mapping[str, str]

    def entity(self, key: str) -> str:
        """Return the first entity set named for ``key`` (``counterparties``, ``orders``...)."""
        return self.entities[key][0]

    def field(self, key: str) -> str:
        """Return the property name for ``key``, or ``""`` when the configuration has none."""
        return self.fields.get(key, "")

    def overridden(
        self, entities: Mapping[str, str | list[str]], fields: Mapping[str, str]
    ) -> Profile:
        """Return this profile with some entity and field names replaced."""
        new_entities = dict(self.entities)
        for key, value in entities.items():
            new_entities[key] = (value,) if isinstance(value, str) else tuple(value)
        return attrs.evolve(self, entities=new_entities, fields={**self.fields, **fields})


def _profile(
    name: str,
    title: str,
    entities: Mapping[str, tuple[str, ...]] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Profile:
    return Profile(
        name,
        title,
        {**_COMMON_ENTITIES, **(entities or {})},
        {**_COMMON_FIELDS, **(fields or {})},
    )


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        _profile("ut11", "1С:Управление торговлей 11"),
        _profile("ka2", "1С:Комплексная автоматизация 2"),
        _profile("erp2", "1С:ERP Управление предприятием 2"),
        _profile(
            "bp3",
            "1С:Бухгалтерия предприятия 3.0",
            {"orders": ("Document_ЗаказПокупателя", "Document_СчетНаОплатуПокупателю")},
            {**_OLD_ORDER_FIELDS, "legal_kind": "ЮридическоеФизическоеЛицо", "ogrn": ""},
        ),
        _profile(
            "ut10",
            "1С:Управление торговлей 10.3",
            {"orders": ("Document_ЗаказПокупателя",)},
            {**_OLD_ORDER_FIELDS, "legal_kind": "ЮрФизЛицо"},
        ),
        _profile(
            "unf",
            "1С:Управление нашей фирмой",
            {"orders": ("Document_ЗаказПокупателя",)},
            {**_OLD_ORDER_FIELDS, "lines": "Запасы", "currency": "ВалютаДокумента_Key"},
        ),
    )
}


def metadata_name(entity: str) -> str:
    """Return the 1C metadata name of an OData entity set, as the publication dialog shows it.

    ``Catalog_Контрагенты`` → ``Справочник.Контрагенты``; ``Document_ЗаказКлиента_Товары`` →
    ``Документ.ЗаказКлиента`` (its tabular parts are published with it).
    """
    kinds = {
        "Catalog": "Справочник",
        "Document": "Документ",
        "InformationRegister": "РегистрСведений",
        "AccumulationRegister": "РегистрНакопления",
        "ChartOfCharacteristicTypes": "ПланВидовХарактеристик",
        "Constant": "Константа",
        "ExchangePlan": "ПланОбмена",
    }
    prefix, _, rest = entity.partition("_")
    if prefix not in kinds or not rest:
        return entity
    return f"{kinds[prefix]}.{rest.split('_')[0]}"
