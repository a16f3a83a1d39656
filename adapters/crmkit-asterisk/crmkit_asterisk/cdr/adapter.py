"""The ``asterisk-cdr`` adapter: reads ``Master.csv`` incrementally into call interactions."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from marshmallow import fields, validate

from crmkit.domain import RawItem
from crmkit.errors import AdapterError
from crmkit.sdk.adapter import Adapter, Checkpoint, StreamSpec
from crmkit_asterisk.cdr.cursor import FileCursor, Segment, plan
from crmkit_asterisk.cdr.mapping import map_cdr
from crmkit_asterisk.cdr.row import OPTIONAL_COLUMNS, CdrRowError, parse_line
from crmkit_asterisk.rules import CallRules, CallRulesSchema

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crmkit.sdk.adapter import Progress


class CdrConfigSchema(CallRulesSchema):
    """Settings of ``asterisk-cdr``: the file, its optional columns, and the call rules."""

    path = fields.String(required=True, validate=validate.Length(min=1))
    columns = fields.List(
        fields.String(validate=validate.OneOf(OPTIONAL_COLUMNS)),
        load_default=None,
        metadata={"description": "optional columns after amaflags, as cdr.conf writes them"},
    )
    encoding = fields.String(load_default="utf-8")


def _fallback_id(text: str) -> str:
    return "cdr-" + hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()


class CdrAdapter(Adapter):
    """Calls from Asterisk's CDR CSV file, read from where the last run stopped.

    Each line becomes one call interaction (answered, missed, busy, failed; talk time;
    direction from the dialplan context and the numbers). A line that cannot be read (too
    few columns, a bad time, broken quoting) becomes a dead letter and the rest goes on.
    The cursor survives rotation and truncation of the file (see
    :mod:`crmkit_asterisk.cdr.cursor`).
    """

    name = "asterisk-cdr"
    description = "Asterisk CDR CSV files (Master.csv): calls, incrementally"
    config_schema = CdrConfigSchema
    streams = (StreamSpec("interactions", "one call interaction per CDR line"),)

    def __init__(self, source: str, config: Any) -> None:
        super().__init__(source, config)
        self.path = Path(self.config["path"]).expanduser()
        self.rules = CallRules.from_config(self.config)
        columns = self.config["columns"]
        self.extra: tuple[str, ...] | None = tuple(columns) if columns is not None else None

    def check(self) -> str:
        """Return the file's size and its first line's column count; raise if unreadable."""
        try:
            size = self.path.stat().st_size
            with self.path.open("rb") as handle:
                first = handle.readline().decode(self.config["encoding"], "replace")
        except OSError as exc:
            raise AdapterError(self.source, f"cannot read {self.path}: {exc.strerror}") from exc
        if not first.strip():
            return f"{self.path}: {size} bytes, no calls yet"
        try:
            fields_seen = len(parse_line(first, self.extra))
        except CdrRowError as exc:
            return f"{self.path}: {size} bytes; first line unreadable: {exc}"
        return f"{self.path}: {size} bytes, {fields_seen} columns a line"

    def item(self, line: str, position: str) -> RawItem:
        """Return the raw item of one CDR line: the call, or why it is not one."""
        text = line.rstrip("\r\n")
        try:
            fields_read = parse_line(text, self.extra)
            record = map_cdr(fields_read, self.rules, self.timezone, _fallback_id(text))
        except CdrRowError as exc:
            return RawItem(raw=text, data=None, position=position, error=str(exc))
        return RawItem(raw=text, data=record, position=position)

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:  # noqa: ARG002
        """Map the raw CDR line of a dead letter again."""
        item = self.item(raw, position or "dead letter")
        if item.data is None and item.error is None:
            return RawItem(raw=raw, data=None, position=item.position, error="an internal call")
        return item

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        """Yield the calls after ``cursor``, with a checkpoint after every line."""
        if stream != "interactions":
            raise AdapterError(self.source, f"no stream {stream!r}")
        if not self.path.is_file():
            raise AdapterError(self.source, f"CDR file {self.path} not found")
        segments = plan(self.path, FileCursor.loads(cursor))
        progress.set_total(sum(max(s.path.stat().st_size - s.start, 0) for s in segments))
        for segment in segments:
            yield from self._segment(segment, progress)

    def _segment(self, segment: Segment, progress: Progress) -> Iterator[RawItem | Checkpoint]:
        encoding = self.config["encoding"]
        offset = segment.start
        here = FileCursor.at(segment.path, offset)
        with segment.path.open("rb") as handle:
            handle.seek(offset)
            for raw in handle:
                if not raw.endswith(b"\n") and segment.current:
                    break  # a line still being written: read it next time
                position = f"{segment.path.name} byte {offset}"
                offset += len(raw)
                progress.advance(len(raw))
                line = raw.decode(encoding, "replace")
                if line.strip():
                    item = self.item(line, position)
                    if item.data is not None or item.error is not None:
                        yield item
                yield Checkpoint(attrs.evolve(here, offset=offset).dumps())
