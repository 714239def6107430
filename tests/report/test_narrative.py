"""The generated sentences: each rule of docs/report.md on a hand-made example."""

from __future__ import annotations

import datetime as dt

from socialroi.report import narrative
from socialroi.report.narrative import (
    attribution_sentences,
    channel_sentences,
    opportunity_sentences,
    reach_sentences,
    response_sentences,
    share_of_voice_sentences,
)


def _net(network: str, revenue: float, cost: float, labour: float, customers: int = 1) -> dict:
    """A by_network row; ROI = (revenue − cost) ÷ cost, null when the cost is 0."""
    with_labour = cost + labour
    return {
        "network": network, "revenue": revenue, "customers": customers, "cost": cost,
        "cost_with_labour": with_labour,
        "roi": None if cost == 0 else (revenue - cost) / cost,
        "roi_with_labour": None if with_labour == 0 else (revenue - with_labour) / with_labour,
    }  # fmt: skip


NETWORKS = [
    # linkedin: (5000 − 1000) ÷ 1000 = 4.00 on spend; (5000 − 2000) ÷ 2000 = 1.50 with labour
    _net("linkedin", 5000.0, 1000.0, 1000.0, customers=4),
    # instagram: (1200 − 400) ÷ 400 = 2.00 on spend; (1200 − 1500) ÷ 1500 = −0.20 with labour
    _net("instagram", 1200.0, 400.0, 1100.0),
    # x: (100 − 900) ÷ 900 = −0.89; with labour (100 − 1000) ÷ 1000 = −0.90; 1000 of 4600 = 22 %
    _net("x", 100.0, 900.0, 100.0),
    # tiktok: −1.00 with labour but 100 of 4600 = 2 % of social cost: below the 5 % cut floor
    _net("tiktok", 0.0, 50.0, 50.0),
    # threads: revenue without any cost: no ROI
    _net("threads", 300.0, 0.0, 0.0),
]
SOCIAL = {"revenue": 6600.0, "customers": 8, "cost_with_labour": 4600.0}


def test_grow_cut_labour_and_no_cost() -> None:
    got = channel_sentences(NETWORKS, SOCIAL, "EUR")
    assert got == [
        "Grow linkedin: the best return with staff time counted, ROI 1.50× (EUR 5,000 revenue "
        "from 4 customers for EUR 2,000 of spend and staff time).",
        "Cut or fix x: it cost EUR 1,000 (22 % of social cost with staff time) and brought "
        "EUR 100, ROI -0.90×.",
        "On instagram staff time eats the return: ROI 2.00× on spend alone, -0.20× once "
        "EUR 1,100 of staff time is counted.",
        "threads brought revenue with no cost recorded: import their costs and staff hours to "
        "judge their ROI.",
    ]


def test_comparison_with_the_previous_period() -> None:
    previous = {"social": {"revenue": 4400.0, "customers": 5}}
    got = channel_sentences([], SOCIAL, "EUR", previous)
    # (6600 − 4400) ÷ 4400 = +50 %
    assert got == [
        "Versus the comparison period, revenue from social went from EUR 4,400 to EUR 6,600 "
        "(50 %) and customers from 5 to 8."
    ]
    # no revenue before: no percentage (a change over 0 is not a number)
    got = channel_sentences([], SOCIAL, "EUR", {"social": {"revenue": 0.0, "customers": 0}})
    assert got == [
        "Versus the comparison period, revenue from social went from EUR 0 to EUR 6,600 "
        "and customers from 0 to 8."
    ]


def test_no_grow_when_nothing_pays() -> None:
    assert not any(s.startswith("Grow") for s in channel_sentences(NETWORKS[2:4], SOCIAL, "EUR"))


MODELS = {
    "first_touch": {"linkedin": 3.0, "Organic Search": 1.0},
    "last_touch": {"Email": 2.0, "linkedin": 1.0, "Organic Search": 1.0},
    "linear": {"linkedin": 2.5, "Email": 1.0, "Organic Search": 0.5},
}
ASSISTED = [
    # linkedin: 12 ÷ 4 = 3.0 ≥ 1.5 with 12 ≥ 5 assists → a sentence
    {"credit_key": "linkedin", "assisted_conversions": 12, "last_conversions": 4,
     "assisted_ratio": 3.0},
    # x: ratio 4.0 but only 4 assists → noise, no sentence
    {"credit_key": "x", "assisted_conversions": 4, "last_conversions": 1, "assisted_ratio": 4.0},
    # Email is not a social network → no sentence
    {"credit_key": "Email", "assisted_conversions": 9, "last_conversions": 2,
     "assisted_ratio": 4.5},
]  # fmt: skip


def test_attribution_sentences() -> None:
    got = attribution_sentences(MODELS, ASSISTED, frozenset({"linkedin", "x"}))
    assert got == [
        "2 of 3 models give the most credit to linkedin (last_touch: Email).",
        # social share: first 3 ÷ 4 = 75 %, last 1 ÷ 4 = 25 %, linear 2.5 ÷ 4 = 62.5 %
        "Social networks earn between 25 % (last_touch) and 75 % (first_touch) of the credit.",
        "linkedin assists 3.0× as many conversions as it closes (12 assisted, 4 last touch): "
        "last-touch reports undervalue it.",
    ]
    agree = {"a": {"linkedin": 2.0}, "b": {"linkedin": 1.0, "x": 1.0 - 0.5}}
    assert attribution_sentences(agree, [], frozenset({"linkedin"}))[0] == (
        "Every model gives the most credit to linkedin."
    )


