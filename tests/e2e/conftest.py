"""Fixtures of the end-to-end tests: the ``crmkit`` command, invoked in-process."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from crmkit.cli import cli
from crmkit.plugins import get_plugin_manager

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


@pytest.fixture
def run() -> Callable[..., Result]:
    """Return ``run(*args, env=None)``: invoke ``crmkit ARGS`` with the built-in plugins only.

    Each call builds its plugin manager afresh (so ``env`` may switch plugins on and off)
    and lets exceptions through; it returns click's result.
    """

    def invoke(*args: object, env: Mapping[str, str | None] | None = None) -> Result:
        return CliRunner().invoke(
            cli,
            [str(a) for a in args],
            obj=get_plugin_manager(entrypoints=False),
            env=env,
            catch_exceptions=False,
        )

    return invoke
