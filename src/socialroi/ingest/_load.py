"""The canonical import: validate and type in DuckDB, then merge atomically on the natural key.

One import runs in four steps:

1. **Stage** (batch by batch): each Arrow batch of strings is registered with DuckDB together
   with ``_row``, its 0-based row index. One statement types every cell and appends the typed
   rows to the temp table ``_ingest_stage``, flagging bad rows in ``_bad``; only when a batch
   has bad rows does a second statement list its bad cells in ``_ingest_problems``. Nothing
   here touches the stored tables. A GA4 NDJSON export is one batch: DuckDB's ``read_json``
   streams the whole file, mapped, into that statement (``_Job._stage_json_file``).
2. **Check**: bad cells, records of the wrong width, then missing exchange rates. By default any
   problem rejects the import (``ImportRejected``); the rows' physical lines are found by a
   second, Python-only pass over the file, only then.
3. **Merge** in one transaction: duplicates within the file are resolved (last wins; first wins
   for ``dedupe_only`` entities), rows whose key is stored are updated if they changed and
   skipped if not (``dedupe_only`` and key-less entities: always skipped), new rows inserted.
4. **Ledger**: the file's sha256 and counts go to ``import_ledger`` in the same transaction;
   importing ``fx_rates`` recomputes every ``<amount>_base`` of the workspace.

Counts add up: ``rows_read = inserted + updated + skipped + rejected``.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from socialroi.engine import DuckDBEngine, Workspace
from socialroi.errors import (
    ConfigError,
    EngineError,
    ImportProblem,
    ImportRejected,
    SocialRoiError,
)
from socialroi.ingest._readers import (
    FORMATS,
    Source,
    bytes_per_record,
    file_sha256,
    iter_batches,
    iter_json_lines,
    iter_records,
    open_source,
    starts_with_bom,
)
from socialroi.ingest._sql import Params, TypedColumn, code_expected, ident, lit, typed_columns
from socialroi.ingest.presets import JsonPreset, TablePreset
from socialroi.ingest.presets._model import Col, header_of
from socialroi.schema import ENTITIES, IMPORT_ORDER, ColumnType, Entity
from socialroi.schema import entity as get_entity

__all__ = [
    "MAX_PROBLEMS",
    "MONEY_DATE",
    "ImportResult",
    "import_dir",
    "import_file",
    "recompute_money",
]

#: Problems listed in an ``ImportRejected`` before the import gives up listing.
MAX_PROBLEMS = 100

#: The date each entity's money is converted at (the first non-null column; timestamps are taken
#: as the calendar date in the workspace's time zone). ``order_items`` has no date of its own: it
#: uses the first ``web_events`` row with the same ``transaction_id``, else the import date.
MONEY_DATE: dict[str, tuple[str, ...]] = {
    "web_events": ("occurred_at",),
    "deals": ("closed_at", "created_at"),
    "costs": ("date",),
    "staff_hours": ("date",),
    "order_items": (),
}

#: DuckDB's memory limit while a file imports into a database file: the staging tables spill
#: to ``<db>.tmp`` beyond it, so a 5 GB export imports in bounded memory (an in-memory
#: database keeps DuckDB's default: it has nowhere to spill).
IMPORT_MEMORY_LIMIT = "1GB"
#: The memory of the separate database that reads an NDJSON export with ``read_json``
#: (parse buffers and the batches in flight; the rows go to the stage as they are read).
READER_MEMORY_LIMIT = "512MB"
#: Rows per Arrow batch that reader hands over.
JSON_STREAM_ROWS = 65_536

log = logging.getLogger("socialroi.ingest")

_TZ = re.compile(r"^[A-Za-z0-9_+\-/]+$")
Progress = Callable[[int, int], None]
_Cell = tuple[str, str | None, str, str | None]  # column, value, code, expected (or NULL)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one file's import did.

    ``rows_read = inserted + updated + skipped + rejected``. ``skipped`` counts rows that left
    the table as it was: an identical stored row, a known key of a ``dedupe_only`` entity, or a
    duplicate within the file that a later (earlier, for ``dedupe_only``) row superseded.
    """

    entity: str
    file: Path
    rows_read: int
    inserted: int
    updated: int
    skipped: int
    rejected: int
    reject_report: Path | None
    seconds: float
    preset: str | None = None  # the preset the file was read with (None: canonical)
    detected: bool = False  # the preset was recognised from the header
    #: when the same bytes (sha256) were imported into this workspace and entity before
    seen_before: dt.datetime | None = None

    @property
    def rows_per_s(self) -> float:
        """Rows read per second of wall time."""
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


