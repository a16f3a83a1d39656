"""The adapter kit's generator: a ready adapter distribution from the templates in ``adapter/``.

:func:`new_adapter` writes ``crmkit-NAME/``: ``pyproject.toml`` with the ``crmkit`` entry
point, the package ``crmkit_NAME`` (settings schema, adapter, mapping, plugin), tests (a
loopback fake API, crmkit's adapter contract, a card test) and a README. The templates are
:class:`string.Template` texts (``$name``, ``$package``...), kept as ``*.tmpl`` package data.
"""

from __future__ import annotations

import re
import string
from importlib import resources
from typing import TYPE_CHECKING

import attrs

import crmkit
from crmkit.errors import CrmkitError

if TYPE_CHECKING:
    from pathlib import Path

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_PREFIX = "crmkit-"
_MAX_NAME = 24

#: Template (under ``adapter/``) → file in the new distribution (``{package}`` is replaced).
FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "package/__init__.py.tmpl": "{package}/__init__.py",
    "package/adapter.py.tmpl": "{package}/adapter.py",
    "package/mapping.py.tmpl": "{package}/mapping.py",
    "package/plugin.py.tmpl": "{package}/plugin.py",
    "package/py.typed.tmpl": "{package}/py.typed",
    "tests/conftest.py.tmpl": "tests/conftest.py",
    "tests/fake_api.py.tmpl": "tests/fake_api.py",
    "tests/test_contract.py.tmpl": "tests/test_contract.py",
    "tests/test_card.py.tmpl": "tests/test_card.py",
}


class ScaffoldError(CrmkitError):
    """The adapter cannot be generated: a bad name, a folder already there or not writable."""


@attrs.frozen
class AdapterNames:
    """The names derived from an adapter name: ``acme-crm`` gives ``crmkit_acme_crm`` and more."""

    name: str

    @classmethod
    def parse(cls, text: str) -> AdapterNames:
        """Return the names of adapter ``text``; raise :class:`ScaffoldError` if it is no name.

        A leading ``crmkit-`` is dropped (``crmkit-acme`` is the adapter ``acme``).
        """
        name = text.strip().removeprefix(_PREFIX)
        if not _NAME.match(name) or len(name) > _MAX_NAME:
            raise ScaffoldError(
                f"{text!r} is not an adapter name: use lower-case letters, digits and single "
                f"hyphens, starting with a letter, at most {_MAX_NAME} characters (e.g. acme-crm)"
            )
        return cls(name)

    @property
    def distribution(self) -> str:
        """Return the distribution's name on PyPI, ``crmkit-NAME``."""
        return f"{_PREFIX}{self.name}"

    @property
    def package(self) -> str:
        """Return the Python package's name, ``crmkit_NAME`` with underscores."""
        return self.distribution.replace("-", "_")

    @property
    def class_prefix(self) -> str:
        """Return the prefix of the adapter's classes: ``acme-crm`` → ``AcmeCrm``."""
        return "".join(part.capitalize() for part in self.name.split("-"))

    @property
    def title(self) -> str:
        """Return the peer's name as prose: ``acme-crm`` → ``Acme Crm``."""
        return " ".join(part.capitalize() for part in self.name.split("-"))

    @property
    def token_variable(self) -> str:
        """Return the environment variable the README keeps the token in: ``ACME_CRM_TOKEN``."""
        return f"{self.name.upper().replace('-', '_')}_TOKEN"

    def substitutions(self) -> dict[str, str]:
        """Return the values of the templates' ``$placeholders``."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "package": self.package,
            "class_prefix": self.class_prefix,
            "title": self.title,
            "token_variable": self.token_variable,
            "crmkit_version": crmkit.__version__,
        }


def new_adapter(name: str, directory: Path, *, force: bool = False) -> Path:
    """Write the distribution of adapter ``name`` into ``directory``; return its folder.

    The folder is ``directory/crmkit-NAME``. An existing folder is refused unless ``force``,
    which overwrites the kit's files in it (and leaves any other file alone). A folder that
    cannot be written (no permission, a file in the way, a full disk) raises
    :class:`ScaffoldError` naming it and the reason.
    """
    names = AdapterNames.parse(name)
    target = directory / names.distribution
    try:
        return _write(names, target, force=force)
    except OSError as exc:
        where = exc.filename or target
        raise ScaffoldError(
            f"cannot write the adapter into {target}: {exc.strerror or exc} ({where})"
        ) from exc


def _write(names: AdapterNames, target: Path, *, force: bool) -> Path:
    """Write the kit's files for ``names`` into ``target``; return it (see new_adapter)."""
    if target.exists() and not force:
        raise ScaffoldError(f"{target} already exists: choose another --directory, or --force")
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target} exists and is not a folder")
    values = names.substitutions()
    templates = resources.files(__name__).joinpath("adapter")
    for template, relative in FILES.items():
        text = templates.joinpath(*template.split("/")).read_text(encoding="utf-8")
        path = target / relative.format(package=names.package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(string.Template(text).substitute(values), encoding="utf-8")
    return target
