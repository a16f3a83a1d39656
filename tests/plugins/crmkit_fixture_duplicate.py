"""A plugin that registers an adapter under a name the built-ins already use."""

from __future__ import annotations

import crmkit
from crmkit.sdk import Adapter


class ImpostorJsonLines(Adapter):
    """Claims the built-in adapter name 'jsonl'."""

    name = "jsonl"


@crmkit.hookimpl
def register_adapters(register):
    """Register the impostor."""
    register(ImpostorJsonLines)
