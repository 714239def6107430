"""CSV, XLSX and JSON writers for :class:`~socialroi.export.tables.ExportTable` lists.

Every cell and header of CSV and XLSX passes :func:`~socialroi.export.cells.safe_cell`
(formula injection, reliability.md scenario 20). XLSX cells are typed: counts, money, ratios
and numbers are numeric cells with a number format (money with the ISO currency code, ratios as
percentages), text is a string cell, so a spreadsheet can sum and sort them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from socialroi.export.cells import neutralise, safe_cell
from socialroi.export.tables import ExportTable, Kind

__all__ = ["EXPORT_FORMATS", "table_csv", "write_csv", "write_json", "write_xlsx"]

EXPORT_FORMATS = ("csv", "xlsx", "json")

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def table_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """One CSV document (``\\n`` line ends) with every header and cell neutralised.

    None is an empty cell; numbers are written as numbers.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()


def write_csv(tables: Sequence[ExportTable], directory: Path) -> list[Path]:
    """One ``<name>.csv`` per table in ``directory`` (created); headers are the column keys."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in tables:
        path = directory / f"{table.name}.csv"
        text = table_csv([c.key for c in table.columns], table.values())
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _number_format(kind: Kind, currency: str) -> str | None:
    if kind == "count":
        return "#,##0"
    if kind == "money":
        # the code is quoted literal text in the format; only an ISO code gets there
        return f'#,##0.00 "{currency}"' if _CURRENCY.match(currency) else "#,##0.00"
    if kind == "ratio":
        return "0.0%"
    if kind == "number":
        return "#,##0.00"
    return None


def write_xlsx(tables: Sequence[ExportTable], path: Path, *, currency: str) -> Path:
    """One sheet per table (named after it), a bold header row, typed and formatted cells.

    The table's title and note are not cells: they are the sheet's header/footer text, so the
    sheet stays a plain table a pivot can read.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(title=table.name)
        sheet.append([neutralise(c.label) for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        formats = [_number_format(c.kind, currency) for c in table.columns]
        for values in table.values():
            sheet.append([safe_cell(v) for v in values])
        for index, (column, fmt) in enumerate(zip(table.columns, formats, strict=True), 1):
            letter = get_column_letter(index)
            width = max([len(column.label), *(len(str(v)) for v in _column(table, column.key))])
            sheet.column_dimensions[letter].width = min(60, max(10, width + 2))
            if fmt is None:
                continue
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
        sheet.freeze_panes = "A2"
        sheet.oddHeader.center.text = _header_text(table.title)
        sheet.oddFooter.center.text = _header_text(table.note)
    book.save(path)
    return path


def _column(table: ExportTable, key: str) -> list[Any]:
    return [row.get(key) for row in table.rows[:200]]


def _header_text(text: str) -> str:
    # '&' starts a header/footer control code in Excel; double it to print it literally
    return neutralise(text).replace("&", "&&")[:250]


def write_json(
    tables: Sequence[ExportTable], path: Path, *, extra: Mapping[str, Any] | None = None
) -> Path:
    """``{**extra, "tables": {name: {title, note, columns, rows}}}`` as UTF-8 JSON.

    JSON is data, not a spreadsheet: values are written as they are (no apostrophes).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = dict(extra or {})
    doc["tables"] = {
        t.name: {
            "title": t.title,
            "note": t.note,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in t.columns],
            "rows": [{c.key: row.get(c.key) for c in t.columns} for row in t.rows],
        }
        for t in tables
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path
