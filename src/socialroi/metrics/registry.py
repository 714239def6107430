"""The named metrics of ``socialroi metrics NAME``: an allowlist, one entry per metric.

Each :class:`MetricSpec` says how to build the metric for a period (an Ibis expression, run in the
engine), which ``--by`` values it accepts (an allowlist: never a column name from the user) and
the key columns of each, which measures are additive (counts and sums, 0 where nothing happened)
and how to rank rows. :func:`compute_metric` runs it, with the previous equal-length period
beside it (:mod:`socialroi.metrics.compare`) when the metric is comparable.

Adding a metric is one :func:`register` call with a :class:`MetricSpec`. A metric computed
outside the engine (a model fitted in Python, e.g. CLV) gives ``rows=`` instead of ``build=``:
its rows go back to the engine as a small table so the comparison is the same code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import ibis
import ibis.expr.types as ir

from socialroi.engine import Engine, Tables
from socialroi.errors import ConfigError
from socialroi.metrics.abtest import ab_tests
from socialroi.metrics.clv import historical_clv
from socialroi.metrics.compare import previous_period, with_previous
from socialroi.metrics.ecommerce import ECOMMERCE_ADDITIVE, ECOMMERCE_BY, ecommerce
from socialroi.metrics.engagement import best_time_to_post, engagement_by
from socialroi.metrics.forecast import last_full_month, social_forecast
from socialroi.metrics.goals import goal_progress
from socialroi.metrics.money import MONEY_ADDITIVE, cost_and_return, post_leaderboard
from socialroi.metrics.opportunities import deals_after_social, social_opportunities
from socialroi.metrics.response import response_by, unanswered_threads
from socialroi.metrics.share_of_voice import share_of_voice, share_of_voice_trend
from socialroi.metrics.stage_value import funnel

__all__ = ["METRICS", "MetricResult", "MetricSpec", "compute_metric", "register"]

Build = Callable[[Tables, dt.date, dt.date, str | None], ir.Table]
Rows = Callable[[Engine, str, dt.date, dt.date, str | None], list[dict[str, Any]]]


@dataclass(frozen=True)
class MetricSpec:
    """One named metric.

    ``by`` maps each accepted ``--by`` value (``None``: the metric's own grain or the total) to
    its key columns; ``default_by`` is used when ``--by`` is not given. ``rank`` names the
    columns rows are sorted by, descending (then the keys, ascending).
    """

    name: str
    title: str
    by: Mapping[str | None, tuple[str, ...]]
    default_by: str | None = None
    additive: tuple[str, ...] = ()
    rank: tuple[str, ...] = ()
    comparable: bool = True
    build: Build | None = None
    rows: Rows | None = None
    #: column → Ibis type of ``rows=`` metrics, so an empty or all-null result keeps its shape
    schema: Mapping[str, str] | None = None


#: Every metric, by name (the allowlist of ``socialroi metrics NAME``).
METRICS: dict[str, MetricSpec] = {}


def register(spec: MetricSpec) -> MetricSpec:
    """Add ``spec`` to :data:`METRICS` (a name may be registered once)."""
    if spec.name in METRICS:
        raise ValueError(f"metric {spec.name!r} is registered twice")
    if (spec.build is None) == (spec.rows is None):
        raise ValueError(f"metric {spec.name!r} needs exactly one of build= and rows=")
    if spec.default_by not in spec.by:
        raise ValueError(f"metric {spec.name!r}: default_by {spec.default_by!r} is not in by")
    METRICS[spec.name] = spec
    return spec


@dataclass(frozen=True)
class MetricResult:
    """A computed metric: its rows (plain Python values) and what they mean."""

    name: str
    title: str
    period: tuple[dt.date, dt.date]
    previous: tuple[dt.date, dt.date] | None
    by: str | None
    keys: tuple[str, ...]
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, rows as they are."""
        prev = self.previous
        return {
            "metric": self.name,
            "title": self.title,
            "period": {"from": self.period[0].isoformat(), "to": self.period[1].isoformat()},
            "previous_period": None if prev is None
            else {"from": prev[0].isoformat(), "to": prev[1].isoformat()},
            "by": self.by,
            "keys": list(self.keys),
            "columns": list(self.columns),
            "rows": self.rows,
        }  # fmt: skip


def _get(name: str) -> MetricSpec:
    try:
        return METRICS[name]
    except KeyError:
        raise ConfigError(
            f"unknown metric {name!r}", hint=f"use one of: {', '.join(sorted(METRICS))}"
        ) from None


def _check_by(spec: MetricSpec, by: str | None) -> str | None:
    chosen = spec.default_by if by is None else by
    if chosen not in spec.by:
        allowed = ", ".join(str(b) for b in spec.by if b is not None) or "none"
        raise ConfigError(
            f"metric {spec.name!r} cannot be grouped by {by!r}",
            hint=f"--by accepts: {allowed}",
        )
    return chosen


def _table(engine: Engine, spec: MetricSpec, t: Tables, workspace: str, period: tuple[dt.date,
           dt.date], by: str | None) -> ir.Table:  # fmt: skip
    if spec.build is not None:
        return spec.build(t, period[0], period[1], by)
    if spec.rows is None:  # register() refuses a spec with neither
        raise ValueError(f"metric {spec.name!r} has neither build= nor rows=")
    rows = spec.rows(engine, workspace, period[0], period[1], by)
    if spec.schema is None:
        return ibis.memtable(rows)
    return ibis.memtable([{c: r.get(c) for c in spec.schema} for r in rows], schema=spec.schema)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return value + 0.0  # -0.0 → 0.0
    return value


def compute_metric(
    engine: Engine,
    workspace: str,
    name: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    by: str | None = None,
    compare: bool = True,
) -> MetricResult:
    """Compute the metric ``name`` for the period, beside the previous period when comparable.

    Parameters
    ----------
    engine
        An open engine (DuckDB or Spark).
    workspace
        The workspace.
    name
        A key of :data:`METRICS` (else ``ConfigError`` listing them).
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.
    by
        One of the metric's ``by`` values (else ``ConfigError``); ``None``: its default.
    compare
        Add ``m_previous`` and ``m_change`` for every measure (ignored for metrics that are
        lists or trends, whose ``comparable`` is false).

    Returns
    -------
    A :class:`MetricResult`; rows sorted by the metric's ``rank`` columns descending, then keys.
    Dates and timestamps are ISO strings.

    Tested by ``tests/metrics/test_registry.py`` and ``tests/cli/test_metrics_cli.py``.
    """
    spec = _get(name)
    chosen = _check_by(spec, by)
    keys = spec.by[chosen]
    t = engine.tables(workspace)
    period = (date_from, date_to)
    expr = _table(engine, spec, t, workspace, period, chosen)
    previous = None
    if compare and spec.comparable:
        previous = previous_period(date_from, date_to)
        before = _table(engine, spec, t, workspace, previous, chosen)
        expr = with_previous(expr, before, keys, additive=spec.additive)
    rows = [{k: _plain(v) for k, v in r.items()} for r in engine.execute(expr).to_pylist()]

    def sort_key(r: dict[str, Any]) -> tuple[Any, ...]:
        ranked = tuple((r[c] is None, -(r[c] or 0)) for c in spec.rank)
        return (*ranked, *((r[k] is None, str(r[k])) for k in keys))

    rows.sort(key=sort_key)
    return MetricResult(
        name=spec.name, title=spec.title, period=period, previous=previous, by=chosen,
        keys=keys, columns=tuple(expr.columns), rows=rows,
    )  # fmt: skip


# --- the built-in metrics ---------------------------------------------------------------------


def _funnel(t: Tables, a: dt.date, b: dt.date, by: str | None) -> ir.Table:
    # compute_metric has already checked ``by`` against the spec's allowlist
    return funnel(t, a, b, by=cast(Literal["network", "channel", "campaign", "post"] | None, by))


def _money(t: Tables, a: dt.date, b: dt.date, by: str | None) -> ir.Table:
    return cost_and_return(t, a, b, by="campaign" if by == "campaign" else "post"
                           if by == "post" else "network" if by else None)  # fmt: skip


def _engagement(semantics: str) -> Build:
    def build(t: Tables, a: dt.date, b: dt.date, by: str | None) -> ir.Table:
        return engagement_by(
            t, a, b,
            by="campaign" if by == "campaign" else "post" if by == "post" else "network",
            semantics="lifetime" if semantics == "lifetime" else "activity",
        )  # fmt: skip

    return build


def _response(customers_only: bool) -> Build:
    def build(t: Tables, a: dt.date, b: dt.date, by: str | None) -> ir.Table:
        return response_by(
            t, a, b, by="agent" if by == "agent" else "network" if by else None,
            customers_only=customers_only,
        )  # fmt: skip

    return build


_COUNT_SUMS = ("visits", "leads", "customers", "customer_revenue")
_ENGAGEMENT_SUMS = ("posts", "impressions", "reach", "reactions", "comments", "shares", "saves",
                    "clicks", "video_views", "engagements")  # fmt: skip
_SOV_SUMS = ("mentions", "reach", "positive", "neutral", "negative")
_POST_KEYS = ("post_id", "network", "campaign", "published_at")

register(MetricSpec(
    "funnel", "Funnel: visits → leads → customers, stage rates, stage values, days between stages",
    by={"network": ("network",), "channel": ("channel",), "campaign": ("campaign",),
        "post": ("post_id",), None: ()}, default_by="network",
    additive=_COUNT_SUMS, rank=("visits",), build=_funnel,
))  # fmt: skip
register(MetricSpec(
    "roi", "Cost and return: ROI, ROAS, CPC, CPM, cost per lead and customer, with and without "
    "labour (the empty key is unallocated)",
    by={"network": ("network",), "campaign": ("campaign",), "post": ("post_id",), None: ()},
    default_by="network", additive=MONEY_ADDITIVE, rank=("revenue",), build=_money,
))  # fmt: skip
register(MetricSpec(
    "ecommerce", "Ecommerce: revenue (refunds netted), orders, AOV, revenue per visit",
    by={**{b: tuple(b.split(",")) for b in ECOMMERCE_BY}, None: ()}, default_by="product",
    additive=ECOMMERCE_ADDITIVE, rank=("revenue",),
    build=lambda t, a, b, by: ecommerce(t, a, b, by=by),
))  # fmt: skip
register(MetricSpec(
    "engagement", "Engagement: activity in the period (post_metrics dated in it)",
    by={"network": ("network",), "campaign": ("campaign",), "post": _POST_KEYS},
    default_by="network", additive=_ENGAGEMENT_SUMS, rank=("engagements",),
    build=_engagement("activity"),
))  # fmt: skip
register(MetricSpec(
    "engagement-lifetime", "Engagement: lifetime of the posts published in the period",
    by={"network": ("network",), "campaign": ("campaign",), "post": _POST_KEYS},
    default_by="network", additive=_ENGAGEMENT_SUMS, rank=("engagements",),
    build=_engagement("lifetime"),
))  # fmt: skip
register(MetricSpec(
    "best-time", "Best day (0 = Monday) and hour to post, with the number of posts (sample)",
    by={None: ("network", "weekday", "hour")}, additive=("posts", "impressions", "engagements"),
    rank=("engagement_rate",), build=lambda t, a, b, by: best_time_to_post(t, a, b),
))  # fmt: skip
register(MetricSpec(
    "post-leaderboard", "Posts ranked by the customers and revenue they brought, then engagement",
    by={None: ("post_id",)}, additive=("engagements", "impressions", "clicks", "leads",
                                       "customers", "revenue", "cost"),
    rank=("customers", "revenue", "engagements"),
    build=lambda t, a, b, by: post_leaderboard(t, a, b),
))  # fmt: skip
register(MetricSpec(
    "response", "Customer response: rate, first-response minutes (mean, median, p90), SLA 1 h",
    by={None: (), "network": ("network",), "agent": ("agent",)}, default_by=None,
    additive=("inbound", "answered"), rank=("inbound",), build=_response(False),
))  # fmt: skip
register(MetricSpec(
    "response-customers", "Customer response to messages from existing customers only",
    by={None: (), "network": ("network",), "agent": ("agent",)}, default_by=None,
    additive=("inbound", "answered"), rank=("inbound",), build=_response(True),
))  # fmt: skip
register(MetricSpec(
    "unanswered", "Threads waiting for a reply, with how long the oldest case has waited",
    by={None: ("thread_id",)}, rank=("unanswered",), comparable=False,
    build=lambda t, a, b, by: unanswered_threads(t, a, b),
))  # fmt: skip
register(MetricSpec(
    "opportunities", "Sales opportunities on social: messages from leads and prospects, response",
    by={None: (), "network": ("network",)}, default_by=None,
    additive=("contacts", "inbound", "answered"), rank=("inbound",),
    build=lambda t, a, b, by: social_opportunities(t, a, b, by="network" if by else None),
))  # fmt: skip
register(MetricSpec(
    "deals-after-social", "Deals won after a social conversation: count, revenue, share",
    by={None: ()}, additive=("deals_won", "revenue_won", "deals_after_social",
                             "revenue_after_social"),
    build=lambda t, a, b, by: deals_after_social(t, a, b),
))  # fmt: skip
register(MetricSpec(
    "share-of-voice", "Share of voice by mentions and reach, positive SOV, net sentiment",
    by={"brand": ("brand",), "keyword": ("keyword", "brand")}, default_by="brand",
    additive=_SOV_SUMS, rank=("mentions",),
    build=lambda t, a, b, by: share_of_voice(t, a, b, by="keyword" if by == "keyword" else "brand"),
))  # fmt: skip
register(MetricSpec(
    "share-of-voice-trend", "Share of voice by ISO week",
    by={None: ("week", "brand")}, comparable=False,
    build=lambda t, a, b, by: share_of_voice_trend(t, a, b),
))  # fmt: skip


# --- metrics computed in Python from small engine results (CLV, A/B tests, forecasts, goals) ---


def _clv_rows(e: Engine, ws: str, a: dt.date, b: dt.date, by: str | None) -> list[dict[str, Any]]:
    c = historical_clv(e, ws, b)

    def ci(pair: tuple[float, float] | None, i: int) -> float | None:
        return None if pair is None else round(pair[i], 2)

    def money(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return [
        {"group": "social", "customers": c.social_n, "clv": money(c.social),
         "ci_low": ci(c.social_ci, 0), "ci_high": ci(c.social_ci, 1)},
        {"group": "non_social", "customers": c.non_social_n, "clv": money(c.non_social),
         "ci_low": ci(c.non_social_ci, 0), "ci_high": ci(c.non_social_ci, 1)},
        {"group": "difference", "customers": c.social_n + c.non_social_n,
         "clv": money(c.difference),
         "ci_low": ci(c.difference_ci, 0), "ci_high": ci(c.difference_ci, 1),
         "p_value": c.p_value, "warning": c.warning},
    ]  # fmt: skip


def _ab_rows(e: Engine, ws: str, a: dt.date, b: dt.date, by: str | None) -> list[dict[str, Any]]:
    rows = []
    for test in ab_tests(e, ws, a, b):
        for arm in test["arms"]:
            rows.append({
                "campaign": test["campaign"], "control": test["control"], **arm,
                "warnings": "; ".join(w for w in test["warnings"]
                                      if w.startswith(f"{arm['arm']}")) or None,
            })  # fmt: skip
    return rows


def _forecast_rows(
    e: Engine, ws: str, a: dt.date, b: dt.date, by: str | None
) -> list[dict[str, Any]]:
    rows = []
    for metric, fc in social_forecast(e, ws, last_full_month(b)).items():
        warning = "; ".join(fc.warnings) or None
        for h in fc.history:
            rows.append({"metric": metric, "month": h["month"], "kind": "actual",
                         "value": h["value"], "model": fc.model, "warnings": warning})
        for p in fc.points:
            rows.append({"metric": metric, "kind": "forecast", "model": fc.model,
                         "warnings": warning, **p})  # fmt: skip
    return rows


def _goal_rows(e: Engine, ws: str, a: dt.date, b: dt.date, by: str | None) -> list[dict[str, Any]]:
    return goal_progress(e, ws, b)


register(MetricSpec(
    "clv", "Historical CLV of social vs non-social customers to the end of the period: "
    "95 % bootstrap intervals, Welch's test of the difference",
    by={None: ("group",)}, rows=_clv_rows, comparable=False,
    schema={"group": "string", "customers": "int64", "clv": "float64", "ci_low": "float64",
            "ci_high": "float64", "p_value": "float64", "warning": "string"},
))  # fmt: skip
register(MetricSpec(
    "ab-tests", "A/B tests of post variants: lead rate per arm with Wilson 95 % intervals, "
    "two-proportion z-test against the control, power warnings",
    by={None: ("campaign", "arm")}, rows=_ab_rows, comparable=False,
    schema={"campaign": "string", "control": "string", "arm": "string", "persons": "int64",
            "conversions": "int64", "rate": "float64", "ci_low": "float64", "ci_high": "float64",
            "lift": "float64", "z": "float64", "p_value": "float64",
            "required_per_arm": "int64", "warnings": "string"},
))  # fmt: skip
register(MetricSpec(
    "forecast", "Social leads, customers and revenue per month, forecast 6 months after the last "
    "full month of the period, with 80 % and 95 % intervals (ETS)",
    by={None: ("metric", "month")}, rows=_forecast_rows, comparable=False,
    schema={"metric": "string", "month": "date", "kind": "string", "value": "float64",
            "lo80": "float64", "hi80": "float64", "lo95": "float64", "hi95": "float64",
            "model": "string", "warnings": "string"},
))  # fmt: skip
register(MetricSpec(
    "goals", "Goals with their actual to the end of the period, pace and projected value",
    by={None: ("metric", "network", "campaign", "period_start")}, rows=_goal_rows,
    comparable=False,
    schema={"metric": "string", "network": "string", "campaign": "string",
            "period_start": "date", "period_end": "date", "days": "int64",
            "elapsed_days": "int64", "target": "float64", "actual": "float64",
            "expected_to_date": "float64", "projected": "float64",
            "attainment": "float64", "status": "string", "note": "string"},
))  # fmt: skip
