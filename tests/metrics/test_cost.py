"""Spend spread over days and labour cost (``socialroi.metrics.cost``)."""

from __future__ import annotations

import datetime as dt

import pytest
from summary_data import insert

from socialroi.engine import DuckDBEngine
from socialroi.metrics import cost_in_period, labour_cost, spread_cost_per_day

MAR_20 = dt.date(2025, 3, 20)
APR_30 = dt.date(2025, 4, 30)


def _cost(
    duck: DuckDBEngine, date: str, amount: float, end: str | None, network: str | None
) -> None:
    insert(duck, "costs", {"date": date, "amount": amount, "category": "ads", "end_date": end,
                           "network": network, "amount_base": amount})  # fmt: skip


def test_spread_cost_per_day(duck: DuckDBEngine) -> None:
    _cost(duck, "2025-03-01", 310.0, "2025-03-31", "x")  # 31 days → 10.0 a day
    _cost(duck, "2025-03-05", 50.0, None, None)  # one day
    _cost(duck, "2025-03-05", 40.0, "2025-03-01", None)  # end before start: one day
    rows = duck.execute(spread_cost_per_day(duck.tables("ws").costs).order_by("amount")).to_pylist()
    assert [(r["days"], r["cost_per_day"]) for r in rows] == [(1, 40.0), (1, 50.0), (31, 10.0)]


def test_cost_in_period_clips_a_spread(duck: DuckDBEngine) -> None:
    _cost(duck, "2025-03-01", 310.0, "2025-03-31", "x")  # 03-20..03-31 = 12 days × 10 = 120
    _cost(duck, "2025-05-01", 999.0, "2025-05-31", "x")  # after the period
    _cost(duck, "2025-03-19", 77.0, None, None)  # the day before the period
    _cost(duck, "2025-04-30", 5.0, None, None)  # the last day: counts in full
    _cost(duck, "2025-04-25", 100.0, "2025-05-04", "linkedin")  # 6 of 10 days → 60
    t = cost_in_period(duck.tables("ws").costs, MAR_20, APR_30).order_by("cost")
    rows = duck.execute(t).to_pylist()
    assert [(r["network"], r["overlap_days"], r["cost"]) for r in rows] == [
        (None, 1, 5.0),
        ("linkedin", 6, pytest.approx(60.0)),
        ("x", 12, pytest.approx(120.0)),
    ]


def test_labour_cost(duck: DuckDBEngine) -> None:
    # 40 h × 50.0 = 2,000 (social-metrics.md §4); the row after the period is left out
    for date, hours in (("2025-03-20", 40.0), ("2025-05-01", 8.0)):
        insert(duck, "staff_hours", {"date": date, "person": "ana", "hours": hours,
                                     "hourly_rate": 50.0, "hourly_rate_base": 50.0})  # fmt: skip
    rows = duck.execute(labour_cost(duck.tables("ws").staff_hours, MAR_20, APR_30)).to_pylist()
    assert [(r["network"], r["labour_cost"]) for r in rows] == [(None, 2_000.0)]
