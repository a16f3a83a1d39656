"""The Russian ``8 10`` international prefix."""

from __future__ import annotations

import crmkit_locale_ru
import pytest
from crmkit_locale_ru import normalize_phone

from crmkit.plugins import get_plugin_manager


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 10 49 30 1234567", "+49301234567"),
        ("810 44 20 7946 0958", "+442079460958"),
        ("8-10-1-212-555-0100", "+12125550100"),
        ("8 (10) 49 (30) 123-45-67", "+49301234567"),
        ("81049301234567", "+49301234567"),
        ("8 10 375 17 200-00-00", "+375172000000"),
    ],
)
@pytest.mark.parametrize("region", [None, "RU"])
def test_a_number_dialled_with_8_10_becomes_e164(raw, expected, region):
    """``8 10`` is read as the international prefix with or without a default region."""
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "8 (495) 123-45-67",
        "+7 495 123 45 67",
        "+49 30 1234567",
        "0049 30 1234567",
        "84951234567",
        "8 10 12",
        "8 10 999 1234567",
        "8 10 49 30 1234567 доб. 12",
        "",
    ],
)
def test_every_other_number_is_left_to_the_built_in(raw):
    """No ``8 10``, or no valid number after it: the hook answers ``None``."""
    assert normalize_phone(raw, "RU") is None
    assert normalize_phone(raw, None) is None


def test_an_american_810_area_code_is_left_alone_in_an_american_source():
    """``810 555 0100`` is a valid Michigan number when the source's region is US."""
    assert normalize_phone("810-234-5678", "US") is None


def test_another_regions_source_still_gets_8_10_read_when_the_number_is_invalid_there():
    """A Russian customer in a French shop wrote ``8 10``; it is no French number."""
    assert normalize_phone("8 10 44 20 7946 0958", "FR") == "+442079460958"


def test_a_number_valid_in_the_sources_region_as_written_is_not_reinterpreted():
    """German numbers vary in length: ``810442079460958`` is a valid one in region DE."""
    assert normalize_phone("8 10 44 20 7946 0958", "DE") is None


def test_the_plugin_wins_over_the_built_in_only_where_it_answers():
    """Through the plugin manager, ``8 10`` without region works and other numbers still do."""
    pm = get_plugin_manager(entrypoints=False, extra=(crmkit_locale_ru,))
    assert pm.hook.normalize_phone(raw="8 10 49 30 1234567", region=None) == "+49301234567"
    assert pm.hook.normalize_phone(raw="8 (495) 123-45-67", region="RU") == "+74951234567"
    with pytest.raises(ValueError, match="country code"):
        pm.hook.normalize_phone(raw="8 10 999", region=None)
