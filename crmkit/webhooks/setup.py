"""Build a :class:`~crmkit.webhooks.app.WebhookApp` from ``crmkit.toml``'s sources.

A source receives webhooks when its adapter class names a receiver in its
``webhook_receiver`` attribute and the receiver :meth:`accepts
<crmkit.webhooks.receiver.WebhookReceiver.accepts>` its settings (by default: a
``webhook_secret`` is set, usually as ``"env:NAME"``). Each is served at
``/webhooks/<source name>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmkit.errors import ConfigError
from crmkit.webhooks.app import WebhookApp, mount_path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crmkit.api import Crmkit
    from crmkit.config import Config
    from crmkit.webhooks.receiver import WebhookReceiver


def receiver_class(adapter_class: type[Any]) -> type[WebhookReceiver] | None:
    """Return the webhook receiver an adapter class offers, or ``None``."""
    found = getattr(adapter_class, "webhook_receiver", None)
    return found if isinstance(found, type) else None


def receivers_from_config(
    crm: Crmkit, config: Config, sources: Sequence[str] | None = None
) -> list[WebhookReceiver]:
    """Return a receiver for each source of ``config`` that takes webhooks.

    With ``sources``, exactly those, and a source that cannot take webhooks is a
    :class:`ConfigError` saying why; without, every enabled source that can. Settings errors
    name the source and key, never a secret value.
    """
    adapters = crm.adapters()
    chosen = (
        [config.source(name) for name in sources]
        if sources
        else [s for s in config.sources.values() if s.enabled]
    )
    receivers: list[WebhookReceiver] = []
    for source in chosen:
        adapter = adapters.get(source.adapter)
        found = receiver_class(adapter) if adapter is not None else None
        if found is None or not found.accepts(source.settings):
            if sources:
                why = (
                    f"adapter {source.adapter!r} receives no webhooks"
                    if found is None
                    else "set webhook_secret to receive its webhooks"
                )
                raise ConfigError(f"source {source.name!r}: {why}")
            continue
        try:
            receivers.append(found(source.name, source.settings))
        except ConfigError as exc:
            raise ConfigError(source.redact(str(exc))) from None
    return receivers


def app_from_config(
    crm: Crmkit, config: Config, sources: Sequence[str] | None = None, **options: Any
) -> WebhookApp:
    """Return the WSGI app receiving the webhooks of ``config``'s sources (see module doc).

    Raises :class:`ConfigError` when no source takes webhooks.
    """
    receivers = receivers_from_config(crm, config, sources)
    if not receivers:
        where = config.path or "the configuration"
        raise ConfigError(
            f"no source in {where} receives webhooks: give a web-shop source a webhook_secret"
        )
    return WebhookApp(crm, {mount_path(r.source): r for r in receivers}, **options)
