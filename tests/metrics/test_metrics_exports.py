"""The public names of ``socialroi.metrics`` and ``socialroi.report`` are pinned."""

from __future__ import annotations

import socialroi.metrics
import socialroi.report


def test_metrics_exports() -> None:
    assert socialroi.metrics.__all__ == [
        "ab_tests",
        "best_time_to_post",
        "business_calendar",
        "BusinessHours",
        "cases",
        "channel_summary",
        "clv_section",
        "compute_metric",
        "cost_and_return",
        "cost_in_period",
        "cost_per_customer",
        "cost_per_lead",
        "customers",
        "deals_after_social",
        "ecommerce",
        "ecommerce_lines",
        "engagement_by",
        "engagement_section",
        "first_responses",
        "first_touch",
        "funnel",
        "funnel_section",
        "goal_progress",
        "historical_clv",
        "labour_cost",
        "leads",
        "METRICS",
        "MetricSpec",
        "money_facts",
        "opportunity_messages",
        "period_bounds",
        "person_visits",
        "post_engagement",
        "post_leaderboard",
        "previous_period",
        "profile_followers",
        "ratio",
        "register",
        "response_by",
        "response_section",
        "response_stats",
        "revenue_items",
        "roi",
        "roi_with_labour",
        "share_of_voice",
        "share_of_voice_section",
        "share_of_voice_trend",
        "social_forecast",
        "social_opportunities",
        "spread_cost_per_day",
        "stage_values",
        "transactions",
        "unanswered_threads",
        "visitor_contacts",
        "with_cost_ratios",
        "with_previous",
        "won_deals",
        "won_deals_with_social",
    ]
    for name in socialroi.metrics.__all__:
        assert getattr(socialroi.metrics, name).__doc__, name


def test_report_exports() -> None:
    assert {"render_summary_html", "write_summary_html"} <= set(socialroi.report.__all__)