def import_file(
    engine: DuckDBEngine,
    workspace_id: str,
    entity: str,
    path: Path,
    *,
    skip_bad_rows: bool = False,
    encoding: str | None = None,
    reject_report: Path | None = None,
    progress: Progress | None = None,
    preset: str | None = None,
    on_source: Callable[[Source], None] | None = None,
) -> ImportResult:
    """Import one canonical file, or an export read through a preset, into ``entity``.

    Parameters
    ----------
    engine
        The DuckDB engine (the only writer).
    workspace_id
        An existing workspace; raises ``WorkspaceNotFound`` otherwise.
    entity
        A canonical entity (``web_events``, ``costs``, …); raises ``ConfigError`` otherwise.
    path
        A ``.csv``, ``.ndjson``/``.jsonl`` or ``.parquet`` file with the entity's columns.
    skip_bad_rows
        Import the good rows and write the bad ones to a reject report, instead of rejecting
        the whole file.
    encoding
        The file's text encoding (default: UTF-8, with or without BOM; UTF-16 by its BOM;
        Latin-1 when the start of the file is not valid UTF-8).
    reject_report
        Where the reject report goes (default ``<stem>.rejects.csv`` beside the file).
    progress
        Called as ``progress(bytes_done, bytes_total)`` while the file is read.
    preset
        Read the file as this export layout (``socialroi.ingest.presets.PRESETS``). Without
        one, a header lacking the entity's required columns is matched against the presets
        of the entity; ``on_source`` is called with the opened source (its ``preset`` and
        ``detected``) before anything is read, so the caller can say what was detected.

    Returns
    -------
    ImportResult
        Counts per outcome; ``rows_read = inserted + updated + skipped + rejected``.

    Raises
    ------
    ImportRejected
        Any problem without ``skip_bad_rows``, or a problem with the file as a whole (missing
        column, empty, unreadable) in any mode. The database is left exactly as it was.
    """
    started = time.perf_counter()
    ent = get_entity(entity)
    ws = engine.workspace(workspace_id)
    path = Path(path)
    src = open_source(path, encoding=encoding, entity=ent.name, preset=preset)
    if on_source is not None:
        on_source(src)
    _check_columns(ent, src)
    job = _Job(engine, ws, ent, src, skip_bad_rows)
    with ThreadPoolExecutor(1, thread_name_prefix="socialroi-sha256") as pool:
        sha256 = pool.submit(file_sha256, path)
        with job.session():
            job.stage_all(progress)
            result = job.finish(reject_report, started, sha256)
    from socialroi.aggregates import refresh  # the analysis layer, imported only when needed

    # the stored sessions and daily aggregates follow the import, in the import's memory (at
    # 10M events the sessions need 5 GB unbounded); the events are stored already, so a refresh
    # that fails leaves the derived tables stale, recomputed on read (as the tracking writer)
    try:
        with _bounded_memory(engine):
            refresh(engine, workspace_id)
    except SocialRoiError as exc:
        log.error("derived tables of %s not refreshed (they are recomputed): %s", workspace_id, exc)
    return result


def import_dir(
    engine: DuckDBEngine,
    workspace_id: str,
    directory: Path,
    *,
    skip_bad_rows: bool = False,
    encoding: str | None = None,
    progress_factory: Callable[[str, Path], Progress | None] | None = None,
    on_unknown: Callable[[Path], None] | None = None,
) -> list[ImportResult]:
    """Import every ``<entity>.csv`` (``.ndjson``, ``.jsonl``, ``.parquet``) in ``directory``.

    Files load in :data:`socialroi.schema.IMPORT_ORDER` (exchange rates first, parents before
    children), each in its own transaction; a rejected file stops the run and the files before
    it stay imported. Files that name no entity are passed to ``on_unknown`` and left alone.
    ``progress_factory(entity, path)`` returns the progress callback of one file.
    """
    engine.workspace(workspace_id)
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a directory", hint="pass a directory of files")
    planned: list[tuple[int, str, Path]] = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        stem = path.stem.lower()
        if path.suffix.lower() in FORMATS and path.suffix.lower() != ".txt" and stem in ENTITIES:
            planned.append((IMPORT_ORDER.index(stem), stem, path))
        elif on_unknown is not None:
            on_unknown(path)
    results = []
    for _, name, path in sorted(planned):
        progress = progress_factory(name, path) if progress_factory else None
        results.append(
            import_file(
                engine,
                workspace_id,
                name,
                path,
                skip_bad_rows=skip_bad_rows,
                encoding=encoding,
                progress=progress,
            )
        )
    return results


