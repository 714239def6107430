"""The reporting period and the rounding every section of ``socialroi summary`` shares."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from socialroi.errors import ConfigError

__all__ = ["MONEY_DECIMALS", "RATIO_DECIMALS", "period_bounds"]

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
