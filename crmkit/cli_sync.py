"""Commands `crmkit sync`, `crmkit sources` and `crmkit deadletters show|retry|discard`."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from crmkit.cli_support import State, err_console, friendly_errors, pass_state
from crmkit.config import CONFIG_VARIABLE, DEFAULT_CONFIG, load_config
from crmkit.errors import AdapterError
from crmkit.plugins import collect_adapters
from crmkit.progress import progress_for

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from crmkit.api import Crmkit
    from crmkit.config import Config, SourceConfig
    from crmkit.sync.engine import StreamProgress, SyncReport

config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help=(
        f"Configuration file [default: ./{DEFAULT_CONFIG}; env {CONFIG_VARIABLE}]; "
        "'demo' for the bundled demo sources."
    ),
)


def _open(state: State, config: Config) -> Crmkit:
    """Return crmkit on ``--db`` if given, else on the configuration's database."""
    if state.db_url is None and config.database_url:
        state.db_url = config.database_url
    return state.crm()


@contextlib.contextmanager
def _stream_progress(source: str, stream: str) -> Iterator[StreamProgress]:
    """Show a bar per stream on a terminal; plain start and end lines otherwise."""
    label = f"{source}/{stream}"
    plain = not err_console.is_terminal
    if plain:
        err_console.print(f"sync {label}: started", highlight=False, soft_wrap=True)
    with progress_for(label, err_console) as progress:
        yield progress
    if plain:
        err_console.print(f"sync {label}: finished", highlight=False, soft_wrap=True)


