"""The Apache Spark engine: the same analysis code on a cluster (or local mode).

Spark reads the tables as Parquet from a warehouse directory, one ``<table>.parquet`` per table,
as ``DuckDBEngine.export_parquet`` writes them, with the derived tables (stored sessions, daily
aggregates) that were fresh at the export. It is read-only: imports go to DuckDB.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from socialroi.engine._base import Engine
from socialroi.engine.derived import DERIVED_NAMES
from socialroi.engine.tables import Tables
from socialroi.errors import ConfigError, EngineError

__all__ = ["LOCAL_DRIVER_MEMORY", "SparkEngine"]

#: The driver's heap in local mode (``local[N]``); a cluster's is set by its own configuration.
LOCAL_DRIVER_MEMORY = "2g"


class SparkEngine(Engine):
    """Spark via PySpark; ``master`` is ``local[N]`` (default ``local[2]``) or a cluster URL."""

    name = "spark"

    def __init__(self, warehouse: str | Path, *, master: str = "local[2]") -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise ConfigError(
                "the Spark engine needs PySpark",
                hint="install it with: pip install 'socialroi[spark]' (and a Java 17 runtime)",
            ) from exc
        self.warehouse = Path(warehouse)
        missing = [
            n
            for n in (*Tables.entity_names(), "workspaces")
            if not (self.warehouse / f"{n}.parquet").exists()
        ]
        if missing:
            raise ConfigError(
                f"{self.warehouse} has no Parquet for: {', '.join(missing)}",
                hint="write it with `socialroi export-parquet DIR` from the DuckDB database",
            )
        builder: Any = SparkSession.builder
        if master.startswith("local"):
            # local mode must not bind to a routable interface (the sandbox has only loopback)
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            # in local mode the driver runs the tasks too. Janino compiling one method for a
            # whole stage of the visits' plan (the source rules run on every event, then on the
            # visits' start events) ran out of the default 1 GB heap; per-operator code is
            # split into small methods (the Spark tests passed even at 1 GB, 6.5 min vs 7.4 min
            # with whole-stage code and 2 GB)
            builder = builder.config("spark.driver.memory", LOCAL_DRIVER_MEMORY)
            builder = builder.config("spark.sql.codegen.wholeStage", "false")
        try:
            self.session = (
                builder.master(master)
                .appName("socialroi")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate()
            )
            self.session.sparkContext.setLogLevel("ERROR")
            self._ibis = ibis.pyspark.connect(self.session)
            for n in (*Tables.entity_names(), "workspaces"):
                self._ibis.read_parquet(str(self.warehouse / f"{n}.parquet"), table_name=n)
            self._fresh = self._read_derived()
        except Exception as exc:  # noqa: BLE001 - any driver failure becomes an EngineError
            raise EngineError(f"cannot start Spark ({master}): {exc}") from exc

    def _read_derived(self) -> dict[str, frozenset[str]]:
        """The derived tables the export found fresh, by workspace (``export_parquet``): the
        warehouse is one snapshot, so they stay fresh for as long as it is read."""
        import pyarrow.parquet as pq

        listed = self.warehouse / "derived_fresh.parquet"
        if not listed.exists():  # exported without them, or by an older socialroi
            return {}
        fresh: dict[str, set[str]] = {}
        for row in pq.read_table(listed).to_pylist():
            name = row["name"]
            if name in DERIVED_NAMES and (self.warehouse / f"derived_{name}.parquet").exists():
                fresh.setdefault(row["workspace_id"], set()).add(name)
        for name in sorted({n for names in fresh.values() for n in names}):
            path = self.warehouse / f"derived_{name}.parquet"
            self._ibis.read_parquet(str(path), table_name=f"derived_{name}")
        return {ws: frozenset(names) for ws, names in fresh.items()}

    def _derived_tables(self, workspace_id: str) -> dict[str, ir.Table]:
        out: dict[str, ir.Table] = {}
        for name in sorted(self._fresh.get(workspace_id, ())):
            t = self._ibis.table(f"derived_{name}")
            out[name] = t.filter(t.workspace_id == workspace_id)
        return out

    @property
    def backend(self) -> ibis.BaseBackend:
        return self._ibis

    def _table(self, name: str) -> ir.Table:
        return self._ibis.table(name)

    def execute(self, expr: ir.Expr) -> pa.Table:
        try:
            result = self._ibis.to_pyarrow(expr)
        except Exception as exc:  # noqa: BLE001 - py4j/pyspark errors have no common base
            raise EngineError(f"query failed on Spark: {exc}") from exc
        return result if isinstance(result, pa.Table) else pa.table({"value": [result.as_py()]})

    def close(self) -> None:
        # the SparkSession is process-wide and expensive to start; leave it for reuse
        return None