def _check_columns(ent: Entity, src: Source) -> None:
    line = src.header_row + 1 if src.format in ("csv", "xlsx") else None
    preset = src.preset
    if isinstance(preset, TablePreset):
        missing_src = []
        for c in ent.required:
            f = preset.fields.get(c)
            if isinstance(f, Col) and header_of(src.columns, f.sources) is None:
                missing_src.append(c)
        if missing_src:
            raise ImportRejected(
                [
                    ImportProblem(
                        str(src.path),
                        line,
                        c,
                        None,
                        f"a column for {c}: one of "
                        + ", ".join(repr(s) for s in cast(Col, preset.fields[c]).sources),
                        "missing-column",
                    )
                    for c in missing_src
                ],
                hint=f"export the {preset.label} with these columns, or map the file to the "
                f"canonical {ent.name} columns and import it without --preset",
            )
        return
    if src.format == "ndjson" or preset is not None:
        return  # keys vary per record: a missing required key is a missing-value of that row
    missing = [c for c in ent.required if c not in src.columns]
    if missing:
        raise ImportRejected(
            [
                ImportProblem(str(src.path), line, c, None, f"a column named {c}", "missing-column")
                for c in missing
            ],
            hint=f"{ent.name} needs the columns: " + ", ".join(ent.required),
        )


_T = TypeVar("_T")


