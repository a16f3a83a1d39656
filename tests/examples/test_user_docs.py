"""Every code block of the documentation runs, and shows what it really prints.

Every ``docs/**/*.md`` page is found by itself (no list to keep); each runs top to bottom
in a fresh, importable scratch directory, where ``crmkit`` commands use the page's scratch
database (``./crmkit.db``). The conventions, by the block's language:

- ``python``: runs, in one namespace per page. A ``text`` block right after it (nothing in
  between) is its expected output. A first line ``# requires: postgresql`` only compiles the
  block; ``# requires: MODULE`` (``flask``, ``fastapi``) runs it when MODULE is installed and
  only compiles it otherwise.
- ``console``: each ``$ crmkit ...`` line runs through click's ``CliRunner``, with crmkit's
  built-in plugins only (``CRMKIT_LOAD_PLUGINS`` is empty; a leading ``NAME=value`` word
  sets a variable, as in a shell); the lines under it, up to the next ``$``, are its
  expected output. A line ``...`` stands for any lines, a line
  ending in ``...`` for one line that starts so (timings), and an expected output starting
  with ``Error:`` expects the command to fail.
- ``sh``: each command line (comments dropped) must be a ``crmkit`` command, and runs as in
  ``console`` with exit status 0; its output is not compared. A ``pip install`` line is
  not run (no package index) but checked: each name, extra or path must be a distribution
  of this repository.
- ``toml``: is parsed; one with ``[sources.*]``, ``[database]`` or ``[sync]`` tables is read by
  crmkit's own configuration parser (``env:`` variables supplied), so keys and values are
  checked. ``json``: each line is parsed.
- ``text`` (not after ``python``), or a block without a language: a line starting with
  ``crmkit`` is a synopsis: its command must exist and each ``--option`` on it must be one
  of that command's. Other text is prose (a layout, a message, a formula), shown, not run.
- A block captioned by a file name (a line like ```` `crmkit_vip.py`: ````) is written to
  that file instead, whatever its language; a ``.py`` file is compiled, later blocks may
  import it, and a captioned ``test_*.py`` file is imported and its argument-less
  ``test_*`` functions called.
- A block right after an HTML comment ``<!-- not run: REASON -->`` is not run (it needs a
  network peer, a package index, 1C...). Each shows up as a skipped
  ``test_blocks_that_are_not_run_say_why`` with its reason, so that they stay few and
  visible. A block of any other language must be marked so.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import shlex
import sys
import tomllib
from pathlib import Path

import attrs
import click
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from crmkit.cli import build_cli
from crmkit.config import parse_config
from crmkit.plugins import get_plugin_manager

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: Pages whose code cannot run offline, with the reason. Keep it short.
EXCLUDED: dict[str, str] = {}
PAGES = sorted(
    path.relative_to(DOCS).as_posix()
    for path in DOCS.rglob("*.md")
    if "_build" not in path.parts and path.relative_to(DOCS).as_posix() not in EXCLUDED
)
CAPTION = re.compile(r"`([\w./-]+)`:?")
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->", re.DOTALL)
REQUIRES = re.compile(r"# requires: ([\w.]+)")
CONFIG_TABLES = {"sources", "database", "sync"}


@attrs.frozen
class Block:
    """One fenced code block of a page."""

    language: str
    code: str
    line: int
    file: str | None = None
    output: str | None = None
    not_run: str | None = None


def blocks(page: str) -> list[Block]:
    """Return the code blocks of ``page``."""
    return parse_blocks((DOCS / page).read_text(encoding="utf-8"))


def parse_blocks(text: str) -> list[Block]:
    """Return the code blocks in order, each ``python`` block with the output shown under it.

    Fences of Sphinx directives (```` ```{toctree} ````, ```` ```{click} ````) are not code.
    """
    tokens = MarkdownIt("commonmark").parse(text)
    found: list[Block] = []
    for index, token in enumerate(tokens):
        if token.type != "fence" or token.info.startswith("{"):
            continue
        language = token.info.split()[0] if token.info.strip() else ""
        line = token.map[0] + 1 if token.map else 0
        previous = tokens[index - 1] if index else None
        if (
            language == "text"
            and previous is not None
            and previous.type == "fence"
            and found[-1].language == "python"
            and found[-1].file is None
            and found[-1].output is None
        ):
            found[-1] = attrs.evolve(found[-1], output=token.content)
            continue
        caption = not_run = None
        if index >= 3 and previous is not None and previous.type == "paragraph_close":
            match = CAPTION.fullmatch(tokens[index - 2].content.strip())
            caption = match[1] if match else None
        if previous is not None and previous.type == "html_block":
            match = NOT_RUN.search(previous.content)
            not_run = match[1] if match else None
        found.append(Block(language, token.content, line, caption, not_run=not_run))
    return found


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Run in an empty directory that is importable; forget modules imported from it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for variable in ("CRMKIT_DATABASE_URL", "CRMKIT_CONFIG", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(variable, raising=False)  # plain output, the page's own database
    monkeypatch.setenv("CRMKIT_LOAD_PLUGINS", "")  # the pages show crmkit as it ships
    monkeypatch.setenv("COLUMNS", "100")  # rich tables as wide on every machine
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


def run_python(block: Block, namespace: dict[str, object], where: str) -> bool:
    """Run a ``python`` block, compare what it prints; return whether it ran."""
    code = compile(block.code, where, "exec")
    requires = REQUIRES.match(block.code)
    if requires and (requires[1] == "postgresql" or importlib.util.find_spec(requires[1]) is None):
        return False
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, namespace)  # noqa: S102 - the documentation's own examples
    if block.output is not None:
        assert printed.getvalue() == block.output, where
    return True


def run_crmkit(command: str, where: str) -> click.testing.Result:
    """Run one ``crmkit ...`` command line in the current directory, as the shell would.

    Leading ``NAME=value`` words set environment variables for the command, as in a shell.
    """
    words = shlex.split(command)
    env = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words, where
    assert words[0] == "crmkit", f"{where}: only crmkit commands run in the docs: {command!r}"
    pm = get_plugin_manager()
    return CliRunner(env=env).invoke(build_cli(pm), words[1:], obj=pm, prog_name="crmkit")


def project_names() -> dict[str, Path]:
    """Return the distributions of this repository by name: crmkit, its plugins, adapters."""
    root = DOCS.parent
    found = {}
    for pyproject in [root / "pyproject.toml", *root.glob("*/*/pyproject.toml")]:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if "name" in project:
            found[project["name"]] = pyproject.parent
    return found


def check_pip_install(words: list[str], where: str) -> None:
    """Check a ``pip install`` line: it installs distributions of this repository, by name or path.

    It is not run (that needs a package index); each name, extra and path must exist.
    """
    projects = project_names()
    for word in words[2:]:
        if word.startswith("-"):
            continue
        name, _, extras = word.partition("[")
        if name in projects:
            optional = tomllib.loads(
                (projects[name] / "pyproject.toml").read_text(encoding="utf-8")
            )["project"].get("optional-dependencies", {})
            for extra in filter(None, extras.rstrip("]").split(",")):
                assert extra in optional, f"{where}: {name} has no extra {extra!r}"
        else:
            path = DOCS.parent / name
            assert (path / "pyproject.toml").is_file(), (
                f"{where}: {word!r} is not in this repository"
            )


def matches(expected: list[str], actual: list[str]) -> bool:
    """Return whether ``actual`` lines match ``expected``.

    A ``...`` line stands for any lines; a line ending in ``...`` for one line starting so.
    """
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    line = expected[0]
    if line.endswith("...") and actual and actual[0].startswith(line.removesuffix("...")):
        return matches(expected[1:], actual[1:])
    return bool(actual) and line == actual[0] and matches(expected[1:], actual[1:])


def run_console(block: Block, where: str) -> int:
    """Run every ``$ crmkit`` line of a console block and compare its output; return how many."""
    commands: list[tuple[str, list[str]]] = []
    for line in block.code.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"{where}: a console block starts with a '$ ' command"
            commands[-1][1].append(line.rstrip())
    for command, expected in commands:
        result = run_crmkit(command, f"{where}: {command}")
        failing = bool(expected) and expected[0].startswith("Error:")
        assert (result.exit_code != 0) is failing, f"{where}: {command}\n{result.output}"
        actual = [line.rstrip() for line in result.output.rstrip("\n").splitlines()]
        while expected and not expected[-1]:
            expected.pop()
        assert matches(expected, actual), f"{where}: {command}\n{result.output}"
    return len(commands)


def run_sh(block: Block, where: str) -> int:
    """Run every command line of an ``sh`` block; each ``crmkit`` command must succeed.

    ``pip install`` lines are checked by :func:`check_pip_install` instead.
    """
    ran = 0
    for line in block.code.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[:2] == ["pip", "install"]:
            check_pip_install(words, where)
            continue
        result = run_crmkit(shlex.join(words), where)
        assert result.exit_code == 0, f"{where}: {line}\n{result.output}"
        ran += 1
    return ran


class EveryVariable(dict[str, str]):
    """An environment in which every variable is set (for ``env:NAME`` values)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> str:
        return f"value of {name}"


