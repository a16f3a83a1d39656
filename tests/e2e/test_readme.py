"""The README's two commands: the demo, and the test command CI runs verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sh_blocks():
    """Return the bodies of the README's ```sh code blocks, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [
        m.group(1).strip()
        for m in re.finditer(r"^```sh\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    ]


def test_the_readme_opens_with_a_demo_command_and_a_test_command():
    """There are at least two sh blocks; the first installs what the demo syncs through."""
    blocks = sh_blocks()
    assert len(blocks) >= 2
    assert "crmkit demo" in blocks[0]
    for adapter in ("crmkit-sap", "crmkit-1c", "crmkit-woocommerce", "crmkit-pbx-webhook"):
        assert f"-e adapters/{adapter} " in blocks[0]
        assert (ROOT / "adapters" / adapter / "pyproject.toml").is_file()


def test_ci_runs_the_readme_test_command_verbatim():
    """.ci/run contains the README's second sh block as one of its lines."""
    command = sh_blocks()[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "\n" not in command
    assert command in ci_lines
