"""Engagement from post metrics (social-metrics.md §1; business metrics §4).

**Engagements** = reactions + comments + shares + saves + clicks (a missing component counts as
0; ``video_views`` are kept as a column but are not engagements). The components stay in every
table so that a network's own definition can be rebuilt from them.

**Two time semantics** (``semantics=``):

- ``"activity"`` (the default): the ``post_metrics`` rows *dated* in the period, whenever the
  post was published (``post_metrics`` holds the activity on that date, data-contract.md);
- ``"lifetime"``: every ``post_metrics`` row, of any date, of the posts *published* in the
  period (published_at in the period's UTC bounds, see :func:`~._period.period_bounds`), so a
  post published in the period keeps counting the activity it gets after the period.

Only posts of owned profiles count (``profiles.owned`` true or null; a post whose profile is not
imported counts, with a null ``network``): a competitor's posts are never engagement.

**Rates are ratios of sums** (``Σ engagements ÷ Σ impressions`` over the group), never means of
per-post rates, except the one column that says so (``mean_post_engagement_rate`` of
:func:`best_time_to_post`). Rates are fractions (0.03 = 3 %) and null when the denominator is 0
or unknown (:func:`~.roi.ratio`).

**Followers** are the latest ``profile_metrics.followers`` on or before the period's last day
(``followers_end``); ``followers_start`` is the latest on or before its first day, else the
first value inside the period (a profile created during it). A group's followers are the sum over
its profiles: for a network, every owned profile of the network; for a campaign or a post, the
profiles that published its posts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from socialroi.engine import Engine, Tables
from socialroi.errors import ConfigError
from socialroi.metrics._period import RATIO_DECIMALS, period_bounds
from socialroi.metrics.roi import ratio

__all__ = [
    "COMPONENTS",
    "LOW_SAMPLE_POSTS",
    "best_time_to_post",
    "engagement_by",
    "engagement_section",
    "post_engagement",
    "profile_followers",
]

Semantics = Literal["activity", "lifetime"]
By = Literal["network", "campaign", "post"]

#: The interactions that make up ``engagements``.
COMPONENTS: tuple[str, ...] = ("reactions", "comments", "shares", "saves", "clicks")
#: Every summed column of ``post_metrics`` (the components plus the audience counts).
_SUMS: tuple[str, ...] = ("impressions", "reach", *COMPONENTS, "video_views")
#: A best-time slot with fewer posts than this is flagged ``low_sample``.
LOW_SAMPLE_POSTS = 5

_SEMANTICS = ("activity", "lifetime")
_BY_KEYS: dict[str, tuple[str, ...]] = {
    "network": ("network",),
    "campaign": ("campaign",),
    "post": ("post_id", "network", "campaign", "published_at"),
}
_SECTION_KEYS = (
    "network", "posts", "impressions", "reach", "engagements", "engagement_rate",
    "engagement_rate_reach", "engagement_rate_followers", "amplification_rate", "applause_rate",
    "conversation_rate", "virality_rate", "ctr", "audience_growth",
)  # fmt: skip
_SECTION_RATIOS = frozenset(
    ("engagement_rate", "engagement_rate_reach", "engagement_rate_followers",
     "amplification_rate", "applause_rate", "conversation_rate", "virality_rate", "ctr")
)  # fmt: skip
_DAY_S = 86_400
_HOUR_S = 3_600
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def _check_semantics(semantics: str) -> None:
    if semantics not in _SEMANTICS:
        raise ConfigError(
            f"unknown engagement semantics {semantics!r}",
            hint=f"use one of: {', '.join(_SEMANTICS)}",
        )


def _owned_posts(t: Tables) -> ir.Table:
    """Posts of owned profiles (post_id, profile_id, network, campaign, published_at)."""
    pr = t.profiles.select(pr_profile_id=t.profiles.profile_id, network=t.profiles.network,
                           owned=t.profiles.owned)  # fmt: skip
    p = t.posts.select("post_id", "profile_id", "campaign", "published_at")
    j = p.left_join(pr, p.profile_id == pr.pr_profile_id)
    j = j.filter(j.owned.coalesce(True))
    return j.select(
        "post_id",
        "profile_id",
        network=j.network.cast("string"),
        campaign=j.campaign.cast("string"),
        published_at=j.published_at,
    )


def _metrics_per_post(post_metrics: ir.Table) -> ir.Table:
    """``post_metrics`` summed by post: one row per post_id, nulls counted as 0."""
    m = post_metrics
    return m.group_by("m_post_id").aggregate(
        **{c: m[c].coalesce(0).sum().cast("int64") for c in _SUMS}
    )


def profile_followers(profile_metrics: ir.Table, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Followers of each profile at the start and the end of the period.

    ``followers_end`` = the latest non-null ``followers`` dated on or before ``date_to``;
    ``followers_start`` = the latest dated on or before ``date_from``, else the earliest dated
    inside the period (a profile whose history starts during the period).

    Parameters
    ----------
    profile_metrics
        The workspace's ``profile_metrics`` (daily profile figures).
    date_from, date_to
        The period, both days included (workspace calendar days, as ``profile_metrics.date``).

    Returns
    -------
    One row per profile with a follower count on or before ``date_to``: ``profile_id``,
    ``followers_start``, ``followers_end`` (int64).

    Tested by ``tests/metrics/test_engagement.py::test_audience_growth``.
    """
    pm = profile_metrics
    pm = pm.filter(pm.followers.notnull(), pm.date <= ibis.literal(date_to, type="date"))
    from_s = (date_from - dt.date(1970, 1, 1)).days * _DAY_S
    day_s = pm.date.cast("timestamp").epoch_seconds().cast("int64")
    pm = pm.select(
        "profile_id",
        followers=pm.followers.cast("int64"),
        day_s=day_s,
        is_by_start=ibis.ifelse(pm.date <= ibis.literal(date_from, type="date"), 1, 0),
        distance_s=(day_s - from_s).abs(),
    )
    last = ibis.row_number().over(group_by=pm.profile_id, order_by=ibis.desc(pm.day_s))
    # a count on or before the first day beats one inside the period; then the nearest one
    first = ibis.row_number().over(
        group_by=pm.profile_id, order_by=[ibis.desc(pm.is_by_start), pm.distance_s]
    )
    ranked = pm.mutate(is_last=last == 0, is_first=first == 0)
    ranked = ranked.filter(ranked.is_last | ranked.is_first)
    return ranked.group_by("profile_id").aggregate(
        followers_start=ranked.followers.max(where=ranked.is_first).cast("int64"),
        followers_end=ranked.followers.max(where=ranked.is_last).cast("int64"),
    )


