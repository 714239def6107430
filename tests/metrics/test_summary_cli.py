"""``socialroi summary`` through Typer's CliRunner, on the hand-computed dataset."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from summary_data import seed
from test_summary import EXPECTED
from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.cli.summary import CSV_COLUMNS
from socialroi.engine import DuckDBEngine


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "s.duckdb"
    eng = DuckDBEngine(path)
    eng.ensure_workspace("ws", currency="EUR", timezone="UTC")
    seed(eng)
    eng.close()
    return str(path)


def _run(db: str, *args: str) -> str:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["summary", "--from", "2025-03-01", "--to", "2025-03-31", "-w", "ws", "--db", db,
              *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_is_the_summary(db: str) -> None:
    result = json.loads(_run(db, "--format", "json"))
    assert {k: result[k] for k in EXPECTED} == EXPECTED
    assert {"attribution", "engagement", "response", "share_of_voice"} <= set(result)
    assert result["bots"] == {"hits": 0, "by_bot": []}  # no bot hits in this database


def test_csv_has_one_row_per_section_row(db: str) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(db, "--format", "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["section"] for r in rows] == (
        ["totals", "social"] + ["by_network"] * 3 + ["by_channel"] * 6
    )
    assert rows[0]["visits"] == "7" and rows[0]["unallocated_cost"] == "200.0"
    assert rows[0]["network"] == "" and rows[0]["cost_per_lead"] == ""  # not applicable
    x = next(r for r in rows if r["network"] == "x")
    assert (x["cost_per_lead"], x["cost_per_customer"], x["roi"]) == ("", "90.0", "-1.0")
    unassigned = rows[-1]
    assert (unassigned["channel"], unassigned["leads"]) == ("Unassigned", "1")


def test_table_shows_the_sections(db: str) -> None:
    out = _run(db)
    # money in whole units on the terminal (exact values are in json/csv), ROI in percent
    for text in ("Totals and social", "By network", "By channel", "linkedin", "1,700"):
        assert text in out


def test_bad_dates_and_formats_are_usage_errors(db: str) -> None:
    runner = CliRunner()
    bad_date = runner.invoke(app, ["summary", "--from", "March", "--db", db])
    assert bad_date.exit_code == 2 and "not a date" in bad_date.output
    reversed_ = runner.invoke(app, ["summary", "--from", "2025-04-01", "--to", "2025-03-01",
                                    "--db", db])  # fmt: skip
    assert reversed_.exit_code == 2
    bad_format = runner.invoke(app, ["summary", "--format", "xml", "--db", db])
    assert bad_format.exit_code == 2


def test_unknown_workspace_exits_1_with_a_hint(db: str) -> None:
    result = CliRunner().invoke(app, ["summary", "-w", "nope", "--db", db])
    assert result.exit_code == 1