def _read_ahead(items: Iterator[_T]) -> Iterator[_T]:
    """``items``, produced one ahead by a thread; its exceptions are raised here, and closing
    this generator (the consumer failed) stops and closes ``items``."""
    slot: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                slot.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("done", None)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            put("error", exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="socialroi-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = slot.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


class _Job:
    """The state of one import; temp tables live in DuckDB, never in Python."""

    def __init__(
        self, engine: DuckDBEngine, ws: Workspace, ent: Entity, src: Source, skip: bool
    ) -> None:
        self.engine = engine
        self.ws = ws
        self.ent = ent
        self.src = src
        self.skip = skip
        self.rows = 0
        self.rows_staged = 0
        self.problem_cells = 0
        self.loading = True

    # -- setup ---------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[None]:
        tz = self.ws.timezone
        if not _TZ.match(tz):
            raise ConfigError(f"workspace time zone {tz!r} is not an IANA name")
        run = self.engine.run
        stage_cols = ", ".join(f"{ident(c.name)} {c.type.sql_type}" for c in self.ent.columns)
        money_cols = "".join(
            f", _base{i} DOUBLE, _fx_date{i} DATE" for i in range(len(self.ent.money))
        )
        run(
            "CREATE OR REPLACE TEMP TABLE _ingest_stage "  # noqa: S608
            f"(_row BIGINT, {stage_cols}, extra VARCHAR, _bad BOOLEAN{money_cols})"
        )
        run(
            "CREATE OR REPLACE TEMP TABLE _ingest_problems (_row BIGINT, col_pos INTEGER, "
            '"column" VARCHAR, value VARCHAR, code VARCHAR, expected VARCHAR)'
        )
        order = run("SELECT current_setting('preserve_insertion_order')")[0][0]
        run(f"SET TimeZone = '{tz}'")
        # rows carry _row; stored tables have no order: let DuckDB append in parallel
        run("SET preserve_insertion_order = false")
        try:
            with _bounded_memory(self.engine):
                yield
        finally:
            run("SET TimeZone = 'UTC'")
            run(f"SET preserve_insertion_order = {'true' if order else 'false'}")
            run("DROP VIEW IF EXISTS _ingest_final")
            run("DROP TABLE IF EXISTS _ingest_stage")
            run("DROP TABLE IF EXISTS _ingest_problems")

    # -- 1. stage ------------------------------------------------------------------------

    def stage_all(self, progress: Progress | None) -> None:
        total = self.src.size

        def on_bytes(done: int) -> None:
            if progress is not None:
                progress(min(done, total), total)

        preset = self.src.preset
        if isinstance(preset, JsonPreset):
            if not self._stage_json_file(preset, on_bytes):
                # the block reader: the next block is read and split in a thread while
                # DuckDB maps this one (it releases the GIL): one block ahead at most, so
                # memory stays bounded
                done = [0]
                blocks = iter_json_lines(self.src, lambda n: done.__setitem__(0, n))
                for lines in _read_ahead(blocks):
                    self._stage_json(preset, lines)
                    on_bytes(done[0])
        else:
            for batch in iter_batches(self.src, on_bytes):
                if batch.num_rows:
                    self._stage(batch)
        if progress is not None:
            progress(total, total)

    def _stage(self, batch: pa.RecordBatch) -> None:
        known = set(self.ent.column_names)
        arrays, names, extra_keys = [], [], []
        rows_col = None
        for name, array in zip(batch.schema.names, batch.columns, strict=True):
            if name == "_row":  # a preset's batch: each row's index in the file
                rows_col = array
                continue
            if name in known:
                names.append(name)
            else:
                extra_keys.append(name)
                names.append(f"_x{len(extra_keys) - 1}")
            arrays.append(array)
        n = batch.num_rows
        if rows_col is not None:
            arrays.append(rows_col)
            self.rows = max(self.rows, int(pc.max(rows_col).as_py()) + 1)
        else:
            arrays.append(pa.array(np.arange(self.rows, self.rows + n, dtype=np.int64)))
            self.rows += n
        names.append("_row")
        self.engine.register("_ingest_batch", pa.Table.from_arrays(arrays, names=names))
        try:
            self._type_batch(set(names) & known, extra_keys)
        finally:
            self.engine.unregister("_ingest_batch")

    def _stage_json_file(self, preset: JsonPreset, on_bytes: Callable[[int], None]) -> bool:
        """The fast path of an NDJSON export (plain or gzip, UTF-8): DuckDB reads the whole
        file itself (``read_json`` straight into the preset's fields, parsed in parallel,
        streamed in a separate reader database allowed this one file) and the mapped rows are
        typed into the stage in one statement.

        Returns False, with nothing staged, when the file is not of that kind or DuckDB
        cannot read it (a malformed line, a value of the wrong JSON type, a line over its
        size limit): the block path then reads it and names every bad line, or skips them.
        """
        src = self.src
        if (
            src.format != "ndjson"
            or src.json_document
            or src.encoding not in ("utf-8", "utf-8-sig")
            or starts_with_bom(src)
        ):
            return False
        known = set(self.ent.column_names)
        extra_keys = [c for c in preset.select if c not in known]
        names = {key: f"_x{i}" for i, key in enumerate(extra_keys)}
        sql = preset.file_sql(names, gzip=src.gzip)
        path = src.path.resolve()
        per_record = bytes_per_record(src)

        @contextmanager
        def stream() -> Iterator[None]:
            with self.engine.file_reader(path, memory_limit=READER_MEMORY_LIMIT) as reader:
                rows = reader.stream(sql, [str(path)], rows=JSON_STREAM_ROWS)
                schema = rows.schema.append(pa.field("_row", pa.int64()))

                def numbered() -> Iterator[pa.RecordBatch]:
                    # the records arrive in file order: _row is their running count
                    first = 0
                    for batch in rows:
                        end = first + batch.num_rows
                        numbers = pa.array(np.arange(first, end, dtype=np.int64))
                        first, self.rows = end, max(self.rows, end)
                        on_bytes(int(end * per_record))
                        yield pa.RecordBatch.from_arrays(
                            [*batch.columns, numbers], schema=schema
                        )

                self.engine.register(
                    "_json_stream", pa.RecordBatchReader.from_batches(schema, numbered())
                )
                try:
                    self.engine.run(
                        "CREATE OR REPLACE TEMP VIEW _ingest_batch AS "
                        "SELECT * EXCLUDE (_keep) FROM _json_stream WHERE _keep"
                    )
                    yield
                finally:
                    self.engine.run("DROP VIEW IF EXISTS _ingest_batch")
                    self.engine.unregister("_json_stream")

        try:
            with stream():
                self._type_batch(set(preset.select) & known, extra_keys, again=stream)
        except EngineError:
            # nothing of the file is kept: the block path starts again from its first line
            self.engine.run("DELETE FROM _ingest_stage")
            self.engine.run("DELETE FROM _ingest_problems")
            self.rows = self.rows_staged = self.problem_cells = 0
            self.loading = True
            return False
        src.records = self.rows
        src.invalid_in_records = True
        return True

    def _stage_json(self, preset: JsonPreset, lines: pa.Table) -> None:
        """Stage a batch of raw JSON lines: DuckDB parses and maps them (the preset's SQL),
        then the batch is typed like any other.

        Optimistic: a line is taken as an object when it starts with ``{`` and parsed once, by
        the mapping. Only when that fails (malformed JSON somewhere in the batch; the failed
        statement wrote nothing) is every line of the batch checked with ``json_valid`` and
        the batch mapped again without the bad ones.
        """
        known = set(self.ent.column_names)
        extra_keys = [c for c in preset.select if c not in known]
        names = {key: f"_x{i}" for i, key in enumerate(extra_keys)}
        self.rows = max(self.rows, int(pc.max(lines["_row"]).as_py()) + 1)
        self.engine.register("_json_raw", lines)
        try:
            for valid in (
                "starts_with(ltrim(line), '{')",
                "coalesce(json_valid(line) AND starts_with(ltrim(line), '{'), false)",
            ):
                self.engine.run(
                    "CREATE OR REPLACE TEMP TABLE _json_lines AS "  # noqa: S608 (constant)
                    f"SELECT _row, line, {valid} AS _valid FROM _json_raw"
                )
                self.engine.run(f"CREATE OR REPLACE TEMP VIEW _ingest_batch AS {preset.sql(names)}")
                try:
                    self._type_batch(set(preset.select) & known, extra_keys)
                except EngineError as exc:
                    if "json" not in str(exc).lower() or valid.startswith("coalesce"):
                        raise
                    continue
                break
            self.src.invalid_rows += self._count(
                "SELECT count(*) FROM _json_lines WHERE NOT _valid"
            )
        finally:
            self.engine.unregister("_json_raw")
            self.engine.run("DROP VIEW IF EXISTS _ingest_batch")
            self.engine.run("DROP TABLE IF EXISTS _json_lines")

    def _typed_sql(
        self, present: set[str], extra_keys: list[str], p: Params, p_final: Params
    ) -> tuple[str, list[TypedColumn]]:
        """``SELECT _row, r_<col>…, t_<col>…, extra FROM _ingest_batch`` and the column SQL
        (whose ``final`` expressions take their parameters from ``p_final``)."""
        preset = self.src.preset
        pretyped = frozenset(preset.typed) if isinstance(preset, JsonPreset) else frozenset()
        cols = typed_columns(
            self.ent,
            present,
            p_final,
            currency=self.ws.currency,
            brand=self.ws.brand,
            pretyped=pretyped,
        )
        if extra_keys:
            xs = [ident(f"_x{i}") for i in range(len(extra_keys))]
            pairs = ", ".join(f"{p(key)}, {x}" for key, x in zip(extra_keys, xs, strict=True))
            extra = (
                f"CASE WHEN coalesce({', '.join(xs)}) IS NULL THEN NULL "
                f"ELSE json_object({pairs}) END"
            )
        else:
            extra = "CAST(NULL AS VARCHAR)"
        raw = ", ".join(f"{c.raw} AS {ident('r_' + c.column.name)}" for c in cols)
        raw += "".join(f", {ident('_typed_' + name)}" for name in sorted(pretyped))
        typed = ", ".join(f"{c.typed} AS {ident('t_' + c.column.name)}" for c in cols)
        rs = ", ".join(ident("r_" + c.column.name) for c in cols)
        sql = (
            f"SELECT _row, {rs}, {typed}, extra FROM "  # noqa: S608 (schema identifiers)
            f"(SELECT _row, {raw}, {extra} AS extra FROM _ingest_batch)"
        )
        return sql, cols

    def _type_batch(
        self,
        present: set[str],
        extra_keys: list[str],
        *,
        again: Callable[[], AbstractContextManager[None]] | None = None,
    ) -> None:
        """Type one batch into ``_ingest_stage`` (flagging bad rows in ``_bad``); collect the
        bad cells of the batch into ``_ingest_problems`` only when it has any (within
        ``again()``, which makes ``_ingest_batch`` readable once more, for a stream)."""
        first = self.rows_staged
        if self.loading:
            p = Params()
            typed, cols = self._typed_sql(present, extra_keys, p, p)
            finals = ", ".join(c.final for c in cols)
            bad = " OR ".join(f"({c.check})" for c in cols if c.check) or "false"
            money = "".join(
                f", CASE WHEN {ident('t_' + c)} IS NULL OR {ident('t_' + c)} = "
                f"{p(self.ws.currency)} THEN {ident('t_' + a)} END, CAST(NULL AS DATE)"
                for a, c in self.ent.money
            )
            self.engine.run(
                f"INSERT INTO _ingest_stage SELECT _row, {finals}, extra, "  # noqa: S608
                f"coalesce({bad}, false){money} FROM ({typed})",
                p.values,
            )
            self.rows_staged = self.rows
            last = self.rows - 1
            n_bad = self._count(
                "SELECT count(*) FROM _ingest_stage WHERE _bad AND _row BETWEEN "  # noqa: S608
                f"{int(first)} AND {int(last)}"
            )
            if not n_bad:
                return
        if again is None:
            self._collect_problems(present, extra_keys)
        else:
            with again():
                self._collect_problems(present, extra_keys)

    def _collect_problems(self, present: set[str], extra_keys: list[str]) -> None:
        p = Params()
        typed, cols = self._typed_sql(present, extra_keys, p, Params())
        checks = [
            f"SELECT _row, {pos}, '{c.column.name}', {ident('r_' + c.column.name)}, {c.code}, "  # noqa: S608
            f"CAST(NULL AS VARCHAR) FROM _typed WHERE {c.check}"
            for pos, c in enumerate(cols)
            if c.check is not None
        ]
        found = self.engine.run(
            f"INSERT INTO _ingest_problems WITH _typed AS MATERIALIZED ({typed}) "  # noqa: S608
            + " UNION ALL ".join(checks),
            p.values,
        )
        self.problem_cells += int(found[0][0]) if found else 0
        if self.problem_cells and not self.skip and self.loading:
            self.engine.run("DELETE FROM _ingest_stage")  # rejected anyway: free the memory
            self.loading = False

    # -- 2. check ------------------------------------------------------------------------

    def _build_final(self) -> None:
        """Convert money on the stage, then define the view ``_ingest_final``: the good rows,
        deduplicated and keyed, ready to merge."""
        ent = self.ent
        for i, (amount, currency) in enumerate(ent.money):
            p = Params()
            rates = _fx_rates_sql(self.ws, ent, i, "_ingest_stage", "_row", p, where="NOT m._bad")
            self.engine.run(
                f"UPDATE _ingest_stage SET _base{i} = {ident(amount)} * u._rate, "  # noqa: S608
                f"_fx_date{i} = u._fx_date FROM ({rates}) u WHERE _ingest_stage._row = u._rid",
                p.values,
            )
            pos = ent.column_names.index(currency)
            missing = f"NOT _bad AND _fx_date{i} IS NOT NULL AND _base{i} IS NULL"
            self.engine.run(
                f"INSERT INTO _ingest_problems SELECT _row, {pos}, {lit(currency)}, "  # noqa: S608
                f"{ident(currency)}, 'missing-fx-rate', 'a rate in fx_rates for ' || "
                f"{ident(currency)} || ' on or before ' || CAST(_fx_date{i} AS VARCHAR) "
                f"FROM _ingest_stage WHERE {missing}"
            )
            self.engine.run(f"UPDATE _ingest_stage SET _bad = true WHERE {missing}")  # noqa: S608
        good = "SELECT * EXCLUDE (_bad) FROM _ingest_stage WHERE NOT _bad"
        if ent.key:
            keys = ", ".join(ident(k) for k in ent.key)
            dupes = self._count(
                f"SELECT count(*) FROM (SELECT {keys} FROM ({good}) "  # noqa: S608
                "GROUP BY ALL HAVING count(*) > 1)"
            )
            rel = good
            if dupes:  # last one wins (first one for dedupe_only)
                pick = "min" if ent.dedupe_only else "max"
                rel = (
                    f"SELECT * FROM ({good}) SEMI JOIN (SELECT {pick}(_row) AS _pick "  # noqa: S608
                    f"FROM ({good}) GROUP BY {keys}) k ON _row = k._pick"
                )
        else:
            values = ", ".join(f"CAST({ident(c)} AS VARCHAR)" for c in ent.column_names)
            rel = (
                "SELECT * EXCLUDE (_h), md5(_h || ':' || CAST(row_number() OVER "  # noqa: S608
                f"(PARTITION BY _h ORDER BY _row) AS VARCHAR)) AS row_key "
                f"FROM (SELECT *, md5(to_json([{values}])) AS _h FROM ({good}))"
            )
        self.engine.run(f"CREATE OR REPLACE TEMP VIEW _ingest_final AS {rel}")

    def _count(self, sql: str) -> int:
        rows = self.engine.run(sql)
        return int(rows[0][0]) if rows else 0

    def _cell_rows(self, chunk: int = 50_000) -> Iterator[tuple[int, list[_Cell]]]:
        """The bad cells grouped by row, in row order, fetched a chunk at a time (bounded
        memory however many rows are bad)."""
        low = -1
        while True:
            got = self.engine.run(
                'SELECT _row, "column", value, code, expected FROM _ingest_problems '
                "WHERE _row > $1 ORDER BY _row, col_pos LIMIT $2",
                [low, chunk],
            )
            groups: dict[int, list[_Cell]] = {}
            for r, column, value, code, expected in got:
                groups.setdefault(int(r), []).append((column, value, code, expected))
            full = len(got) == chunk
            if full and len(groups) > 1:
                del groups[max(groups)]  # maybe cut short: fetched again with the next chunk
            yield from groups.items()
            if not full or not groups:
                return
            low = max(groups)

    def _locate(self, limit: int | None, report: Path | None) -> list[ImportProblem]:
        """Walk the file to give every problem its line, in line order.

        Returns the first ``limit`` problems (none when ``limit`` is None) and writes every one
        to the reject report ``report`` if given.
        """
        name = str(self.src.path)
        cells = self._cell_rows()
        pending = next(cells, None)
        remaining_invalid = self.src.invalid_rows
        problems: list[ImportProblem] = []

        # a preset's problem also names the export column the value came from
        preset = self.src.preset
        source_of = preset.mapping(self.src.columns) if isinstance(preset, TablePreset) else {}

        def cell_problems(line: int | None, row_cells: list[_Cell]) -> list[ImportProblem]:
            return [
                ImportProblem(
                    name,
                    line,
                    column,
                    value,
                    (expected or code_expected(self.ent, column, code))
                    + (f" (export column {source_of[column]!r})" if column in source_of else ""),
                    code,
                )
                for column, value, code, expected in row_cells
            ]

        with _report_writer(report, self.src) as write:
            exhausted = True
            for rec in iter_records(self.src):
                if pending is None and remaining_invalid <= 0:
                    exhausted = False
                    break
                found: list[ImportProblem] = []
                if rec.row is None:
                    remaining_invalid -= 1
                    got = f"{len(rec.values)} values" if self.src.format != "ndjson" else None
                    why = rec.expected_width or ""
                    found.append(ImportProblem(name, rec.line, None, got, why, "bad-row"))
                elif pending is not None and rec.row == pending[0]:
                    found = cell_problems(rec.line, pending[1])
                    pending = next(cells, None)
                for prob in found:
                    write(prob, rec.values)
                if limit is not None:
                    problems.extend(found)
                    if len(problems) >= limit:
                        exhausted = False
                        break
            while exhausted and pending is not None:  # the Python pass could not place them
                for prob in cell_problems(None, pending[1]):
                    write(prob, [])
                    if limit is not None:
                        problems.append(prob)
                pending = next(cells, None)
        return problems[:limit] if limit is not None else []

    # -- 3. merge ------------------------------------------------------------------------

    def finish(
        self, reject_report: Path | None, started: float, sha256: Future[str]
    ) -> ImportResult:
        invalid = self.src.invalid_rows
        if not self.skip and (self.problem_cells or invalid):
            self._reject()
        self._build_final()
        if not self.skip and self._count("SELECT count(*) FROM _ingest_problems"):
            self._reject()
        rejected = invalid + self._count("SELECT count(DISTINCT _row) FROM _ingest_problems")
        report_path: Path | None = None
        if rejected:
            report_path = reject_report or self.src.path.with_name(
                self.src.path.stem + ".rejects.csv"
            )
            self._locate(None, report_path)
        digest = sha256.result()
        seen = self.engine.run(
            "SELECT min(imported_at) FROM import_ledger WHERE workspace_id = $1 AND entity = $2 "
            "AND file_sha256 = $3",
            [self.ws.workspace_id, self.ent.name, digest],
        )
        with self.engine.transaction():
            inserted, updated = self._merge()
            if self.ent.name == "fx_rates":
                recompute_money(self.engine, self.ws)
            rows_read = max(self.rows, self.src.records) + self.src.dropped
            rows_read += 0 if self.src.invalid_in_records else invalid
            skipped = rows_read - rejected - inserted - updated
            self.engine.run(
                "INSERT INTO import_ledger VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                [
                    self.ws.workspace_id,
                    self.ent.name,
                    str(self.src.path),
                    digest,
                    rows_read,
                    inserted,
                    updated,
                    skipped,
                    rejected,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                ],
            )
        return ImportResult(
            entity=self.ent.name,
            file=self.src.path,
            rows_read=rows_read,
            inserted=inserted,
            updated=updated,
            skipped=skipped,
            rejected=rejected,
            reject_report=report_path,
            seconds=time.perf_counter() - started,
            preset=self.src.preset.name if self.src.preset is not None else None,
            detected=self.src.detected,
            seen_before=seen[0][0] if seen else None,
        )

    def _reject(self) -> None:
        total = self.src.invalid_rows + self._count("SELECT count(*) FROM _ingest_problems")
        problems = self._locate(MAX_PROBLEMS, None)
        raise ImportRejected(problems, total=total)

    def _merge(self) -> tuple[int, int]:
        ent = self.ent
        table = ident(ent.name)
        stored = [name for name, _ in ent.stored_columns]
        p = Params()
        ws = p(self.ws.workspace_id)
        key = ent.key or ("row_key",)
        nullable = {c.name for c in ent.columns if not c.required} | {"row_key"}

        def match(left: str, right: str) -> str:
            ops = ("IS NOT DISTINCT FROM" if k in nullable else "=" for k in key)
            return " AND ".join(
                f"{left}.{ident(k)} {op} {right}.{ident(k)}" for k, op in zip(key, ops, strict=True)
            )

        base_of = {f"{a}_base": f"_base{i}" for i, (a, _) in enumerate(ent.money)}

        def f_col(c: str) -> str:
            return f"f.{ident(base_of.get(c, c))}"

        updated = 0
        if ent.key and not ent.dedupe_only:
            same = " AND ".join(
                f"t.{ident(c)} IS NOT DISTINCT FROM {f_col(c)}" for c in stored if c not in key
            )
            updated = self._count_params(
                f"DELETE FROM {table} t USING _ingest_final f "  # noqa: S608
                f"WHERE t.workspace_id = {ws} AND {match('t', 'f')} AND NOT ({same})",
                p.values,
            )
        keys = ", ".join(ident(k) for k in key)
        written = self._count_params(
            f"INSERT INTO {table} (workspace_id, {', '.join(ident(c) for c in stored)}) "  # noqa: S608
            f"SELECT {ws}, {', '.join(f_col(c) for c in stored)} FROM _ingest_final f "
            f"ANTI JOIN (SELECT {keys} FROM {table} WHERE workspace_id = {ws}) t "
            f"ON {match('f', 't')}",
            p.values,
        )
        return written - updated, updated

    def _count_params(self, sql: str, params: list[object]) -> int:
        rows = self.engine.run(sql, params)
        return int(rows[0][0]) if rows else 0


