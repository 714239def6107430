"""Return on investment and cost ratios (social-metrics.md §4).

Every function takes a table with the named columns and returns it with one column added, so
they chain: ``cost_per_lead(roi(by_network))``. A ratio whose denominator is 0 (or null) is null,
never 0 or infinity. Grain: that of the input (one row per network, per channel, …).
"""

from __future__ import annotations

import ibis.expr.types as ir

__all__ = [
    "cost_per_customer",
    "cost_per_lead",
    "ratio",
    "roi",
    "roi_with_labour",
]


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """Safe division: numerator / denominator, null when the denominator is 0 or null.

    Parameters
    ----------
    numerator, denominator
        Numeric column expressions of the same table.

    Returns
    -------
    A float64 expression.

    Tested by ``tests/metrics/test_roi.py::test_ratio_zero_and_null_denominator_is_null``.
    """
    den = denominator.cast("float64")
    quotient: ir.FloatingValue = numerator.cast("float64") / den.nullif(0.0)
    return quotient


def roi(t: ir.Table) -> ir.Table:
    """ROI = (revenue − cost) ÷ cost; null when cost = 0.

    Parameters
    ----------
    t
        A table with numeric columns ``revenue`` and ``cost`` (base currency).

    Returns
    -------
    ``t`` plus ``roi`` (a fraction: 1.5 means +150 %). Grain: that of ``t``.

    Examples: revenue 12,000, cost 3,500 → 2.428571 (social-metrics.md §4); revenue 0, cost 100
    → −1.0; cost 0 → null. Tested by ``tests/metrics/test_roi.py::test_roi_worked_example``.
    """
    return t.mutate(roi=ratio(t.revenue - t.cost, t.cost))


def roi_with_labour(t: ir.Table) -> ir.Table:
    """ROI with labour = (revenue − cost_with_labour) ÷ cost_with_labour; null when it is 0.

    ``cost_with_labour`` = cost + Σ staff hours × hourly rate (see :func:`~.cost.labour_cost`).

    Parameters
    ----------
    t
        A table with numeric columns ``revenue`` and ``cost_with_labour``.

    Returns
    -------
    ``t`` plus ``roi_with_labour``. Grain: that of ``t``.

    Example: revenue 12,000, cost with labour 5,500 → 1.181818. Tested by
    ``tests/metrics/test_roi.py::test_roi_worked_example``.
    """
    return t.mutate(roi_with_labour=ratio(t.revenue - t.cost_with_labour, t.cost_with_labour))


def cost_per_lead(t: ir.Table) -> ir.Table:
    """Cost per lead: CPL = cost ÷ leads; null when leads = 0.

    Parameters
    ----------
    t
        A table with columns ``cost`` (base currency) and ``leads`` (a count).

    Returns
    -------
    ``t`` plus ``cost_per_lead``. Grain: that of ``t``.

    Example: cost 3,500, 50 leads → 70.0. Tested by
    ``tests/metrics/test_roi.py::test_cost_per_lead_and_customer``.
    """
    return t.mutate(cost_per_lead=ratio(t.cost, t.leads))


def cost_per_customer(t: ir.Table) -> ir.Table:
    """Cost per customer (CAC): cost ÷ customers; null when customers = 0.

    Parameters
    ----------
    t
        A table with columns ``cost`` (base currency) and ``customers`` (a count).

    Returns
    -------
    ``t`` plus ``cost_per_customer``. Grain: that of ``t``.

    Example: cost 3,500, 8 customers → 437.5. Tested by
    ``tests/metrics/test_roi.py::test_cost_per_lead_and_customer``.
    """
    return t.mutate(cost_per_customer=ratio(t.cost, t.customers))
