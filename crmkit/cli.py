"""The ``crmkit`` command line (click). Plugins add commands through ``register_commands``."""

from __future__ import annotations

import csv
import json
import os
import sys
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

import crmkit
from crmkit.cli_support import State, err_console, friendly_errors, pass_state
from crmkit.domain import Identity, Stream
from crmkit.plugins import CrmkitPluginManager, get_plugin_manager
from crmkit.progress import progress_for
from crmkit.schemas import CustomerExportSchema

if TYPE_CHECKING:
    from crmkit.domain import IngestOutcome

_RAW_WIDTH = 60


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    envvar="CRMKIT_DATABASE_URL",
    help="SQLAlchemy database URL [default: sqlite:///crmkit.db; env CRMKIT_DATABASE_URL]",
)
@click.version_option(crmkit.__version__, prog_name="crmkit")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """crmkit: one customer across your ERP, web shop and phones."""
    pm = ctx.obj if isinstance(ctx.obj, CrmkitPluginManager) else get_plugin_manager()
    ctx.obj = State(db_url, pm)
    ctx.call_on_close(ctx.obj.close)


@cli.command()
@pass_state
@friendly_errors
def init(state: State) -> None:
    """Create the database, or upgrade its schema to this version of crmkit."""
    crm = state.crm()
    before = crm.database.current_revision()
    crm.init()
    after = crm.database.current_revision()
    where = crm.database.display_url()
    if before == after:
        click.echo(f"{where}: schema is up to date (revision {after})")
    else:
        click.echo(f"{where}: schema upgraded from {before or 'empty'} to revision {after}")


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Include crmkit's built-in plugins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def plugins(state: State, show_all: bool, as_json: bool) -> None:
    """List installed plugins, their versions and hooks, and any that failed."""
    infos = [i for i in state.pm.plugin_infos() if show_all or not i.builtin]
    problems = state.pm.problems
    if as_json:
        payload = {
            "plugins": [
                {
                    "name": i.name,
                    "builtin": i.builtin,
                    "distribution": i.distribution,
                    "version": i.version,
                    "hooks": list(i.hooks),
                }
                for i in infos
            ],
            "problems": [{"name": p.name, "hook": p.hook, "error": p.error} for p in problems],
        }
        click.echo(json.dumps(payload, indent=2))
        return
    table = Table("plugin", "version", "hooks", title="crmkit plugins")
    for info in infos:
        version = f"{info.distribution} {info.version}" if info.distribution else "built-in"
        table.add_row(info.name, version, ", ".join(info.hooks))
    Console().print(table)
    if not infos:
        click.echo("no plugins installed (crmkit plugins --all shows the built-ins)")
    for problem in problems:
        where = f" in hook {problem.hook}" if problem.hook else ""
        err_console.print(f"[red]broken[/red] {problem.name}{where}: {problem.error}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def adapters(state: State, as_json: bool) -> None:
    """List the adapters plugins provide, with their streams and settings."""
    found = state.crm().adapters()
    rows: list[dict[str, Any]] = []
    for name, adapter in sorted(found.items()):
        settings = sorted(adapter.config_schema().fields)
        rows.append(
            {
                "name": name,
                "description": adapter.description,
                "streams": adapter.stream_names(),
                "settings": settings,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table("adapter", "streams", "settings", "description", title="crmkit adapters")
    for row in rows:
        table.add_row(
            row["name"], ", ".join(row["streams"]), ", ".join(row["settings"]), row["description"]
        )
    Console().print(table)


def _summary(outcome: IngestOutcome, seconds: float) -> Table:
    table = Table(
        "read", "new", "changed", "unchanged", "dead-lettered", "seconds", title="import summary"
    )
    table.add_row(
        str(outcome.read),
        str(outcome.new),
        str(outcome.changed),
        str(outcome.unchanged),
        str(outcome.dead_lettered),
        f"{seconds:.1f}",
    )
    return table


@cli.command("import")
@click.argument("adapter_name", metavar="ADAPTER")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--source", required=True, help="Name of the source the records come from.")
@click.option(
    "--stream",
    type=click.Choice([s.value for s in Stream]),
    default="customers",
    show_default=True,
    help="What the file holds.",
)
@click.option("--region", help="Default phone region of the source (ISO code, e.g. RU).")
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="An adapter setting, e.g. --option delimiter=';' (repeatable).",
)
@click.option(
    "--resolve/--no-resolve",
    default=True,
    show_default=True,
    help="Update customers after importing customers (other streams are projected).",
)
@pass_state
@friendly_errors
def import_(
    state: State,
    adapter_name: str,
    path: str,
    source: str,
    stream: str,
    region: str | None,
    options: tuple[str, ...],
    resolve: bool,
) -> None:
    """Import a file through ADAPTER (jsonl, csv, or a plugin's) as records of SOURCE."""
    import time

    config: dict[str, Any] = {"path": path}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {option!r}", param_hint="--option")
        config[key.strip()] = value
    crm = state.crm()
    adapter = crm.adapter(adapter_name, source, config)
    started = time.perf_counter()
    with progress_for(f"import {source}", err_console) as progress:

        def show(outcome: IngestOutcome) -> None:
            progress.detail(
                f"{outcome.read} read, {outcome.stored} stored, "
                f"{outcome.dead_lettered} dead-lettered"
            )

        outcome = crm.import_from(adapter, stream, progress=progress, on_batch=show, resolve=False)
    if region:
        crm.set_source_region(source, region)
    if resolve and stream == Stream.CUSTOMERS:
        with err_console.status("resolving customers"):
            crm.resolve()
    elif stream != Stream.CUSTOMERS:
        with err_console.status(f"projecting {stream}"):
            crm.project()
    Console().print(_summary(outcome, time.perf_counter() - started))
    if outcome.dead_lettered:
        click.echo(
            f"{outcome.dead_lettered} bad record(s) kept in the dead-letter table: "
            f"crmkit deadletters list --source {source}"
        )


@cli.group()
def customers() -> None:
    """Golden customers: export and inspect."""


@customers.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write [default: standard output].",
)
@pass_state
@friendly_errors
def export(state: State, fmt: str, output: Any) -> None:
    """Write every customer, one per line, with golden fields and source identities."""
    schema = CustomerExportSchema()
    crm = state.crm()
    if fmt == "jsonl":
        for customer in crm.customers():
            output.write(json.dumps(schema.dump_customer(customer), ensure_ascii=False) + "\n")
        return
    columns = [
        "id",
        "kind",
        "name",
        "phones",
        "emails",
        "addresses",
        "identifiers",
        "birth_date",
        "identities",
    ]
    writer = csv.DictWriter(output, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for customer in crm.customers():
        doc = schema.dump_customer(customer)
        writer.writerow(
            {
                "id": doc["id"],
                "kind": doc["kind"] or "",
                "name": doc["name"],
                "phones": ";".join(doc["phones"]),
                "emails": ";".join(doc["emails"]),
                "addresses": " | ".join(
                    crmkit.domain.Address(**a).one_line() for a in doc["addresses"]
                ),
                "identifiers": ";".join(f"{k}={v}" for k, v in doc["identifiers"].items()),
                "birth_date": doc["birth_date"] or "",
                "identities": ";".join(
                    f"{i['source']}/{i['external_id']}" for i in doc["identities"]
                ),
            }
        )


@customers.command("merge")
@click.argument("first", type=int)
@click.argument("second", type=int)
@click.option("--reason", default="", help="Why (kept in the decisions journal).")
@click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@pass_state
@friendly_errors
def merge(state: State, first: int, second: int, reason: str, actor: str) -> None:
    """Merge customers FIRST and SECOND for good (every later run keeps them together)."""
    customer = state.crm().merge(first, second, actor=actor, reason=reason)
    click.echo(
        f"customers {first} and {second} are now customer {customer.id} "
        f"({len(customer.identities)} identities)"
    )


@customers.command("unmerge")
@click.argument("customer_id", type=int)
@click.argument("identity", metavar="SOURCE/EXTERNAL_ID")
@click.option("--reason", default="", help="Why (kept in the decisions journal).")
@click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@pass_state
@friendly_errors
def unmerge(state: State, customer_id: int, identity: str, reason: str, actor: str) -> None:
    """Separate one source identity from a customer for good."""
    try:
        parsed = Identity.parse(identity)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="SOURCE/EXTERNAL_ID") from exc
    customer = state.crm().unmerge(customer_id, parsed, actor=actor, reason=reason)
    click.echo(f"{parsed} is now customer {customer.id}; customer {customer_id} keeps the rest")


@customers.command("explain")
@click.argument("first", type=int)
@click.argument("second", type=int)
@pass_state
@friendly_errors
def explain_command(state: State, first: int, second: int) -> None:
    """Explain why customers FIRST and SECOND are one customer, or why they are not."""
    click.echo(state.crm().explain(first, second).text())


@cli.command()
@click.option("--dry-run", is_flag=True, help="Show what would merge and split; change nothing.")
@click.option("--full", is_flag=True, help="Rebuild from every record (decisions still hold).")
@pass_state
@friendly_errors
def resolve(state: State, dry_run: bool, full: bool) -> None:
    """Resolve source records into customers; human decisions are always respected."""
    with err_console.status("resolving customers"):
        report = state.crm().resolve(dry_run=dry_run, full=full)
    if report.mode == "unchanged":
        click.echo("nothing changed since the last resolution")
        return
    table = Table(
        "run",
        "records",
        "customers",
        "new",
        "merged ids",
        "split ids",
        "for review",
        "seconds",
        title="resolution" + (" (dry run: nothing written)" if dry_run else ""),
    )
    table.add_row(
        report.mode,
        str(report.records),
        str(report.customers),
        str(report.created),
        str(len(report.merged)),
        str(len(report.split)),
        str(report.review),
        f"{report.seconds:.1f}",
    )
    Console().print(table)
    for old, new in report.merged[:20]:
        click.echo(f"customer {old} {'would merge' if dry_run else 'merged'} into {new}")
    for old in report.split[:20]:
        click.echo(f"customer {old} {'would be' if dry_run else 'was'} split")


@cli.group()
def review() -> None:
    """Pairs of records that might be one customer, waiting for a person."""


@review.command("list")
@click.option(
    "--status",
    type=click.Choice(["open", "accepted", "rejected", "obsolete", "all"]),
    default="open",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines with the explanation.")
@pass_state
@friendly_errors
def review_list(state: State, status: str, as_json: bool) -> None:
    """List review items, most probable first."""
    items = state.crm().review_items(None if status == "all" else status)
    if as_json:
        for item in items:
            click.echo(
                json.dumps(
                    {
                        "id": item.id,
                        "left": str(item.left),
                        "right": str(item.right),
                        "probability": item.probability,
                        "status": item.status,
                        "explanation": item.explanation,
                    },
                    ensure_ascii=False,
                )
            )
        return
    table = Table("id", "left", "right", "probability", "status", title="review queue")
    for item in items:
        table.add_row(
            str(item.id), str(item.left), str(item.right), f"{item.probability:.3f}", item.status
        )
    Console().print(table)
    if not items:
        click.echo("nothing to review")


def _decide(state: State, item_id: int, *, accept: bool, reason: str, actor: str) -> None:
    report = state.crm().decide(item_id, accept=accept, actor=actor, reason=reason)
    verb = "accepted" if accept else "rejected"
    click.echo(f"review item {item_id} {verb}; {report.customers} customers now")


@review.command("accept")
@click.argument("item_id", type=int)
@click.option("--reason", default="")
@click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@pass_state
@friendly_errors
def review_accept(state: State, item_id: int, reason: str, actor: str) -> None:
    """Accept a review item: the two records are one customer."""
    _decide(state, item_id, accept=True, reason=reason, actor=actor)


@review.command("reject")
@click.argument("item_id", type=int)
@click.option("--reason", default="")
@click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@pass_state
@friendly_errors
def review_reject(state: State, item_id: int, reason: str, actor: str) -> None:
    """Reject a review item: the two records are different customers."""
    _decide(state, item_id, accept=False, reason=reason, actor=actor)


@cli.group()
def deadletters() -> None:
    """Inspect records that could not be ingested: raw payload and reason."""


@deadletters.command("list")
@click.option("--source", help="Only this source.")
@click.option(
    "--status",
    type=click.Choice(["open", "retried", "discarded", "all"]),
    default="open",
    show_default=True,
)
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines with the raw payload.")
@pass_state
@friendly_errors
def list_deadletters(
    state: State, source: str | None, status: str, limit: int, as_json: bool
) -> None:
    """List dead letters, oldest first."""
    letters = state.crm().dead_letters(
        source=source, status=None if status == "all" else status, limit=limit
    )
    if as_json:
        for letter in letters:
            click.echo(
                json.dumps(
                    {
                        "id": letter.id,
                        "source": letter.source,
                        "stream": letter.stream.value,
                        "position": letter.position,
                        "reason": letter.reason,
                        "raw": letter.raw,
                        "status": letter.status,
                        "created_at": letter.created_at.isoformat() if letter.created_at else None,
                    },
                    ensure_ascii=False,
                )
            )
        return
    table = Table("id", "source", "stream", "where", "reason", "raw", title="dead letters")
    for letter in letters:
        raw = letter.raw if len(letter.raw) <= _RAW_WIDTH else letter.raw[: _RAW_WIDTH - 3] + "..."
        table.add_row(
            str(letter.id),
            letter.source,
            letter.stream.value,
            letter.position or "",
            letter.reason,
            raw,
        )
    Console().print(table)
    if not letters:
        click.echo("no dead letters")


@cli.command()
@click.option(
    "--db",
    "demo_db",
    default="sqlite:///crmkit-demo.db",
    show_default=True,
    help="Where the demo writes (it starts from an empty database).",
)
@click.option(
    "--config",
    "config_file",
    default="crmkit-demo.toml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where the demo writes the configuration of its sources.",
)
@click.option("--serve", is_flag=True, help="Keep the systems running afterwards, until Ctrl-C.")
@pass_state
@friendly_errors
def demo(state: State, demo_db: str, config_file: str, serve: bool) -> None:
    """Start SAP, 1C, a web shop and a phone system on loopback, sync them, show the cards."""
    from crmkit.demo import command_name
    from crmkit.demo.runner import run_demo

    crm = run_demo(
        demo_db,
        state.pm,
        Console(),
        config_path=config_file,
        command=command_name(),
        serve=serve,
    )
    crm.close()


def build_cli(pm: CrmkitPluginManager | None = None) -> click.Group:
    """Return a new CLI group: the built-in commands plus plugin commands.

    Plugins add theirs through ``register_commands``; each call builds a fresh group, so
    plugin commands never leak from one plugin manager's CLI into another's.
    """
    pm = pm or get_plugin_manager()
    group = click.Group(
        name=cli.name,
        commands=dict(cli.commands),
        callback=cli.callback,
        params=list(cli.params),
        help=cli.help,
        context_settings=cli.context_settings,
    )
    pm.hook.register_commands(cli=group)
    return group


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``crmkit`` command."""
    pm = get_plugin_manager()
    group = build_cli(pm)
    group.main(args=argv if argv is not None else sys.argv[1:], prog_name="crmkit", obj=pm)


from crmkit.cli_sync import register as _register_sync  # noqa: E402 - it builds on cli above

_register_sync(cli)

from crmkit.cli_orders import orders as _orders  # noqa: E402 - it builds on cli above
from crmkit.cli_orders import show as _show_card  # noqa: E402

customers.add_command(_show_card)
cli.add_command(_orders)

from crmkit.cli_calls import calls as _calls  # noqa: E402 - it builds on cli above

cli.add_command(_calls)

from crmkit.cli_serve import register as _register_serve  # noqa: E402 - it builds on cli above

_register_serve(cli)

from crmkit.cli_report import reminders as _reminders  # noqa: E402 - it builds on cli above
from crmkit.cli_report import report as _report  # noqa: E402

cli.add_command(_report)
cli.add_command(_reminders)

from crmkit.cli_new_adapter import register as _register_new_adapter  # noqa: E402 - builds on cli

_register_new_adapter(cli)
