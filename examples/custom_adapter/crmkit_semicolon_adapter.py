"""An adapter for a legacy till's customer export: one customer per line, fields split by ``;``.

The format, one line per customer (blank lines and lines starting with ``#`` are skipped)::

    ID;NAME;PHONES;EMAIL;CITY
    1001;Петров Иван;8 (495) 123-45-67, +7 916 111-22-33;ivan@romashka.ru;Москва

``PHONES`` holds several numbers split by commas; an empty field says nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from marshmallow import Schema, fields, validate

import crmkit
from crmkit.domain import CustomerKind, RawItem
from crmkit.errors import AdapterError
from crmkit.sdk import Adapter, Progress, StreamSpec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

COLUMNS = ("external_id", "name", "phones", "email", "city")


class SemicolonConfig(Schema):
    """Settings: the file to read, its encoding, and what kind of customers it holds."""

    path = fields.String(required=True, validate=validate.Length(min=1))
    encoding = fields.String(load_default="utf-8")
    kind = fields.String(
        load_default=None, validate=validate.OneOf([k.value for k in CustomerKind])
    )


def parse_line(text: str, kind: str | None) -> dict[str, Any]:
    """Return one line as a record in crmkit's generic format; raise ``ValueError`` if malformed."""
    cells = [cell.strip() for cell in text.split(";")]
    if len(cells) != len(COLUMNS):
        raise ValueError(f"expected {len(COLUMNS)} fields separated by ';', found {len(cells)}")
    row = dict(zip(COLUMNS, cells, strict=True))
    record: dict[str, Any] = {"external_id": row["external_id"]}
    if kind:
        record["kind"] = kind
    if row["name"]:
        record["name"] = row["name"]
    phones = [p.strip() for p in row["phones"].split(",") if p.strip()]
    if phones:
        record["phones"] = phones
    if row["email"]:
        record["emails"] = [row["email"]]
    if row["city"]:
        record["addresses"] = [{"city": row["city"]}]
    return record


class SemicolonAdapter(Adapter):
    """Reads customers from a semicolon-separated text file."""

    name = "semicolon"
    description = "a legacy till's customer export: ID;NAME;PHONES;EMAIL;CITY"
    config_schema = SemicolonConfig
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers", "one per line"),)

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem]:  # noqa: ARG002 - reads the whole file
        """Yield one :class:`RawItem` per customer line; a malformed line carries ``error``."""
        if stream != "customers":
            raise AdapterError(self.source, f"the semicolon adapter has no {stream!r} stream")
        path = Path(self.config["path"])
        try:
            progress.set_total(path.stat().st_size)
            handle = path.open("rb")  # closed by the with-block below
        except OSError as exc:
            raise AdapterError(self.source, f"cannot read {path}: {exc.strerror}") from exc
        with handle:
            for number, line in enumerate(handle, start=1):
                progress.advance(len(line))
                item = self._item(line, f"line {number}")
                if item is not None:
                    yield item

    def _item(self, line: bytes, position: str) -> RawItem | None:
        """Return the item for one line of the file, or ``None`` for a blank or comment line."""
        encoding = self.config["encoding"]
        try:
            text = line.decode(encoding).rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raw = line.decode(encoding, "replace").rstrip("\r\n")
            return RawItem(raw, None, position, error=f"not valid {encoding}: {exc.reason}")
        if not text.strip() or text.lstrip().startswith("#"):
            return None
        try:
            data = parse_line(text, self.config["kind"])
        except ValueError as exc:
            return RawItem(raw=text, data=None, position=position, error=str(exc))
        return RawItem(raw=text, data=data, position=position)


@crmkit.hookimpl
def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register the ``semicolon`` adapter."""
    register(SemicolonAdapter)
