"""``crmkit demo``: the four systems on loopback, synced through the real adapters, shown.

The demo runs once in-process (click's test runner) for most assertions and once as a
subprocess, the way the README runs it. It needs the adapter distributions installed
(``tox`` installs them).
"""

from __future__ import annotations

import filecmp
import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from importlib import resources
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

import crmkit
from crmkit.card import build_card
from crmkit.cli import cli
from crmkit.demo import generate
from crmkit.demo.runner import _claim_config, fresh_sqlite
from crmkit.demo.services.phones import PhoneSystem
from crmkit.demo.services.sap import SapService
from crmkit.demo.services.shop import ShopService
from crmkit.demo.story import AS_OF, ROMASHKA_BUYER, ROMASHKA_INN, ROMASHKA_PHONE, SHOP_ORDER
from crmkit.plugins import get_plugin_manager

if TYPE_CHECKING:
    from pathlib import Path

PORT = re.compile(r"http://127\.0\.0\.1:(\d+)")
EXPECTED_LETTERS = {
    ("1c", "total (СуммаДокумента): not a number: '15 3OO,50'"),
    ("sap", "Customer 100099 has not been created"),
}


def run(*args: object) -> object:
    """Invoke ``crmkit ARGS`` with every installed plugin (the adapters); 200 columns."""
    return CliRunner().invoke(
        cli,
        [str(a) for a in args],
        obj=get_plugin_manager(),
        env={"COLUMNS": "200", "CRMKIT_DATABASE_URL": None},
        catch_exceptions=False,
    )


