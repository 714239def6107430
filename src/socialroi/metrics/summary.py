"""The summary of a period: visits, leads, customers, revenue, cost and ROI (``socialroi summary``).

How the numbers are counted (data-contract.md, "Business definitions" and the JSON shape):

- a **visit** counts under its own channel and network, when it starts in the period;
- a **lead**, **customer** and **revenue** item count under the person's first-touch channel and
  network (HubSpot's Sources report; :mod:`socialroi.metrics.people`), when their time is in the
  period; a person without any touch is under ``Unassigned``;
- **cost** counts under the cost's network; costs and staff hours with no network count in
  ``totals`` and in ``totals.unallocated_cost`` (the unallocated part of cost *with* labour), never
  in a network's row;
- ``social`` sums the rows of ``by_network`` whose network is a social network (all of
  ``NETWORKS``), so social + the other rows + unallocated = totals.

The period ``[date_from, date_to]`` is in workspace calendar days; its bounds are converted to UTC
in Python (the workspace time zone, daylight saving included) and compared as literals with the
stored UTC timestamps. Money is rounded to 2 decimals and ratios to 4 decimals at the very end.

One engine query computes everything: a table of facts (one row per visit, lead, customer,
revenue item, cost and staff-hours row in the period) is aggregated once by (network, channel);
totals, social, by_network and by_channel are roll-ups of that small table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from socialroi.engine import Engine, Tables
from socialroi.metrics._days import day_number
from socialroi.metrics._period import MONEY_DECIMALS, RATIO_DECIMALS, period_bounds
from socialroi.metrics._plan import computed_once
from socialroi.metrics.cost import cost_in_period, labour_cost
from socialroi.metrics.funnel import customers, leads
from socialroi.metrics.people import UNASSIGNED, first_touch, person_visits, visitor_contacts
from socialroi.metrics.revenue import revenue_items
from socialroi.metrics.roi import cost_per_customer, cost_per_lead, roi, roi_with_labour
from socialroi.schema.entities import NETWORKS
from socialroi.visits import sessions

__all__ = [
    "MONEY_DECIMALS",
    "RATIO_DECIMALS",
    "SECTIONS",
    "period_bounds",
    "channel_summary",
    "cost_facts",
    "daily_period_facts",
    "period_person_events",
    "summary_cube",
    "summary_facts",
    "summary_sections",
]


_COUNTS = ("visits", "leads", "customers")
_MONEY = ("revenue", "cost", "cost_with_labour", "unallocated_cost")
_RATIOS = ("roi", "roi_with_labour", "cost_per_lead", "cost_per_customer")
_TOTALS_KEYS = (*_COUNTS, "revenue", "cost", "cost_with_labour", "roi", "roi_with_labour",
                "unallocated_cost")  # fmt: skip
_SOCIAL_KEYS = (*_COUNTS, "revenue", "cost", "cost_with_labour", "roi", "roi_with_labour")
_NETWORK_KEYS = ("network", *_SOCIAL_KEYS, "cost_per_lead", "cost_per_customer")
_CHANNEL_KEYS = ("channel", *_COUNTS, "revenue")


def _float(value: ir.Value | float) -> ir.Value:
    return (
        ibis.literal(value, type="float64") if isinstance(value, float) else value.cast("float64")
    )


def _fact(
    table: ir.Table,
    *,
    network: ir.Value,
    channel: ir.Value,
    visits: int = 0,
    leads: int = 0,
    customers: int = 0,
    revenue: ir.Value | float = 0.0,
    cost: ir.Value | float = 0.0,
    labour: ir.Value | float = 0.0,
) -> ir.Table:
    return table.select(
        network=network.cast("string"),
        channel=channel.cast("string"),
        visits=ibis.literal(visits, type="int64"),
        leads=ibis.literal(leads, type="int64"),
        customers=ibis.literal(customers, type="int64"),
        revenue=_float(revenue),
        cost=_float(cost),
        labour=_float(labour),
    )


def period_person_events(t: Tables, links: ir.Table, lo: ir.Value, hi: ir.Value) -> ir.Table:
    """Each lead, customer and revenue item dated in ``[lo, hi)``, one row each, by person.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    links
        :func:`socialroi.metrics.people.visitor_contacts`.
    lo, hi
        The period's UTC bounds as timestamp literals (:func:`period_bounds`).

    Returns
    -------
    ``person_id``, ``leads``, ``customers`` (int64, 0 or 1) and ``revenue`` (float64, base
    currency; 0 for a lead or a customer row).
    """
    ld = leads(t, links)
    ld = ld.filter(ld.lead_at >= lo, ld.lead_at < hi)
    cu = customers(t, links)
    cu = cu.filter(cu.customer_at >= lo, cu.customer_at < hi)
    rv = revenue_items(t, links)
    rv = rv.filter(rv.at >= lo, rv.at < hi)
    zero = ibis.literal(0, type="int64")
    return ibis.union(
        ld.select("person_id", leads=ibis.literal(1, type="int64"), customers=zero,
                  revenue=ibis.literal(0.0, type="float64")),
        cu.select("person_id", leads=zero, customers=ibis.literal(1, type="int64"),
                  revenue=ibis.literal(0.0, type="float64")),
        rv.select("person_id", leads=zero, customers=zero, revenue=rv.revenue.cast("float64")),
    )  # fmt: skip


def summary_facts(t: Tables, visits: ir.Table, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Everything that counts in the period, one row per fact.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    visits
        One row per visit, all time (``socialroi.visits.sessions(t)``).
    date_from, date_to
        The period, both days included, in the workspace's calendar.

    Returns
    -------
    One row per visit started, lead, customer and revenue item dated, cost row overlapping and
    staff-hours row dated in the period: ``network``, ``channel`` (null for cost and hours),
    ``visits``, ``leads``, ``customers`` (0 or 1), ``revenue``, ``cost``, ``labour``.
    """
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    lo = ibis.literal(start, type="timestamp")
    hi = ibis.literal(end, type="timestamp")
    links = computed_once(visitor_contacts(t))
    pv = computed_once(person_visits(visits, links))
    touch = first_touch(t, pv)

    in_period = pv.filter(pv.started_at >= lo, pv.started_at < hi)
    visit_facts = _fact(in_period, network=in_period.network, channel=in_period.channel, visits=1)

    person_events = period_person_events(t, links, lo, hi)
    ft = touch.select(ft_person_id=touch.person_id, ft_channel=touch.channel,
                      ft_network=touch.network)  # fmt: skip
    pe = person_events.left_join(ft, person_events.person_id == ft.ft_person_id)
    person_facts = pe.select(
        network=pe.ft_network.cast("string"),
        channel=pe.ft_channel.coalesce(ibis.literal(UNASSIGNED)).cast("string"),
        visits=ibis.literal(0, type="int64"),
        leads=pe.leads,
        customers=pe.customers,
        revenue=pe.revenue,
        cost=ibis.literal(0.0, type="float64"),
        labour=ibis.literal(0.0, type="float64"),
    )

    return ibis.union(visit_facts, person_facts, cost_facts(t, date_from, date_to))