def _with_engagements(t: ir.Table) -> ir.Table:
    total: ir.IntegerValue = t[COMPONENTS[0]]
    for c in COMPONENTS[1:]:
        total = total + t[c]
    return t.mutate(engagements=total.cast("int64"))


def _period_bounds(t: Tables, date_from: dt.date, date_to: dt.date) -> tuple[ir.Value, ir.Value]:
    """The period's [start, end) as naive-UTC timestamp literals (_period.period_bounds)."""
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    return ibis.literal(start, type="timestamp"), ibis.literal(end, type="timestamp")


def post_engagement(
    t: Tables, date_from: dt.date, date_to: dt.date, *, semantics: Semantics = "activity"
) -> ir.Table:
    """Engagement of each post in the period, with its per-post rates.

    engagements = reactions + comments + shares + saves + clicks;
    engagement_rate = engagements ÷ impressions; engagement_rate_reach = engagements ÷ reach;
    engagement_rate_followers = engagements ÷ followers; virality_rate = shares ÷ impressions;
    ctr = clicks ÷ impressions; amplification_rate_followers = shares ÷ followers — each null
    when its denominator is 0 or unknown. ``followers`` is the profile's follower count at the
    period end (:func:`profile_followers`).

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.
    semantics
        ``"activity"``: ``post_metrics`` rows dated in the period (any publication date);
        ``"lifetime"``: every ``post_metrics`` row of the posts published in the period (a post
        published in the period without metrics yet is a row of zeros).

    Returns
    -------
    One row per post of an owned profile with activity (``"activity"``) or published
    (``"lifetime"``) in the period: ``post_id``, ``profile_id``, ``network``, ``campaign``,
    ``published_at`` (naive UTC), ``impressions``, ``reach``, ``reactions``, ``comments``,
    ``shares``, ``saves``, ``clicks``, ``video_views``, ``engagements`` (int64; missing values
    count as 0), ``followers``, and the six rates above (float64 fractions).

    Example: social-metrics.md §1's post (impressions 20,000, reach 12,000, followers 8,000;
    engagements 300 + 40 + 60 + 20 + 180 = 600) → 0.03, 0.05, 0.075; virality 0.003; CTR
    0.009; amplification 0.0075 of followers. Tested by
    ``tests/metrics/test_engagement.py::test_post_engagement_worked_post_both_semantics``.
    """
    _check_semantics(semantics)
    posts = _owned_posts(t)
    pm = t.post_metrics.rename(m_post_id="post_id")
    if semantics == "activity":
        pm = pm.filter(
            pm.date >= ibis.literal(date_from, type="date"),
            pm.date <= ibis.literal(date_to, type="date"),
        )
        per_post = _metrics_per_post(pm)
        j = posts.inner_join(per_post, posts.post_id == per_post.m_post_id)
    else:
        lo, hi = _period_bounds(t, date_from, date_to)
        posts = posts.filter(posts.published_at >= lo, posts.published_at < hi)
        per_post = _metrics_per_post(pm)
        j = posts.left_join(per_post, posts.post_id == per_post.m_post_id)
    fol = profile_followers(t.profile_metrics, date_from, date_to)
    fol = fol.select(f_profile_id=fol.profile_id, followers=fol.followers_end)
    j = j.left_join(fol, j.profile_id == fol.f_profile_id)
    out = j.select(
        "post_id", "profile_id", "network", "campaign", "published_at",
        **{c: j[c].coalesce(0).cast("int64") for c in _SUMS},
        followers=j.followers,
    )  # fmt: skip
    out = _with_engagements(out)
    return out.mutate(
        engagement_rate=ratio(out.engagements, out.impressions),
        engagement_rate_reach=ratio(out.engagements, out.reach),
        engagement_rate_followers=ratio(out.engagements, out.followers),
        virality_rate=ratio(out.shares, out.impressions),
        ctr=ratio(out.clicks, out.impressions),
        amplification_rate_followers=ratio(out.shares, out.followers),
    )


