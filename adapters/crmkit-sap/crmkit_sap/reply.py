"""Reading SAP's SOAP answers: the body as rows keyed by style-free names, faults, RETURN.

Both naming styles say the same thing in different case (``POSTL_COD1`` / ``PostlCod1``), so
every name is compared by its :func:`key`: upper case without underscores. A table is an
element whose children are ``<item>`` rows; a structure is an element with children; every
other element is a value (text). Parsing refuses DTDs and entities (no entity bombs, no
external references) and huge trees.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import attrs
from lxml import etree
from zeep.exceptions import DTDForbidden, EntitiesForbidden, XMLSyntaxError
from zeep.loader import parse_xml

if TYPE_CHECKING:
    from zeep.settings import Settings

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")


class UnreadableReply(ValueError):  # noqa: N818 - a reason, not a crash
    """SAP's answer is not XML we may read (malformed, or carrying a DTD or entities)."""


def key(name: str) -> str:
    """Return the style-free form of a BAPI, parameter or field name (``PostlCod1`` → POSTLCOD1)."""
    return _NON_ALNUM.sub("", name).upper()


def local(tag: Any) -> str:
    """Return an element tag without its namespace."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


@attrs.frozen
class Row:
    """One structure or table row: field values by style-free name, and its XML element."""

    values: dict[str, Any]
    element: Any = attrs.field(eq=False, repr=False)

    def text(self, *names: str) -> str:
        """Return the first non-blank text among the fields ``names`` (RFC names), or ``""``."""
        for name in names:
            value = self.values.get(key(name))
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""

    def row(self, name: str) -> Row | None:
        """Return the sub-structure ``name``, if there is one."""
        value = self.values.get(key(name))
        return value if isinstance(value, Row) else None

    def table(self, name: str) -> list[Row]:
        """Return the rows of table ``name`` (empty when absent or empty)."""
        value = self.values.get(key(name))
        return value if isinstance(value, list) else []

    def xml(self) -> str:
        """Return the element as XML text, verbatim as SAP sent it."""
        return etree.tostring(self.element, encoding="unicode")


@attrs.frozen
class Fault:
    """A SOAP fault: its code (local part), text and detail text."""

    code: str
    message: str
    detail: str

    @property
    def server_side(self) -> bool:
        """Return True for a ``Server`` (1.1) / ``Receiver`` (1.2) fault: worth retrying."""
        return self.code.lower() in {"server", "receiver"}


def parse(content: bytes, settings: Settings) -> Row | Fault:
    """Return the body's first element as a :class:`Row`, or the :class:`Fault` it carries.

    Raise :class:`UnreadableReply` when the content is not a SOAP envelope we may read.
    """
    try:
        root = parse_xml(content, None, settings=settings)  # type: ignore[arg-type] # lxml reads bytes
    except (DTDForbidden, EntitiesForbidden) as exc:
        raise UnreadableReply(f"refused: the answer declares a DTD or entities ({exc})") from exc
    except XMLSyntaxError as exc:
        raise UnreadableReply(f"not well-formed XML: {exc.message}") from exc
    if local(root.tag) != "Envelope":
        raise UnreadableReply(f"not a SOAP envelope (root element <{local(root.tag)}>)")
    body = next((c for c in root if local(c.tag) == "Body"), None)
    payload = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    if payload is None:
        raise UnreadableReply("the SOAP envelope has an empty body")
    if local(payload.tag) == "Fault":
        return _fault(payload)
    return to_row(payload)


def to_row(element: Any) -> Row:
    """Return ``element`` (a structure or response element) as a :class:`Row`."""
    values: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        values[key(local(child.tag))] = _value(child)
    return Row(values, element)


def _value(element: Any) -> Any:
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        return element.text or ""
    if all(local(c.tag) == "item" for c in children):
        return [to_row(c) for c in children]
    return to_row(element)


def _fault(element: Any) -> Fault:
    texts = {local(c.tag): c for c in element.iter() if isinstance(c.tag, str)}
    code = texts.get("faultcode")
    if code is None and "Code" in texts:
        code = next((c for c in texts["Code"].iter() if local(c.tag) == "Value"), None)
    message = texts.get("faultstring") if "faultstring" in texts else texts.get("Text")
    detail = texts.get("detail") if "detail" in texts else texts.get("Detail")
    code_text = (code.text or "").strip() if code is not None else ""
    detail_text = " ".join("".join(detail.itertext()).split()) if detail is not None else ""
    return Fault(
        code=code_text.rpartition(":")[2],
        message=" ".join((message.text or "").split()) if message is not None else "",
        detail=detail_text,
    )