def cost_facts(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """The period's cost rows (pro rata of their days) and staff-hours rows as facts: ``network``
    (null = unallocated), ``channel`` null, ``cost`` or ``labour``, the other measures 0."""
    c = cost_in_period(t.costs, date_from, date_to)
    no_channel = ibis.null("string")
    spend = _fact(c, network=c.network, channel=no_channel, cost=c.cost)
    h = labour_cost(t.staff_hours, date_from, date_to)
    labour = _fact(h, network=h.network, channel=no_channel, labour=h.labour_cost)
    return ibis.union(spend, labour)


def daily_period_facts(
    t: Tables, daily: ir.Table, date_from: dt.date, date_to: dt.date
) -> ir.Table:
    """The facts of :func:`summary_facts`, read from the stored daily aggregates.

    ``daily``: ``t.derived["daily"]`` (:mod:`socialroi.aggregates.daily`: visits, leads,
    customers and revenue per workspace-calendar day, network, channel and campaign). The days
    ``[date_from, date_to]`` are summed with the period's costs and staff hours: the same
    numbers as :func:`summary_facts`, from a table of days instead of every visit.
    """
    d = daily.filter(daily.day >= day_number(date_from), daily.day <= day_number(date_to))
    stored = d.select(
        network=d.network.cast("string"),
        channel=d.channel.cast("string"),
        visits=d.visits.cast("int64"),
        leads=d.leads.cast("int64"),
        customers=d.customers.cast("int64"),
        revenue=d.revenue.cast("float64"),
        cost=ibis.literal(0.0, type="float64"),
        labour=ibis.literal(0.0, type="float64"),
    )
    return ibis.union(stored, cost_facts(t, date_from, date_to))


def summary_cube(facts: ir.Table) -> ir.Table:
    """Facts summed by (network, channel): the small table every section rolls up.

    Returns
    -------
    One row per (network, channel) pair with a fact: sums of ``visits``, ``leads``,
    ``customers``, ``revenue``, ``cost``, ``labour``.
    """
    return facts.group_by("network", "channel").aggregate(
        visits=facts.visits.sum(),
        leads=facts.leads.sum(),
        customers=facts.customers.sum(),
        revenue=facts.revenue.sum(),
        cost=facts.cost.sum(),
        labour=facts.labour.sum(),
    )


SECTIONS: tuple[str, ...] = ("totals", "social", "by_network", "by_channel")


def summary_sections(cube: ir.Table) -> ir.Table:
    """Totals, social, by_network and by_channel with their ratios, as one small table.

    Each cube row is repeated once per section (an unnest of the section names, so the cube is
    computed once), kept where it belongs (social: network in ``NETWORKS``; by_network: a
    network; by_channel: a channel) and summed by (section, network, channel):

    cost_with_labour = cost + labour; unallocated_cost = Σ (cost + labour) of rows without a
    network; ROI = (revenue − cost) ÷ cost; roi_with_labour = (revenue − cost_with_labour) ÷
    cost_with_labour; cost_per_lead = cost ÷ leads; cost_per_customer = cost ÷ customers (each
    null when its denominator is 0).

    Returns
    -------
    One row per section row: ``section``, ``network`` (by_network only), ``channel``
    (by_channel only), counts, money and the four ratios. ``totals`` and ``social`` have no row
    when nothing counts in them.
    """
    x = cube.mutate(section=ibis.literal(list(SECTIONS), type="array<string>").unnest())
    x = x.filter(
        (x.section == "totals")
        | ((x.section == "social") & x.network.isin(NETWORKS))
        | ((x.section == "by_network") & x.network.notnull())
        | ((x.section == "by_channel") & x.channel.notnull())
    )
    x = x.mutate(
        key_network=ibis.ifelse(x.section == "by_network", x.network, ibis.null("string")),
        key_channel=ibis.ifelse(x.section == "by_channel", x.channel, ibis.null("string")),
    )
    agg = x.group_by("section", "key_network", "key_channel").aggregate(
        visits=x.visits.sum(),
        leads=x.leads.sum(),
        customers=x.customers.sum(),
        revenue=x.revenue.sum(),
        cost=x.cost.sum(),
        cost_with_labour=(x.cost + x.labour).sum(),
        unallocated_cost=(x.cost + x.labour).sum(where=x.network.isnull()).coalesce(0.0),
    )
    parts = agg.select(
        "section",
        network=agg.key_network,
        channel=agg.key_channel,
        visits=agg.visits.cast("int64"),
        leads=agg.leads.cast("int64"),
        customers=agg.customers.cast("int64"),
        revenue=agg.revenue.cast("float64"),
        cost=agg.cost.cast("float64"),
        cost_with_labour=agg.cost_with_labour.cast("float64"),
        unallocated_cost=agg.unallocated_cost.cast("float64"),
    )
    return cost_per_customer(cost_per_lead(roi_with_labour(roi(parts))))


_EMPTY: dict[str, Any] = {
    **dict.fromkeys(_COUNTS, 0),
    **dict.fromkeys(_MONEY, 0.0),
    **dict.fromkeys(_RATIOS),
}


def _rounded(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in keys:
        value = row[k]
        if value is None:
            out[k] = None
        elif k in _COUNTS:
            out[k] = int(value)
        elif k in _MONEY:
            out[k] = round(float(value), MONEY_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
        elif k in _RATIOS:
            out[k] = round(float(value), RATIO_DECIMALS) + 0.0
        else:
            out[k] = value
    return out


def channel_summary(
    engine: Engine, workspace_id: str, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """Visits, leads, customers, revenue, cost and ROI of ``[date_from, date_to]``.

    The channel and money part of the contract's summary JSON; :func:`socialroi.summary.summary`
    adds the other sections.

    Parameters
    ----------
    engine
        An open engine (DuckDB or Spark).
    workspace_id
        The workspace.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.

    Returns
    -------
    ``{"period", "currency", "totals", "social", "by_network", "by_channel"}`` with the keys of
    data-contract.md.
    ``by_network``: one row per network with a visit, lead, customer, revenue
    item, cost or staff hours in the period, ordered by revenue descending then network;
    ``by_channel``: one row per channel with a visit, lead, customer or revenue item, ordered by
    visits descending then channel. Money in the base currency rounded to 2 decimals, ratios
    (fractions: 0.25 = 25 %) to 4 decimals, null when a denominator is 0.

    With the workspace's daily aggregates fresh (:mod:`socialroi.aggregates`), the visits,
    leads, customers and revenue are sums of stored days (:func:`daily_period_facts`);
    otherwise they are computed from the entities (:func:`summary_facts`): the same numbers.

    Tested by ``tests/metrics/test_summary.py::test_summary_hand_computed`` and
    ``tests/metrics/test_daily_aggregates.py``.
    """
    t = engine.tables(workspace_id)
    daily = t.derived.get("daily")
    if daily is not None:
        facts = daily_period_facts(t, daily, date_from, date_to)
    else:
        facts = summary_facts(t, sessions(t), date_from, date_to)
    rows = engine.execute(summary_sections(summary_cube(facts))).to_pylist()

    totals = next((r for r in rows if r["section"] == "totals"), _EMPTY)
    social = next((r for r in rows if r["section"] == "social"), _EMPTY)
    networks = [_rounded(r, _NETWORK_KEYS) for r in rows if r["section"] == "by_network"]
    networks.sort(key=lambda r: (-r["revenue"], r["network"]))
    channels = [_rounded(r, _CHANNEL_KEYS) for r in rows if r["section"] == "by_channel"]
    channels.sort(key=lambda r: (-r["visits"], r["channel"]))
    return {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "currency": t.workspace.currency,
        "totals": _rounded(totals, _TOTALS_KEYS),
        "social": _rounded(social, _SOCIAL_KEYS),
        "by_network": networks,
        "by_channel": channels,
    }
