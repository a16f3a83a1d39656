"""marshmallow fields crmkit's wire formats share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields


class UtcDateTime(fields.AwareDateTime):
    """An RFC 3339 date-time with an offset, loaded as aware UTC.

    Accepts the lower-case ``t`` and ``z`` RFC 3339 allows; refuses naive values and instants
    that cannot be expressed in UTC (``0001-01-01T00:00:00+05:00``).
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        if isinstance(value, str):
            value = value.upper()
        loaded = super()._deserialize(value, attr, data, **kwargs)
        try:
            return loaded.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError("Not a date-time that can be expressed in UTC.") from exc
