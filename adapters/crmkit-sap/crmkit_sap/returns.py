"""BAPI ``RETURN`` parameters (BAPIRETURN, BAPIRETURN1, BAPIRET1, BAPIRET2): errors and notes.

A BAPI reports trouble in ``RETURN``, not as a SOAP fault. It is a structure or a table of
rows with ``TYPE`` (S success, I information, W warning, E error, A abort), a message class
(``ID``) and ``NUMBER`` (BAPIRETURN has ``CODE`` instead) and SAP's ``MESSAGE``. A successful
RETURN is all blanks. E and A are errors; I and W are logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from crmkit_sap.reply import Row

log = logging.getLogger("crmkit_sap")

ERROR_TYPES = frozenset({"E", "A"})


@attrs.frozen
class BapiMessage:
    """One message of a BAPI's RETURN."""

    type: str
    id: str
    number: str
    text: str

    @property
    def is_error(self) -> bool:
        """Return True for an error (E) or abort (A)."""
        return self.type in ERROR_TYPES

    def __str__(self) -> str:
        code = f"{self.id} {self.number}".strip()
        return f"{self.text or 'no message text'} [{self.type}{' ' + code if code else ''}]"


def messages(reply: Row) -> list[BapiMessage]:
    """Return the non-blank messages of ``reply``'s RETURN, structure or table."""
    rows = reply.table("RETURN")
    single = reply.row("RETURN")
    if single is not None:
        rows = [single]
    found = []
    for row in rows:
        kind = row.text("TYPE").upper()
        text = row.text("MESSAGE")
        if not kind and not text:
            continue
        found.append(
            BapiMessage(
                type=kind,
                id=row.text("ID"),
                number=row.text("NUMBER", "CODE"),
                text=text,
            )
        )
    return found


def first_error(reply: Row, source: str, bapi: str) -> BapiMessage | None:
    """Return the first E/A message of ``reply``'s RETURN; log the I/W ones on the way."""
    error = None
    for message in messages(reply):
        if message.is_error:
            error = error or message
        elif message.type == "W":
            log.warning("source %s: %s says: %s", source, bapi, message)
        elif message.type == "I":
            log.info("source %s: %s says: %s", source, bapi, message)
    return error
