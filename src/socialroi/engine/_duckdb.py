"""The embedded DuckDB engine: the default, and the only writer."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir
import pyarrow as pa
from ibis.formats.pyarrow import PyArrowData

from socialroi.engine._base import Engine
from socialroi.engine._migrate import migrate
from socialroi.engine.derived import derived_tables
from socialroi.engine.tables import Tables, Workspace
from socialroi.errors import ConfigError, EngineError

__all__ = ["DuckDBEngine"]


class _ResultMapper(PyArrowData):  # type: ignore[misc]  # ibis.formats is untyped
    """How ibis maps a DuckDB result onto the expression's types (its ``DuckDBPyArrowData``),
    without the module that defines it: that one imports pandas, 0.3-0.5 s of every process's
    first query, which socialroi never needs."""

    @classmethod
    def convert_scalar(cls, scalar: pa.Scalar, dtype: dt_.DataType) -> pa.Scalar:
        if dtype.is_null():
            return pa.scalar(None)
        return super().convert_scalar(scalar, dtype)

    @classmethod
    def convert_column(cls, column: pa.Array, dtype: dt_.DataType) -> pa.Array:
        if dtype.is_null():
            return pa.nulls(len(column))
        return super().convert_column(column, dtype)


class DuckDBEngine(Engine):
    """A DuckDB database file (or ``:memory:``), migrated to the current schema on open.

    DuckDB runs with external file access disabled: files are read by socialroi's own readers
    and handed over as Arrow, so no SQL can reach a path (reliability.md scenario 14). The one
    exception, :meth:`file_reader`, is a separate in-memory database allowed a single file.
    """

    name = "duckdb"

    def __init__(self, path: str | Path = "socialroi.duckdb", *, read_only: bool = False) -> None:
        self.path = str(path)
        config: dict[str, str | bool | int | float | list[str]] = {"enable_external_access": False}
        try:
            self.con = duckdb.connect(self.path, read_only=read_only, config=config)
            self.con.execute("SET TimeZone = 'UTC'")
            if not read_only:
                migrate(self.con)
        except duckdb.IOException as exc:
            raise EngineError(
                f"cannot open {self.path}: {exc}",
                hint="another socialroi process (e.g. `socialroi serve`) may hold the database; "
                "stop it, or run this command through that process",
            ) from exc
        except duckdb.Error as exc:
            raise EngineError(f"cannot open {self.path}: {exc}") from exc
        self._ibis = ibis.duckdb.from_connection(self.con)

    @property
    def backend(self) -> ibis.BaseBackend:
        return self._ibis

    def _table(self, name: str) -> ir.Table:
        return self._ibis.table(name)

    def _derived_tables(self, workspace_id: str) -> dict[str, ir.Table]:
        return derived_tables(self, workspace_id)

    def execute(self, expr: ir.Expr) -> pa.Table:
        try:
            # ibis's own to_pyarrow, with the result mapped by _ResultMapper
            table = self._ibis._to_duckdb_relation(expr).to_arrow_table()  # noqa: SLF001
            result = expr.__pyarrow_result__(table, data_mapper=_ResultMapper)
        except duckdb.Error as exc:
            raise EngineError(f"query failed on DuckDB: {exc}") from exc
        return result if isinstance(result, pa.Table) else pa.table({"value": [result.as_py()]})

    def close(self, *, interrupt: bool = False) -> None:
        """Close the connection. One that is running a query (in another thread) refuses to
        close: wait up to 10 s for it, with ``interrupt`` stopping it again at every try (a
        query may start after a single interrupt, e.g. once its Python compilation ends)."""
        for _ in range(200):
            if interrupt:
                self.con.interrupt()
            try:
                self.con.close()
                return
            except duckdb.ResourceInUseException:
                time.sleep(0.05)
        self.con.close()

    def interrupt(self) -> None:
        """Stop the query this connection is running (safe from another thread)."""
        self.con.interrupt()

    def cursor(self) -> DuckDBEngine:
        """Another connection to this open database, for one thread (a DuckDB connection is
        not thread-safe; cursors share the database and see committed writes)."""
        other = object.__new__(DuckDBEngine)
        other.path = self.path
        other.con = self.con.cursor()
        other._ibis = ibis.duckdb.from_connection(other.con)
        return other

    # -- the writer side, used by ingest and setup; SQL here is built from schema names only --

    def run(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Execute one statement with bound parameters (``?`` by position, or ``$name`` from a
        mapping); return its rows (if any)."""
        try:
            cur = self.con.execute(sql, params or [])
            return cur.fetchall() if cur.description is not None else []
        except duckdb.Error as exc:
            raise EngineError(f"statement failed on DuckDB: {exc}") from exc

    def query_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Execute one query with bound parameters and return Arrow."""
        try:
            rel = self.con.sql(sql, params=list(params) if params else None)
            return rel.to_arrow_table() if rel is not None else pa.table({})
        except duckdb.Error as exc:
            raise EngineError(f"query failed on DuckDB: {exc}") from exc

    def register(self, name: str, data: pa.Table | pa.RecordBatchReader) -> None:
        """Make an Arrow table (or a stream, read once) visible to SQL as ``name`` (a view,
        not a copy)."""
        self.con.register(name, data)

    @contextmanager
    def file_reader(self, path: Path, *, memory_limit: str = "512MB") -> Iterator[DuckDBEngine]:
        """A second DuckDB, in memory, that may read ``path`` and no other file, for DuckDB's
        own readers (``read_json`` parses and streams a large export in parallel).

        This database keeps external access off (reliability.md scenario 14): the reader is
        allowed exactly one path, then its configuration is locked, and its results reach this
        database only as an Arrow stream (:meth:`stream`, :meth:`register`).
        """
        if not re.fullmatch(r"[0-9.]+ ?[KMGT]?i?B", memory_limit):
            raise ValueError(f"not a memory limit: {memory_limit!r}")
        con = duckdb.connect(":memory:")
        try:
            con.execute("SET allowed_paths = ?", [[str(path)]])
            con.execute("SET enable_external_access = false")
            con.execute(f"SET memory_limit = '{memory_limit}'")
            # results in the order of the file (the default, relied on: the GA4 import numbers
            # the records as they arrive, so DuckDB may read the file on every thread)
            con.execute("SET preserve_insertion_order = true")
            other = object.__new__(DuckDBEngine)
            other.path = ":memory:"
            other.con = con
            other._ibis = ibis.duckdb.from_connection(con)  # sets the time zone to UTC
            con.execute("SET lock_configuration = true")
            yield other
        finally:
            con.close()

    def stream(
        self, sql: str, params: Sequence[Any] | None = None, *, rows: int = 100_000
    ) -> pa.RecordBatchReader:
        """Run one query and return its result as an Arrow stream of batches of about ``rows``
        rows, computed as they are read (bounded memory)."""
        try:
            return self.con.sql(sql, params=list(params) if params else None).to_arrow_reader(rows)
        except duckdb.Error as exc:
            raise EngineError(f"query failed on DuckDB: {exc}") from exc

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: commit when the block ends, roll back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def ensure_workspace(
        self,
        workspace_id: str,
        *,
        name: str | None = None,
        currency: str = "EUR",
        timezone: str = "UTC",
        brand: str | None = None,
    ) -> Workspace:
        """Create the workspace if it does not exist; return its settings."""
        if len(currency) != 3 or not currency.isalpha():
            raise ConfigError(f"currency {currency!r} is not an ISO 4217 code", hint="use e.g. EUR")
        exists = self.run("SELECT 1 FROM workspaces WHERE workspace_id = ?", [workspace_id])
        if not exists:
            self._check_timezone(timezone)
            self.run(
                "INSERT INTO workspaces VALUES (?, ?, ?, ?, ?, ?)",
                [
                    workspace_id,
                    name or workspace_id,
                    brand,
                    currency.upper(),
                    timezone,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                ],
            )
        return self.workspace(workspace_id)

    def _check_timezone(self, timezone: str) -> None:
        rows = self.run("SELECT count(*) FROM pg_timezone_names() WHERE name = ?", [timezone])
        if not rows or rows[0][0] == 0:
            raise ConfigError(
                f"unknown time zone {timezone!r}", hint="use an IANA name such as Europe/Paris"
            )

    def export_parquet(self, directory: str | Path, *, derived: bool = True) -> Path:
        """Write every table to ``directory/<table>.parquet`` (for the Spark engine), from one
        snapshot of the database.

        ``derived``: also the derived tables where they are fresh (``derived_<name>.parquet``,
        the rows of the workspaces whose stored copy matches their sources, and
        ``derived_fresh.parquet`` naming those (workspace, table) pairs), so that Spark reads
        the stored sessions and daily aggregates instead of recomputing them from the events.
        """
        import pyarrow.parquet as pq  # only here: 10 ms of every process's start otherwise

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for stale in out.glob("derived_*.parquet"):
            stale.unlink()  # an earlier export's: this snapshot says what is fresh now
        with self.transaction():
            for name in (*Tables.entity_names(), "workspaces"):
                pq.write_table(self.query_arrow(f'SELECT * FROM "{name}"'), out / f"{name}.parquet")
            if derived:
                for file, rows in self._fresh_derived():
                    pq.write_table(rows, out / file)
        return out

    def _fresh_derived(self) -> Iterator[tuple[str, pa.Table]]:
        """(Parquet file, rows): each derived table's rows of the workspaces where it is fresh,
        then the list of those (workspace, table) pairs; one table in memory at a time."""
        fresh: dict[str, list[str]] = {}
        for (ws,) in self.run("SELECT workspace_id FROM workspaces ORDER BY workspace_id"):
            for name in derived_tables(self, ws):
                fresh.setdefault(name, []).append(ws)
        for name, workspaces in fresh.items():
            table = f"derived_{name}"  # name: from DERIVED_NAMES, the allowlist
            rows = self.query_arrow(
                f"SELECT * FROM {table} WHERE list_contains(?::VARCHAR[], workspace_id)",
                [workspaces],
            )
            yield f"{table}.parquet", rows
        pairs = [(ws, name) for name, wss in fresh.items() for ws in wss]
        yield "derived_fresh.parquet", self.query_arrow(
            "SELECT unnest(?::VARCHAR[]) AS workspace_id, unnest(?::VARCHAR[]) AS name",
            [[ws for ws, _ in pairs], [name for _, name in pairs]],
        )

    def table_names(self) -> list[str]:
        """Tables in the database (canonical and internal)."""
        return sorted(r[0] for r in self.run("SELECT table_name FROM duckdb_tables()"))