def engagement_by(
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    *,
    by: By = "network",
    semantics: Semantics = "activity",
) -> ir.Table:
    """Engagement per network, campaign or post: sums and ratios of sums.

    engagement_rate = Σ engagements ÷ Σ impressions; engagement_rate_reach = Σ engagements ÷
    Σ reach; engagement_rate_followers = Σ engagements ÷ followers_end; amplification_rate =
    Σ shares ÷ posts; amplification_rate_followers = Σ shares ÷ followers_end; applause_rate =
    Σ reactions ÷ posts; conversation_rate = Σ comments ÷ posts; virality_rate = Σ shares ÷
    Σ impressions; ctr = Σ clicks ÷ Σ impressions; audience_growth = followers_end −
    followers_start; audience_growth_rate = audience_growth ÷ followers_start. Each ratio is null
    when its denominator is 0 or unknown. These are ratios of sums, not means of per-post rates
    (social-metrics.md §1: "default to the ratio of sums").

    ``reach`` is the sum of the reported reach (per post and day), not a count of unique people.
    Followers of a network are summed over *all* its owned profiles (so a network whose profiles
    posted nothing still has a row, with ``posts`` 0, when a follower count is known); of a
    campaign or post, over the profiles that published its posts.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.
    by
        ``"network"``, ``"campaign"`` (posts without a campaign form the null-campaign row) or
        ``"post"``.
    semantics
        ``"activity"`` or ``"lifetime"``, as in :func:`post_engagement`.

    Returns
    -------
    One row per ``by`` value. Key columns: ``network`` | ``campaign`` | ``post_id``,
    ``network``, ``campaign``, ``published_at``. Then ``posts``, ``impressions``, ``reach``,
    ``reactions``, ``comments``, ``shares``, ``saves``, ``clicks``, ``video_views``,
    ``engagements``, ``followers_start``, ``followers_end``, ``audience_growth`` (int64) and the
    ratios ``engagement_rate``, ``engagement_rate_reach``, ``engagement_rate_followers``,
    ``amplification_rate``, ``amplification_rate_followers``, ``applause_rate``,
    ``conversation_rate``, ``virality_rate``, ``ctr``, ``audience_growth_rate`` (float64).

    Tested by ``tests/metrics/test_engagement.py::test_engagement_by_network_activity`` (the
    worked post), ``::test_engagement_by_campaign_and_post_lifetime`` and
    ``::test_audience_growth``.
    """
    if by not in _BY_KEYS:
        raise ConfigError(f"unknown grouping {by!r}", hint="use one of: network, campaign, post")
    keys = list(_BY_KEYS[by])
    pe = post_engagement(t, date_from, date_to, semantics=semantics)
    sums = (*_SUMS, "engagements")
    # one row per (group, profile): the posts' sums
    parts = pe.group_by([*keys, "profile_id"]).aggregate(
        posts=pe.count().cast("int64"), **{c: pe[c].sum().cast("int64") for c in sums}
    )
    fol = profile_followers(t.profile_metrics, date_from, date_to)
    if by == "network":
        # every owned profile of the network counts in its followers, posts or not
        owned = t.profiles.filter(t.profiles.owned.coalesce(True))
        f = fol.select(k_profile_id=fol.profile_id)
        known = owned.inner_join(f, owned.profile_id == f.k_profile_id)
        zero = ibis.literal(0, type="int64")
        no_posts = known.select(
            network=known.network.cast("string"), profile_id=known.profile_id,
            posts=zero, **dict.fromkeys(sums, zero),
        )  # fmt: skip
        both = ibis.union(parts, no_posts)
        parts = both.group_by([*keys, "profile_id"]).aggregate(
            posts=both.posts.sum().cast("int64"),
            **{c: both[c].sum().cast("int64") for c in sums},
        )
    fol = fol.rename(f_profile_id="profile_id")
    j = parts.left_join(fol, parts.profile_id == fol.f_profile_id)
    g = j.group_by(keys).aggregate(
        posts=j.posts.sum().cast("int64"),
        **{c: j[c].sum().cast("int64") for c in sums},
        followers_start=j.followers_start.sum().cast("int64"),
        followers_end=j.followers_end.sum().cast("int64"),
    )
    g = g.mutate(audience_growth=(g.followers_end - g.followers_start).cast("int64"))
    return g.mutate(
        engagement_rate=ratio(g.engagements, g.impressions),
        engagement_rate_reach=ratio(g.engagements, g.reach),
        engagement_rate_followers=ratio(g.engagements, g.followers_end),
        amplification_rate=ratio(g.shares, g.posts),
        amplification_rate_followers=ratio(g.shares, g.followers_end),
        applause_rate=ratio(g.reactions, g.posts),
        conversation_rate=ratio(g.comments, g.posts),
        virality_rate=ratio(g.shares, g.impressions),
        ctr=ratio(g.clicks, g.impressions),
        audience_growth_rate=ratio(g.audience_growth, g.followers_start),
    )


