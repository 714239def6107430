"""What the report shows, computed once: the summary plus the few detail tables it adds.

Every number comes from the package that owns it: the summary (:func:`socialroi.summary.summary`,
whose attribution section also holds the assisted conversions and top paths), the comparison
period's channel summary (:func:`socialroi.metrics.channel_summary`), sales opportunities
(:mod:`socialroi.metrics.opportunities`), post engagement and share of voice. The only
expressions built here are "top N" listings (posts, mentions, tracked-link campaigns): a filter,
a join for the text and an order, run in the engine; only their few rows leave it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis

from socialroi.engine import Engine, Tables
from socialroi.errors import ConfigError
from socialroi.metrics import (
    channel_summary,
    deals_after_social,
    post_engagement,
    share_of_voice,
    social_opportunities,
)
from socialroi.metrics._period import compare_period, period_bounds
from socialroi.metrics.clv import historical_clv
from socialroi.metrics.forecast import last_full_month, social_forecast
from socialroi.metrics.goals import goal_progress
from socialroi.summary import summary as compute_summary

__all__ = [
    "COMPARE",
    "ReportData",
    "campaign_rows",
    "clv_comparison",
    "collect",
    "compare_period",
    "forecast_values",
    "top_mention_rows",
]

#: ``--compare`` choices: the period just before, of the same length, or the same dates a year
#: earlier.
COMPARE = ("previous", "yoy")

TOP_POSTS = 8
TOP_MENTIONS = 8
TOP_CAMPAIGNS = 10


@dataclass
class ReportData:
    """Everything a report section may show; a section reads only what it needs.

    ``extra`` holds sections computed elsewhere (for example ``clv`` or ``forecast`` once those
    packages exist): a report section registered for such a key renders when it is present.
    """

    workspace_name: str
    date_from: dt.date
    date_to: dt.date
    summary: dict[str, Any]
    compare: Literal["previous", "yoy"] | None = None
    previous: dict[str, Any] | None = None
    assisted: list[dict[str, Any]] = field(default_factory=list)
    top_paths: list[dict[str, Any]] = field(default_factory=list)
    opportunities: dict[str, Any] = field(default_factory=dict)
    opportunities_by_network: list[dict[str, Any]] = field(default_factory=list)
    deals_after_social: dict[str, Any] = field(default_factory=dict)
    top_posts: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    share_of_voice: list[dict[str, Any]] = field(default_factory=list)
    top_mentions: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        return str(self.summary["currency"])

    @property
    def period_label(self) -> str:
        return f"{self.date_from.isoformat()} to {self.date_to.isoformat()}"

    @property
    def previous_label(self) -> str | None:
        if self.previous is None:
            return None
        p = self.previous["period"]
        return f"{p['from']} to {p['to']}"


def _rows(engine: Engine, expr: ibis.Table) -> list[dict[str, Any]]:
    return list(engine.execute(expr).to_pylist())


def _bounds(t: Tables, date_from: dt.date, date_to: dt.date) -> tuple[Any, Any]:
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    return ibis.literal(start, type="timestamp"), ibis.literal(end, type="timestamp")


def _top_posts(
    engine: Engine, t: Tables, date_from: dt.date, date_to: dt.date
) -> list[dict[str, Any]]:
    pe = post_engagement(t, date_from, date_to)
    top = pe.order_by([ibis.desc(pe.engagements), pe.post_id]).limit(TOP_POSTS)
    p = t.posts.select(p_post_id=t.posts.post_id, text=t.posts.text, url=t.posts.url)
    x = top.left_join(p, top.post_id == p.p_post_id)
    x = x.select(
        "post_id", "network", "campaign", "published_at", "impressions", "engagements",
        "shares", "engagement_rate", "virality_rate", "text",
    )  # fmt: skip
    return _rows(engine, x.order_by([ibis.desc(x.engagements), x.post_id]))


def campaign_rows(
    engine: Engine, t: Tables, date_from: dt.date, date_to: dt.date
) -> list[dict[str, Any]]:
    """Tracked-link clicks in the period by the link's UTM source, medium and campaign."""
    lo, hi = _bounds(t, date_from, date_to)
    c = t.clicks.filter(t.clicks.clicked_at >= lo, t.clicks.clicked_at < hi)
    links = t.links.select(
        l_code=t.links.code,
        utm_source=t.links.utm_source,
        utm_medium=t.links.utm_medium,
        utm_campaign=t.links.utm_campaign,
    )
    x = c.join(links, c.code == links.l_code)
    agg = x.group_by(["utm_source", "utm_medium", "utm_campaign"]).aggregate(
        clicks=x.count().cast("int64"),
        links=x.code.nunique().cast("int64"),
    )
    agg = agg.order_by([ibis.desc(agg.clicks), agg.utm_campaign, agg.utm_source]).limit(
        TOP_CAMPAIGNS
    )
    return _rows(engine, agg)


