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
import gzip
import hashlib
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from socialroi.errors import ImportProblem, ImportRejected
from socialroi.ingest.presets import Preset, TablePreset, detect, get_preset

__all__ = [
    "FORMATS",
    "Source",
    "bytes_per_record",
    "file_sha256",
    "iter_batches",
    "iter_json_lines",
    "iter_records",
    "open_source",
    "starts_with_bom",
]

#: File suffixes each format is recognised by.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "ndjson",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
    ".xls": "xlsx",  # legacy Excel (LinkedIn's exports): read with xlrd, same path as XLSX
}

#: A legacy .xls is read whole (BIFF cannot be streamed); its format caps a sheet at 65,536
#: rows, so larger files are not an export of that kind.
MAX_XLS_BYTES = 64 * 2**20

#: Rows searched for the header of a preset (exports put report titles and dates above it).
HEADER_SCAN_ROWS = 30
#: Bytes of NDJSON DuckDB parses per batch (GA4 preset) and rows per batch of Parquet/JSON
#: documents turned into JSON lines.
JSON_BLOCK_BYTES = 32 << 20
JSON_BATCH_ROWS = 50_000
#: The longest first line read to recognise a JSON export (its keys name the preset).
FIRST_LINE_MAX_BYTES = 64 << 20
#: A ``.json`` file that is one document (an array of events, one pretty-printed event) is
#: parsed whole; above this size it must be NDJSON (BigQuery's own JSON export is NDJSON).
JSON_DOCUMENT_MAX_BYTES = 256 << 20
_DELIMITERS = (",", ";", "\t", "|")

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
    header_row: int = 0  # CSV/XLSX rows (blank ones included) above the header
    delimiter: str = ","
    gzip: bool = False
    json_document: bool = False  # a .json file parsed whole (an array or one object)
    preset: Preset | None = None
    detected: bool = False  # the preset was recognised from the header, not named
    records: int = 0  # records read (a preset may leave some out of its batches)
    invalid_in_records: bool = False  # ``records`` counts the invalid records too
    dropped: int = 0  # footer lines of a preset (``Grand Totals (5 records)``) pyarrow skipped
    sheet: str | None = None  # XLSX: the sheet read

    def is_footer(self, first_cell: str) -> bool:
        """A preset's total/footer line (read, counted as skipped, never an error)."""
        p = self.preset
        if not isinstance(p, TablePreset) or not p.drop:
            return False
        return first_cell.strip().lower().startswith(tuple(d.lower() for d in p.drop))


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


