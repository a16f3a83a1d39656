"""The built-in ``jsonl`` and ``csv`` adapters: generic-format files, read as streams.

Both read one file per run. ``jsonl`` takes one JSON object per line; ``csv`` takes a header
row whose columns are the generic format's field names (see ``docs/formats.md``).
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

import msgspec
from marshmallow import Schema, fields, validate

from crmkit.domain import RawItem, Stream
from crmkit.errors import AdapterError
from crmkit.hookspecs import hookimpl
from crmkit.sdk.adapter import Adapter, Progress, StreamSpec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024
_KEEP_OF_OVERSIZED = 64 * 1024
_ALL_STREAMS = tuple(StreamSpec(s.value) for s in Stream)


class FileConfigSchema(Schema):
    """Settings shared by the file adapters."""

    path = fields.String(required=True, validate=validate.Length(min=1))
    encoding = fields.String(load_default="utf-8-sig")
    max_record_bytes = fields.Integer(
        load_default=DEFAULT_MAX_RECORD_BYTES, validate=validate.Range(min=1)
    )


class CsvConfigSchema(FileConfigSchema):
    """Settings of the ``csv`` adapter."""

    delimiter = fields.String(load_default=",", validate=validate.Length(equal=1))
    list_separator = fields.String(load_default=";", validate=validate.Length(min=1))


class _FileAdapter(Adapter):
    streams: ClassVar[tuple[StreamSpec, ...]] = _ALL_STREAMS

    def _open(self) -> IO[bytes]:
        path = self.config["path"]
        try:
            handle = Path(path).open("rb")  # noqa: SIM115 - closed by the caller's with-block
        except OSError as exc:
            raise AdapterError(self.source, f"cannot read {path}: {exc.strerror}") from exc
        return handle

    def _size(self) -> int | None:
        try:
            return Path(self.config["path"]).stat().st_size
        except OSError:
            return None

    def check(self) -> str:
        """Return the file's size if it can be opened; raise :class:`AdapterError` if not."""
        with self._open() as handle:
            handle.read(1)
        return f"{self.config['path']} is readable ({self._size() or 0} bytes)"

    def default_streams(self) -> list[str]:
        """Return ``["customers"]``: one file holds one stream; name another in ``streams``."""
        return [Stream.CUSTOMERS.value]


