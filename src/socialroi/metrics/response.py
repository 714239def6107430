"""Customer response: response rate, first-response time, SLA share (social-metrics.md §3).

Definitions (``docs/metrics.md``, "Customer response"):

- A **case** is an inbound message that needs a response: ``direction = 'inbound'`` and
  ``needs_response`` true or null (the contract's default for inbound). ``needs_response = false``
  is never a case.
- Its **first response** is the earliest outbound message sent after it (ties: the smallest
  ``message_id``) that belongs to the case's conversation: the same non-null ``thread_id`` (sent
  strictly later), or an ``in_reply_to`` naming the case itself (one step of the reply chain; sent
  at the same second or later). Replies after the period's end count (the period selects cases by
  their received time).
- Several inbound messages before one reply are **each** a case answered by that reply, and each
  first-response time (FRT) is measured from its own received time (Sprout's and Hootsuite's
  convention: from each inbound message to the first reply after it).
- **Calendar FRT** = replied_at − received_at in seconds (24/7, Hootsuite's default).
- **Business-hours FRT** (Orlo's convention): only the seconds inside business hours between
  received and replied count; a case received and answered within the same out-of-hours period
  (no business second in between) keeps its full calendar time. Business hours are local to a time
  zone (default the workspace's; daylight saving included): a Python-built calendar of business
  intervals (:func:`business_calendar`, one row per local day from the period's first day to
  :data:`CALENDAR_HORIZON_DAYS` after its last) is joined by range, and business seconds are
  differences of a running total, so the engines compute them with plain arithmetic.
- **Medians and p90** are exact and identical on DuckDB and Spark: the answered cases of a group
  are numbered in order of their FRT (``row_number``) and the quantile is interpolated linearly
  between the two closest ranks (the default of NumPy and DuckDB's ``quantile_cont``: position
  h = (n − 1)·q; the median of an even count is the mean of the two middle values).
- Timestamps are compared in whole seconds (``epoch_seconds`` of the second-truncated UTC time).
- A ratio over zero is null (:func:`~socialroi.metrics.roi.ratio`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ibis
import ibis.expr.types as ir

from socialroi.engine import DuckDBEngine, Engine, Tables, memtable
from socialroi.errors import ConfigError
from socialroi.metrics._period import period_bounds
from socialroi.metrics._types import TIMESTAMP
from socialroi.metrics.funnel import customers
from socialroi.metrics.people import contact_person, visitor_contacts
from socialroi.metrics.roi import ratio
from socialroi.visits._text import trim

__all__ = [
    "CALENDAR_HORIZON_DAYS",
    "DEFAULT_SLA_S",
    "BusinessHours",
    "business_calendar",
    "cases",
    "first_responses",
    "load_business_hours",
    "response_by",
    "response_section",
    "response_stats",
    "save_business_hours",
    "unanswered_threads",
]

#: Default service level: answered within one hour.
DEFAULT_SLA_S = 3600
#: Days after the period's last day covered by the business calendar; a reply later than that
#: has a null business-hours FRT (its calendar FRT is still exact).
CALENDAR_HORIZON_DAYS = 366

_MONDAY_TO_FRIDAY = (0, 1, 2, 3, 4)
_MINUTE = 60.0
_RATIO_DECIMALS = 4
_MINUTES_DECIMALS = 2


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Office hours: ``start``–``end`` local time on ``days`` (0 = Monday … 6 = Sunday).

    ``timezone`` is an IANA name; ``None`` means the workspace's time zone. Defaults: 09:00–17:00,
    Monday to Friday (Sprout's default). Raises ``ConfigError`` when ``start`` is not before
    ``end``, a day is outside 0–6 or the time zone is unknown.
    """

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)
    days: tuple[int, ...] = _MONDAY_TO_FRIDAY
    timezone: str | None = None

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ConfigError(
                f"business hours start at {self.start} but end at {self.end}",
                hint="pass a start before the end, e.g. 09:00-17:00",
            )
        if any(d not in range(7) for d in self.days):
            raise ConfigError(
                f"business days must be 0 (Monday) to 6 (Sunday), got {list(self.days)}",
                hint="e.g. days=(0, 1, 2, 3, 4) for Monday to Friday",
            )
        if self.timezone is not None:
            _zone(self.timezone)


