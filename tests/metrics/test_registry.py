"""The metric registry (``socialroi.metrics.registry``) and ``socialroi metrics NAME``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from summary_data import insert
from test_money import DATE_FROM, DATE_TO, WS, _seed
from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.cli.metrics import safe_cell
from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.metrics.registry import METRICS, MetricSpec, compute_metric, register


def test_roi_by_campaign_beside_the_previous_period(duck: DuckDBEngine) -> None:
    _seed(duck)
    # February (the 31 days before March: 01-29..02-28): 100 of ads on "spring", nothing else
    insert(duck, "costs", {"date": "2025-02-10", "amount": 100.0, "amount_base": 100.0,
                           "category": "ads", "campaign": "spring"})  # fmt: skip
    r = compute_metric(duck, WS, "roi", DATE_FROM, DATE_TO, by="campaign")
    assert r.previous == (dt.date(2025, 1, 29), dt.date(2025, 2, 28))
    rows = {row["campaign"]: row for row in r.rows}
    sp = rows["spring"]
    # cost 200 now, 100 before → +100 %; revenue 1,200 now, 0 before → change null (over 0)
    assert (sp["cost"], sp["cost_previous"], sp["cost_change"]) == (200.0, 100.0, 1.0)
    assert (sp["revenue_previous"], sp["revenue_change"]) == (0.0, None)
    # ROI now 5.0; before (0 − 100) / 100 = −1.0 → change (5 − (−1)) / 1 = 6.0
    assert (sp["roi_previous"], sp["roi_change"]) == (-1.0, 6.0)
    ch = rows["challenge"]  # nothing before: additive 0, ratios null
    assert (ch["cost_previous"], ch["roi_previous"], ch["roi_change"]) == (0.0, None, None)
    # ranked by revenue, descending: spring 1,200, challenge 800, unallocated 0
    assert [row["campaign"] for row in r.rows] == ["spring", "challenge", None]


def test_unknown_metric_and_grouping_are_config_errors(duck: DuckDBEngine) -> None:
    with pytest.raises(ConfigError, match="unknown metric 'nope'"):
        compute_metric(duck, WS, "nope", DATE_FROM, DATE_TO)
    with pytest.raises(ConfigError, match="cannot be grouped by 'sku'") as err:
        compute_metric(duck, WS, "roi", DATE_FROM, DATE_TO, by="sku")
    assert err.value.hint == "--by accepts: network, campaign, post"


def test_a_python_metric_is_one_entry(duck: DuckDBEngine) -> None:
    # a metric computed outside the engine (as CLV will be) registers rows= and is compared alike
    def rows(eng: Engine, ws: str, a: dt.date, b: dt.date, by: str | None) -> list[dict[str, Any]]:
        return [{"group": "social", "value": float((b - a).days + 1) * (2 if a.month == 3 else 1)}]

    spec = register(MetricSpec("test-days", "days × 2 in March", by={None: ("group",)},
                               rows=rows))  # fmt: skip
    try:
        r = compute_metric(duck, WS, "test-days", DATE_FROM, DATE_TO)
        # March: 31 × 2 = 62; the previous 31 days (Jan/Feb): 31 → change (62 − 31) / 31 = 1.0
        assert r.rows == [{"group": "social", "value": 62.0, "value_previous": 31.0,
                           "value_change": 1.0}]  # fmt: skip
    finally:
        del METRICS[spec.name]
    with pytest.raises(ValueError, match="exactly one of build= and rows="):
        register(MetricSpec("bad", "bad", by={None: ()}))


def test_every_metric_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    _seed(duck)

    def run(eng: Engine) -> dict[str, Any]:
        out = {}
        for name, spec in METRICS.items():
            if name == "forecast":  # a month of data: refused, tested below
                continue
            for by in spec.by:
                out[f"{name}/{by}"] = compute_metric(eng, WS, name, DATE_FROM, DATE_TO, by=by).rows
        return out

    result = same_on_both(duck, run)
    assert result["roi/campaign"][0]["campaign"] == "spring"
    assert result["post-leaderboard/None"][0]["post_id"] == "p1"
    with pytest.raises(ConfigError, match="a forecast needs at least 6"):
        compute_metric(duck, WS, "forecast", DATE_FROM, DATE_TO)


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "m.duckdb"
    eng = DuckDBEngine(path)
    eng.ensure_workspace(WS, currency="EUR", timezone="UTC")
    _seed(eng)
    insert(eng, "costs", {"date": "2025-03-03", "amount": 1.0, "amount_base": 1.0,
                          "category": "other", "campaign": "=HYPERLINK(1)"})  # fmt: skip
    eng.close()
    return str(path)


def _run(db: str, *args: str, code: int = 0) -> str:
    result = CliRunner(env={"COLUMNS": "240"}).invoke(
        app, ["metrics", *args, "--from", "2025-03-01", "--to", "2025-03-31", "-w", WS,
              "--db", db],
    )  # fmt: skip
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


def test_cli_json_csv_and_table(db: str) -> None:
    data = json.loads(_run(db, "roi", "--by", "campaign", "--format", "json"))
    assert data["previous_period"] == {"from": "2025-01-29", "to": "2025-02-28"}
    rows = {r["campaign"]: r for r in data["rows"]}
    assert rows["challenge"]["roi_with_labour"] == pytest.approx(-0.2)
    text = _run(db, "roi", "--by", "campaign", "--format", "csv", "--no-compare")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert "roi_previous" not in parsed[0]
    # a campaign name that a spreadsheet would run is exported as text
    assert "'=HYPERLINK(1)" in {r["campaign"] for r in parsed}
    table = _run(db, "roi", "--by", "campaign")
    assert "challenge" in table and "roi_with_labour" in table
    listing = CliRunner(env={"COLUMNS": "240"}).invoke(app, ["metrics", "--db", db]).stdout
    assert all(name in listing for name in METRICS)  # the list of metrics


def test_cli_refuses_unknown_names(db: str) -> None:
    assert "is not a metric" in _run(db, "nope", code=2)
    bad_by = CliRunner().invoke(app, ["metrics", "roi", "--by", "sku", "--db", db, "-w", WS])
    assert bad_by.exit_code == 1 and isinstance(bad_by.exception, ConfigError)
    assert bad_by.exception.hint == "--by accepts: network, campaign, post"


def test_safe_cell() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+1", "-x", "@a", "ok", -1.5, None)] == [
        "'=1+1", "'+1", "'-x", "'@a", "ok", -1.5, ""]  # fmt: skip
