"""Every error crmkit raises on purpose. Messages name the plugin, source, record and field."""

from __future__ import annotations

from typing import Any


class CrmkitError(Exception):
    """Base class of every error crmkit raises on purpose; catch this to catch them all."""


class ConfigError(CrmkitError):
    """Seen by whoever configures crmkit: a bad database URL, setting or adapter option."""


class PluginError(CrmkitError):
    """Seen by plugin authors and operators: a plugin failed to load or raised in a hook."""

    def __init__(self, plugin_name: str, hook: str | None, message: str) -> None:
        self.plugin_name = plugin_name
        self.hook = hook
        where = f"plugin {plugin_name!r}" + (f" in hook {hook!r}" if hook else "")
        super().__init__(f"{where}: {message}")


class AdapterError(CrmkitError):
    """Seen by integrators: an adapter could not read its source (bad file, server error)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"source {source!r}: {message}")


class UnknownAdapterError(CrmkitError):
    """Seen by integrators: no installed plugin registers an adapter of that name."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        choices = ", ".join(sorted(known)) or "none installed"
        super().__init__(f"no adapter named {name!r} (installed: {choices})")


class RecordError(CrmkitError):
    """Seen in dead letters: a record is structurally wrong and cannot be ingested.

    ``messages`` keeps marshmallow's per-field messages when validation produced them.
    """

    def __init__(self, reason: str, messages: dict[str, Any] | None = None) -> None:
        self.reason = reason
        self.messages = messages or {}
        super().__init__(reason)


class UnknownCustomerError(CrmkitError):
    """Seen by API users: no customer has that id (nor had it, before a merge)."""

    def __init__(self, customer_id: object) -> None:
        self.customer_id = customer_id
        super().__init__(f"no customer with id {customer_id!r}")


class SchemaVersionError(CrmkitError):
    """Seen by operators: the database was written by a newer crmkit than the one running."""


def format_messages(messages: Any, prefix: str = "") -> str:
    """Flatten marshmallow's nested error messages into ``key: problem; key.sub: problem``."""
    if isinstance(messages, dict):
        parts = []
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            parts.append(format_messages(value, path))
        return "; ".join(parts)
    if isinstance(messages, list):
        texts = [m if isinstance(m, str) else format_messages(m, prefix) for m in messages]
        return f"{prefix}: {' '.join(texts)}" if prefix else " ".join(texts)
    return f"{prefix}: {messages}" if prefix else str(messages)


class TransientError(AdapterError):
    """Seen by integrators: a source failed in a way that may pass (timeout, HTTP 429 or 5xx).

    The sync engine retries the stream from its last committed cursor with exponential
    backoff; ``retry_after`` (seconds), when the source said how long to wait, is honoured.
    """

    def __init__(self, source: str, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(source, message)


class PermanentError(AdapterError):
    """Seen by integrators: a source refused in a way retrying cannot fix (HTTP 401, 404)."""
