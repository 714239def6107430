"""Daily aggregates: what the overview and ``channel_summary`` need, per workspace-calendar day.

Grain: one row per (``day``, ``network``, ``channel``, ``campaign``) with a fact, where ``day``
is the day number of the workspace calendar (:func:`socialroi.metrics._days.local_day`):

- ``visits``: visits *started* that day, under the visit's own network, channel and campaign;
- ``leads``, ``customers``: people who *became* a lead / customer that day (each person once,
  on their conversion day: distinct people are not additive over days, conversion events are),
  under the person's first-touch network and channel (:func:`socialroi.metrics.people
  .first_touch`; ``Unassigned`` without a touch) and their first visit's campaign;
- ``revenue``: the net revenue items dated that day (won deals, purchases, refunds), under the
  same first touch.

These are the summary's own facts (:func:`socialroi.metrics.summary.summary_facts`) before the
period filter, so any period's visits, leads, customers and revenue are sums of days. Costs and
staff hours are not stored: they are read from their own small tables for the period.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from socialroi.engine import Tables
from socialroi.metrics._days import local_day
from socialroi.metrics._plan import computed_once
from socialroi.metrics.funnel import customers, leads
from socialroi.metrics.people import (
    UNASSIGNED,
    first_touch,
    first_visit,
    person_visits,
    visitor_contacts,
)
from socialroi.metrics.revenue import revenue_items
from socialroi.visits import sessions

__all__ = ["DAILY_COLUMNS", "DAILY_SOURCES", "daily_facts"]

#: Columns of the daily aggregates, in order.
DAILY_COLUMNS: tuple[str, ...] = (
    "workspace_id", "day", "network", "channel", "campaign",
    "visits", "leads", "customers", "revenue",
)  # fmt: skip

#: The tables the daily aggregates are computed from.
DAILY_SOURCES: tuple[str, ...] = (
    "web_events", "clicks", "links", "posts", "profiles", "contacts", "deals", "fx_rates",
)  # fmt: skip


def daily_facts(t: Tables) -> ir.Table:
    """The daily aggregates of the workspace (module docstring), computed from ``t``.

    Reads the stored sessions when ``t`` has them fresh (``sessions(t)``).
    Tested by ``tests/metrics/test_daily_aggregates.py`` (equal to ``channel_summary`` computed
    from the entities, for random periods; the same rows on DuckDB and Spark).
    """
    tz = t.workspace.timezone
    visits = computed_once(
        sessions(t).select("visitor_id", "session_id", "started_at", "channel", "network",
                           "campaign", "post_id")
    )  # fmt: skip
    links = computed_once(visitor_contacts(t))
    pv = computed_once(person_visits(visits, links))
    touch = first_touch(t, pv)
    fv = first_visit(visits, links)
    zero_f = ibis.literal(0.0, type="float64")
    zero = ibis.literal(0, type="int64")
    one = ibis.literal(1, type="int64")
    visit_rows = visits.select(
        day=local_day(visits.started_at, tz),
        network=visits.network.cast("string"),
        channel=visits.channel.cast("string"),
        campaign=visits.campaign.cast("string"),
        visits=one, leads=zero, customers=zero, revenue=zero_f,
    )  # fmt: skip
    ld, cu, rv = leads(t, links), customers(t, links), revenue_items(t, links)
    events = ibis.union(
        ld.select("person_id", at=ld.lead_at, leads=one, customers=zero, revenue=zero_f),
        cu.select("person_id", at=cu.customer_at, leads=zero, customers=one, revenue=zero_f),
        rv.select("person_id", at=rv.at, leads=zero, customers=zero,
                  revenue=rv.revenue.cast("float64")),
    )  # fmt: skip
    ft = touch.select(ft_person_id=touch.person_id, ft_channel=touch.channel,
                      ft_network=touch.network)  # fmt: skip
    pe = events.left_join(ft, events.person_id == ft.ft_person_id)
    pe = pe.left_join(fv, pe.person_id == fv.fv_person_id)
    person_rows = pe.select(
        day=local_day(pe.at, tz),
        network=pe.ft_network.cast("string"),
        channel=pe.ft_channel.coalesce(ibis.literal(UNASSIGNED)).cast("string"),
        campaign=pe.fv_campaign.cast("string"),
        visits=zero, leads=pe.leads, customers=pe.customers, revenue=pe.revenue,
    )  # fmt: skip
    rows = ibis.union(visit_rows, person_rows)
    agg = rows.group_by("day", "network", "channel", "campaign").aggregate(
        visits=rows.visits.sum().cast("int64"),
        leads=rows.leads.sum().cast("int64"),
        customers=rows.customers.sum().cast("int64"),
        revenue=rows.revenue.sum().cast("float64"),
    )
    ws = ibis.literal(t.workspace.workspace_id).name("workspace_id")
    return agg.select(ws, *DAILY_COLUMNS[1:])
