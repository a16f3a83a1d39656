"""The demo's systems started together, and the ``crmkit.toml`` that points crmkit at them.

:class:`DemoStack` starts SAP, 1C and the web shop on loopback with credentials made up for
this run, and writes a configuration whose secrets are ``env:`` references;
:meth:`DemoStack.environment` holds their values (never written to a file).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from typing import TYPE_CHECKING

from crmkit.config import load_config
from crmkit.demo.services.one_c import USER as ONE_C_USER
from crmkit.demo.services.one_c import OneCService
from crmkit.demo.services.phones import PhoneSystem
from crmkit.demo.services.sap import SALES_ORGANIZATION, SapService
from crmkit.demo.services.sap import USER as SAP_USER
from crmkit.demo.services.shop import ShopService
from crmkit.errors import CrmkitError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from crmkit.config import Config
    from crmkit.testing.loopback import LoopbackServer

#: The first words of the configuration the demo writes (it overwrites only such a file).
CONFIG_MARK = "# Written by `crmkit demo`:"


#: adapter name → the distribution (folder under adapters/) that provides it
ADAPTERS = {
    "1c-odata": "crmkit-1c",
    "sap": "crmkit-sap",
    "woocommerce": "crmkit-woocommerce",
    "pbx-webhook": "crmkit-pbx-webhook",
}
#: the sources the demo syncs (the phone system's calls arrive by webhook instead)
SYNCED = ("1c", "sap", "shop")
PHONES = "phones"
SECRETS = {
    "sap": "CRMKIT_DEMO_SAP_PASSWORD",
    "1c": "CRMKIT_DEMO_1C_PASSWORD",
    "shop_key": "CRMKIT_DEMO_SHOP_KEY",
    "shop_secret": "CRMKIT_DEMO_SHOP_SECRET",
    "phones": "CRMKIT_DEMO_PHONES_TOKEN",
}


def _quote(value: str) -> str:
    """Return ``value`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


class DemoError(CrmkitError):
    """The demo cannot run (an adapter distribution is missing)."""


def check_adapters(installed: Iterable[str]) -> None:
    """Raise :class:`DemoError` naming the ``pip install`` to run when an adapter is missing."""
    missing = sorted({dist for name, dist in ADAPTERS.items() if name not in set(installed)})
    if missing:
        command = " ".join(f"-e adapters/{dist}" for dist in missing)
        verb = "is" if len(missing) == 1 else "are"
        hint = f"in the crmkit repository run: python -m pip install {command}"
        if os.environ.get("CRMKIT_LOAD_PLUGINS") is not None:
            hint = f"CRMKIT_LOAD_PLUGINS must name them (unset it to load all); if missing, {hint}"
        raise DemoError(
            f"the demo talks to its systems through the adapter distributions, and "
            f"{', '.join(missing)} {verb} not installed or not loaded: {hint}"
        )


class DemoStack:
    """SAP, 1C and the web shop on loopback; the phone system ready to call back.

    Each service loads its data before it binds its port; if one cannot be made, the ports
    of those made before it are closed again.
    """

    def __init__(self) -> None:
        self.environment = {name: secrets.token_urlsafe(18) for name in SECRETS.values()}
        with contextlib.ExitStack() as made:
            self.sap = SapService(self.environment[SECRETS["sap"]])
            made.callback(self.sap.stop)
            self.one_c = OneCService(self.environment[SECRETS["1c"]])
            made.callback(self.one_c.stop)
            self.shop = ShopService(
                f"ck_{self.environment[SECRETS['shop_key']]}",
                f"cs_{self.environment[SECRETS['shop_secret']]}",
            )
            made.pop_all()
        self.environment[SECRETS["shop_key"]] = self.shop.consumer_key
        self.environment[SECRETS["shop_secret"]] = self.shop.consumer_secret
        self.phones = PhoneSystem(self.environment[SECRETS["phones"]])

    @property
    def services(self) -> tuple[LoopbackServer, ...]:
        """Return the services that answer requests."""
        return (self.one_c, self.sap, self.shop)

    def start(self) -> None:
        """Start every service."""
        for service in self.services:
            service.start()

    def stop(self) -> None:
        """Stop every service and close its port."""
        for service in self.services:
            service.stop()

    def config_text(self, database_url: str) -> str:
        """Return the ``crmkit.toml`` for these services (secrets as ``env:`` references)."""
        return f"""\
{CONFIG_MARK} the demo's systems on loopback. The ports are this run's, and the
# secrets are env: references to values made up for the run; `crmkit demo --serve` keeps the
# systems running and prints them.

[database]
url = {_quote(database_url)}

[sync]
resolve = true

[sources.1c]
adapter = "1c-odata"
url = "{self.one_c.publication_url}"
username = "{ONE_C_USER}"
password = "env:{SECRETS["1c"]}"
profile = "ut11"
partner_contacts = false
customer_number_source = "shop"
default_region = "RU"
timezone = "Europe/Moscow"
priority = 30

[sources.sap]
adapter = "sap"
wsdl = "{self.sap.wsdl_url}"
endpoint = "{self.sap.url}"
username = "{SAP_USER}"
password = "env:{SECRETS["sap"]}"
client = "100"
sales_organization = "{SALES_ORGANIZATION}"
orders_since = "2025-01-01"
identifiers = {{ TAX_NO_1 = "inn", TAX_NO_3 = "kpp" }}
streams = ["customers", "orders", "order_events"]
default_region = "RU"
timezone = "Europe/Moscow"
priority = 20

[sources.shop]
adapter = "woocommerce"
url = "{self.shop.url}"
consumer_key = "env:{SECRETS["shop_key"]}"
consumer_secret = "env:{SECRETS["shop_secret"]}"
streams = ["customers", "orders", "order_events"]
default_region = "RU"
priority = 10

[sources.{PHONES}]
adapter = "pbx-webhook"
provider = "twilio"
webhook_secret = "env:{SECRETS["phones"]}"
default_region = "RU"
priority = 5
"""

    def write_config(self, path: Path, database_url: str) -> Config:
        """Write the configuration to ``path`` and return it read back, secrets resolved."""
        path.write_text(self.config_text(database_url), encoding="utf-8")
        return load_config(path, environ=self.environment)
