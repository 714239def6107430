"""Engagement from post metrics (``socialroi.metrics.engagement``; social-metrics.md §1).

Workspace ``ws`` (UTC), period March 2025 (``MARCH``):

profiles: li1 linkedin owned; x1 x owned = null (counts as owned); ig1 instagram owned, no
posts; rv linkedin owned = false (a competitor: never counted).

followers (profile_metrics): li1 02-28 7,600 and 03-31 8,000 → start 7,600, end 8,000, growth
400; x1 03-10 1,000, 03-20 1,100, 04-15 5,000 (after the period) → start 1,000 (no count on or
before 03-01: the first one inside), end 1,100, growth 100; ig1 03-01 500, 03-31 550.

posts and their daily activity (impressions, reach, reactions, comments, shares, saves, clicks;
engagements = reactions + comments + shares + saves + clicks):

- P1 li1 "spring", published 03-31 18:00 — the worked post of social-metrics.md §1, spread over
  two dates: 03-31 15,000 / 9,000 / 200 / 30 / 45 / 15 / 130 (→ 420) and 04-01 (after the
  period) 5,000 / 3,000 / 100 / 10 / 15 / 5 / 50 (→ 180); lifetime 20,000 / 12,000 / 300 / 40
  / 60 / 20 / 180 → 600.
- P0 li1 "winter", published 02-27 (before the period): 02-27 1,000 / 800 / 10 / 2 / 1 / 0 / 7
  (→ 20) and 03-01 (inside) 500 / 400 / 5 / 1 / 1 / 1 / 2 (→ 10).
- P3 x1, no campaign, published 03-12: 03-12 zero impressions and reach, 3 reactions, saves
  null (→ 3 engagements), 50 video views.
- P4 x1, no campaign, published 03-20, no metrics yet.
- PR rv, published 03-15: 03-15 99,999 impressions, 999 reactions (competitor: excluded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.metrics.engagement import (
    best_time_to_post,
    engagement_by,
    engagement_section,
    post_engagement,
    profile_followers,
)

WS = "ws"
PARIS = "paris"
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
SPRING = (dt.date(2025, 3, 10), dt.date(2025, 4, 13))  # the Paris period (DST on 03-30)

METRIC_COLUMNS = ("post_id", "date", "impressions", "reach", "reactions", "comments", "shares",
                  "saves", "clicks", "video_views")  # fmt: skip


def _insert(
    duck: DuckDBEngine, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
    workspace: str = WS,
) -> None:  # fmt: skip
    marks = ", ".join("?" for _ in range(len(columns) + 1))
    for row in rows:
        duck.run(
            f"INSERT INTO {table} (workspace_id, {', '.join(columns)}) VALUES ({marks})",
            [workspace, *row],
        )


def _march_data(duck: DuckDBEngine) -> None:
    _insert(duck, "profiles", ("profile_id", "network", "owned"), [
        ("li1", "linkedin", True), ("x1", "x", None), ("ig1", "instagram", True),
        ("rv", "linkedin", False),
    ])  # fmt: skip
    _insert(duck, "profile_metrics", ("profile_id", "date", "followers"), [
        ("li1", "2025-02-28", 7_600), ("li1", "2025-03-31", 8_000),
        ("x1", "2025-03-10", 1_000), ("x1", "2025-03-20", 1_100), ("x1", "2025-04-15", 5_000),
        ("ig1", "2025-03-01", 500), ("ig1", "2025-03-31", 550),
        ("rv", "2025-03-31", 50_000),
    ])  # fmt: skip
    _insert(duck, "posts", ("post_id", "profile_id", "published_at", "campaign"), [
        ("P1", "li1", "2025-03-31 18:00:00", "spring"),
        ("P0", "li1", "2025-02-27 08:00:00", "winter"),
        ("P3", "x1", "2025-03-12 12:00:00", None),
        ("P4", "x1", "2025-03-20 09:00:00", None),
        ("PR", "rv", "2025-03-15 10:00:00", "spring"),
    ])  # fmt: skip
    _insert(duck, "post_metrics", METRIC_COLUMNS, [
        ("P1", "2025-03-31", 15_000, 9_000, 200, 30, 45, 15, 130, 0),
        ("P1", "2025-04-01", 5_000, 3_000, 100, 10, 15, 5, 50, 0),
        ("P0", "2025-02-27", 1_000, 800, 10, 2, 1, 0, 7, 0),
        ("P0", "2025-03-01", 500, 400, 5, 1, 1, 1, 2, 0),
        ("P3", "2025-03-12", 0, 0, 3, 0, 0, None, 0, 50),
        ("PR", "2025-03-15", 99_999, 50_000, 999, 99, 99, 99, 99, 0),
    ])  # fmt: skip


def _paris_data(duck: DuckDBEngine) -> None:
    """Workspace ``paris`` (Europe/Paris: UTC+1, UTC+2 from 2025-03-30 01:00 UTC).

    Engagements are all reactions here. linkedin posts published on Mondays at 09:10 local time:
    03-10, 03-17, 03-24 at 08:10 UTC (CET) and 03-31, 04-07 at 07:10 UTC (CEST) — one slot
    (weekday 0, hour 9), though their UTC hours differ. (impressions, engagements, rate):
    (1,000, 10, 0.01), (1,000, 30, 0.03), (2,000, 100, 0.05), (500, 10, 0.02), (500, 20, 0.04)
    → 5 posts, not a low sample; mean of per-post rates 0.15 / 5 = 0.03; ratio of sums
    170 / 5,000 = 0.034.
    L6 Saturday 04-05 23:30 UTC = Sunday 04-06 01:30 CEST → (weekday 6, hour 1): 400, 8 → 0.02.
    X1 Wednesday 03-12 13:05 UTC = 14:05 CET → (2, 14): 300, 6 → 0.02.
    X2 (0 impressions: no rate, no sample), L0 (published 03-09, before the period) and the
    workspace ``ws`` posts are left out.
    """
    duck.ensure_workspace(PARIS, timezone="Europe/Paris")
    _insert(duck, "profiles", ("profile_id", "network", "owned"),
            [("pl", "linkedin", True), ("px", "x", True)], PARIS)  # fmt: skip
    posts = [
        ("L1", "pl", "2025-03-10 08:10:00", 1_000, 10),
        ("L2", "pl", "2025-03-17 08:10:00", 1_000, 30),
        ("L3", "pl", "2025-03-24 08:10:00", 2_000, 100),
        ("L4", "pl", "2025-03-31 07:10:00", 500, 10),
        ("L5", "pl", "2025-04-07 07:10:00", 500, 20),
        ("L6", "pl", "2025-04-05 23:30:00", 400, 8),
        ("L0", "pl", "2025-03-09 08:10:00", 1_000, 500),
        ("X1", "px", "2025-03-12 13:05:00", 300, 6),
        ("X2", "px", "2025-03-13 13:05:00", 0, 4),
    ]
    _insert(duck, "posts", ("post_id", "profile_id", "published_at"),
            [p[:3] for p in posts], PARIS)  # fmt: skip
    _insert(duck, "post_metrics", METRIC_COLUMNS,
            [(p[0], p[2][:10], p[3], p[3], p[4], 0, 0, 0, 0, 0) for p in posts], PARIS)  # fmt: skip


def _rows(duck: DuckDBEngine, expr: Any, *keys: str) -> list[dict[str, Any]]:
    """The rows of ``expr`` sorted by ``keys``; timestamps as text (``pytest.approx`` rows)."""
    rows: list[dict[str, Any]] = [
        {k: str(v) if isinstance(v, dt.datetime) else v for k, v in r.items()}
        for r in duck.execute(expr).to_pylist()
    ]
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))


# the worked post, lifetime: 20,000 impressions, 12,000 reach, 8,000 followers, 600 engagements
WORKED_POST = {
    "post_id": "P1", "profile_id": "li1", "network": "linkedin", "campaign": "spring",
    "published_at": "2025-03-31 18:00:00", "impressions": 20_000, "reach": 12_000,
    "reactions": 300, "comments": 40, "shares": 60, "saves": 20, "clicks": 180,
    "video_views": 0, "engagements": 600, "followers": 8_000,
    "engagement_rate": 0.03,  # 600 / 20,000
    "engagement_rate_reach": 0.05,  # 600 / 12,000
    "engagement_rate_followers": 0.075,  # 600 / 8,000
    "virality_rate": 0.003,  # 60 / 20,000
    "ctr": 0.009,  # 180 / 20,000
    "amplification_rate_followers": 0.0075,  # 60 / 8,000
}  # fmt: skip
P3 = {
    "post_id": "P3", "profile_id": "x1", "network": "x", "campaign": None,
    "published_at": "2025-03-12 12:00:00", "impressions": 0, "reach": 0,
    "reactions": 3, "comments": 0, "shares": 0, "saves": 0, "clicks": 0, "video_views": 50,
    "engagements": 3, "followers": 1_100,
    "engagement_rate": None, "engagement_rate_reach": None,  # ÷ 0 impressions, 0 reach
    "engagement_rate_followers": pytest.approx(3 / 1_100),
    "virality_rate": None, "ctr": None,
    "amplification_rate_followers": 0.0,  # 0 / 1,100
}  # fmt: skip


def test_post_engagement_worked_post_both_semantics(duck: DuckDBEngine) -> None:
    _march_data(duck)
    t = duck.tables(WS)
    lifetime = _rows(duck, post_engagement(t, *MARCH, semantics="lifetime"), "post_id")
    # published in March: P1 (all its activity, 04-01 included), P3, P4 (no metrics: zeros)
    p4 = {**P3, "post_id": "P4", "published_at": "2025-03-20 09:00:00", "reactions": 0,
          "video_views": 0, "engagements": 0, "engagement_rate_followers": 0.0}  # fmt: skip
    assert lifetime == [pytest.approx(WORKED_POST), pytest.approx(P3), pytest.approx(p4)]

    activity = _rows(duck, post_engagement(t, *MARCH), "post_id")
    # dated in March: P0's 03-01 row (published in February), P1's 03-31 row, P3; not PR
    p0 = {
        "post_id": "P0", "profile_id": "li1", "network": "linkedin", "campaign": "winter",
        "published_at": "2025-02-27 08:00:00", "impressions": 500, "reach": 400,
        "reactions": 5, "comments": 1, "shares": 1, "saves": 1, "clicks": 2, "video_views": 0,
        "engagements": 10, "followers": 8_000,
        "engagement_rate": 0.02,  # 10 / 500
        "engagement_rate_reach": 0.025,  # 10 / 400
        "engagement_rate_followers": 0.00125,  # 10 / 8,000
        "virality_rate": 0.002,  # 1 / 500
        "ctr": 0.004,  # 2 / 500
        "amplification_rate_followers": 0.000125,  # 1 / 8,000
    }  # fmt: skip
    p1 = {
        **WORKED_POST, "impressions": 15_000, "reach": 9_000, "reactions": 200, "comments": 30,
        "shares": 45, "saves": 15, "clicks": 130, "engagements": 420,
        "engagement_rate": 0.028,  # 420 / 15,000
        "engagement_rate_reach": pytest.approx(420 / 9_000),  # 0.04667
        "engagement_rate_followers": 0.0525,  # 420 / 8,000
        "virality_rate": 0.003,  # 45 / 15,000
        "ctr": pytest.approx(130 / 15_000),  # 0.008667
        "amplification_rate_followers": 0.005625,  # 45 / 8,000
    }  # fmt: skip
    assert activity == [pytest.approx(p0), pytest.approx(p1), pytest.approx(P3)]


LINKEDIN_LIFETIME = {
    "network": "linkedin", "posts": 1, "impressions": 20_000, "reach": 12_000,
    "reactions": 300, "comments": 40, "shares": 60, "saves": 20, "clicks": 180,
    "video_views": 0, "engagements": 600,
    "followers_start": 7_600, "followers_end": 8_000, "audience_growth": 400,
    "engagement_rate": 0.03, "engagement_rate_reach": 0.05, "engagement_rate_followers": 0.075,
    "amplification_rate": 60.0,  # 60 shares / 1 post
    "amplification_rate_followers": 0.0075,  # 60 / 8,000
    "applause_rate": 300.0, "conversation_rate": 40.0,  # per post
    "virality_rate": 0.003, "ctr": 0.009,
    "audience_growth_rate": pytest.approx(400 / 7_600),  # 0.05263
}  # fmt: skip
# x, lifetime: P3 and P4 (2 posts, only P3 has activity)
X_LIFETIME = {
    "network": "x", "posts": 2, "impressions": 0, "reach": 0, "reactions": 3, "comments": 0,
    "shares": 0, "saves": 0, "clicks": 0, "video_views": 50, "engagements": 3,
    "followers_start": 1_000, "followers_end": 1_100, "audience_growth": 100,
    "engagement_rate": None, "engagement_rate_reach": None,  # 0 impressions, 0 reach
    "engagement_rate_followers": pytest.approx(3 / 1_100),
    "amplification_rate": 0.0, "amplification_rate_followers": 0.0,
    "applause_rate": 1.5,  # 3 reactions / 2 posts
    "conversation_rate": 0.0, "virality_rate": None, "ctr": None,
    "audience_growth_rate": 0.1,  # 100 / 1,000
}  # fmt: skip
# instagram: an owned profile without posts: a row for its audience growth (550 − 500)
INSTAGRAM = {
    "network": "instagram", "posts": 0, "impressions": 0, "reach": 0, "reactions": 0,
    "comments": 0, "shares": 0, "saves": 0, "clicks": 0, "video_views": 0, "engagements": 0,
    "followers_start": 500, "followers_end": 550, "audience_growth": 50,
    "engagement_rate": None, "engagement_rate_reach": None, "engagement_rate_followers": 0.0,
    "amplification_rate": None, "amplification_rate_followers": 0.0, "applause_rate": None,
    "conversation_rate": None, "virality_rate": None, "ctr": None,
    "audience_growth_rate": 0.1,  # 50 / 500
}  # fmt: skip


def test_engagement_by_network_activity(duck: DuckDBEngine) -> None:
    _march_data(duck)
    rows = _rows(duck, engagement_by(duck.tables(WS), *MARCH, by="network"), "network")
    # linkedin, activity in March: P0 (03-01) + P1 (03-31); the competitor's PR is left out
    # impressions 500 + 15,000 = 15,500; reach 400 + 9,000 = 9,400; reactions 5 + 200 = 205;
    # comments 1 + 30 = 31; shares 1 + 45 = 46; saves 1 + 15 = 16; clicks 2 + 130 = 132;
    # engagements 10 + 420 = 430
    linkedin = {
        **LINKEDIN_LIFETIME, "posts": 2, "impressions": 15_500, "reach": 9_400,
        "reactions": 205, "comments": 31, "shares": 46, "saves": 16, "clicks": 132,
        "engagements": 430,
        "engagement_rate": pytest.approx(430 / 15_500),  # 0.02774 (ratio of sums)
        "engagement_rate_reach": pytest.approx(430 / 9_400),  # 0.04574
        "engagement_rate_followers": 0.05375,  # 430 / 8,000
        "amplification_rate": 23.0,  # 46 / 2
        "amplification_rate_followers": 0.00575,  # 46 / 8,000
        "applause_rate": 102.5, "conversation_rate": 15.5,  # 205 / 2, 31 / 2
        "virality_rate": pytest.approx(46 / 15_500), "ctr": pytest.approx(132 / 15_500),
    }  # fmt: skip
    # x, activity: P3 only (P4 has no activity) → 1 post
    x = {**X_LIFETIME, "posts": 1, "applause_rate": 3.0}
    assert rows == [pytest.approx(INSTAGRAM), pytest.approx(linkedin), pytest.approx(x)]


def test_engagement_by_network_lifetime_is_the_worked_post(duck: DuckDBEngine) -> None:
    _march_data(duck)
    t = duck.tables(WS)
    rows = _rows(duck, engagement_by(t, *MARCH, semantics="lifetime"), "network")
    assert rows == [
        pytest.approx(INSTAGRAM),
        pytest.approx(LINKEDIN_LIFETIME),
        pytest.approx(X_LIFETIME),
    ]


def test_engagement_by_campaign_and_post_lifetime(duck: DuckDBEngine) -> None:
    _march_data(duck)
    t = duck.tables(WS)
    by_campaign = _rows(duck, engagement_by(t, *MARCH, by="campaign", semantics="lifetime"),
                        "campaign")  # fmt: skip
    # "spring": P1 only (PR is a competitor's), followers of li1; no campaign: P3 + P4 (x1)
    spring = {"campaign": "spring", **{k: v for k, v in LINKEDIN_LIFETIME.items()
                                       if k != "network"}}  # fmt: skip
    none = {"campaign": None, **{k: v for k, v in X_LIFETIME.items() if k != "network"}}
    assert by_campaign == [pytest.approx(none), pytest.approx(spring)]  # "None" < "spring"

    by_post = _rows(duck, engagement_by(t, *MARCH, by="post", semantics="lifetime"), "post_id")
    assert [r["post_id"] for r in by_post] == ["P1", "P3", "P4"]
    p1 = {**LINKEDIN_LIFETIME, "post_id": "P1", "campaign": "spring",
          "published_at": "2025-03-31 18:00:00"}  # fmt: skip
    assert by_post[0] == pytest.approx(p1)
    assert by_post[1]["applause_rate"] == 3.0  # 3 reactions / 1 post
    assert by_post[1]["engagement_rate"] is None  # 0 impressions


def test_audience_growth(duck: DuckDBEngine) -> None:
    _march_data(duck)
    t = duck.tables(WS)
    rows = _rows(duck, profile_followers(t.profile_metrics, *MARCH), "profile_id")
    assert [(r["profile_id"], r["followers_start"], r["followers_end"]) for r in rows] == [
        ("ig1", 500, 550),  # 03-01 counts as "on or before the first day"
        ("li1", 7_600, 8_000),  # 02-28, 03-31
        ("rv", 50_000, 50_000),  # first = last count (the engagement tables drop rv)
        ("x1", 1_000, 1_100),  # nothing on or before 03-01: the first count inside; 04-15 ignored
    ]
    # February: li1 7,600 is its only count; x1 and ig1 have none on or before 02-28
    feb = _rows(duck, profile_followers(t.profile_metrics, dt.date(2025, 2, 1),
                                        dt.date(2025, 2, 28)), "profile_id")  # fmt: skip
    assert [(r["profile_id"], r["followers_start"], r["followers_end"]) for r in feb] == [
        ("li1", 7_600, 7_600)
    ]


def test_unknown_semantics_and_grouping_are_config_errors(duck: DuckDBEngine) -> None:
    t = duck.tables(WS)
    with pytest.raises(ConfigError, match="semantics"):
        post_engagement(t, *MARCH, semantics="forever")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="grouping"):
        engagement_by(t, *MARCH, by="brand")  # type: ignore[arg-type]


BEST_TIMES = [
    # network, weekday, hour, posts, impressions, engagements, mean of rates, ratio, low_sample
    ("linkedin", 0, 9, 5, 5_000, 170, 0.03, 0.034, False),
    ("linkedin", 6, 1, 1, 400, 8, 0.02, 0.02, True),
    ("x", 2, 14, 1, 300, 6, 0.02, 0.02, True),
]
BEST_KEYS = ("network", "weekday", "hour", "posts", "impressions", "engagements",
             "mean_post_engagement_rate", "engagement_rate", "low_sample")  # fmt: skip


def test_best_time_to_post(duck: DuckDBEngine) -> None:
    _march_data(duck)
    _paris_data(duck)
    rows = _rows(duck, best_time_to_post(duck.tables(PARIS), *SPRING), "network", "weekday")
    assert rows == [pytest.approx(dict(zip(BEST_KEYS, r, strict=True))) for r in BEST_TIMES]


def _section_and_best_times(engine: Engine) -> dict[str, Any]:
    best = engine.execute(best_time_to_post(engine.tables(PARIS), *SPRING)).to_pylist()
    return {
        "section": engagement_section(engine, WS, *MARCH),
        "best": sorted(best, key=lambda r: (r["network"], r["weekday"])),
    }


@pytest.mark.spark
def test_engagement_section_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    _march_data(duck)
    _paris_data(duck)
    result = same_on_both(duck, _section_and_best_times)
    # activity in March, ordered by engagements: linkedin 430, x 3, instagram 0; ratios rounded
    assert result["section"] == {"by_network": [
        {"network": "linkedin", "posts": 2, "impressions": 15_500, "reach": 9_400,
         "engagements": 430,
         "engagement_rate": 0.0277,  # 430 / 15,500 = 0.027742
         "engagement_rate_reach": 0.0457,  # 430 / 9,400 = 0.045745
         "engagement_rate_followers": 0.0537,  # 430 / 8,000 = 0.05375 (binary 0.053749…)
         "amplification_rate": 23.0, "applause_rate": 102.5, "conversation_rate": 15.5,
         "virality_rate": 0.003,  # 46 / 15,500 = 0.0029677
         "ctr": 0.0085,  # 132 / 15,500 = 0.0085161
         "audience_growth": 400},
        {"network": "x", "posts": 1, "impressions": 0, "reach": 0, "engagements": 3,
         "engagement_rate": None, "engagement_rate_reach": None,
         "engagement_rate_followers": 0.0027,  # 3 / 1,100 = 0.0027273
         "amplification_rate": 0.0, "applause_rate": 3.0, "conversation_rate": 0.0,
         "virality_rate": None, "ctr": None, "audience_growth": 100},
        {"network": "instagram", "posts": 0, "impressions": 0, "reach": 0, "engagements": 0,
         "engagement_rate": None, "engagement_rate_reach": None,
         "engagement_rate_followers": 0.0, "amplification_rate": None, "applause_rate": None,
         "conversation_rate": None, "virality_rate": None, "ctr": None, "audience_growth": 50},
    ]}  # fmt: skip
    assert result["best"] == [
        pytest.approx(dict(zip(BEST_KEYS, r, strict=True))) for r in BEST_TIMES
    ]
