"""Customer lifetime value: historical CLV of social vs non-social customers, and predictive CLV.

Engine part (Ibis, runs on DuckDB and Spark): who is a customer and whether they are *social*,
their revenue to date, their purchase summary (frequency, recency, age, spend) and the counts
behind the repeat-purchase and retention curves. NumPy/SciPy part: per-customer numbers only
(bootstrap intervals, Welch's test, BG/NBD and Gamma-Gamma maximum likelihood).

Definitions (data-contract.md, "Business definitions"; social-metrics.md §6):

- a **customer** is a person (a contact, or a visitor never linked to one) at their first
  customer signal (:func:`socialroi.metrics.funnel.customers`);
- a **social customer** had at least one social touchpoint (a visit, tracked-link click or
  social conversation whose network is a social network) in the 90 days up to and including
  the moment they became a customer — the lookback window of attribution
  (:func:`socialroi.attribution.touchpoints.touchpoints`);
- **historical CLV** = revenue to date per customer, mean over the customers of a group:
  revenue = won deals + purchases − refunds (:func:`socialroi.metrics.revenue.revenue_items`)
  up to the end of the observation, customers = those who became customers before it.

Formulas of the models: ``docs/metrics.md`` ("Customer lifetime value").
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt

from socialroi.engine import Engine, Tables
from socialroi.errors import ConfigError
from socialroi.metrics._period import MONEY_DECIMALS, period_bounds
from socialroi.metrics._plan import computed_once
from socialroi.metrics._types import TIMESTAMP
from socialroi.metrics.funnel import customers
from socialroi.metrics.people import visitor_contacts
from socialroi.metrics.revenue import REFUND_EVENT, revenue_items

__all__ = [
    "SOCIAL_LOOKBACK_DAYS",
    "BetaGeo",
    "GammaGamma",
    "GroupComparison",
    "clv_section",
    "compare_groups",
    "customer_values",
    "expected_purchases",
    "fit_beta_geo",
    "fit_gamma_gamma",
    "historical_clv",
    "predictive_clv",
    "predictive_clv_by_group",
    "probability_alive",
    "purchase_summary",
    "retention_counts",
    "retention_curves",
]

#: A customer is social when a social touchpoint falls in this many days up to becoming one.
SOCIAL_LOOKBACK_DAYS = 90
_DAY_S = 86_400

FloatArray = npt.NDArray[np.float64]


def _epoch(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds since 1970 (DuckDB's epoch() keeps fractions, Spark's does not)."""
    return ts.truncate("s").epoch_seconds().cast("int64")


def _end_literal(end: dt.datetime) -> ir.TimestampValue:
    return ibis.literal(end, type="timestamp").cast(TIMESTAMP)


def _social_people(t: Tables, custs: ir.Table) -> ir.Table:
    """Customers with a social touchpoint in the lookback window: one row per ``person_id``."""
    # imported here: socialroi.attribution builds on socialroi.metrics, not the other way round
    from socialroi.attribution.touchpoints import touchpoints

    tp = touchpoints(t)
    tp = tp.filter(tp.network.notnull()).select(
        tp_person=tp.person_id, tp_epoch=_epoch(tp.touched_at)
    )
    c = custs.select(c_person=custs.person_id, c_epoch=_epoch(custs.customer_at))
    hit = c.join(
        tp,
        [
            c.c_person == tp.tp_person,
            tp.tp_epoch <= c.c_epoch,
            tp.tp_epoch > c.c_epoch - SOCIAL_LOOKBACK_DAYS * _DAY_S,
        ],
    )
    return hit.select(s_person=hit.c_person).distinct()


def customer_values(t: Tables, end: dt.datetime) -> ir.Table:
    """Every customer before ``end`` with their group and revenue to date.

    revenue_i = Σ won deals + Σ purchases − Σ |refunds| of person i with ``at < end``
    (:func:`socialroi.metrics.revenue.revenue_items`), 0.0 when there is none.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    end
        End of the observation (exclusive), naive UTC.

    Returns
    -------
    One row per person with ``customer_at < end``: ``person_id``, ``customer_at``, ``social``
    (boolean: a social touchpoint in the :data:`SOCIAL_LOOKBACK_DAYS` up to ``customer_at``)
    and ``revenue`` (float64, base currency). Tested by
    ``tests/metrics/test_clv.py::test_customer_values_hand_computed``. Computed once per
    ``end`` in a run of ``Engine.shared`` (the summary's CLV means and the report's CLV
    comparison read the same rows).
    """
    return t.shared.get(f"customer_values:{end.isoformat()}", lambda: _customer_values(t, end))


