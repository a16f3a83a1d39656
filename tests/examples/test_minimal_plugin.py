"""examples/minimal_plugin: a card section and a CLI command, loaded as a plugin."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import crmkit
from crmkit.card import build_card
from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

GOLD = {
    "external_id": "wc-1",
    "name": "Анна Смирнова",
    "attributes": {"loyalty_tier": "gold", "loyalty_points": 1200, "segment": "retail"},
}
PLAIN = {"external_id": "wc-2", "name": "Без программы"}


@pytest.fixture
def database(tmp_path, loyalty_plugin):
    """Return the URL of a SQLite database holding one loyal and one ordinary customer."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with crmkit.open(url, entrypoints=False, plugins=(loyalty_plugin,)) as crm:
        crm.ingest_customers("shop", [GOLD, PLAIN])
    return url


def invoke(loyalty_plugin, *args):
    """Run the crmkit CLI with only the built-ins and the example plugin."""
    pm = get_plugin_manager(entrypoints=False, extra=(loyalty_plugin,))
    return CliRunner().invoke(build_cli(pm), list(args), obj=pm)


def test_the_card_gets_a_loyalty_section_from_the_loyalty_attributes(database, loyalty_plugin):
    """``loyalty_*`` attributes become the ``loyalty`` section; other attributes stay out."""
    with crmkit.open(database, entrypoints=False, plugins=(loyalty_plugin,)) as crm:
        (gold,) = crm.find_customers(identity=("shop", "wc-1"))
        (plain,) = crm.find_customers(identity=("shop", "wc-2"))
        assert build_card(crm, gold)["loyalty"] == {"tier": "gold", "points": 1200}
        assert "loyalty" not in build_card(crm, plain)


def test_the_loyalty_command_prints_the_section(database, loyalty_plugin):
    """``crmkit loyalty ID`` prints tier and points."""
    with crmkit.open(database, entrypoints=False) as crm:
        (gold,) = crm.find_customers(identity=("shop", "wc-1"))
    result = invoke(loyalty_plugin, "--db", database, "loyalty", str(gold.id))
    assert result.exit_code == 0, result.output
    assert result.output == "tier: gold\npoints: 1200\n"


def test_the_loyalty_command_says_so_when_a_customer_has_no_loyalty_data(database, loyalty_plugin):
    """A customer without ``loyalty_*`` attributes gets a clear line, not an empty output."""
    with crmkit.open(database, entrypoints=False) as crm:
        (plain,) = crm.find_customers(identity=("shop", "wc-2"))
    result = invoke(loyalty_plugin, "--db", database, "loyalty", str(plain.id))
    assert result.exit_code == 0, result.output
    assert result.output == "status: no loyalty data\n"


def test_the_loyalty_command_reports_an_unknown_customer_as_an_error(database, loyalty_plugin):
    """An id no customer has is a one-line error and exit status 1."""
    result = invoke(loyalty_plugin, "--db", database, "loyalty", "999")
    assert result.exit_code == 1
    assert "no customer with id 999" in result.output


def test_customers_show_renders_the_loyalty_section(database, loyalty_plugin):
    """The built-in ``customers show`` renders the section the plugin added."""
    with crmkit.open(database, entrypoints=False) as crm:
        (gold,) = crm.find_customers(identity=("shop", "wc-1"))
    result = invoke(loyalty_plugin, "--db", database, "customers", "show", str(gold.id))
    assert result.exit_code == 0, result.output
    assert "loyalty" in result.output
    assert "gold" in result.output


def test_crmkit_plugins_lists_the_example_with_its_two_hooks(database, loyalty_plugin):
    """``crmkit plugins --json`` shows the plugin and the hooks it implements."""
    result = invoke(loyalty_plugin, "--db", database, "plugins", "--json")
    assert result.exit_code == 0, result.output
    (info,) = json.loads(result.output)["plugins"]
    assert info["hooks"] == ["customer_card", "register_commands"]


def test_the_distribution_declares_a_crmkit_entry_point_for_the_module():
    """``pyproject.toml`` names the module in the ``crmkit`` entry-point group."""
    project = tomllib.loads((EXAMPLES / "minimal_plugin" / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["crmkit"] == {
        "loyalty-example": "crmkit_loyalty_example"
    }
    assert project["tool"]["setuptools"]["py-modules"] == ["crmkit_loyalty_example"]


def test_the_example_stays_minimal():
    """The plugin is a handful of lines, as the README promises (~30, docstrings included)."""
    source = (EXAMPLES / "minimal_plugin" / "crmkit_loyalty_example.py").read_text()
    assert len(source.splitlines()) <= 40