def _read_lines(handle: IO[bytes], limit: int) -> Iterator[tuple[bytes, bool]]:
    """Yield ``(line, complete)``; a line over ``limit`` bytes is cut to 64 KiB and drained."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            head = line
            if len(head) < _KEEP_OF_OVERSIZED:
                head += handle.readline(_KEEP_OF_OVERSIZED - len(head))
            line = head
            while line and not line.endswith(b"\n"):
                line = handle.readline(1024 * 1024)
            yield head[:_KEEP_OF_OVERSIZED].rstrip(b"\r\n"), False
            continue
        yield line, True


class JsonLinesAdapter(_FileAdapter):
    """Reads a JSON Lines file: one record (a JSON object) per line; blank lines are skipped."""

    name = "jsonl"
    description = "generic records, one JSON object per line"
    config_schema = FileConfigSchema

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem]:  # noqa: ARG002
        """Yield one :class:`RawItem` per non-blank line; malformed lines carry ``error``."""
        progress.set_total(self._size())
        limit = self.config["max_record_bytes"]
        encoding = self.config["encoding"]
        # Lines in UTF-8 (with or without a byte-order mark) are decoded by the C codec and
        # their JSON parsed from the bytes, which spares msgspec a UTF-8 copy of the text.
        codec = _codec_name(encoding)
        utf8 = codec in {"utf-8", "utf-8-sig"}
        fast_encoding = "utf-8" if utf8 else encoding
        strip_bom = codec == "utf-8-sig"
        decode: Callable[[bytes | str], Any] = msgspec.json.decode
        advance = progress.advance
        with self._open() as handle:
            for number, (line, complete) in enumerate(_read_lines(handle, limit), start=1):
                advance(len(line))
                position = f"line {number}"
                if not complete:
                    raw = line.decode(encoding, "replace")
                    error = f"record longer than {limit} bytes (first {len(line)} bytes kept)"
                    yield RawItem(raw=raw, data=None, position=position, error=error)
                    continue
                try:
                    text = line.decode(fast_encoding).rstrip("\r\n")
                except UnicodeDecodeError as fast_exc:
                    exc = _decode_error(line, encoding, fast_exc)
                    raw = line.decode(encoding, "replace").rstrip("\r\n")
                    error = f"not valid {encoding}: {exc.reason} at byte {exc.start}"
                    yield RawItem(raw=raw, data=None, position=position, error=error)
                    continue
                document: bytes | str = line if utf8 else text
                if strip_bom and text[:1] == "\ufeff":
                    text = document = text[1:]
                if not text or text.isspace():
                    continue
                try:
                    data = decode(document)
                except msgspec.DecodeError:
                    yield _item_from_text(text, position)
                    continue
                yield RawItem(raw=text, data=data, position=position, raw_is_record=True)


def _codec_name(encoding: str) -> str | None:
    """Return the codec's canonical name, or ``None`` for an unknown encoding.

    An unknown encoding still fails where it always did: on decoding the first line.
    """
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _decode_error(line: bytes, encoding: str, fast_error: UnicodeDecodeError) -> UnicodeDecodeError:
    """Return the error ``line.decode(encoding)`` raises, whose byte offset the reason names.

    (The C ``utf-8`` codec counts a byte-order mark that ``utf-8-sig`` does not.)
    """
    try:
        line.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc
    return fast_error


def _item_from_text(text: str, position: str) -> RawItem:
    """Return the item for a line whose bytes did not parse, parsing its text as such.

    This gives exactly the item (and error message) that parsing the text always gave.
    """
    try:
        data = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        return RawItem(raw=text, data=None, position=position, error=f"malformed JSON: {exc}")
    return RawItem(raw=text, data=data, position=position, raw_is_record=True)


_LIST_COLUMNS = frozenset({"emails", "phones"})
#: Key under which a dead letter's raw row keeps the cells beyond the header's columns.
_EXTRA_CELLS = "(cells beyond the header)"
_ADDRESS_PREFIX = "address_"
_NESTED = ("identifiers.", "attributes.", "customer.", "order.", "shipping_address.")
_INTEGER_COLUMNS = frozenset({"duration_seconds", "csat", "nps"})
_CROSS_REFERENCES = "cross_references"


def csv_row_to_record(row: dict[str, str], list_separator: str) -> dict[str, Any]:
    """Return a CSV row (header → cell) as a generic record; empty cells are left out.

    ``emails`` and ``phones`` cells hold several values split by ``list_separator``;
    ``address_line``, ``address_city``, ... make one address; ``identifiers.inn`` and
    ``attributes.segment`` style columns fill those mappings, as ``customer.phones``,
    ``order.number`` and ``shipping_address.city`` fill the objects of orders, order events
    and interactions; a ``cross_references`` cell lists ``SOURCE:NUMBER`` pairs; whole
    numbers in ``duration_seconds``, ``csat`` and ``nps`` become integers.
    """
    record: dict[str, Any] = {}
    address: dict[str, str] = {}
    for column, cell in row.items():
        if column is None or cell is None or not cell.strip():
            continue
        key = column.strip()
        value = cell.strip()
        if key in _LIST_COLUMNS:
            record[key] = [v.strip() for v in value.split(list_separator) if v.strip()]
        elif key.startswith(_ADDRESS_PREFIX):
            address[key.removeprefix(_ADDRESS_PREFIX)] = value
        elif key.startswith(_NESTED):
            group, _, sub = key.partition(".")
            nested = record.setdefault(group, {})
            if sub in _LIST_COLUMNS:
                nested[sub] = [v.strip() for v in value.split(list_separator) if v.strip()]
            else:
                nested[sub] = value
        elif key == _CROSS_REFERENCES:
            pairs = (v.strip().partition(":") for v in value.split(list_separator) if v.strip())
            record[key] = [{"source": s.strip(), "number": n.strip()} for s, _, n in pairs]
        elif key in _INTEGER_COLUMNS and value.lstrip("+-").isdigit():
            record[key] = int(value)
        else:
            record[key] = value
    if address:
        record["addresses"] = [address]
    return record


class CsvAdapter(_FileAdapter):
    """Reads a CSV file with a header row of generic-format column names."""

    name = "csv"
    description = "generic records, a CSV file with a header row"
    config_schema = CsvConfigSchema

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem]:  # noqa: ARG002
        """Yield one :class:`RawItem` per data row; ``raw`` is the row as JSON."""
        progress.set_total(self._size())
        encoding = self.config["encoding"]
        separator = self.config["list_separator"]
        with self._open() as binary:
            text = io.TextIOWrapper(binary, encoding=encoding, newline="", errors="strict")
            reader = csv.DictReader(text, delimiter=self.config["delimiter"])
            read_so_far = 0
            try:
                for row in reader:
                    position = f"line {reader.line_num}"
                    done = binary.tell()
                    progress.advance(done - read_so_far)
                    read_so_far = done
                    if None in row:
                        extra = row.pop(None)
                        raw = msgspec.json.encode({**row, _EXTRA_CELLS: extra}).decode()
                        error = f"more cells than the header has columns ({len(extra)} extra)"
                        yield RawItem(raw=raw, data=None, position=position, error=error)
                        continue
                    raw = msgspec.json.encode(row).decode()
                    record = csv_row_to_record(row, separator)
                    yield RawItem(raw=raw, data=record, position=position)
            except UnicodeDecodeError as exc:
                raise AdapterError(
                    self.source, f"{self.config['path']} is not valid {encoding}: {exc.reason}"
                ) from exc
            except csv.Error as exc:
                raise AdapterError(
                    self.source, f"{self.config['path']} line {reader.line_num}: {exc}"
                ) from exc

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:  # noqa: ARG002
        """Return the item for a dead letter's raw row (the row as JSON), mapped again."""
        where = position or "dead letter"
        try:
            row = msgspec.json.decode(raw)
        except msgspec.DecodeError as exc:
            return RawItem(raw=raw, data=None, position=where, error=f"malformed JSON: {exc}")
        if not isinstance(row, dict) or _EXTRA_CELLS in row:
            return RawItem(raw=raw, data=None, position=where, error="not a row of the header")
        cells = {str(k): "" if v is None else str(v) for k, v in row.items()}
        record = csv_row_to_record(cells, self.config["list_separator"])
        return RawItem(raw=raw, data=record, position=where)


@hookimpl
def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register the ``jsonl`` and ``csv`` adapters."""
    register(JsonLinesAdapter)
    register(CsvAdapter)
