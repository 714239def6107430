"""Cost of social: spend from ``costs`` and labour from ``staff_hours`` (social-metrics.md §4).

All money is in the workspace base currency (``amount_base`` and ``hourly_rate_base``, converted
at import). Dates are calendar dates of the workspace; a period is ``[date_from, date_to]``,
both days included.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

__all__ = ["cost_in_period", "labour_cost", "spread_cost_per_day"]


def spread_cost_per_day(costs: ir.Table) -> ir.Table:
    """Spread each cost evenly over its days: cost_per_day = amount_base ÷ days.

    days = end_date − date + 1 (both days included). A cost without ``end_date`` (or with an
    ``end_date`` before ``date``) is a one-day cost on ``date``.

    Parameters
    ----------
    costs
        ``Tables.costs``.

    Returns
    -------
    One row per cost row: its columns plus ``last_date`` (the effective end date), ``days`` and
    ``cost_per_day``.

    Example: 310 over 2025-03-01..2025-03-31 → 31 days, 10.0 a day. Tested by
    ``tests/metrics/test_cost.py::test_spread_cost_per_day``.
    """
    last = ibis.greatest(costs.end_date.coalesce(costs.date), costs.date)
    days = last.delta(costs.date, unit="day") + 1
    return costs.mutate(
        last_date=last,
        days=days,
        cost_per_day=costs.amount_base / days.cast("float64"),
    )


def cost_in_period(costs: ir.Table, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Cost of each cost row inside ``[date_from, date_to]``.

    cost = cost_per_day × overlap_days, overlap_days = min(last_date, date_to) −
    max(date, date_from) + 1; a cost that does not overlap the period is left out. A one-day cost
    counts in full when its ``date`` is in the period.

    Parameters
    ----------
    costs
        ``Tables.costs``.
    date_from, date_to
        The period, both days included (workspace calendar dates).

    Returns
    -------
    One row per overlapping cost row: ``network`` (null = unallocated), ``category``,
    ``campaign``, ``post_id``, ``overlap_days`` and ``cost`` (base currency).

    Example: 310 over 2025-03-01..2025-03-31 in the period 2025-03-20..2025-04-30 → 12 days ×
    10.0 = 120.0. Tested by ``tests/metrics/test_cost.py::test_cost_in_period_clips_a_spread``.
    """
    lo = ibis.literal(date_from, type="date")
    hi = ibis.literal(date_to, type="date")
    s = spread_cost_per_day(costs)
    s = s.filter(s.date <= hi, s.last_date >= lo)
    overlap = ibis.least(s.last_date, hi).delta(ibis.greatest(s.date, lo), unit="day") + 1
    return s.select(
        "network",
        "category",
        "campaign",
        "post_id",
        overlap_days=overlap,
        cost=s.cost_per_day * overlap.cast("float64"),
    )


def labour_cost(staff_hours: ir.Table, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Labour cost of each staff-hours row in ``[date_from, date_to]``: hours × hourly_rate_base.

    Parameters
    ----------
    staff_hours
        ``Tables.staff_hours``.
    date_from, date_to
        The period, both days included.

    Returns
    -------
    One row per staff-hours row dated in the period: ``network`` (null = unallocated),
    ``campaign``, ``person``, ``hours`` and ``labour_cost`` (base currency).

    Example: 40 h × 50.0/h = 2,000.0. Tested by
    ``tests/metrics/test_cost.py::test_labour_cost``.
    """
    h = staff_hours.filter(
        staff_hours.date >= ibis.literal(date_from, type="date"),
        staff_hours.date <= ibis.literal(date_to, type="date"),
    )
    return h.select(
        "network",
        "campaign",
        "person",
        "hours",
        labour_cost=h.hours * h.hourly_rate_base,
    )
