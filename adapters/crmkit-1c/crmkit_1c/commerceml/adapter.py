"""The ``commerceml`` adapter: counterparties and orders from CommerceML 2 exchange files.

It reads one file or every ``*.xml`` file of a folder, oldest first. The cursor is the
modification time and name of the last file read whole, so a folder that receives new
exchange files is read incrementally, and a file written again is read again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from lxml import etree
from marshmallow import Schema, fields, validate

from crmkit.domain import RawItem
from crmkit.errors import AdapterError
from crmkit.sdk.adapter import Adapter, Checkpoint, Progress, StreamSpec
from crmkit_1c._values import DEFAULT_TIMEZONE, reason
from crmkit_1c.commerceml.mapping import (
    ORDER_OPERATION,
    OrderContext,
    children,
    counterparty_record,
    operation,
    order_events,
    order_record,
    within,
)
from crmkit_1c.commerceml.reader import (
    COUNTERPARTY,
    DOCUMENT,
    Broken,
    Found,
    files,
    fragment,
    line_of,
    local,
    parse_fragment,
    read_elements,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterator

CUSTOMERS = "customers"
ORDERS = "orders"
ORDER_EVENTS = "order_events"
_SHOWN_HEAD = 4096


class CommerceMLSettings(Schema):
    """Settings of the ``commerceml`` adapter (see ``docs/adapters/1c.md``)."""

    path = fields.String(required=True, validate=validate.Length(min=1))
    pattern = fields.String(load_default="*.xml")
    encoding = fields.String(load_default=None, allow_none=True)
    onec_source = fields.String(load_default="1c")
    site_source = fields.String(load_default=None, allow_none=True)
    currency = fields.String(
        load_default="RUB", validate=validate.Regexp(r"^[A-Z]{3}$", error="an ISO 4217 code")
    )
    operations = fields.List(fields.String(), load_default=lambda: [ORDER_OPERATION])
    deleted = fields.String(load_default="mark", validate=validate.OneOf(["mark", "skip"]))


class CommerceMLAdapter(Adapter):
    """Reads ``Контрагент`` elements (``customers``) and order ``Документ`` s (``orders``)."""

    name = "commerceml"
    description = "CommerceML 2 exchange files (1C ↔ web sites), a file or a folder"
    config_schema = CommerceMLSettings
    streams: ClassVar[tuple[StreamSpec, ...]] = (
        StreamSpec(CUSTOMERS, "Контрагенты, standalone and the buyers of documents"),
        StreamSpec(ORDERS, "Документ elements of ХозОперация 'Заказ товара'"),
        StreamSpec(ORDER_EVENTS, "payment, shipment and status changes the documents date"),
    )
    timezone: dt.tzinfo = DEFAULT_TIMEZONE

    def check(self) -> str:
        """Return how many files the path holds; raise :class:`AdapterError` if there are none."""
        found = self._files()
        return f"{self.config['path']}: {len(found)} CommerceML file(s)"

    def _files(self) -> list[Path]:
        path = Path(self.config["path"])
        if not path.exists():
            raise AdapterError(self.source, f"{path} does not exist")
        found = files(path, self.config["pattern"])
        if path.is_dir() and not found:
            raise AdapterError(self.source, f"{path} holds no {self.config['pattern']} files")
        return found

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield the items of ``stream`` from every file newer than ``cursor``.

        A checkpoint follows each file. A broken element is yielded with ``error``; a file
        that is refused or stops being well-formed yields one item with the reason, and the
        next file is read.
        """
        if stream not in {CUSTOMERS, ORDERS, ORDER_EVENTS}:
            raise AdapterError(self.source, f"the commerceml adapter has no stream {stream!r}")
        after = _after(cursor)
        todo = [f for f in sorted(self._files(), key=_stamp) if after is None or _stamp(f) > after]
        progress.set_total(sum(f.stat().st_size for f in todo))
        for path in todo:
            yield from self._file(path, stream)
            progress.advance(path.stat().st_size)
            mtime, name = _stamp(path)
            yield Checkpoint(json.dumps({"mtime_ns": mtime, "name": name}))

    def _file(self, path: Path, stream: str) -> Iterator[RawItem]:
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise AdapterError(self.source, f"cannot read {path}: {exc.strerror}") from exc
        with handle:
            for found in read_elements(handle, self.config["encoding"]):
                if isinstance(found, Broken):
                    yield self._broken(path, found)
                elif isinstance(found, Found):
                    yield from self._found(path, found, stream)

    def _broken(self, path: Path, broken: Broken) -> RawItem:
        with path.open("rb") as handle:
            head = handle.read(_SHOWN_HEAD).decode("utf-8", "replace")
        where = f"{path.name} line {broken.line}" if broken.line else path.name
        return RawItem(raw=head, data=None, position=where, error=f"{path}: {broken.reason}")

    def _found(self, path: Path, found: Found, stream: str) -> Iterator[RawItem]:
        element = found.element
        where = f"{path.name} line {found.line}"
        if found.kind == COUNTERPARTY:
            if stream == CUSTOMERS:
                yield self._item(element, where, counterparty_record)
            return
        if not self._wanted(element):
            return
        if stream == ORDERS:
            yield self._item(element, where, self._order)
            return
        if stream == ORDER_EVENTS:
            yield from self._events(element, where)
            return
        for party in children(within(element, "Контрагенты"), COUNTERPARTY):
            yield self._item(party, f"{path.name} line {line_of(party)}", counterparty_record)

    def _wanted(self, document: etree._Element) -> bool:
        kind = operation(document)
        return kind is None or kind in self.config["operations"]

    def _events(self, document: etree._Element, where: str) -> Iterator[RawItem]:
        raw = fragment(document)
        try:
            events = order_events(document, self._context())
        except (ValueError, TypeError, AttributeError) as exc:
            yield RawItem(raw=raw, data=None, position=where, error=reason(exc))
            return
        for event in events:
            yield RawItem(raw=raw, data=event, position=f"{where} ({event['external_id']})")

    def _order(self, document: etree._Element) -> dict[str, Any]:
        return order_record(document, self._context())

    def _context(self) -> OrderContext:
        return OrderContext(
            source=self.source,
            zone=self.timezone,
            default_currency=self.config["currency"],
            onec_source=self.config["onec_source"],
            site_source=self.config["site_source"],
        )

    def _item(
        self,
        element: etree._Element,
        where: str,
        mapper: Callable[[etree._Element], dict[str, Any]],
    ) -> RawItem:
        raw = fragment(element)
        try:
            data = mapper(element)
        except (ValueError, TypeError, AttributeError) as exc:
            return RawItem(raw=raw, data=None, position=where, error=reason(exc))
        if data.get("deleted") and self.config["deleted"] == "skip":
            return RawItem(raw=raw, data=None, position=where, error="marked for deletion")
        return RawItem(raw=raw, data=data, position=where)

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:
        """Return the item for a dead letter's raw element, parsed safely and mapped again."""
        where = position or "dead letter"
        try:
            element = parse_fragment(raw)
        except (etree.XMLSyntaxError, ValueError) as exc:
            return RawItem(raw=raw, data=None, position=where, error=f"not an element: {exc}")
        kind = local(element)
        if stream == CUSTOMERS and kind == COUNTERPARTY:
            return self._item(element, where, counterparty_record)
        if stream == ORDERS and kind == DOCUMENT:
            return self._item(element, where, self._order)
        if stream == ORDER_EVENTS and kind == DOCUMENT:
            return next(self._events(element, where), RawItem(raw, None, where, "no events"))
        return RawItem(raw=raw, data=None, position=where, error=f"a <{kind}> is not a record")


def _stamp(path: Path) -> tuple[int, str]:
    return path.stat().st_mtime_ns, path.name


def _after(cursor: Any) -> tuple[int, str] | None:
    if not cursor:
        return None
    try:
        value = json.loads(cursor) if isinstance(cursor, str) else cursor
        return int(value["mtime_ns"]), str(value["name"])
    except (ValueError, KeyError, TypeError):
        return None
