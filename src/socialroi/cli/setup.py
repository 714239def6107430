"""``socialroi init`` and ``socialroi export-parquet``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from socialroi.cli._app import DEFAULT_WORKSPACE, DbOption, WorkspaceOption, app, open_writer

console = Console()


@app.command()
def init(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    currency: Annotated[str, typer.Option(help="base currency, ISO 4217")] = "EUR",
    timezone: Annotated[str, typer.Option(help="IANA time zone of the workspace")] = "UTC",
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    brand: Annotated[str | None, typer.Option(help="the brand tracked in mentions")] = None,
) -> None:
    """Create a database (if missing) and a workspace."""
    with open_writer(db) as eng:
        ws = eng.ensure_workspace(
            workspace, name=name, currency=currency, timezone=timezone, brand=brand
        )
        console.print(
            f"workspace [bold]{ws.workspace_id}[/] ({ws.currency}, {ws.timezone}) in {eng.path}",
            highlight=False,
        )


@app.command("export-parquet")
def export_parquet(
    directory: Annotated[Path, typer.Argument(help="directory to write <table>.parquet into")],
    db: DbOption = None,
) -> None:
    """Write every table as Parquet, for `--engine spark` on a cluster (with the stored
    sessions and daily aggregates where they are fresh)."""
    with open_writer(db) as eng:
        out = eng.export_parquet(directory)
    console.print(f"wrote {out}")
