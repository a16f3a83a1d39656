"""crmkit.sdk.settings: a source's settings loaded by its schema, errors saying where."""

from __future__ import annotations

import marshmallow
import pytest

from crmkit.errors import ConfigError
from crmkit.sdk.settings import load_settings


class PageSettings(marshmallow.Schema):
    """A page size of at least one."""

    page_size = marshmallow.fields.Integer(
        load_default=10, validate=marshmallow.validate.Range(min=1)
    )


def test_settings_are_loaded_with_their_defaults():
    """What the schema converts and fills in is what comes back."""
    assert load_settings(PageSettings, {}, "source 'a'") == {"page_size": 10}
    assert load_settings(PageSettings, {"page_size": "3"}, "source 'a'") == {"page_size": 3}


def test_a_bad_setting_names_where_and_which_key():
    """The message starts with ``where`` and names the key."""
    with pytest.raises(ConfigError, match=r"^source 'a' \(adapter 'x'\): .*page_size"):
        load_settings(PageSettings, {"page_size": 0}, "source 'a' (adapter 'x')")
