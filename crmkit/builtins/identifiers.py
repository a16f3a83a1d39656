"""The built-in identifier kinds that link records on their own (``register_identifier_kinds``).

Tax numbers (INN, OGRN, OGRNIP, VAT), SNILS and national ids, passports and tax ids identify
a party by themselves; those with check digits (INN, OGRN, OGRNIP, VAT, SNILS) also tell two
parties apart when their values differ. Registered through the same hook as outside plugins'
kinds, so ``crmkit plugins`` shows where each kind comes from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmkit.hookspecs import hookimpl
from crmkit.identity.features import CHECKED_IDENTIFIERS, STRONG_IDENTIFIERS

if TYPE_CHECKING:
    from collections.abc import Callable


@hookimpl(trylast=True)
def register_identifier_kinds(register: Callable[..., None]) -> None:
    """Register crmkit's strong identifier kinds, the checked ones with ``checked=True``."""
    for kind in sorted(STRONG_IDENTIFIERS):
        register(kind, checked=kind in CHECKED_IDENTIFIERS)
