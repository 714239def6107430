"""The summary on a hand-computed dataset (``summary_data.py``), period 2025-03-01..2025-03-31.

Visits (sessions of ``socialroi.visits``; a visit counts when it starts in the period):
  A v1 2025-02-20 linkedin/social → before the period (but c1's first touch)
  B v1 03-05 google referrer      → Organic Search, no network
  C v2 03-10 facebook/cpc         → Paid Social, facebook
  D v2 03-15 refund, no source    → Direct (30 min idle started a new visit)
  E v3 03-12 linkedin/social      → Organic Social, linkedin
  F v4 03-20 t.co referrer        → Organic Social, x
  G v5 03-03 no source            → Direct
  H v6 03-31 23:50 newsletter     → Email (runs past midnight: counts, it started in the period)
  v7 02-28 23:59                  → before the period
  → 7 visits: Direct 2, Organic Social 2, Email 1, Organic Search 1, Paid Social 1;
    facebook 1, linkedin 1, x 1 (social 3).

People and first touch (earliest visit over all their visitors, else original_source):
  c1 = v1 (contacts.visitor_id)          → visit A: Organic Social, linkedin
  c2 = v3 (web_events.contact_id)        → visit E: Organic Social, linkedin
  c3 = v4 (email " Carol@Example.com ")  → visit F: Organic Social, x
  c4 (same email, created later: loses v4; no visit) → ORGANIC_SEARCH: Organic Search
  c5 (no visit) PAID_SOCIAL / "Facebook" → Paid Social, facebook
  c6 (no visit, no source)               → Unassigned
  visitor:v2 → visit C: Paid Social, facebook;  visitor:v5 → visit G: Direct

Leads (first time, in the period): c1 03-05 (contact and lead event at the same minute: once),
  c2 03-12, c5 03-18, c6 03-22, visitor:v5 03-03. c3 (01-15) and c4 (02-01) became leads before.
  → 5: linkedin 2, facebook 1, none 2; Organic Social 2, Paid Social 1, Direct 1, Unassigned 1.
Customers (first time, in the period): c1 (d1 won 03-20), visitor:v2 (purchase 03-10),
  c2 (d2 won 03-25), c3 (became_customer_at 03-28). c4 became one on 02-10, before.
  → 4: linkedin 2, facebook 1, x 1; Organic Social 3, Paid Social 1.
Revenue (in the period): d1 1000 (linkedin) + d2 500 USD × 0.9 = 450 (linkedin)
  + T1 purchase 200 once (the duplicate is dropped) − refund 50 = 150 (facebook)
  + d4 100 (c4: Organic Search, no network); d3 closes 04-02, d5 is lost, d6 open.
  → 1700: linkedin 1450, facebook 150, x 0; social 1600.
Cost: linkedin 300 (03-01); facebook 300 over 02-15..03-16 = 30 days × 10, 16 days inside
  → 160; x 200 USD × 0.9 = 180 over 03-22..04-10 = 20 days × 9, 10 inside → 90; tools 50 with
  no network; linkedin 1000 on 04-05 is outside → cost 600, social 550.
Labour: alice 10 h × 40 linkedin = 400; bob 5 h × 30, no network = 150; alice 02-27 outside.
  → cost with labour 1150; linkedin 700; social 950; unallocated 50 + 150 = 200.
ROI: totals (1700 − 600) / 600 = 1.8333; with labour (1700 − 1150) / 1150 = 0.4783
  social (1600 − 550) / 550 = 1.9091; (1600 − 950) / 950 = 0.6842
  linkedin (1450 − 300) / 300 = 3.8333; (1450 − 700) / 700 = 1.0714; CPL 300 / 2 = 150;
    cost per customer 300 / 2 = 150
  facebook (150 − 160) / 160 = −0.0625; CPL 160; per customer 160
  x (0 − 90) / 90 = −1.0; CPL null (0 leads); per customer 90
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from summary_data import DATE_FROM, DATE_TO, WS, insert, seed, web_event

from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError, WorkspaceNotFound
from socialroi.metrics import period_bounds
from socialroi.summary import summary

EXPECTED: dict[str, Any] = {
    "period": {"from": "2025-03-01", "to": "2025-03-31"},
    "currency": "EUR",
    "totals": {"visits": 7, "leads": 5, "customers": 4, "revenue": 1700.0, "cost": 600.0,
               "cost_with_labour": 1150.0, "roi": 1.8333, "roi_with_labour": 0.4783,
               "unallocated_cost": 200.0},
    "social": {"visits": 3, "leads": 3, "customers": 4, "revenue": 1600.0, "cost": 550.0,
               "cost_with_labour": 950.0, "roi": 1.9091, "roi_with_labour": 0.6842},
    "by_network": [
        {"network": "linkedin", "visits": 1, "leads": 2, "customers": 2, "revenue": 1450.0,
         "cost": 300.0, "cost_with_labour": 700.0, "roi": 3.8333, "roi_with_labour": 1.0714,
         "cost_per_lead": 150.0, "cost_per_customer": 150.0},
        {"network": "facebook", "visits": 1, "leads": 1, "customers": 1, "revenue": 150.0,
         "cost": 160.0, "cost_with_labour": 160.0, "roi": -0.0625, "roi_with_labour": -0.0625,
         "cost_per_lead": 160.0, "cost_per_customer": 160.0},
        {"network": "x", "visits": 1, "leads": 0, "customers": 1, "revenue": 0.0,
         "cost": 90.0, "cost_with_labour": 90.0, "roi": -1.0, "roi_with_labour": -1.0,
         "cost_per_lead": None, "cost_per_customer": 90.0},
    ],
    "by_channel": [
        {"channel": "Direct", "visits": 2, "leads": 1, "customers": 0, "revenue": 0.0},
        {"channel": "Organic Social", "visits": 2, "leads": 2, "customers": 3, "revenue": 1450.0},
        {"channel": "Email", "visits": 1, "leads": 0, "customers": 0, "revenue": 0.0},
        {"channel": "Organic Search", "visits": 1, "leads": 0, "customers": 0, "revenue": 100.0},
        {"channel": "Paid Social", "visits": 1, "leads": 1, "customers": 1, "revenue": 150.0},
        {"channel": "Unassigned", "visits": 0, "leads": 1, "customers": 0, "revenue": 0.0},
    ],
}  # fmt: skip


def _march(engine: Engine) -> dict[str, Any]:
    result = summary(engine, WS, DATE_FROM, DATE_TO)
    # bot hits live in the collector's own table, which a Spark warehouse does not hold
    # (tests/test_summary_sections.py checks the figure on DuckDB)
    result.pop("bots", None)
    return result


def _core(result: dict[str, Any]) -> dict[str, Any]:
    """The sections this dataset exercises (engagement and response have their own tests)."""
    return {k: result[k] for k in EXPECTED}


def test_summary_hand_computed(duck: DuckDBEngine) -> None:
    seed(duck)
    assert _core(_march(duck)) == EXPECTED


@pytest.mark.spark
def test_summary_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    seed(duck)
    assert _core(same_on_both(duck, _march)) == EXPECTED


def test_empty_workspace_gives_zeros_and_null_ratios(duck: DuckDBEngine) -> None:
    result = summary(duck, WS, DATE_FROM, DATE_TO)
    assert result["totals"] == {
        "visits": 0, "leads": 0, "customers": 0, "revenue": 0.0, "cost": 0.0,
        "cost_with_labour": 0.0, "roi": None, "roi_with_labour": None, "unallocated_cost": 0.0,
    }  # fmt: skip
    assert result["social"]["roi"] is None
    assert result["by_network"] == [] and result["by_channel"] == []


def test_one_day_period_and_day_bounds(duck: DuckDBEngine) -> None:
    seed(duck)
    # 2025-03-31 alone: visit H (23:50) and the last 1/20 … of x's spread cost: 1 day × 9 = 9
    result = summary(duck, WS, DATE_TO, DATE_TO)
    assert result["totals"]["visits"] == 1
    assert result["totals"]["cost"] == 9.0
    assert result["by_channel"] == [
        {"channel": "Email", "visits": 1, "leads": 0, "customers": 0, "revenue": 0.0}
    ]


def test_period_is_read_in_the_workspace_time_zone(duck: DuckDBEngine) -> None:
    duck.ensure_workspace("paris", currency="EUR", timezone="Europe/Paris")
    # 2025-03-31 22:30 UTC is 2025-04-01 00:30 in Paris (summer time since 03-30): April
    insert(duck, "web_events", web_event("p1", "vp", "2025-03-31 22:30:00", "pageview"), "paris")
    # 2025-02-28 23:30 UTC is 2025-03-01 00:30 in Paris: March
    insert(duck, "web_events", web_event("p2", "vq", "2025-02-28 23:30:00", "pageview"), "paris")
    march = summary(duck, "paris", DATE_FROM, DATE_TO)
    april = summary(duck, "paris", dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert (march["totals"]["visits"], april["totals"]["visits"]) == (1, 1)


def test_period_bounds_convert_local_days_to_utc() -> None:
    start, end = period_bounds(dt.date(2025, 3, 1), dt.date(2025, 3, 31), "Europe/Paris")
    assert start == dt.datetime(2025, 2, 28, 23, 0)  # CET, UTC+1
    assert end == dt.datetime(2025, 3, 31, 22, 0)  # CEST, UTC+2 from 03-30


def test_period_that_ends_before_it_starts_is_a_config_error(duck: DuckDBEngine) -> None:
    with pytest.raises(ConfigError, match="starts after it ends"):
        summary(duck, WS, DATE_TO, DATE_FROM)


def test_unknown_workspace(duck: DuckDBEngine) -> None:
    with pytest.raises(WorkspaceNotFound):
        summary(duck, "nope", DATE_FROM, DATE_TO)
