"""The Typer app and the options every command shares (``--db``, ``--workspace``, ``--engine``)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from socialroi.engine import DuckDBEngine, Engine, connect, default_db
from socialroi.errors import SocialRoiError

__all__ = [
    "DEFAULT_PERIOD_DAYS",
    "DEFAULT_WORKSPACE",
    "FORMATS",
    "FormatOption",
    "FromOption",
    "ToOption",
    "check_format",
    "parse_period",
    "DbOption",
    "EngineOption",
    "SparkMasterOption",
    "WorkspaceOption",
    "app",
    "open_engine",
    "open_writer",
    "register_commands",
]


class _SocialRoiTyper(typer.Typer):
    """Typer that prints any ``SocialRoiError`` once, with its next step, and exits 1."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except SocialRoiError as exc:
            err = Console(stderr=True, highlight=False, soft_wrap=True)
            # user values and codes such as [bad-date] must not be read as Rich markup
            err.print(f"[bold red]error:[/] {escape(exc.message)}", markup=True)
            if exc.hint:
                err.print(f"[bold]next:[/] {escape(exc.hint)}", markup=True)
            sys.exit(1)


app = _SocialRoiTyper(
    name="socialroi",
    help="Prove, in money, what social media is worth: visits, leads, customers, revenue, ROI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="SOCIALROI_DB", help="DuckDB file [default: socialroi.duckdb]"),
]
WorkspaceOption = Annotated[
    str, typer.Option("--workspace", "-w", envvar="SOCIALROI_WORKSPACE", help="workspace id")
]
EngineOption = Annotated[
    str, typer.Option("--engine", help="duckdb (embedded) or spark (local mode or a cluster)")
]
SparkMasterOption = Annotated[
    str | None, typer.Option("--spark-master", help="Spark master URL [default: local[2]]")
]

DEFAULT_WORKSPACE = "default"

#: Without --from, the period is the DEFAULT_PERIOD_DAYS days ending on --to (today by default).
DEFAULT_PERIOD_DAYS = 90
FORMATS = ("table", "json", "csv")

FromOption = Annotated[
    str | None,
    typer.Option("--from", help="first day, YYYY-MM-DD [default: --to minus 89 days]"),
]
ToOption = Annotated[str | None, typer.Option("--to", help="last day, YYYY-MM-DD [default: today]")]
FormatOption = Annotated[str, typer.Option("--format", help="table (Rich), json or csv")]


def _date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=flag) from None


def parse_period(date_from: str | None, date_to: str | None) -> tuple[dt.date, dt.date]:
    """``--from``/``--to`` as dates, with the defaults; a usage error (exit 2) when wrong."""
    last = _date(date_to, "--to") or dt.date.today()
    first = _date(date_from, "--from") or last - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first > last:
        raise typer.BadParameter(f"--from {first} is after --to {last}", param_hint="--from")
    return first, last


def check_format(output_format: str) -> None:
    """A usage error (exit 2) unless ``output_format`` is one of :data:`FORMATS`."""
    if output_format not in FORMATS:
        raise typer.BadParameter(
            f"{output_format!r} is not one of {', '.join(FORMATS)}", param_hint="--format"
        )


def open_writer(db: str | None) -> DuckDBEngine:
    """The DuckDB database, read-write (imports, init)."""
    return DuckDBEngine(db or default_db())


def open_engine(db: str | None, engine: str = "duckdb", spark_master: str | None = None) -> Engine:
    """The engine for analysis commands."""
    return connect(engine, db=db, spark_master=spark_master)


def register_commands() -> None:
    """Import the verb modules; each registers its commands on ``app``."""
    from socialroi.cli import (  # noqa: F401
        attribution,
        demo,
        imports,
        links,
        metrics,
        report,
        setup,
        summary,
        users,
    )
