"""Readers: turn a canonical file (CSV, NDJSON, Parquet) into Arrow batches of strings.

Every reader streams: CSV through ``pyarrow.csv.open_csv`` (all columns as strings), NDJSON line
by line, Parquet with ``iter_batches``. Memory is bounded by the block size, never by the file.
Progress is the reader's position in the file; :func:`file_sha256` (run beside the import, in a
thread) gives the hash recorded in the import ledger.

A second, Python-only pass (:func:`iter_records`) walks the file record by record with the
physical line where each record starts. It runs only when an import found problems, to name
exact lines (quoted newlines and blank lines included) and to copy the original values of the
bad rows into the reject report.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from socialroi.errors import ImportProblem, ImportRejected

__all__ = ["FORMATS", "Source", "file_sha256", "iter_batches", "iter_records", "open_source"]

#: File suffixes each format is recognised by.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
}

#: Bytes pyarrow parses at a time (one batch); bounded memory, few round trips to DuckDB.
CSV_BLOCK_BYTES = 32 << 20
#: Rows per batch for NDJSON and Parquet.
BATCH_ROWS = 200_000
_SNIFF_BYTES = 1 << 20

#: The csv module's field limit while socialroi reads (reliability.md scenario 13: 3 MB lines).
_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)


@contextmanager
def _large_fields() -> Iterator[None]:
    old = csv.field_size_limit(_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(old)


@dataclass
class Source:
    """An opened canonical file: its format, encoding and normalised header."""

    path: Path
    format: str
    encoding: str  # a Python codec name
    columns: list[str]  # normalised header names (lower-cased, trimmed), by position
    raw_columns: list[str]  # the header as written (for the reject report)
    size: int
    invalid_rows: int = 0  # records pyarrow skipped: wrong number of values, not JSON
    has_rows: bool = True  # False for a CSV with a header only


def _problem(path: Path, code: str, expected: str, *, line: int | None = None) -> ImportRejected:
    return ImportRejected([ImportProblem(str(path), line, None, None, expected, code)])


def file_sha256(path: Path) -> str:
    """The sha256 of the file's bytes, hex (hashlib releases the GIL: runs beside the import)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(4 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _normalise(names: list[str]) -> list[str]:
    out = []
    for i, name in enumerate(names):
        clean = name.replace("\ufeff", "").strip().lower()
        out.append(clean or f"column_{i + 1}")
    return out


