"""Monthly social series, their forecast, goals with pace (``metrics/forecast.py``, ``goals.py``).

Data (workspace UTC):
  v1 linkedin visit 2025-01-10, lead 01-10, purchase 02-03 100, refund 03-01 30  → social
  v2 google visit 2025-01-11, lead 01-11                                          → not social
  v3 facebook visit 2025-03-31 23:30, lead 23:40                                  → social
  → social months: Jan leads 1; Feb customers 1, revenue 100; Mar leads 1, revenue −30.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from summary_data import insert, web_event

from socialroi.aggregates import refresh
from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.metrics.forecast import (
    forecast_backtest,
    forecast_series,
    month_starts,
    monthly_social,
)
from socialroi.metrics.goals import goal_pace, goal_progress

WS = "ws"


def seed(duck: DuckDBEngine) -> None:
    for row in (
        web_event("a1", "v1", "2025-01-10 10:00:00", "pageview", ("linkedin", "social"),
                  utm_campaign="Launch "),
        web_event("a2", "v1", "2025-01-10 10:05:00", "lead"),
        web_event("a3", "v1", "2025-02-03 10:00:00", "purchase", revenue=100.0,
                  revenue_base=100.0, transaction_id="T1"),
        web_event("a4", "v1", "2025-03-01 10:00:00", "refund", revenue=30.0, revenue_base=30.0,
                  transaction_id="T1"),
        web_event("b1", "v2", "2025-01-11 10:00:00", "pageview", None, "https://www.google.com/"),
        web_event("b2", "v2", "2025-01-11 10:05:00", "lead"),
        web_event("c1", "v3", "2025-03-31 23:30:00", "pageview", ("facebook", "social")),
        web_event("c2", "v3", "2025-03-31 23:40:00", "lead"),
    ):  # fmt: skip
        insert(duck, "web_events", row)


def _months(engine: Engine) -> list[dict[str, Any]]:
    t = engine.tables(WS)
    expr = monthly_social(t, dt.date(2024, 12, 1), dt.date(2025, 3, 31)).order_by("month")
    return engine.execute(expr).to_pylist()  # type: ignore[no-any-return]


def test_monthly_social_hand_computed(duck: DuckDBEngine) -> None:
    seed(duck)
    assert _months(duck) == [  # December has no fact: absent
        {"month": dt.date(2025, 1, 1), "leads": 1, "customers": 0, "revenue": 0.0},
        {"month": dt.date(2025, 2, 1), "leads": 0, "customers": 1, "revenue": 100.0},
        {"month": dt.date(2025, 3, 1), "leads": 1, "customers": 0, "revenue": -30.0},
    ]


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Paris"])
def test_monthly_social_from_daily_aggregates(duck: DuckDBEngine, timezone: str) -> None:
    """With fresh daily aggregates the months are sums of stored days: equal to the months
    computed from the entities. In Paris v3's lead (03-31 23:40 UTC = 04-01 01:40 local) moves
    to April, which is past the last month asked for: March keeps only v1's refund."""
    seed(duck)
    duck.run("UPDATE workspaces SET timezone = ? WHERE workspace_id = ?", [timezone, WS])
    refresh(duck, WS)
    t = duck.tables(WS)
    assert "daily" in t.derived
    expr = monthly_social(t, dt.date(2024, 12, 1), dt.date(2025, 3, 31)).order_by("month")
    assert "derived_daily" in str(duck.backend.compile(expr))  # read from the stored days
    stored = duck.execute(expr).to_pylist()
    live_t = dataclasses.replace(t, derived={})
    live = monthly_social(live_t, dt.date(2024, 12, 1), dt.date(2025, 3, 31)).order_by("month")
    assert stored == duck.execute(live).to_pylist()
    march = {"month": dt.date(2025, 3, 1), "leads": 1, "customers": 0, "revenue": -30.0}
    if timezone == "Europe/Paris":
        march["leads"] = 0
    assert stored[-1] == march


@pytest.mark.spark
def test_monthly_social_and_goals_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    seed(duck)
    row = {"metric": "leads", "period_start": "2025-01-01", "period_end": "2025-01-31",
           "target": 1.0, "campaign": "launch"}  # fmt: skip
    insert(duck, "goals", row)
    row = {"metric": "visits", "period_start": "2025-01-01", "period_end": "2025-03-31",
           "target": 9.0, "network": "social"}  # fmt: skip
    insert(duck, "goals", row)

    def run(engine: Engine) -> dict[str, Any]:
        return {"months": _months(engine), "goals": goal_progress(engine, WS, dt.date(2025, 2, 1))}

    got = same_on_both(duck, run)
    assert len(got["months"]) == 3
    # visits from social networks to 02-01: v1 linkedin (01-10) = 1; launch leads: v1 = 1
    assert [g["actual"] for g in got["goals"]] == [1.0, 1.0]