def _customer_values(t: Tables, end: dt.datetime) -> ir.Table:
    links = computed_once(visitor_contacts(t))
    cu = customers(t, links)
    cu = computed_once(cu.filter(cu.customer_at < _end_literal(end)))
    social = _social_people(t, cu)
    rv = revenue_items(t, links)
    rv = rv.filter(rv.at < _end_literal(end))
    per = rv.group_by(r_person=rv.person_id).aggregate(r_revenue=rv.revenue.sum())
    x = cu.left_join(social, cu.person_id == social.s_person).left_join(
        per, cu.person_id == per.r_person
    )
    return x.select(
        person_id=x.person_id,
        customer_at=x.customer_at,
        social=x.s_person.notnull(),
        revenue=x.r_revenue.coalesce(0.0).cast("float64"),
    )


def purchase_summary(t: Tables, end: dt.datetime) -> ir.Table:
    """The BG/NBD and Gamma-Gamma inputs of every buyer, in days (lifetimes' ``freq="D"``).

    Purchases are won deals and purchase events before ``end`` (refunds are not purchases);
    purchases of one person on one UTC day are one purchase of their summed value. With
    d_1 < … < d_n the purchase days (epoch days) of person i and d_end = ``end`` in epoch days
    (fractional):

    - frequency x = n − 1 (repeat purchase days);
    - recency t_x = d_n − d_1;
    - age T = d_end − d_1;
    - monetary m̄ = (Σ value of days 2..n) ÷ x, null when x = 0 (first purchase excluded);
    - first_value = value of day d_1.

    Returns
    -------
    One row per person with a purchase before ``end``: ``person_id``, ``frequency`` (int64),
    ``recency``, ``age``, ``monetary``, ``first_value`` (float64) and ``social`` (boolean, as in
    :func:`customer_values`; false for a buyer who is not a customer, which cannot happen with
    the contract's definitions). Tested by ``tests/metrics/test_clv.py::test_purchase_summary``.
    """
    links = computed_once(visitor_contacts(t))
    rv = revenue_items(t, links)
    rv = rv.filter(rv.at < _end_literal(end), rv.kind != REFUND_EVENT)
    rv = rv.mutate(day=(_epoch(rv.at) / _DAY_S).floor().cast("int64"))
    days = rv.group_by(["person_id", "day"]).aggregate(value=rv.revenue.sum())
    first = days.day.min().over(ibis.window(group_by=days.person_id))
    days = days.mutate(is_first=days.day == first)
    end_day = ibis.literal(end.replace(tzinfo=dt.UTC).timestamp() / _DAY_S, type="float64")
    per = days.group_by("person_id").aggregate(
        n=days.count(),
        d1=days.day.min(),
        dn=days.day.max(),
        repeat_value=days.value.sum(where=~days.is_first),
        first_value=days.value.sum(where=days.is_first),
    )
    x = (per.n - 1).cast("int64")
    cv = customer_values(t, end).select(c_person="person_id", c_social="social")
    j = per.left_join(cv, per.person_id == cv.c_person)
    return j.select(
        person_id=j.person_id,
        frequency=(j.n - 1).cast("int64"),
        recency=(j.dn - j.d1).cast("float64"),
        age=(end_day - j.d1.cast("float64")).cast("float64"),
        monetary=ibis.ifelse(
            x > 0, j.repeat_value.coalesce(0.0) / x.cast("float64"), ibis.null("float64")
        ),
        first_value=j.first_value.cast("float64"),
        social=j.c_social.fill_null(False),
    )