def load_business_hours(engine: DuckDBEngine, workspace_id: str) -> BusinessHours:
    """The workspace's saved office hours (table ``business_hours``, set on the settings page),
    or the default :class:`BusinessHours` when none are saved."""
    rows = engine.run(
        "SELECT start_time, end_time, days, timezone FROM business_hours WHERE workspace_id = ?",
        [workspace_id],
    )
    if not rows:
        return BusinessHours()
    start, end, days, zone = rows[0]
    return BusinessHours(start, end, tuple(int(d) for d in str(days).split(",") if d), zone)


def save_business_hours(engine: DuckDBEngine, workspace_id: str, hours: BusinessHours) -> None:
    """Save ``hours`` as the workspace's office hours (replacing the previous ones)."""
    engine.workspace(workspace_id)
    with engine.transaction():
        engine.run("DELETE FROM business_hours WHERE workspace_id = ?", [workspace_id])
        engine.run(
            "INSERT INTO business_hours VALUES (?, ?, ?, ?, ?)",
            [
                workspace_id,
                hours.start,
                hours.end,
                ",".join(str(d) for d in sorted(set(hours.days))),
                hours.timezone,
            ],
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {name!r}", hint="use an IANA name such as Europe/Paris"
        ) from exc


def _epoch(local: dt.datetime) -> int:
    return int(local.timestamp())


