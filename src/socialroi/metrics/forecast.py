"""Monthly leads, customers and revenue from social, and their forecast 3-6 months ahead.

*From social* has the meaning of the summary's ``social`` section: a lead, customer or revenue
item counts when the person's first touch is on a social network
(:mod:`socialroi.metrics.summary`). Months are calendar months of the workspace
time zone. The engine returns one row per month; the forecast runs on those few numbers.

Model: statsmodels' state-space exponential smoothing (ETS with additive errors, a damped
additive trend, and additive yearly seasonality once 24 months of history exist), fitted by
maximum likelihood. Why this one: it is maintained, needs no extra service, gives analytic
prediction intervals, and a damped trend does not extrapolate a short run of growth for ever
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, §8.2). Prediction intervals
are ŷ ± z·σ_h from the model's forecast variance, at 80 % and 95 %; counts and revenue cannot
go below 0, so every bound is clipped at 0.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import numpy as np

from socialroi.engine import Engine, Tables
from socialroi.errors import ConfigError
from socialroi.metrics._days import day_number
from socialroi.metrics._period import MONEY_DECIMALS
from socialroi.metrics._plan import computed_once
from socialroi.metrics._types import TIMESTAMP
from socialroi.metrics.funnel import customers, leads
from socialroi.metrics.people import first_touch, visitor_contacts, with_person
from socialroi.metrics.revenue import revenue_items
from socialroi.schema.entities import NETWORKS
from socialroi.visits import sessions
from socialroi.visits._text import trim

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "last_full_month",
    "FORECAST_METRICS",
    "MIN_MONTHS",
    "SEASONAL_MONTHS",
    "Forecast",
    "dated_facts",
    "forecast_backtest",
    "forecast_series",
    "month_starts",
    "monthly_social",
    "social_forecast",
]

FORECAST_METRICS: tuple[str, ...] = ("leads", "customers", "revenue")
#: Fewer months than this cannot be forecast (the model has 4 parameters and 2 states).
MIN_MONTHS = 6
#: Below this many months there is no seasonality in the model, and a warning says so.
SEASONAL_MONTHS = 24

Metric = Literal["leads", "customers", "revenue"]


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the calendar months from ``first``'s month to ``last``'s, in order."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def dated_facts(t: Tables, *, with_visits: bool = False) -> ir.Table:
    """Leads, customers and revenue items (and visits) with their time, network and campaign.

    Counted as the summary counts them (:mod:`socialroi.metrics.summary`): a lead, customer
    or revenue item under the network of the person's first touch, a visit under its own
    network (only with ``with_visits``). The campaign is the visit's own (UTM campaign, or the
    campaign of the tracked link's post), and for people the campaign of their first visit
    (ties: the smallest ``session_id``), lower-cased and trimmed; null when there is none.

    Returns
    -------
    One row per fact: ``at`` (UTC), ``network`` (null when not social), ``campaign``,
    ``visits``, ``leads``, ``customers`` (int64, 0 or 1) and ``revenue`` (float64, negative
    for refunds). Tested by ``tests/metrics/test_forecast.py``.
    """
    links = computed_once(visitor_contacts(t))
    v = sessions(t)
    pv = computed_once(
        with_person(
            v.select("visitor_id", "session_id", "started_at", "channel", "network",
                     campaign=trim(v.campaign).lower().nullif("")),
            links,
        )
    )  # fmt: skip
    touch = first_touch(t, pv)
    ft = touch.select(f_person=touch.person_id, f_network=touch.network)
    rank = ibis.row_number().over(
        ibis.window(group_by=pv.person_id, order_by=[pv.started_at, pv.session_id])
    )
    fv = pv.mutate(rank=rank)
    fv = fv.filter(fv["rank"] == 0).select(c_person=fv.person_id, c_campaign=fv.campaign)
    one, zero = ibis.literal(1, type="int64"), ibis.literal(0, type="int64")
    no_money = ibis.literal(0.0, type="float64")
    ld = leads(t, links)
    cu = customers(t, links)
    rv = revenue_items(t, links)
    people = ibis.union(
        ld.select("person_id", at=ld.lead_at, leads=one, customers=zero, revenue=no_money),
        cu.select("person_id", at=cu.customer_at, leads=zero, customers=one, revenue=no_money),
        rv.select("person_id", "at", leads=zero, customers=zero,
                  revenue=rv.revenue.cast("float64")),
    )  # fmt: skip
    j = people.left_join(ft, people.person_id == ft.f_person)
    j = j.left_join(fv, j.person_id == fv.c_person)
    facts = j.select(
        at=j.at.cast(TIMESTAMP),
        network=j.f_network.cast("string"),
        campaign=j.c_campaign.cast("string"),
        visits=zero,
        leads=j.leads,
        customers=j.customers,
        revenue=j.revenue,
    )
    if not with_visits:
        return facts
    visits = pv.select(
        at=pv.started_at.cast(TIMESTAMP),
        network=pv.network.cast("string"),
        campaign=pv.campaign.cast("string"),
        visits=one,
        leads=zero,
        customers=zero,
        revenue=no_money,
    )
    return ibis.union(facts, visits)


def monthly_social(t: Tables, first_month: dt.date, last_month: dt.date) -> ir.Table:
    """Leads, customers and revenue from social per calendar month (workspace time zone).

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    first_month, last_month
        Any day of the first and of the last month (both included).

    Returns
    -------
    One row per month with a fact: ``month`` (first day, date), ``leads``, ``customers``
    (int64) and ``revenue`` (float64, net of refunds). Months without any fact are absent;
    :func:`social_forecast` fills them with 0.

    With the workspace's daily aggregates fresh (:mod:`socialroi.aggregates`), the months are
    sums of stored days (:func:`_monthly_from_daily`): the same facts, counted on the same
    workspace-calendar days, without going through every visit again.

    Tested by ``tests/metrics/test_forecast.py::test_monthly_social_hand_computed`` and
    ``test_monthly_social_from_daily_aggregates``.
    """
    months = month_starts(first_month, last_month)
    nxt = month_starts(months[-1], months[-1] + dt.timedelta(days=31))[1]
    daily = t.derived.get("daily")
    if daily is not None:
        return _monthly_from_daily(daily, months, nxt)
    zone = ZoneInfo(t.workspace.timezone)
    bounds = [_utc(d, zone) for d in [*months, nxt]]
    facts = dated_facts(t)
    lo, hi = (ibis.literal(b, type="timestamp") for b in (bounds[0], bounds[-1]))
    facts = facts.filter(facts.network.isin(NETWORKS), facts.at >= lo, facts.at < hi)
    # the month is the first bound the instant is before (cases are tried in order)
    month = ibis.cases(
        *(
            (facts.at < ibis.literal(b, type="timestamp"), ibis.literal(m, type="date"))
            for m, b in zip(months, bounds[1:], strict=True)
        )
    )
    facts = facts.mutate(month=month)
    return facts.group_by("month").aggregate(
        leads=facts.leads.sum().cast("int64"),
        customers=facts.customers.sum().cast("int64"),
        revenue=facts.revenue.sum().cast("float64"),
    )


def _monthly_from_daily(daily: ir.Table, months: list[dt.date], nxt: dt.date) -> ir.Table:
    """:func:`monthly_social` from the daily aggregates: a lead, customer or revenue item is
    stored on its workspace-calendar day under the person's first-touch network (the facts of
    :func:`dated_facts`), so a month is the sum of its days with a social network."""
    first, end = day_number(months[0]), day_number(nxt)
    d = daily.filter(daily.network.isin(NETWORKS), daily.day >= first, daily.day < end)
    # a month is present only with a fact (the forecast starts at the first one), so leave out
    # the days with visits alone. A day whose revenue items cancel out keeps its month all the
    # same: a won deal or purchase makes its person a customer on that day or before, under
    # the same first touch, and a lone refund is not 0.
    d = d.filter((d.leads != 0) | (d.customers != 0) | (d.revenue != 0))
    # the month is the first month start the day is before (cases are tried in order)
    month = ibis.cases(
        *(
            (d.day < day_number(b), ibis.literal(m, type="date"))
            for m, b in zip(months, [*months[1:], nxt], strict=True)
        )
    )
    d = d.mutate(month=month)
    return d.group_by("month").aggregate(
        leads=d.leads.sum().cast("int64"),
        customers=d.customers.sum().cast("int64"),
        revenue=d.revenue.sum().cast("float64"),
    )


@dataclass(frozen=True)
class Forecast:
    """A monthly forecast with 80 % and 95 % prediction intervals.

    ``history`` and each row of ``points`` are ``{"month": date, "value": float, …}``; a point
    also has ``lo80``, ``hi80``, ``lo95``, ``hi95``. ``warnings`` lists what limits trust in it
    (short history, no seasonality, a fit that did not converge).
    """

    metric: str
    model: str
    history: list[dict[str, Any]]
    points: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def forecast_series(
    months: list[dt.date], values: list[float], *, horizon: int = 6, metric: str = "value"
) -> Forecast:
    """Forecast a monthly series ``horizon`` months ahead with 80 % and 95 % intervals.

    ETS(A, Ad, N) — additive error, damped additive trend — or ETS(A, Ad, A) with a 12-month
    season when at least :data:`SEASONAL_MONTHS` months exist; ŷ_{T+h} and σ_h from the fitted
    state-space model; interval = ŷ ± z_{(1+level)/2} · σ_h, clipped at 0 (z = 1.2816 for
    80 %, 1.9600 for 95 %).

    Raises ``ConfigError`` with fewer than :data:`MIN_MONTHS` months or a horizon outside
    1..12. Tested by ``tests/metrics/test_forecast.py``.
    """
    import pandas as pd
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
    if not 1 <= horizon <= 12:
        raise ConfigError(
            f"the forecast horizon must be 1 to 12 months, got {horizon}",
            hint="forecast 3 to 6 months ahead",
        )
    n = len(values)
    if n < MIN_MONTHS:
        raise ConfigError(
            f"{metric}: {n} months of history, a forecast needs at least {MIN_MONTHS}",
            hint="import more history (the first month with data is the first month counted)",
        )
    notes = []
    seasonal = n >= SEASONAL_MONTHS
    if not seasonal:
        notes.append(
            f"{metric}: only {n} months of history (under {SEASONAL_MONTHS}): no yearly "
            "seasonality in the model and wide intervals; treat the forecast as a trend guide"
        )
    index = pd.period_range(months[0], periods=n, freq="M")
    y = pd.Series(np.asarray(values, dtype=np.float64), index=index)
    if float(y.std()) == 0.0:
        # a constant series has no error to estimate: the forecast is that constant, exactly
        flat = float(y.iloc[0])
        notes.append(f"{metric}: the history is constant; the interval has zero width")
        future = pd.period_range(index[-1] + 1, periods=horizon, freq="M")
        points = [
            {"month": p.start_time.date(), "value": flat, "lo80": flat, "hi80": flat,
             "lo95": flat, "hi95": flat}
            for p in future
        ]  # fmt: skip
        return Forecast(metric, "constant", _history(y), points, notes)
    model = ExponentialSmoothing(
        y,
        trend=True,
        damped_trend=True,
        seasonal=12 if seasonal else None,
        initialization_method="estimated" if not seasonal else "concentrated",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(disp=False)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"{metric}: the model fit did not fully converge; intervals are rough")
    fc = res.get_forecast(horizon)
    mean = np.asarray(fc.predicted_mean, dtype=np.float64)
    ci80 = np.asarray(fc.conf_int(alpha=0.20), dtype=np.float64)
    ci95 = np.asarray(fc.conf_int(alpha=0.05), dtype=np.float64)
    future = pd.period_range(index[-1] + 1, periods=horizon, freq="M")
    points = []
    for i, p in enumerate(future):
        points.append(
            {
                "month": p.start_time.date(),
                "value": max(float(mean[i]), 0.0),
                "lo80": max(float(ci80[i, 0]), 0.0),
                "hi80": max(float(ci80[i, 1]), 0.0),
                "lo95": max(float(ci95[i, 0]), 0.0),
                "hi95": max(float(ci95[i, 1]), 0.0),
            }
        )
    name = "ETS(A,Ad,A) 12-month season" if seasonal else "ETS(A,Ad,N)"
    return Forecast(metric, name, _history(y), points, notes)


def forecast_backtest(
    months: list[dt.date], values: list[float], *, holdout: int = 3, metric: str = "value"
) -> dict[str, Any]:
    """Hold out the last ``holdout`` months, forecast them from the rest, and score the forecast.

    MAE = Σ|y − ŷ| ÷ h; coverage80 (coverage95) = share of held-out months inside the 80 %
    (95 %) interval; a well-calibrated model covers about 0.8 and 0.95 over many months.
    Returns ``{"metric", "holdout", "mae", "coverage80", "coverage95", "warnings"}``; raises
    ``ConfigError`` when fewer than :data:`MIN_MONTHS` months remain to fit on.
    """
    if holdout < 1 or len(values) - holdout < MIN_MONTHS:
        raise ConfigError(
            f"{metric}: a {holdout}-month holdout leaves {len(values) - holdout} months to fit "
            f"on, at least {MIN_MONTHS} are needed",
            hint="use a shorter holdout or more history",
        )
    fit = forecast_series(months[:-holdout], values[:-holdout], horizon=holdout, metric=metric)
    actual = values[-holdout:]
    pts = fit.points
    return {
        "metric": metric,
        "holdout": holdout,
        "mae": sum(abs(a - p["value"]) for a, p in zip(actual, pts, strict=True)) / holdout,
        "coverage80": sum(p["lo80"] <= a <= p["hi80"] for a, p in zip(actual, pts, strict=True))
        / holdout,
        "coverage95": sum(p["lo95"] <= a <= p["hi95"] for a, p in zip(actual, pts, strict=True))
        / holdout,
        "warnings": fit.warnings,
    }


def _history(y: pd.Series) -> list[dict[str, Any]]:
    import pandas as pd

    months = pd.PeriodIndex(y.index)
    return [
        {"month": p.start_time.date(), "value": float(v)}
        for p, v in zip(months, y.to_numpy(), strict=True)
    ]


def social_forecast(
    engine: Engine,
    workspace_id: str,
    last_month: dt.date,
    *,
    horizon: int = 6,
    history_months: int = 36,
) -> dict[str, Forecast]:
    """Forecast leads, customers and revenue from social ``horizon`` months after ``last_month``.

    History: up to ``history_months`` calendar months ending with ``last_month``'s (which
    should be complete), starting at the first month with any social lead, customer or revenue;
    months without any count 0. Revenue is rounded to cents in the history.
    """
    if history_months < MIN_MONTHS:
        raise ConfigError(
            f"history_months must be at least {MIN_MONTHS}, got {history_months}",
            hint="use 24 or more for seasonality",
        )
    t = engine.tables(workspace_id)
    months = month_starts(last_month, last_month)
    y, m = months[0].year, months[0].month - (history_months - 1)
    while m < 1:
        y, m = y - 1, m + 12
    grid = month_starts(dt.date(y, m, 1), last_month)
    rows = engine.execute(monthly_social(t, grid[0], last_month)).to_pylist()
    by_month = {r["month"]: r for r in rows}
    nonzero = [mo for mo in grid if mo in by_month]
    grid = grid[grid.index(nonzero[0]) :] if nonzero else grid[-1:]
    out = {}
    for metric in FORECAST_METRICS:
        values = [float(by_month[mo][metric]) if mo in by_month else 0.0 for mo in grid]
        if metric == "revenue":
            values = [round(v, MONEY_DECIMALS) for v in values]
        out[metric] = forecast_series(grid, values, horizon=horizon, metric=metric)
    return out


def last_full_month(day: dt.date) -> dt.date:
    """The first day of the last calendar month complete on ``day``: ``day``'s month when
    ``day`` is its last day, else the month before (2025-06-30 → 2025-06-01; 2025-06-29 →
    2025-05-01)."""
    if (day + dt.timedelta(days=1)).month != day.month:
        return day.replace(day=1)
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
