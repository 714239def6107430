"""The reporting period and the rounding every section of ``socialroi summary`` shares."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from socialroi.errors import ConfigError

__all__ = ["MONEY_DECIMALS", "RATIO_DECIMALS", "compare_period", "period_bounds"]

#: Money is rounded to cents and ratios (fractions: 0.25 = 25 %) to 4 decimals, at the very end.
MONEY_DECIMALS = 2
RATIO_DECIMALS = 4


def period_bounds(
    date_from: dt.date, date_to: dt.date, timezone: str
) -> tuple[dt.datetime, dt.datetime]:
    """The period as UTC instants: [date_from 00:00, date_to + 1 day 00:00) in ``timezone``.

    Returns naive UTC datetimes (timestamps are stored as naive UTC). Raises ``ConfigError``
    when ``date_from`` is after ``date_to``.
    """
    if date_from > date_to:
        raise ConfigError(
            f"the period starts after it ends ({date_from} > {date_to})",
            hint="pass --from on or before --to",
        )
    zone = ZoneInfo(timezone)

    def utc(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    return utc(date_from), utc(date_to + dt.timedelta(days=1))


def compare_period(
    date_from: dt.date, date_to: dt.date, compare: Literal["previous", "yoy"]
) -> tuple[dt.date, dt.date]:
    """The comparison period of ``[date_from, date_to]``.

    ``previous``: the same number of days ending the day before ``date_from``
    (2025-04-01..2025-06-30, 91 days → 2024-12-31..2025-03-31). ``yoy``: the same calendar
    dates one year earlier, 29 February becoming 28 February.
    """
    if compare == "previous":
        days = (date_to - date_from).days + 1
        end = date_from - dt.timedelta(days=1)
        return end - dt.timedelta(days=days - 1), end

    def year_back(day: dt.date) -> dt.date:
        if day.month == 2 and day.day == 29:
            return dt.date(day.year - 1, 2, 28)
        return day.replace(year=day.year - 1)

    return year_back(date_from), year_back(date_to)
