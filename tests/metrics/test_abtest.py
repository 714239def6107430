"""A/B tests of post variants (``metrics/abtest.py``), hand-computed.

Campaign ``spring``: post pA1 (variant A), pB1 (variant B), pB2 (variant " B ", the same arm);
pX (no variant in a campaign that names variants: not in the test); campaign ``solo``: post s1
(no variant: its own arm, the only one: not a test). Short links LA →
pA1, LB → pB1. Period March 2025 (UTC), conversion = lead within 30 days.

  v1 LA click 03-03, lead 03-05                     → A, converted
  v2 utm_content=pA1 03-04, no lead                 → A
  v3 LB click 03-03 10:00, lead 03-03 10:05          → B, converted
  v4 utm_content=pB2 03-06, lead 05-01 (56 days)     → B, not converted (outside the window)
  v5 = contact c5 (lead since 02-01), LB click 03-07 → not at risk: left out
  v6 utm_content=pA1 03-08 and pB1 03-09, lead 03-10 → A and B, converted in both (overlap)
  v7 utm_content=s1 03-10                           → solo
  v8 utm_content=nothing 03-10; v9 utm_content=pA1 02-20 (before the period);
  v10 utm_content=pX 03-10                          → no arm
  → A: persons 3 (v1 v2 v6), conversions 2, overlap 1, posts 1;
    B: persons 3 (v3 v4 v6), conversions 2, overlap 1, posts 2 (pB1 by v3 v5 v6, pB2 by v4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from summary_data import insert, web_event

from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.metrics.abtest import (
    ab_arms,
    ab_test,
    ab_tests,
    required_sample_size,
    wilson_interval,
)

WS = "ws"
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
TAG = ("linkedin", "social")


def seed(duck: DuckDBEngine) -> None:
    insert(duck, "profiles", {"profile_id": "li", "network": "linkedin"})
    posts = (("pA1", "spring", "A"), ("pB1", "spring", "B"), ("pB2", " spring", " B "),
             ("pX", "spring", None), ("s1", "solo", None))  # fmt: skip
    for post_id, campaign, variant in posts:
        row = {"post_id": post_id, "profile_id": "li", "campaign": campaign, "variant": variant,
               "published_at": "2025-03-01 08:00:00"}  # fmt: skip
        insert(duck, "posts", row)
    for code, post in (("LA", "pA1"), ("LB", "pB1")):
        row = {"code": code, "target_url": "https://acme.example/", "post_id": post}
        insert(duck, "links", row)

    def click(visitor: str, code: str, at: str, k: str) -> None:
        insert(duck, "clicks", {"code": code, "clicked_at": at, "click_id": k,
                                "visitor_id": visitor})  # fmt: skip
        insert(duck, "web_events", web_event(f"{k}-pv", visitor, at, "pageview", click_id=k))

    def tagged(visitor: str, content: str, at: str, eid: str) -> None:
        insert(duck, "web_events", web_event(eid, visitor, at, "pageview", TAG,
                                             utm_content=content))  # fmt: skip

    def lead(visitor: str, at: str, eid: str) -> None:
        insert(duck, "web_events", web_event(eid, visitor, at, "lead"))

    click("v1", "LA", "2025-03-03 10:00:00", "k1")
    lead("v1", "2025-03-05 10:00:00", "l1")
    tagged("v2", "pA1", "2025-03-04 10:00:00", "t2")
    click("v3", "LB", "2025-03-03 10:00:00", "k3")
    lead("v3", "2025-03-03 10:05:00", "l3")
    tagged("v4", "pB2", "2025-03-06 10:00:00", "t4")
    lead("v4", "2025-05-01 10:00:00", "l4")
    insert(duck, "contacts", {"contact_id": "c5", "created_at": "2025-02-01 10:00:00",
                              "visitor_id": "v5"})  # fmt: skip
    click("v5", "LB", "2025-03-07 10:00:00", "k5")
    tagged("v6", "pA1", "2025-03-08 10:00:00", "t6a")
    tagged("v6", "pB1", "2025-03-09 10:00:00", "t6b")
    lead("v6", "2025-03-10 10:00:00", "l6")
    tagged("v7", "s1", "2025-03-10 10:00:00", "t7")
    tagged("v8", "nothing", "2025-03-10 10:00:00", "t8")
    tagged("v9", "pA1", "2025-02-20 10:00:00", "t9")
    tagged("v10", "pX", "2025-03-10 10:00:00", "t10")


def _arms(engine: Engine) -> list[dict[str, Any]]:
    expr = ab_arms(engine.tables(WS), *MARCH).order_by(["campaign", "arm"])
    return engine.execute(expr).to_pylist()  # type: ignore[no-any-return]


def test_arms_hand_computed(duck: DuckDBEngine) -> None:
    seed(duck)
    assert _arms(duck) == [
        {"campaign": "solo", "arm": "s1", "posts": 1, "persons": 1, "conversions": 0,
         "overlap": 0},
        {"campaign": "spring", "arm": "A", "posts": 1, "persons": 3, "conversions": 2,
         "overlap": 1},
        {"campaign": "spring", "arm": "B", "posts": 2, "persons": 3, "conversions": 2,
         "overlap": 1},
    ]  # fmt: skip
    (spring,) = ab_tests(duck, WS, *MARCH)  # solo has one arm: not a test
    assert spring["campaign"] == "spring" and spring["control"] == "A"  # tie on persons: by name
    b = spring["arms"][1]
    assert (b["rate"], b["lift"], b["z"], b["p_value"]) == (0.6667, 0.0, 0.0, 1.0)
    assert b["required_per_arm"] is None  # equal rates: no difference to detect
    assert any("approximate" in w for w in spring["warnings"])  # 1 non-conversion per arm


def test_customer_conversion_and_window(duck: DuckDBEngine) -> None:
    seed(duck)
    rows = duck.execute(ab_arms(duck.tables(WS), *MARCH, conversion="customer")).to_pylist()
    assert sum(r["conversions"] for r in rows) == 0  # nobody bought
    # with a 60-day window v4's lead on 05-01 (56 days after 03-06) counts
    wide = duck.execute(ab_arms(duck.tables(WS), *MARCH, window_days=60)).to_pylist()
    assert {r["arm"]: r["conversions"] for r in wide}["B"] == 3
    with pytest.raises(ConfigError):
        ab_arms(duck.tables(WS), *MARCH, window_days=0)
    with pytest.raises(ConfigError):
        ab_arms(duck.tables(WS), *MARCH, conversion="visit")  # type: ignore[arg-type]


@pytest.mark.spark
def test_arms_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    seed(duck)
    assert len(same_on_both(duck, _arms)) == 3


def test_wilson_interval_hand_computed() -> None:
    # 20 of 200, z = 1.959964, z² = 3.841459: den = 1 + 3.841459/200 = 1.0192073;
    # centre = (0.1 + 3.841459/400) / den = 0.1075386;
    # half = z·√(0.1·0.9/200 + 3.841459/160000) / den = 1.959964·0.0217718 / den = 0.0418681
    lo, hi = wilson_interval(20, 200) or (0.0, 0.0)
    assert (lo, hi) == (pytest.approx(0.0656705, abs=1e-6), pytest.approx(0.1494067, abs=1e-5))
    assert wilson_interval(0, 0) is None
    lo0, hi0 = wilson_interval(0, 10) or (1.0, 1.0)
    assert lo0 == 0.0 and hi0 == pytest.approx(0.2775, abs=1e-4)  # z²/(n+z²) = 3.8415/13.8415


def test_ab_test_hand_computed() -> None:
    res = ab_test([
        {"campaign": "c", "arm": "A", "persons": 200, "conversions": 20},
        {"campaign": "c", "arm": "B", "persons": 200, "conversions": 36},
    ])  # fmt: skip
    a, b = res["arms"]
    assert (a["rate"], a["ci_low"], a["ci_high"]) == (0.1, 0.0657, 0.1494)
    # pooled p̂ = 56/400 = 0.14; se = √(0.14·0.86·(1/200 + 1/200)) = 0.0346987;
    # z = (0.18 − 0.10) / 0.0346987 = 2.3056; p = 2·(1 − Φ(2.3056)) = 0.0211
    assert (b["rate"], b["lift"], b["z"], b["p_value"]) == (0.18, 0.08, 2.3056, 0.0211)
    # p̄ = 0.14: (1.95996·√(2·0.14·0.86) + 0.84162·√(0.09 + 0.1476))² / 0.08²
    # = (1.95996·0.490714 + 0.84162·0.487442)² / 0.0064 = 1.372377² / 0.0064 = 294.3 → 295
    assert b["required_per_arm"] == 295 == required_sample_size(0.10, 0.18)
    assert res["warnings"] and "underpowered" in res["warnings"][0]  # 200 < 295
    big = ab_test([
        {"campaign": "c", "arm": "A", "persons": 400, "conversions": 40},
        {"campaign": "c", "arm": "B", "persons": 400, "conversions": 72},
    ])  # fmt: skip
    assert big["warnings"] == []  # 400 ≥ 295 per arm, every cell ≥ 5
    with pytest.raises(ConfigError):
        ab_test([])
