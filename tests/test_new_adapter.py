"""``crmkit new-adapter``: the generated distribution passes its tests and syncs onto a card."""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from crmkit.cli import build_cli
from crmkit.plugins import get_plugin_manager
from crmkit.scaffold import AdapterNames, ScaffoldError, new_adapter
from crmkit.testing.loopback import LoopbackServer

if TYPE_CHECKING:
    from types import ModuleType

DOCS = Path(__file__).resolve().parents[1] / "docs"


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` in ``cwd`` with ``env`` added to the environment."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def simulate_install(target: Path, site: Path) -> str:
    """Make ``site`` an import path where the generated distribution looks installed.

    Like ``pip install -e``: the package is importable and a ``.dist-info`` declares the
    ``crmkit`` entry point from ``pyproject.toml``. Returns the PYTHONPATH to use.
    """
    project = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    points = project["project"]["entry-points"]["crmkit"]
    info = site / "crmkit_acme-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: crmkit-acme\nVersion: 0.1.0\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {value}\n" for name, value in points.items())
    (info / "entry_points.txt").write_text(f"[crmkit]\n{lines}", encoding="utf-8")
    return os.pathsep.join([str(target), str(site)])


def load_fake_api(target: Path) -> ModuleType:
    """Import the generated tests' fake API module from its file."""
    spec = importlib.util.spec_from_file_location("acme_fake_api", target / "tests/fake_api.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate ``crmkit-acme`` once, through the command line; return its folder."""
    where = tmp_path_factory.mktemp("kit")
    pm = get_plugin_manager(entrypoints=False)
    result = CliRunner().invoke(build_cli(pm), ["new-adapter", "acme", "-d", str(where)], obj=pm)
    assert result.exit_code == 0, result.output
    assert f"created {where / 'crmkit-acme'}/ (adapter 'acme', package crmkit_acme)" in (
        result.output
    )
    return where / "crmkit-acme"


def test_the_kit_writes_a_distribution_with_the_crmkit_entry_point(generated):
    """pyproject, package, tests and README are there; the entry point names the plugin."""
    files = sorted(p.relative_to(generated).as_posix() for p in generated.rglob("*.*"))
    assert files == [
        "README.md",
        "crmkit_acme/__init__.py",
        "crmkit_acme/adapter.py",
        "crmkit_acme/mapping.py",
        "crmkit_acme/plugin.py",
        "crmkit_acme/py.typed",
        "pyproject.toml",
        "tests/conftest.py",
        "tests/fake_api.py",
        "tests/test_card.py",
        "tests/test_contract.py",
    ]
    project = tomllib.loads((generated / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "crmkit-acme"
    assert project["project"]["entry-points"]["crmkit"] == {"acme": "crmkit_acme.plugin"}
    assert any(d.startswith("crmkit>=") for d in project["project"]["dependencies"])
    readme = (generated / "README.md").read_text(encoding="utf-8")
    assert 'token = "env:ACME_TOKEN"' in readme
    assert "twine upload" in readme
    assert "$" + "name" not in readme


@pytest.mark.slow
def test_the_generated_tests_pass_out_of_the_box(generated, tmp_path):
    """The contract and card tests of the new package pass with pytest, as generated."""
    result = run(
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "t")],
        generated,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "9 passed" in result.stdout


@pytest.mark.slow
def test_installed_the_adapter_syncs_its_records_onto_a_card(generated, tmp_path):
    """Installed (entry point), configured in crmkit.toml, synced: the customer has a card."""
    path = simulate_install(generated, tmp_path / "site")
    env = {"PYTHONPATH": path, "CRMKIT_LOAD_PLUGINS": "acme", "CRMKIT_CONFIG": "crmkit.toml"}
    fake_api = load_fake_api(generated)
    db = f"sqlite:///{tmp_path / 'crm.db'}"
    with LoopbackServer() as server:
        api = fake_api.FakeApi(server)
        api.add_customers(3)
        (tmp_path / "crmkit.toml").write_text(
            "[sources.acme]\n"
            'adapter = "acme"\n'
            f'base_url = "{api.url}"\n'
            'token = "env:ACME_TOKEN"\n'
            "page_size = 2\n"
            'default_region = "RU"\n',
            encoding="utf-8",
        )
        listed = run(["-m", "crmkit", "adapters", "--json"], tmp_path, **env)
        synced = run(["-m", "crmkit", "--db", db, "sync"], tmp_path, **env, ACME_TOKEN=api.token)
    assert listed.returncode == 0, listed.stderr
    (acme,) = [a for a in json.loads(listed.stdout) if a["name"] == "acme"]
    assert acme["streams"] == ["customers"]
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert api.token not in synced.stdout + synced.stderr
    key = ["--email", "customer2@example.com", "--format", "json"]
    shown = run(["-m", "crmkit", "--db", db, "customers", "show", *key], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    card = json.loads(shown.stdout)
    assert card["customer"]["name"] == "Customer 2"
    assert card["identities"] == [{"source": "acme", "external_id": "2"}]
    assert card["contacts"]["phones"] == ["+79160000002"]


def test_an_existing_folder_is_refused_without_force(tmp_path):
    """The kit never overwrites silently; --force rewrites its files and keeps the others."""
    target = new_adapter("acme", tmp_path)
    (target / "crmkit_acme" / "adapter.py").write_text("changed", encoding="utf-8")
    (target / "NOTES.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ScaffoldError, match=r"crmkit-acme already exists: .*--force"):
        new_adapter("acme", tmp_path)
    assert (target / "crmkit_acme" / "adapter.py").read_text(encoding="utf-8") == "changed"
    new_adapter("acme", tmp_path, force=True)
    assert "class AcmeAdapter" in (target / "crmkit_acme" / "adapter.py").read_text("utf-8")
    assert (target / "NOTES.txt").read_text(encoding="utf-8") == "mine"


def test_the_command_reports_a_bad_name_and_an_existing_folder(tmp_path):
    """Both are one clear line and exit status 1, with nothing written."""
    pm = get_plugin_manager(entrypoints=False)
    cli = build_cli(pm)
    bad = CliRunner().invoke(cli, ["new-adapter", "Acme CRM", "-d", str(tmp_path)], obj=pm)
    assert bad.exit_code == 1
    assert "'Acme CRM' is not an adapter name: use lower-case letters" in bad.output
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "crmkit-acme").mkdir()
    taken = CliRunner().invoke(cli, ["new-adapter", "acme", "-d", str(tmp_path)], obj=pm)
    assert taken.exit_code == 1
    assert "already exists" in taken.output


@pytest.mark.parametrize(
    ("text", "package", "classes", "variable"),
    [
        ("acme", "crmkit_acme", "Acme", "ACME_TOKEN"),
        ("acme-crm", "crmkit_acme_crm", "AcmeCrm", "ACME_CRM_TOKEN"),
        ("crmkit-bitrix24", "crmkit_bitrix24", "Bitrix24", "BITRIX24_TOKEN"),
    ],
)
def test_names_derive_from_the_adapter_name(text, package, classes, variable):
    """A leading crmkit- is dropped; hyphens become underscores and CamelCase."""
    names = AdapterNames.parse(text)
    assert (names.package, names.class_prefix, names.token_variable) == (
        package,
        classes,
        variable,
    )


@pytest.mark.parametrize("text", ["", "Acme", "1c", "acme_crm", "acme--crm", "acme-", "a" * 41])
def test_names_that_would_not_make_a_package_are_refused(text):
    """Upper case, a leading digit, underscores, doubled or trailing hyphens, too long."""
    with pytest.raises(ScaffoldError, match="is not an adapter name"):
        AdapterNames.parse(text)


def test_the_vendor_guide_shows_the_contract_test_as_generated(generated):
    """docs/guides/vendor.md quotes the generated tests/test_contract.py word for word."""
    guide = (DOCS / "guides" / "vendor.md").read_text(encoding="utf-8")
    quoted = guide.split("This is the generated `tests/test_contract.py`:\n\n```python\n")[1]
    code = (generated / "tests" / "test_contract.py").read_text(encoding="utf-8")
    assert code.split("from __future__ import annotations\n\n")[1] == quoted.split("```")[0]


def test_the_generated_code_is_clean_by_its_own_lint_settings(generated):
    """ruff, configured by the generated pyproject.toml, finds nothing to change."""
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed")
    checked = run(["-m", "ruff", "check", "--no-cache", "."], generated)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = run(["-m", "ruff", "format", "--check", "--no-cache", "."], generated)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_a_folder_that_cannot_be_written_is_a_clear_error(tmp_path):
    """A file in the way of the folder: one line naming the folder and why, exit status 1."""
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    directory = blocker / "adapters"
    reason = os.strerror(errno.ENOTDIR)
    with pytest.raises(ScaffoldError, match=rf"cannot write the adapter into .*: {reason}"):
        new_adapter("acme", directory)
    pm = get_plugin_manager(entrypoints=False)
    result = CliRunner().invoke(
        build_cli(pm), ["new-adapter", "acme", "-d", str(directory)], obj=pm
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"Error: cannot write the adapter into {directory / 'crmkit-acme'}" in result.output
    assert "Traceback" not in result.output
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"
