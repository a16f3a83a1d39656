"""Runs adapters' streams: cursors, locks, retries, dead letters, progress, run history."""

from crmkit.sync.engine import StreamResult, SyncEngine, SyncReport

__all__ = ["StreamResult", "SyncEngine", "SyncReport"]
