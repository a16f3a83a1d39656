"""``crmkit new-adapter NAME``: generate a ready adapter distribution from the adapter kit.

``crmkit.cli`` registers the command; the generator itself is :mod:`crmkit.scaffold`.
"""

from __future__ import annotations

from pathlib import Path

import click

from crmkit.cli_support import friendly_errors


@click.command("new-adapter")
@click.argument("name")
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="Folder to create crmkit-NAME in.",
)
@click.option("--force", is_flag=True, help="Overwrite the kit's files in an existing folder.")
@friendly_errors
def new_adapter(name: str, directory: Path, force: bool) -> None:
    """Generate crmkit-NAME/: an adapter package with its tests, ready to install.

    NAME is lower-case letters, digits and hyphens (acme-crm). The package reads customers
    from a paged JSON API; its tests pass as generated. Next: cd crmkit-NAME, pip install
    -e ".[test]", pytest; then make the adapter read your system.
    """
    from crmkit.scaffold import AdapterNames
    from crmkit.scaffold import new_adapter as generate

    target = generate(name, directory, force=force)
    names = AdapterNames.parse(name)
    click.echo(f"created {target}/ (adapter {names.name!r}, package {names.package})")
    click.echo("next:")
    click.echo(f"  cd {target}")
    click.echo('  pip install -e ".[test]" && pytest      # the generated tests pass')
    click.echo(f"  edit {names.package}/adapter.py and mapping.py for your API; see README.md")


def register(cli: click.Group) -> None:
    """Add ``new-adapter`` to the ``crmkit`` command group."""
    cli.add_command(new_adapter)
