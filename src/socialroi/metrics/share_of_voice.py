"""Share of voice: a brand's part of the mentions of every tracked brand (social-metrics.md §2).

The market is the workspace's own brand plus every brand (competitor) that has a mention in
the period, in ``mentions``; brand names are compared lower-cased and trimmed, so ``" Acme"``
and ``"ACME"`` are one brand, reported as ``acme``. Keywords (a tracked term or hashtag) are
compared the same way; a mention without a keyword is under the keyword null.

- SOV by mentions = brand mentions ÷ mentions of all tracked brands (500 of 2,500 → 0.2);
- SOV by reach = Σ reach of the brand's mentions ÷ Σ reach of all mentions (a null reach
  counts 0);
- positive SOV (socialroi's definition, no standard found) = positive brand mentions ÷ positive
  mentions of all brands;
- net sentiment = (positive − negative) ÷ brand mentions (a mention without sentiment counts
  in the mentions, in none of positive, neutral and negative).

Every ratio is a fraction (0.2 = 20 %) and null when its denominator is 0. Each grouping (all
mentions, one keyword, one week) is a grid: every brand of the market has a row in every group
that has a mention, with zeros where it has none, so a brand absent from a keyword shows 0.0.

The period ``[date_from, date_to]`` is in workspace calendar days (:func:`period_bounds`); so
are the weeks of :func:`share_of_voice_trend` (ISO weeks, Monday to Sunday, local time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from socialroi.engine import Engine, Tables
from socialroi.metrics._period import RATIO_DECIMALS, period_bounds
from socialroi.metrics.roi import ratio
from socialroi.visits._text import trim

__all__ = [
    "SOV_COLUMNS",
    "share_of_voice",
    "share_of_voice_section",
    "share_of_voice_trend",
]

#: Measure columns of every share-of-voice table, after its key columns, in order.
SOV_COLUMNS: tuple[str, ...] = (
    "mentions",
    "reach",
    "sov_mentions",
    "sov_reach",
    "positive",
    "neutral",
    "negative",
    "positive_sov",
    "net_sentiment",
)


def _normalised(value: ir.StringValue) -> ir.StringValue:
    """``lower(trim(value))``; an empty result is null."""
    return trim(value).lower().nullif("")


def _mentions_in_period(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Mentions published in the period: brand, keyword, reach, sentiment, published_at."""
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    m = t.mentions
    m = m.filter(
        m.published_at >= ibis.literal(start, type="timestamp"),
        m.published_at < ibis.literal(end, type="timestamp"),
    )
    m = m.select(
        brand=_normalised(m.brand),
        keyword=_normalised(m.keyword),
        reach=m.reach.coalesce(0).cast("int64"),
        sentiment=_normalised(m.sentiment),
        published_at=m.published_at,
    )
    return m.filter(m.brand.notnull())


def _market(t: Tables, m: ir.Table) -> ir.Table:
    """The tracked brands: the workspace's brand and every brand of ``m`` (one row each)."""
    brands = m.select(m_brand=m.brand)
    own = (t.workspace.brand or "").strip().lower()
    if own:
        # an aggregate without keys has exactly one row, even over an empty table
        one = t.mentions.aggregate(n=t.mentions.count())
        brands = ibis.union(brands, one.select(m_brand=ibis.literal(own, type="string")))
    return brands.distinct()


def _grid_sov(t: Tables, m: ir.Table, keys: tuple[str, ...]) -> ir.Table:
    """Share of voice of every (group of ``keys``, tracked brand) pair.

    Counts per (keys, brand) are left-joined onto the grid of groups with a mention × brands;
    the market totals are window sums over each group.
    """
    counts = m.group_by([*keys, "brand"]).aggregate(
        mentions=m.count(),
        reach=m.reach.sum(),
        positive=(m.sentiment == "positive").cast("int64").sum(),
        neutral=(m.sentiment == "neutral").cast("int64").sum(),
        negative=(m.sentiment == "negative").cast("int64").sum(),
    )
    brands = _market(t, m)
    if keys:
        groups = m.select(*keys).distinct()
        grid = groups.cross_join(brands)
    else:
        grid = brands
    grid = grid.rename({"g_brand": "m_brand"})
    c = counts.rename({f"c_{k}": k for k in (*keys, "brand")})
    cond = [grid.g_brand == c.c_brand]
    # a null keyword is a group of its own: match it with IS NOT DISTINCT FROM
    cond += [grid[k].identical_to(c[f"c_{k}"]) for k in keys]
    j = grid.left_join(c, cond)
    zero = ibis.literal(0, type="int64")
    filled = j.select(
        *keys,
        brand=j.g_brand,
        mentions=j.mentions.coalesce(zero).cast("int64"),
        reach=j.reach.coalesce(zero).cast("int64"),
        positive=j.positive.coalesce(zero).cast("int64"),
        neutral=j.neutral.coalesce(zero).cast("int64"),
        negative=j.negative.coalesce(zero).cast("int64"),
    )
    win = ibis.window(group_by=list(keys)) if keys else ibis.window()
    return filled.select(
        *keys,
        "brand",
        "mentions",
        "reach",
        sov_mentions=ratio(filled.mentions, filled.mentions.sum().over(win)),
        sov_reach=ratio(filled.reach, filled.reach.sum().over(win)),
        positive=filled.positive,
        neutral=filled.neutral,
        negative=filled.negative,
        positive_sov=ratio(filled.positive, filled.positive.sum().over(win)),
        net_sentiment=ratio(filled.positive - filled.negative, filled.mentions),
    )


