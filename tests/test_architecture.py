"""The layering DESIGN.md promises: a pure domain, a core free of adapter libraries, docstrings."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import crmkit

CRMKIT_DIR = Path(crmkit.__file__).parent
DOMAIN_FORBIDDEN = ("sqlalchemy", "marshmallow", "zeep", "requests", "alembic", "msgspec")
CORE_FORBIDDEN = ("zeep", "requests")

# Imports crmkit.domain's modules *without* running crmkit/__init__.py: a bare package
# object stands in for ``crmkit``, so only the domain's own imports are measured.
IMPORT_DOMAIN_ALONE = """
import importlib, json, pkgutil, sys, types
root = types.ModuleType("crmkit")
root.__path__ = [{crmkit_dir!r}]
sys.modules["crmkit"] = root
domain = importlib.import_module("crmkit.domain")
names = [m.name for m in pkgutil.walk_packages(domain.__path__, "crmkit.domain.")]
for name in names:
    importlib.import_module(name)
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))
print(json.dumps({{"modules": ["crmkit.domain", *names], "forbidden": loaded}}))
"""

# Imports crmkit.domain's modules the way any user would, through the crmkit package.
IMPORT_DOMAIN_NORMALLY = """
import importlib, json, pkgutil, sys
import crmkit.domain
for m in pkgutil.walk_packages(crmkit.domain.__path__, "crmkit.domain."):
    importlib.import_module(m.name)
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))))
"""

# Imports every module of the core package and reports which forbidden libraries got loaded.
IMPORT_WHOLE_CORE = """
import importlib, json, pkgutil, sys
import crmkit
names = [m.name for m in pkgutil.walk_packages(crmkit.__path__, "crmkit.")
         if m.name.rsplit(".", 1)[-1] != "__main__"]
for name in names:
    importlib.import_module(name)
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))
print(json.dumps({{"modules": names, "forbidden": loaded}}))
"""


def run_python(code: str) -> object:
    """Run ``code`` in a fresh interpreter and return the JSON it prints."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def core_modules() -> list[str]:
    """Return the name of every module in the crmkit package (``__main__`` excepted)."""
    return [
        m.name
        for m in pkgutil.walk_packages(crmkit.__path__, "crmkit.")
        if m.name.rsplit(".", 1)[-1] != "__main__"
    ]


def test_the_domain_imports_no_storage_wire_format_or_adapter_library():
    """Every crmkit.domain module, imported on its own, loads none of the infrastructure."""
    report = run_python(
        IMPORT_DOMAIN_ALONE.format(crmkit_dir=str(CRMKIT_DIR), forbidden=DOMAIN_FORBIDDEN)
    )
    assert {"crmkit.domain.common", "crmkit.domain.customers"} <= set(report["modules"])
    assert report["forbidden"] == []


def test_importing_crmkit_domain_through_the_package_stays_light():
    """A user importing crmkit.domain does not pay for the store and the schemas."""
    assert run_python(IMPORT_DOMAIN_NORMALLY.format(forbidden=DOMAIN_FORBIDDEN)) == []


def test_the_domain_source_has_no_import_of_infrastructure():
    """No import statement in crmkit/domain/ names a forbidden library, even inside a function."""
    offenders = [
        f"{path.relative_to(CRMKIT_DIR)} imports {top}"
        for path in sorted((CRMKIT_DIR / "domain").rglob("*.py"))
        for top in sorted(imported_top_levels(path))
        if top in DOMAIN_FORBIDDEN
    ]
    assert offenders == []


def test_the_core_package_never_loads_zeep_or_requests():
    """Importing every module of crmkit loads neither zeep nor requests."""
    report = run_python(IMPORT_WHOLE_CORE.format(forbidden=CORE_FORBIDDEN))
    assert "crmkit.cli" in report["modules"]
    assert "crmkit.store.database" in report["modules"]
    assert report["forbidden"] == []


def test_the_core_source_has_no_import_of_zeep_or_requests():
    """No file of the core package imports zeep or requests, not even lazily in a function."""
    offenders = [
        f"{path.relative_to(CRMKIT_DIR)} imports {top}"
        for path in sorted(CRMKIT_DIR.rglob("*.py"))
        for top in sorted(imported_top_levels(path))
        if top in CORE_FORBIDDEN
    ]
    assert offenders == []


def imported_top_levels(path: Path) -> set[str]:
    """Return the top-level package of every absolute import in a source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    tops = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            tops.add(node.args[0].value.split(".")[0])
    return tops


def test_the_import_scanner_sees_lazy_and_dynamic_imports(tmp_path):
    """The AST scan finds imports inside functions and importlib.import_module('x')."""
    source = tmp_path / "sample.py"
    source.write_text(
        "import os.path\n"
        "def f():\n"
        "    import zeep.client\n"
        "    from requests import get\n"
        "    return importlib.import_module('sqlalchemy.orm')\n"
        "from . import sibling\n",
        encoding="utf-8",
    )
    assert imported_top_levels(source) == {"os", "zeep", "requests", "sqlalchemy"}


def public_objects():
    """Yield ``(qualified name, object)`` for public functions and classes crmkit defines."""
    for module_name in core_modules():
        module = importlib.import_module(module_name)
        yield module_name, module
        for name, obj in vars(module).items():
            if name.startswith("_"):
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if getattr(obj, "__module__", None) != module_name:
                continue  # imported from elsewhere; checked where it is defined
            yield f"{module_name}.{name}", obj
            if inspect.isclass(obj):
                yield from public_methods(f"{module_name}.{name}", obj)


def public_methods(qualname: str, cls: type):
    """Yield the public methods and properties a class defines itself."""
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        function = getattr(function, "__func__", function)  # classmethod, staticmethod
        if inspect.isfunction(function):
            yield f"{qualname}.{name}", function


def test_every_public_module_function_and_class_has_a_docstring():
    """Everything public in crmkit says what it is, in its own docstring (not inherited)."""
    undocumented = sorted(name for name, obj in public_objects() if not (obj.__doc__ or "").strip())
    assert undocumented == []


def test_the_docstring_check_walks_the_whole_package():
    """The walk reaches modules in every subpackage, and their functions and methods."""
    names = {name for name, _ in public_objects()}
    assert {
        "crmkit.domain.common.ensure_utc",
        "crmkit.domain.customers.Identity.parse",
        "crmkit.schemas.validation.RecordValidator.validate",
        "crmkit.plugins.get_plugin_manager",
        "crmkit.hookspecs.normalize_phone",
        "crmkit.builtins.normalizers.normalize_phone",
        "crmkit.store.database",
        "crmkit.sdk.adapter.Adapter.read",
    } <= names
