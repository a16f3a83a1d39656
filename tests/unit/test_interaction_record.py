"""crmkit.services.interactions: the generic record of an interaction recorded by the API."""

from __future__ import annotations

import datetime as dt

import pytest

import crmkit
from crmkit.services.interactions import interaction_record

AT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))


def test_the_record_names_the_customer_and_keeps_only_given_fields():
    """Phone and e-mail name the customer; absent optional fields are left out."""
    record = interaction_record(
        channel="phone", direction="in", occurred_at=AT, phone="+74951234567", csat=9
    )
    assert record["customer"] == {"phones": ["+74951234567"]}
    assert record["occurred_at"] == "2026-03-01T09:00:00+00:00"
    assert record["csat"] == 9
    assert "subject" not in record
    assert record["external_id"]


def test_a_missing_or_unknown_field_is_a_type_error():
    """Keyword arguments are checked as a signature would check them."""
    with pytest.raises(TypeError, match="missing keyword arguments: occurred_at"):
        interaction_record(channel="phone", direction="in")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword arguments: mood"):
        interaction_record(
            channel="phone",
            direction="in",
            occurred_at=AT,
            mood="good",  # type: ignore[call-arg]
        )


def test_the_api_checks_its_arguments_under_its_own_name(tmp_path):
    """``record_interaction`` refuses an unknown argument, naming itself."""
    with (
        crmkit.open(f"sqlite:///{tmp_path}/crm.db", entrypoints=False) as crm,
        pytest.raises(TypeError, match=r"record_interaction\(\) got unexpected"),
    ):
        crm.record_interaction(
            "pbx",
            channel="phone",
            direction="in",
            occurred_at=AT,
            x=1,  # type: ignore[call-arg]
        )
