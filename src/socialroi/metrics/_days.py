"""The workspace-calendar day of a stored UTC timestamp, as an Ibis expression on any engine.

``day = floor((epoch seconds + UTC offset at that instant) / 86 400)``: days since 1970-01-01 in
the workspace's time zone. The offset is a ``CASE`` over the zone's transitions (found in Python
with :mod:`zoneinfo` between :data:`FIRST_YEAR` and :data:`LAST_YEAR`; outside that range the
nearest offset holds), so the expression is plain integer arithmetic that DuckDB and Spark
compute alike. An instant is in the period ``[date_from, date_to]`` exactly when its day is
between those dates' numbers, the same rule as :func:`socialroi.metrics._period.period_bounds`.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

__all__ = ["FIRST_YEAR", "LAST_YEAR", "day_number", "local_day"]

FIRST_YEAR = 2000
LAST_YEAR = 2045
_EPOCH = dt.date(1970, 1, 1)
_DAY_S = 86_400


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (the ``day`` column of the daily aggregates)."""
    return (day - _EPOCH).days


def _offset(zone: ZoneInfo, epoch: int) -> int:
    at = dt.datetime.fromtimestamp(epoch, dt.UTC).astimezone(zone)
    off = at.utcoffset()
    return int(off.total_seconds()) if off is not None else 0


@lru_cache(maxsize=64)
def transitions(timezone: str) -> tuple[tuple[int, int], ...]:
    """``((from_epoch, offset_s), …)``: the zone's UTC offset from each instant on, in order."""
    zone = ZoneInfo(timezone)
    start = int(dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC).timestamp())
    end = int(dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC).timestamp())
    out = [(start, _offset(zone, start))]
    step = 6 * 3600  # zones change offset at most twice a year, never twice within 6 hours
    for at in range(start, end, step):
        if _offset(zone, at + step) == out[-1][1]:
            continue
        lo, hi = at, at + step  # offset(lo) is the current one, offset(hi) the next
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset(zone, mid) == out[-1][1]:
                lo = mid
            else:
                hi = mid
        out.append((hi, _offset(zone, hi)))
    return tuple(out)


def local_day(ts: ir.TimestampValue, timezone: str) -> ir.IntegerValue:
    """The workspace-calendar day number of the naive UTC timestamp ``ts`` (module docstring)."""
    epoch = ts.truncate("s").epoch_seconds().cast("int64")
    steps = transitions(timezone)
    if len(steps) == 1:
        offset: ir.IntegerValue = ibis.literal(steps[0][1], type="int64")
    else:
        offset = ibis.cases(
            *((epoch < nxt, ibis.literal(off, type="int64"))
              for (_, off), (nxt, _) in zip(steps, steps[1:], strict=False)),
            else_=ibis.literal(steps[-1][1], type="int64"),
        )  # fmt: skip
    return ((epoch + offset) // _DAY_S).cast("int64")
