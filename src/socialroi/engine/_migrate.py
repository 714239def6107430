"""Versioned schema migrations for the DuckDB database.

Migrations are the files ``migrations/NNNN_name.sql``, applied in order. ``schema_version`` keeps
one row per applied file. Opening a database applies the missing ones, each in its own
transaction, so an old database is upgraded on open and a failed migration leaves it at the
previous version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import duckdb

from socialroi.errors import EngineError, SchemaVersionError

__all__ = ["Migration", "applied_version", "migrate", "migrations"]

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every shipped migration, ordered by version (versions are contiguous from 1)."""
    found: list[Migration] = []
    for item in resources.files("socialroi.engine.migrations").iterdir():
        m = _NAME.match(item.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), item.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    if [mig.version for mig in found] != list(range(1, len(found) + 1)):
        raise EngineError("migration files are not numbered 0001, 0002, … without gaps")
    return found


def applied_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest applied migration, 0 for a new database."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, *, upto: int | None = None) -> int:
    """Apply the missing migrations (up to ``upto``, default all); return the new version."""
    known = migrations()
    current = applied_version(con)
    if current > len(known):
        raise SchemaVersionError(
            f"the database is at schema version {current}, this socialroi knows {len(known)}",
            hint="upgrade socialroi (pip install -U socialroi) to open this database",
        )
    target = len(known) if upto is None else upto
    for mig in known[current:target]:
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(mig.sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, current_timestamp::TIMESTAMP)",
                [mig.version, mig.name],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise EngineError(
                f"migration {mig.version:04d}_{mig.name} failed: {exc}",
                hint="the database was left at the previous version; report this as a bug",
            ) from exc
        current = mig.version
    return current
