"""The ``pbx-webhook`` adapter: a source whose calls arrive as webhooks, not by reading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from crmkit.domain import RawItem
from crmkit.sdk.adapter import Adapter, StreamSpec
from crmkit.webhooks import is_rejected, mount_path
from crmkit_pbx_webhook.receiver import PbxAdapterSettings, PbxReceiver

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crmkit.sdk.adapter import Checkpoint, Progress


class PbxWebhookAdapter(Adapter):
    """A cloud PBX (Twilio-style) that reports calls by status callbacks.

    Nothing is read by a sync: ``crmkit serve`` (or ``crmkit pbx-webhook serve``, which also
    pops up callers' cards) receives the callbacks at ``/webhooks/<source>``. The adapter
    holds the settings and maps dead letters again (``crmkit deadletters retry``); a
    callback that failed verification is never mapped.
    """

    name = "pbx-webhook"
    description = "Cloud PBX voice status callbacks (Twilio-style), received as webhooks"
    config_schema = PbxAdapterSettings
    streams = (StreamSpec("interactions", "calls, as their final status callback arrives"),)
    webhook_receiver: ClassVar[type[PbxReceiver]] = PbxReceiver

    def __init__(self, source: str, config: Any) -> None:
        super().__init__(source, config)
        self.receiver = PbxReceiver(source, self.config)

    def default_streams(self) -> list[str]:
        """Return no stream: calls arrive by webhook, a sync has nothing to read."""
        return []

    def check(self) -> str:
        """Say where the callbacks are received and from which provider."""
        return (
            f"receives {self.receiver.provider.name} status callbacks at "
            f"{self.config['webhook_url'] or mount_path(self.source)}"
        )

    def read(self, stream: str, cursor: Any, progress: Progress) -> Iterator[RawItem | Checkpoint]:  # noqa: ARG002
        """Yield nothing: a webhook source is never read."""
        progress.set_total(0)
        return iter(())

    def reparse(self, stream: str, raw: str, position: str | None) -> RawItem:  # noqa: ARG002
        """Map a dead letter's callback body again; refuse one that failed verification."""
        where = position or "dead letter"
        if is_rejected(position):
            return RawItem(raw, None, where, error="failed signature verification: never ingested")
        event, found = self.receiver.item(raw, where)
        if found is None:
            status = event.status if event else "?"
            return RawItem(raw, None, where, error=f"call status {status}: nothing to record")
        return found
