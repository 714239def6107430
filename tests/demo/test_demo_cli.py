"""``socialroi demo`` end to end on a small company: files, database, report, and the summary's
totals equal to the ground truth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.demo import GroundTruth
from socialroi.engine import DuckDBEngine
from socialroi.summary import summary


def test_demo_command_builds_database_and_report(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--visits", "5000", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file() and (out / "report.pdf").is_file()
    assert "report.html" in result.output and "report.pdf" in result.output
    assert "demo.duckdb" in result.output
    truth = GroundTruth.read(out / "data" / "ground_truth.json")
    with DuckDBEngine(out / "demo.duckdb") as eng:
        got = summary(
            eng,
            "acme",
            dt.date.fromisoformat(truth.period_from),
            dt.date.fromisoformat(truth.period_to),
        )
    assert got["totals"]["leads"] == truth.totals["leads"]
    assert got["totals"]["customers"] == truth.totals["customers"]
    assert abs(got["totals"]["revenue"] - truth.totals["revenue"]) < 0.05
    assert abs(got["totals"]["cost"] - truth.totals["cost"]) < 0.05
    # a second run replaces the database instead of importing twice
    again = CliRunner().invoke(app, ["demo", "--out", str(out), "--visits", "5000", "--seed", "3"])
    assert again.exit_code == 0, again.output
    with DuckDBEngine(out / "demo.duckdb") as eng:
        rows = eng.run("SELECT count(*) FROM contacts")[0][0]
    assert rows == truth.totals["leads"]
