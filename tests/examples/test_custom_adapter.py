"""examples/custom_adapter: a semicolon-separated export read through a plugin's adapter."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import crmkit
from crmkit.cli import build_cli
from crmkit.config import load_config
from crmkit.errors import AdapterError, ConfigError
from crmkit.plugins import get_plugin_manager
from crmkit.sdk.adapter import NoProgress

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TILL_EXPORT = (
    "# customers exported from the till, ID;NAME;PHONES;EMAIL;CITY\n"
    "1001;Петров Иван;8 (495) 123-45-67, +7 916 111-22-33;ivan@romashka.ru;Москва\n"
    "1002;ООО «Ромашка»;+7 495 123 45 67;;Москва\n"
    "\n"
    "1003;Смирнова Анна;+7 903 765-43-21\n"
    ";Без кода;+7 903 000 00 00;;\n"
)


@pytest.fixture
def export(tmp_path):
    """Write the till export with two good lines and two bad ones; return its path."""
    path = tmp_path / "till.txt"
    path.write_bytes(TILL_EXPORT.encode() + b"1004;\xff\xfe;;;\n")
    return path


@pytest.fixture
def crm(semicolon_plugin):
    """Return crmkit in memory with the built-ins and the example adapter."""
    with crmkit.open("sqlite:///:memory:", entrypoints=False, plugins=(semicolon_plugin,)) as crm:
        yield crm


def test_the_plugin_registers_the_semicolon_adapter(crm, semicolon_plugin):
    """``register_adapters`` makes ``semicolon`` available next to the built-in adapters."""
    assert crm.adapters()["semicolon"] is semicolon_plugin.SemicolonAdapter
    assert {"jsonl", "csv"} <= set(crm.adapters())


def test_importing_the_export_stores_the_good_lines_as_customers(crm, export):
    """Each well-formed line becomes a source record and a customer with normalised phones."""
    adapter = crm.adapter("semicolon", "till", {"path": str(export), "kind": "person"})
    outcome = crm.import_from(adapter, resolve=False)
    crm.resolve(regions={"till": "RU"})
    assert (outcome.read, outcome.new, outcome.dead_lettered) == (5, 2, 3)
    (ivan,) = crm.find_customers(phone="+7 916 111-22-33")
    assert ivan.name == "Петров Иван"
    assert ivan.kind.value == "person"
    assert ivan.phones() == ["+74951234567", "+79161112233"]
    assert ivan.emails() == ["ivan@romashka.ru"]
    assert [a.city for a in ivan.addresses] == ["Москва"]


def test_malformed_lines_become_dead_letters_with_the_reason_and_the_raw_line(crm, export):
    """Too few fields, a blank ID and undecodable bytes are each dead-lettered, verbatim."""
    crm.import_from(crm.adapter("semicolon", "till", {"path": str(export)}))
    letters = {letter.position: letter for letter in crm.dead_letters(source="till")}
    assert set(letters) == {"line 5", "line 6", "line 7"}
    assert letters["line 5"].reason == "expected 5 fields separated by ';', found 3"
    assert letters["line 5"].raw == "1003;Смирнова Анна;+7 903 765-43-21"
    assert letters["line 6"].reason == "external_id: must not be blank"
    assert letters["line 6"].raw == ";Без кода;+7 903 000 00 00;;"
    assert letters["line 7"].reason.startswith("not valid utf-8: invalid start byte")
    assert all(letter.stream.value == "customers" for letter in letters.values())


def test_importing_the_same_file_again_changes_nothing(crm, export):
    """The second import finds the stored records unchanged."""
    adapter = crm.adapter("semicolon", "till", {"path": str(export)})
    crm.import_from(adapter)
    again = crm.import_from(adapter)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)


def test_a_bad_configuration_names_the_source_and_the_setting(crm):
    """The marshmallow config schema rejects a missing path and an unknown kind."""
    with pytest.raises(ConfigError, match=r"source 'till' \(adapter 'semicolon'\): path"):
        crm.adapter("semicolon", "till", {})
    with pytest.raises(ConfigError, match="kind"):
        crm.adapter("semicolon", "till", {"path": "x.txt", "kind": "robot"})


def test_a_missing_file_is_an_adapter_error_and_stores_nothing(crm, tmp_path):
    """A file that cannot be opened stops the import with a clear error."""
    adapter = crm.adapter("semicolon", "till", {"path": str(tmp_path / "missing.txt")})
    with pytest.raises(AdapterError, match="source 'till': cannot read"):
        crm.import_from(adapter)
    assert crm.count_customers() == 0


def test_a_stream_the_adapter_does_not_have_is_refused(crm, export):
    """Only ``customers`` is offered; asking the adapter for orders is an adapter error."""
    adapter = crm.adapter("semicolon", "till", {"path": str(export)})
    assert adapter.stream_names() == ["customers"]
    with pytest.raises(AdapterError, match="no 'orders' stream"):
        list(adapter.read("orders", None, NoProgress()))


def test_the_cli_imports_through_the_adapter_and_lists_the_dead_letters(
    semicolon_plugin, export, tmp_path
):
    """``crmkit import semicolon`` works like the built-in adapters, dead letters included."""
    pm = get_plugin_manager(entrypoints=False, extra=(semicolon_plugin,))
    cli = build_cli(pm)
    db = ["--db", f"sqlite:///{tmp_path / 'crm.db'}"]
    runner = CliRunner()
    imported = runner.invoke(
        cli, [*db, "import", "semicolon", str(export), "--source", "till", "--region", "RU"], obj=pm
    )
    assert imported.exit_code == 0, imported.output
    assert "3 bad record(s) kept in the dead-letter table" in imported.output
    letters = runner.invoke(cli, [*db, "deadletters", "list", "--json"], obj=pm)
    assert letters.exit_code == 0, letters.output
    reasons = [json.loads(line)["reason"] for line in letters.output.splitlines()]
    assert "expected 5 fields separated by ';', found 3" in reasons
    listed = runner.invoke(cli, [*db, "adapters", "--json"], obj=pm)
    (semicolon,) = [a for a in json.loads(listed.output) if a["name"] == "semicolon"]
    assert semicolon["streams"] == ["customers"]
    assert semicolon["settings"] == ["encoding", "kind", "path"]


def test_the_distribution_declares_a_crmkit_entry_point_for_the_module():
    """``pyproject.toml`` names the module in the ``crmkit`` entry-point group."""
    project = tomllib.loads((EXAMPLES / "custom_adapter" / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["crmkit"] == {"semicolon": "crmkit_semicolon_adapter"}


def test_a_sync_of_a_configured_source_puts_the_records_on_the_customer_card(
    semicolon_plugin, export, tmp_path
):
    """``crmkit.toml`` names a ``semicolon`` source; a sync stores it; the card shows it."""
    config = tmp_path / "crmkit.toml"
    config.write_text(
        "[sources.till]\n"
        'adapter = "semicolon"\n'
        f"path = {json.dumps(str(export))}\n"
        'kind = "person"\n'
        'default_region = "RU"\n',
        encoding="utf-8",
    )
    with crmkit.open("sqlite:///:memory:", entrypoints=False, plugins=(semicolon_plugin,)) as crm:
        report = crm.sync(load_config(config))
        [stream] = report.streams
        assert (stream.source, stream.stream, stream.status) == ("till", "customers", "ok")
        assert (stream.outcome.new, stream.outcome.dead_lettered) == (2, 3)
        card = crm.card(phone="8 916 111-22-33")
    assert card["customer"]["name"] == "Петров Иван"
    assert card["identities"] == [{"source": "till", "external_id": "1001"}]
    assert card["contacts"]["phones"] == ["+74951234567", "+79161112233"]
    assert card["contacts"]["from"]["ivan@romashka.ru"] == ["till/1001"]
