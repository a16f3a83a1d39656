"""Default survivorship: which source's value a golden record shows (``trylast``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crmkit.hookspecs import hookimpl

_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


@hookimpl(trylast=True)
def choose_golden_value(field: str, candidates: list[dict[str, Any]]) -> Any:  # noqa: ARG001
    """Return the value with the highest source priority, then the newest, then the commonest."""
    if not candidates:
        return None
    best = max(
        candidates,
        key=lambda c: (c.get("priority", 0), c.get("updated_at") or _EPOCH, c.get("count", 1)),
    )
    return best["value"]
