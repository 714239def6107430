"""``socialroi import`` and ``socialroi import-dir``: canonical files into a workspace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from socialroi.cli._app import DEFAULT_WORKSPACE, DbOption, app, open_writer
from socialroi.engine import DuckDBEngine
from socialroi.errors import WorkspaceNotFound
from socialroi.ingest import ImportResult, import_dir, import_file
from socialroi.ingest._readers import Source
from socialroi.ingest.presets import PRESETS

console = Console(highlight=False, soft_wrap=True)

ImportWorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="SOCIALROI_WORKSPACE",
        help="workspace id (default: default, created with EUR and UTC if missing)",
    ),
]
SkipOption = Annotated[
    bool,
    typer.Option(
        "--skip-bad-rows", help="import the good rows and write the bad ones to a reject report"
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding", help="text encoding (default: UTF-8; UTF-16 by its BOM; else Latin-1)"
    ),
]


def _workspace(eng: DuckDBEngine, workspace: str | None) -> str:
    """The workspace to import into; ``default`` is created when the user named none."""
    if workspace is not None:
        eng.workspace(workspace)  # raises WorkspaceNotFound with the known ones
        return workspace
    try:
        eng.workspace(DEFAULT_WORKSPACE)
    except WorkspaceNotFound:
        eng.ensure_workspace(DEFAULT_WORKSPACE, currency="EUR", timezone="UTC")
        console.print(f"created workspace [bold]{DEFAULT_WORKSPACE}[/] (EUR, UTC)")
    return DEFAULT_WORKSPACE


@contextmanager
def _progress() -> Iterator[Callable[[str, Path], Callable[[int, int], None]]]:
    """A Rich progress display; yields ``factory(entity, path)`` → one bar's callback."""
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )

    def factory(entity: str, path: Path) -> Callable[[int, int], None]:
        task = bars.add_task(escape(f"{entity} ← {path.name}"), total=None)

        def update(done: int, total: int) -> None:
            bars.update(task, completed=done, total=total)

        return update

    with bars:
        yield factory


def _summary(r: ImportResult) -> str:
    line = (
        f"{r.entity} ← {r.file}: {r.rows_read:,} rows read, {r.inserted:,} inserted, "
        f"{r.updated:,} updated, {r.skipped:,} skipped, {r.rejected:,} rejected "
        f"({r.seconds:.1f} s, {r.rows_per_s:,.0f} rows/s)"
    )
    if r.reject_report is not None:
        line += f"; reject report: {r.reject_report}"
    if r.seen_before is not None:
        line += f" (the same file was imported on {r.seen_before:%Y-%m-%d %H:%M} UTC)"
    return line


@app.command("import")
def import_command(
    entity: Annotated[str, typer.Argument(help="canonical entity, e.g. web_events, costs")],
    file: Annotated[
        Path,
        typer.Argument(help="a .csv, .ndjson, .jsonl, .json, .parquet or .xlsx file (or .gz)"),
    ],
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            help="read FILE as this export layout (socialroi presets lists them); "
            "default: detected from the header",
        ),
    ] = None,
    skip_bad_rows: SkipOption = False,
    workspace: ImportWorkspaceOption = None,
    db: DbOption = None,
    encoding: EncodingOption = None,
    reject_report: Annotated[
        Path | None,
        typer.Option(
            "--reject-report", help="reject report path (default: <stem>.rejects.csv beside FILE)"
        ),
    ] = None,
) -> None:
    """Import one canonical file or export; a bad row rejects the whole file unless
    --skip-bad-rows."""
    with open_writer(db) as eng, _progress() as progress:
        ws = _workspace(eng, workspace)
        result = import_file(
            eng,
            ws,
            entity,
            file,
            skip_bad_rows=skip_bad_rows,
            encoding=encoding,
            reject_report=reject_report,
            progress=progress(entity, file),
            preset=preset,
            on_source=_announce,
        )
    console.print(_summary(result), markup=False)


def _announce(src: Source) -> None:
    """Say how the file is read before reading it: the detected preset and its mapping."""
    p = src.preset
    if p is None:
        if src.delimiter != ",":
            console.print(f"reading {src.path.name} as a canonical file, delimiter "
                          f"{src.delimiter!r}", markup=False)  # fmt: skip
        return
    how = "detected" if src.detected else "preset"
    where = f", header on row {src.header_row + 1}" if src.header_row else ""
    console.print(
        f"{how}: {p.name} ({p.label}){where}; pass --preset NAME to choose another",
        markup=False,
    )


@app.command("presets")
def presets_command() -> None:
    """List the export layouts `socialroi import --preset` reads, by entity."""
    for p in sorted(PRESETS.values(), key=lambda p: (p.entity, p.name)):
        console.print(f"{p.entity:<13} {p.name:<26} {p.label}", markup=False)


@app.command("import-dir")
def import_dir_command(
    directory: Annotated[Path, typer.Argument(help="a directory of <entity>.csv files")],
    skip_bad_rows: SkipOption = False,
    workspace: ImportWorkspaceOption = None,
    db: DbOption = None,
    encoding: EncodingOption = None,
) -> None:
    """Import every canonical file in DIR, in dependency order (fx_rates first)."""
    unknown: list[Path] = []
    with open_writer(db) as eng, _progress() as progress:
        ws = _workspace(eng, workspace)
        results = import_dir(
            eng,
            ws,
            directory,
            skip_bad_rows=skip_bad_rows,
            encoding=encoding,
            progress_factory=progress,
            on_unknown=unknown.append,
        )
    for path in unknown:
        console.print(f"skipped {path}: its name is no canonical entity", markup=False)
    for r in results:
        console.print(_summary(r), markup=False)
    if not results:
        console.print(f"no canonical files in {directory}", markup=False)
