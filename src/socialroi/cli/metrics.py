"""``socialroi metrics NAME``: one registered metric as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from socialroi.cli._app import (
    DEFAULT_WORKSPACE,
    DbOption,
    EngineOption,
    FormatOption,
    FromOption,
    SparkMasterOption,
    ToOption,
    WorkspaceOption,
    app,
    check_format,
    open_engine,
    parse_period,
)
from socialroi.metrics.registry import METRICS, MetricResult, compute_metric

__all__ = ["metrics", "metrics_csv", "safe_cell"]

#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A table with more measures than _WIDE and at most _FEW rows is printed one column per row.
_WIDE, _FEW = 10, 12


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ gets a '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def metrics_csv(result: MetricResult) -> str:
    """One CSV row per metric row, every column (previous values and changes included)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([safe_cell(row[c]) for c in result.columns])
    return out.getvalue()


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 10 else f"{value:,.2f}"
    return escape(str(value))


def _change(value: Any) -> str:
    return "" if value is None else f" ({value:+.0%})"


def _print_table(result: MetricResult) -> None:
    compared = result.previous is not None
    derived = {f"{c}{suffix}" for c in result.columns for suffix in ("_previous", "_change")}
    shown = [c for c in result.columns if c not in derived]  # previous and change go in the cell
    period = f"{result.period[0]} → {result.period[1]}"
    caption = (
        f"(±%) = change against {result.previous[0]} → {result.previous[1]}; "
        "exact values: --format json or csv"
        if compared and result.previous is not None
        else "exact values: --format json or csv"
    )
    title = f"{escape(result.title)} — {period}"
    measures = [c for c in shown if c not in result.keys]

    def cell(row: dict[str, Any], c: str) -> str:
        text = _number(row[c])
        if compared and f"{c}_change" in row:
            text += _change(row[f"{c}_change"])
        return text

    if len(measures) > _WIDE and len(result.rows) <= _FEW:
        # many measures, few rows (ROI by network …): one column per row reads on a terminal
        table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        table.add_column("", no_wrap=True)
        for row in result.rows:
            label = " / ".join("(none)" if row[k] is None else str(row[k]) for k in result.keys)
            table.add_column(escape(label or "total"), justify="right")
        for c in measures:
            table.add_row(c, *(cell(row, c) for row in result.rows))
    else:
        table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        for c in shown:
            table.add_column(c, justify="left" if c in result.keys else "right")
        for row in result.rows:
            table.add_row(*(cell(row, c) for c in shown))
    Console().print(table)


def _print_list() -> None:
    table = Table(title="Metrics (socialroi metrics NAME)", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("--by")
    table.add_column("what it shows")
    for spec in METRICS.values():
        by = ", ".join(b or "(none)" for b in spec.by)
        default = spec.default_by or "(none)"
        table.add_row(spec.name, f"{by} [default {default}]" if len(spec.by) > 1 else by,
                      escape(spec.title))  # fmt: skip
    Console().print(table)


@app.command("metrics")
def metrics(
    name: Annotated[
        str | None, typer.Argument(help="the metric; without it, the list of metrics")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="grouping, one of the metric's (see the list)")
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare/--no-compare", help="show the previous period beside it")
    ] = True,
    date_from: FromOption = None,
    date_to: ToOption = None,
    output_format: FormatOption = "table",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    db: DbOption = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """One metric for the period, per network, campaign, post … with the previous period beside it.

    The previous period has as many days and ends the day before --from; each measure gets
    NAME_previous and NAME_change = (now − before) ÷ |before| (null when before is 0). Formulas:
    docs/metrics.md.
    """
    check_format(output_format)
    if name is None:
        _print_list()
        return
    if name not in METRICS:
        raise typer.BadParameter(
            f"{name!r} is not a metric; one of: {', '.join(METRICS)}", param_hint="NAME"
        )
    first, last = parse_period(date_from, date_to)
    with open_engine(db, engine, spark_master) as eng:
        result = compute_metric(eng, workspace, name, first, last, by=by, compare=compare)
    if output_format == "json":
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    elif output_format == "csv":
        typer.echo(metrics_csv(result), nl=False)
    else:
        _print_table(result)
