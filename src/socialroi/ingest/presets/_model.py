"""What a preset is: a declarative mapping from an export's columns onto a canonical entity.

A :class:`TablePreset` (CSV, XLSX) names, for each canonical column, the export headers it is
read from (:class:`Col`, first header present wins, ``*`` globs allowed), a constant
(:class:`Const`), a value read off the header itself (:class:`FromHeader`, the currency of
``Amount spent (AUD)``) or a function of the row (:class:`RowFn`, a deal stage from ``IsWon``
and ``IsClosed``). ``detect`` are the headers that identify the export; ``drop`` the
first-cell prefixes of total and footer rows (``Total: Account``, ``Grand Totals``), which are
read and counted as skipped, never imported.

The mapped batch then goes through the canonical validation and atomic load unchanged: a
preset only renames, reformats and drops, it never types or stores anything itself.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from socialroi.ingest.presets._parse import Parser

__all__ = [
    "Col",
    "Const",
    "First",
    "FromHeader",
    "RecordPreset",
    "RowFn",
    "TablePreset",
    "header_of",
]

Row = Mapping[str, str | None]


def _keep(value: str | None) -> str | None:
    return value if value is None or value.strip() else None


@dataclass(frozen=True, slots=True)
class Col:
    """The canonical column is the first of ``sources`` (lower-case headers) in the file."""

    sources: tuple[str, ...]
    parse: Parser = _keep


@dataclass(frozen=True, slots=True)
class Const:
    """The canonical column is ``value`` on every row."""

    value: str


@dataclass(frozen=True, slots=True)
class FromHeader:
    """The canonical column is group 1 of ``pattern`` matched on the first header that matches
    (``r"amount spent \\((\\w{3})\\)"`` → ``AUD``), on every row."""

    pattern: str


@dataclass(frozen=True, slots=True)
class RowFn:
    """The canonical column is ``fn(row)``; ``row`` maps the lower-case headers of ``sources``
    (those present) to the cells."""

    sources: tuple[str, ...]
    fn: Callable[[Row], str | None]


@dataclass(frozen=True, slots=True)
class First:
    """The first of ``fields`` that the file has (a column present, a header that matches)."""

    fields: tuple[Col | Const | FromHeader, ...]


Field = Col | Const | FromHeader | RowFn | First


def header_of(columns: list[str], sources: tuple[str, ...]) -> str | None:
    """The first header of ``columns`` named (or globbed) by ``sources``, in ``sources`` order."""
    for src in sources:
        if "*" in src:
            for c in columns:
                if fnmatch.fnmatchcase(c, src):
                    return c
        elif src in columns:
            return src
    return None


@dataclass(frozen=True)
class TablePreset:
    """A CSV/XLSX export layout mapped onto one canonical entity."""

    name: str
    entity: str
    label: str
    fields: Mapping[str, Field]
    detect: tuple[str, ...]
    drop: tuple[str, ...] = ()
    sheet: str | None = None  # XLSX: the sheet to read (default: the first)
    note: str = ""

    def matches(self, columns: list[str]) -> bool:
        """Every ``detect`` header (or glob; ``a|b``: either) is in ``columns``."""
        return all(header_of(columns, tuple(d.split("|"))) is not None for d in self.detect)

    def mapping(self, columns: list[str]) -> dict[str, str]:
        """Canonical column → the export header it is read from (for messages and docs)."""
        out = {}
        for name, f in self.fields.items():
            if isinstance(f, Col):
                h = header_of(columns, f.sources)
                if h is not None:
                    out[name] = h
        return out

    def apply(self, batch: pa.RecordBatch, first_row: int) -> pa.RecordBatch:
        """Map one batch of the export (strings named by lower-case header) onto the entity's
        columns; ``_row`` keeps each row's index in the file; dropped rows are left out."""
        columns = list(batch.schema.names)
        data = {n: batch.column(i).to_pylist() for i, n in enumerate(columns)}
        n = batch.num_rows
        keep = [True] * n
        first = data[columns[0]] if columns else []
        prefixes = tuple(p.lower() for p in self.drop)
        for i in range(n):
            cells = [data[c][i] for c in columns]
            if all(v is None or not v.strip() for v in cells):
                keep[i] = False
            elif prefixes and (first[i] or "").strip().lower().startswith(prefixes):
                keep[i] = False
        out: dict[str, list[str | None]] = {}
        used: set[str] = set()
        for name, f in self.fields.items():
            out[name] = self._column(f, columns, data, n, used)
        for c in columns:  # unmapped export columns are kept as extra attributes
            if c not in used and c not in out:
                out[c] = data[c]
        idx = [i for i in range(n) if keep[i]]
        arrays = [pa.array([vals[i] for i in idx], pa.string()) for vals in out.values()]
        arrays.append(pa.array([first_row + i for i in idx], pa.int64()))
        return pa.RecordBatch.from_arrays(arrays, names=[*out, "_row"])

    @staticmethod
    def _column(
        f: Field, columns: list[str], data: dict[str, list[str | None]], n: int, used: set[str]
    ) -> list[str | None]:
        if isinstance(f, First):
            for alt in f.fields:
                if isinstance(alt, Const) or (
                    isinstance(alt, Col) and header_of(columns, alt.sources) is not None
                ):
                    return TablePreset._column(alt, columns, data, n, used)
                if isinstance(alt, FromHeader) and any(
                    re.fullmatch(alt.pattern, c, re.I) for c in columns
                ):
                    return TablePreset._column(alt, columns, data, n, used)
            return [None] * n
        if isinstance(f, Const):
            return [f.value] * n
        if isinstance(f, FromHeader):
            rx = re.compile(f.pattern, re.I)
            for c in columns:
                m = rx.fullmatch(c)
                if m:
                    return [m.group(1).upper()] * n
            return [None] * n
        if isinstance(f, Col):
            h = header_of(columns, f.sources)
            if h is None:
                return [None] * n
            used.add(h)
            return [f.parse(v) for v in data[h]]
        present = [h for s in f.sources if (h := header_of(columns, (s,))) is not None]
        used.update(present)
        return [f.fn({h: data[h][i] for h in present}) for i in range(n)]


