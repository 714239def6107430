"""Ratio functions of ``socialroi.metrics.roi`` on literal tables (social-metrics.md §4)."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from socialroi.engine import DuckDBEngine
from socialroi.metrics import cost_per_customer, cost_per_lead, ratio, roi, roi_with_labour


def _rows(duck: DuckDBEngine, expr: Any) -> list[dict[str, Any]]:
    return list(duck.execute(expr).to_pylist())


def test_roi_worked_example(duck: DuckDBEngine) -> None:
    # social-metrics.md §4: revenue 12,000; cost 3,500 → (12,000 − 3,500) / 3,500 = 2.428571…;
    # with labour 3,500 + 40 h × 50 = 5,500 → (12,000 − 5,500) / 5,500 = 1.181818…
    t = ibis.memtable({"revenue": [12_000.0], "cost": [3_500.0], "cost_with_labour": [5_500.0]})
    (row,) = _rows(duck, roi_with_labour(roi(t)))
    assert row["roi"] == pytest.approx(8_500 / 3_500)
    assert row["roi_with_labour"] == pytest.approx(6_500 / 5_500)


def test_roi_is_null_when_cost_is_zero_and_minus_one_without_revenue(duck: DuckDBEngine) -> None:
    t = ibis.memtable(
        {"revenue": [100.0, 0.0, 0.0], "cost": [0.0, 100.0, 0.0], "cost_with_labour": [0.0, 0, 0]}
    )
    rows = _rows(duck, roi_with_labour(roi(t)))
    assert [r["roi"] for r in rows] == [None, -1.0, None]
    assert [r["roi_with_labour"] for r in rows] == [None, None, None]


def test_cost_per_lead_and_customer(duck: DuckDBEngine) -> None:
    # cost 3,500; 50 leads → CPL 70; 8 customers → 437.50 (social-metrics.md §4)
    # cost 90, 0 leads, 1 customer → CPL null, 90 per customer
    t = ibis.memtable({"cost": [3_500.0, 90.0], "leads": [50, 0], "customers": [8, 1]})
    rows = _rows(duck, cost_per_customer(cost_per_lead(t)))
    assert [(r["cost_per_lead"], r["cost_per_customer"]) for r in rows] == [
        (70.0, 437.5),
        (None, 90.0),
    ]


def test_ratio_zero_and_null_denominator_is_null(duck: DuckDBEngine) -> None:
    t = ibis.memtable({"n": [1.0, 1.0, 0.0, 3.0], "d": [0.0, None, 0.0, 4.0]})
    rows = _rows(duck, t.select(q=ratio(t.n, t.d)))
    assert [r["q"] for r in rows] == [None, None, None, 0.75]


def test_ratio_of_integers_is_a_float(duck: DuckDBEngine) -> None:
    t = ibis.memtable({"n": [1], "d": [3]})
    (row,) = _rows(duck, t.select(q=ratio(t.n, t.d)))
    assert row["q"] == pytest.approx(1 / 3)
