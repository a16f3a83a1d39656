"""The settings of a ``shopify`` source (``[sources.NAME]`` in ``crmkit.toml``)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

#: The Admin REST API version read unless the source pins another (``api_version``).
DEFAULT_API_VERSION = "2024-10"


class ShopifySettings(Schema):
    """``url`` (``https://SHOP.myshopify.com``), ``access_token``, the pinned ``api_version``.

    ``limit`` is the page size (at most 250). When the call-limit bucket is fuller than
    ``slow_down_at`` (a fraction), the next call waits for ``leak_rate`` calls a second to
    drain (2 on standard plans, 20 on Plus). Transient failures are retried
    ``http_retries`` times from ``http_backoff_seconds`` (a 429's ``Retry-After`` wins).
    ``webhook_secret`` (the app's client secret) switches webhooks on.
    """

    class Meta:
        """Unknown settings are refused: a typo should not be silently ignored."""

        unknown = RAISE

    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    access_token = fields.String(load_default=None, validate=validate.Length(min=1))
    api_version = fields.String(
        load_default=DEFAULT_API_VERSION,
        validate=validate.Regexp(
            r"^(\d{4}-(01|04|07|10)|unstable)$", error="an API version like 2024-10"
        ),
    )
    limit = fields.Integer(load_default=250, strict=True, validate=validate.Range(1, 250))
    slow_down_at = fields.Float(load_default=0.8, validate=validate.Range(0.05, 1.0))
    leak_rate = fields.Float(load_default=2.0, validate=validate.Range(min=0.1))
    timeout = fields.Float(load_default=30.0, validate=validate.Range(min=0.1))
    http_retries = fields.Integer(load_default=5, strict=True, validate=validate.Range(min=0))
    http_backoff_seconds = fields.Float(load_default=1.0, validate=validate.Range(min=0))
    verify_tls = fields.Boolean(load_default=True)
    webhook_secret = fields.String(load_default=None)
