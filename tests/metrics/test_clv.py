"""Customer lifetime value (``socialroi.metrics.clv``), hand-computed, plus the CDNOW fits.

Observation ends 2025-04-01 00:00 UTC (period to 2025-03-31, workspace UTC). Customers:

  c1 (contact, visitor v1): linkedin visit 01-10, won deals 01-20 1000 and 03-05 500
     → social (linkedin 10 days before becoming a customer), revenue 1500
  c2 (contact, visitor v2): linkedin visit 2024-09-01 (> 90 days before), won deal 02-01 300
     → not social, revenue 300
  v3 (visitor only): google visit, purchases 02-10 200 and 03-10 100, refund 02-12 50,
     purchase 04-05 80 (after the end) → not social, revenue 200 − 50 + 100 = 250
  v4 (visitor only): paid facebook visit 03-01, purchases 40 and 60 the same day → social, 100
  c5 (contact): won deal 04-10 → not a customer before the end

  historical CLV: social (1500 + 100) / 2 = 800; non-social (300 + 250) / 2 = 275.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from summary_data import insert, web_event

from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.metrics.clv import (
    BetaGeo,
    GammaGamma,
    clv_section,
    compare_groups,
    customer_values,
    expected_purchases,
    fit_beta_geo,
    fit_gamma_gamma,
    historical_clv,
    predictive_clv,
    probability_alive,
    purchase_summary,
    retention_counts,
    retention_curves,
)

WS = "ws"
END = dt.datetime(2025, 4, 1)
CDNOW = Path(__file__).parent.parent / "data" / "cdnow_customers_summary_with_transactions.csv"


def _deal(duck: DuckDBEngine, deal_id: str, contact_id: str, closed_at: str, amount: float) -> None:
    insert(duck, "deals", {"deal_id": deal_id, "contact_id": contact_id,
                           "created_at": "2024-12-01", "stage": "won", "closed_at": closed_at,
                           "amount": amount, "currency": "EUR", "amount_base": amount})  # fmt: skip


def _buy(
    duck: DuckDBEngine, eid: str, visitor: str, at: str, amount: float, event: str = "purchase"
) -> None:
    row = web_event(eid, visitor, at, event, revenue=amount, revenue_base=amount,
                    transaction_id=f"T{eid}")  # fmt: skip
    insert(duck, "web_events", row)


def seed(duck: DuckDBEngine) -> None:
    for cid, created, visitor in (("c1", "2025-01-10 10:05:00", "v1"),
                                  ("c2", "2024-09-01 10:05:00", "v2"),
                                  ("c5", "2025-03-01 10:00:00", None)):  # fmt: skip
        insert(duck, "contacts", {"contact_id": cid, "created_at": created, "visitor_id": visitor})
    insert(duck, "web_events", web_event("a1", "v1", "2025-01-10 10:00:00", "pageview",
                                         ("linkedin", "social")))  # fmt: skip
    insert(duck, "web_events", web_event("a2", "v2", "2024-09-01 10:00:00", "pageview",
                                         ("linkedin", "social")))  # fmt: skip
    _deal(duck, "d1", "c1", "2025-01-20 15:00:00", 1000.0)
    _deal(duck, "d2", "c1", "2025-03-05 15:00:00", 500.0)
    _deal(duck, "d3", "c2", "2025-02-01 15:00:00", 300.0)
    _deal(duck, "d5", "c5", "2025-04-10 15:00:00", 999.0)
    insert(duck, "web_events", web_event("b0", "v3", "2025-02-10 11:59:00", "pageview", None,
                                         "https://www.google.com/"))  # fmt: skip
    _buy(duck, "b1", "v3", "2025-02-10 12:00:00", 200.0)
    _buy(duck, "b2", "v3", "2025-02-12 12:00:00", 50.0, "refund")
    _buy(duck, "b3", "v3", "2025-03-10 12:00:00", 100.0)
    _buy(duck, "b4", "v3", "2025-04-05 12:00:00", 80.0)
    insert(duck, "web_events", web_event("f0", "v4", "2025-03-01 11:59:00", "pageview",
                                         ("facebook", "cpc")))  # fmt: skip
    _buy(duck, "f1", "v4", "2025-03-01 12:00:00", 40.0)
    _buy(duck, "f2", "v4", "2025-03-01 14:00:00", 60.0)


def test_customer_values_hand_computed(duck: DuckDBEngine) -> None:
    seed(duck)
    rows = duck.execute(customer_values(duck.tables(WS), END).order_by("person_id")).to_pylist()
    assert [(r["person_id"], r["social"], r["revenue"]) for r in rows] == [
        ("contact:c1", True, 1500.0),
        ("contact:c2", False, 300.0),  # its linkedin visit is 153 days before the deal
        ("visitor:v3", False, 250.0),  # 200 − 50 + 100; the 80 of 04-05 is after the end
        ("visitor:v4", True, 100.0),
    ]
    assert clv_section(duck, WS, dt.date(2025, 3, 1), dt.date(2025, 3, 31)) == {
        "social": 800.0,  # (1500 + 100) / 2
        "non_social": 275.0,  # (300 + 250) / 2
    }


def test_empty_groups_are_null(duck: DuckDBEngine) -> None:
    assert clv_section(duck, WS, dt.date(2025, 3, 1), dt.date(2025, 3, 31)) == {
        "social": None,
        "non_social": None,
    }


def test_purchase_summary(duck: DuckDBEngine) -> None:
    seed(duck)
    rows = duck.execute(purchase_summary(duck.tables(WS), END).order_by("person_id")).to_pylist()
    got = [(r["person_id"], r["frequency"], r["recency"], r["age"], r["monetary"],
            r["first_value"], r["social"]) for r in rows]  # fmt: skip
    assert got == [
        # days 01-20 and 03-05: x 1, t_x 11 + 28 + 5 = 44, T to 04-01 = 44 + 27 = 71
        ("contact:c1", 1, 44.0, 71.0, 500.0, 1000.0, True),
        # one day 02-01: x 0, T = 28 + 31 = 59, no repeat spend
        ("contact:c2", 0, 0.0, 59.0, None, 300.0, False),
        # 02-10 and 03-10 (refund is no purchase): t_x 28, T 28 + 22 = 50
        ("visitor:v3", 1, 28.0, 50.0, 100.0, 200.0, False),
        # two purchases on 03-01 are one purchase day of 100: T 31
        ("visitor:v4", 0, 0.0, 31.0, None, 100.0, True),
    ]


def test_retention_curves_hand_computed(duck: DuckDBEngine) -> None:
    seed(duck)
    counts = retention_counts(duck.tables(WS), END, period_days=30)
    buyers = duck.execute(counts["buyers"]).to_pylist()
    active = duck.execute(counts["active"]).to_pylist()
    key = sorted((r["observable"], r["first_repeat"] if r["first_repeat"] is not None else -1,
                  r["buyers"]) for r in buyers)  # fmt: skip
    # c1: first 01-20 15:00, end − first = 70.4 days → K 2, repeat at 44 days → offset 1
    # c2: K ⌊58.4/30⌋ = 1, no repeat; v3: K ⌊49.5/30⌋ = 1, repeat at 28 days → offset 0
    # v4: K ⌊30.5/30⌋ = 1, second purchase the same day is not a repeat
    assert key == [(1, -1, 2), (1, 0, 1), (2, 1, 1)]
    assert sorted((r["offset"], r["buyers"]) for r in active) == [(0, 4), (1, 1)]
    curves = retention_curves(buyers, active, periods=3)
    assert curves == [
        {"period": 0, "observable": 4, "repeat_rate": 0.25, "retention": 1.0},  # v3; 4/4
        {"period": 1, "observable": 4, "repeat_rate": 0.5, "retention": 0.25},  # c1, v3; c1
        {"period": 2, "observable": 1, "repeat_rate": 1.0, "retention": 0.0},  # only c1 left
        {"period": 3, "observable": 0, "repeat_rate": None, "retention": None},
    ]
    with pytest.raises(ConfigError):
        retention_counts(duck.tables(WS), END, period_days=0)


def test_compare_groups_hand_computed() -> None:
    social = np.array([10.0, 20.0, 30.0])
    other = np.array([1.0, 2.0, 3.0])
    res = compare_groups(social, other, resamples=4000, seed=1)
    assert res.social == 20.0 and res.non_social == 2.0 and res.difference == 18.0
    # Welch: s² = 100 and 1, se = √(100/3 + 1/3) = 5.802, t = 18 / 5.802 = 3.102,
    # df = (101/3)² / ((100/3)²/2 + (1/3)²/2) = 1133.4 / 555.6 = 2.04 → two-sided p ≈ 0.088
    assert res.p_value == pytest.approx(0.0881, abs=0.002)
    assert res.social_ci is not None and 10.0 <= res.social_ci[0] < 20.0 < res.social_ci[1] <= 30
    assert res.difference_ci is not None and res.difference_ci[0] > 0  # 7 ≤ diff ≤ 29
    assert res.warning is not None and "social and non-social" in res.warning
    # seeded: same seed, same interval
    assert compare_groups(social, other, resamples=4000, seed=1) == res
    empty = compare_groups(np.array([]), other)
    assert empty.social is None and empty.difference is None and empty.p_value is None


def test_historical_clv_from_the_engine(duck: DuckDBEngine) -> None:
    seed(duck)
    res = historical_clv(duck, WS, dt.date(2025, 3, 31))
    assert (res.social_n, res.non_social_n) == (2, 2)
    assert (res.social, res.non_social, res.difference) == (800.0, 275.0, 525.0)
    # the seeded bootstrap draws from each group's values in ascending order, whatever order
    # the engine returned the rows in: social [100, 1500], non-social [250, 300]
    assert res == compare_groups(np.array([100.0, 1500.0]), np.array([250.0, 300.0]))


def test_summary_and_report_share_customer_values(duck: DuckDBEngine) -> None:
    """In one run of ``Engine.shared`` the customer values are one temporary table that the
    summary's CLV means and the report's comparison both read; it is gone after the run."""
    seed(duck)
    with duck.shared(WS) as t:
        first = customer_values(t, END)
        assert customer_values(duck.tables(WS), END) is first
        section = clv_section(duck, WS, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
        res = historical_clv(duck, WS, dt.date(2025, 3, 31))
        name = first.op().name  # type: ignore[attr-defined]
        temp = {r[0] for r in duck.run("SELECT table_name FROM duckdb_tables() WHERE temporary")}
        assert name in temp
    assert section == {"social": 800.0, "non_social": 275.0}
    assert (res.social, res.non_social) == (800.0, 275.0)
    after = {r[0] for r in duck.run("SELECT table_name FROM duckdb_tables() WHERE temporary")}
    assert name not in after
    # outside a run the plan is built again (nothing is kept)
    assert customer_values(duck.tables(WS), END) is not customer_values(duck.tables(WS), END)


@pytest.mark.spark
def test_clv_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    seed(duck)

    def run(eng: Engine) -> dict[str, Any]:
        t = eng.tables(WS)
        counts = retention_counts(t, END)
        return {
            "section": clv_section(eng, WS, dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
            "values": eng.execute(customer_values(t, END).order_by("person_id")).to_pylist(),
            "rfm": eng.execute(purchase_summary(t, END).order_by("person_id")).to_pylist(),
            "buyers": eng.execute(
                counts["buyers"].order_by(["observable", "first_repeat"])
            ).to_pylist(),
            "active": eng.execute(counts["active"].order_by("offset")).to_pylist(),
        }

    got = same_on_both(duck, run)
    assert got["section"] == {"social": 800.0, "non_social": 275.0}


# --------------------------------------------------------------------------------------------
# BG/NBD and Gamma-Gamma on CDNOW (lifetimes' data file, MIT; tests/data/SOURCE.md)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW)


def test_bg_nbd_reproduces_cdnow(cdnow: pd.DataFrame) -> None:
    m = fit_beta_geo(cdnow["x"], cdnow["t_x"], cdnow["T"])
    # Fader, Hardie & Lee (2005): r 0.243, α 4.414, a 0.793, b 2.426 (lifetimes: 0.242593 …)
    assert (round(m.r, 2), round(m.alpha, 2), round(m.a, 2), round(m.b, 2)) == (
        0.24, 4.41, 0.79, 2.43,
    )  # fmt: skip
    assert m.log_likelihood == pytest.approx(-9582.4, abs=0.1)  # the paper's LL
    assert m.n == 2357


def test_gamma_gamma_reproduces_cdnow(cdnow: pd.DataFrame) -> None:
    returning = cdnow[cdnow["x"] > 0]
    g = fit_gamma_gamma(returning["x"], returning["zbar"])
    # lifetimes' Quickstart: p 6.25, q 3.74, v 15.44
    assert (round(g.p, 2), round(g.q, 2)) == (6.25, 3.74)
    assert g.v == pytest.approx(15.44, abs=0.01)
    assert g.n == 946
    assert g.spend_frequency_corr is not None and abs(g.spend_frequency_corr) < 0.15


# the published parameters, to check the conditional formulas against social-metrics.md §6
PUBLISHED = BetaGeo(r=0.242593, alpha=4.413532, a=0.792886, b=2.425752, log_likelihood=0.0, n=0)
SPEND = GammaGamma(p=6.25, q=3.74, v=15.44, log_likelihood=0.0, n=0, spend_frequency_corr=None)


def test_conditional_expectations_match_the_spec() -> None:
    e = expected_purchases(PUBLISHED, 39, [2, 0], [30.43, 0.0], [38.86, 38.86])
    assert e[0] == pytest.approx(1.2259, abs=1e-4)
    assert e[1] == pytest.approx(0.1948, abs=1e-4)
    alive = probability_alive(PUBLISHED, [2, 0], [30.43, 0.0], [38.86, 38.86])
    assert alive[0] == pytest.approx(0.7266, abs=1e-4) and alive[1] == 1.0
    # 6.25 · 15.44 / 2.74 = 35.219; w = 12.5 / (12.5 + 2.74) = 0.8202 → 0.1798·35.219 + 0.8202·40
    assert SPEND.population_mean == pytest.approx(35.219, abs=1e-3)
    assert SPEND.expected_spend(np.array([2.0]), np.array([40.0]))[0] == pytest.approx(
        39.140, abs=1e-3
    )
    clv = predictive_clv(PUBLISHED, SPEND, [2], [30.43], [38.86], [40.0], months=12,
                         monthly_discount=0.01, units_per_month=4.345)  # fmt: skip
    assert clv[0] == pytest.approx(57.58, abs=0.01)
    with pytest.raises(ConfigError):
        predictive_clv(PUBLISHED, SPEND, [2], [30.43], [38.86], [40.0], months=0)


def test_fits_reject_bad_input() -> None:
    with pytest.raises(ConfigError):
        fit_beta_geo([], [], [])
    with pytest.raises(ConfigError):
        fit_beta_geo([1], [5.0], [3.0])  # recency after the end
    with pytest.raises(ConfigError):
        fit_gamma_gamma([0, 0], [0.0, 0.0])
