"""Mount crmkit's web-shop webhooks at /crm in a FastAPI (or Starlette) application.

Run: ``CRMKIT_CONFIG=crmkit.toml uvicorn fastapi_app:app``; the shops then post to
``http://HOST:8000/crm/webhooks/<source>``. ``AsgiWebhooks`` reads each body whole and runs
crmkit's WSGI app in a worker thread, so the event loop never waits on the database.
"""

from __future__ import annotations

from fastapi import FastAPI

import crmkit
from crmkit.config import load_config
from crmkit.webhooks import AsgiWebhooks, app_from_config

app = FastAPI()


@app.get("/")
def home() -> dict[str, str]:
    """Answer as the host application always did, untouched by the mount."""
    return {"app": "the ERP's web application"}


config = load_config()
webhooks = app_from_config(crmkit.open(config.database_url), config)
app.mount("/crm", AsgiWebhooks(webhooks))
