"""crmkit.sdk.adapter.reparse_json: a dead letter's raw JSON mapped again, a forged one never."""

from __future__ import annotations

from typing import Any

from crmkit.sdk.adapter import reparse_json
from crmkit.sdk.mapping import MappingError
from crmkit.webhooks import REJECTED_POSITION


def customer(data: Any, position: str) -> dict[str, Any]:
    """Map a test customer object, naming the position it came from."""
    if "id" not in data:
        raise MappingError("customer has no id")
    return {"external_id": str(data["id"]), "note": position}


def test_reparse_json_maps_the_raw_json_again():
    """Reparse json maps the raw json again."""
    item = reparse_json('{"id": 5}', "page 2 item 1", customer)
    assert item.data == {"external_id": "5", "note": "page 2 item 1"}
    assert item.raw == '{"id": 5}'


def test_reparse_json_says_why_a_letter_cannot_be_mapped():
    """Reparse json says why a letter cannot be mapped."""
    assert reparse_json("{}", None, customer).error == "cannot map: customer has no id"
    assert reparse_json("{", "p", customer).error.startswith("malformed JSON")


def test_reparse_json_never_maps_a_forged_delivery():
    """Reparse json never maps a forged delivery."""
    item = reparse_json('{"id": 5}', f"{REJECTED_POSITION} x", customer)
    assert item.data is None
    assert "forged" in item.error
