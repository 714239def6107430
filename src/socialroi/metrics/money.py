"""Cost and return per network, campaign and post, with and without labour (social-metrics.md §4).

What counts under a key (the same rules as the summary, :mod:`socialroi.metrics.summary`):

- **leads, customers, revenue** of the period count under the person's first touch: the network of
  :func:`~socialroi.metrics.people.first_touch`, and the UTM ``campaign`` and tracked ``post_id``
  of the person's earliest visit (ties: the smallest ``session_id``, as in ``first_touch``); a
  contact whose first touch is a CRM original source has no campaign and no post;
- **cost** (``costs`` in the period, spread costs clipped to it) counts under its own ``network``,
  ``campaign`` or ``post_id``; **ad_spend** is the part with category ``ads``;
- **labour** (``staff_hours`` × rate) counts under its ``network`` or ``campaign`` (staff hours
  carry no post, so at the post grain all labour is unallocated);
- **clicks and impressions** are the ``post_metrics`` activity dated in the period of the posts of
  owned profiles, under the post's network, campaign and id.

Cost or labour without the key (``network``, ``campaign`` or ``post_id`` null) is **not spread**:
it stays in the row whose key is null, beside the return nobody can tie to a key. Campaign names
are compared exactly (UTM values are case-sensitive, as in GA4).

Formulas (each null when its denominator is 0 or null; ratios are fractions):

- cost_with_labour = cost + labour;
- roi = (revenue − cost) ÷ cost; roi_with_labour = (revenue − cost_with_labour) ÷ cost_with_labour;
- roas = revenue ÷ ad_spend; roas_with_labour = revenue ÷ (ad_spend + labour);
- cpc = ad_spend ÷ clicks; cpc_with_labour = (ad_spend + labour) ÷ clicks;
- cpm = ad_spend ÷ impressions × 1,000; cpm_with_labour = (ad_spend + labour) ÷ impressions × 1,000;
- cost_per_lead = cost ÷ leads; cost_per_lead_with_labour = cost_with_labour ÷ leads;
- cost_per_customer (CAC) = cost ÷ customers; cost_per_customer_with_labour = cost_with_labour ÷
  customers.

Worked example (social-metrics.md §4): revenue 12,000; ad spend 3,000; tools 500; 40 h × 50 =
2,000 labour; 1,500 clicks; 300,000 impressions; 50 leads; 8 customers → cost 3,500, ROI 2.428571;
cost with labour 5,500, ROI 1.181818; ROAS 4.0; CPC 2.00; CPM 10.00; CPL 70 (110 with labour);
CAC 437.50 (687.50). ROAS with labour 12,000 ÷ 5,000 = 2.4; CPC with labour 5,000 ÷ 1,500 =
3.3333; CPM with labour 5,000 ÷ 300,000 × 1,000 = 16.6667.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import ibis.expr.types as ir

from socialroi.engine import Tables
from socialroi.errors import ConfigError
from socialroi.metrics._period import period_bounds
from socialroi.metrics._plan import computed_once
from socialroi.metrics.cost import cost_in_period, labour_cost
from socialroi.metrics.engagement import engagement_by, post_engagement
from socialroi.metrics.people import (
    first_touch,
    first_visit,
    person_visits,
    visitor_contacts,
)
from socialroi.metrics.roi import ratio
from socialroi.metrics.summary import period_person_events
from socialroi.visits import sessions

__all__ = [
    "MONEY_ADDITIVE",
    "MONEY_BY",
    "cost_and_return",
    "money_facts",
    "post_leaderboard",
    "with_cost_ratios",
]

MoneyBy = Literal["network", "campaign", "post"]
#: The groupings of :func:`cost_and_return` and their key column.
MONEY_BY: dict[str, str] = {"network": "network", "campaign": "campaign", "post": "post_id"}
#: The summed columns of :func:`cost_and_return` (0 where nothing counts).
MONEY_ADDITIVE: tuple[str, ...] = (
    "leads", "customers", "revenue", "clicks", "impressions", "cost", "ad_spend", "labour",
    "cost_with_labour",
)  # fmt: skip



def _facts(
    table: ir.Table,
    *,
    network: ir.Value,
    campaign: ir.Value,
    post_id: ir.Value,
    **measures: ir.Value | int | float,
) -> ir.Table:
    cols: dict[str, ir.Value] = {}
    for name in MONEY_ADDITIVE[:-1]:  # cost_with_labour is derived
        value = measures.get(name, 0)
        kind = "int64" if name in ("leads", "customers", "clicks", "impressions") else "float64"
        cols[name] = (
            ibis.literal(value, type=kind) if isinstance(value, int | float) else value.cast(kind)
        )
    return table.select(
        network=network.cast("string"),
        campaign=campaign.cast("string"),
        post_id=post_id.cast("string"),
        **cols,
    )


def money_facts(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Every lead, customer, revenue item, cost, staff-hours and post-metrics row of the period.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.

    Returns
    -------
    One row per fact: ``network``, ``campaign``, ``post_id`` (null when the fact has none) and
    the columns of :data:`MONEY_ADDITIVE` but ``cost_with_labour`` (0 where they do not apply).
    """
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    lo = ibis.literal(start, type="timestamp")
    hi = ibis.literal(end, type="timestamp")
    visits = sessions(t)
    links = computed_once(visitor_contacts(t))
    touch = first_touch(t, computed_once(person_visits(visits, links)))
    ft = touch.select(ft_person_id=touch.person_id, ft_network=touch.network,
                      ft_touch=touch.touch)  # fmt: skip
    fv = first_visit(visits, links)

    people = period_person_events(t, links, lo, hi)
    pe = people.left_join(ft, people.person_id == ft.ft_person_id)
    pe = pe.left_join(fv, pe.person_id == fv.fv_person_id)
    by_visit = pe.ft_touch == "visit"
    no_str = ibis.null("string")
    person_facts = _facts(
        pe,
        network=pe.ft_network,
        campaign=ibis.ifelse(by_visit, pe.fv_campaign, no_str),
        post_id=ibis.ifelse(by_visit, pe.fv_post_id, no_str),
        leads=pe.leads,
        customers=pe.customers,
        revenue=pe.revenue,
    )

    c = cost_in_period(t.costs, date_from, date_to)
    is_ads = c.category.lower() == "ads"
    cost_facts = _facts(
        c, network=c.network, campaign=c.campaign, post_id=c.post_id, cost=c.cost,
        ad_spend=ibis.ifelse(is_ads, c.cost, 0.0),
    )  # fmt: skip
    h = labour_cost(t.staff_hours, date_from, date_to)
    labour_facts = _facts(
        h, network=h.network, campaign=h.campaign, post_id=no_str, labour=h.labour_cost
    )
    p = post_engagement(t, date_from, date_to, semantics="activity")
    post_facts = _facts(
        p, network=p.network, campaign=p.campaign, post_id=p.post_id, clicks=p.clicks,
        impressions=p.impressions,
    )  # fmt: skip
    return ibis.union(person_facts, cost_facts, labour_facts, post_facts)


