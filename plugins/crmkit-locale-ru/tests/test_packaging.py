"""The distribution as installed: its entry point, its hooks, ``crmkit plugins``."""

from __future__ import annotations

import importlib.metadata
import json
from importlib import resources

import crmkit_locale_ru
from click.testing import CliRunner

from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager


def test_the_distribution_declares_its_crmkit_entry_point():
    """``crmkit-locale-ru = crmkit_locale_ru`` is in the ``crmkit`` entry-point group."""
    points = importlib.metadata.distribution("crmkit-locale-ru").entry_points
    (point,) = [p for p in points if p.group == "crmkit"]
    assert (point.name, point.value) == ("crmkit-locale-ru", "crmkit_locale_ru")
    assert point.load() is crmkit_locale_ru


def test_entry_point_loading_registers_the_plugin_with_its_two_hooks():
    """The plugin manager finds the plugin through its entry point, and no plugin is broken."""
    pm = get_plugin_manager()
    assert pm.get_plugin("crmkit-locale-ru") is crmkit_locale_ru
    (info,) = [i for i in pm.plugin_infos() if i.name == "crmkit-locale-ru"]
    assert info.hooks == ("normalize_address", "normalize_phone")
    assert info.distribution == "crmkit-locale-ru"


def test_crmkit_plugins_lists_it(tmp_path):
    """``crmkit plugins --json`` shows the plugin with its distribution and version."""
    pm = get_plugin_manager()
    result = CliRunner().invoke(
        build_cli(pm), ["--db", f"sqlite:///{tmp_path / 'x.db'}", "plugins", "--json"], obj=pm
    )
    assert result.exit_code == 0, result.output
    plugins = {p["name"]: p for p in json.loads(result.output)["plugins"]}
    assert plugins["crmkit-locale-ru"]["version"] == importlib.metadata.version("crmkit-locale-ru")


def test_the_package_is_typed():
    """``py.typed`` ships, so type checkers read the plugin's annotations."""
    assert resources.files("crmkit_locale_ru").joinpath("py.typed").is_file()
