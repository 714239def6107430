"""The ``attribution`` part of the summary, on a dataset small enough to work out by hand.

Customers converted in March 2025 (90-day lookback):
- c1 (visitor v1): 03-01 10:00 linkedin/social, 03-05 10:00 google organic referrer; deal won
  03-06 10:00 → path linkedin > Organic Search; Δ = 5 and 1 days.
- c2 (visitor v2): 03-02 10:00 x/social; deal won 03-03 10:00 → path x.
- v3 (anonymous): 03-04 10:00 facebook/social, never converts → null path facebook.

first touch: linkedin 1, x 1.   last touch: Organic Search 1, x 1.
linear and position-based (n = 2 → 50/50): linkedin 0.5, Organic Search 0.5, x 1.
time decay (half-life 7 days): w = 2^(−5/7), 2^(−1/7); linkedin = w1/(w1+w2).
Markov (with the null path): start→linkedin, x, facebook 1/3 each; linkedin→OS→conv; x→conv;
facebook→null. P(conv) = 2/3. Removing linkedin, OS or x leaves 1/3 (RE 0.5 each); facebook
RE 0. Credits = 0.5/1.5 × 2 = 2/3 each.
Shapley: {linkedin, OS} = 1 → 0.5 each; {x} = 1 → x 1.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import ibis
import pytest

from socialroi.attribution import attribution_section
from socialroi.engine import DuckDBEngine


def _seed(duck: DuckDBEngine) -> None:
    duck.run(
        "INSERT INTO contacts (workspace_id, contact_id, created_at, visitor_id) VALUES "
        "('ws', 'c1', '2025-03-01 09:00', 'v1'), ('ws', 'c2', '2025-03-02 09:00', 'v2')"
    )
    duck.run(
        "INSERT INTO web_events (workspace_id, event_id, visitor_id, occurred_at, event, url, "
        "referrer, utm_source, utm_medium) VALUES "
        "('ws', 'e1', 'v1', '2025-03-01 10:00', 'pageview', 'https://acme.example/', NULL, "
        " 'linkedin', 'social'),"
        "('ws', 'e2', 'v1', '2025-03-05 10:00', 'pageview', 'https://acme.example/', "
        " 'https://www.google.com/', NULL, NULL),"
        "('ws', 'e3', 'v2', '2025-03-02 10:00', 'pageview', 'https://acme.example/', NULL, "
        " 'x', 'social'),"
        "('ws', 'e4', 'v3', '2025-03-04 10:00', 'pageview', 'https://acme.example/', NULL, "
        " 'facebook', 'social')"
    )
    duck.run(
        "INSERT INTO deals (workspace_id, deal_id, contact_id, created_at, stage, closed_at, "
        "amount, currency, amount_base) VALUES "
        "('ws', 'd1', 'c1', '2025-03-05 12:00', 'won', '2025-03-06 10:00', 100, 'EUR', 100),"
        "('ws', 'd2', 'c2', '2025-03-02 12:00', 'won', '2025-03-03 10:00', 50, 'EUR', 50)"
    )


def test_every_model_on_a_hand_computed_dataset(duck: DuckDBEngine) -> None:
    _seed(duck)
    got = attribution_section(duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    w1, w2 = 2 ** (-5 / 7), 2 ** (-1 / 7)
    third = round(2 / 3, 4)
    assert (got["conversion"], got["window_days"], got["conversions"]) == ("customer", 90, 2)
    models = got["models"]
    assert models["first_touch"] == {"linkedin": 1.0, "x": 1.0}
    assert models["last_touch"] == {"Organic Search": 1.0, "x": 1.0}
    assert models["last_non_direct"] == {"Organic Search": 1.0, "x": 1.0}
    assert models["linear"] == {"x": 1.0, "Organic Search": 0.5, "linkedin": 0.5}
    assert models["position_based"] == models["linear"]
    assert models["time_decay"] == {
        "x": 1.0,
        "Organic Search": round(w2 / (w1 + w2), 4),
        "linkedin": round(w1 / (w1 + w2), 4),
    }
    assert models["markov"] == {"Organic Search": third, "linkedin": third, "x": third}
    assert models["shapley"] == {"x": 1.0, "Organic Search": 0.5, "linkedin": 0.5}
    for name, credits in models.items():
        assert sum(credits.values()) == pytest.approx(2.0, abs=1e-3), name


def test_revenue_credits_value(duck: DuckDBEngine) -> None:
    _seed(duck)
    got = attribution_section(
        duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31), conversion="revenue"
    )
    assert (got["conversions"], got["value"]) == (2, 150.0)
    assert got["models"]["first_touch"] == {"linkedin": 100.0, "x": 50.0}
    assert got["models"]["shapley"] == {"Organic Search": 50.0, "linkedin": 50.0, "x": 50.0}
    for name, credits in got["models"].items():
        assert sum(credits.values()) == pytest.approx(150.0, abs=1e-2), name


def test_no_conversion_in_the_period_gives_empty_models(duck: DuckDBEngine) -> None:
    _seed(duck)
    got = attribution_section(duck, "ws", dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert got["conversions"] == 0
    assert all(credits == {} for credits in got["models"].values())


def _seed_costs(duck: DuckDBEngine) -> None:
    duck.run(
        "INSERT INTO costs (workspace_id, date, amount, category, currency, network, "
        "amount_base) VALUES ('ws', '2025-03-10', 40, 'ads', 'EUR', 'linkedin', 40),"
        "('ws', '2025-03-15', 100, 'ads', 'EUR', 'x', 100),"
        "('ws', '2025-03-15', 30, 'tools', 'EUR', NULL, 30),"
        "('ws', '2025-04-15', 999, 'ads', 'EUR', 'x', 999)"
    )
    duck.run(
        "INSERT INTO staff_hours (workspace_id, date, person, hours, hourly_rate, network, "
        "hourly_rate_base) VALUES ('ws', '2025-03-11', 'ann', 2, 5, 'linkedin', 5)"
    )


def test_roi_by_model(duck: DuckDBEngine) -> None:
    _seed(duck)
    _seed_costs(duck)
    got = attribution_section(
        duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31), conversion="revenue", bootstrap=0
    )
    roi = got["roi_by_model"]
    # first touch: linkedin credited 100, cost 40 (+ labour 2 h × 5 = 10):
    # roi = (100 − 40) / 40 = 1.5, with labour (100 − 50) / 50 = 1.0
    assert roi["first_touch"]["linkedin"] == {
        "credited": 100.0, "cost": 40.0, "cost_with_labour": 50.0, "roi": 1.5,
        "roi_with_labour": 1.0,
    }  # fmt: skip
    # x: credited 50, cost 100 (April's 999 is outside the period) → (50 − 100) / 100 = −0.5
    assert roi["first_touch"]["x"]["roi"] == -0.5
    # Organic Search has no cost: ROI over 0 is null; the unallocated 30 goes to no key
    assert roi["first_touch"]["Organic Search"]["roi"] is None
    assert set(roi["linear"]) == {"linkedin", "Organic Search", "x"}
    # linear: linkedin credited 50 → (50 − 40) / 40 = 0.25
    assert roi["linear"]["linkedin"]["roi"] == 0.25
    customers = attribution_section(
        duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31), bootstrap=0
    )["roi_by_model"]
    # cost per customer: first touch linkedin 40 ÷ 1; linear linkedin 40 ÷ 0.5 = 80
    assert customers["first_touch"]["linkedin"]["cost_per_customer"] == 40.0
    assert customers["linear"]["linkedin"]["cost_per_customer"] == 80.0
    assert got["period"] == {"from": "2025-03-01", "to": "2025-03-31"}
    assert got["unit"] == "value" and got["level"] == "network"
    assert got["removal_effects"] == {
        "Organic Search": 0.5, "linkedin": 0.5, "x": 0.5, "facebook": 0.0
    }  # fmt: skip
    assert got["conversions_on_paths"] == {"Organic Search": 1, "linkedin": 1, "x": 1}
    assert len(got["warnings"]) == 3


def test_the_section_is_one_run(duck: DuckDBEngine) -> None:
    """Called alone (``socialroi attribution``), the section is one run of the engine
    (``Engine.shared``): the touchpoints and conversions its dozen queries read are
    materialised once instead of inlined in each (the demo's year: 6.7-7.8 s instead of
    12.7-16.9 s, the same JSON). Outside a run nothing is materialised."""
    _seed(duck)
    made: list[ibis.Table] = []
    materialise = duck._materialise  # noqa: SLF001 - the run's hook, observed

    def counted(table: ibis.Table) -> ibis.Table:
        made.append(table)
        return materialise(table)

    with mock.patch.object(duck, "_materialise", counted):
        got = attribution_section(duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert got["conversions"] == 2
    assert made
