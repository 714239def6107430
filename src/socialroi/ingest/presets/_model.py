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
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from socialroi.ingest.presets._parse import Parser

__all__ = [
    "Col",
    "Const",
    "First",
    "FromFileName",
    "FromHeader",
    "JsonPreset",
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
class FromFileName:
    """The canonical column is group 1 of ``pattern`` matched on the file's name, on every row
    (Shlink names a short URL's visits export after the short URL; the rows do not carry it)."""

    pattern: str


@dataclass(frozen=True, slots=True)
class First:
    """The first of ``fields`` that the file has (a column present, a header that matches)."""

    fields: tuple[Col | Const | FromHeader, ...]


Field = Col | Const | FromHeader | FromFileName | RowFn | First


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
    #: (header, values): rows whose cell (trimmed, lower-case) is one of ``values`` are read
    #: and counted as skipped, like ``drop`` (Shlink's ``potentialBot`` = ``true``)
    exclude: tuple[tuple[str, tuple[str, ...]], ...] = ()

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

    def apply(self, batch: pa.RecordBatch, first_row: int, file_name: str = "") -> pa.RecordBatch:
        """Map one batch of the export (strings named by lower-case header) onto the entity's
        columns; ``_row`` keeps each row's index in the file; dropped rows are left out."""
        columns = list(batch.schema.names)
        data = {n: batch.column(i).to_pylist() for i, n in enumerate(columns)}
        n = batch.num_rows
        keep = [True] * n
        first = data[columns[0]] if columns else []
        prefixes = tuple(p.lower() for p in self.drop)
        excluded = [(data[h], values) for h, values in self.exclude if h in data]
        for i in range(n):
            cells = [data[c][i] for c in columns]
            if all(v is None or not v.strip() for v in cells):
                keep[i] = False
            elif prefixes and (first[i] or "").strip().lower().startswith(prefixes):
                keep[i] = False
            elif any((col[i] or "").strip().lower() in values for col, values in excluded):
                keep[i] = False
        out: dict[str, list[str | None]] = {}
        used: set[str] = set()
        for name, f in self.fields.items():
            if isinstance(f, FromFileName):
                m = re.fullmatch(f.pattern, file_name, re.I)
                out[name] = [m.group(1) if m else None] * n
                continue
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
        if isinstance(f, FromFileName):  # resolved by apply, which knows the file's name
            return [None] * n
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
class JsonPreset:
    """A nested-record export (JSON lines, or Parquet/JSON documents turned into JSON lines)
    mapped by one SQL ``SELECT`` that DuckDB runs over each batch of lines (:meth:`sql`) or
    over its own ``read_json`` of a whole NDJSON file (:meth:`file_sql`).

    ``structure`` is the ``from_json``/``read_json`` target (the fields read, every scalar as
    text), parsed once per line into ``j``; ``select`` maps each output column (canonical
    columns, then extra attributes) to SQL over ``j``; records failing ``keep`` are read and
    counted as skipped. The SQL is constant text of the preset module, never built from the file.
    """

    name: str
    entity: str
    label: str
    detect: tuple[str, ...]
    structure: str
    select: Mapping[str, str]
    keep: str = "true"
    note: str = ""
    #: intermediate columns, each layer over ``j`` and the layers before it (so a value used
    #: by several output columns is computed once per line)
    layers: tuple[Mapping[str, str], ...] = ()
    #: canonical columns the mapping also gives already typed, as SQL over ``j`` and the
    #: layers (``_typed_<column>``, NULL where it cannot): such a value is stored as it is and
    #: only where it is NULL is the text column checked and typed (a value formatted to text
    #: and parsed back costs more than the mapping of the column itself)
    typed: Mapping[str, str] = field(default_factory=dict)

    def matches(self, columns: list[str]) -> bool:
        return all(d in columns for d in self.detect)

    def sql(self, names: Mapping[str, str]) -> str:
        """``SELECT <columns AS names[col]>, _row FROM _json_lines`` for the valid lines that
        pass ``keep``; ``names`` renames output columns (extra attributes to ``_x<i>``)."""
        if "'" in self.structure:
            raise ValueError("a from_json structure is a constant without quotes")
        rel = (
            f"(SELECT _row, from_json(line, '{self.structure}') AS j "  # noqa: S608
            f"FROM _json_lines WHERE _valid) WHERE {self.keep}"
        )
        return self._mapped(rel, names, "")

    def file_sql(self, names: Mapping[str, str], *, gzip: bool) -> str:
        """The same mapping over DuckDB's own ``read_json`` of a whole NDJSON file (the path
        is parameter ``$1``): each record read straight into the fields of ``structure``
        (no sampling, no type detection); every record is returned, in file order (DuckDB's
        ``preserve_insertion_order``; blank lines are not records), with ``_keep`` =
        ``keep``, so the caller counts the ones left out too. No ``_row``: the caller numbers
        the records as they arrive (a ``row_number()`` window here would read the file on one
        thread)."""
        compression = "gzip" if gzip else "none"
        rel = (
            "(SELECT t AS j FROM read_json($1, "  # noqa: S608
            f"format = 'newline_delimited', compression = '{compression}', "
            f"columns = {self.columns_sql()}) t)"
        )
        return self._mapped(rel, names, f", coalesce({self.keep}, false) AS _keep", row=False)

    def columns_sql(self) -> str:
        """``structure`` as the ``columns`` argument of ``read_json`` (a constant)."""

        def sql_type(node: object) -> str:
            if isinstance(node, str):
                return node
            if isinstance(node, list):
                return sql_type(node[0]) + "[]"
            assert isinstance(node, dict)  # noqa: S101 - the structure is the preset's constant
            return "STRUCT(" + ", ".join(f'"{k}" {sql_type(v)}' for k, v in node.items()) + ")"

        top = json.loads(self.structure)
        text = "{" + ", ".join(f"'{k}': '{sql_type(v)}'" for k, v in top.items()) + "}"
        if text.count("'") != 4 * len(top):
            raise ValueError("a read_json structure is a constant without quotes")
        return text

    def _mapped(self, rel: str, names: Mapping[str, str], tail: str, *, row: bool = True) -> str:
        for layer in self.layers:
            cols = ", ".join(f'{expr} AS "{c}"' for c, expr in layer.items())
            rel = f"(SELECT *, {cols} FROM {rel})"  # noqa: S608
        cols = ", ".join(f'{expr} AS "{names.get(c, c)}"' for c, expr in self.select.items())
        cols += "".join(f', {expr} AS "_typed_{c}"' for c, expr in self.typed.items())
        return f"SELECT {cols}{', _row' if row else ''}{tail} FROM {rel}"  # noqa: S608