def _detect_encoding(head: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            name = codecs.lookup(encoding).name
            return "utf-8-sig" if name == "utf-8" else name
        except LookupError:
            from socialroi.errors import ConfigError

            raise ConfigError(
                f"unknown encoding {encoding!r}", hint="use e.g. utf-8, utf-16 or latin-1"
            ) from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig"


def open_source(path: Path, *, encoding: str | None = None) -> Source:
    """Open ``path``, detect its format and encoding, read and normalise its header.

    Raises ``ImportRejected`` (``unreadable-file``, ``empty-file``, ``duplicate-column``,
    ``bad-header``) when the file cannot be imported at all.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise _problem(path, "unreadable-file", "a .csv, .ndjson, .jsonl or .parquet file")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise _problem(path, "unreadable-file", f"a readable file ({exc.strerror})") from exc
    if fmt == "parquet":
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as exc:
            raise _problem(path, "unreadable-file", f"a Parquet file ({exc})") from exc
        raw = list(schema.names)
        src = Source(path, fmt, "utf-8", _normalise(raw), raw, size)
        if schema.names == [] or pq.ParquetFile(path).metadata.num_rows == 0:
            raise _problem(path, "empty-file", "at least one row")
    elif fmt == "ndjson":
        if not head.strip():
            raise _problem(path, "empty-file", "at least one JSON object")
        enc = _detect_encoding(head, encoding)
        src = Source(path, fmt, enc, [], [], size)
    else:
        enc = _detect_encoding(head, encoding)
        try:
            text = head.decode(enc, errors="strict") if len(head) < _SNIFF_BYTES else None
            if text is None:
                text = codecs.getincrementaldecoder(enc)().decode(head, final=False)
        except UnicodeDecodeError as exc:
            raise _problem(path, "unreadable-file", f"text in {enc} ({exc.reason})") from exc
        if not text.strip():
            raise _problem(path, "empty-file", "a header row")
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            with _large_fields():
                header = next(reader, [])
                while header == []:
                    header = next(reader, [])
                if reader.line_num != 1:
                    raise _problem(path, "bad-header", "the header on line 1, on one line", line=1)
                has_rows = len(head) >= _SNIFF_BYTES or any(row for row in reader)
        except csv.Error as exc:
            raise _problem(path, "unreadable-file", f"a CSV file ({exc})") from exc
        src = Source(path, fmt, enc, _normalise(header), header, size)
        src.has_rows = has_rows
    seen: set[str] = set()
    for name in src.columns:
        if name in seen:
            raise ImportRejected(
                [ImportProblem(str(path), 1, name, name, "each column once", "duplicate-column")]
            )
        seen.add(name)
    return src


def iter_batches(src: Source, on_bytes: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    """Yield the file's rows as record batches of strings named by the normalised header.

    Records with the wrong number of values (CSV) or that are not JSON objects (NDJSON) are
    skipped and counted in ``src.invalid_rows``; :func:`iter_records` names their lines.
    """
    if src.format == "csv":
        yield from _csv_batches(src, on_bytes)
    elif src.format == "ndjson":
        yield from _ndjson_batches(src, on_bytes)
    else:
        yield from _parquet_batches(src, on_bytes)


def _arrow_error(src: Source, exc: Exception) -> ImportRejected:
    return _problem(src.path, "unreadable-file", f"a well-formed {src.format} file ({exc})")


def _csv_batches(src: Source, on_bytes: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    names = [f"_c{i}" for i in range(len(src.columns))]

    def invalid(row: Any) -> str:
        src.invalid_rows += 1
        return "skip"

    read = pacsv.ReadOptions(
        column_names=names,
        skip_rows=1,
        block_size=CSV_BLOCK_BYTES,
        encoding="utf8" if src.encoding in ("utf-8", "utf-8-sig") else src.encoding,
    )
    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    if not src.has_rows:
        return
    try:
        with pa.OSFile(str(src.path)) as raw:
            stream = pacsv.open_csv(
                raw, read_options=read, parse_options=parse, convert_options=convert
            )
            for batch in stream:
                on_bytes(raw.tell())
                yield batch.rename_columns(src.columns)
    except pa.ArrowException as exc:
        raise _arrow_error(src, exc) from exc


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def _ndjson_batches(src: Source, on_bytes: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    decoder = codecs.getincrementaldecoder(src.encoding)()
    with src.path.open("rb") as reader:
        columns: dict[str, list[str | None]] = {}
        n = 0
        for line_bytes in reader:
            line = decoder.decode(line_bytes)
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            if not isinstance(obj, dict):
                src.invalid_rows += 1
                continue
            seen = set()
            for key, value in obj.items():
                name = key.strip().lower() or "column"
                if name in seen:
                    continue
                seen.add(name)
                if name not in columns:
                    columns[name] = [None] * n
                    if name not in src.columns:
                        src.columns.append(name)
                        src.raw_columns.append(key)
                columns[name].append(_json_text(value))
            n += 1
            for values in columns.values():
                if len(values) < n:
                    values.append(None)
            if n >= BATCH_ROWS:
                on_bytes(reader.tell())
                yield pa.RecordBatch.from_pydict(
                    {k: pa.array(v, pa.string()) for k, v in columns.items()}
                )
                columns, n = {}, 0
        if n:
            yield pa.RecordBatch.from_pydict(
                {k: pa.array(v, pa.string()) for k, v in columns.items()}
            )


def _as_strings(col: pa.Array) -> pa.Array:
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return col.cast(pa.string())
    if pa.types.is_timestamp(col.type) and col.type.tz is not None:
        col = col.cast(pa.timestamp("us", "UTC"))
    try:
        return col.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([_json_text(v) for v in col.to_pylist()], pa.string())


def _parquet_batches(src: Source, on_bytes: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    try:
        pf = pq.ParquetFile(src.path)
        total = max(pf.metadata.num_rows, 1)
        done = 0
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            done += batch.num_rows
            on_bytes(src.size * done // total)
            yield pa.RecordBatch.from_arrays(
                [_as_strings(c) for c in batch.columns], names=src.columns
            )
    except pa.ArrowException as exc:
        raise _arrow_error(src, exc) from exc


@dataclass(frozen=True, slots=True)
class Record:
    """One record of the file as the Python pass sees it."""

    line: int  # physical line where it starts (CSV/NDJSON); row number for Parquet
    values: list[str]  # the original values (NDJSON: the JSON text)
    row: int | None  # the 0-based index pyarrow gave it (``_row``); None if it was skipped
    expected_width: str | None  # why it was skipped ("5 values"), else None


def iter_records(src: Source) -> Iterator[Record]:
    """Walk the file record by record with exact line numbers (slow; only for problems)."""
    if src.format == "csv":
        yield from _csv_records(src)
    elif src.format == "ndjson":
        yield from _ndjson_records(src)
    else:
        row = 0
        for batch in pq.ParquetFile(src.path).iter_batches(batch_size=BATCH_ROWS):
            cols = [_as_strings(c).to_pylist() for c in batch.columns]
            for i in range(batch.num_rows):
                yield Record(row + 1, [c[i] or "" for c in cols], row, None)
                row += 1


def _csv_records(src: Source) -> Iterator[Record]:
    width = len(src.columns)
    with (
        _large_fields(),
        src.path.open("r", encoding=src.encoding, newline="", errors="replace") as fh,
    ):
        reader = csv.reader(fh)
        try:
            next(reader, None)
            end = reader.line_num
            row = 0
            for values in reader:
                start, end = end + 1, reader.line_num
                if values == []:
                    continue
                if len(values) != width:
                    yield Record(start, values, None, f"{width} values, one per header column")
                    continue
                yield Record(start, values, row, None)
                row += 1
        except csv.Error:
            return  # pyarrow read past it; the problems after this point keep line None


def _ndjson_records(src: Source) -> Iterator[Record]:
    with src.path.open("r", encoding=src.encoding, newline=None, errors="replace") as fh:
        row = 0
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            text = line.rstrip("\r\n")
            if not isinstance(obj, dict):
                yield Record(number, [text], None, "a JSON object")
                continue
            yield Record(number, [text], row, None)
            row += 1
