"""Fixtures shared by every test tier: a database on SQLite and PostgreSQL, crmkit, input files."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

import crmkit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

PG_URL_VARIABLE = "CRMKIT_TEST_PG_URL"


def _fresh_postgresql_database() -> Iterator[str]:
    server_url = os.environ.get(PG_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"{PG_URL_VARIABLE} is not set: PostgreSQL suite skipped")
    server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"crmkit_t_{secrets.token_hex(8)}"
    try:
        with server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crmkit.db'}"
    else:
        yield from _fresh_postgresql_database()


@pytest.fixture
def open_crm(database_url: str) -> Iterator[Callable[..., crmkit.Crmkit]]:
    """Return ``open_crm(**kwargs)``: crmkit on the test database, closed after the test."""
    opened: list[crmkit.Crmkit] = []

    def open_(**kwargs: Any) -> crmkit.Crmkit:
        kwargs.setdefault("entrypoints", False)
        crm = crmkit.open(database_url, **kwargs)
        opened.append(crm)
        return crm

    yield open_
    for crm in opened:
        crm.close()


@pytest.fixture
def crm(open_crm: Callable[..., crmkit.Crmkit]) -> crmkit.Crmkit:
    """Return crmkit (built-in plugins only, phones default to RU) on a fresh test database."""
    return open_crm(default_region="RU")


class InputFiles:
    """Writes input files for the file adapters into a test's temporary directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def jsonl(self, name: str, lines: Iterable[Any], *, newline: bytes = b"\n") -> Path:
        """Write one line per item: a dict as JSON, ``str`` as UTF-8 text, ``bytes`` verbatim."""
        chunks = []
        for line in lines:
            if isinstance(line, bytes):
                chunks.append(line)
            elif isinstance(line, str):
                chunks.append(line.encode())
            else:
                chunks.append(json.dumps(line, ensure_ascii=False).encode())
        path = self.directory / name
        path.write_bytes(b"".join(chunk + newline for chunk in chunks))
        return path

    def csv(
        self,
        name: str,
        rows: Iterable[Iterable[str]],
        *,
        encoding: str = "utf-8",
        delimiter: str = ",",
    ) -> Path:
        """Write ``rows`` (the header first) as CSV in ``encoding``."""
        text = io.StringIO()
        csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
        path = self.directory / name
        path.write_bytes(text.getvalue().encode(encoding))
        return path


@pytest.fixture
def input_files(tmp_path: Path) -> InputFiles:
    """Return a writer of JSON Lines and CSV input files in ``tmp_path``."""
    return InputFiles(tmp_path)
