"""``socialroi attribution``: every attribution model side by side for the period's conversions."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from socialroi.attribution import SUMMARY_MODELS, attribution_section
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
from socialroi.export import table_csv

__all__ = ["attribution", "attribution_csv"]

CONVERSIONS = ("customer", "lead", "revenue")
_SHORT = {
    "first_touch": "first",
    "last_touch": "last",
    "last_non_direct": "¬dir",
    "linear": "linear",
    "time_decay": "decay",
    "position_based": "pos",
    "markov": "markov",
    "shapley": "shapley",
}


def attribution_csv(result: dict[str, Any]) -> str:
    """One row per credit key, one column per model (empty where a model gives no credit)."""
    models = list(result["models"])
    keys = sorted({k for credits in result["models"].values() for k in credits})
    return table_csv(
        ["credit_key", *models],
        [[key, *(result["models"][m].get(key) for m in models)] for key in keys],
    )


def _print_table(result: dict[str, Any]) -> None:
    models = list(result["models"])
    keys = sorted(
        {k for credits in result["models"].values() for k in credits},
        key=lambda k: -max(result["models"][m].get(k, 0.0) for m in models),
    )
    unit = "value" if result["conversion"] == "revenue" else "conversions"
    table = Table(
        title=f"{result['conversions']:,} {result['conversion']} conversions, "
        f"{result['window_days']}-day lookback: credit in {unit}",
        title_justify="left",
        caption="¬dir = last non-direct, pos = position-based 40/20/40, decay = time decay "
        "(half-life 7 days)",
        caption_justify="left",
        box=box.SIMPLE_HEAD,  # eight model columns fit 80 characters without vertical rules
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("credited to", no_wrap=True)
    for m in models:
        label = _SHORT.get(m, m)
        table.add_column(label, justify="right", min_width=len(label))
    for key in keys:
        cells = (result["models"][m].get(key) for m in models)
        table.add_row(escape(key), *("–" if c is None else f"{c:,.1f}" for c in cells))
    Console().print(table)


@app.command("attribution")
def attribution(
    date_from: FromOption = None,
    date_to: ToOption = None,
    model: Annotated[
        str, typer.Option("--model", help="one of " + ", ".join(SUMMARY_MODELS) + ", or all")
    ] = "all",
    conversion: Annotated[
        str, typer.Option("--conversion", help="customer, lead or revenue (value-weighted)")
    ] = "customer",
    window: Annotated[
        int, typer.Option("--window", min=1, max=3650, help="lookback window in days")
    ] = 90,
    output_format: FormatOption = "table",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    db: DbOption = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """Credit per network or channel under every model, for conversions in the period.

    First touch, last touch, last non-direct, linear, time decay (half-life 7 days),
    position-based (40/20/40), Markov (order 1, exact) and Shapley (exact). Each model's credits
    sum to the number of conversions (or their value with --conversion revenue).
    """
    check_format(output_format)
    if model != "all" and model not in SUMMARY_MODELS:
        raise typer.BadParameter(
            f"{model!r} is not one of {', '.join(SUMMARY_MODELS)} or all", param_hint="--model"
        )
    if conversion not in CONVERSIONS:
        raise typer.BadParameter(
            f"{conversion!r} is not one of {', '.join(CONVERSIONS)}", param_hint="--conversion"
        )
    kind: Literal["customer", "lead", "revenue"] = (
        "lead" if conversion == "lead" else "revenue" if conversion == "revenue" else "customer"
    )
    first, last = parse_period(date_from, date_to)
    with open_engine(db, engine, spark_master) as eng:
        result = attribution_section(
            eng, workspace, first, last, conversion=kind, window_days=window
        )
    result["period"] = {"from": first.isoformat(), "to": last.isoformat()}
    if model != "all":
        result["models"] = {model: result["models"][model]}
    if output_format == "json":
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    elif output_format == "csv":
        typer.echo(attribution_csv(result), nl=False)
    else:
        _print_table(result)