def test_month_starts() -> None:
    assert month_starts(dt.date(2024, 11, 15), dt.date(2025, 2, 1)) == [
        dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1),
    ]  # fmt: skip


MONTHS12 = month_starts(dt.date(2024, 1, 1), dt.date(2024, 12, 1))


def test_forecast_intervals_are_nested_and_scaled() -> None:
    values = [100.0 + 10 * i + (5 if i % 2 else -5) for i in range(12)]  # trend + zig-zag
    fc = forecast_series(MONTHS12, values, horizon=6, metric="leads")
    assert [p["month"] for p in fc.points] == month_starts(dt.date(2025, 1, 1), dt.date(2025, 6, 1))
    assert fc.model == "ETS(A,Ad,N)"
    assert fc.warnings and "12 months" in fc.warnings[0]  # short history is flagged
    widths = []
    for p in fc.points:
        assert p["lo95"] <= p["lo80"] <= p["value"] <= p["hi80"] <= p["hi95"]
        # symmetric normal intervals: (hi95 − ŷ) / (hi80 − ŷ) = 1.95996 / 1.28155 = 1.5294
        assert (p["hi95"] - p["value"]) / (p["hi80"] - p["value"]) == pytest.approx(1.5294, 1e-3)
        widths.append(p["hi95"] - p["lo95"])
    assert widths == sorted(widths)  # uncertainty grows with the horizon
    # the trend continues, damped: above the last level, below the straight line (220 + 10h)
    assert 200 < fc.points[0]["value"] < 235
    assert fc.points[5]["value"] < 220 + 10 * 6


def test_forecast_of_a_constant_series_is_that_constant() -> None:
    fc = forecast_series(MONTHS12, [7.0] * 12, horizon=3)
    assert fc.model == "constant"
    assert [(p["value"], p["lo95"], p["hi95"]) for p in fc.points] == [(7.0, 7.0, 7.0)] * 3


def test_forecast_bounds_are_clipped_at_zero() -> None:
    fc = forecast_series(MONTHS12, [5.0, 0.0, 3.0, 0.0, 6.0, 1.0, 0.0, 4.0, 0.0, 2.0, 0.0, 1.0])
    assert all(p["lo95"] >= 0.0 and p["value"] >= 0.0 for p in fc.points)


def test_backtest_hand_computed() -> None:
    # a constant 7 forecasts 7 exactly: MAE 0, every held-out month inside both intervals
    flat = forecast_backtest(MONTHS12, [7.0] * 12, holdout=3)
    assert (flat["holdout"], flat["mae"], flat["coverage80"], flat["coverage95"]) == (
        3, 0.0, 1.0, 1.0,
    )  # fmt: skip
    assert any("9 months" in w for w in flat["warnings"])  # fitted on 12 − 3 = 9 months
    # the same history then a jump to 50, 60, 70: |50 − 7| + |60 − 7| + |70 − 7| = 159 → 53,
    # outside the zero-width intervals
    jump = forecast_backtest(MONTHS12, [7.0] * 9 + [50.0, 60.0, 70.0], holdout=3)
    assert (jump["mae"], jump["coverage80"], jump["coverage95"]) == (53.0, 0.0, 0.0)
    with pytest.raises(ConfigError, match="at least 6"):
        forecast_backtest(MONTHS12, [7.0] * 12, holdout=7)  # 5 months left to fit on


