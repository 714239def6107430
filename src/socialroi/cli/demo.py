"""``socialroi demo``: build the demo company's files, database and report in one go."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from socialroi.cli._app import app
from socialroi.engine import DuckDBEngine

console = Console(highlight=False)

DEMO_WORKSPACE = "acme"


def _headline(summary: dict[str, Any]) -> str:
    totals, social = summary.get("totals", {}), summary.get("social", {})
    currency = summary.get("currency", "EUR")

    def money(value: Any) -> str:
        return f"{currency} {value:,.0f}" if isinstance(value, int | float) else "n/a"

    def percent(value: Any) -> str:
        return f"{value:.0%}" if isinstance(value, int | float) else "n/a"

    return (
        f"{totals.get('visits', 0):,} visits, {totals.get('leads', 0):,} leads, "
        f"{totals.get('customers', 0):,} customers, revenue {money(totals.get('revenue'))}; "
        f"social brought {social.get('customers', 0):,} customers and "
        f"{money(social.get('revenue'))} at ROI {percent(social.get('roi'))} "
        f"({percent(social.get('roi_with_labour'))} with staff time)"
    )


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("demo-output"),
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same data")] = (
        20251
    ),
    visits: Annotated[int, typer.Option(min=1000, help="about how many web visits")] = 200_000,
) -> None:
    """Build the demo company: DIR/data/*.csv, DIR/demo.duckdb, DIR/report.pdf and .html."""
    from socialroi.demo import generate
    from socialroi.ingest import import_dir
    from socialroi.report import collect, render_report, write_report

    started = time.perf_counter()
    data = out / "data"
    db_path = out / "demo.duckdb"
    with console.status("generating the demo company…") as status:
        truth = generate(
            data,
            seed=seed,
            visits=visits,
            progress=lambda line: status.update(f"generating: {line}"),
        )
    console.print(
        f"[green]✓[/] generated {len(truth.counts)} files in {data} "
        f"({truth.totals['visits']:,} visits, seed {seed})"
    )
    for suffix in ("", ".wal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    with DuckDBEngine(db_path) as eng:
        eng.ensure_workspace(
            DEMO_WORKSPACE,
            name="Acme Analytics",
            currency="EUR",
            timezone="Europe/Berlin",
            brand="acme",
        )
        with console.status("importing…") as status:
            results = import_dir(
                eng,
                DEMO_WORKSPACE,
                data,
                progress_factory=lambda entity, _path: (
                    lambda done, total: status.update(f"importing {entity}: {done:,} rows")
                ),
            )
        rows = sum(r.rows_read for r in results)
        console.print(f"[green]✓[/] imported {rows:,} rows from {len(results)} files")
        date_from = dt.date.fromisoformat(truth.period_from)
        date_to = dt.date.fromisoformat(truth.period_to)
        with console.status("computing the report…"):
            # the demo company's data start with its period: there is no earlier one to compare
            numbers = collect(eng, DEMO_WORKSPACE, date_from, date_to, compare=None)
    result = numbers.summary
    rendered = render_report(numbers)
    with console.status("writing the report (PDF and HTML)…"):
        pdf = write_report(rendered, out / "report.pdf")
        html = write_report(rendered, out / "report.html")
    console.print(f"[green]✓[/] done in {time.perf_counter() - started:.1f} s")
    console.print(f"report:   {pdf}")
    console.print(f"report:   {html}  (interactive, works offline)")
    console.print(f"database: {db_path}  (workspace '{DEMO_WORKSPACE}')")
    console.print(f"truth:    {data / 'ground_truth.json'}")
    console.print(_headline(result))
