"""Mount crmkit's web-shop webhooks at /crm in an existing Flask application.

Run: ``CRMKIT_CONFIG=crmkit.toml flask --app flask_app run``; the shops then post to
``http://HOST:5000/crm/webhooks/<source>`` (``shop``, ``shopify``...). Needs Flask; the
sources and their ``webhook_secret`` come from ``crmkit.toml`` (see
docs/adapters/webshops.md).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import crmkit
from crmkit.config import load_config
from crmkit.webhooks import app_from_config

app = Flask(__name__)


@app.get("/")
def home() -> str:
    """Answer as the host application always did, untouched by the mount."""
    return "the ERP's web application"


config = load_config()
webhooks = app_from_config(crmkit.open(config.database_url), config)
app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/crm": webhooks})
