"""A/B tests of post variants: conversion rates, Wilson intervals, a two-proportion z-test.

An **arm** is a post variant inside a campaign: posts of one campaign (trimmed ``posts.campaign``)
grouped by their trimmed ``variant``; in a campaign where no post has a variant, each post is
its own arm ("different link"), and in a campaign that names variants, its posts without one are
not in the test. A campaign with at least two arms is a test.

A **visit from a post**: the visit's tracked short link names the post (``sessions.post_id``),
else the visit's ``utm_content`` is the ``post_id`` of a post (a common tagging convention).

**Units** are persons (:mod:`socialroi.metrics.people`): a person enters an arm at their first
visit from one of its posts in the period; they **convert** when they become a lead (or a
customer, ``conversion="customer"``) at or after that visit and within ``window_days``. A person
who had already converted before entering is not at risk and is left out. A person who visited
two arms counts in both (the ``overlap`` column says how many such persons an arm has).

Statistics (NumPy/SciPy on the per-arm counts):

- rate p = x ÷ n; Wilson score interval: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) ÷ (1 + z²/n);
- two-proportion z-test of each arm against the control (the arm with the most persons; ties:
  the first by name): pooled p̂ = (x₁+x₂) ÷ (n₁+n₂), z = (p₂ − p₁) ÷ √(p̂(1−p̂)(1/n₁ + 1/n₂)),
  two-sided p = 2·(1 − Φ(|z|));
- sample size per arm to detect the observed difference at α = 0.05 with 80 % power:
  n* = (z_{α/2}·√(2p̄(1−p̄)) + z_β·√(p₁(1−p₁) + p₂(1−p₂)))² ÷ (p₁ − p₂)², p̄ = (p₁+p₂)/2;
  a warning when an arm has fewer persons than n*, or fewer than 5 conversions or
  non-conversions (the normal approximation of the test does not hold).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from socialroi.engine import Engine, Tables
from socialroi.errors import ConfigError
from socialroi.metrics._period import RATIO_DECIMALS, period_bounds
from socialroi.metrics._plan import computed_once
from socialroi.metrics.funnel import customers, leads
from socialroi.metrics.people import visitor_contacts, with_person
from socialroi.visits import sessions
from socialroi.visits._text import trim

__all__ = ["ab_arms", "ab_test", "ab_tests", "required_sample_size", "wilson_interval"]

_DAY_S = 86_400
#: Each side of a 2×2 table needs this many counts for the z-test's normal approximation.
MIN_CELL = 5


def _epoch(ts: ir.TimestampValue) -> ir.IntegerValue:
    return ts.truncate("s").epoch_seconds().cast("int64")


def ab_arms(
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    *,
    conversion: Literal["lead", "customer"] = "lead",
    window_days: int = 30,
) -> ir.Table:
    """Persons and conversions per (campaign, arm), computed in the engine.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        Visits from posts that start in this period (workspace calendar) enter the test;
        conversions may fall up to ``window_days`` after the period.
    conversion
        ``lead`` or ``customer``.
    window_days
        A conversion counts when it happens within this many days after entering the arm.

    Returns
    -------
    One row per (``campaign``, ``arm``) with a visit: ``posts`` (distinct posts seen),
    ``persons``, ``conversions`` and ``overlap`` (persons also in another arm of the
    campaign), int64. Tested by ``tests/metrics/test_abtest.py::test_arms_hand_computed``.
    """
    if conversion not in ("lead", "customer"):
        raise ConfigError(f"unknown conversion {conversion!r}", hint="use lead or customer")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days <= 0:
        raise ConfigError(
            f"window_days must be a positive whole number, got {window_days!r}",
            hint="30 days is usual for a lead",
        )
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    links = computed_once(visitor_contacts(t))
    v = sessions(t)
    v = v.filter(
        v.started_at >= ibis.literal(start, type="timestamp"),
        v.started_at < ibis.literal(end, type="timestamp"),
    )
    v = v.select("visitor_id", "started_at", "post_id", content=trim(v.content).nullif(""))
    p = t.posts
    posts = p.select(
        p_post_id=p.post_id,
        p_campaign=trim(p.campaign).nullif(""),
        p_variant=trim(p.variant).nullif(""),
    )
    posts = posts.filter(posts.p_campaign.notnull())
    # a campaign that names variants tests them; its posts without a variant are not in the test
    tagged = posts.p_variant.notnull().cast("int64").max().over(
        ibis.window(group_by=posts.p_campaign)
    )
    posts = posts.mutate(p_tagged=tagged == 1)
    posts = posts.filter(posts.p_variant.notnull() | ~posts.p_tagged)
    posts = posts.select("p_post_id", "p_campaign", p_arm=posts.p_variant.coalesce(posts.p_post_id))
    by_content = posts.select(c_post_id="p_post_id")
    v = v.left_join(by_content, v.content == by_content.c_post_id)
    v = v.mutate(r_post_id=v.post_id.coalesce(v.c_post_id))
    v = v.join(posts, v.r_post_id == posts.p_post_id)
    v = with_person(v.select("visitor_id", "started_at", "p_post_id", "p_campaign", "p_arm"), links)
    v = computed_once(v)
    entered = v.group_by(campaign=v.p_campaign, arm=v.p_arm, person_id=v.person_id).aggregate(
        at=v.started_at.min()
    )
    if conversion == "lead":
        cv = leads(t, links)
        conv = cv.select(k_person=cv.person_id, k_at=cv.lead_at)
    else:
        cu = customers(t, links)
        conv = cu.select(k_person=cu.person_id, k_at=cu.customer_at)
    e = entered.left_join(conv, entered.person_id == conv.k_person)
    e_at, k_at = _epoch(e.at), _epoch(e.k_at)
    e = e.mutate(
        before=(k_at < e_at).fill_null(False),
        converted=((k_at >= e_at) & (k_at <= e_at + window_days * _DAY_S)).fill_null(False),
    )
    e = e.filter(~e.before)
    # one row per (campaign, arm, person): the rows of a person in a campaign are their arms
    # (Spark has no COUNT(DISTINCT) over a window)
    arms_of = e.count().over(ibis.window(group_by=[e.campaign, e.person_id]))
    e = computed_once(e.mutate(in_arms=arms_of).select("campaign", "arm", "person_id",
                                                        "converted", "in_arms"))  # fmt: skip
    seen = v.group_by(campaign=v.p_campaign, arm=v.p_arm).aggregate(posts=v.p_post_id.nunique())
    per = e.group_by(["campaign", "arm"]).aggregate(
        persons=e.count().cast("int64"),
        conversions=e.converted.cast("int64").sum().cast("int64"),
        overlap=(e.in_arms > 1).cast("int64").sum().cast("int64"),
    )
    j = seen.left_join(per, ["campaign", "arm"])
    return j.select(
        campaign=j.campaign,
        arm=j.arm,
        posts=j.posts.cast("int64"),
        persons=j.persons.coalesce(0).cast("int64"),
        conversions=j.conversions.coalesce(0).cast("int64"),
        overlap=j.overlap.coalesce(0).cast("int64"),
    )


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion; None when ``trials`` is 0.

    (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) ÷ (1 + z²/n), z = Φ⁻¹((1+level)/2).
    20 of 200 at 95 %: (0.0658, 0.1495).
    """
    from scipy import stats
    if trials <= 0:
        return None
    z = float(stats.norm.ppf((1 + level) / 2))
    p = successes / trials
    den = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / den
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def required_sample_size(
    p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Persons per arm for a two-sided two-proportion test to detect p1 vs p2.

    n* = ⌈(z_{1−α/2}·√(2p̄(1−p̄)) + z_{power}·√(p₁(1−p₁) + p₂(1−p₂)))² ÷ (p₁ − p₂)²⌉,
    p̄ = (p₁ + p₂)/2; None when p₁ = p₂ (no difference to detect). 0.10 vs 0.18 → 295.
    """
    from scipy import stats
    if p1 == p2:
        return None
    za = float(stats.norm.ppf(1 - alpha / 2))
    zb = float(stats.norm.ppf(power))
    pbar = (p1 + p2) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num * num / (p1 - p2) ** 2)


def ab_test(arms: list[dict[str, Any]], *, level: float = 0.95) -> dict[str, Any]:
    """The statistics of one campaign's arms (rows of :func:`ab_arms`, same campaign).

    Returns ``{"campaign", "control", "arms": [...], "warnings": [...]}``; each arm has
    ``arm``, ``persons``, ``conversions``, ``rate`` (null when no person), ``ci_low``,
    ``ci_high`` (Wilson), and, except the control, ``lift`` (rate − control rate),
    ``z``, ``p_value`` and ``required_per_arm`` (formulas in the module docstring).
    Tested by ``tests/metrics/test_abtest.py::test_ab_test_hand_computed``.
    """
    if not arms:
        raise ConfigError("no arms to compare", hint="pass the rows of ab_arms for one campaign")
    rows = sorted(arms, key=lambda r: (-int(r["persons"]), str(r["arm"])))
    control = rows[0]
    n1, x1 = int(control["persons"]), int(control["conversions"])
    p1 = x1 / n1 if n1 else None
    out_arms = []
    warnings: list[str] = []
    if len(rows) < 2:
        warnings.append("only one arm: nothing to compare")
    for r in sorted(rows, key=lambda r: str(r["arm"])):
        n, x = int(r["persons"]), int(r["conversions"])
        ci = wilson_interval(x, n, level)
        arm: dict[str, Any] = {
            "arm": r["arm"],
            "persons": n,
            "conversions": x,
            "rate": _r(x / n) if n else None,
            "ci_low": _r(ci[0]) if ci else None,
            "ci_high": _r(ci[1]) if ci else None,
        }
        if r is not control:
            arm.update(_versus(n1, x1, p1, n, x))
            need = arm["required_per_arm"]
            if need is not None and min(n, n1) < need:
                warnings.append(
                    f"{r['arm']} vs {control['arm']}: underpowered — {min(n, n1)} persons in "
                    f"the smaller arm, {need} per arm needed to detect this difference "
                    "(α 0.05, power 0.8); keep the test running"
                )
        if min(x, n - x) < MIN_CELL:
            warnings.append(
                f"{r['arm']}: fewer than {MIN_CELL} conversions or non-conversions; the z-test "
                "is approximate"
            )
        out_arms.append(arm)
    return {
        "campaign": control["campaign"],
        "control": control["arm"],
        "arms": out_arms,
        "warnings": warnings,
    }


def _versus(n1: int, x1: int, p1: float | None, n2: int, x2: int) -> dict[str, Any]:
    from scipy import stats

    if p1 is None or n2 == 0:
        return {"lift": None, "z": None, "p_value": None, "required_per_arm": None}
    p2 = x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (p2 - p1) / se if se > 0 else None
    p = 2 * float(stats.norm.sf(abs(z))) if z is not None else None
    return {
        "lift": _r(p2 - p1),
        "z": None if z is None else _r(z),
        "p_value": None if p is None else _r(p),
        "required_per_arm": required_sample_size(p1, p2),
    }


def _r(x: float) -> float:
    return round(x, RATIO_DECIMALS) + 0.0


def ab_tests(
    engine: Engine,
    workspace_id: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    conversion: Literal["lead", "customer"] = "lead",
    window_days: int = 30,
) -> list[dict[str, Any]]:
    """Every campaign with at least two arms in the period, tested (:func:`ab_test`).

    Ordered by campaign. The engine returns one row per arm; the statistics run in Python.
    """
    t = engine.tables(workspace_id)
    rows = engine.execute(
        ab_arms(t, date_from, date_to, conversion=conversion, window_days=window_days)
    ).to_pylist()
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by.setdefault(r["campaign"], []).append(r)
    return [ab_test(arms) for _, arms in sorted(by.items()) if len(arms) >= 2]