def retention_counts(t: Tables, end: dt.datetime, *, period_days: int = 30) -> dict[str, ir.Table]:
    """The counts behind the repeat-purchase and retention curves, aggregated in the engine.

    Offsets are whole periods of ``period_days`` since a buyer's first purchase:
    k = ⌊(purchase − first purchase) ÷ period_days⌋; a buyer is *observable* at offset k when
    k ≤ K_i = ⌊(end − first purchase) ÷ period_days⌋ (so recent buyers do not pull the curves
    down). Purchases: won deals and purchase events before ``end`` (no refunds).

    Returns
    -------
    ``{"buyers": …, "active": …}``: ``buyers`` one row per (``observable`` = K_i,
    ``first_repeat`` = offset of the first purchase after the first day, null if none) with
    ``buyers``; ``active`` one row per ``offset`` with ``buyers`` that purchased at that offset.
    """
    if period_days <= 0:
        raise ConfigError(
            f"period_days must be positive, got {period_days}", hint="use 30 for months"
        )
    links = computed_once(visitor_contacts(t))
    rv = revenue_items(t, links)
    rv = rv.filter(rv.at < _end_literal(end), rv.kind != REFUND_EVENT)
    rv = rv.mutate(sec=_epoch(rv.at))
    first = rv.sec.min().over(ibis.window(group_by=rv.person_id))
    rv = rv.mutate(first_sec=first)
    span = period_days * _DAY_S
    rv = rv.mutate(offset=((rv.sec - rv.first_sec) / span).floor().cast("int64"))
    rv = computed_once(rv.select("person_id", "first_sec", "offset", "sec"))
    first_day = (rv.first_sec / _DAY_S).floor()
    rv2 = rv.mutate(is_repeat=(rv.sec / _DAY_S).floor() > first_day)
    end_sec = int(end.replace(tzinfo=dt.UTC).timestamp())
    per = rv2.group_by("person_id").aggregate(
        first_sec=rv2.first_sec.min(),
        first_repeat=rv2.offset.min(where=rv2.is_repeat),
    )
    per = per.mutate(observable=((end_sec - per.first_sec) / span).floor().cast("int64"))
    buyers = per.group_by(["observable", "first_repeat"]).aggregate(buyers=per.count())
    act = rv.select("person_id", "offset").distinct()
    active = act.group_by("offset").aggregate(buyers=act.count())
    return {"buyers": buyers, "active": active}