def _suffix(path: Path) -> tuple[str, bool]:
    """(format suffix, gzip) of ``path``: ``events.ndjson.gz`` is NDJSON through gzip."""
    suffixes = [x.lower() for x in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        return (suffixes[-2] if len(suffixes) > 1 else ""), True
    return path.suffix.lower(), False


def _open_binary(src: Source) -> IO[bytes]:
    if src.gzip:
        return cast(IO[bytes], gzip.open(src.path, "rb"))
    return src.path.open("rb")


def _dedupe_names(names: list[str]) -> list[str]:
    """Exports repeat headers (Meta ``Views``, HubSpot ``Associated Company``): the second
    is ``views 2``, so no column is silently dropped."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} {seen[n]}")
    return out


def _sniff_delimiter(text: str) -> str:
    """The delimiter whose most common row width over the first rows is the largest (ties:
    the comma). The most common width, not the widest row: a ``;`` inside one text cell
    must not turn a comma file into a semicolon one, nor a report title row decide."""
    best, width = ",", 0
    with _large_fields():
        for d in _DELIMITERS:
            try:
                reader = csv.reader(io.StringIO(text, newline=""), delimiter=d)
                widths = [
                    len(r) for _, r in zip(range(HEADER_SCAN_ROWS), reader, strict=False) if r
                ]
            except csv.Error:
                continue
            if not widths:
                continue
            w = max(set(widths), key=lambda x: (widths.count(x), x))
            if w > width:
                best, width = d, w
    return best


def _choose(
    path: Path, rows: list[list[str]], entity: str | None, preset: str | None
) -> tuple[int, Preset | None, bool]:
    """(header row, preset, detected) for the first rows of a table file."""
    required: tuple[str, ...] = ()
    if entity is not None:
        from socialroi.schema import ENTITIES

        ent = ENTITIES.get(entity)
        required = ent.required if ent is not None else ()
    if preset is not None and entity is not None:
        chosen = get_preset(preset, entity)
        for i, row in enumerate(rows):
            if chosen.matches(_normalise(row)):
                return i, chosen, False
        raise ImportRejected(
            [
                ImportProblem(
                    str(path),
                    None,
                    None,
                    None,
                    f"a header with the columns {', '.join(chosen.detect)} ({chosen.label})",
                    "missing-column",
                )
            ],  # fmt: skip
            hint=f"check that the file is a {chosen.label}, or import it without --preset",
        )
    first = next((i for i, r in enumerate(rows) if r), 0)
    if entity is None or not rows or all(c in _normalise(rows[first]) for c in required):
        return 0, None, False
    for i, row in enumerate(rows):
        found = detect(entity, _normalise(row)) if row else None
        if found is not None:
            return i, found, True
    return 0, None, False


def open_source(
    path: Path,
    *,
    encoding: str | None = None,
    entity: str | None = None,
    preset: str | None = None,
) -> Source:
    """Open ``path``, detect its format, encoding, delimiter and header, and the preset.

    With ``preset`` the header is searched for in the first rows; without one, a file whose
    header lacks the canonical required columns of ``entity`` is matched against the presets
    of ``entity`` (:func:`socialroi.ingest.presets.detect`). Raises ``ImportRejected``
    (``unreadable-file``, ``empty-file``, ``duplicate-column``, ``bad-header``,
    ``missing-column``) when the file cannot be imported at all.
    """
    suffix, gz = _suffix(path)
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise _problem(
            path,
            "unreadable-file",
            "a .csv, .ndjson, .jsonl, .json, .parquet, .xlsx or .xls file (optionally .gz)",
        )
    try:
        size = path.stat().st_size
        with gzip.open(path, "rb") if gz else path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise _problem(path, "unreadable-file", f"a readable file ({why})") from exc
    if fmt == "parquet":
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as exc:
            raise _problem(path, "unreadable-file", f"a Parquet file ({exc})") from exc
        raw = list(schema.names)
        src = Source(path, fmt, "utf-8", _normalise(raw), raw, size)
        if schema.names == [] or pq.ParquetFile(path).metadata.num_rows == 0:
            raise _problem(path, "empty-file", "at least one row")
        _, src.preset, src.detected = _choose(path, [raw], entity, preset)
    elif fmt == "xlsx":
        src = _open_xlsx(path, size, entity, preset)
    elif fmt == "ndjson":
        if not head.strip():
            raise _problem(path, "empty-file", "at least one JSON object")
        enc = _detect_encoding(head, encoding)
        src = Source(path, fmt, enc, [], [], size, gzip=gz)
        first = _first_object(src, head)
        keys = [str(k) for k in first] if first else []
        _, src.preset, src.detected = _choose(path, [keys], entity, preset)
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
        delimiter = _sniff_delimiter(text)
        try:
            with _large_fields():
                reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                rows = [r for _, r in zip(range(HEADER_SCAN_ROWS), reader, strict=False)]
                header_row, chosen, detected = _choose(path, rows, entity, preset)
                if chosen is None:
                    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                    header = next(reader, [])
                    while header == []:
                        header = next(reader, [])
                    if reader.line_num != 1:
                        raise _problem(
                            path, "bad-header", "the header on line 1, on one line", line=1
                        )
                else:
                    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                    for _ in range(header_row):
                        next(reader)
                    header = next(reader)
                has_rows = len(head) >= _SNIFF_BYTES or any(row for row in reader)
        except csv.Error as exc:
            raise _problem(path, "unreadable-file", f"a CSV file ({exc})") from exc
        src = Source(path, fmt, enc, _normalise(header), header, size, gzip=gz)
        src.has_rows, src.delimiter, src.header_row = has_rows, delimiter, header_row
        src.preset, src.detected = chosen, detected
    if src.preset is not None:
        src.columns = _dedupe_names(src.columns)
        return src
    seen: set[str] = set()
    for name in src.columns:
        if name in seen:
            raise ImportRejected(
                [ImportProblem(str(path), 1, name, name, "each column once", "duplicate-column")]
            )
        seen.add(name)
    return src


def _first_object(src: Source, head: bytes) -> dict[str, Any] | None:
    """The first record of a JSON file (its whole first line, however long); marks a
    ``.json`` document (an array, or one object over several lines)."""
    with _open_binary(src) as fh:
        first = b""
        while not first.strip():
            first = fh.readline(FIRST_LINE_MAX_BYTES)
            if not first:
                break
    text = first.decode(src.encoding, errors="replace").lstrip("\ufeff \t\r\n")
    try:
        obj = json.loads(text)
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        return obj
    start = codecs.getincrementaldecoder(src.encoding)().decode(head, final=False)
    stripped = start.lstrip("\ufeff \t\r\n")
    if src.path.suffix.lower() == ".json" or (src.gzip and ".json" in src.path.suffixes):
        if stripped.startswith(("[", "{")):
            src.json_document = True
            return next(iter(_document_objects(src)), None)
    return None


def _document_objects(src: Source) -> Iterator[dict[str, Any] | None]:
    if src.size > JSON_DOCUMENT_MAX_BYTES:
        raise _problem(
            src.path,
            "unreadable-file",
            "NDJSON (one event per line) for a JSON file over "
            f"{JSON_DOCUMENT_MAX_BYTES >> 20} MB: export with BigQuery's JSON (newline "
            "delimited) format",
        )
    with _open_binary(src) as fh:
        try:
            doc = json.loads(fh.read().decode(src.encoding))
        except ValueError as exc:
            raise _problem(src.path, "unreadable-file", f"a JSON document ({exc})") from exc
    for item in doc if isinstance(doc, list) else [doc]:
        yield item if isinstance(item, dict) else None


def _open_xlsx(path: Path, size: int, entity: str | None, preset: str | None) -> Source:
    """Find the sheet and row of the header: the named preset's sheet, else the first sheet
    where a preset of ``entity`` is detected, else the first sheet as a canonical file."""
    names = _sheet_names(path)
    named = get_preset(preset, entity) if preset and entity else None
    wanted = named.sheet if isinstance(named, TablePreset) else None
    order = sorted(names, key=lambda n: n != wanted)
    fallback: Source | None = None
    for name in order:
        rows = [r for _, r in _xlsx_rows(path, name, HEADER_SCAN_ROWS)]
        if not rows:
            continue
        header_row, chosen, detected = _choose(
            path, [[c or "" for c in r] for r in rows], entity, preset
        )
        header = [c or "" for c in rows[header_row]]
        src = Source(path, "xlsx", "utf-8", _normalise(header), header, size)
        src.header_row, src.preset, src.detected, src.sheet = header_row, chosen, detected, name
        if chosen is not None or preset is None and entity is None:
            return src
        fallback = fallback or src
    if fallback is None:
        raise _problem(path, "empty-file", "a sheet with a header row")
    return fallback


def _sheet_names(path: Path) -> list[str]:
    if _is_xls(path):
        xls = _xls_book(path)
        try:
            return list(xls.sheet_names())
        finally:
            xls.release_resources()
    book = _workbook(path)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _workbook(path: Path) -> Any:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise _problem(path, "unreadable-file", "openpyxl installed to read XLSX") from exc
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/… for a broken file
        raise _problem(path, "unreadable-file", f"an XLSX workbook ({exc})") from exc


def _is_xls(path: Path) -> bool:
    return path.suffix.lower() == ".xls"


def _xls_book(path: Path) -> Any:
    import xlrd

    if path.stat().st_size > MAX_XLS_BYTES:
        raise _problem(
            path,
            "unreadable-file",
            f"a legacy .xls export under {MAX_XLS_BYTES // 2**20} MiB (save larger ones as .xlsx "
            "or CSV)",
        )
    try:
        return xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, struct/compdoc errors for a broken file
        raise _problem(path, "unreadable-file", f"a legacy Excel .xls workbook ({exc})") from exc


def _xls_rows(
    path: Path, sheet: str | None, limit: int | None = None
) -> Iterator[tuple[int, list[str | None]]]:
    import xlrd

    book = _xls_book(path)
    try:
        names = book.sheet_names()
        ws = book.sheet_by_name(sheet) if sheet in names else book.sheet_by_index(0)
        for n in range(ws.nrows):
            if limit is not None and n >= limit:
                return
            cells: list[str | None] = []
            for c in ws.row(n):
                if c.ctype == xlrd.XL_CELL_EMPTY:
                    cells.append(None)
                elif c.ctype == xlrd.XL_CELL_DATE:
                    cells.append(_cell(xlrd.xldate_as_datetime(c.value, book.datemode)))
                elif c.ctype == xlrd.XL_CELL_BOOLEAN:
                    cells.append("true" if c.value else "false")
                elif c.ctype == xlrd.XL_CELL_ERROR:
                    cells.append(None)
                else:
                    cells.append(_cell(c.value))
            yield n + 1, cells
    finally:
        book.release_resources()


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(
    path: Path, sheet: str | None, limit: int | None = None
) -> Iterator[tuple[int, list[str | None]]]:
    """(sheet row number, cells as text) of every row of the sheet (read-only, streaming;
    a legacy .xls is read whole, bounded by :data:`MAX_XLS_BYTES`)."""
    if _is_xls(path):
        yield from _xls_rows(path, sheet, limit)
        return
    book = _workbook(path)
    try:
        ws = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if limit is not None and n > limit:
                return
            yield n, [_cell(v) for v in row]
    finally:
        book.close()


def iter_batches(src: Source, on_bytes: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    """Yield the file's rows as record batches of strings named by the normalised header.

    Records with the wrong number of values (CSV) or that are not JSON objects (NDJSON) are
    skipped and counted in ``src.invalid_rows``; :func:`iter_records` names their lines.
    """
    preset = src.preset
    if src.format == "csv":
        batches = _csv_batches(src, on_bytes)
    elif src.format == "ndjson":
        batches = _ndjson_batches(src, on_bytes)
    elif src.format == "xlsx":
        batches = _xlsx_batches(src, on_bytes)
    else:
        batches = _parquet_batches(src, on_bytes)
    for batch in batches:
        if isinstance(preset, TablePreset):
            mapped = preset.apply(batch, src.records, src.path.name)
            src.records += batch.num_rows
            yield mapped
        else:
            yield batch


def iter_json_lines(src: Source, on_bytes: Callable[[int], None]) -> Iterator[pa.Table]:
    """The records of a JSON-preset file as tables ``(_row, line)`` of raw JSON text, for
    DuckDB to parse (:class:`socialroi.ingest.presets.JsonPreset`).

    NDJSON is read in blocks of :data:`JSON_BLOCK_BYTES` and split into lines (blank lines
    skipped); Parquet rows and ``.json`` documents are written out as JSON lines first. ``_row``
    counts every record, valid or not (``src.invalid_in_records``): a line that is no JSON
    object keeps its index and is reported by the import.
    """
    src.invalid_in_records = True
    row = 0

    def table(lines: list[str]) -> pa.Table:
        nonlocal row
        t = pa.table({"_row": pa.array(range(row, row + len(lines)), pa.int64()), "line": lines})
        row += len(lines)
        src.records = row
        return t

    if src.format == "parquet" or src.json_document:
        pending: list[str] = []
        for obj in _documents(src, on_bytes):
            pending.append(json.dumps(obj, ensure_ascii=False, default=str))
            if len(pending) >= JSON_BATCH_ROWS:
                yield table(pending)
                pending = []
        if pending:
            yield table(pending)
        return
    decoder = codecs.getincrementaldecoder(src.encoding)()
    rest = ""
    with _open_binary(src) as fh:
        while True:
            chunk = fh.read(JSON_BLOCK_BYTES)
            text = rest + decoder.decode(chunk, final=not chunk)
            parts = text.split("\n")
            rest = parts.pop() if chunk else ""
            if not chunk and rest.strip():
                parts.append(rest)
            lines = [ln for ln in parts if ln.strip()]
            if lines:
                yield table(lines)
            on_bytes(_gzip_pos(fh) if src.gzip else fh.tell())
            if not chunk:
                return


def starts_with_bom(src: Source) -> bool:
    """The (decompressed) file starts with a UTF-8 byte order mark."""
    with _open_binary(src) as fh:
        return fh.read(3) == codecs.BOM_UTF8


def bytes_per_record(src: Source) -> float:
    """Bytes of the file (compressed, for .gz) per record, from its first MiB: the progress
    of a reader that counts records, not bytes."""
    with _open_binary(src) as fh:
        head = fh.read(_SNIFF_BYTES)
        read = _gzip_pos(fh) if src.gzip else len(head)
    end = head.rfind(b"\n") + 1
    records = sum(1 for ln in head[:end].split(b"\n") if ln.strip())
    if not records:
        return float(max(src.size, 1))
    return (read * end / max(len(head), 1)) / records


def _documents(src: Source, on_bytes: Callable[[int], None]) -> Iterator[Any]:
    if src.json_document:
        yield from _document_objects(src)
        return
    pf = pq.ParquetFile(src.path)
    total = max(pf.metadata.num_rows, 1)
    done = 0
    for batch in pf.iter_batches(batch_size=JSON_BATCH_ROWS):
        yield from batch.to_pylist()
        done += batch.num_rows
        on_bytes(src.size * done // total)


def _gzip_pos(fh: IO[bytes]) -> int:
    """Compressed bytes read so far (progress of a .gz file against its size)."""
    inner = getattr(fh, "fileobj", None)
    return int(inner.tell()) if inner is not None else 0


def _xlsx_batches(src: Source, on_bytes: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    width = len(src.columns)
    cols: list[list[str | None]] = [[] for _ in range(width)]
    for n, (_, row) in enumerate(_xlsx_rows(src.path, src.sheet)):
        if n <= src.header_row:
            continue
        cells = (row + [None] * width)[:width]
        for i, v in enumerate(cells):
            cols[i].append(v)
        if len(cols[0]) >= BATCH_ROWS:
            yield pa.RecordBatch.from_arrays(
                [pa.array(c, pa.string()) for c in cols], names=src.columns
            )
            cols = [[] for _ in range(width)]
    if cols and cols[0]:
        yield pa.RecordBatch.from_arrays(
            [pa.array(c, pa.string()) for c in cols], names=src.columns
        )
    on_bytes(src.size)


def _arrow_error(src: Source, exc: Exception) -> ImportRejected:
    return _problem(src.path, "unreadable-file", f"a well-formed {src.format} file ({exc})")


def _csv_batches(src: Source, on_bytes: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    names = [f"_c{i}" for i in range(len(src.columns))]

    def invalid(row: Any) -> str:
        cells = next(csv.reader([row.text or ""], delimiter=src.delimiter), [""])
        if src.is_footer(cells[0] if cells else ""):
            src.dropped += 1
        else:
            src.invalid_rows += 1
        return "skip"

    read = pacsv.ReadOptions(
        column_names=names,
        skip_rows=src.header_row + 1,
        block_size=CSV_BLOCK_BYTES,
        encoding="utf8" if src.encoding in ("utf-8", "utf-8-sig") else src.encoding,
    )
    parse = pacsv.ParseOptions(
        delimiter=src.delimiter, newlines_in_values=True, invalid_row_handler=invalid
    )
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
            source: Any = gzip.open(str(src.path), "rb") if src.gzip else raw
            stream = pacsv.open_csv(
                source, read_options=read, parse_options=parse, convert_options=convert
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
    with _open_binary(src) as reader:
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
    elif src.format == "ndjson" and src.json_document:
        for i, obj in enumerate(_document_objects(src)):
            text = json.dumps(obj, ensure_ascii=False)[:1000]
            yield Record(i + 1, [text], i if obj is not None else None,
                         None if obj is not None else "a JSON object")  # fmt: skip
    elif src.format == "ndjson":
        yield from _ndjson_records(src)
    elif src.format == "xlsx":
        row = 0
        for n, (line, cells) in enumerate(_xlsx_rows(src.path, src.sheet)):
            if n > src.header_row:
                yield Record(line, [c or "" for c in cells], row, None)
                row += 1
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
        io.TextIOWrapper(
            _open_binary(src), encoding=src.encoding, newline="", errors="replace"
        ) as fh,
    ):
        reader = csv.reader(fh, delimiter=src.delimiter)
        try:
            for _ in range(src.header_row + 1):
                next(reader, None)
            end = reader.line_num
            row = 0
            for values in reader:
                start, end = end + 1, reader.line_num
                if values == []:
                    continue
                if len(values) != width:
                    if src.is_footer(values[0]):
                        continue
                    yield Record(start, values, None, f"{width} values, one per header column")
                    continue
                yield Record(start, values, row, None)
                row += 1
        except csv.Error:
            return  # pyarrow read past it; the problems after this point keep line None


def _ndjson_records(src: Source) -> Iterator[Record]:
    with io.TextIOWrapper(
        _open_binary(src), encoding=src.encoding, newline=None, errors="replace"
    ) as fh:
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
                row += src.invalid_in_records  # the SQL path numbers invalid lines too
                continue
            yield Record(number, [text], row, None)
            row += 1
