"""What adapter authors build on: the :class:`Adapter` base class and its helpers."""

from crmkit.sdk.adapter import Adapter, Checkpoint, Progress, StreamSpec

__all__ = ["Adapter", "Checkpoint", "Progress", "StreamSpec"]