def test_response_sentences() -> None:
    response = {
        "inbound": 4, "answered": 3, "response_rate": 0.75,
        "median_first_response_minutes": 1020.0,
        "by_network": [
            {"network": "x", "median_first_response_minutes": 30.0},
            {"network": "facebook", "median_first_response_minutes": 2715.0},
        ],
    }  # fmt: skip
    # social-metrics.md §3's example: 3 of 4 answered, median 1,020 min
    assert response_sentences(response) == [
        "3 of 4 messages needing a reply got one (75.0 %); the median first response took "
        "1,020 min.",
        "That misses Facebook's “very responsive” bar (≥ 90 % answered, ≤ 15 min).",
        "Slowest: facebook, median 2,715 min.",
    ]
    fast = {**response, "response_rate": 0.95, "median_first_response_minutes": 12.0}
    assert "meets" in response_sentences(fast)[1]
    assert response_sentences({"inbound": 0}) == [
        "No inbound social message needed a response in this period."
    ]


def test_opportunity_sentences() -> None:
    ops = {"contacts": 3, "inbound": 5, "response_rate": 0.8,
           "median_first_response_minutes": 42.0}  # fmt: skip
    deals = {"deals_won": 4, "deals_after_social": 1, "share_after_social": 0.25,
             "revenue_after_social": 1000.0, "revenue_share_after_social": 0.4}  # fmt: skip
    assert opportunity_sentences(ops, deals, "EUR") == [
        "3 leads or prospects wrote 5 messages on social; 80.0 % were answered, median 42 min.",
        "1 of 4 deals won (25 %) followed a social conversation, worth EUR 1,000 (40 % of won "
        "revenue).",
    ]
    assert opportunity_sentences({"inbound": 0}, {}, "EUR") == [
        "No lead or prospect wrote on social in this period."
    ]


def test_reach_sentences() -> None:
    rows = [
        {"network": "x", "posts": 10, "engagement_rate": 0.02, "amplification_rate": 6.0},
        {"network": "linkedin", "posts": 4, "engagement_rate": 0.05, "amplification_rate": 2.5},
        {"network": "tiktok", "posts": 0, "engagement_rate": None, "amplification_rate": None},
    ]
    assert reach_sentences(rows) == [
        "linkedin engages best: 5.00 % of impressions led to an engagement over 4 posts.",
        "x posts travel furthest: 6.0 shares per post (amplification), the engagement that "
        "reaches people beyond the followers.",
    ]


def test_share_of_voice_sentences() -> None:
    # 500 of 2,500 mentions = 20 % (social-metrics.md §2)
    sov = {"acme": 0.2, "rival": 0.5, "other": 0.3}
    assert share_of_voice_sentences(sov, "Acme") == [
        "acme has 20.0 % of mentions, behind rival (50.0 %)."
    ]
    assert share_of_voice_sentences({"acme": None}, "acme") == [
        "No tracked brand was mentioned in this period."
    ]


def test_clv_gap_significant_or_a_hint() -> None:
    # social mean 1,200 (40 customers, interval 1,000..1,400) vs 800 (60): gap +400
    clv = {"social": 1200.0, "non_social": 800.0, "social_n": 40, "non_social_n": 60,
           "social_ci": (1000.0, 1400.0), "difference": 400.0, "p_value": 0.004, "level": 0.95,
           "warning": None}  # fmt: skip
    assert narrative.clv_sentences(clv, "EUR") == [
        "A customer who came through social is worth EUR 1,200 to date on average "
        "(40 customers, 95 % interval EUR 1,000 to EUR 1,400); other customers EUR 800 (60).",
        "The gap of +EUR 400 is statistically significant (Welch's test, p = 0.004).",
    ]
    hint = narrative.clv_sentences({**clv, "p_value": 0.19, "warning": "social: 12 customers"},
                                   "EUR")  # fmt: skip
    assert hint[1:] == [
        "The gap of +EUR 400 is not statistically significant (p = 0.19): treat it as a hint, "
        "not a finding.",
        "social: 12 customers",
    ]
    tiny = narrative.clv_sentences({**clv, "p_value": 0.00004}, "EUR")
    assert tiny[1] == "The gap of +EUR 400 is statistically significant (Welch's test, p < 0.001)."
    lonely = narrative.clv_sentences({**clv, "non_social": None}, "EUR")
    assert lonely == ["No other customers yet, so social and other customers cannot be compared."]


def test_forecast_and_goals_behind_pace() -> None:
    june = dt.date(2025, 7, 1)
    point = {"month": june, "value": 12.4, "lo80": 9.6, "hi80": 15.2, "lo95": 8.1, "hi95": 16.7}
    money = {**point, "value": 5120.0, "lo80": 4000.0, "hi80": 6240.0}
    series = {"leads": {"points": [point]}, "revenue": {"points": [money]}}
    goals = [
        # 120 leads in 30 of 91 days → projected 120 × 91 ÷ 30 = 364 < 400: behind
        {"metric": "leads", "network": "linkedin", "campaign": None, "period_start": "2025-07-01",
         "period_end": "2025-09-30", "target": 400.0, "projected": 364.0, "status": "behind"},
        {"metric": "revenue", "network": None, "campaign": None, "period_start": "2025-07-01",
         "period_end": "2025-09-30", "target": 9000.0, "projected": 9100.0, "status": "on_track"},
    ]  # fmt: skip
    assert narrative.forecast_sentences(series, goals, "EUR") == [
        "Forecast for July 2025 from social: 12 leads (80 %: 10 to 15); EUR 5,120 revenue "
        "(80 %: EUR 4,000 to EUR 6,240).",
        "Goal leads (linkedin, 2025-07-01 to 2025-09-30) is projected at 364 against a target "
        "of 400.",
    ]
    on_track = narrative.forecast_sentences({}, goals[1:], "EUR")
    assert on_track == ["All 1 goals are on track or met."]
    assert narrative.forecast_sentences({}, [], "EUR") == []
