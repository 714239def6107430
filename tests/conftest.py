"""Shared fixtures: a fresh DuckDB engine per test and a Spark twin to compare against.

``same_on_both(duck, fn)`` runs ``fn(engine)`` on the DuckDB engine, then exports the same
database to Parquet and runs ``fn`` on Spark local mode, asserts both results are equal and
returns the DuckDB one. Every metric test calls it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from equality import assert_same

from socialroi.engine import DuckDBEngine, Engine

T = TypeVar("T")
WS = "ws"


@pytest.fixture
def duck() -> Iterator[DuckDBEngine]:
    """An in-memory database with one workspace ``ws`` (EUR, UTC)."""
    eng = DuckDBEngine(":memory:")
    eng.ensure_workspace(WS, currency="EUR", timezone="UTC", brand="acme")
    yield eng
    eng.close()


def java_available() -> bool:
    return shutil.which("java") is not None


@pytest.fixture(scope="session")
def spark_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not java_available():
        pytest.fail("Spark tests need Java: run `make test`, which installs it under CI=true")
    return tmp_path_factory.mktemp("spark")


@pytest.fixture
def same_on_both(
    spark_dir: Path, tmp_path: Path
) -> Callable[[DuckDBEngine, Callable[[Engine], T]], T]:
    """``same_on_both(duck, fn)``: fn's result on DuckDB, checked equal on Spark local mode."""
    from socialroi.engine._spark import SparkEngine

    def run(duck: DuckDBEngine, fn: Callable[[Engine], T]) -> T:
        on_duck = fn(duck)
        # without the stored derived tables: Spark computes everything from the entities
        warehouse = duck.export_parquet(tmp_path / "warehouse", derived=False)
        on_spark = fn(SparkEngine(warehouse))
        assert_same(on_duck, on_spark, "duckdb vs spark")
        return on_duck

    return run
