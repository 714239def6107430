"""``socialroi attribution``: json, csv and table output on the hand-computed dataset."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from test_section import _seed
from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.engine import DuckDBEngine

MARCH = ["--from", "2025-03-01", "--to", "2025-03-31", "-w", "ws"]


def _db(tmp_path: Path) -> str:
    path = tmp_path / "a.duckdb"
    with DuckDBEngine(path) as eng:
        eng.ensure_workspace("ws")
        _seed(eng)
    return str(path)


def test_json_csv_and_table(tmp_path: Path) -> None:
    db = _db(tmp_path)
    runner = CliRunner()
    out = runner.invoke(app, ["attribution", *MARCH, "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["conversions"] == 2 and result["period"]["from"] == "2025-03-01"
    assert result["models"]["shapley"] == {"x": 1.0, "Organic Search": 0.5, "linkedin": 0.5}

    out = runner.invoke(app, ["attribution", *MARCH, "--db", db, "--format", "csv",
                              "--model", "first_touch"])  # fmt: skip
    rows = list(csv.reader(io.StringIO(out.output)))
    assert rows == [["credit_key", "first_touch"], ["linkedin", "1.0"], ["x", "1.0"]]

    out = runner.invoke(app, ["attribution", *MARCH, "--db", db])
    assert out.exit_code == 0 and "markov" in out.output and "linkedin" in out.output


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    db = _db(tmp_path)
    runner = CliRunner()
    for bad in (["--model", "nope"], ["--conversion", "sale"], ["--window", "0"]):
        result = runner.invoke(app, ["attribution", *MARCH, "--db", db, *bad])
        assert result.exit_code == 2, bad
