"""Small helpers for the ingest tests: write inline files, read tables back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialroi.engine import DuckDBEngine
from socialroi.errors import ImportRejected


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write ``text`` (dedented by the caller) to ``tmp_path/name`` as UTF-8, LF line ends."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def rows(duck: DuckDBEngine, sql: str) -> list[tuple[Any, ...]]:
    return duck.run(sql)


def count(duck: DuckDBEngine, table: str) -> int:
    return int(duck.run(f"SELECT count(*) FROM {table}")[0][0])


def where(exc: ImportRejected) -> list[tuple[int | None, str | None, str]]:
    """``(line, column, code)`` of every problem: what the tests assert, never prose."""
    return [(p.line, p.column, p.code) for p in exc.problems]
