"""Streaming, entity-safe reading of CommerceML 2 files (``КоммерческаяИнформация``).

Files are parsed with lxml's ``iterparse`` so a file of any size is read in constant memory:
each top-level ``Контрагент`` and each ``Документ`` is handed out when its end tag is read,
then cleared. The parser never loads a DTD, never resolves entities and never touches the
network (``resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False``);
beyond that, a file that declares a DTD at all (``<!DOCTYPE``, ``<!ENTITY``) is refused
whole, since CommerceML never needs one: entity bombs and external entities are reported,
not expanded. The encoding is the XML declaration's (UTF-8 or windows-1251); undeclared
text that is not UTF-8 is read as windows-1251.
"""

from __future__ import annotations

import re
from typing import IO, TYPE_CHECKING

import attrs
from lxml import etree

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ROOT = "КоммерческаяИнформация"
COUNTERPARTY = "Контрагент"
DOCUMENT = "Документ"
_PROLOG_BYTES = 64 * 1024
_HELD = frozenset({COUNTERPARTY, DOCUMENT})


@attrs.frozen
class Found:
    """One element read from a file: a top-level counterparty or a document."""

    kind: str
    element: etree._Element
    line: int | None


@attrs.frozen
class Broken:
    """Why (the rest of) a file could not be read; ``line`` where reading stopped."""

    reason: str
    line: int | None = None


def local(element: etree._Element) -> str:
    """Return an element's name without its namespace (files from 1C carry one, sites' not)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def line_of(element: etree._Element) -> int | None:
    """Return the line an element starts on in its file, if known."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else None


_DECLARED = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=", re.IGNORECASE)


def guessed_encoding(head: bytes) -> str | None:
    """Return ``windows-1251`` for undeclared text that is not UTF-8, else ``None``.

    Sites send windows-1251 files, not all of them with an XML declaration saying so; XML
    without one is read as UTF-8, which such a file is not. A declared encoding, a BOM or
    valid UTF-8 is left to the parser.
    """
    if _DECLARED.match(head) or head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return "windows-1251"
    return None


def refused_prolog(head: bytes) -> str | None:
    """Return why a file whose first bytes are ``head`` is refused, or ``None`` if it is not."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        return (
            "the file declares a DTD (<!DOCTYPE ...>); CommerceML never needs one and crmkit "
            "does not expand entities, so the file is refused (entity expansion attack?)"
        )
    return None


def read_elements(handle: IO[bytes], encoding: str | None = None) -> Iterator[Found | Broken | str]:
    """Yield a file's schema version (a ``str``), then its elements (:class:`Found`).

    A final :class:`Broken` says why reading stopped early: the file is refused, stops
    being well-formed XML, or is not CommerceML. Elements already yielded stay valid only
    until the next one is requested.
    """
    head = handle.read(_PROLOG_BYTES)
    refused = refused_prolog(head)
    if refused:
        yield Broken(refused, 1)
        return
    handle.seek(0)
    encoding = encoding or guessed_encoding(head)
    parser = etree.iterparse(
        handle,
        events=("start", "end"),
        encoding=encoding,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    started = False
    try:
        for event, element in parser:
            if not started:
                started = True
                if element.getroottree().docinfo.doctype:
                    yield Broken(refused_prolog(b"<!DOCTYPE") or "", 1)
                    return
                if local(element) != ROOT:
                    yield Broken(f"the root element is <{local(element)}>, not <{ROOT}>", 1)
                    return
                yield str(element.get("ВерсияСхемы") or "")
                continue
            if event == "end":
                yield from _ended(element)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or None
        yield Broken(f"not well-formed XML: {exc.msg}", line)
    if not started:
        yield Broken("the file is empty")


def _ended(element: etree._Element) -> Iterator[Found]:
    """Yield ``element`` if it is wanted, then free what is no longer needed."""
    name = local(element)
    ancestors = [local(a) for a in element.iterancestors()]
    held_above = any(a in _HELD for a in ancestors)
    if name == DOCUMENT and not held_above:
        yield Found(DOCUMENT, element, line_of(element))
    elif name == COUNTERPARTY and not held_above and ancestors[:1] == ["Контрагенты"]:
        yield Found(COUNTERPARTY, element, line_of(element))
    elif held_above or name in _HELD:
        return
    if len(ancestors) >= 1:
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def parse_fragment(raw: str) -> etree._Element:
    """Return the element of a stored raw fragment, parsed as safely as files are.

    Raises :class:`lxml.etree.XMLSyntaxError` when it is not well-formed and
    :class:`ValueError` when it declares a DTD.
    """
    refused = refused_prolog(raw.encode("utf-8"))
    if refused:
        raise ValueError(refused)
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
    )
    return etree.fromstring(raw.encode("utf-8"), parser)


def fragment(element: etree._Element) -> str:
    """Return an element as the raw text kept for it (namespaces declared, no tail)."""
    return etree.tostring(element, encoding="unicode", with_tail=False)


def files(path: Path, pattern: str) -> list[Path]:
    """Return the file ``path`` or the files of folder ``path`` matching ``pattern``."""
    if path.is_dir():
        return sorted(p for p in path.glob(pattern) if p.is_file())
    return [path]