def with_cost_ratios(t: ir.Table) -> ir.Table:
    """ROI, ROAS, CPC, CPM, cost per lead and per customer, each with and without labour.

    Formulas in the module docstring. ``t`` needs ``revenue``, ``cost``, ``ad_spend``,
    ``labour``, ``cost_with_labour``, ``clicks``, ``impressions``, ``leads`` and ``customers``.

    Returns
    -------
    ``t`` plus ``roi``, ``roi_with_labour``, ``roas``, ``roas_with_labour``, ``cpc``,
    ``cpc_with_labour``, ``cpm``, ``cpm_with_labour``, ``cost_per_lead``,
    ``cost_per_lead_with_labour``, ``cost_per_customer``, ``cost_per_customer_with_labour``
    (float64, null over 0). Grain: that of ``t``.

    Tested by ``tests/metrics/test_money.py::test_worked_example_ratios``.
    """
    ad_labour = t.ad_spend + t.labour
    return t.mutate(
        roi=ratio(t.revenue - t.cost, t.cost),
        roi_with_labour=ratio(t.revenue - t.cost_with_labour, t.cost_with_labour),
        roas=ratio(t.revenue, t.ad_spend),
        roas_with_labour=ratio(t.revenue, ad_labour),
        cpc=ratio(t.ad_spend, t.clicks),
        cpc_with_labour=ratio(ad_labour, t.clicks),
        cpm=ratio(t.ad_spend * 1000.0, t.impressions),
        cpm_with_labour=ratio(ad_labour * 1000.0, t.impressions),
        cost_per_lead=ratio(t.cost, t.leads),
        cost_per_lead_with_labour=ratio(t.cost_with_labour, t.leads),
        cost_per_customer=ratio(t.cost, t.customers),
        cost_per_customer_with_labour=ratio(t.cost_with_labour, t.customers),
    )