def check_toml(block: Block, where: str) -> int:
    """Parse a TOML block; a configuration is checked by crmkit's own parser."""
    document = tomllib.loads(block.code)
    if CONFIG_TABLES & set(document):
        parse_config(document, Path("crmkit.toml"), EveryVariable())
    assert document, where
    return 1


def check_synopsis(block: Block, where: str) -> int:
    """Check that every ``crmkit ...`` line of a text block names a command and its options."""
    root = build_cli(get_plugin_manager())
    checked = 0
    for line in block.code.splitlines():
        if not line.startswith("crmkit "):
            continue
        checked += 1
        command: click.Command = root
        words = shlex.split(line, comments=True)[1:]
        while isinstance(command, click.Group) and words and words[0] in command.commands:
            command = command.commands[words.pop(0)]
        options = {name for p in command.params for name in (*p.opts, *p.secondary_opts)}
        options |= {"--help", "-h"} | {n for p in root.params for n in p.opts}
        for word in words:
            if word.startswith("-") and word != "-":
                for name in re.split(r"[/|]", word.split("=")[0].strip("[]")):
                    if name.startswith("-"):
                        assert name in options, f"{where}: {line!r}: no option {name}"
    return checked


def test_every_page_is_found_and_its_links_resolve():
    """The pages are discovered, and relative links between them and to the repository work."""
    assert "index.md" in PAGES
    for page in PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert ((DOCS / page).parent / target).exists(), f"{page} links to missing {target}"