def _console() -> Console:
    """Return a console for tables: the terminal's width, or wide enough when piped."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def _say(message: str) -> None:
    err_console.print(message, highlight=False, markup=False, soft_wrap=True)


def sync_summary(
    report: SyncReport,
    *,
    title: str = "sync summary",
    counts: Sequence[str] = ("read", "new", "changed", "unchanged", "dead-lettered"),
    messages: bool = False,
) -> Table:
    """Return a table with a row per source and stream of ``report``: its counts and status.

    ``counts`` names the columns of the stream's outcome to show (``dead-lettered`` is
    ``dead_lettered``); with ``messages``, a status is followed by the stream's message.
    """
    table = Table("source", "stream", *counts, "seconds", "status", title=title)
    for r in report.streams:
        o = r.outcome
        table.add_row(
            r.source,
            r.stream,
            *(str(getattr(o, count.replace("-", "_"))) for count in counts),
            f"{r.seconds:.1f}",
            f"{r.status}: {r.message}" if messages and r.message else r.status,
        )
    return table


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@config_option
@click.option("--full", is_flag=True, help="Ignore stored cursors and read everything again.")
@click.option(
    "--resolve/--no-resolve",
    default=None,
    help="Resolve customers afterwards [default: [sync] resolve, else yes].",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait for a stream another process is syncing, or skip it.",
)
@pass_state
@friendly_errors
def sync(
    state: State,
    sources: tuple[str, ...],
    config_file: str | None,
    full: bool,
    resolve: bool | None,
    wait: bool,
) -> None:
    """Sync the configured sources (all, or each SOURCE) incrementally from their cursors."""
    config = load_config(config_file)
    if not config.sources:
        where = config.path or DEFAULT_CONFIG
        raise click.ClickException(
            f"no sources configured in {where}: add [sources.NAME] tables "
            "(see docs/configuration.md)"
        )
    crm = _open(state, config)
    report = crm.sync(
        config,
        list(sources) or None,
        full=full,
        wait=wait,
        resolve=resolve,
        progress=_stream_progress,
        on_message=_say,
    )
    _console().print(sync_summary(report))
    for result in report.streams:
        if result.message and result.status != "ok":
            click.echo(f"{result.source}/{result.stream} {result.status}: {result.message}")
    if report.resolution is not None:
        click.echo(
            f"identity resolution: {report.resolution.records} records, "
            f"{report.resolution.customers} customers"
        )
    if report.failed_sources:
        click.echo(f"failed: {', '.join(report.failed_sources)}", err=True)
        sys.exit(1)


@click.group()
def sources() -> None:
    """List, show (secrets masked) and check the sources configured in crmkit.toml."""


@sources.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@friendly_errors
def sources_list(config_file: str | None, as_json: bool) -> None:
    """List the configured sources and their adapters."""
    config = load_config(config_file)
    rows = [_describe(s) for s in config.sources.values()]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("source", "adapter", "streams", "region", "timezone", "priority", "enabled")
    for row in rows:
        table.add_row(
            row["name"],
            row["adapter"],
            ", ".join(row["streams"] or ["(adapter's default)"]),
            row["default_region"] or "",
            row["timezone"] or "",
            "" if row["priority"] is None else str(row["priority"]),
            "yes" if row["enabled"] else "no",
        )
    _console().print(table)
    if not rows:
        click.echo(f"no sources configured in {config.path or DEFAULT_CONFIG}")


def _describe(source: SourceConfig) -> dict[str, Any]:
    return {
        "name": source.name,
        "adapter": source.adapter,
        "settings": source.shown_settings(),
        "streams": list(source.streams) if source.streams else None,
        "default_region": source.default_region,
        "timezone": source.timezone,
        "priority": source.priority,
        "max_retries": source.retry.max_retries,
        "backoff_seconds": source.retry.backoff_seconds,
        "batch_size": source.batch_size,
        "enabled": source.enabled,
    }


@sources.command("show")
@click.argument("name")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
@friendly_errors
def sources_show(state: State, name: str, config_file: str | None, as_json: bool) -> None:
    """Show one source: settings (secrets masked), cursors and its last sync per stream."""
    config = load_config(config_file)
    source = config.source(name)
    described = _describe(source)
    crm = _open(state, config)
    from crmkit.store.sync import SqlSyncStore

    store = SqlSyncStore(crm.database)
    runs = crm.sync_runs(name)
    streams = sorted({*(source.streams or ()), *(stream for _, stream in runs)})
    described["state"] = {
        stream: {
            "cursor": store.cursor(name, stream),
            "last_sync": _run_text(runs.get((name, stream))),
        }
        for stream in streams
    }
    if as_json:
        click.echo(json.dumps(described, indent=2, ensure_ascii=False, default=str))
        return
    for key, value in described.items():
        if key in {"settings", "state"}:
            continue
        shown = ", ".join(value) if isinstance(value, list) else value
        if key == "streams" and value is None:
            shown = "(adapter's default)"
        click.echo(f"{key}: {'' if shown is None else shown}")
    click.echo("settings:")
    for key, value in described["settings"].items():
        click.echo(f"  {key} = {json.dumps(value, ensure_ascii=False)}")
    for stream, info in described["state"].items():
        click.echo(f"stream {stream}: cursor {info['cursor']!r}; last sync {info['last_sync']}")


def _run_text(run: Any) -> str:
    if run is None:
        return "never"
    text = (
        f"{run.status} at {run.finished_at:%Y-%m-%d %H:%M:%S} UTC: {run.read} read, "
        f"{run.new} new, {run.changed} changed, {run.dead_lettered} dead-lettered"
    )
    return f"{text} ({run.message})" if run.message else text


@sources.command("check")
@click.argument("name")
@config_option
@pass_state
@friendly_errors
def sources_check(state: State, name: str, config_file: str | None) -> None:
    """Test a source's connection and credentials; report the source's own words."""
    config = load_config(config_file)
    source = config.source(name)
    adapter = source.build(collect_adapters(state.pm))
    try:
        seen = adapter.check()
    except AdapterError as exc:
        click.echo(f"{name}: check failed: {source.redact(str(exc))}", err=True)
        sys.exit(1)
    click.echo(f"{name}: ok: {source.redact(seen)}")


# dead letters -------------------------------------------------------------------------------


def _letter_json(letter: Any) -> dict[str, Any]:
    return {
        "id": letter.id,
        "source": letter.source,
        "stream": letter.stream.value,
        "position": letter.position,
        "reason": letter.reason,
        "status": letter.status,
        "created_at": letter.created_at.isoformat() if letter.created_at else None,
        "raw": letter.raw,
    }


@click.command("show")
@click.argument("letter_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
@friendly_errors
def deadletters_show(state: State, letter_id: int, as_json: bool) -> None:
    """Show one dead letter in full: where it came from, why, and its raw payload."""
    doc = _letter_json(state.crm().dead_letter(letter_id))
    if as_json:
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for key, value in doc.items():
        if key != "raw":
            click.echo(f"{key}: {'' if value is None else value}")
    click.echo("raw:")
    click.echo(doc["raw"])


@click.command("retry")
@click.argument("letter_ids", nargs=-1, type=int, metavar="[ID]...")
@click.option("--source", help="Retry every open letter of this source.")
@config_option
@click.option("--resolve/--no-resolve", default=True, show_default=True)
@pass_state
@friendly_errors
def deadletters_retry(
    state: State,
    letter_ids: tuple[int, ...],
    source: str | None,
    config_file: str | None,
    resolve: bool,
) -> None:
    """Validate dead letters again with today's code and configuration.

    Letters that pass now become records (marked retried); the others stay open with the
    new reason. Give IDs, or --source, or neither for every open letter.
    """
    config = load_config(config_file)
    crm = _open(state, config)
    report = crm.retry_dead_letters(
        list(letter_ids) or None, source=source, config=config, resolve=resolve
    )
    skipped = f", {len(report.skipped)} not tried" if report.skipped else ""
    click.echo(f"{len(report.fixed)} fixed, {len(report.still_bad)} still bad{skipped}")
    for letter_id, reason in report.still_bad:
        click.echo(f"  {letter_id}: {reason}")
    for letter_id in report.not_open:
        click.echo(f"  {letter_id}: not open, left alone")
    for letter_id, why in report.skipped:
        click.echo(f"  {letter_id}: not tried: {why}")


@click.command("discard")
@click.argument("letter_ids", nargs=-1, type=int, required=True, metavar="ID...")
@pass_state
@friendly_errors
def deadletters_discard(state: State, letter_ids: tuple[int, ...]) -> None:
    """Mark dead letters discarded: kept for the record, never retried."""
    changed = state.crm().discard_dead_letters(letter_ids)
    click.echo(f"{changed} dead letter(s) discarded")


def register(cli: click.Group) -> None:
    """Add ``sync`` and ``sources`` to ``cli`` and ``show|retry|discard`` to its deadletters."""
    cli.add_command(sync)
    cli.add_command(sources)
    group = cli.commands.get("deadletters")
    if isinstance(group, click.Group):
        for command in (deadletters_show, deadletters_retry, deadletters_discard):
            group.add_command(command)
