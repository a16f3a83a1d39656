"""Settings the 1C adapters share: how to reach a 1C HTTP service and how patiently."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class HttpSettings(Schema):
    """``url``, ``username``, ``password``, ``timeout``, ``http_retries``, ``http_backoff``."""

    url = fields.String(
        required=True, validate=validate.Regexp(r"^https?://", error="not an http(s) URL")
    )
    username = fields.String(load_default=None, allow_none=True)
    password = fields.String(load_default=None, allow_none=True)
    timeout = fields.Float(load_default=60.0, validate=validate.Range(min=0.1))
    http_retries = fields.Integer(load_default=2, strict=True, validate=validate.Range(min=0))
    http_backoff = fields.Float(load_default=1.0, validate=validate.Range(min=0))
    verify_tls = fields.Boolean(load_default=True)