def write_file(block: Block, workdir: Path, where: str) -> int:
    """Write a captioned block to its file; run it if it is a test module. Return 1."""
    assert block.file is not None
    path = workdir / block.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.code, encoding="utf-8")
    if path.suffix == ".py":
        compile(block.code, where, "exec")
    if path.name.startswith("test_") and path.suffix == ".py":
        assert run_tests(path) > 0, where
    return 1


def check_json(block: Block, where: str) -> int:
    """Parse every line of a JSON (Lines) block. Return 1."""
    for line in filter(str.strip, block.code.splitlines()):
        json.loads(line)
    assert block.code.strip(), where
    return 1


def run_block(block: Block, namespace: dict[str, object], workdir: Path, where: str) -> int:
    """Run or check one block by the conventions; return how many things ran."""
    if block.file is not None:
        return write_file(block, workdir, where)
    if block.language == "python":
        return int(run_python(block, namespace, where))
    handlers = {
        "console": run_console,
        "sh": run_sh,
        "toml": check_toml,
        "json": check_json,
        "text": check_synopsis,
        "": check_synopsis,  # an untyped block is plain text
    }
    if block.language not in handlers:
        pytest.fail(f"{where}: no convention runs a {block.language or 'plain'} block: mark it")
    return handlers[block.language](block, where)


@pytest.mark.parametrize("page", PAGES)
def test_every_code_block_of_the_page_runs(page, workdir):
    """Each page's blocks run top to bottom: Python, crmkit commands, configuration, files."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.removesuffix('.md')}"}
    found = [block for block in blocks(page) if block.not_run is None]
    ran = sum(run_block(block, namespace, workdir, f"docs/{page}:{block.line}") for block in found)
    assert ran or not found, f"docs/{page}: nothing ran"


NOT_RUN_BLOCKS = {
    f"docs/{page}:{block.line}": block.not_run
    for page in PAGES
    for block in blocks(page)
    if block.not_run is not None
}


@pytest.mark.parametrize("where", sorted(NOT_RUN_BLOCKS))
def test_blocks_that_are_not_run_say_why(where):
    """Each block marked ``<!-- not run: reason -->`` shows up as skipped, with its reason."""
    reason = NOT_RUN_BLOCKS[where]
    assert len(reason) > 10, f"{where}: say why the block is not run"
    pytest.skip(f"{where}: not run: {reason}")


def test_most_blocks_run():
    """The blocks that are not run stay few."""
    assert len(NOT_RUN_BLOCKS) <= 25


def test_the_conventions_recognise_what_they_should():
    """The block reader finds outputs, captions, not-run marks, and skips directives."""
    text = (
        "`a.py`:\n\n```python\nx = 1\n```\n\n"
        "```python\nprint(1)\n```\n```text\n1\n```\n\n"
        "```{toctree}\nindex\n```\n\n"
        "<!-- not run: needs a live SAP system -->\n```sh\ncrmkit sources check sap\n```\n"
    )
    found = parse_blocks(text)
    assert [(b.language, b.file, b.output, b.not_run) for b in found] == [
        ("python", "a.py", None, None),
        ("python", None, "1\n", None),
        ("sh", None, None, "needs a live SAP system"),
    ]
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a 1 ...", "b"], ["a 1 0.3s", "b"])
    assert not matches(["a", "d"], ["a", "b", "d"])
