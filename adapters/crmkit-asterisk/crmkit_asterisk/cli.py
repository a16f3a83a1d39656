"""``crmkit asterisk listen SOURCE``: record calls live and pop up who is calling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from crmkit.errors import CrmkitError

if TYPE_CHECKING:
    from crmkit.api import Crmkit
    from crmkit.config import SourceConfig


@click.group("asterisk")
def asterisk_group() -> None:
    """Asterisk: live calls from the Manager Interface."""


def _prepare(crm: Crmkit, source: SourceConfig) -> None:
    """Remember the source's phone region and time zone, as a sync would."""
    if source.default_region and crm.source_regions().get(source.name) != source.default_region:
        crm.set_source_region(source.name, source.default_region)
    if source.timezone and crm.source_timezones().get(source.name) != source.timezone:
        crm.set_source_timezone(source.name, source.timezone)


@asterisk_group.command("listen")
@click.argument("source_name", metavar="SOURCE")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Configuration file [default: ./crmkit.toml; env CRMKIT_CONFIG].",
)
@click.option("--seconds", type=float, default=None, help="Stop after this long [default: never].")
@click.option("--max-calls", type=int, default=None, help="Stop after this many calls ended.")
@click.pass_obj
def listen_command(
    state: Any,
    source_name: str,
    config_file: str | None,
    seconds: float | None,
    max_calls: int | None,
) -> None:
    """Listen to the asterisk-ami SOURCE: record each call, announce each incoming one."""
    from crmkit.config import load_config
    from crmkit_asterisk.ami.adapter import AmiAdapter
    from crmkit_asterisk.ami.listen import listen

    try:
        config = load_config(config_file)
        source = config.source(source_name)
    except CrmkitError as exc:
        raise click.ClickException(str(exc)) from exc
    if state.db_url is None and config.database_url:
        state.db_url = config.database_url
    try:
        crm = state.crm()
        adapter = source.build(crm.adapters())
        if not isinstance(adapter, AmiAdapter):
            raise click.ClickException(
                f"source {source_name!r} uses adapter {source.adapter!r}, not asterisk-ami"
            )
        _prepare(crm, source)
        click.echo(f"listening to {adapter.settings.where} as {adapter.settings.username!r}")
        report = listen(crm, adapter, seconds=seconds, max_calls=max_calls)
    except KeyboardInterrupt:
        click.echo("stopped")
        return
    except CrmkitError as exc:
        raise click.ClickException(source.redact(str(exc))) from exc
    click.echo(
        f"{report.announced} calls announced, {report.recorded} recorded, "
        f"{report.dead_lettered} dead-lettered"
    )
