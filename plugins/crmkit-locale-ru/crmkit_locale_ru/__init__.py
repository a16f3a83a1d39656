"""crmkit-locale-ru: Russian addresses and the ``8 10`` phone prefix for crmkit.

Installed, it registers itself through the ``crmkit`` entry point. Embedded without entry
points, pass the module: ``crmkit.open(url, plugins=(crmkit_locale_ru,))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import crmkit
from crmkit_locale_ru.address import normalize_address as _normalize_address
from crmkit_locale_ru.keys import fold, street_key
from crmkit_locale_ru.phone import from_eight_ten
from crmkit_locale_ru.places import canonical_city, is_russia

if TYPE_CHECKING:
    from crmkit.domain import Address

__all__ = [
    "canonical_city",
    "fold",
    "from_eight_ten",
    "is_russia",
    "normalize_address",
    "normalize_phone",
    "street_key",
]


@crmkit.hookimpl
def normalize_address(address: Address) -> Address | None:
    """Return a Russian address in normal form; ``None`` for an address of another country."""
    return _normalize_address(address)


@crmkit.hookimpl
def normalize_phone(raw: str, region: str | None) -> str | None:
    """Return a number written with the Russian ``8 10`` prefix in E.164; else ``None``."""
    return from_eight_ten(raw, region)
