"""Exports: the report's tables and metrics as CSV, XLSX and JSON, safe to open in a spreadsheet.

- :mod:`~socialroi.export.cells` — formula-injection neutralisation, used by every CSV/XLSX
  writer (also ``socialroi summary --format csv`` and ``socialroi attribution --format csv``);
- :mod:`~socialroi.export.tables` — :class:`ExportTable`, the typed table a report section shows;
- :mod:`~socialroi.export.writers` — CSV (one file per table), XLSX (one sheet per table, typed
  and formatted cells) and JSON.
"""

from __future__ import annotations

from socialroi.export.cells import FORMULA_PREFIXES, neutralise, safe_cell
from socialroi.export.tables import Column, ExportTable, Kind
from socialroi.export.writers import (
    EXPORT_FORMATS,
    table_csv,
    write_csv,
    write_json,
    write_xlsx,
)

__all__ = [
    "EXPORT_FORMATS",
    "FORMULA_PREFIXES",
    "Column",
    "ExportTable",
    "Kind",
    "neutralise",
    "safe_cell",
    "table_csv",
    "write_csv",
    "write_json",
    "write_xlsx",
]