def test_forecast_rejects_short_history_and_bad_horizon() -> None:
    with pytest.raises(ConfigError, match="at least 6"):
        forecast_series(MONTHS12[:5], [1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(ConfigError, match="1 to 12"):
        forecast_series(MONTHS12, [1.0] * 12, horizon=0)


def test_goal_pace_hand_computed() -> None:
    jan1, jan30 = dt.date(2025, 1, 1), dt.date(2025, 1, 30)
    # 30-day goal of 300, 120 after 10 days: projected 120 × 30 / 10 = 360 ≥ 300, expected 100
    assert goal_pace(300, 120, jan1, jan30, dt.date(2025, 1, 10)) == {
        "days": 30, "elapsed_days": 10, "expected_to_date": 100.0, "projected": 360.0,
        "attainment": 0.4, "status": "on_track",
    }  # fmt: skip
    # 80 after 10 days: 80 × 3 = 240 < 300
    assert goal_pace(300, 80, jan1, jan30, dt.date(2025, 1, 10))["status"] == "behind"
    assert goal_pace(300, 0, jan1, jan30, dt.date(2024, 12, 31))["status"] == "not_started"
    over = goal_pace(300, 310, jan1, jan30, dt.date(2025, 2, 5))
    assert (over["projected"], over["status"], over["elapsed_days"]) == (310, "met", 30)
    assert goal_pace(300, 299, jan1, jan30, jan30)["status"] == "missed"
    assert goal_pace(0, 5, jan1, jan30, jan30)["attainment"] is None  # target 0: null ratio


def test_goal_progress_from_the_goals_table(duck: DuckDBEngine) -> None:
    seed(duck)
    for metric, start, end, target, network, campaign in (
        ("leads", "2025-01-01", "2025-01-31", 2.0, "social", None),
        ("revenue", "2025-02-01", "2025-02-28", 500.0, None, None),
        ("leads", "2025-02-01", "2025-02-28", 5.0, "tiktok", "challenge"),
        ("visits", "2025-01-01", "2025-01-31", 3.0, None, " LAUNCH "),
        ("leads", "2025-01-01", "2025-01-31", 1.0, None, "launch"),
        ("likes", "2025-01-01", "2025-01-31", 1.0, None, None),
    ):
        row = {"metric": metric, "period_start": start, "period_end": end, "target": target,
               "network": network, "campaign": campaign}  # fmt: skip
        insert(duck, "goals", row)

    def by_key(goals: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {(g["metric"], g["network"], g["campaign"], g["period_start"].month): g
                for g in goals}  # fmt: skip

    jan = by_key(goal_progress(duck, WS, dt.date(2025, 1, 15)))
    leads = jan[("leads", "social", None, 1)]
    # 1 social lead (v1; v2 came from Google) in 15 of 31 days: 1 × 31 / 15 = 2.0667 ≥ 2;
    # expected 2 × 15 / 31 = 0.97
    assert (leads["actual"], leads["projected"], leads["expected_to_date"], leads["status"]) == (
        1.0, 2.07, 0.97, "on_track",
    )  # fmt: skip
    # campaign "launch" (v1's visit is tagged "Launch "): 1 visit, projected 1 × 31 / 15 = 2.07
    # < 3 → behind; v1's lead (first visit in the campaign) 1, projected 2.07 ≥ 1 → on track
    visits = jan[("visits", None, "LAUNCH", 1)]
    assert (visits["actual"], visits["projected"], visits["status"]) == (1.0, 2.07, "behind")
    assert jan[("leads", None, "launch", 1)]["status"] == "on_track"
    assert jan[("likes", None, None, 1)]["status"] == "unsupported"
    assert "unknown metric" in jan[("likes", None, None, 1)]["note"]
    revenue = jan[("revenue", None, None, 2)]
    assert revenue["status"] == "not_started" and revenue["actual"] == 0.0
    feb = by_key(goal_progress(duck, WS, dt.date(2025, 2, 14)))
    # revenue 100 in 14 of 28 days: projected 200 < 500
    revenue = feb[("revenue", None, None, 2)]
    assert (revenue["actual"], revenue["projected"], revenue["status"]) == (100.0, 200.0, "behind")
    assert feb[("leads", "social", None, 1)]["status"] == "missed"  # 1 social lead < 2
    tiktok = feb[("leads", "tiktok", "challenge", 2)]  # nothing from that campaign
    assert (tiktok["actual"], tiktok["status"]) == (0.0, "behind")


def test_goal_over_is_met_or_missed(duck: DuckDBEngine) -> None:
    seed(duck)
    row = {"metric": "leads", "period_start": "2025-01-01", "period_end": "2025-03-31",
           "target": 2.0, "network": "social"}  # fmt: skip
    insert(duck, "goals", row)
    # social leads in the quarter: v1 (Jan) and v3 (Mar 31 23:40) = 2 ≥ 2
    (g,) = goal_progress(duck, WS, dt.date(2025, 4, 2))
    assert (g["actual"], g["status"], g["attainment"]) == (2.0, "met", 1.0)
