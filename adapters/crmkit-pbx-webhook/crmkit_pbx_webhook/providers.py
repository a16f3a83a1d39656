"""Cloud PBX providers: how each one signs its callbacks and what their fields mean.

A provider turns one status callback into a :class:`CallEvent`. Twilio is built in; another
provider (Zadarma, Mango, Plivo...) is a class with ``name``, ``verify``, ``call_event`` and
``delivery_id``, registered with :func:`register_provider` or through the entry-point group
``crmkit_pbx_webhook.providers``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from typing import TYPE_CHECKING, ClassVar, Protocol

import attrs

from crmkit.errors import ConfigError

if TYPE_CHECKING:
    from crmkit.webhooks import WebhookRequest

ENTRY_POINT_GROUP = "crmkit_pbx_webhook.providers"
#: Call statuses after which nothing more happens to a call.
TERMINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@attrs.frozen
class CallEvent:
    """One status of one call, in provider-neutral words.

    ``status`` is one of queued, initiated, ringing, in-progress, completed, busy, failed,
    no-answer, canceled; ``direction`` ``in`` or ``out``; ``customer`` the outside party's
    number as sent; ``leg`` True for a leg dialled from another call (Twilio
    ``outbound-dial``), whose parent is ``parent_id``.
    """

    call_id: str
    status: str
    direction: str
    caller: str
    called: str
    at: dt.datetime | None = None
    duration_seconds: int | None = None
    caller_name: str | None = None
    parent_id: str | None = None
    leg: bool = False
    account: str | None = None

    @property
    def terminal(self) -> bool:
        """Return True when the call has ended with this status."""
        return self.status in TERMINAL

    @property
    def customer(self) -> str:
        """Return the outside party's number: the caller of an incoming call, else the called."""
        return self.caller if self.direction == "in" else self.called


class CallProvider(Protocol):
    """What a provider offers: verification, its callback's meaning, its replay key."""

    name: ClassVar[str]

    def verify(self, request: WebhookRequest, secret: str, url: str) -> str | None:
        """Return ``None`` when ``request`` was signed with ``secret`` for ``url``, else why not."""
        ...

    def call_event(self, form: list[tuple[str, str]]) -> CallEvent:
        """Return the call status a callback's form fields say; raise :class:`MappingError`."""
        ...

    def delivery_id(self, form: list[tuple[str, str]]) -> str | None:
        """Return the callback's replay key (the same status of the same call), if any."""
        ...


_PROVIDERS: dict[str, type[CallProvider]] = {}


def register_provider(provider: type[CallProvider]) -> None:
    """Register a provider class under its ``name``; a name taken by another class is refused."""
    known = _PROVIDERS.get(provider.name)
    if known is not None and known is not provider:
        raise ConfigError(
            f"PBX provider {provider.name!r} already registered by {known.__module__}"
        )
    _PROVIDERS[provider.name] = provider


def _load_entry_points() -> None:
    for point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in _PROVIDERS:
            register_provider(point.load())


def provider_names() -> list[str]:
    """Return the names of every known provider."""
    _load_entry_points()
    return sorted(_PROVIDERS)


def get_provider(name: str) -> CallProvider:
    """Return a new instance of provider ``name``; raise :class:`ConfigError` listing the known."""
    if name not in _PROVIDERS:
        _load_entry_points()
    if name not in _PROVIDERS:
        raise ConfigError(
            f"no PBX provider named {name!r} (known: {', '.join(sorted(_PROVIDERS)) or 'none'})"
        )
    return _PROVIDERS[name]()
