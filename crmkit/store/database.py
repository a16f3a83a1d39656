"""Open a database, bring its schema up to date with the bundled Alembic migrations."""

from __future__ import annotations

import os
import threading
from importlib import resources
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.pool import StaticPool

from crmkit.errors import ConfigError, SchemaVersionError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager

DEFAULT_URL = "sqlite:///crmkit.db"


def default_url() -> str:
    """Return ``CRMKIT_DATABASE_URL`` if set, else ``sqlite:///crmkit.db`` (current directory)."""
    return os.environ.get("CRMKIT_DATABASE_URL") or DEFAULT_URL


def _normalise_url(url: str) -> sa.URL:
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r} ({exc})") from exc
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _alembic_config() -> Config:
    config = Config()
    location = resources.files("crmkit.store") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


class Database:
    """One crmkit database: an engine plus the schema migrations that keep it current.

    ``Database(url)`` connects lazily; :meth:`migrate` (run by ``crmkit init`` and on first
    use through :meth:`ensure_schema`) applies the bundled migrations. A database written
    by a newer crmkit is refused with :class:`~crmkit.errors.SchemaVersionError`.
    """

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = _normalise_url(url or default_url())
        kwargs: dict[str, Any] = {"echo": echo}
        if self.url.get_backend_name() == "sqlite" and self.url.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        try:
            self.engine = sa.create_engine(self.url, **kwargs)
        except ImportError as exc:
            raise ConfigError(
                f"the driver for {self.url.drivername} is not installed ({exc}); "
                "for PostgreSQL: pip install 'crmkit[postgresql]'"
            ) from exc
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._schema_checked = False
        self._schema_lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        """Return True for the embedded SQLite store."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        """Return True for a PostgreSQL store."""
        return self.url.get_backend_name() == "postgresql"

    def display_url(self) -> str:
        """Return the URL with any password hidden, safe for logs and messages."""
        return self.url.render_as_string(hide_password=True)

    def current_revision(self) -> str | None:
        """Return the schema revision the database is at, or ``None`` if it has none yet.

        This is the first connection any use makes: a database that cannot be reached (a
        server that does not answer, a file in a missing folder) raises :class:`ConfigError`
        naming the URL, with the password hidden.
        """
        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0]
            raise ConfigError(f"cannot open database {self.display_url()}: {reason}") from exc

    def head_revision(self) -> str | None:
        """Return the newest schema revision this crmkit knows."""
        return ScriptDirectory.from_config(_alembic_config()).get_current_head()

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to ``revision`` (default: the newest), inside one transaction."""
        self._refuse_newer()
        config = _alembic_config()
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
        self._schema_checked = revision == "head"

    def ensure_schema(self) -> None:
        """Migrate on first use if the database is not at the newest revision.

        Threads making their first use at once wait for one migration (SQLite's DDL is not
        transactional here: two concurrent upgrades could leave one half-applied).
        """
        if self._schema_checked:
            return
        with self._schema_lock:
            if self._schema_checked:
                return
            if self.current_revision() != self.head_revision():
                self.migrate()
            self._schema_checked = True

    def _refuse_newer(self) -> None:
        current = self.current_revision()
        if current is None:
            return
        script = ScriptDirectory.from_config(_alembic_config())
        try:
            script.get_revision(current)
        except Exception as exc:
            raise SchemaVersionError(
                f"database {self.display_url()} is at schema revision {current!r}, which this "
                "crmkit does not know; it was written by a newer crmkit: upgrade crmkit"
            ) from exc

    def begin(self) -> AbstractContextManager[sa.Connection]:
        """Return a context manager for one transaction (commit on success, else rollback)."""
        self.ensure_schema()
        return self.engine.begin()

    def connect(self) -> AbstractContextManager[sa.Connection]:
        """Return a context manager for a connection (read-only use, or manual transactions)."""
        self.ensure_schema()
        return self.engine.connect()

    def iter_tables(self) -> Iterator[str]:
        """Yield the names of the tables that exist in the database."""
        yield from sa.inspect(self.engine).get_table_names()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