class Demo:
    """One finished run of the demo: its output, database URL and configuration file."""

    def __init__(self, folder: Path, output: str, seconds: float) -> None:
        self.url = f"sqlite:///{folder / 'demo.db'}"
        self.config = folder / "demo.toml"
        self.output = output
        self.seconds = seconds

    def ports(self) -> set[int]:
        """Return every loopback port the output and the configuration name."""
        text = self.output + self.config.read_text(encoding="utf-8")
        return {int(port) for port in PORT.findall(text)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """Run ``crmkit demo`` in-process once for the module."""
    folder = tmp_path_factory.mktemp("demo")
    started = time.monotonic()
    result = run(
        "demo", "--db", f"sqlite:///{folder / 'demo.db'}", "--config", folder / "demo.toml"
    )
    assert result.exit_code == 0, result.output
    return Demo(folder, result.output, time.monotonic() - started)


def _closed(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_demo_syncs_every_stream_with_progress_and_prints_cards_and_segments(demo):
    """Each source's streams start and finish, then come the cards, the segments and hints."""
    for source, stream in [
        ("1c", "customers"),
        ("1c", "orders"),
        ("sap", "customers"),
        ("sap", "orders"),
        ("sap", "order_events"),
        ("shop", "customers"),
        ("shop", "orders"),
        ("shop", "order_events"),
    ]:
        assert f"sync {source}/{stream}: started" in demo.output
        assert f"sync {source}/{stream}: finished" in demo.output
    callbacks = len(PhoneSystem("token").callbacks)
    assert f"phone system: {callbacks} answered 200" in demo.output
    positions = [
        demo.output.index(text)
        for text in ("Unified customer cards", "Segments as of 2026-12-01", "Try next")
    ]
    assert positions == sorted(positions)


def test_the_romashka_card_unites_1c_sap_the_shop_and_the_phone(demo):
    """One customer has the 1C and SAP identities, both shop orders and Ромашка's calls."""
    with crmkit.open(demo.url, default_region="RU") as crm:
        (customer,) = crm.find_customers(identifier=("inn", ROMASHKA_INN))
        assert [c.id for c in crm.find_customers(phone=ROMASHKA_PHONE, region="RU")] == [
            customer.id
        ]
        assert [c.id for c in crm.find_customers(email=ROMASHKA_BUYER)] == [customer.id]
        card = build_card(crm, customer)
    assert {i["source"] for i in card["identities"]} == {"1c", "sap"}
    numbers = [{(n["source"], n["number"]) for n in o["numbers"]} for o in card["orders"]]
    assert {("shop", "5217")} in numbers
    assert any({("shop", SHOP_ORDER), ("1c", "УТ-000305")} <= n for n in numbers)
    assert any(source == "sap" for n in numbers for source, _ in n)
    calls = [i for i in card["interactions"] if i["source"] == "phones"]
    assert len(calls) == 3
    assert {c["phone"] for c in calls} == {"+74951234567"}
    assert any(event["text"] == "phone in" for event in card["timeline"])
    first_card = demo.output.index("Unified customer cards")
    assert demo.output.index(f"#{customer.id} {customer.name}", first_card) < demo.output.index(
        "╭", demo.output.index("╯", first_card)
    )


def test_the_segment_report_is_printed_and_matches_the_database(demo):
    """The printed sizes are the database's, with VIP first and several segments in use."""
    with crmkit.open(demo.url) as crm:
        sizes = crm.segments(now=AS_OF).sizes()
    assert next(iter(sizes)) == "VIP"
    assert len(sizes) >= 4
    for segment, count in sizes.items():
        assert re.search(rf"│ {re.escape(segment)} +│ {count} +│", demo.output), segment


def test_only_the_deliberately_broken_records_are_dead_letters(demo):
    """The bad 1C order total and the SAP customer SAP refuses; nothing else."""
    with crmkit.open(demo.url) as crm:
        letters = crm.dead_letters()
    assert len(letters) == len(EXPECTED_LETTERS)
    for source, reason in EXPECTED_LETTERS:
        assert any(letter.source == source and reason in letter.reason for letter in letters)


def test_the_systems_are_stopped_and_their_ports_closed(demo):
    """Every port the demo served on (SAP, 1C, shop, webhooks) refuses connections after it."""
    ports = demo.ports()
    assert len(ports) == 4
    assert all(_closed(port) for port in ports)


def test_the_written_configuration_keeps_secrets_in_the_environment(demo):
    """Every source is configured; passwords and keys are env: references."""
    document = tomllib.loads(demo.config.read_text(encoding="utf-8"))
    sources = document["sources"]
    assert {s["adapter"] for s in sources.values()} == {
        "1c-odata",
        "sap",
        "woocommerce",
        "pbx-webhook",
    }
    secrets = [
        sources["1c"]["password"],
        sources["sap"]["password"],
        sources["shop"]["consumer_key"],
        sources["shop"]["consumer_secret"],
        sources["phones"]["webhook_secret"],
    ]
    assert all(value.startswith("env:CRMKIT_DEMO_") for value in secrets)
    assert "export" not in demo.output


def test_every_hint_works_against_the_database_the_demo_left(demo):
    """The "Try next" commands (all but --serve) run and exit 0."""
    hints = demo.output[demo.output.index("Try next") :].splitlines()[1:]
    commands = [shlex.split(line, comments=True) for line in hints if line.startswith("  ")]
    assert len(commands) >= 8
    for command in commands:
        assert command[0] == "crmkit"
        if command[1:2] == ["demo"]:
            continue
        result = run(*command[1:])
        assert result.exit_code == 0, f"{command}: {result.output}"
    track = run("--db", demo.url, "orders", "track", SHOP_ORDER, "--format", "json")
    numbers = {(n["source"], n["number"]) for n in json.loads(track.output)["numbers"]}
    assert numbers == {("shop", SHOP_ORDER), ("1c", "УТ-000305")}


def test_without_the_adapters_the_demo_says_what_to_install(tmp_path):
    """With entry-point plugins off, the demo names the four pip installs and starts nothing."""
    result = CliRunner().invoke(
        cli,
        ["demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--config", tmp_path / "d.toml"],
        obj=get_plugin_manager(entrypoints=False),
    )
    assert result.exit_code == 1
    for distribution in ("crmkit-1c", "crmkit-pbx-webhook", "crmkit-sap", "crmkit-woocommerce"):
        assert f"-e adapters/{distribution}" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "d.toml").exists()


def test_the_committed_data_is_what_the_generator_writes(tmp_path):
    """``python -m crmkit.demo.generate`` reproduces the committed data byte for byte."""
    committed = resources.files("crmkit.demo").joinpath("data")
    written = generate.write(tmp_path)
    assert written
    for path in written:
        relative = path.relative_to(tmp_path)
        with resources.as_file(committed.joinpath(*relative.parts)) as original:
            assert filecmp.cmp(path, original, shallow=False), relative


ENTITY_DOCUMENT = '<?xml version="1.0" encoding="{}"?><!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_the_sap_service_refuses_a_request_declaring_entities(encoding):
    """The demo SAP, like SAP's runtime, refuses a SOAP request with a DTD (an entity bomb).

    In UTF-16 too, where no byte search for ``<!DOCTYPE`` would find it.
    """
    import urllib.error
    import urllib.request

    from crmkit.demo.services.loopback import basic_token

    body = ENTITY_DOCUMENT.format(encoding).encode(encoding)
    with SapService("pw") as sap:
        url = f"{sap.url}/sap/bc/srt/rfc/sap/zcrmkit_crm/100/zcrmkit_crm/zcrmkit_crm"
        headers = {"Authorization": basic_token("CRMKIT_RFC", "pw")}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback
    assert refused.value.code == 500
    assert b"DTDs and entities are not accepted" in refused.value.read()


def test_the_shop_checks_its_keys_before_answering_any_path():
    """Without the keys every path is refused; with them an unknown one is WooCommerce's 404."""
    import urllib.error
    import urllib.request

    def status(url: str) -> tuple[int, object]:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.load(exc)["code"]

    with ShopService("ck_1", "cs_1") as shop:
        keys = "consumer_key=ck_1&consumer_secret=cs_1"
        api = f"{shop.url}/wp-json/wc/v3"
        refused = status(f"{api}/orders/5001/notes")
        notes = status(f"{api}/orders/5001/notes?{keys}")
        unknown = status(f"{api}/coupons?{keys}")
    assert refused == (401, "woocommerce_rest_cannot_view")
    assert notes == (200, shop.notes["5001"])
    assert unknown == (404, "rest_no_route")


@pytest.mark.slow
def test_the_demo_as_a_command_runs_within_a_minute_and_leaves_nothing_running(tmp_path):
    """``python -m crmkit demo`` in a fresh folder: exit 0, Ромашка shown, ports closed, < 60 s."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "crmkit", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"},
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert seconds < 60
    assert "Romashka" in result.stdout or "Ромашка" in result.stdout
    assert (tmp_path / "crmkit-demo.db").exists()
    assert (tmp_path / "crmkit-demo.toml").exists()
    ports = {int(p) for p in PORT.findall(result.stdout)}
    assert len(ports) == 4
    assert all(_closed(port) for port in ports)


def test_the_demo_never_deletes_a_database_or_config_it_did_not_write(tmp_path):
    """Pointed at real data by mistake, the demo refuses, starts nothing and loses nothing."""
    real = tmp_path / "real.db"
    with crmkit.open(f"sqlite:///{real}", entrypoints=False) as crm:
        crm.ingest_customers("erp", [{"external_id": "c-1", "name": "ООО «Настоящая»"}])
    refused = run("demo", "--db", f"sqlite:///{real}", "--config", tmp_path / "d.toml")
    assert refused.exit_code == 1
    assert "the demo did not write" in refused.output
    assert not (tmp_path / "d.toml").exists()
    with crmkit.open(f"sqlite:///{real}", entrypoints=False) as crm:
        assert [c.name for c in crm.customers()] == ["ООО «Настоящая»"]
    elsewhere = run("demo", "--db", "postgresql+psycopg://app:s3cret@db.example/crm")
    assert elsewhere.exit_code == 1
    assert "--db must be a sqlite:/// URL" in elsewhere.output
    assert "s3cret" not in elsewhere.output
    odd = tmp_path / "odd #1.db"
    shutil.copyfile(real, odd)
    refused = run("demo", "--db", f"sqlite:///{odd}", "--config", tmp_path / "d.toml")
    assert refused.exit_code == 1
    assert "the demo did not write" in refused.output
    assert odd.stat().st_size == real.stat().st_size
    own = tmp_path / "crmkit.toml"
    own.write_text('[sources.erp]\nadapter = "jsonl"\n', encoding="utf-8")
    refused = run("demo", "--db", f"sqlite:///{tmp_path / 'new.db'}", "--config", own)
    assert refused.exit_code == 1
    assert "configuration the demo did not write" in refused.output
    assert own.read_text(encoding="utf-8") == '[sources.erp]\nadapter = "jsonl"\n'


def test_the_demo_starts_afresh_over_what_it_wrote_before(demo, tmp_path):
    """Its own database (marked in crmkit_state) is replaced, and so is its configuration."""
    copy = tmp_path / "again.db"
    shutil.copyfile(demo.url.removeprefix("sqlite:///"), copy)
    fresh_sqlite(f"sqlite:///{copy}")
    assert not copy.exists()
    config = tmp_path / "again.toml"
    shutil.copyfile(demo.config, config)
    _claim_config(config)
