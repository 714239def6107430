"""CLV, forecasts, goals and A/B tests on the demo company (the small session demo)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socialroi.demo import GroundTruth
from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_dir
from socialroi.metrics.abtest import ab_tests
from socialroi.metrics.clv import clv_section, historical_clv, predictive_clv_by_group
from socialroi.metrics.forecast import social_forecast
from socialroi.metrics.goals import goal_progress
from socialroi.summary import summary

WS = "acme"


@pytest.fixture(scope="module")
def demo_db(demo_dir: Path) -> Iterator[DuckDBEngine]:
    with DuckDBEngine(":memory:") as eng:
        eng.ensure_workspace(WS, currency="EUR", timezone="Europe/Berlin", brand="acme")
        import_dir(eng, WS, demo_dir)
        yield eng


def _period(truth: GroundTruth) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(truth.period_from), dt.date.fromisoformat(truth.period_to)


def test_social_customers_are_worth_more(demo_db: DuckDBEngine, truth: GroundTruth) -> None:
    rule = truth.rule("social-customers-worth-more")
    date_from, date_to = _period(truth)
    section = clv_section(demo_db, WS, date_from, date_to)
    # the generator's own count (a social visit in the 90 days before becoming a customer)
    assert section == {
        "social": pytest.approx(rule.figures["clv_social"], abs=0.01),
        "non_social": pytest.approx(rule.figures["clv_non_social"], abs=0.01),
    }
    assert section["social"] > section["non_social"]
    res = historical_clv(demo_db, WS, date_to)
    assert (res.social_n, res.non_social_n) == (
        rule.figures["social_customers"],
        rule.figures["non_social_customers"],
    )
    assert res.social_ci is not None and res.social_ci[0] < res.social < res.social_ci[1]
    assert res.difference is not None and res.difference > 0
    assert res.difference_ci is not None and res.difference_ci[0] < res.difference
    assert res.p_value is not None and 0.0 < res.p_value < 1.0


def test_forecast_runs_on_the_demo(demo_db: DuckDBEngine, truth: GroundTruth) -> None:
    _, date_to = _period(truth)
    last_full = dt.date(date_to.year, date_to.month, 1) - dt.timedelta(days=1)
    fc = social_forecast(demo_db, WS, last_full, horizon=6)
    assert set(fc) == {"leads", "customers", "revenue"}
    for f in fc.values():
        assert len(f.points) == 6 and f.points[0]["month"] == dt.date(2025, 12, 1)
        assert f.warnings and "months of history" in f.warnings[0]  # under 24 months
        for p in f.points:
            assert 0.0 <= p["lo95"] <= p["lo80"] <= p["value"] <= p["hi80"] <= p["hi95"]
    assert sum(h["value"] for h in fc["leads"].history) > 0


def test_goals_match_the_summary(demo_db: DuckDBEngine) -> None:
    q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    goals = [g for g in goal_progress(demo_db, WS, dt.date(2025, 4, 15))
             if g["period_start"] == q1[0]]  # fmt: skip
    year = summary(demo_db, WS, *q1)
    by = {(g["metric"], g["network"]): g for g in goals}
    assert by[("leads", None)]["actual"] == year["totals"]["leads"]
    assert by[("customers", None)]["actual"] == year["totals"]["customers"]
    assert by[("revenue", None)]["actual"] == pytest.approx(year["totals"]["revenue"], abs=0.01)
    li = next(r for r in year["by_network"] if r["network"] == "linkedin")
    assert by[("leads", "linkedin")]["actual"] == li["leads"]
    assert all(g["status"] in ("met", "missed") for g in goals)  # Q1 is over on 04-15
    campaign = [g for g in goal_progress(demo_db, WS, dt.date(2025, 12, 31)) if g["campaign"]]
    # the TikTok challenge campaign brought leads (demo rule tiktok-challenge)
    assert campaign and all(g["status"] in ("met", "missed") and g["actual"] > 0
                            for g in campaign)  # fmt: skip


def test_ab_tests_on_the_demo(demo_db: DuckDBEngine, truth: GroundTruth) -> None:
    tests = ab_tests(demo_db, WS, *_period(truth))
    assert tests, "the demo's posts carry variants"
    for t in tests:
        assert len(t["arms"]) >= 2
        assert all(a["persons"] >= a["conversions"] >= 0 for a in t["arms"])
        # every demo test is small: each says it is underpowered or approximate
        assert t["warnings"]


def test_predictive_clv_on_the_demo(demo_db: DuckDBEngine, truth: GroundTruth) -> None:
    _, date_to = _period(truth)
    res = predictive_clv_by_group(demo_db, WS, date_to, months=12)
    assert res["social"]["buyers"] + res["non_social"]["buyers"] == res["bg_nbd"]["n"] > 0
    assert all(v > 0 for k, v in res["bg_nbd"].items() if k != "n")
    assert res["gamma_gamma"] is not None and res["gamma_gamma"]["n"] >= 2
    for g in ("social", "non_social"):
        assert res[g]["clv"] is not None and res[g]["clv"] >= 0.0
        assert 0.0 < res[g]["p_alive"] <= 1.0
    assert any("buyers" in w for w in res["warnings"])  # about 80 buyers: flagged unstable


def test_statistical_metrics_through_the_registry(
    demo_db: DuckDBEngine, truth: GroundTruth
) -> None:
    """`socialroi metrics clv|ab-tests|forecast|goals` print what the functions compute."""
    from socialroi.metrics.registry import compute_metric

    date_from, date_to = _period(truth)
    clv = {r["group"]: r for r in compute_metric(demo_db, WS, "clv", date_from, date_to).rows}
    direct = historical_clv(demo_db, WS, date_to)
    assert clv["social"]["customers"] == direct.social_n
    assert clv["social"]["clv"] == pytest.approx(direct.social, abs=0.005)
    assert clv["non_social"]["clv"] == pytest.approx(direct.non_social, abs=0.005)
    assert clv["difference"]["p_value"] == pytest.approx(direct.p_value)

    goals = compute_metric(demo_db, WS, "goals", date_from, date_to).rows
    expected = goal_progress(demo_db, WS, date_to)
    def facts(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted((g["metric"], g["network"] or "", g["actual"], g["status"]) for g in rows)

    assert facts(goals) == facts(expected)

    arms = compute_metric(demo_db, WS, "ab-tests", date_from, date_to).rows
    tests = ab_tests(demo_db, WS, date_from, date_to)
    assert len(arms) == sum(len(t["arms"]) for t in tests)

    fc = compute_metric(demo_db, WS, "forecast", date_from, date_to).rows
    points = [r for r in fc if r["kind"] == "forecast"]
    assert {r["metric"] for r in points} == {"leads", "customers", "revenue"}
    assert all(r["lo95"] <= r["lo80"] <= r["value"] <= r["hi80"] <= r["hi95"] for r in points)
