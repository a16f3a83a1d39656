"""SAP's ALPHA conversion: numbers zero-padded on the wire, shown without the padding."""

from __future__ import annotations

CUSTOMER_LENGTH = 10
DOCUMENT_LENGTH = 10
MATERIAL_LENGTH = 18


def alpha_in(value: str, length: int = CUSTOMER_LENGTH) -> str:
    """Return ``value`` as SAP stores it: an all-digit value zero-padded to ``length``.

    Values with any non-digit (external number ranges such as ``CUST-01``) are kept as
    typed, like CONVERSION_EXIT_ALPHA_INPUT does.
    """
    text = value.strip()
    if text.isdigit() and len(text) <= length:
        return text.zfill(length)
    return text


def alpha_out(value: str) -> str:
    """Return ``value`` as SAP shows it: leading zeros of an all-digit value removed."""
    text = value.strip()
    if text.isdigit():
        return text.lstrip("0") or "0"
    return text
