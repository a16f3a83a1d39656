"""The settings of a ``woocommerce`` source (``[sources.NAME]`` in ``crmkit.toml``)."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

API_PATH = "/wp-json/wc/v3"


class WooCommerceSettings(Schema):
    """``url``, the REST API keys and how to read; ``webhook_secret`` switches webhooks on.

    ``auth`` is ``basic`` (HTTP Basic, the keys as user and password; needs HTTPS) or
    ``query`` (``consumer_key``/``consumer_secret`` query parameters, for servers that drop
    the Authorization header). Retries of transient failures follow ``http_retries`` and
    ``http_backoff_seconds`` (a ``Retry-After`` from the server wins).
    """

    class Meta:
        """Unknown settings are refused: a typo should not be silently ignored."""

        unknown = RAISE

    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    consumer_key = fields.String(load_default=None, validate=validate.Length(min=1))
    consumer_secret = fields.String(load_default=None, validate=validate.Length(min=1))
    auth = fields.String(load_default="basic", validate=validate.OneOf(["basic", "query"]))
    api_path = fields.String(load_default=API_PATH)
    per_page = fields.Integer(load_default=100, strict=True, validate=validate.Range(1, 100))
    customer_role = fields.String(load_default="customer")
    order_notes = fields.Boolean(load_default=True)
    timeout = fields.Float(load_default=30.0, validate=validate.Range(min=0.1))
    http_retries = fields.Integer(load_default=3, strict=True, validate=validate.Range(min=0))
    http_backoff_seconds = fields.Float(load_default=1.0, validate=validate.Range(min=0))
    verify_tls = fields.Boolean(load_default=True)
    webhook_secret = fields.String(load_default=None)

    @validates_schema
    def _keys_together(self, data: dict[str, Any], **_: Any) -> None:
        if bool(data.get("consumer_key")) != bool(data.get("consumer_secret")):
            raise ValidationError("give both consumer_key and consumer_secret", "consumer_key")
