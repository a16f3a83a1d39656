"""Load the example plugin modules from their files, as plugins, without installing them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_module(path: Path) -> ModuleType:
    """Import the module at ``path`` under its file name, without touching ``sys.path``."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def loyalty_plugin() -> ModuleType:
    """Return the minimal plugin example's module."""
    return load_module(EXAMPLES / "minimal_plugin" / "crmkit_loyalty_example.py")


@pytest.fixture(scope="module")
def semicolon_plugin() -> ModuleType:
    """Return the custom adapter example's module."""
    return load_module(EXAMPLES / "custom_adapter" / "crmkit_semicolon_adapter.py")
