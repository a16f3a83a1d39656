"""Load the example modules from their files (plugins, web apps) without installing them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_module(path: Path) -> ModuleType:
    """Import the module at ``path`` under its file name, without touching ``sys.path``.

    The module is entered in ``sys.modules`` (as an installed one would be), so that libraries
    resolving annotations through it, such as pydantic, find its names.
    """
    if path.stem in sys.modules:
        return sys.modules[path.stem]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[path.stem]
        raise
    return module


@pytest.fixture(scope="module")
def loyalty_plugin() -> ModuleType:
    """Return the minimal plugin example's module."""
    return load_module(EXAMPLES / "minimal_plugin" / "crmkit_loyalty_example.py")


@pytest.fixture(scope="module")
def semicolon_plugin() -> ModuleType:
    """Return the custom adapter example's module."""
    return load_module(EXAMPLES / "custom_adapter" / "crmkit_semicolon_adapter.py")


@pytest.fixture(scope="module")
def flask_example() -> ModuleType:
    """Return the Flask application example's module."""
    return load_module(EXAMPLES / "flask_app" / "crm_flask.py")


@pytest.fixture(scope="module")
def fastapi_example() -> ModuleType:
    """Return the FastAPI application example's module."""
    return load_module(EXAMPLES / "fastapi_app" / "crm_fastapi.py")


@pytest.fixture(scope="module")
def matching_rule_plugin() -> ModuleType:
    """Return the matching rule plugin example's module."""
    return load_module(EXAMPLES / "matching_rule_plugin" / "crmkit_loyalty_card.py")


@pytest.fixture(scope="module")
def card_section_plugin() -> ModuleType:
    """Return the card section plugin example's module."""
    return load_module(EXAMPLES / "card_section_plugin" / "crmkit_open_debts.py")