def retention_curves(
    buyers: list[dict[str, Any]], active: list[dict[str, Any]], *, periods: int = 12
) -> list[dict[str, Any]]:
    """Repeat-purchase and retention curves from :func:`retention_counts` (rows as dicts).

    For k = 0..periods, with E_k = buyers observable at k (K_i ≥ k):

    - repeat_rate_k = #{i : first_repeat_i ≤ k, K_i ≥ k} ÷ E_k (share who bought again by k);
    - retention_k = #{i : bought at offset k} ÷ E_k (share active in period k; 1.0 at k = 0).

    Null when E_k = 0. Returns one dict per k: ``period``, ``observable``, ``repeat_rate``,
    ``retention``. Tested by ``tests/metrics/test_clv.py::test_retention_curves_hand_computed``.
    """
    out = []
    active_at = {int(r["offset"]): int(r["buyers"]) for r in active}
    for k in range(periods + 1):
        eligible = sum(int(r["buyers"]) for r in buyers if int(r["observable"]) >= k)
        repeated = sum(
            int(r["buyers"])
            for r in buyers
            if int(r["observable"]) >= k
            and r["first_repeat"] is not None
            and int(r["first_repeat"]) <= k
        )
        out.append(
            {
                "period": k,
                "observable": eligible,
                "repeat_rate": repeated / eligible if eligible else None,
                "retention": active_at.get(k, 0) / eligible if eligible else None,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Historical CLV: bootstrap intervals and a test of the difference


@dataclass(frozen=True)
class GroupComparison:
    """Historical CLV of two groups with bootstrap intervals and Welch's test.

    ``*_ci`` are percentile bootstrap intervals (``level``, resampling customers with
    replacement within each group, ``resamples`` times, seeded); ``difference`` = social −
    non-social; ``p_value`` is Welch's two-sided t-test (unequal variances) of the means;
    ``warning`` names a group too small for the interval (fewer than 30 customers).
    """

    social_n: int
    non_social_n: int
    social: float | None
    non_social: float | None
    social_ci: tuple[float, float] | None
    non_social_ci: tuple[float, float] | None
    difference: float | None
    difference_ci: tuple[float, float] | None
    p_value: float | None
    level: float
    warning: str | None


#: Below this many customers a group's mean and its bootstrap interval are flagged.
MIN_GROUP = 30
#: Index draws per bootstrap batch (32 MiB of int64), whatever the number of customers.
_BOOT_DRAWS = 4_000_000


def compare_groups(
    social: FloatArray,
    non_social: FloatArray,
    *,
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> GroupComparison:
    """Mean revenue per customer of two groups, bootstrap intervals and Welch's t-test.

    mean_g = Σ revenue_i ÷ n_g; bootstrap: B means of n_g draws with replacement; interval =
    the (1−level)/2 and (1+level)/2 quantiles of those means (difference: of the B differences
    of independent resamples). Welch: t = (m_s − m_n) ÷ √(s_s²/n_s + s_n²/n_n) with
    Welch–Satterthwaite degrees of freedom; null with fewer than 2 customers in a group.

    Tested by ``tests/metrics/test_clv.py::test_compare_groups_hand_computed``.
    """
    if not 0 < level < 1:
        raise ConfigError(f"level must be between 0 and 1, got {level}", hint="use 0.95")
    rng = np.random.default_rng(seed)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2

    def boot(values: FloatArray) -> FloatArray | None:
        if len(values) == 0:
            return None
        # resamples in batches of about 4 million draws: memory stays bounded for any n
        batch = max(1, _BOOT_DRAWS // len(values))
        means: FloatArray = np.empty(resamples, dtype=np.float64)
        for lo in range(0, resamples, batch):
            k = min(batch, resamples - lo)
            idx = rng.integers(0, len(values), size=(k, len(values)))
            means[lo : lo + k] = values[idx].mean(axis=1)
        return means

    def interval(samples: FloatArray | None) -> tuple[float, float] | None:
        if samples is None:
            return None
        return float(np.quantile(samples, lo_q)), float(np.quantile(samples, hi_q))

    s = np.asarray(social, dtype=np.float64)
    n = np.asarray(non_social, dtype=np.float64)
    bs, bn = boot(s), boot(n)
    diff = None if bs is None or bn is None else bs - bn
    p = _welch_p(s, n)
    small = [g for g, arr in (("social", s), ("non-social", n)) if len(arr) < MIN_GROUP]
    warning = (
        f"few customers in {' and '.join(small)} (under {MIN_GROUP}): the interval is wide "
        "and the test has little power"
        if small
        else None
    )
    ms = float(s.mean()) if len(s) else None
    mn = float(n.mean()) if len(n) else None
    return GroupComparison(
        social_n=len(s),
        non_social_n=len(n),
        social=ms,
        non_social=mn,
        social_ci=interval(bs),
        non_social_ci=interval(bn),
        difference=None if ms is None or mn is None else ms - mn,
        difference_ci=interval(diff),
        p_value=p,
        level=level,
        warning=warning,
    )


def _welch_p(a: FloatArray, b: FloatArray) -> float | None:
    """Two-sided p of Welch's t-test; None with < 2 values in a group or no variance at all."""
    from scipy import stats
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = float(a.var(ddof=1)) / len(a), float(b.var(ddof=1)) / len(b)
    se2 = va + vb
    if se2 <= 0:
        return None
    t = (float(a.mean()) - float(b.mean())) / math.sqrt(se2)
    df = se2 * se2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1))
    return float(2 * stats.t.sf(abs(t), df))


def historical_clv(
    engine: Engine, workspace_id: str, date_to: dt.date, *, seed: int = 0
) -> GroupComparison:
    """Historical CLV of social vs non-social customers up to the end of ``date_to``.

    Customers who became customers before the end of ``date_to`` (workspace calendar); the
    engine computes one row per customer (:func:`customer_values`), only those rows come back.
    Each group's values are sorted before the bootstrap: engines return rows in any order, and
    the seeded resamples must draw the same values on every run and engine.
    """
    t = engine.tables(workspace_id)
    _, end = period_bounds(date_to, date_to, t.workspace.timezone)
    rows = engine.execute(customer_values(t, end).select("social", "revenue"))
    social = np.asarray(rows["social"].to_pylist(), dtype=bool)
    revenue = np.asarray(rows["revenue"].to_pylist(), dtype=np.float64)
    return compare_groups(np.sort(revenue[social]), np.sort(revenue[~social]), seed=seed)


def clv_section(
    engine: Engine, workspace_id: str, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """The contract's ``clv`` part of the summary: ``{"social": …, "non_social": …}``.

    Historical CLV (mean revenue to date per customer) of each group, over every customer who
    became one before the end of the period (revenue to date is cumulative, so the period's
    start does not bound it); rounded to cents, null for a group without customers.
    """
    t = engine.tables(workspace_id)
    _, end = period_bounds(date_from, date_to, t.workspace.timezone)
    cv = customer_values(t, end)
    agg = cv.group_by("social").aggregate(revenue=cv.revenue.sum(), n=cv.count())
    rows = {bool(r["social"]): r for r in engine.execute(agg).to_pylist()}

    def mean(flag: bool) -> float | None:
        r = rows.get(flag)
        if r is None or not r["n"]:
            return None
        return round(float(r["revenue"]) / int(r["n"]), MONEY_DECIMALS) + 0.0

    return {"social": mean(True), "non_social": mean(False)}


# ---------------------------------------------------------------------------------------------
# BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV")


@dataclass(frozen=True)
class BetaGeo:
    """Fitted BG/NBD parameters r, α, a, b (time in the unit of the fitted recency and age)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n: int


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend parameters p, q, v; ``spend_frequency_corr`` is Pearson's r."""

    p: float
    q: float
    v: float
    log_likelihood: float
    n: int
    spend_frequency_corr: float | None

    @property
    def population_mean(self) -> float:
        """E[M] = p·v ÷ (q − 1) (CDNOW: 6.25 × 15.44 ÷ 2.74 = 35.2)."""
        return self.p * self.v / (self.q - 1)

    def expected_spend(self, frequency: FloatArray, monetary: FloatArray) -> FloatArray:
        """E[M | x, m̄] = (1 − w)·p·v/(q − 1) + w·m̄, w = p·x ÷ (p·x + q − 1)."""
        x = np.asarray(frequency, dtype=np.float64)
        m = np.nan_to_num(np.asarray(monetary, dtype=np.float64))
        w = self.p * x / (self.p * x + self.q - 1)
        spend: FloatArray = (1 - w) * self.population_mean + w * m
        return spend


def _arrays(*cols: Any) -> list[FloatArray]:
    return [np.asarray(c, dtype=np.float64) for c in cols]


def _check_rfm(x: FloatArray, t_x: FloatArray, age: FloatArray) -> None:
    if len(x) == 0:
        raise ConfigError("no buyers to fit", hint="import purchases or won deals first")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > age + 1e-9):
        raise ConfigError(
            "purchase summary out of range: need frequency ≥ 0 and 0 ≤ recency ≤ age",
            hint="build it with socialroi.metrics.clv.purchase_summary",
        )


def _bg_loglik(params: FloatArray, x: FloatArray, t_x: FloatArray, age: FloatArray) -> float:
    from scipy import special

    r, alpha, a, b = np.exp(params)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + age)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    ll = a1 + a2 + np.logaddexp(a3, a4)
    return float(ll.sum())


def fit_beta_geo(frequency: Any, recency: Any, age: Any) -> BetaGeo:
    """Maximum-likelihood BG/NBD fit (Fader, Hardie & Lee 2005, eq. 6).

    LL_i = ln Γ(r+x) − ln Γ(r) + r ln α + ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)
           + ln[ (α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x) ]

    maximised over log-parameters (so all stay positive) with L-BFGS-B from r = α = a = b = 1.
    On the CDNOW sample (weeks) it gives r 0.2426, α 4.4135, a 0.7929, b 2.4258
    (``tests/metrics/test_clv.py::test_bg_nbd_reproduces_cdnow``).
    """
    from scipy import optimize
    x, t_x, age = _arrays(frequency, recency, age)
    _check_rfm(x, t_x, age)
    res = optimize.minimize(
        lambda p: -_bg_loglik(p, x, t_x, age),
        x0=np.zeros(4),
        method="L-BFGS-B",
        bounds=[(-15.0, 15.0)] * 4,
    )
    r, alpha, a, b = (float(v) for v in np.exp(res.x))
    return BetaGeo(r, alpha, a, b, -float(res.fun), len(x))


def expected_purchases(
    model: BetaGeo, horizon: float, frequency: Any, recency: Any, age: Any
) -> FloatArray:
    """E[X(t) | x, t_x, T]: expected purchases in the next ``horizon`` time units (eq. 10).

    With z = t ÷ (α + T + t):
    [(a+b+x−1)/(a−1)] · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z)]
    ÷ [1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)].
    CDNOW, x = 2, t_x = 30.43, T = 38.86, t = 39 → 1.2259 (social-metrics.md §6).
    """
    from scipy import special
    x, t_x, age = _arrays(frequency, recency, age)
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    t = float(horizon)
    z = t / (alpha + age + t)
    head = (a + b + x - 1) / (a - 1)
    tail = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * special.hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    den = 1 + np.where(
        x > 0, a / np.maximum(b + x - 1, 1e-300) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0.0
    )
    out: FloatArray = head * tail / den
    return out


def probability_alive(model: BetaGeo, frequency: Any, recency: Any, age: Any) -> FloatArray:
    """P(alive | x, t_x, T) = 1 ÷ [1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)]; 1 when x = 0."""
    x, t_x, age = _arrays(frequency, recency, age)
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    odds = np.where(
        x > 0, a / np.maximum(b + x - 1, 1e-300) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0.0
    )
    out: FloatArray = 1 / (1 + odds)
    return out


def _gg_loglik(params: FloatArray, x: FloatArray, m: FloatArray) -> float:
    from scipy import special

    p, q, v = np.exp(params)
    px = p * x
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )
    return float(ll.sum())


