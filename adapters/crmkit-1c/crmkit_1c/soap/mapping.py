"""XDTO objects of the reference web service (as zeep returns them) in crmkit's formats.

Element names are the reference service's (``Ref``, ``Description``, ``INN``...); an
integrator whose service names them otherwise maps them with the ``fields`` setting.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crmkit_1c._parties import address_record, clean, legal_kind, party_record
from crmkit_1c._values import BadRecord, amount, currency_code, local_time

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Default element names by key; ``fields`` overrides any of them.
FIELDS = {
    "ref": "Ref",
    "deleted": "DeletionMark",
    "code": "Code",
    "name": "Description",
    "full_name": "FullName",
    "legal_kind": "LegalKind",
    "inn": "INN",
    "kpp": "KPP",
    "phones": "Phone",
    "emails": "Email",
    "addresses": "Address",
    "changed": "Changed",
    "posted": "Posted",
    "number": "Number",
    "date": "Date",
    "customer": "Counterparty",
    "status": "Status",
    "currency": "Currency",
    "total": "Total",
    "customer_number": "CustomerNumber",
    "shipping_address": "ShippingAddress",
    "lines": "Line",
    "line_product": "Product",
    "line_name": "ProductName",
    "line_quantity": "Quantity",
    "line_price": "Price",
    "line_amount": "Amount",
}


def moment(value: object) -> str | None:
    """Return an XDTO ``dateTime`` (a ``datetime`` from zeep, or text) as 1C wrote it."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return clean(value)


def _texts(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [t for t in (clean(i) for i in items) if t]


class XdtoMapper:
    """Maps one service's objects; ``names`` are its element names by key."""

    def __init__(self, names: Mapping[str, str], zone: dt.tzinfo) -> None:
        self.names = {**FIELDS, **names}
        self.zone = zone

    def get(self, obj: Mapping[str, Any], key: str) -> Any:
        """Return the value of element ``key`` (by its configured name), or ``None``."""
        return obj.get(self.names[key])

    def counterparty(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Return the generic customer record of a ``Counterparty`` object."""
        key = clean(self.get(obj, "ref"))
        if not key:
            raise BadRecord(f"the Counterparty has no {self.names['ref']}")
        name = clean(self.get(obj, "name"))
        full_name = clean(self.get(obj, "full_name"))
        inn = clean(self.get(obj, "inn"))
        attributes: dict[str, Any] = {}
        if self.get(obj, "deleted") is True:
            attributes["deleted_in_1c"] = True
        if clean(self.get(obj, "code")):
            attributes["code_1c"] = clean(self.get(obj, "code"))
        return party_record(
            key,
            kind=legal_kind(clean(self.get(obj, "legal_kind")), name or full_name, inn),
            name=name,
            full_name=full_name,
            inn=inn,
            kpp=clean(self.get(obj, "kpp")),
            phones=_texts(self.get(obj, "phones")),
            emails=_texts(self.get(obj, "emails")),
            addresses=[address_record(a) for a in _texts(self.get(obj, "addresses"))],
            attributes=attributes,
            updated_at=local_time(moment(self.get(obj, "changed")), self.zone),
        )

    def order(
        self, obj: Mapping[str, Any], *, default_currency: str, customer_number_source: str | None
    ) -> dict[str, Any]:
        """Return the generic order record of an ``Order`` object."""
        key = clean(self.get(obj, "ref"))
        if not key:
            raise BadRecord(f"the Order has no {self.names['ref']}")
        try:
            total = amount(self.get(obj, "total"))
            lines = [self._line(line) for line in self._rows(obj)]
        except BadRecord as exc:
            raise BadRecord(f"Order {key}: {exc}") from None
        customer = clean(self.get(obj, "customer"))
        address = clean(self.get(obj, "shipping_address"))
        theirs = clean(self.get(obj, "customer_number"))
        status = clean(self.get(obj, "status"))
        posted = self.get(obj, "posted")
        record: dict[str, Any] = {
            "external_id": key,
            "number": clean(self.get(obj, "number")),
            "placed_at": local_time(moment(self.get(obj, "date")), self.zone),
            "status": status,
            "updated_at": local_time(moment(self.get(obj, "changed")), self.zone)
            if status
            else None,
            "customer": {"external_id": customer} if customer else None,
            "currency": currency_code(clean(self.get(obj, "currency"))) or default_currency,
            "total": total,
            "lines": lines,
            "shipping_address": address_record(address) if address else None,
            "cross_references": [{"source": customer_number_source, "number": theirs}]
            if theirs and customer_number_source
            else None,
            "posted": posted if isinstance(posted, bool) else None,
            "deleted": True if self.get(obj, "deleted") is True else None,
        }
        return {k: v for k, v in record.items() if v is not None}

    def _rows(self, obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        rows = self.get(obj, "lines") or []
        return [r for r in (rows if isinstance(rows, list) else [rows]) if isinstance(r, dict)]

    def _line(self, row: Mapping[str, Any]) -> dict[str, Any]:
        line = {
            "sku": clean(self.get(row, "line_product")),
            "name": clean(self.get(row, "line_name")),
            "quantity": amount(self.get(row, "line_quantity")),
            "price": amount(self.get(row, "line_price")),
            "amount": amount(self.get(row, "line_amount")),
        }
        return {k: v for k, v in line.items() if v is not None}
