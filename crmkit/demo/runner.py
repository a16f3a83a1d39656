"""``crmkit demo``: start the systems, sync them through the real adapters, show the result.

The steps are the ones a real installation takes: a ``crmkit.toml`` naming the sources, a
sync through the sync engine (cursors, checkpoints, dead letters), the phone system's
signed status callbacks received by crmkit's webhook receiver, identity resolution, and
then the cards and the segment report.
"""

from __future__ import annotations

import contextlib
import shlex
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from crmkit.api import Crmkit
from crmkit.cli_sync import sync_summary
from crmkit.demo.show import (
    chosen_customers,
    print_cards,
    print_dead_letters,
    print_hints,
    print_segments,
)
from crmkit.demo.stack import CONFIG_MARK, PHONES, SYNCED, DemoStack, check_adapters
from crmkit.demo.story import AS_OF
from crmkit.errors import ConfigError
from crmkit.plugins import collect_adapters
from crmkit.progress import progress_for
from crmkit.store import Database
from crmkit.webhooks import app_from_config, mount_path

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from rich.console import Console

    from crmkit.config import Config
    from crmkit.plugins import CrmkitPluginManager
    from crmkit.sync.engine import StreamProgress


#: The ``crmkit_state`` entry that marks a database as written by the demo.
DEMO_STATE = "demo:written-by"


def fresh_sqlite(url: str) -> None:
    """Delete the SQLite file of ``url`` (and its journal files), so the demo starts empty.

    Only a database an earlier demo wrote is deleted: any other file at that path raises
    :class:`ConfigError`, so ``--db`` pointed at real data by mistake loses nothing.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"--db {url!r} is not a database URL: {exc}") from exc
    if parsed.get_backend_name() != "sqlite":
        raise ConfigError(
            "the demo writes to an embedded SQLite file and starts it afresh: --db must be a "
            f"sqlite:/// URL, not {parsed.render_as_string(hide_password=True)}"
        )
    if parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    if path.exists() and path.stat().st_size and not _written_by_demo(path):
        raise ConfigError(
            f"{path} holds a database the demo did not write; the demo starts from an empty "
            "database and would delete it: choose another --db (or delete the file yourself)"
        )
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _written_by_demo(path: Path) -> bool:
    """Return whether the SQLite file at ``path`` carries the demo's mark."""
    try:
        read_only = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(read_only, uri=True)) as conn:
            found = conn.execute(
                "SELECT 1 FROM crmkit_state WHERE name = ?", (DEMO_STATE,)
            ).fetchone()
    except sqlite3.DatabaseError:
        return False
    return found is not None


def _claim_config(path: Path) -> None:
    """Refuse to overwrite a configuration file the demo did not write."""
    if path.exists() and not path.read_text(encoding="utf-8", errors="replace").startswith(
        CONFIG_MARK
    ):
        raise ConfigError(
            f"{path} is a configuration the demo did not write and would overwrite: choose "
            "another --config"
        )


def _progress(
    console: Console,
) -> Callable[[str, str], contextlib.AbstractContextManager[StreamProgress]]:
    @contextlib.contextmanager
    def stream_progress(source: str, stream: str) -> Iterator[StreamProgress]:
        label = f"sync {source}/{stream}"
        if not console.is_terminal:
            console.print(f"{label}: started", highlight=False)
        with progress_for(label, console) as progress:
            yield progress
        if not console.is_terminal:
            console.print(f"{label}: finished", highlight=False)

    return stream_progress


def _post_calls(crm: Crmkit, config: Config, stack: DemoStack, console: Console) -> None:
    """Serve crmkit's webhook receiver and let the phone system post its callbacks to it."""
    from crmkit.demo.services.phones import WebhookServer

    app = app_from_config(crm, config, [PHONES], resolve=False)
    with WebhookServer(app) as receiver:
        url = f"{receiver.url}{mount_path(PHONES)}"
        console.print(
            f"phone system: posting {len(stack.phones.callbacks)} Twilio-signed status callbacks "
            f"of {stack.phones.calls()} calls to crmkit's webhook receiver at {url}",
            highlight=False,
        )
        with progress_for(f"webhooks {PHONES}", console) as progress:
            progress.set_total(len(stack.phones.callbacks))
            answers = stack.phones.replay(url, progress.advance)
    shown = ", ".join(f"{count} answered {status}" for status, count in sorted(answers.items()))
    console.print(f"phone system: {shown}", highlight=False)


