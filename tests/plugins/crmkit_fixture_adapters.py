"""A plugin adding an adapter and a CLI command, as an adapter distribution would."""

from __future__ import annotations

import json
from typing import ClassVar

import click
from marshmallow import Schema, fields, validate

import crmkit
from crmkit.domain import RawItem
from crmkit.sdk import Adapter, StreamSpec


class StaticConfigSchema(Schema):
    """The names of the customers the adapter yields."""

    names = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class StaticAdapter(Adapter):
    """Yields one customer record per configured name, numbered from 1."""

    name = "fixture-static"
    description = "customers listed in the configuration"
    config_schema = StaticConfigSchema
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers"),)

    def read(self, stream, cursor, progress):  # noqa: ARG002 - the Adapter.read signature
        """Yield ``{"external_id": n, "name": name}`` for each configured name."""
        names = self.config["names"]
        progress.set_total(len(names))
        for number, name in enumerate(names, start=1):
            record = {"external_id": str(number), "name": name}
            raw = json.dumps(record, ensure_ascii=False)
            yield RawItem(raw=raw, data=record, position=f"name {number}", raw_is_record=True)
            progress.advance(1)


@crmkit.hookimpl
def register_adapters(register):
    """Register the static adapter."""
    register(StaticAdapter)


@click.command("fixture-hello")
@click.argument("who")
def hello(who):
    """Greet WHO (a command added by a plugin)."""
    click.echo(f"hello, {who}, from the fixture plugin")


@crmkit.hookimpl
def register_commands(cli):
    """Add the fixture-hello command."""
    cli.add_command(hello)
