"""A plugin with a misspelled hook name (British 'normalise')."""

from __future__ import annotations

import crmkit


@crmkit.hookimpl
def normalise_phone(raw, region):
    """Never called: crmkit has no hook of this name."""
    return "+70000000000"
