"""Canonical import: CSV, NDJSON and Parquet files into the workspace's tables.

``import_file`` streams one file in batches, validates and types it in DuckDB, and merges it on
the entity's natural key in one transaction; ``import_dir`` imports every canonical file of a
directory in dependency order. See ``docs/import.md`` for formats, types and error codes.
"""

from __future__ import annotations

from socialroi.ingest._load import (
    MAX_PROBLEMS,
    MONEY_DATE,
    ImportResult,
    import_dir,
    import_file,
    recompute_money,
)
from socialroi.ingest._readers import FORMATS

__all__ = [
    "FORMATS",
    "MAX_PROBLEMS",
    "MONEY_DATE",
    "ImportResult",
    "import_dir",
    "import_file",
    "recompute_money",
]