def _utc_offsets(timezone: str, start: dt.datetime, end: dt.datetime) -> list[tuple[int, int]]:
    """The UTC offsets of ``timezone`` over [start, end): (from epoch second, offset seconds).

    The first entry starts at ``start``, then one per transition (daylight saving) inside the
    range, found to the second by bisection. Naive datetimes are UTC.
    """
    zone = ZoneInfo(timezone)

    def offset(epoch_s: int) -> int:
        delta = dt.datetime.fromtimestamp(epoch_s, dt.UTC).astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    lo_s = int(start.replace(tzinfo=dt.UTC).timestamp())
    end_s = int(end.replace(tzinfo=dt.UTC).timestamp())
    out = [(lo_s, offset(lo_s))]
    step_s = 6 * _HOUR_S  # shorter than any gap between two transitions
    cur = lo_s
    while cur < end_s:
        nxt = min(cur + step_s, end_s)
        if offset(nxt) != out[-1][1]:
            lo, hi = cur, nxt  # offset(lo) is the current one, offset(hi) the new one
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == out[-1][1] else (lo, mid)
            out.append((hi, offset(hi)))
        cur = nxt
    return out


def _local_epoch_seconds(ts: ir.TimestampValue, offsets: list[tuple[int, int]]) -> ir.IntegerValue:
    """Epoch seconds of the naive-UTC ``ts``, shifted to wall-clock time by ``offsets``."""
    utc_s = ts.epoch_seconds().cast("int64")
    off: ir.IntegerValue = ibis.literal(offsets[-1][1], type="int64")
    for (_, seconds), (until_s, _) in reversed(list(zip(offsets, offsets[1:], strict=False))):
        off = ibis.ifelse(utc_s < until_s, ibis.literal(seconds, type="int64"), off)
    return utc_s + off


