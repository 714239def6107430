"""Any metric beside its previous period, computed in the engine (one query for both periods).

The previous period has the same number of days and ends the day before the period starts:
2025-04-01..2025-06-30 (91 days) → 2024-12-31..2025-03-31 (91 days).

For each measure ``m`` (every numeric column that is not a key) :func:`with_previous` adds

- ``m_previous``: the value in the previous period;
- ``m_change`` = (m − m_previous) ÷ |m_previous|: the relative change (0.25 = +25 %), null when
  the previous value is 0 or null. Dividing by the absolute value keeps the sign meaningful for
  a negative previous value (ROI −0.5 → −0.25 is a change of +0.5).

Rows are matched on the key columns with null-safe equality (the null key, e.g. unallocated cost,
is a row like any other); a key present in one period only keeps a row, whose other side is 0 for
an *additive* measure (a count or a sum: nothing happened) and null for any other (a ratio over
nothing is unknown).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from socialroi.metrics.roi import ratio

__all__ = ["previous_period", "with_previous"]


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length ending the day before ``date_from``.

    Example: 2025-03-01..2025-03-31 (31 days) → 2025-01-29..2025-02-28 (31 days). Tested by
    ``tests/metrics/test_previous_period.py::test_previous_period``.
    """
    days = (date_to - date_from).days + 1
    last = date_from - dt.timedelta(days=1)
    return last - dt.timedelta(days=days - 1), last


def with_previous(
    current: ir.Table,
    previous: ir.Table,
    keys: Sequence[str],
    *,
    additive: Sequence[str] = (),
) -> ir.Table:
    """``current`` with, for each numeric measure, its previous value and relative change.

    Parameters
    ----------
    current, previous
        The same metric (same columns) for the period and for the previous period.
    keys
        The key columns (empty: one-row metrics, joined as they are).
    additive
        Measures that are counts or sums: 0, not null, where a key has no row in one period.

    Returns
    -------
    One row per key in either period: the keys, then for each measure ``m`` (in
    ``current``'s column order) ``m``, ``m_previous``, ``m_change``; non-numeric columns that
    are not keys (labels) follow, taken from the current period, else the previous one.

    Tested by ``tests/metrics/test_previous_period.py`` (hand-computed and DuckDB == Spark).
    """
    schema = current.schema()
    measures = [c for c in current.columns if c not in keys and schema[c].is_numeric()]
    labels = [c for c in current.columns if c not in keys and c not in measures]
    prev = previous.select(
        **{f"_pk_{k}": previous[k] for k in keys},
        **{f"_pv_{c}": previous[c] for c in (*measures, *labels)},
        _p_row=ibis.literal(True),
    )
    cur = current.mutate(_c_row=ibis.literal(True))
    if keys:
        j = cur.outer_join(prev, [cur[k].identical_to(prev[f"_pk_{k}"]) for k in keys])
    else:
        j = cur.cross_join(prev)
    out: dict[str, ir.Value] = {k: j[k].coalesce(j[f"_pk_{k}"]) for k in keys}
    for m in measures:
        now, before = j[m], j[f"_pv_{m}"]
        if m in additive:
            now = ibis.ifelse(j._c_row.isnull(), 0, now).cast(schema[m])
            before = ibis.ifelse(j._p_row.isnull(), 0, before).cast(schema[m])
        out[m] = now
        out[f"{m}_previous"] = before
        out[f"{m}_change"] = ratio(now - before, before.abs())
    for c in labels:
        out[c] = j[c].coalesce(j[f"_pv_{c}"])
    return j.select(**out)
