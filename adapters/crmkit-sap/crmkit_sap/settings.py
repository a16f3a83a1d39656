"""The settings of a ``sap`` source, checked by marshmallow when the adapter is built."""

from __future__ import annotations

import urllib.parse
import zoneinfo
from typing import Any

import marshmallow
from marshmallow import fields, validate

_CLIENT = r"^\d{3}$"


class _WsdlList(fields.Field):  # type: ignore[type-arg]
    """One WSDL (URL or file path) or a list of them; always loaded as a list."""

    def _deserialize(
        self,
        value: Any,
        attr: str | None,  # noqa: ARG002 - marshmallow's signature
        data: Any,  # noqa: ARG002
        **kwargs: Any,  # noqa: ARG002
    ) -> list[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise marshmallow.ValidationError("give a WSDL URL or file path, or a list of them")
        if not all(isinstance(i, str) and i.strip() for i in items):
            raise marshmallow.ValidationError("every WSDL must be a non-empty string")
        return [i.strip() for i in items]


def _check_endpoint(value: str) -> None:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise marshmallow.ValidationError(
            "must be an http(s) URL such as https://sap.example:44300"
        )


def _check_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise marshmallow.ValidationError("not a time zone name (e.g. Europe/Berlin)") from exc


class SapConfigSchema(marshmallow.Schema):
    """Settings of the ``sap`` adapter; see ``docs/adapters/sap.md`` for each one."""

    wsdl = _WsdlList(required=True)
    endpoint = fields.String(load_default=None, validate=_check_endpoint)
    username = fields.String(load_default=None)
    password = fields.String(load_default=None, load_only=True)
    client = fields.String(
        load_default=None, validate=validate.Regexp(_CLIENT, error="must be three digits (100)")
    )
    sales_organization = fields.String(load_default=None, validate=validate.Length(min=1, max=4))
    company_code = fields.String(load_default=None, validate=validate.Length(min=1, max=4))
    timezone = fields.String(load_default=None, validate=_check_zone)
    page_size = fields.Integer(load_default=100, strict=True, validate=validate.Range(min=0))
    timeout = fields.Float(load_default=60.0, validate=validate.Range(min=0.1))
    connect_timeout = fields.Float(load_default=10.0, validate=validate.Range(min=0.1))
    verify_tls = fields.Boolean(load_default=True)
    customer_from = fields.String(load_default=None, validate=validate.Length(min=1, max=10))
    customer_to = fields.String(load_default=None, validate=validate.Length(min=1, max=10))
    orders_since = fields.Date(load_default=None)
    lookback_days = fields.Integer(load_default=30, strict=True, validate=validate.Range(min=0))
    identifiers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)),
        values=fields.String(validate=validate.Length(min=1)),
        load_default=None,
    )

    @marshmallow.validates_schema
    def _credentials_together(self, data: dict[str, Any], **kwargs: Any) -> None:  # noqa: ARG002
        if (data.get("username") is None) != (data.get("password") is None):
            raise marshmallow.ValidationError(
                "give both username and password, or neither", "password"
            )