def cost_and_return(
    t: Tables, date_from: dt.date, date_to: dt.date, *, by: MoneyBy | None = "network"
) -> ir.Table:
    """Return, cost and cost ratios per network, campaign or post (formulas: module docstring).

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.
    by
        ``"network"``, ``"campaign"``, ``"post"`` or ``None`` (one row: the total).

    Returns
    -------
    One row per key value with a fact, the null key holding what has no key (unallocated cost and
    labour, return without a campaign …): the key column (``network``, ``campaign`` or
    ``post_id``; none for the total), :data:`MONEY_ADDITIVE` and the ratios of
    :func:`with_cost_ratios`.

    Tested by ``tests/metrics/test_money.py`` (hand-computed, a campaign whose ROI flips sign
    with labour, DuckDB == Spark).
    """
    if by is not None and by not in MONEY_BY:
        raise ConfigError(f"unknown grouping {by!r}", hint="use one of: network, campaign, post")
    f = money_facts(t, date_from, date_to)
    keys = [] if by is None else [MONEY_BY[by]]
    sums = {c: f[c].sum() for c in MONEY_ADDITIVE[:-1]}
    g = f.group_by(keys).aggregate(**sums) if keys else f.aggregate(**sums)
    g = g.select(
        *keys,
        **{c: g[c].coalesce(0).cast("int64") for c in ("leads", "customers", "clicks",
                                                        "impressions")},
        **{c: g[c].coalesce(0.0).cast("float64") for c in ("revenue", "cost", "ad_spend",
                                                            "labour")},
    )  # fmt: skip
    g = g.mutate(cost_with_labour=g.cost + g.labour)
    return with_cost_ratios(g)



def post_leaderboard(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Which update brought the most customers: each post's engagement beside its business return.

    Engagement (``engagements``, ``impressions``, ``clicks``, ``engagement_rate`` = engagements ÷
    impressions) is the post's activity in the period (:func:`~.engagement.engagement_by`,
    ``by="post"``); ``leads``, ``customers``, ``revenue`` are those of the period whose first
    visit came through the post's tracked link, and ``cost``/``roi`` the cost attached to the
    post (:func:`cost_and_return`, ``by="post"``). Rank by customers, then revenue, then
    engagements (presentation sorts; a ranking by likes alone is what this replaces).

    Returns
    -------
    One row per post with activity or a return in the period: ``post_id``, ``network``,
    ``campaign``, ``engagements``, ``impressions``, ``clicks``, ``leads``, ``customers``
    (int64, 0 when none), ``revenue``, ``cost`` (float64, 0 when none), ``engagement_rate``,
    ``roi`` (null over 0). Tested by ``tests/metrics/test_money.py::test_post_leaderboard``.
    """
    e = engagement_by(t, date_from, date_to, by="post")
    e = e.select("post_id", "network", "campaign", "engagements", "impressions", "clicks")
    m = cost_and_return(t, date_from, date_to, by="post")
    m = m.filter(m.post_id.notnull()).select(
        m_post_id=m.post_id, leads=m.leads, customers=m.customers, revenue=m.revenue, cost=m.cost
    )
    p = t.posts.select(p_post_id=t.posts.post_id, p_campaign=t.posts.campaign)
    j = e.outer_join(m, e.post_id == m.m_post_id)
    j = j.mutate(k_post_id=j.post_id.coalesce(j.m_post_id).cast("string"))
    j = j.left_join(p, j.k_post_id == p.p_post_id)
    out = j.select(
        post_id=j.k_post_id,
        network=j.network,
        campaign=j.campaign.coalesce(j.p_campaign.cast("string")),
        **{c: j[c].coalesce(0).cast("int64") for c in ("engagements", "impressions", "clicks",
                                                        "leads", "customers")},
        **{c: j[c].coalesce(0.0).cast("float64") for c in ("revenue", "cost")},
    )  # fmt: skip
    return out.mutate(
        engagement_rate=ratio(out.engagements, out.impressions),
        roi=ratio(out.revenue - out.cost, out.cost),
    )
