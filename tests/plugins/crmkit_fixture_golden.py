"""A survivorship plugin: the ERP's value wins whenever the ERP has one."""

from __future__ import annotations

import crmkit


@crmkit.hookimpl
def choose_golden_value(field, candidates):
    """Return the value from source 'erp' if there is one; otherwise let others decide."""
    for candidate in candidates:
        if candidate["source"] == "erp":
            return candidate["value"]
    return None
