"""The sync engine: runs configured sources' streams incrementally, safely and resumably.

For each stream it takes the stream's database lock, reads from the committed cursor and
hands the items to the :class:`~crmkit.services.ingest.Ingestor`, which commits each batch
together with the cursor that covers it; so a crash at any point, followed by a rerun, stores
every record exactly once. A transient failure is retried from the last committed cursor
with exponential backoff (honouring Retry-After); a permanent one stops that stream only.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import sqlalchemy as sa

from crmkit.domain import IngestOutcome, Stream, utc_now
from crmkit.errors import CrmkitError
from crmkit.sdk.adapter import Checkpoint, NoProgress
from crmkit.sdk.retry import is_transient, retry_after_of
from crmkit.services.ingest import Ingestor
from crmkit.services.resolution import ResolveReport
from crmkit.store.sync import SqlSyncStore, SyncRun
from crmkit.sync.locks import acquire_stream_lock

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterator, Sequence
    from contextlib import AbstractContextManager

    from crmkit.api import Crmkit
    from crmkit.config import Config, SourceConfig
    from crmkit.domain import RawItem
    from crmkit.sdk.adapter import Adapter

log = logging.getLogger("crmkit.sync")

OK, FAILED, SKIPPED, BUSY = "ok", "failed", "skipped", "busy"
ALL_STREAMS = "*"
_STREAMS = frozenset(s.value for s in Stream)


class StreamProgress(Protocol):
    """Where the engine shows one stream's progress: the adapter's units and running counts."""

    def set_total(self, total: int | None) -> None:
        """Announce how many units the whole read will take, or ``None`` if unknown."""

    def advance(self, units: int) -> None:
        """Report that ``units`` more units have been read."""

    def detail(self, text: str) -> None:
        """Show running counts beside the progress."""


class _Quiet(NoProgress):
    def detail(self, text: str) -> None:
        """Ignore the counts."""


def quiet_progress(_source: str, _stream: str) -> AbstractContextManager[StreamProgress]:
    """Return a progress that shows nothing (the default outside the command line)."""
    return contextlib.nullcontext(_Quiet())


@attrs.define
class StreamResult:
    """How one stream of one source ended: its status, counts, time and attempts.

    ``status`` is ``ok``, ``failed`` (``message`` says why), ``skipped`` (not read, e.g. no
    validator for the stream yet) or ``busy`` (another process held the stream's lock).
    ``stream`` is ``"*"`` when the source failed before any stream ran (configuration).
    """

    source: str
    stream: str
    status: str
    outcome: IngestOutcome = attrs.field(factory=IngestOutcome)
    seconds: float = 0.0
    attempts: int = 0
    message: str = ""

    @property
    def failed(self) -> bool:
        """Return True when the stream (or its source) failed."""
        return self.status == FAILED


@attrs.define
class SyncReport:
    """Everything one sync did: a result per stream and the resolution run afterwards."""

    streams: list[StreamResult] = attrs.field(factory=list)
    resolution: ResolveReport | None = None

    @property
    def failed_sources(self) -> list[str]:
        """Return the sources with a failed stream (or configuration), in order, once each."""
        return list(dict.fromkeys(r.source for r in self.streams if r.failed))

    @property
    def ok(self) -> bool:
        """Return True when no source failed."""
        return not self.failed_sources

    @property
    def stored(self) -> int:
        """Return how many record versions the sync added (new plus changed)."""
        return sum(r.outcome.stored for r in self.streams)


class _Guarded:
    """Iterates an adapter's items and stops cleanly, remembering the error, if it raises.

    The ingestor then commits what was read up to the failure (with the last cursor seen),
    and the engine decides whether to retry from there.
    """

    def __init__(self, read: Callable[[], Iterator[RawItem | Checkpoint]]) -> None:
        self.read = read
        self.error: Exception | None = None

    def __iter__(self) -> Iterator[RawItem | Checkpoint]:
        try:
            yield from self.read()
        except Exception as exc:  # noqa: BLE001 - classified by the engine, never swallowed
            self.error = exc


class SyncEngine:
    """Runs the sources of a :class:`~crmkit.config.Config` into a :class:`Crmkit`.

    ``progress(source, stream)`` returns a context manager giving a :class:`StreamProgress`
    per stream; ``on_message`` hears about retries, waits and failures as they happen;
    ``sleep`` waits between retries (tests pass a recorder).
    """

    def __init__(
        self,
        crm: Crmkit,
        config: Config,
        *,
        progress: Callable[[str, str], AbstractContextManager[StreamProgress]] = quiet_progress,
        on_message: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.crm = crm
        self.config = config
        self.progress = progress
        self.on_message = on_message or log.info
        self.sleep = sleep
        self.store = SqlSyncStore(crm.database)

    def run(
        self,
        sources: Sequence[str] | None = None,
        *,
        full: bool = False,
        wait: bool = True,
        resolve: bool | None = None,
    ) -> SyncReport:
        """Sync ``sources`` (default: every enabled one); return the :class:`SyncReport`.

        ``full`` forgets the cursors and reads everything again; ``wait`` waits for a stream
        another process is syncing (else it is reported ``busy``); ``resolve`` (default: the
        configuration's ``[sync] resolve``) runs identity resolution when records changed.
        Unknown source names raise :class:`~crmkit.errors.ConfigError` before anything runs.
        """
        chosen = (
            [self.config.source(name) for name in sources]
            if sources
            else [s for s in self.config.sources.values() if s.enabled]
        )
        report = SyncReport()
        for source in chosen:
            report.streams.extend(self._source(source, full=full, wait=wait))
        if (self.config.resolve if resolve is None else resolve) and report.stored:
            report.resolution = self.crm.resolve()
        self.crm.hook.sync_finished(report=report)
        return report

    def _source(self, source: SourceConfig, *, full: bool, wait: bool) -> list[StreamResult]:
        try:
            adapter = source.build(self.crm.adapters())
            streams = _streams(source, adapter)
            self._remember(source)
        except CrmkitError as exc:
            message = source.redact(str(exc))
            self.on_message(message)
            return [StreamResult(source.name, ALL_STREAMS, FAILED, message=message)]
        return [self._stream(source, adapter, stream, full=full, wait=wait) for stream in streams]

    def _remember(self, source: SourceConfig) -> None:
        """Store the source's region, priority and zone where resolution can read them."""
        if source.default_region and self.crm.source_regions().get(source.name) != (
            source.default_region
        ):
            self.crm.set_source_region(source.name, source.default_region)
        if (
            source.priority is not None
            and self.crm.source_priorities().get(source.name) != source.priority
        ):
            self.crm.set_source_priority(source.name, source.priority)
        if source.timezone and self.crm.source_timezones().get(source.name) != source.timezone:
            self.crm.set_source_timezone(source.name, source.timezone)

    def _stream(
        self, source: SourceConfig, adapter: Adapter, stream: str, *, full: bool, wait: bool
    ) -> StreamResult:
        started_at = utc_now()
        started = time.perf_counter()
        validator = self.crm.validators.get(Stream(stream)) if stream in _STREAMS else None
        if validator is None:
            result = StreamResult(
                source.name,
                stream,
                SKIPPED,
                message=f"this crmkit cannot store the {stream} stream yet: not read",
            )
            self.on_message(f"{source.name}/{stream}: {result.message}")
            return self._finish(result, started_at, started)
        lock = acquire_stream_lock(
            self.crm.database, source.name, stream, wait=wait, on_wait=self.on_message
        )
        if lock is None:
            message = f"stream {stream} of source {source.name} is being synced by another process"
            self.on_message(f"{message}: skipped")
            return self._finish(
                StreamResult(source.name, stream, BUSY, message=message), started_at, started
            )
        try:
            if full:
                self.store.clear_cursor(source.name, stream)
            result = self._read(source, adapter, stream, validator)
        except sa.exc.SQLAlchemyError as exc:
            reason = str(exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc).strip()
            message = f"database error: {reason.splitlines()[0] if reason else type(exc).__name__}"
            self.on_message(f"{source.name}/{stream} failed: {message}")
            result = StreamResult(source.name, stream, FAILED, message=message)
        finally:
            lock.release()
        return self._finish(result, started_at, started)

    def _read(
        self, source: SourceConfig, adapter: Adapter, stream: str, validator: Any
    ) -> StreamResult:
        outcome = IngestOutcome()
        result = StreamResult(source.name, stream, OK, outcome)
        announce = self.crm.hook.records_ingested.get_hookimpls()
        with self.progress(source.name, stream) as progress:

            def show(counts: IngestOutcome) -> None:
                progress.detail(
                    f"{counts.read} read, {counts.stored} stored, "
                    f"{counts.dead_lettered} dead-lettered"
                )

            while True:
                result.attempts += 1
                cursor = self.store.cursor(source.name, stream)
                items = _Guarded(functools.partial(adapter.read, stream, cursor, progress))
                Ingestor(
                    store=self.crm.records,
                    validator=validator,
                    source=source.name,
                    stream=Stream(stream),
                    batch_size=source.batch_size,
                    on_stored=self.crm._announce if announce else None,  # noqa: SLF001
                    on_progress=show,
                    outcome=outcome,
                ).run(items)
                error = items.error
                if error is None:
                    return result
                text = source.redact(_describe(error))
                retries = result.attempts - 1
                if not is_transient(error) or retries >= source.retry.max_retries:
                    result.status = FAILED
                    gave_up = f" (gave up after {result.attempts} attempts)" if retries else ""
                    result.message = f"{text}{gave_up}"
                    self.on_message(f"{source.name}/{stream} failed: {result.message}")
                    return result
                delay = source.retry.delay(result.attempts, retry_after_of(error))
                self.on_message(
                    f"{source.name}/{stream}: {text}; retry {result.attempts} of "
                    f"{source.retry.max_retries} in {delay:.2f} s from the last committed cursor"
                )
                self.sleep(delay)

    def _finish(
        self, result: StreamResult, started_at: dt.datetime, started: float
    ) -> StreamResult:
        result.seconds = time.perf_counter() - started
        outcome = result.outcome
        self.store.add_run(
            SyncRun(
                source=result.source,
                stream=result.stream,
                status=result.status,
                started_at=started_at,
                finished_at=utc_now(),
                read=outcome.read,
                new=outcome.new,
                changed=outcome.changed,
                unchanged=outcome.unchanged,
                dead_lettered=outcome.dead_lettered,
                attempts=result.attempts,
                message=result.message,
            )
        )
        return result


def _streams(source: SourceConfig, adapter: Adapter) -> list[str]:
    """Return the streams to read: the configured ones, else the adapter's defaults."""
    streams = list(source.streams or adapter.default_streams())
    offered = adapter.stream_names()
    unknown = [s for s in streams if s not in offered]
    if unknown:
        raise CrmkitError(
            f"source {source.name!r}: adapter {source.adapter!r} has no stream "
            f"{unknown[0]!r} (it offers: {', '.join(offered) or 'none'})"
        )
    return streams


def _describe(error: Exception) -> str:
    """Return an error as one line in the source's own words."""
    if isinstance(error, CrmkitError):
        return str(error)
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