@contextmanager
def _bounded_memory(engine: DuckDBEngine) -> Iterator[None]:
    """DuckDB under :data:`IMPORT_MEMORY_LIMIT` (spilling to ``<db>.tmp``) for a database file;
    the limit before is restored after."""
    on_disk = engine.path not in (":memory:", "") and not engine.path.startswith(":memory:")
    if not on_disk:
        yield
        return
    limit = engine.run("SELECT current_setting('memory_limit')")[0][0]
    engine.run(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        if re.fullmatch(r"[0-9.]+ [KMGT]?i?B", str(limit)):
            engine.run(f"SET memory_limit = '{limit}'")


def recompute_money(engine: DuckDBEngine, ws: Workspace) -> int:
    """Recompute ``<amount>_base`` of every money column of ``ws`` from its ``fx_rates``.

    Only rows in a foreign currency can change; rows still without a usable rate keep their
    value. Returns the number of rows changed.
    """
    changed = 0
    for name in IMPORT_ORDER:
        ent = ENTITIES[name]
        for i, (amount, _currency) in enumerate(ent.money):
            p = Params()
            where = f"m.workspace_id = {p(ws.workspace_id)}"
            rates = _fx_rates_sql(ws, ent, i, ident(name), "rowid", p, where=where)
            col, a, t = ident(amount + "_base"), ident(amount), ident(name)
            rows = engine.run(
                f"UPDATE {t} SET {col} = {t}.{a} * u._rate FROM ({rates}) u "  # noqa: S608
                f"WHERE {t}.rowid = u._rid AND u._rate IS NOT NULL "
                f"AND ({t}.{a} * u._rate) IS DISTINCT FROM {t}.{col}",
                p.values,
            )
            changed += int(rows[0][0]) if rows else 0
    return changed


def _fx_rates_sql(
    ws: Workspace, ent: Entity, i: int, table: str, rid: str, p: Params, *, where: str = "true"
) -> str:
    """``SELECT _rid, _fx_date, _rate`` for the rows of ``table`` whose money column ``i`` is in
    a foreign currency: the rate on the row's date (:data:`MONEY_DATE`), else the latest earlier
    one; ``_rate`` is NULL when there is none."""
    amount, currency = ent.money[i]
    base, ws_id = p(ws.currency), p(ws.workspace_id)
    date_cols = MONEY_DATE.get(ent.name)
    if date_cols is None:
        date_cols = tuple(
            c.name for c in ent.columns if c.type in (ColumnType.DATE, ColumnType.TIMESTAMP)
        )[:1]
    joins = ""
    if date_cols:
        parts = []
        for name in date_cols:
            if ent.column(name).type is ColumnType.TIMESTAMP:
                tz = p(ws.timezone)
                parts.append(f"CAST(timezone({tz}, timezone('UTC', m.{ident(name)})) AS DATE)")
            else:
                parts.append(f"m.{ident(name)}")
        date_sql = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
    else:  # order_items: the first web event of the same transaction, else today
        joins = (
            " LEFT JOIN (SELECT transaction_id AS _tx_id, min(occurred_at) AS _tx_at "  # noqa: S608
            f"FROM web_events WHERE workspace_id = {ws_id} AND transaction_id IS NOT NULL "
            "GROUP BY 1) tx ON m.transaction_id = tx._tx_id"
        )
        tz = p(ws.timezone)
        date_sql = (
            f"coalesce(CAST(timezone({tz}, timezone('UTC', tx._tx_at)) AS DATE), current_date)"
        )
    a, c = ident(amount), ident(currency)
    rows = (
        f"SELECT m.{rid} AS _rid, m.{c} AS _cur, {date_sql} AS _fx_date "  # noqa: S608
        f"FROM {table} m{joins} WHERE ({where}) AND m.{a} IS NOT NULL AND m.{c} <> {base}"
    )
    fx = (
        "(SELECT currency AS _fx_cur, date AS _fx_day, rate AS _rate FROM fx_rates "  # noqa: S608
        f"WHERE workspace_id = {ws_id})"
    )
    return (
        f"SELECT d._rid, d._fx_date, fx._rate FROM ({rows}) d ASOF LEFT JOIN {fx} fx "  # noqa: S608
        "ON d._cur = fx._fx_cur AND d._fx_date >= fx._fx_day"
    )


@contextmanager
def _report_writer(
    path: Path | None, src: Source
) -> Iterator[Callable[[ImportProblem, list[str]], None]]:
    if path is None:
        yield lambda prob, values: None
        return
    header = ["line", "column", "value", "expected", "code"]
    header += ["record"] if src.format == "ndjson" else src.raw_columns
    try:
        fh = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(
            f"cannot write the reject report {path}: {exc.strerror}",
            hint="pass --reject-report with a writable path",
        ) from exc
    with fh:
        writer = csv.writer(fh)
        writer.writerow(header)

        def write(prob: ImportProblem, values: list[str]) -> None:
            writer.writerow(
                [prob.line, prob.column or "", prob.value or "", prob.expected, prob.code, *values]
            )

        yield write
