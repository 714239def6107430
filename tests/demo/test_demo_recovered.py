"""The analysis recovers the demo company's ground truth (not only the generator's files).

Rules the summary can see are checked here through ``socialroi.metrics.summary`` on the imported
demo database; the other rules (campaign ROI, engagement, response, CLV, share of voice) are
checked by the metrics that compute them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from socialroi.demo import GroundTruth
from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_dir
from socialroi.summary import summary


@pytest.fixture(scope="module")
def year(demo_dir: Path, truth: GroundTruth) -> dict[str, Any]:
    with DuckDBEngine(":memory:") as eng:
        eng.ensure_workspace("acme", currency="EUR", timezone="Europe/Berlin", brand="acme")
        import_dir(eng, "acme", demo_dir)
        return summary(
            eng,
            "acme",
            dt.date.fromisoformat(truth.period_from),
            dt.date.fromisoformat(truth.period_to),
        )


def _by_network(year: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["network"]: row for row in year["by_network"]}


def test_summary_totals_equal_the_ground_truth(year: dict[str, Any], truth: GroundTruth) -> None:
    assert year["totals"]["leads"] == truth.totals["leads"]
    assert year["totals"]["customers"] == truth.totals["customers"]
    assert year["totals"]["revenue"] == pytest.approx(truth.totals["revenue"], abs=0.05)


def test_linkedin_brings_the_most_valuable_leads(year: dict[str, Any]) -> None:
    rows = [r for r in year["by_network"] if r["leads"] >= 10]
    per_lead = {r["network"]: r["revenue"] / r["leads"] for r in rows}
    assert max(per_lead, key=lambda n: per_lead[n]) == "linkedin", per_lead
    linkedin = _by_network(year)["linkedin"]
    assert linkedin["visits"] < sorted(r["visits"] for r in rows)[len(rows) // 2]  # few visits


def test_x_is_rarely_the_first_touch_of_a_customer(year: dict[str, Any]) -> None:
    rows = [r for r in year["by_network"] if r["visits"] >= 100]
    per_visit = {r["network"]: r["customers"] / r["visits"] for r in rows}
    assert min(per_visit, key=lambda n: per_visit[n]) == "x", per_visit


def test_instagram_revenue_per_lead_is_below_average(year: dict[str, Any]) -> None:
    insta = _by_network(year)["instagram"]
    average = year["totals"]["revenue"] / year["totals"]["leads"]
    assert insta["revenue"] / insta["leads"] < average


def test_instagram_has_the_highest_engagement_rate(year: dict[str, Any]) -> None:
    rates = {r["network"]: r["engagement_rate"] for r in year["engagement"]["by_network"]}
    assert max(rates, key=lambda n: rates[n] or 0.0) == "instagram", rates


def test_acme_share_of_voice_is_about_40_percent(year: dict[str, Any]) -> None:
    sov = year["share_of_voice"]
    assert 0.34 <= sov["acme"] <= 0.46, sov
    assert sov["acme"] == max(sov.values())


def test_weekend_replies_are_much_slower(demo_dir: Path, truth: GroundTruth) -> None:
    from socialroi.metrics import first_responses

    with DuckDBEngine(":memory:") as eng:
        eng.ensure_workspace("acme", currency="EUR", timezone="UTC", brand="acme")
        import_dir(eng, "acme", demo_dir)
        frt = first_responses(
            eng.tables("acme"),
            dt.date.fromisoformat(truth.period_from),
            dt.date.fromisoformat(truth.period_to),
        )
        rows = eng.execute(frt.filter(frt.is_answered)).to_pylist()
    weekend = sorted(r["first_response_s"] for r in rows if r["received_at"].weekday() >= 5)
    weekday = sorted(r["first_response_s"] for r in rows if r["received_at"].weekday() < 5)
    assert weekend[len(weekend) // 2] > 5 * weekday[len(weekday) // 2]


@pytest.fixture(scope="module")
def metrics_of_year(demo_dir: Path, truth: GroundTruth) -> dict[str, dict[Any, dict[str, Any]]]:
    """ROI by campaign and the funnel by network, through the metric registry."""
    from socialroi.metrics import compute_metric

    first = dt.date.fromisoformat(truth.period_from)
    last = dt.date.fromisoformat(truth.period_to)
    with DuckDBEngine(":memory:") as eng:
        eng.ensure_workspace("acme", currency="EUR", timezone="Europe/Berlin", brand="acme")
        import_dir(eng, "acme", demo_dir)
        roi = compute_metric(eng, "acme", "roi", first, last, by="campaign", compare=False)
        funnel = compute_metric(eng, "acme", "funnel", first, last, by="network", compare=False)
    return {
        "roi": {r["campaign"]: r for r in roi.rows},
        "funnel": {r["network"]: r for r in funnel.rows},
    }


def test_the_challenge_campaign_loses_money_with_labour(
    metrics_of_year: dict[str, dict[Any, dict[str, Any]]], truth: GroundTruth
) -> None:
    rule = truth.rule("tiktok-challenge-labour")
    assert rule.holds
    row = metrics_of_year["roi"][rule.figures["campaign"]]
    assert row["ad_spend"] == pytest.approx(rule.figures["ad_cost"], abs=0.05)
    assert row["labour"] == pytest.approx(rule.figures["labour_cost"], abs=0.05)
    assert row["roi"] > 0 > row["roi_with_labour"], row  # pays on ads, loses with labour


def test_linkedin_has_the_highest_value_per_lead(
    metrics_of_year: dict[str, dict[Any, dict[str, Any]]],
) -> None:
    rows = {n: r for n, r in metrics_of_year["funnel"].items() if r["leads"] >= 10}
    values = {n: r["lead_value"] or 0.0 for n, r in rows.items()}
    assert max(values, key=lambda n: values[n]) == "linkedin", values