def _announce(stack: DemoStack, console: Console) -> None:
    one_c, sap, shop = stack.one_c, stack.sap, stack.shop
    one_c_counts = (
        f"{len(one_c.entities['Catalog_Контрагенты'])} counterparties, "
        f"{len(one_c.entities['Document_ЗаказКлиента'])} customer orders"
    )
    sap_counts = (
        f"{len(sap.system.customers)} customers, "
        f"{len({r['SDDOC'] for r in sap.system.orders})} sales orders"
    )
    shop_counts = f"{len(shop.customers)} customers, {len(shop.orders)} orders"
    lines = (
        f"1C:Enterprise (OData)   {one_c.publication_url}/odata/standard.odata/  {one_c_counts}",
        f"SAP ECC (SOAP BAPIs)    {sap.wsdl_url}  {sap_counts}",
        f"WooCommerce (REST v3)   {shop.url}/wp-json/wc/v3/  {shop_counts}",
        f"cloud PBX (Twilio)      {stack.phones.calls()} calls, reported by status callbacks",
    )
    console.print("[bold]Started on loopback:[/bold]")
    for line in lines:
        console.print(f"  {line}", highlight=False, soft_wrap=True)


def _serve(stack: DemoStack, config_path: Path, console: Console, command: str) -> None:
    """Keep the systems running until Ctrl-C, saying how to sync them from another terminal."""
    console.print(
        "\n[bold]The systems keep running until you press Ctrl-C.[/bold] In another terminal "
        "(the credentials are made up for this run and work only on these ports):"
    )
    for name, value in stack.environment.items():
        console.print(f"  export {name}={value}", highlight=False, markup=False, soft_wrap=True)
    config = shlex.quote(str(config_path))
    for line in (
        f"{command} sources check sap --config {config}",
        f"{command} sync --config {config}",
        f"{command} sync --full shop --config {config}",
    ):
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


def run_demo(
    url: str,
    pm: CrmkitPluginManager,
    console: Console,
    *,
    config_path: str | Path,
    command: str = "crmkit",
    serve: bool = False,
) -> Crmkit:
    """Run the demo into the database at ``url``; write its configuration to ``config_path``.

    With ``serve``, the systems keep running after the demo until Ctrl-C. Returns crmkit on
    the demo database (the caller closes it).
    """
    started = time.monotonic()
    config_path = Path(config_path)
    check_adapters(collect_adapters(pm))
    _claim_config(config_path)
    fresh_sqlite(url)
    crm = Crmkit(Database(url), pm, default_region="RU")
    stack: DemoStack | None = None
    try:
        stack = DemoStack()
        crm.init()
        with crm.records.transaction() as session:
            session.set_state(DEMO_STATE, "crmkit demo")
        stack.start()
        _announce(stack, console)
        config = stack.write_config(config_path, url)
        console.print(
            f"Wrote {config_path} (the sources; secrets are env: references)\n", highlight=False
        )
        report = crm.sync(config, list(SYNCED), resolve=True, progress=_progress(console))
        console.print(
            sync_summary(
                report,
                title="sync through the adapters",
                counts=("read", "new", "dead-lettered"),
                messages=True,
            )
        )
        _post_calls(crm, config, stack, console)
        crm.project()
        if report.resolution is not None:
            console.print(
                f"identity resolution: {report.resolution.records} records from "
                f"{len(SYNCED)} systems → {report.resolution.customers} customers",
                highlight=False,
            )
        segments = crm.segments(now=AS_OF)
        cards = chosen_customers(crm, segments)
        print_cards(crm, console, cards)
        print_segments(console, segments, AS_OF)
        print_dead_letters(crm, console)
        console.print(f"\nDone in {time.monotonic() - started:.0f} s.", highlight=False)
        first = cards[0].id if cards else None
        print_hints(console, command=command, url=url, config_path=config_path, customer=first)
        if serve:
            _serve(stack, config_path, console, command)
    except BaseException:
        crm.close()
        raise
    finally:
        if stack is not None:
            stack.stop()
    return crm
