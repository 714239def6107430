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
from socialroi.attribution.compare import LEVELS
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
    """One row per credit key: one column per model (empty where a model gives no credit), the
    90 % interval of Markov and Shapley, conversions on the key's paths and whether it is below
    the sample-size threshold. Rows carry the conversion, window, level and period."""
    models = list(result["models"])
    keys = sorted({k for credits in result["models"].values() for k in credits})
    intervals = result.get("intervals", {})
    on_paths = result.get("conversions_on_paths", {})
    warned = {w.split(":", 1)[0] for w in result.get("warnings", [])}
    bounds = [f"{m}_{b}" for m in ("markov", "shapley") for b in ("low", "high")]
    period = result.get("period", {})
    rows = []
    for key in keys:
        ivs = [
            (intervals.get(m, {}).get(key) or [None, None])[i]
            for m in ("markov", "shapley")
            for i in (0, 1)
        ]
        rows.append([
            key, *(result["models"][m].get(key) for m in models), *ivs,
            on_paths.get(key), str(key in warned).lower(), result["conversion"],
            result["window_days"], result.get("level", "network"), period.get("from"),
            period.get("to"),
        ])  # fmt: skip
    return table_csv(
        ["credit_key", *models, *bounds, "conversions_on_paths", "small_sample",
         "conversion", "window_days", "level", "from", "to"],
        rows,
    )  # fmt: skip


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
    console = Console()
    console.print(table)
    intervals = result.get("intervals", {})
    if any(intervals.values()):
        extra = Table(
            title=f"{result['confidence']:.0%} bootstrap intervals "
            f"({result['bootstrap_replicates']} replicates) and Markov removal effects",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for label in ("credited to", "markov", "shapley", "removal effect", "on paths"):
            extra.add_column(label, justify="left" if label == "credited to" else "right")
        for key in keys:
            spans: list[str] = []
            for m in ("markov", "shapley"):
                iv = intervals.get(m, {}).get(key)
                spans.append("–" if iv is None else f"{iv[0]:,.1f} – {iv[1]:,.1f}")
            effect = result.get("removal_effects", {}).get(key)
            extra.add_row(
                escape(key), *spans, "–" if effect is None else f"{effect:.3f}",
                f"{result.get('conversions_on_paths', {}).get(key, 0):,}",
            )  # fmt: skip
        console.print(extra)
    for warning in result.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")


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
    level: Annotated[
        str, typer.Option("--level", help="credit networks/channels, campaigns or posts")
    ] = "network",
    direct: Annotated[
        bool,
        typer.Option("--direct/--no-direct", help="--no-direct: Direct gets credit only when "
                     "the whole path is Direct (GA4)"),
    ] = True,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=0, max=10000,
                          help="bootstrap replicates for the 90 % intervals (0 = none)")
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="seed of the bootstrap")] = 0,
    output_format: FormatOption = "table",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    db: DbOption = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """Credit per network or channel under every model, for conversions in the period.

    First touch, last touch, last non-direct, linear, time decay (half-life 7 days),
    position-based (40/20/40), Markov (order 1, exact) and Shapley (exact). Each model's credits
    sum to the number of conversions (or their value with --conversion revenue). Markov and
    Shapley carry bootstrap 90 % intervals; a key with fewer than 30 conversions on its paths
    gets a warning. JSON adds removal effects, the transition matrix, ROI by model, assisted
    conversions, top paths and the path-length and time-lag distributions.
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
    if level not in LEVELS:
        raise typer.BadParameter(
            f"{level!r} is not one of {', '.join(LEVELS)}", param_hint="--level"
        )
    if 0 < bootstrap < 10:
        raise typer.BadParameter("use 0 (no intervals) or at least 10", param_hint="--bootstrap")
    lvl: Literal["network", "campaign", "post"] = (
        "campaign" if level == "campaign" else "post" if level == "post" else "network"
    )
    kind: Literal["customer", "lead", "revenue"] = (
        "lead" if conversion == "lead" else "revenue" if conversion == "revenue" else "customer"
    )
    first, last = parse_period(date_from, date_to)
    with open_engine(db, engine, spark_master) as eng:
        result = attribution_section(
            eng, workspace, first, last, conversion=kind, window_days=window, level=lvl,
            direct_credit=direct, bootstrap=bootstrap, seed=seed,
        )  # fmt: skip
    if model != "all":
        result["models"] = {model: result["models"][model]}
    if output_format == "json":
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    elif output_format == "csv":
        typer.echo(attribution_csv(result), nl=False)
    else:
        _print_table(result)