@dataclass(frozen=True)
class RecordPreset:
    """A nested-record export (JSON, Parquet) mapped record by record onto one entity.

    ``map_record(record)`` returns the canonical columns (strings) of one record, or ``None``
    for a record that is read and counted as skipped (e.g. a GA4 event without a visitor).
    """

    name: str
    entity: str
    label: str
    detect: tuple[str, ...]
    map_record: Callable[[dict[str, object]], dict[str, str | None] | None]
    columns: tuple[str, ...] = field(default=())
    note: str = ""

    def matches(self, columns: list[str]) -> bool:
        return all(d in columns for d in self.detect)

    def batches(
        self, records: Iterator[dict[str, object] | None], size: int
    ) -> Iterator[tuple[pa.RecordBatch, int]]:
        """``(batch, records consumed)`` of mapped records; ``None`` records (not an object)
        keep their row index but are not mapped (the canonical import reports them)."""
        cols: dict[str, list[str | None]] = {c: [] for c in self.columns}
        rows: list[int] = []
        row = 0
        start = 0
        for rec in records:
            if rec is None:
                continue
            mapped = self.map_record(rec)
            if mapped is not None:
                for c in self.columns:
                    cols[c].append(mapped.get(c))
                rows.append(row)
            row += 1
            if row - start >= size:
                yield self._batch(cols, rows), row - start
                cols, rows, start = {c: [] for c in self.columns}, [], row
        if row > start:
            yield self._batch(cols, rows), row - start

    def _batch(self, cols: dict[str, list[str | None]], rows: list[int]) -> pa.RecordBatch:
        arrays = [pa.array(v, pa.string()) for v in cols.values()]
        arrays.append(pa.array(rows, pa.int64()))
        return pa.RecordBatch.from_arrays(arrays, names=[*cols, "_row"])
