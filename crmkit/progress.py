"""Progress reporting for long runs: a live bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from types import TracebackType

    from rich.console import Console


_REDRAW_SECONDS = 0.1


class TerminalProgress:
    """A :class:`crmkit.sdk.Progress` that draws a rich bar, redrawn at most 10 times a second."""

    def __init__(self, description: str, console: Console | None = None) -> None:
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task = self._bar.add_task(description, total=None, detail="")
        self._pending = 0
        self._last = 0.0

    def __enter__(self) -> TerminalProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._flush()
        self._bar.stop()

    def set_total(self, total: int | None) -> None:
        """Set the total number of units."""
        self._bar.update(self._task, total=total)

    def advance(self, units: int) -> None:
        """Count ``units`` more; redraw if a tenth of a second has passed."""
        self._pending += units
        now = time.monotonic()
        if now - self._last >= _REDRAW_SECONDS:
            self._flush()
            self._last = now

    def detail(self, text: str) -> None:
        """Show ``text`` beside the bar (running counts)."""
        self._bar.update(self._task, detail=text)

    def _flush(self) -> None:
        if self._pending:
            self._bar.advance(self._task, self._pending)
            self._pending = 0


class LogProgress:
    """A :class:`crmkit.sdk.Progress` that writes a plain line every ``interval`` seconds."""

    def __init__(self, description: str, interval: float = 10.0, stream: Any = None) -> None:
        self.description = description
        self.interval = interval
        self.stream = stream or sys.stderr
        self.total: int | None = None
        self.done = 0
        self.text = ""
        self._last = time.monotonic()

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def set_total(self, total: int | None) -> None:
        """Remember the total number of units."""
        self.total = total

    def advance(self, units: int) -> None:
        """Count ``units`` more; print a line if ``interval`` seconds have passed."""
        self.done += units
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
            print(
                f"{self.description}: {self.done} of {self.total or '?'}{share} {self.text}",
                file=self.stream,
                flush=True,
            )

    def detail(self, text: str) -> None:
        """Remember running counts for the next line."""
        self.text = text


def progress_for(description: str, console: Console) -> TerminalProgress | LogProgress:
    """Return a bar on an interactive terminal, log lines otherwise."""
    if console.is_terminal:
        return TerminalProgress(description, console)
    return LogProgress(description)
