"""A plugin whose import fails, like an adapter installed without its SOAP library."""

from __future__ import annotations

import crmkit_fixture_no_such_soap_library  # noqa: F401 - the failing import is the point

import crmkit


@crmkit.hookimpl
def normalize_email(raw):
    """Never reached."""
