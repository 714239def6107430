"""The engine boundary: the only package that imports duckdb or pyspark.

``connect()`` opens DuckDB (default) or Spark and returns an :class:`Engine`, whose
``tables(workspace_id)`` hands workspace-scoped Ibis tables to the analysis code.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from socialroi.engine._base import Engine
from socialroi.engine._duckdb import DuckDBEngine
from socialroi.engine._migrate import applied_version, migrate, migrations
from socialroi.engine.memtable import memtable
from socialroi.engine.tables import Tables, Workspace
from socialroi.errors import ConfigError

__all__ = [
    "DEFAULT_DB",
    "DuckDBEngine",
    "Engine",
    "Tables",
    "Workspace",
    "applied_version",
    "connect",
    "default_db",
    "memtable",
    "migrate",
    "migrations",
]

DEFAULT_DB = "socialroi.duckdb"
ENGINES = ("duckdb", "spark")


def default_db() -> str:
    """``$SOCIALROI_DB`` if set, else ``socialroi.duckdb`` in the working directory."""
    return os.environ.get("SOCIALROI_DB") or DEFAULT_DB


def connect(
    engine: str = "duckdb",
    *,
    db: str | Path | None = None,
    spark_master: str | None = None,
    warehouse: str | Path | None = None,
    read_only: bool = False,
) -> Engine:
    """Open an engine.

    Parameters
    ----------
    engine
        ``duckdb`` (embedded, the default) or ``spark``.
    db
        The DuckDB file (default :func:`default_db`). With ``spark`` and no ``warehouse``, its
        tables are exported to a temporary Parquet warehouse first.
    spark_master
        Spark master URL; ``local[2]`` by default.
    warehouse
        A directory of ``<table>.parquet`` files for Spark.
    """
    if engine == "duckdb":
        return DuckDBEngine(db or default_db(), read_only=read_only)
    if engine == "spark":
        from socialroi.engine._spark import SparkEngine

        if warehouse is None:
            source = DuckDBEngine(db or default_db())
            try:
                warehouse = source.export_parquet(tempfile.mkdtemp(prefix="socialroi-spark-"))
            finally:
                source.close()
        return SparkEngine(warehouse, master=spark_master or "local[2]")
    raise ConfigError(f"unknown engine {engine!r}", hint="use --engine duckdb or --engine spark")
