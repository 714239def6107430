"""Metrics: one module per family; each function takes Ibis tables and returns Ibis expressions.

- :mod:`~socialroi.metrics.people` — who a visitor is (identity) and each person's first touch;
- :mod:`~socialroi.metrics.funnel` — leads and customers, once per person;
- :mod:`~socialroi.metrics.revenue` — won deals, purchases and refunds;
- :mod:`~socialroi.metrics.cost` — spend (spread over days) and labour;
- :mod:`~socialroi.metrics.roi` — ROI and cost ratios;
- :mod:`~socialroi.metrics.engagement` — engagement, amplification, virality, best time to post;
- :mod:`~socialroi.metrics.response` — response rate and first-response time, business hours;
- :mod:`~socialroi.metrics.opportunities` — sales opportunities and deals won after social;
- :mod:`~socialroi.metrics.share_of_voice` — share of voice by mentions and reach, sentiment;
- :mod:`~socialroi.metrics.stage_value` — funnel rates, time between stages, stage values;
- :mod:`~socialroi.metrics.abtest` — A/B tests of post variants;
- :mod:`~socialroi.metrics.clv` — historical CLV of social vs non-social customers, BG/NBD and
  Gamma-Gamma predictive CLV, repeat-purchase and retention curves;
- :mod:`~socialroi.metrics.forecast` — monthly leads, customers and revenue from social, forecast;
- :mod:`~socialroi.metrics.goals` — goals tracked with pace;
- :mod:`~socialroi.metrics.money` — cost and return per network, campaign and post: ROI, ROAS,
  CPC, CPM, cost per lead and customer, with and without labour; the post leaderboard;
- :mod:`~socialroi.metrics.ecommerce` — revenue, orders, AOV, revenue per visit from order items;
- :mod:`~socialroi.metrics.compare` — any metric beside its previous period;
- :mod:`~socialroi.metrics.registry` — the named metrics of ``socialroi metrics NAME``;
- :mod:`~socialroi.metrics.summary` — visits, leads, customers, revenue, cost and ROI by network
  and channel (the core of ``socialroi summary``, composed in :mod:`socialroi.summary`).

Formulas, grains and edge cases: ``docs/metrics.md``.
"""

from __future__ import annotations

from socialroi.metrics._period import period_bounds
from socialroi.metrics.abtest import ab_tests
from socialroi.metrics.clv import clv_section, historical_clv
from socialroi.metrics.compare import previous_period, with_previous
from socialroi.metrics.cost import cost_in_period, labour_cost, spread_cost_per_day
from socialroi.metrics.ecommerce import ecommerce, ecommerce_lines
from socialroi.metrics.engagement import (
    best_time_to_post,
    engagement_by,
    engagement_section,
    post_engagement,
    profile_followers,
)
from socialroi.metrics.forecast import social_forecast
from socialroi.metrics.funnel import customers, leads, won_deals
from socialroi.metrics.goals import goal_progress
from socialroi.metrics.money import cost_and_return, money_facts, post_leaderboard, with_cost_ratios
from socialroi.metrics.opportunities import (
    deals_after_social,
    opportunity_messages,
    social_opportunities,
    won_deals_with_social,
)
from socialroi.metrics.people import first_touch, person_visits, visitor_contacts
from socialroi.metrics.registry import METRICS, MetricSpec, compute_metric, register
from socialroi.metrics.response import (
    BusinessHours,
    business_calendar,
    cases,
    first_responses,
    response_by,
    response_section,
    response_stats,
    unanswered_threads,
)
from socialroi.metrics.revenue import revenue_items, transactions
from socialroi.metrics.roi import cost_per_customer, cost_per_lead, ratio, roi, roi_with_labour
from socialroi.metrics.share_of_voice import (
    share_of_voice,
    share_of_voice_section,
    share_of_voice_trend,
)
from socialroi.metrics.stage_value import funnel, funnel_section, stage_values
from socialroi.metrics.summary import channel_summary

__all__ = [
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
