"""Sphinx configuration of the crmkit documentation: MyST Markdown pages, click and autodoc.

Build it with ``tox -e docs`` (``sphinx-build -W --keep-going -n -b html docs
docs/_build/html``): every warning, an unresolved cross-reference included, is an error.
"""

# ruff: noqa: INP001 - Sphinx runs this file by path; docs/ is no package
from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from pygments.lexers.special import TextLexer
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

import crmkit

if TYPE_CHECKING:
    from sphinx.application import Sphinx

project = "crmkit"
author = "crmkit developers"
copyright = "crmkit developers"  # noqa: A001 - the name Sphinx reads
release = crmkit.__version__
version = release

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx_click"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_heading_anchors = 3

# Signatures show names and defaults; the docstrings say what each argument is. (The
# annotations name classes imported only for type checking, which autodoc cannot resolve.)
autodoc_typehints = "none"
autodoc_member_order = "bysource"

# Short names in docstrings of modules whose errors are documented under crmkit.errors.
nitpick_ignore = [
    ("py:class", "ConfigError"),
    ("py:class", "CrmkitError"),
    ("py:class", "TransientError"),
    ("py:class", "PermanentError"),
    ("py:meth", "redact"),
    # a third-party class shown as a default value (intersphinx would need the network)
    ("py:class", "marshmallow.schema.Schema"),
]

html_theme = "alabaster"
html_title = f"crmkit {release}"


class RepositoryLinks(SphinxPostTransform):
    """Show links to repository files outside docs/ (benchmarks, examples) as their path.

    They are not pages of this site; a link to a path that exists nowhere still warns.
    """

    default_priority = 5  # before MyST resolves (and warns about) its references

    def run(self, **_kwargs: Any) -> None:
        """Replace each such reference by its repository path, as literal text."""
        docs = Path(self.env.srcdir)
        repository = docs.parent
        source = Path(self.document["source"]).parent
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst":
                continue
            target = node["reftarget"].split("#")[0]
            if node.get("refdomain") == "doc":
                # MyST has made a page name of it, relative to docs/ and without ".."
                if target in self.env.found_docs:
                    continue
                shown = f"{target}.md"
                path = repository / shown
            else:
                path = Path(os.path.normpath(source / target))
                if path.is_relative_to(docs) or not path.is_relative_to(repository):
                    continue
                shown = path.relative_to(repository).as_posix()
            if path.exists():
                node.replace_self(nodes.literal(shown, shown))


def _add_firstresult(
    _app: Sphinx, what: str, _name: str, obj: Any, _options: Any, lines: list[str]
) -> None:
    """End each hook's reference with whether it is firstresult, read from the spec itself."""
    spec = getattr(obj, "crmkit_spec", None)
    if what != "function" or not inspect.isfunction(obj) or spec is None:
        return
    if spec.get("firstresult"):
        answer = "yes: the first answer that is not ``None`` wins; the built-in is ``trylast``."
    else:
        answer = "no: every plugin's implementation is called."
    lines.extend(["", f"**firstresult:** {answer}", ""])


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the repository links, the firstresult note and 1C's language as plain text."""
    app.add_post_transform(RepositoryLinks)
    app.connect("autodoc-process-docstring", _add_firstresult)
    app.add_lexer("bsl", TextLexer)  # 1C:Enterprise's built-in language: no Pygments lexer
    return {"parallel_read_safe": True}
