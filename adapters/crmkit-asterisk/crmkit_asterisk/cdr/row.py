"""One line of ``Master.csv`` as cdr_csv writes it: columns, quoting, the optional tail.

cdr_csv writes no header. Every line has the 16 base columns; ``loguniqueid`` and
``loguserfield`` in ``cdr.conf`` append ``uniqueid`` and ``userfield``, and ``newcdrcolumns``
appends ``peeraccount``, ``linkedid`` and ``sequence`` — so a line has 16 to 21 columns.
Strings and times are double-quoted, an embedded quote doubled; numbers are bare.
"""

from __future__ import annotations

import csv
import re

BASE_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
NEW_COLUMNS = ("peeraccount", "linkedid", "sequence")
OPTIONAL_COLUMNS = ("uniqueid", "userfield", *NEW_COLUMNS)
_UNIQUEID = re.compile(r"^\d+\.\d+$")


class CdrRowError(ValueError):
    """A line of a CDR file that cannot be read as a call record; the reason is the message."""


def split_line(line: str) -> list[str]:
    """Return the values of one CSV line; raise :class:`CdrRowError` on broken quoting."""
    try:
        rows = list(csv.reader([line], strict=True, skipinitialspace=False))
    except csv.Error as exc:
        raise CdrRowError(f"malformed CSV quoting: {exc}") from None
    if len(rows) != 1:
        raise CdrRowError("not one CSV row")
    return rows[0]


def columns_for(values: list[str], extra: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Return the column names of a line of ``len(values)`` values.

    ``extra`` names the optional columns the PBX writes (from ``cdr.conf``); without it they
    are told by count, and a lone 17th column by its shape (``1699999999.42`` is a uniqueid).
    """
    count = len(values)
    if count < len(BASE_COLUMNS):
        raise CdrRowError(
            f"short row: {count} columns, a CDR line has at least {len(BASE_COLUMNS)}"
        )
    if extra is not None:
        names = BASE_COLUMNS + extra
        if count != len(names):
            raise CdrRowError(f"{count} columns, the configured layout has {len(names)}")
        return names
    tail = count - len(BASE_COLUMNS)
    lone = "uniqueid" if _UNIQUEID.match(values[16] if tail else "") else "userfield"
    layouts: dict[int, tuple[str, ...]] = {
        0: (),
        1: (lone,),
        2: ("uniqueid", "userfield"),
        3: NEW_COLUMNS,
        4: (lone, *NEW_COLUMNS),
        5: ("uniqueid", "userfield", *NEW_COLUMNS),
    }
    if tail not in layouts:
        raise CdrRowError(f"long row: {count} columns, a CDR line has at most 21")
    return BASE_COLUMNS + layouts[tail]


def parse_line(line: str, extra: tuple[str, ...] | None = None) -> dict[str, str]:
    """Return the named values of one ``Master.csv`` line; raise :class:`CdrRowError`."""
    text = line.rstrip("\r\n")
    if not text.strip():
        raise CdrRowError("empty line")
    values = split_line(text)
    names = columns_for(values, extra)
    return dict(zip(names, values, strict=True))