def top_mention_rows(
    engine: Engine, t: Tables, date_from: dt.date, date_to: dt.date
) -> list[dict[str, Any]]:
    lo, hi = _bounds(t, date_from, date_to)
    m = t.mentions.filter(t.mentions.published_at >= lo, t.mentions.published_at < hi)
    m = m.select("mention_id", "network", "brand", "published_at", "reach", "sentiment", "text")
    return _rows(engine, m.order_by([ibis.desc(m.reach), m.mention_id]).limit(TOP_MENTIONS))


def clv_comparison(engine: Engine, workspace_id: str, date_to: dt.date) -> dict[str, Any] | None:
    """Historical CLV of social vs other customers to the end of the period, with its bootstrap
    intervals and Welch's test (:func:`socialroi.metrics.clv.historical_clv`); None without
    customers."""
    c = historical_clv(engine, workspace_id, date_to)
    if c.social_n + c.non_social_n == 0:
        return None
    return dataclasses.asdict(c)


def forecast_values(engine: Engine, workspace_id: str, date_to: dt.date) -> dict[str, Any] | None:
    """Forecasts of social leads, customers and revenue after the period's last full month, and
    the goals' pace at the end of the period; None when the history is too short to forecast
    (:data:`socialroi.metrics.forecast.MIN_MONTHS`) and no goal is set."""
    last = last_full_month(date_to)
    try:
        fc = social_forecast(engine, workspace_id, last)
        series = {
            m: {"model": f.model, "history": f.history, "points": f.points, "warnings": f.warnings}
            for m, f in fc.items()
        }
    except ConfigError:  # fewer months than a forecast needs: say nothing rather than guess
        series = {}
    goals = goal_progress(engine, workspace_id, date_to)
    if not series and not goals:
        return None
    return {"last_month": last, "series": series, "goals": goals}


def collect(
    engine: Engine,
    workspace_id: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    compare: Literal["previous", "yoy"] | None = "previous",
    extra: dict[str, Any] | None = None,
) -> ReportData:
    """Compute every number of the report of ``[date_from, date_to]`` (both days included).

    One run of ``Engine.shared``: what the summary and the report's own tables both read
    (visitor contacts, touchpoints, conversions, customer values) is computed once. Assisted
    conversions and top paths are the summary's attribution section's own (customers
    converted in the period, 90-day lookback, network level), not computed again.
    """
    with engine.shared(workspace_id) as t:
        return _collect(engine, t, date_from, date_to, compare=compare, extra=extra)


def _collect(
    engine: Engine,
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    *,
    compare: Literal["previous", "yoy"] | None,
    extra: dict[str, Any] | None,
) -> ReportData:
    workspace_id = t.workspace.workspace_id
    data = ReportData(
        workspace_name=t.workspace.name,
        date_from=date_from,
        date_to=date_to,
        summary=compute_summary(engine, workspace_id, date_from, date_to),
        compare=compare,
        extra=dict(extra or {}),
    )
    if compare is not None:
        p_from, p_to = compare_period(date_from, date_to, compare)
        data.previous = channel_summary(engine, workspace_id, p_from, p_to)
    attribution = data.summary["attribution"]
    data.assisted = list(attribution["assisted"])
    data.top_paths = list(attribution["top_paths"])
    data.opportunities = _rows(engine, social_opportunities(t, date_from, date_to))[0]
    data.opportunities_by_network = sorted(
        _rows(engine, social_opportunities(t, date_from, date_to, by="network")),
        key=lambda r: (-r["inbound"], r["network"] or ""),
    )
    data.deals_after_social = _rows(engine, deals_after_social(t, date_from, date_to))[0]
    data.top_posts = _top_posts(engine, t, date_from, date_to)
    data.campaigns = campaign_rows(engine, t, date_from, date_to)
    sov = _rows(engine, share_of_voice(t, date_from, date_to))
    order = list(data.summary.get("share_of_voice", {}))
    sov.sort(key=lambda r: order.index(r["brand"]) if r["brand"] in order else len(order))
    data.share_of_voice = sov
    data.top_mentions = top_mention_rows(engine, t, date_from, date_to)
    for key, value in (("clv_comparison", clv_comparison(engine, workspace_id, date_to)),
                       ("forecast", forecast_values(engine, workspace_id, date_to))):  # fmt: skip
        if value is not None:
            data.extra.setdefault(key, value)
    return data
