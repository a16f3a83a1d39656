"""1C OData entities (counterparties, customer orders) in crmkit's generic formats.

Each function takes one entity as 1C sent it (numbers decoded as ``Decimal``) and returns the
generic record, raising :class:`ValueError` with the reason when the entity cannot be one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmkit_1c._parties import address_record, clean, legal_kind, party_record
from crmkit_1c._values import BadRecord, amount, enum_words, local_time, ref

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from crmkit_1c.odata.profiles import Profile

#: Contact-information types (the ``Тип`` enumeration of the БСП subsystem).
PHONE_TYPES = frozenset({"Телефон"})
EMAIL_TYPES = frozenset({"АдресЭлектроннойПочты"})
ADDRESS_TYPES = frozenset({"Адрес"})
WEB_TYPES = frozenset({"ВебСтраница"})


def _text(entity: Mapping[str, Any], field: str) -> str | None:
    return clean(entity.get(field)) if field else None


def contact_facts(rows: object) -> dict[str, Any]:
    """Return ``phones``, ``emails``, ``addresses`` and ``website`` of a contact-information part.

    A phone is read from ``НомерТелефона`` (with codes) and else ``Представление``; an
    e-mail from ``АдресЭП`` and else ``Представление``; an address from ``Представление``
    with ``Город``, ``Регион`` and ``Страна``. Rows of other types (fax, Skype) are ignored.
    """
    phones: list[str] = []
    emails: list[str] = []
    addresses: list[dict[str, str]] = []
    website: str | None = None
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        kind = clean(row.get("Тип")) or ""
        shown = clean(row.get("Представление"))
        if kind in PHONE_TYPES:
            value = clean(row.get("НомерТелефона")) or shown
            if value:
                phones.append(value)
        elif kind in EMAIL_TYPES:
            value = clean(row.get("АдресЭП")) or shown
            if value:
                emails.append(value)
        elif kind in ADDRESS_TYPES and shown:
            addresses.append(
                address_record(
                    shown,
                    city=clean(row.get("Город")),
                    region=clean(row.get("Регион")),
                    country=clean(row.get("Страна")),
                )
            )
        elif kind in WEB_TYPES and shown and website is None:
            website = shown
    return {"phones": phones, "emails": emails, "addresses": addresses, "website": website}


def counterparty_record(
    entity: Mapping[str, Any], profile: Profile, partner: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the generic customer record of a ``Catalog_Контрагенты`` entity.

    ``Ref_Key`` is the external id. A counterparty marked for deletion carries the
    attribute ``deleted_in_1c: true``; the partner and head office references (УТ 11) are
    kept as attributes ``partner_key`` and ``head_office_key``. The contact information of
    its ``partner`` (a ``Catalog_Партнеры`` entity), if given, follows its own, and the
    partner's name is kept as ``partner_name``.
    """
    key = ref(entity.get("Ref_Key"))
    if key is None:
        raise BadRecord("the entity has no Ref_Key")
    field = profile.field
    name = _text(entity, field("name"))
    full_name = _text(entity, field("full_name"))
    inn = _text(entity, field("inn"))
    kind = legal_kind(_text(entity, field("legal_kind")), name or full_name, inn)
    contacts = contact_facts(entity.get(field("contacts"))) if field("contacts") else {}
    attributes: dict[str, Any] = {}
    if partner is not None and field("contacts"):
        theirs = contact_facts(partner.get(field("contacts")))
        for kind in ("phones", "emails", "addresses"):
            contacts[kind] = [*contacts.get(kind, []), *theirs[kind]]
        contacts["website"] = contacts.get("website") or theirs["website"]
        partner_name = clean(partner.get("Description"))
        if partner_name and partner_name != name:
            attributes["partner_name"] = partner_name
    if entity.get("DeletionMark") is True:
        attributes["deleted_in_1c"] = True
    if clean(entity.get("Code")):
        attributes["code_1c"] = clean(entity.get("Code"))
    for setting, attribute in (("partner", "partner_key"), ("head_office", "head_office_key")):
        value = ref(entity.get(field(setting))) if field(setting) else None
        if value and value != key:
            attributes[attribute] = value
    return party_record(
        key,
        kind=kind,
        name=name,
        full_name=full_name,
        inn=inn,
        kpp=_text(entity, field("kpp")),
        ogrn=_text(entity, field("ogrn")),
        phones=contacts.get("phones"),
        emails=contacts.get("emails"),
        addresses=contacts.get("addresses"),
        website=contacts.get("website"),
        attributes=attributes,
    )


def order_record(
    entity: Mapping[str, Any],
    profile: Profile,
    *,
    zone: dt.tzinfo,
    currencies: Mapping[str, str],
    default_currency: str,
    products: Mapping[str, str],
    customer_number_source: str | None,
) -> dict[str, Any]:
    """Return the generic order record of a customer-order document entity.

    ``currencies`` maps ``Catalog_Валюты`` keys to ISO codes (``default_currency`` when the
    key is unknown); ``products`` maps product keys to names. The status is the enumeration
    as 1C shows it (``К отгрузке``); a document marked for deletion gets ``deleted: true``.
    """
    key = ref(entity.get("Ref_Key"))
    if key is None:
        raise BadRecord("the entity has no Ref_Key")
    field = profile.field

    def value(name: str) -> Any:
        return entity.get(field(name)) if field(name) else None

    customer = ref(value("customer"))
    lines = value("lines")
    address = _text(entity, field("shipping_address"))
    theirs = _text(entity, field("customer_number"))
    posted = value("posted")
    record: dict[str, Any] = {
        "external_id": key,
        "number": _text(entity, field("number")),
        "placed_at": local_time(value("date"), zone),
        "customer": {"external_id": customer} if customer else None,
        "currency": currencies.get(ref(value("currency")) or "", default_currency),
        "total": _amount(entity, field("total"), "total"),
        "lines": _lines(lines, profile, products) if lines is not None else None,
        "status": enum_words(value("status")),
        "shipping_address": address_record(address) if address else None,
        "cross_references": (
            [{"source": customer_number_source, "number": theirs}]
            if theirs and customer_number_source
            else None
        ),
        "posted": posted if isinstance(posted, bool) else None,
        "deleted": True if entity.get("DeletionMark") is True else None,
    }
    return {k: v for k, v in record.items() if v is not None}


def _amount(entity: Mapping[str, Any], field: str, what: str) -> str | None:
    if not field or entity.get(field) is None:
        return None
    try:
        return amount(entity[field])
    except BadRecord as exc:
        raise BadRecord(f"{what} ({field}): {exc}") from None


def _lines(rows: object, profile: Profile, products: Mapping[str, str]) -> list[dict[str, Any]]:
    if not isinstance(rows, list):
        raise BadRecord(f"{profile.field('lines')} is not a list of rows")
    field = profile.field
    lines: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise BadRecord(f"{field('lines')} row {number} is not an object")
        product = ref(row.get(field("line_product")))
        line: dict[str, Any] = {}
        if product:
            line["sku"] = product
            if products.get(product):
                line["name"] = products[product]
        try:
            quantity = amount(row.get(field("line_quantity")))
            price = amount(row.get(field("line_price")))
            total = amount(row.get(field("line_amount")))
        except BadRecord as exc:
            raise BadRecord(f"{field('lines')} row {number}: {exc}") from None
        if quantity is not None:
            line["quantity"] = quantity
        if price is not None:
            line["price"] = price
        if total is not None:
            line["amount"] = total
        lines.append(line)
    return lines
