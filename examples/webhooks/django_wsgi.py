"""A Django project's ``wsgi.py`` that also serves crmkit's web-shop webhooks at /crm.

Requests under ``/crm`` go to crmkit's WSGI app (``/crm/webhooks/<source>``); every other
request goes to Django as before. Replace ``mysite.settings`` with your project's settings
module. The shops' secrets come from ``crmkit.toml`` (see docs/adapters/webshops.md).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.wsgi import get_wsgi_application

import crmkit
from crmkit.config import load_config
from crmkit.webhooks import app_from_config

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

django_app = get_wsgi_application()
config = load_config(os.environ.get("CRMKIT_CONFIG", "crmkit.toml"))
webhooks = app_from_config(crmkit.open(config.database_url), config)
PREFIX = "/crm"


def application(environ: dict[str, Any], start_response: Any) -> Any:
    """Send /crm/... to crmkit (with /crm moved into SCRIPT_NAME), the rest to Django."""
    path = environ.get("PATH_INFO", "")
    if path == PREFIX or path.startswith(f"{PREFIX}/"):
        environ = {
            **environ,
            "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + PREFIX,
            "PATH_INFO": path[len(PREFIX) :] or "/",
        }
        return webhooks(environ, start_response)
    return django_app(environ, start_response)
