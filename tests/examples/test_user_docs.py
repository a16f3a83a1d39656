"""The code in the user documentation runs, and prints what the documentation says it prints.

Conventions in ``docs/*.md`` for this test:

- every ``python`` block runs, in order, in one namespace per page, in a fresh directory;
- a ``text`` block right after a ``python`` block is that block's expected output;
- a block captioned by a file name (a line like ```` `crmkit_vip.py`: ````) is written to
  that file instead, and the directory is importable, so later blocks can import it; a
  captioned ``test_*.py`` file is imported and its argument-less ``test_*`` functions called;
- a ``python`` block whose first line is ``# requires: postgresql`` is only compiled.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import sys
from pathlib import Path

import attrs
import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = [
    "index.md",
    "formats.md",
    "writing_plugins.md",
    "embedding.md",
    "orders.md",
    "card.md",
    "identity.md",
]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
CAPTION = re.compile(r"`([\w./-]+)`:?\s*$")


@attrs.frozen
class Block:
    """One fenced code block of a page."""

    language: str
    code: str
    line: int
    file: str | None
    output: str | None = None


def blocks(page: str) -> list[Block]:
    """Return the page's blocks, each ``python`` block with the ``text`` block that follows."""
    text = (DOCS / page).read_text(encoding="utf-8")
    found: list[Block] = []
    end_of_previous = 0
    for match in FENCE.finditer(text):
        between = text[end_of_previous : match.start()]
        before = [line for line in between.splitlines() if line.strip()]
        caption = CAPTION.fullmatch(before[-1].strip()) if before else None
        line = text.count("\n", 0, match.start()) + 1
        language, code = match[1], match[2]
        follows_python = found and found[-1].language == "python" and not between.strip()
        if language == "text" and follows_python and found[-1].file is None:
            found[-1] = attrs.evolve(found[-1], output=code)
        else:
            found.append(Block(language, code, line, caption[1] if caption else None))
        end_of_previous = match.end()
    return found


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Run in an empty directory that is importable; forget modules imported from it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("CRMKIT_DATABASE_URL", raising=False)
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", "")  # the pages show crmkit as it ships
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        module = sys.modules[name]
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]


def run_tests(path: Path) -> int:
    """Import the test module at ``path``, call its ``test_*`` functions; return how many."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [f for name, f in vars(module).items() if name.startswith("test_") and callable(f)]
    for test in tests:
        test()
    return len(tests)


@pytest.mark.parametrize("page", PAGES)
def test_every_python_block_in_the_page_runs_and_prints_what_it_shows(page, workdir):
    """Each page's Python runs top to bottom; shown output matches; shown files are written."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.removesuffix('.md')}"}
    ran = 0
    for block in blocks(page):
        where = f"{page}:{block.line}"
        if block.file is not None:
            path = workdir / block.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.code, encoding="utf-8")
            if path.name.startswith("test_") and path.suffix == ".py":
                ran += run_tests(path)
            continue
        if block.language != "python":
            continue
        code = compile(block.code, where, "exec")
        if block.code.startswith("# requires: postgresql"):
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)  # noqa: S102 - the documentation's own examples
        ran += 1
        if block.output is not None:
            assert printed.getvalue() == block.output, where
    assert ran > 0


def test_the_pages_link_only_to_files_that_exist():
    """Relative links between the documentation pages and to the examples resolve."""
    for page in PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (DOCS / target).exists(), f"{page} links to missing {target}"
