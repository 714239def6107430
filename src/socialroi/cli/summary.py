"""``socialroi summary``: visits, leads, customers, revenue, cost and ROI for a period."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from socialroi.cli._app import (
    DEFAULT_PERIOD_DAYS,
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
from socialroi.summary import summary as compute_summary

__all__ = ["CSV_COLUMNS", "DEFAULT_PERIOD_DAYS", "summary", "summary_csv"]


#: Columns of ``--format csv``: one row per section row; empty where a key does not apply.
CSV_COLUMNS = (
    "section",
    "network",
    "channel",
    "visits",
    "leads",
    "customers",
    "revenue",
    "cost",
    "cost_with_labour",
    "roi",
    "roi_with_labour",
    "cost_per_lead",
    "cost_per_customer",
    "unallocated_cost",
)


def summary_csv(result: dict[str, Any]) -> str:
    """The summary as one CSV: a ``section`` column (totals, social, by_network, by_channel).

    Written by :func:`socialroi.export.table_csv`, which neutralises formula-like text.
    """
    rows: list[tuple[str, dict[str, Any]]] = [
        ("totals", result["totals"]),
        ("social", result["social"]),
        *(("by_network", r) for r in result["by_network"]),
        *(("by_channel", r) for r in result["by_channel"]),
    ]
    return table_csv(
        CSV_COLUMNS,
        [[section, *(row.get(c) for c in CSV_COLUMNS[1:])] for section, row in rows],
    )


_LABELS = {
    "visits": "visits",
    "leads": "leads",
    "customers": "customers",
    "revenue": "revenue",
    "cost": "cost",
    "cost_with_labour": "cost + labour",
    "roi": "ROI",
    "roi_with_labour": "ROI + labour",
    "cost_per_lead": "per lead",
    "cost_per_customer": "per customer",
    "unallocated_cost": "unallocated cost",
}
_RATIO_KEYS = frozenset({"roi", "roi_with_labour"})


def _cell(key: str, value: Any) -> str:
    """A terminal cell: money in whole units, ROI in percent; exact values are in json/csv."""
    if value is None:
        return "–"
    if key in _RATIO_KEYS:
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))  # a channel or network name is data, not Rich markup


def _table(title: str, label: str, rows: list[dict[str, Any]], keys: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label, justify="left", no_wrap=True)
    for key in keys:
        table.add_column(_LABELS[key], justify="right")
    for row in rows:
        table.add_row(escape(str(row[label])), *(_cell(k, row[k]) for k in keys))
    return table


def _print_tables(result: dict[str, Any]) -> None:
    console = Console()
    period = result["period"]
    console.print(
        f"[bold]Summary[/] {period['from']} → {period['to']} (money in {result['currency']})",
        highlight=False,
    )
    overview = Table(title="Totals and social", title_justify="left")
    overview.add_column("", no_wrap=True)
    overview.add_column("totals", justify="right")
    overview.add_column("social", justify="right")
    for key in (*_FUNNEL, *_MONEY_KEYS[:4], "unallocated_cost"):
        social = result["social"].get(key)
        overview.add_row(_LABELS[key], _cell(key, result["totals"][key]), _cell(key, social))
    console.print(overview)
    networks = result["by_network"]
    console.print(_table("By network: funnel (first touch)", "network", networks, _FUNNEL))
    console.print(_table("By network: cost and return", "network", networks, _MONEY_KEYS))
    console.print(_table("By channel", "channel", result["by_channel"], _FUNNEL))
    _print_engagement_response_sov(console, result)
    if "bots" in result:  # never visits: shown as their own figure
        top = ", ".join(f"{escape(b['bot'])} {b['hits']:,}" for b in result["bots"]["by_bot"][:5])
        console.print(
            f"[bold]Bot and link-preview hits[/] (not visits): {result['bots']['hits']:,}"
            + (f" ({top})" if top else ""),
            highlight=False,
        )


def _percent(value: Any) -> str:
    return "–" if value is None else f"{value:.2%}"


def _print_engagement_response_sov(console: Console, result: dict[str, Any]) -> None:
    if "engagement" in result:
        table = Table(title="Engagement by network (activity in the period)", title_justify="left")
        for name in ("network", "posts", "impressions", "engagements", "ER", "amplification"):
            table.add_column(name, justify="left" if name == "network" else "right")
        for row in result["engagement"]["by_network"]:
            table.add_row(
                escape(str(row["network"])),
                _cell("posts", row["posts"]),
                _cell("impressions", row["impressions"]),
                _cell("engagements", row["engagements"]),
                _percent(row["engagement_rate"]),
                "–" if row["amplification_rate"] is None else f"{row['amplification_rate']:.2f}",
            )
        console.print(table)
    if "response" in result:
        r = result["response"]
        median = r["median_first_response_minutes"]
        console.print(
            f"[bold]Customer response[/]: {r['inbound']:,} inbound, {r['answered']:,} answered "
            f"({_percent(r['response_rate'])}), median first response "
            f"{'–' if median is None else f'{median:,.0f} min'}",
            highlight=False,
        )
    if result.get("share_of_voice"):
        shares = ", ".join(
            f"{escape(str(brand))} {_percent(share)}"
            for brand, share in result["share_of_voice"].items()
        )
        console.print(f"[bold]Share of voice[/] (mentions): {shares}", highlight=False)


_FUNNEL = ("visits", "leads", "customers", "revenue")
_MONEY_KEYS = (
    "cost",
    "cost_with_labour",
    "roi",
    "roi_with_labour",
    "cost_per_lead",
    "cost_per_customer",
)


@app.command("summary")
def summary(
    date_from: FromOption = None,
    date_to: ToOption = None,
    output_format: FormatOption = "table",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    db: DbOption = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """Visits, leads, customers, revenue, cost and ROI: totals, social, by network and channel.

    Both days are included and read in the workspace's time zone. Leads, customers and revenue
    count under each person's first-touch network and channel; visits under their own.
    """
    check_format(output_format)
    first, last = parse_period(date_from, date_to)
    with open_engine(db, engine, spark_master) as eng:
        result = compute_summary(eng, workspace, first, last)
    if output_format == "json":
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    elif output_format == "csv":
        typer.echo(summary_csv(result), nl=False)
    else:
        _print_tables(result)
