"""The demo: SAP, 1C, a web shop and a phone system on loopback, synced into one database.

``crmkit demo`` starts the systems (:mod:`crmkit.demo.services`, data in ``data/``, written by
:mod:`crmkit.demo.generate`), writes a ``crmkit.toml`` for them, syncs them through the real
adapters, receives the phone system's signed callbacks, resolves identities and prints the
unified cards and the segment report (:func:`crmkit.demo.runner.run_demo`).

The ``*.jsonl``/``*.csv`` files and ``crmkit.toml`` beside this module are the offline demo
sources of ``crmkit sync --config demo`` (read by the built-in file adapters).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["command_name"]


def command_name() -> str:
    """Return how the user ran crmkit (``.venv/bin/crmkit``), so the hints can be pasted."""
    invoked = sys.argv[0] if sys.argv else ""
    return invoked if Path(invoked).name == "crmkit" else "crmkit"