def share_of_voice(
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    *,
    by: Literal["brand", "keyword"] = "brand",
) -> ir.Table:
    """Share of voice of each tracked brand, overall or within each keyword.

    sov_mentions(b) = mentions(b) ÷ Σ_brands mentions;
    sov_reach(b) = Σ reach(b) ÷ Σ_brands Σ reach;
    positive_sov(b) = positive(b) ÷ Σ_brands positive;
    net_sentiment(b) = (positive(b) − negative(b)) ÷ mentions(b).
    With ``by="keyword"`` the sums run over the mentions of one keyword.

    Parameters
    ----------
    t
        The workspace's ``Tables`` (``mentions`` and ``workspace.brand``).
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.
    by
        ``"brand"``: one row per tracked brand; ``"keyword"``: one row per (keyword, brand),
        for every keyword with a mention in the period (null keyword included).

    Returns
    -------
    Grain: one row per brand (``by="brand"``) or per (keyword, brand). Columns ``keyword``
    (``by="keyword"`` only), ``brand`` (lower-cased, trimmed) and :data:`SOV_COLUMNS`:
    ``mentions``, ``reach``, ``positive``, ``neutral``, ``negative`` (int64) and the ratios
    ``sov_mentions``, ``sov_reach``, ``positive_sov``, ``net_sentiment`` (float64 fractions,
    null when the denominator is 0: no mentions at all, no reach, no positive mention).
    The workspace's own brand always has a row (in each keyword too), zeros when unmentioned.

    Examples
    --------
    500 of 2,500 mentions → sov_mentions 0.2 (social-metrics.md §2). Tested by
    ``tests/metrics/test_share_of_voice.py::test_share_of_voice_by_brand`` (and
    ``::test_share_of_voice_by_keyword``, ``::test_no_mentions_gives_null_ratios``).
    """
    if by not in ("brand", "keyword"):
        raise ValueError(f"by must be 'brand' or 'keyword', not {by!r}")
    m = _mentions_in_period(t, date_from, date_to)
    keys: tuple[str, ...] = ("keyword",) if by == "keyword" else ()
    return _grid_sov(t, m, keys)


def _week_starts(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """Mondays of the ISO weeks touching ``[date_from, date_to]``, in order."""
    first = date_from - dt.timedelta(days=date_from.weekday())
    return [first + dt.timedelta(weeks=i) for i in range((date_to - first).days // 7 + 1)]


def _week_of(ts: ir.TimestampValue, weeks: list[dt.date], timezone: str) -> ir.DateValue:
    """The local Monday of the week of the UTC timestamp ``ts`` (a CASE over the boundaries).

    Each week's end (next Monday 00:00 local) is converted to UTC in Python, daylight saving
    included, so no engine time-zone function is used.
    """
    zone = ZoneInfo(timezone)

    def utc(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    branches = [
        (ts < ibis.literal(utc(monday + dt.timedelta(weeks=1)), type="timestamp"),
         ibis.literal(monday, type="date"))
        for monday in weeks
    ]  # fmt: skip
    week: ir.DateValue = ibis.cases(*branches, else_=ibis.null("date"))
    return week


def share_of_voice_trend(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Share of voice by week: the ratios of :func:`share_of_voice` within each ISO week.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period, both days included; the first and last weeks are cut to the period.

    Returns
    -------
    Grain: one row per (week, tracked brand), for every week with a mention. Columns
    ``week`` (date: the Monday, in the workspace's time zone, starting the ISO week), ``brand``
    and :data:`SOV_COLUMNS`; ratios are over the mentions of that week.

    Tested by ``tests/metrics/test_share_of_voice.py::test_share_of_voice_trend_by_week``
    (a Sunday-evening and a Monday-morning mention land in consecutive weeks).
    """
    m = _mentions_in_period(t, date_from, date_to)
    m = m.mutate(
        week=_week_of(m.published_at, _week_starts(date_from, date_to), t.workspace.timezone)
    )
    return _grid_sov(t, m, ("week",))


def share_of_voice_section(
    engine: Engine, workspace_id: str, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """The contract's ``share_of_voice`` part of the summary: ``{brand: sov_mentions}``.

    Parameters
    ----------
    engine
        An open engine (DuckDB or Spark).
    workspace_id
        The workspace.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.

    Returns
    -------
    ``{"acme": 0.2, "rival": 0.8}``: every tracked brand (the workspace's own brand always,
    first; then the others by share descending, then name) → its share of mentions, rounded to
    4 decimals; null for every brand when nothing was mentioned in the period.

    Tested by ``tests/metrics/test_share_of_voice.py::test_section_is_own_brand_first`` and, on
    DuckDB and Spark, ``::test_sections_same_on_both``.
    """
    t = engine.tables(workspace_id)
    rows = engine.execute(share_of_voice(t, date_from, date_to)).to_pylist()
    own = (t.workspace.brand or "").strip().lower()
    rows.sort(key=lambda r: (r["brand"] != own, -(r["sov_mentions"] or 0.0), r["brand"]))
    return {
        r["brand"]: None
        if r["sov_mentions"] is None
        else round(float(r["sov_mentions"]), RATIO_DECIMALS) + 0.0
        for r in rows
    }
