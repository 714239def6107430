"""``socialroi import`` and ``socialroi import-dir`` through Typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from _ingest_helpers import write
from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.engine import DuckDBEngine
from socialroi.errors import ImportRejected, WorkspaceNotFound

runner = CliRunner()
GOOD = "event_id,visitor_id,occurred_at,event\ne1,v1,2025-01-01,x\ne2,v1,2025-01-01,x\n"


def _db_rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    eng = DuckDBEngine(db)
    try:
        return eng.run(sql)
    finally:
        eng.close()


def test_import_creates_the_default_workspace_and_reports_counts(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    path = write(tmp_path, "web_events.csv", GOOD)
    result = runner.invoke(app, ["import", "web_events", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "created workspace default" in result.output
    assert "2 rows read, 2 inserted, 0 updated, 0 skipped, 0 rejected" in result.output
    assert _db_rows(db, "SELECT workspace_id, currency, timezone FROM workspaces") == [
        ("default", "EUR", "UTC")
    ]
    again = runner.invoke(app, ["import", "web_events", str(path), "--db", str(db)])
    assert "0 inserted, 0 updated, 2 skipped" in again.output


def test_a_rejected_file_exits_1_naming_the_line(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    path = write(tmp_path, "web_events.csv", GOOD + "e3,v1,2025-02-30,x\n")
    result = runner.invoke(app, ["import", "web_events", str(path), "--db", str(db)])
    assert result.exit_code == 1
    assert isinstance(result.exception, ImportRejected)
    assert [(p.line, p.column, p.code) for p in result.exception.problems] == [
        (4, "occurred_at", "bad-timestamp")
    ]
    assert _db_rows(db, "SELECT count(*) FROM web_events") == [(0,)]
    report = tmp_path / "rejects.csv"
    skipped = runner.invoke(
        app,
        ["import", "web_events", str(path), "--db", str(db), "--skip-bad-rows",
         "--reject-report", str(report)],
    )  # fmt: skip
    assert skipped.exit_code == 0, skipped.output
    assert "2 inserted" in skipped.output and "1 rejected" in skipped.output
    assert report.read_text().splitlines()[1].startswith("4,occurred_at,")


def test_an_unknown_workspace_is_not_created(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    path = write(tmp_path, "web_events.csv", GOOD)
    result = runner.invoke(app, ["import", "web_events", str(path), "--db", str(db), "-w", "acme"])
    assert result.exit_code == 1
    assert isinstance(result.exception, WorkspaceNotFound)
    assert _db_rows(db, "SELECT count(*) FROM workspaces") == [(0,)]


def test_the_app_prints_the_rejection_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    path = write(tmp_path, "web_events.csv", GOOD + "e3,v1,2025-02-30,x\n")
    with pytest.raises(SystemExit) as info:
        app(["import", "web_events", str(path), "--db", str(db)], prog_name="socialroi")
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert f"{path}:4: column 'occurred_at'" in err
    assert "--skip-bad-rows" in err  # the next step


def test_import_dir(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    data = tmp_path / "data"
    data.mkdir()
    write(data, "web_events.csv", GOOD)
    write(data, "fx_rates.csv", "date,currency,rate\n2025-01-01,USD,0.5\n")
    write(data, "readme.csv", "a\n")
    result = runner.invoke(app, ["import-dir", str(data), "--db", str(db)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("fx_rates ←") < out.index("web_events ←")
    assert "readme.csv" in out
