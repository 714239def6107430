"""``socialroi report`` (PDF or interactive HTML) and ``socialroi export`` (CSV, XLSX, JSON)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from socialroi.cli._app import (
    DEFAULT_WORKSPACE,
    DbOption,
    EngineOption,
    FromOption,
    SparkMasterOption,
    ToOption,
    WorkspaceOption,
    app,
    open_engine,
    parse_period,
)
from socialroi.export import EXPORT_FORMATS, write_csv, write_json, write_xlsx
from socialroi.report import PAPER_SIZES, RenderedReport, collect, render_report, write_report

__all__ = ["build_report", "export", "report"]

console = Console(highlight=False, stderr=True)

CompareOption = Annotated[
    str,
    typer.Option(
        "--compare", help="previous (the period before, same length), yoy (a year earlier) or none"
    ),
]


def _compare(value: str) -> Literal["previous", "yoy"] | None:
    if value == "previous":
        return "previous"
    if value == "yoy":
        return "yoy"
    if value == "none":
        return None
    raise typer.BadParameter(f"{value!r} is not previous, yoy or none", param_hint="--compare")


def build_report(
    db: str | None,
    workspace: str,
    first: dt.date,
    last: dt.date,
    compare: Literal["previous", "yoy"] | None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> RenderedReport:
    """Compute every number of the report (with a progress line) and build its sections."""
    with (
        console.status(f"computing the report of {first} to {last}…"),
        open_engine(db, engine, spark_master) as eng,
    ):
        data = collect(eng, workspace, first, last, compare=compare)
    return render_report(data)


@app.command("report")
def report(
    out: Annotated[Path, typer.Option("--out", help="report.pdf or report.html")],
    date_from: FromOption = None,
    date_to: ToOption = None,
    compare: CompareOption = "previous",
    paper: Annotated[str, typer.Option("--paper", help="a4 or letter (PDF)")] = "a4",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    db: DbOption = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """The CEO report: a cover with the headline, one section per question, definitions.

    The format follows --out: .pdf (WeasyPrint, page numbers and contents) or .html
    (interactive charts, works offline). Every figure states its model, window and period.
    """
    if paper not in PAPER_SIZES:
        raise typer.BadParameter(f"{paper!r} is not a4 or letter", param_hint="--paper")
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise typer.BadParameter(
            f"{out.name!r} must end in .pdf or .html (socialroi export writes csv, xlsx, json)",
            param_hint="--out",
        )
    first, last = parse_period(date_from, date_to)
    started = time.perf_counter()
    rendered = build_report(db, workspace, first, last, _compare(compare), engine, spark_master)
    with console.status(f"writing {out.name}…"):
        path = write_report(rendered, out, paper=paper)
    console.print(f"[green]✓[/] {path} ({time.perf_counter() - started:.1f} s)")
    typer.echo(str(path))


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="a directory (csv) or a file (.xlsx, .json)")],
    output_format: Annotated[
        str, typer.Option("--format", help="csv (one file per table), xlsx or json")
    ] = "xlsx",
    date_from: FromOption = None,
    date_to: ToOption = None,
    compare: CompareOption = "previous",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    db: DbOption = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """Every table of the report and every metric of the summary as CSV, XLSX or JSON.

    CSV writes one file per table into the --out directory; XLSX one sheet per table with
    typed, formatted cells; JSON the summary plus every table. Cells that a spreadsheet would
    run as a formula (=, +, -, @, tab, CR first) are prefixed with an apostrophe.
    """
    if output_format not in EXPORT_FORMATS:
        raise typer.BadParameter(
            f"{output_format!r} is not one of {', '.join(EXPORT_FORMATS)}", param_hint="--format"
        )
    first, last = parse_period(date_from, date_to)
    rendered = build_report(db, workspace, first, last, _compare(compare), engine, spark_master)
    tables = rendered.tables
    if output_format == "csv":
        for path in write_csv(tables, out):
            typer.echo(str(path))
        return
    if output_format == "xlsx":
        path = write_xlsx(tables, out, currency=rendered.data.currency)
    else:
        path = write_json(tables, out, extra={"summary": rendered.data.summary})
    typer.echo(str(path))