def best_time_to_post(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Engagement by network, weekday and hour of publication, with the sample size.

    The posts are those of owned profiles published in the period, with their lifetime metrics
    (``semantics="lifetime"`` of :func:`post_engagement`) and at least one impression (a post
    without impressions has no rate and is not a sample). ``weekday`` (0 = Monday … 6 = Sunday)
    and ``hour`` (0–23) are those of ``published_at`` in the workspace's time zone, daylight
    saving included: the UTC offsets over the period are worked out in Python (zoneinfo) and
    applied as literals, so the conversion is the same on every engine.

    mean_post_engagement_rate = mean over the slot's posts of (engagements ÷ impressions) — a
    **mean of per-post rates**, so each post weighs the same; engagement_rate = Σ engagements ÷
    Σ impressions of the slot (ratio of sums) is given beside it.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The publication period, both days included, in the workspace's calendar and time zone.

    Returns
    -------
    One row per (network, weekday, hour) with a post: ``network``, ``weekday``, ``hour``,
    ``posts`` (the sample size), ``impressions``, ``engagements`` (int64),
    ``mean_post_engagement_rate``, ``engagement_rate`` (float64) and ``low_sample`` (true when
    ``posts`` < 5, :data:`LOW_SAMPLE_POSTS`).

    Tested by ``tests/metrics/test_engagement.py::test_best_time_to_post``.
    """
    pe = post_engagement(t, date_from, date_to, semantics="lifetime")
    pe = pe.filter(pe.impressions > 0)

    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    offsets = _utc_offsets(t.workspace.timezone, start, end)
    local_s = _local_epoch_seconds(pe.published_at, offsets)
    local_day = (local_s / _DAY_S).floor().cast("int64")
    second_of_day = local_s - local_day * _DAY_S
    pe = pe.mutate(
        weekday=((local_day + _EPOCH_WEEKDAY) % 7).cast("int64"),
        hour=(second_of_day / _HOUR_S).floor().cast("int64"),
    )
    g = pe.group_by("network", "weekday", "hour").aggregate(
        posts=pe.count().cast("int64"),
        impressions=pe.impressions.sum().cast("int64"),
        engagements=pe.engagements.sum().cast("int64"),
        mean_post_engagement_rate=pe.engagement_rate.mean(),
    )
    return g.mutate(
        engagement_rate=ratio(g.engagements, g.impressions),
        low_sample=g.posts < LOW_SAMPLE_POSTS,
    )


def _section_row(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in _SECTION_KEYS:
        value = row[k]
        if value is None or k == "network":
            out[k] = value
        elif k in _SECTION_RATIOS:
            out[k] = round(float(value), RATIO_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
        else:
            out[k] = int(value)
    return out


def engagement_section(
    engine: Engine, workspace_id: str, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """The ``engagement`` part of ``socialroi summary``: engagement per network (activity).

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
    ``{"by_network": [...]}``, one dict per row of :func:`engagement_by` (``by="network"``,
    ``semantics="activity"``) with ``network``, ``posts``, ``impressions``, ``reach``,
    ``engagements``, ``engagement_rate``, ``engagement_rate_reach``,
    ``engagement_rate_followers``, ``amplification_rate``, ``applause_rate``,
    ``conversation_rate``, ``virality_rate``, ``ctr``, ``audience_growth``; ordered by
    engagements descending, then network. Ratios (fractions) rounded to 4 decimals, null when the
    denominator is 0; ``audience_growth`` null when a follower count is missing.

    Tested by ``tests/metrics/test_engagement.py::test_engagement_section_same_on_both``.
    """
    t = engine.tables(workspace_id)
    rows = engine.execute(engagement_by(t, date_from, date_to, by="network")).to_pylist()
    section = [_section_row(r) for r in rows]
    section.sort(key=lambda r: (-r["engagements"], r["network"] is None, r["network"] or ""))
    return {"by_network": section}
