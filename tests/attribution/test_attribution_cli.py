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
    head = ["credit_key", "first_touch", "markov_low", "markov_high", "shapley_low",
            "shapley_high", "conversions_on_paths", "small_sample", "conversion", "window_days",
            "level", "from", "to"]  # fmt: skip
    assert rows[0] == head
    assert [r[:2] + r[6:] for r in rows[1:]] == [
        ["linkedin", "1.0", "1", "true", "customer", "90", "network", "2025-03-01", "2025-03-31"],
        ["x", "1.0", "1", "true", "customer", "90", "network", "2025-03-01", "2025-03-31"],
    ]
    # two conversions: every bootstrap interval lies within [0, 2]
    assert all(0.0 <= float(x) <= 2.0 for r in rows[1:] for x in r[2:6])

    out = runner.invoke(app, ["attribution", *MARCH, "--db", db])
    assert out.exit_code == 0 and "markov" in out.output and "linkedin" in out.output
    assert "bootstrap intervals" in out.output and "warning:" in out.output

    options = ["--level", "campaign", "--bootstrap", "0", "--no-direct"]
    out = runner.invoke(app, ["attribution", *MARCH, "--db", db, "--format", "json", *options])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert (result["level"], result["direct_credit"], result["intervals"]) == (
        "campaign", False, {"markov": {}, "shapley": {}}
    )
    assert result["models"]["first_touch"] == {"(no campaign)": 2.0}


def test_csv_cells_cannot_run_as_formulas() -> None:
    from socialroi.cli.attribution import attribution_csv

    text = attribution_csv({"conversion": "customer", "window_days": 90,
                            "models": {"linear": {"=HYPERLINK(1)": 1.0}}})  # fmt: skip
    assert "'=HYPERLINK(1)" in text


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    db = _db(tmp_path)
    runner = CliRunner()
    for bad in (["--model", "nope"], ["--conversion", "sale"], ["--window", "0"],
                ["--level", "country"], ["--bootstrap", "5"]):  # fmt: skip
        result = runner.invoke(app, ["attribution", *MARCH, "--db", db, *bad])
        assert result.exit_code == 2, bad