def fit_gamma_gamma(frequency: Any, monetary: Any) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma fit on returning buyers (x > 0, m̄ > 0).

    LL_i = ln Γ(p·x+q) − ln Γ(p·x) − ln Γ(q) + q ln v + (p·x−1) ln m̄ + p·x ln x
           − (p·x+q) ln(x·m̄ + v)

    maximised over log-parameters with Nelder-Mead (as lifetimes does) from p = q = v = 1.
    The model assumes spend independent of frequency: ``spend_frequency_corr`` reports
    Pearson's r of (x, m̄) to check it is near 0. CDNOW: p 6.25, q 3.74, v 15.44.
    """
    from scipy import optimize
    x, m = _arrays(frequency, monetary)
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) < 2:
        raise ConfigError(
            "Gamma-Gamma needs at least two returning buyers (frequency > 0, spend > 0)",
            hint="predictive CLV needs repeat purchases; use the historical CLV meanwhile",
        )
    res = optimize.minimize(
        lambda p: -_gg_loglik(p, x, m),
        x0=np.zeros(3),
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 20_000},
    )
    p, q, v = (float(val) for val in np.exp(res.x))
    corr = None
    if np.std(x) > 0 and np.std(m) > 0:
        corr = float(np.corrcoef(x, m)[0, 1])
    return GammaGamma(p, q, v, -float(res.fun), len(x), corr)


def predictive_clv(
    transactions: BetaGeo,
    spend: GammaGamma,
    frequency: Any,
    recency: Any,
    age: Any,
    monetary: Any,
    *,
    months: int = 12,
    monthly_discount: float = 0.01,
    units_per_month: float = 30.0,
) -> FloatArray:
    """Discounted expected revenue over the next ``months`` months (lifetimes' formula).

    CLV = Σ_{i=1..months} E[M | x, m̄] · (E[X(i·f)] − E[X((i−1)·f)]) ÷ (1 + d)^i,
    f = ``units_per_month`` (30 for days, 4.345 for weeks), d = ``monthly_discount``.
    CDNOW example (weeks, 12 months, d = 1 %), x = 2, t_x = 30.43, T = 38.86, m̄ = 40: 57.58.
    """
    if months <= 0 or units_per_month <= 0 or monthly_discount <= -1:
        raise ConfigError(
            "months and units_per_month must be positive and the discount above −100 %",
            hint="for days use units_per_month=30, for weeks 4.345",
        )
    spend_i = spend.expected_spend(np.asarray(frequency), np.asarray(monetary))
    total = np.zeros_like(spend_i)
    prev = np.zeros_like(spend_i)
    for i in range(1, months + 1):
        cur = expected_purchases(transactions, i * units_per_month, frequency, recency, age)
        total += spend_i * (cur - prev) / (1 + monthly_discount) ** i
        prev = cur
    return total


#: Below this many buyers the BG/NBD fit is flagged as unstable.
MIN_BUYERS = 200
#: A fitted parameter above this sits at the optimiser's boundary: the data cannot identify it.
_DEGENERATE = 1e4


def predictive_clv_by_group(
    engine: Engine,
    workspace_id: str,
    date_to: dt.date,
    *,
    months: int = 12,
    monthly_discount: float = 0.01,
) -> dict[str, Any]:
    """Predictive CLV of social and non-social buyers: BG/NBD + Gamma-Gamma on the workspace.

    The engine computes the purchase summary (:func:`purchase_summary`, days, observation
    ending with ``date_to``); BG/NBD is fitted on every buyer, Gamma-Gamma on returning buyers,
    and each buyer's CLV over the next ``months`` months (:func:`predictive_clv`, 30 days a
    month, ``monthly_discount`` per month) is averaged per group.

    Returns
    -------
    ``{"bg_nbd": {r, alpha, a, b, n}, "gamma_gamma": {p, q, v, n, spend_frequency_corr} | None,
    "social": {"buyers", "clv", "p_alive"}, "non_social": {…}, "warnings": [...]}``; ``clv``
    is null (and a warning says why) when Gamma-Gamma cannot be fitted or has q ≤ 1. Warnings
    also flag fewer than :data:`MIN_BUYERS` buyers, parameters at a boundary (above 10,000)
    and a spend–frequency correlation above 0.3 in absolute value (the Gamma-Gamma
    independence assumption). Tested on the demo company by
    ``tests/demo/test_demo_stats.py::test_predictive_clv_on_the_demo``.
    """
    t = engine.tables(workspace_id)
    _, end = period_bounds(date_to, date_to, t.workspace.timezone)
    rows = engine.execute(purchase_summary(t, end))
    x = np.asarray(rows["frequency"].to_pylist(), dtype=np.float64)
    t_x = np.asarray(rows["recency"].to_pylist(), dtype=np.float64)
    age = np.asarray(rows["age"].to_pylist(), dtype=np.float64)
    m = np.asarray(
        [np.nan if v is None else v for v in rows["monetary"].to_pylist()], dtype=np.float64
    )
    social = np.asarray(rows["social"].to_pylist(), dtype=bool)
    notes: list[str] = []
    if len(x) < MIN_BUYERS:
        notes.append(
            f"only {len(x)} buyers (under {MIN_BUYERS}): the BG/NBD parameters are unstable"
        )
    bg = fit_beta_geo(x, t_x, age)
    alive = probability_alive(bg, x, t_x, age)
    gg: GammaGamma | None
    try:
        gg = fit_gamma_gamma(x, m)
    except ConfigError as exc:
        gg = None
        notes.append(f"no predictive CLV: {exc.message}")
    if max(bg.r, bg.alpha, bg.a, bg.b) > _DEGENERATE:
        notes.append(
            "BG/NBD at a boundary (a parameter above 10,000): too few repeat purchases to "
            "separate dropout from purchase rates"
        )
    if gg is not None and gg.q <= 1:
        notes.append(f"no predictive CLV: Gamma-Gamma q = {gg.q:.3f} ≤ 1 has no finite mean spend")
        gg = None
    elif gg is not None and max(gg.p, gg.q, gg.v) > _DEGENERATE:
        notes.append(
            "Gamma-Gamma at a boundary (a parameter above 10,000): spend per customer is "
            "effectively the population mean"
        )
    clv = None
    if gg is not None:
        clv = predictive_clv(bg, gg, x, t_x, age, m, months=months,
                             monthly_discount=monthly_discount)  # fmt: skip
        if gg.spend_frequency_corr is not None and abs(gg.spend_frequency_corr) > 0.3:
            notes.append(
                f"spend and purchase frequency correlate (r = {gg.spend_frequency_corr:.2f}): "
                "Gamma-Gamma assumes they do not, so the spend part is biased"
            )

    def group(mask: npt.NDArray[np.bool_]) -> dict[str, Any]:
        n = int(mask.sum())
        return {
            "buyers": n,
            "clv": round(float(clv[mask].mean()), MONEY_DECIMALS) if clv is not None and n
            else None,
            "p_alive": round(float(alive[mask].mean()), 4) if n else None,
        }  # fmt: skip

    return {
        "bg_nbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "n": bg.n},
        "gamma_gamma": None if gg is None else {
            "p": gg.p, "q": gg.q, "v": gg.v, "n": gg.n,
            "spend_frequency_corr": gg.spend_frequency_corr,
        },
        "social": group(social),
        "non_social": group(~social),
        "warnings": notes,
    }  # fmt: skip