def business_calendar(
    hours: BusinessHours, timezone: str, first: dt.date, last: dt.date
) -> ir.Table:
    """The business intervals of each local day from ``first`` to ``last`` (a literal table).

    Parameters
    ----------
    hours
        The office hours; ``hours.timezone`` overrides ``timezone``.
    timezone
        The workspace's time zone (IANA), used when ``hours.timezone`` is None.
    first, last
        The local days covered, both included.

    Returns
    -------
    An ``ibis.memtable``, one row per local day, all in UTC epoch seconds (int64):
    ``cal_day_lo`` and ``cal_day_hi`` (local midnight to next midnight, half-open),
    ``cal_open`` and ``cal_close`` (the office hours; equal to ``cal_day_lo`` on a closed day),
    ``cal_before`` (business seconds of all earlier days of the table).
    The business seconds up to an instant x of that day are
    ``cal_before + clip(x − cal_open, 0, cal_close − cal_open)``.

    Tested by ``tests/metrics/test_response.py::test_worked_example_business_hours``.
    """
    zone = _zone(hours.timezone or timezone)
    cols: dict[str, list[int]] = {
        "cal_day_lo": [], "cal_day_hi": [], "cal_open": [], "cal_close": [], "cal_before": [],
    }  # fmt: skip
    before = 0
    day = first
    while day <= last:
        lo = _epoch(dt.datetime.combine(day, dt.time.min, tzinfo=zone))
        hi = _epoch(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
        if day.weekday() in hours.days:
            opens = _epoch(dt.datetime.combine(day, hours.start, tzinfo=zone))
            closes = _epoch(dt.datetime.combine(day, hours.end, tzinfo=zone))
        else:
            opens = closes = lo
        for key, value in zip(cols, (lo, hi, opens, closes, before), strict=True):
            cols[key].append(value)
        before += closes - opens
        day += dt.timedelta(days=1)
    return memtable(cols, schema=dict.fromkeys(cols, "int64"))


def _seconds(ts: ir.TimestampValue) -> ir.IntegerValue:
    """UTC epoch seconds of a naive UTC timestamp, truncated to the second."""
    value: ir.IntegerValue = ts.truncate("s").epoch_seconds().cast("int64")
    return value


def _direction(m: ir.Table) -> ir.StringValue:
    return trim(m.direction).lower()


def _period(t: Tables, date_from: dt.date, date_to: dt.date) -> tuple[ir.Value, ir.Value]:
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    return ibis.literal(start, type="timestamp"), ibis.literal(end, type="timestamp")


def cases(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Inbound messages needing a response, received in the period.

    A case: ``direction = 'inbound'`` (trimmed, any case) and ``needs_response`` true or null.

    Returns
    -------
    One row per case: ``message_id``, ``thread_id``, ``network``, ``contact_id``, ``in_agent``
    (the inbound message's own ``agent``, e.g. the assignee), ``received_at``.
    """
    m = t.messages
    lo, hi = _period(t, date_from, date_to)
    inbound = m.filter(
        _direction(m) == "inbound",
        m.needs_response.coalesce(ibis.literal(True)),
        m.sent_at >= lo,
        m.sent_at < hi,
    )
    return inbound.select(
        message_id=inbound.message_id.cast("string"),
        thread_id=inbound.thread_id.cast("string"),
        network=inbound.network.cast("string"),
        contact_id=inbound.contact_id.cast("string"),
        in_agent=inbound.agent.cast("string"),
        received_at=inbound.sent_at.cast(TIMESTAMP),
    )


def _first_reply(c: ir.Table, m: ir.Table) -> ir.Table:
    """The first outbound reply of each case: ``r_case_id``, ``r_id``, ``r_agent``, ``r_at``."""
    out = m.filter(_direction(m) == "outbound")
    o = out.select(
        o_id=out.message_id.cast("string"),
        o_thread_id=out.thread_id.cast("string"),
        o_in_reply_to=out.in_reply_to.cast("string"),
        o_agent=out.agent.cast("string"),
        o_at=out.sent_at.cast(TIMESTAMP),
    )
    k = c.select(k_id=c.message_id, k_thread_id=c.thread_id, k_at=c.received_at)
    by_thread = k.join(o, [k.k_thread_id == o.o_thread_id, o.o_at > k.k_at])
    by_thread = by_thread.select(
        r_case_id=by_thread.k_id, r_id=by_thread.o_id, r_agent=by_thread.o_agent,
        r_at=by_thread.o_at,
    )  # fmt: skip
    by_chain = k.join(o, [o.o_in_reply_to == k.k_id, o.o_at >= k.k_at])
    by_chain = by_chain.select(
        r_case_id=by_chain.k_id, r_id=by_chain.o_id, r_agent=by_chain.o_agent,
        r_at=by_chain.o_at,
    )  # fmt: skip
    every = ibis.union(by_thread, by_chain)
    rank = ibis.row_number().over(group_by=every.r_case_id, order_by=[every.r_at, every.r_id])
    first = every.mutate(r_rank=rank).filter(lambda r: r["r_rank"] == 0)
    return first.drop("r_rank")


def _business_seconds_to(table: ir.Table, epoch_col: str, cal: ir.Table, prefix: str) -> ir.Table:
    """``table`` plus ``<prefix>_b`` (business seconds since the calendar start up to
    ``epoch_col``) and ``<prefix>_in_hours``; null when the instant is outside the calendar."""
    c = cal.rename({f"{prefix}_{name[4:]}": name for name in cal.columns})
    lo, hi = c[f"{prefix}_day_lo"], c[f"{prefix}_day_hi"]
    x = table[epoch_col]
    joined = table.left_join(c, [lo <= x, x < hi])
    opens, closes = joined[f"{prefix}_open"], joined[f"{prefix}_close"]
    at = joined[epoch_col]
    inside = ibis.greatest(ibis.least(at, closes), opens) - opens
    return joined.mutate(
        **{
            f"{prefix}_b": joined[f"{prefix}_before"] + inside,
            f"{prefix}_in_hours": (at >= opens) & (at < closes),
        }
    ).drop(*(f"{prefix}_{n[4:]}" for n in cal.columns))


def first_responses(
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    *,
    business_hours: BusinessHours | None = None,
) -> ir.Table:
    """Each case received in the period with its first response.

    FRT = replied_at − received_at (calendar seconds); business FRT (Orlo) = business seconds
    between them, or the calendar FRT when that is 0 (received and answered within the same
    out-of-hours period). See the module docstring for cases and replies.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period (cases by received time), both days included, workspace calendar.
    business_hours
        Office hours for ``business_response_s``; default :class:`BusinessHours` () — 09:00–17:00
        Monday to Friday in the workspace's time zone.

    Returns
    -------
    One row per case: ``message_id``, ``thread_id``, ``network``, ``contact_id``, ``agent`` (of
    the reply, else the inbound message's own agent), ``received_at``, ``reply_id``,
    ``replied_at`` (null when unanswered), ``first_response_s`` (int64 calendar seconds),
    ``business_response_s`` (int64; null when unanswered or when the reply is after the business
    calendar, see :data:`CALENDAR_HORIZON_DAYS`), ``is_answered``, ``is_reply_in_business_hours``
    (Sprout's classification by the reply's timestamp; null when unanswered), ``is_customer``
    (the contact was a customer, :func:`~socialroi.metrics.funnel.customers`, at or before the
    received time).

    Tested by ``tests/metrics/test_response.py::test_worked_example_calendar`` and
    ``::test_worked_example_business_hours``.
    """
    hours = business_hours or BusinessHours()
    x = _replied_cases(t, date_from, date_to)
    cu = customers(t, visitor_contacts(t))
    cu = cu.select(cu_person_id=cu.person_id, cu_at=cu.customer_at)
    x = x.left_join(cu, contact_person(x.contact_id) == cu.cu_person_id)
    x = x.mutate(q_epoch=_seconds(x.received_at), a_epoch=_seconds(x.replied_at))

    cal = business_calendar(
        hours, t.workspace.timezone, date_from, date_to + dt.timedelta(days=CALENDAR_HORIZON_DAYS)
    )
    x = _business_seconds_to(x, "q_epoch", cal, "q")
    x = _business_seconds_to(x, "a_epoch", cal, "a")
    business_s = x.a_b - x.q_b
    return x.select(
        *_REPLIED_COLUMNS[:-1],
        business_response_s=ibis.ifelse(business_s == 0, x.first_response_s, business_s).cast(
            "int64"
        ),
        is_answered=x.is_answered,
        is_reply_in_business_hours=ibis.ifelse(x.is_answered, x.a_in_hours, ibis.null("boolean")),
        is_customer=(x.cu_at.notnull() & (x.cu_at <= x.received_at)).coalesce(False),
    )


_REPLIED_COLUMNS = (
    "message_id",
    "thread_id",
    "network",
    "contact_id",
    "agent",
    "received_at",
    "reply_id",
    "replied_at",
    "first_response_s",
    "is_answered",
)


def _replied_cases(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Cases with their first reply and calendar FRT only (:data:`_REPLIED_COLUMNS`): the
    light plan for calendar-time statistics, without the customer and business-hours joins."""
    c = cases(t, date_from, date_to)
    reply = _first_reply(c, t.messages)
    x = c.left_join(reply, c.message_id == reply.r_case_id)
    return x.select(
        "message_id",
        "thread_id",
        "network",
        "contact_id",
        agent=x.r_agent.coalesce(x.in_agent),
        received_at=x.received_at,
        reply_id=x.r_id,
        replied_at=x.r_at,
        first_response_s=(_seconds(x.r_at) - _seconds(x.received_at)).cast("int64"),
        is_answered=x.r_at.notnull(),
    )


def _quantile(
    value: ir.NumericValue, rank: ir.IntegerValue, n: ir.IntegerValue, percent: int
) -> ir.FloatingValue:
    """Weight of a row in the linear-interpolation quantile of its group (summed → quantile).

    Position h = (n − 1)·percent/100 (0-based ranks), lo = ⌊h⌋, f = h − lo: the row of rank lo
    weighs 1 − f and the row of rank lo + 1 weighs f. Integer arithmetic up to the last division,
    so both engines agree exactly.
    """
    scaled = (n - 1) * percent
    lo = (scaled / 100).floor().cast("int64")
    frac = (scaled - lo * 100).cast("float64") / 100.0
    weight = ibis.cases((rank == lo, 1.0 - frac), (rank == lo + 1, frac), else_=0.0)
    product: ir.FloatingValue = value.cast("float64") * weight
    return product


def response_stats(
    frt: ir.Table,
    keys: Sequence[str],
    *,
    value: str = "first_response_s",
    sla_s: int = DEFAULT_SLA_S,
) -> ir.Table:
    """Response statistics of a table of cases, grouped by ``keys``.

    Parameters
    ----------
    frt
        Cases with ``message_id``, ``is_answered`` and the seconds column ``value``
        (:func:`first_responses`, possibly filtered).
    keys
        Grouping columns (``[]`` for one row over all cases).
    value
        ``first_response_s`` (calendar) or ``business_response_s``.
    sla_s
        The service level in seconds.

    Returns
    -------
    One row per group (exactly one when ``keys`` is empty, even with no case): the keys,
    ``inbound`` (cases), ``answered``, ``response_rate`` = answered ÷ inbound,
    ``mean_first_response_minutes``, ``median_first_response_minutes``,
    ``p90_first_response_minutes`` (over answered cases with a non-null ``value``; null when
    none), ``within_sla`` = cases answered within ``sla_s`` (value ≤ sla_s) ÷ inbound. Ratios
    over 0 are null.

    Tested by ``tests/metrics/test_response.py::test_worked_example_calendar`` (and every test
    of ``response_by``).
    """
    secs = frt[value]
    has = frt.is_answered & secs.notnull()
    part = [*(frt[k] for k in keys), has]
    x = frt.mutate(
        s_has=has,
        s_rank=ibis.row_number().over(group_by=part, order_by=secs),
        s_n=secs.count().over(group_by=part),
    )
    s = x[value]
    grouped = x.group_by([x[k] for k in keys]) if keys else x
    agg = grouped.aggregate(
        inbound=x.message_id.count(),
        answered=x.message_id.count(where=x.is_answered),
        s_mean=s.cast("float64").mean(where=x.s_has),
        s_median=_quantile(s, x.s_rank, x.s_n, 50).sum(where=x.s_has),
        s_p90=_quantile(s, x.s_rank, x.s_n, 90).sum(where=x.s_has),
        s_sla=x.message_id.count(where=x.s_has & (s <= sla_s)),
    )
    return agg.select(
        *keys,
        inbound=agg.inbound.cast("int64"),
        answered=agg.answered.cast("int64"),
        response_rate=ratio(agg.answered, agg.inbound),
        mean_first_response_minutes=agg.s_mean / _MINUTE,
        median_first_response_minutes=agg.s_median / _MINUTE,
        p90_first_response_minutes=agg.s_p90 / _MINUTE,
        within_sla=ratio(agg.s_sla, agg.inbound),
    )


def response_by(
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    *,
    by: Literal["network", "agent"] | None = "network",
    customers_only: bool = False,
    sla_s: int = DEFAULT_SLA_S,
    business_hours: BusinessHours | None = None,
) -> ir.Table:
    """Response rate, first-response time and SLA share of the cases received in the period.

    response_rate = answered ÷ inbound; FRT mean, median, p90 in minutes over answered cases;
    within_sla = answered within ``sla_s`` ÷ inbound (an unanswered case misses the SLA).

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period (by received time), both days included.
    by
        ``"network"`` (of the inbound message), ``"agent"`` (of the reply, else the inbound
        message's agent; unanswered unassigned cases are the row with a null agent) or ``None``
        (one row).
    customers_only
        Keep only cases from contacts who were customers at the received time.
    sla_s
        The service level in seconds (default 3,600: one hour).
    business_hours
        ``None``: calendar time (24/7). Else the Orlo business-hours FRT of those hours.

    Returns
    -------
    One row per group (one row when ``by`` is None, even with no case): see
    :func:`response_stats`. With no case, counts are 0 and every ratio and time is null.

    Tested by ``tests/metrics/test_response.py::test_worked_example_calendar``,
    ``::test_worked_example_business_hours``, ``::test_by_network_and_by_agent``,
    ``::test_customers_only``, ``::test_sla_share``, ``::test_zero_inbound_is_null``.
    """
    if by not in ("network", "agent", None):
        raise ConfigError(f"cannot group responses by {by!r}", hint="use network, agent or None")
    if customers_only or business_hours is not None:
        frt = first_responses(t, date_from, date_to, business_hours=business_hours)
    else:
        frt = _replied_cases(t, date_from, date_to)
    if customers_only:
        frt = frt.filter(frt.is_customer)
    value = "first_response_s" if business_hours is None else "business_response_s"
    return response_stats(frt, [by] if by else [], value=value, sla_s=sla_s)


def unanswered_threads(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Conversations waiting for a reply: threads with an unanswered case received in the period.

    A thread is ``thread_id``, else the case's own ``message_id`` (a message outside any thread).

    Returns
    -------
    One row per thread: ``thread_id``, ``network``, ``contact_id`` (the smallest among its
    unanswered cases), ``unanswered`` (number of unanswered cases), ``first_received_at`` (the
    oldest unanswered case: how long the customer has waited), ``last_received_at``. Ordered by
    nothing (sort when presenting; oldest first is usual).

    Tested by ``tests/metrics/test_response.py::test_unanswered_threads``.
    """
    frt = _replied_cases(t, date_from, date_to)
    open_ = frt.filter(~frt.is_answered)
    open_ = open_.mutate(thread=open_.thread_id.coalesce(open_.message_id))
    return open_.group_by(thread_id=open_.thread).aggregate(
        network=open_.network.min(),
        contact_id=open_.contact_id.min(),
        unanswered=open_.message_id.count().cast("int64"),
        first_received_at=open_.received_at.min(),
        last_received_at=open_.received_at.max(),
    )


_SECTION_KEYS = (
    "inbound",
    "answered",
    "response_rate",
    "median_first_response_minutes",
    "mean_first_response_minutes",
    "p90_first_response_minutes",
    "within_sla",
)


def _rounded(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in keys:
        v = row[k]
        if v is None or k == "network":
            out[k] = v
        elif k in ("inbound", "answered"):
            out[k] = int(v)
        elif k.endswith("_minutes"):
            out[k] = round(float(v), _MINUTES_DECIMALS) + 0.0
        else:
            out[k] = round(float(v), _RATIO_DECIMALS) + 0.0
    return out


def response_section(
    engine: Engine,
    workspace_id: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    sla_s: int = DEFAULT_SLA_S,
) -> dict[str, Any]:
    """The ``response`` part of ``socialroi summary`` (calendar time, 24/7), one engine query.

    Returns
    -------
    ``{"inbound", "answered", "response_rate", "median_first_response_minutes",
    "mean_first_response_minutes", "p90_first_response_minutes", "within_sla", "by_network"}``;
    ``by_network`` lists the same keys plus ``network`` for each network with a case, ordered by
    inbound descending then network. Minutes rounded to 2 decimals, ratios to 4; null when
    there is no case (or no answered case, for times).

    Tested by ``tests/metrics/test_response.py::test_response_section_same_on_both``.
    """
    t = engine.tables(workspace_id)
    frt = _replied_cases(t, date_from, date_to)
    total = response_stats(frt, [], sla_s=sla_s)
    total = total.mutate(network=ibis.null("string"), is_total=ibis.literal(True))
    per = response_stats(frt, ["network"], sla_s=sla_s)
    per = per.mutate(network=per.network.cast("string"), is_total=ibis.literal(False))
    rows = engine.execute(ibis.union(total, per.select(*total.columns))).to_pylist()
    head = next(r for r in rows if r["is_total"])
    networks = [_rounded(r, ("network", *_SECTION_KEYS)) for r in rows if not r["is_total"]]
    networks.sort(key=lambda r: (-r["inbound"], r["network"] or ""))
    return {**_rounded(head, _SECTION_KEYS), "by_network": networks}
