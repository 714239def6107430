"""The table every report section shows and every export writes: typed columns, plain rows.

One definition serves the HTML/PDF report (formatting by ``kind``), CSV, XLSX (number formats
by ``kind``) and JSON, so an export always holds exactly the tables of the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Column", "ExportTable", "Kind"]

#: How a column's values are typed and formatted: text, a whole count, money in the base
#: currency, a ratio (a fraction: 0.25 = 25 %), another number (minutes, days, credit).
Kind = Literal["text", "count", "money", "ratio", "number"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``key`` in each row dict, ``label`` for people, ``kind`` for formats."""

    key: str
    label: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class ExportTable:
    """A small result table (one row per network, path, post…).

    ``name`` is a lower-case identifier (file stem, sheet name, JSON key; at most 31 characters,
    Excel's sheet-name limit); ``note`` states the model, window and data period.
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Sequence[Mapping[str, Any]]
    note: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"table name {self.name!r} must match {_NAME.pattern}")

    def values(self) -> list[list[Any]]:
        """The rows as lists in column order (missing keys are None)."""
        return [[row.get(c.key) for c in self.columns] for row in self.rows]
