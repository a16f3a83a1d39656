"""The documentation builds with Sphinx, warnings as errors, as ``tox -e docs`` builds it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
NEEDED = ("sphinx", "myst_parser", "sphinx_click")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        any(importlib.util.find_spec(name) is None for name in NEEDED),
        reason="the docs build needs sphinx, myst-parser and sphinx-click "
        "(the tests and docs dependency groups install them)",
    ),
]


def test_the_documentation_builds_without_a_warning(tmp_path):
    """sphinx-build -W -n: every page in a toctree, every reference resolved, hooks generated."""
    out = tmp_path / "html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-n",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    hooks = (out / "reference" / "hooks.html").read_text(encoding="utf-8")
    assert "register_adapters" in hooks
    assert "firstresult:" in hooks
    cli = (out / "reference" / "cli.html").read_text(encoding="utf-8")
    assert "crmkit sync" in cli
    assert "crmkit customers merge" in cli
