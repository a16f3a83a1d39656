"""Insert-or-update rows by a unique key, on SQLite and PostgreSQL alike; chunked lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects import postgresql, sqlite

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import sqlalchemy as sa

_CHUNK = 2000
_LOOKUP_CHUNK = 900


def chunked(values: Sequence[Any], size: int = _LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    """Yield ``values`` in slices of ``size`` (900 keeps an ``IN`` list within SQLite's limits)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    update: bool = True,
) -> None:
    """Insert ``rows`` into ``table``; a row whose ``keys`` exist updates it (or is skipped).

    With ``update=False`` an existing row is left as it is (``ON CONFLICT DO NOTHING``).
    """
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), _CHUNK):
        statement = dialect.insert(table)
        if update:
            columns = [c for c in rows[0] if c not in keys]
            statement = statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={c: statement.excluded[c] for c in columns},
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(keys))
        conn.execute(statement, list(rows[start : start + _CHUNK]))
