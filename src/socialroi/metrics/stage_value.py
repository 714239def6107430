"""Funnel rates, the money value of each stage and the time between stages (social-metrics.md §5).

Counting follows the summary (:mod:`socialroi.metrics.summary`, HubSpot's Sources report):

- a **visit** counts under its own network and channel when it starts in the period;
- a **lead** and a **customer** count under the person's first-touch network and channel
  (:func:`~socialroi.metrics.people.first_touch`) when their time is in the period.

Rates (fractions; null when the denominator is 0):

- contact_rate = leads ÷ visits (HubSpot's "contact conversion rate");
- customer_rate = customers ÷ visits (HubSpot's "customer conversion rate", not ÷ leads);
- lead_to_customer = customers ÷ leads.

These are ratios of the period's counts, not cohorts: a customer won in the period may have
become a lead before it, so lead_to_customer can exceed 1 in a short period.

Stage values (goal-value practice: P(customer | stage) × average customer value):

- customer_revenue = Σ revenue to date of the customers won in the period: every revenue item
  (won deals, purchases, minus refunds; :func:`~socialroi.metrics.revenue.revenue_items`) of
  those people dated before the end of the period, including items before they became
  customers and excluding items after the period (so a result never changes with the day it
  is computed);
- average_customer_value = customer_revenue ÷ customers;
- lead_value = lead_to_customer × average_customer_value (= customer_revenue ÷ leads);
- visit_value = customer_rate × average_customer_value (= customer_revenue ÷ visits).

Time between stages, in days (seconds ÷ 86,400), over the people who reached the later stage
in the period:

- first visit → lead: lead_at − the person's earliest visit (all time); people without a visit
  at or before their lead time are left out;
- lead → customer: customer_at − lead_at; customers who never were a lead, or became one
  after becoming a customer, are left out.

Median and p90 are exact, the same on every engine: linear interpolation between the closest
ranks (Hyndman & Fan type 7, NumPy's default). Over the n values sorted x_0 ≤ … ≤ x_{n−1},
q-quantile = x_k + f·(x_{k+1} − x_k) with h = (n − 1)·q, k = ⌊h⌋, f = h − k; the median is the
middle value (odd n) or the mean of the two middle values (even n). The ranks come from
``row_number()`` over the ordered values; no approximate percentile function is used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from socialroi.engine import Engine, Tables
from socialroi.metrics._period import MONEY_DECIMALS, RATIO_DECIMALS, period_bounds
from socialroi.metrics._plan import computed_once
from socialroi.metrics._types import TIMESTAMP
from socialroi.metrics.funnel import customers, leads
from socialroi.metrics.people import (
    UNASSIGNED,
    first_touch,
    first_visit,
    person_visits,
    visitor_contacts,
)
from socialroi.metrics.revenue import revenue_items
from socialroi.metrics.roi import ratio
from socialroi.visits import sessions

__all__ = [
    "FUNNEL_COLUMNS",
    "funnel",
    "funnel_facts",
    "funnel_section",
    "funnel_sections",
    "stage_values",
]

#: Measure columns of :func:`funnel`, after its key column, in order.
FUNNEL_COLUMNS: tuple[str, ...] = (
    "visits",
    "leads",
    "customers",
    "contact_rate",
    "customer_rate",
    "lead_to_customer",
    "customer_revenue",
    "average_customer_value",
    "lead_value",
    "visit_value",
    "visit_to_lead_median_days",
    "visit_to_lead_p90_days",
    "lead_to_customer_median_days",
    "lead_to_customer_p90_days",
)

_COUNTS = ("visits", "leads", "customers")
_MONEY = ("customer_revenue", "average_customer_value")
_SECTIONS = ("totals", "by_network", "by_channel")
_SECONDS_PER_DAY = 86_400.0


def _days(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    """(later − earlier) in days; null when either is null or the difference is negative."""
    seconds = later.epoch_seconds() - earlier.epoch_seconds()
    days: ir.FloatingValue = ibis.ifelse(
        seconds >= 0, seconds.cast("float64") / _SECONDS_PER_DAY, ibis.null("float64")
    )
    return days


def funnel_facts(
    t: Tables, date_from: dt.date, date_to: dt.date, *, with_content: bool = False
) -> ir.Table:
    """Every visit, lead and customer of the period, one row each, with its stage durations.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.

    Returns
    -------
    One row per visit started, lead and customer dated in the period: ``network`` (null when
    not social), ``channel`` (``Unassigned`` when unknown), ``visits``, ``leads``,
    ``customers`` (0 or 1), ``customer_value`` (a customer's revenue to date, else 0),
    ``visit_to_lead_days`` (leads only) and ``lead_to_customer_days`` (customers only), null
    where not measured (see the module docstring). With ``with_content``, also ``campaign``
    and ``post_id``: a visit's own UTM campaign and tracked-link post; a lead's or customer's
    those of the person's first visit (:func:`~socialroi.metrics.people.first_visit`), null
    when there is none.
    """
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    lo = ibis.literal(start, type="timestamp")
    hi = ibis.literal(end, type="timestamp")
    links = computed_once(visitor_contacts(t))
    visits = computed_once(sessions(t)) if with_content else sessions(t)
    pv = computed_once(person_visits(visits, links))
    touch = first_touch(t, pv)
    ft = touch.select(
        ft_person_id=touch.person_id,
        ft_network=touch.network.cast("string"),
        ft_channel=touch.channel.coalesce(ibis.literal(UNASSIGNED)).cast("string"),
    )
    first_seen = pv.group_by(fv_person_id=pv.person_id).aggregate(
        first_visit_at=pv.started_at.min().cast(TIMESTAMP)
    )
    fv = first_visit(visits, links)
    fv_content = fv.select(fc_person_id=fv.fv_person_id, fc_campaign=fv.fv_campaign,
                           fc_post_id=fv.fv_post_id)  # fmt: skip
    no_days = ibis.null("float64")
    zero, one = ibis.literal(0, type="int64"), ibis.literal(1, type="int64")

    v = pv.filter(pv.started_at >= lo, pv.started_at < hi)
    content: dict[str, ir.Value] = {}
    if with_content:  # person_visits drops the campaign and post: read them off the sessions
        v = visits.filter(visits.started_at >= lo, visits.started_at < hi)
        content = {"campaign": v.campaign.cast("string"), "post_id": v.post_id.cast("string")}
    visit_facts = v.select(
        **content,
        network=v.network.cast("string"),
        channel=v.channel.coalesce(ibis.literal(UNASSIGNED)).cast("string"),
        visits=one,
        leads=zero,
        customers=zero,
        customer_value=ibis.literal(0.0, type="float64"),
        visit_to_lead_days=no_days,
        lead_to_customer_days=no_days,
    )

    all_leads = leads(t, links)
    ld = all_leads.filter(all_leads.lead_at >= lo, all_leads.lead_at < hi)
    ld = ld.left_join(ft, ld.person_id == ft.ft_person_id)
    ld = ld.left_join(first_seen, ld.person_id == first_seen.fv_person_id)
    if with_content:
        ld = ld.left_join(fv_content, ld.person_id == fv_content.fc_person_id)
    lead_facts = ld.select(
        **({"campaign": ld.fc_campaign, "post_id": ld.fc_post_id} if with_content else {}),
        network=ld.ft_network,
        channel=ld.ft_channel.coalesce(ibis.literal(UNASSIGNED)),
        visits=zero,
        leads=one,
        customers=zero,
        customer_value=ibis.literal(0.0, type="float64"),
        visit_to_lead_days=_days(ld.lead_at, ld.first_visit_at),
        lead_to_customer_days=no_days,
    )

    rv = revenue_items(t, links)
    rv = rv.filter(rv.at < hi)
    to_date = rv.group_by(rv_person_id=rv.person_id).aggregate(revenue=rv.revenue.sum())
    cu = customers(t, links)
    cu = cu.filter(cu.customer_at >= lo, cu.customer_at < hi)
    lead_at = all_leads.select(l_person_id=all_leads.person_id, l_lead_at=all_leads.lead_at)
    cu = cu.left_join(ft, cu.person_id == ft.ft_person_id)
    cu = cu.left_join(lead_at, cu.person_id == lead_at.l_person_id)
    cu = cu.left_join(to_date, cu.person_id == to_date.rv_person_id)
    if with_content:
        cu = cu.left_join(fv_content, cu.person_id == fv_content.fc_person_id)
    customer_facts = cu.select(
        **({"campaign": cu.fc_campaign, "post_id": cu.fc_post_id} if with_content else {}),
        network=cu.ft_network,
        channel=cu.ft_channel.coalesce(ibis.literal(UNASSIGNED)),
        visits=zero,
        leads=zero,
        customers=one,
        customer_value=cu.revenue.coalesce(0.0).cast("float64"),
        visit_to_lead_days=no_days,
        lead_to_customer_days=_days(cu.customer_at, cu.l_lead_at),
    )
    return ibis.union(visit_facts, lead_facts, customer_facts)


def stage_values(t: ir.Table) -> ir.Table:
    """Stage rates and values from counts and customer revenue.

    contact_rate = leads ÷ visits; customer_rate = customers ÷ visits; lead_to_customer =
    customers ÷ leads; average_customer_value = customer_revenue ÷ customers; lead_value =
    lead_to_customer × average_customer_value; visit_value = customer_rate ×
    average_customer_value. Each is null when a denominator is 0 (so lead_value is null with
    no leads or no customers).

    Parameters
    ----------
    t
        A table with ``visits``, ``leads``, ``customers`` (counts) and ``customer_revenue``
        (base currency).

    Returns
    -------
    ``t`` plus the six columns above (float64). Grain: that of ``t``.

    Examples
    --------
    5,000 visits, 50 leads, 8 customers, revenue 12,000 → contact_rate 0.01, customer_rate
    0.0016, lead_to_customer 0.16, average_customer_value 1,500, lead_value 240, visit_value
    2.40 (social-metrics.md §5). Tested by
    ``tests/metrics/test_stage_value.py::test_stage_values_worked_example``.
    """
    with_rates = t.mutate(
        contact_rate=ratio(t.leads, t.visits),
        customer_rate=ratio(t.customers, t.visits),
        lead_to_customer=ratio(t.customers, t.leads),
        average_customer_value=ratio(t.customer_revenue, t.customers),
    )
    return with_rates.mutate(
        lead_value=with_rates.lead_to_customer * with_rates.average_customer_value,
        visit_value=with_rates.customer_rate * with_rates.average_customer_value,
    )


def _ranked(x: ir.Table, column: str, keys: list[str]) -> ir.Table:
    """Add ``_<column>_rn`` (0-based rank of the value, nulls last) and ``_<column>_n``."""
    c = x[column]
    group = ibis.window(group_by=keys) if keys else ibis.window()
    ordered = (
        ibis.window(group_by=keys, order_by=[c.isnull(), c])
        if keys
        else ibis.window(order_by=[c.isnull(), c])
    )
    return x.mutate(
        **{f"_{column}_rn": ibis.row_number().over(ordered), f"_{column}_n": c.count().over(group)}
    )


def _quantile(x: ir.Table, column: str, num: int, den: int) -> ir.FloatingValue:
    """The num/den quantile of ``column`` (type 7) as an aggregate over :func:`_ranked` rows.

    h = (n − 1)·num/den in integers: k = ⌊(n − 1)·num / den⌋, f = ((n − 1)·num − k·den) / den.
    """
    c = x[column].cast("float64")
    rn = x[f"_{column}_rn"]
    pos = (x[f"_{column}_n"] - 1) * num
    k = (pos - pos % den) / den
    k = k.cast("int64")
    frac = ((pos - k * den).cast("float64") / den).max()
    x_k = c.max(where=rn == k)
    x_next = c.max(where=rn == k + 1).coalesce(x_k)
    q: ir.FloatingValue = x_k + frac * (x_next - x_k)
    return q


def _rollup(x: ir.Table, keys: list[str]) -> ir.Table:
    """Counts, revenue, stage values and stage durations of ``x`` grouped by ``keys``."""
    x = _ranked(_ranked(x, "visit_to_lead_days", keys), "lead_to_customer_days", keys)
    metrics = {
        "visits": x.visits.sum().cast("int64"),
        "leads": x.leads.sum().cast("int64"),
        "customers": x.customers.sum().cast("int64"),
        "customer_revenue": x.customer_value.sum().cast("float64"),
        "visit_to_lead_median_days": _quantile(x, "visit_to_lead_days", 1, 2),
        "visit_to_lead_p90_days": _quantile(x, "visit_to_lead_days", 9, 10),
        "lead_to_customer_median_days": _quantile(x, "lead_to_customer_days", 1, 2),
        "lead_to_customer_p90_days": _quantile(x, "lead_to_customer_days", 9, 10),
    }
    agg = x.group_by(keys).aggregate(**metrics) if keys else x.aggregate(**metrics)
    valued = stage_values(agg.mutate(customer_revenue=agg.customer_revenue.coalesce(0.0)))
    return valued.select(*keys, *FUNNEL_COLUMNS)


def funnel(
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    *,
    by: Literal["network", "channel", "campaign", "post"] | None = "network",
) -> ir.Table:
    """Visit → lead → customer: counts, stage rates, stage values and time between stages.

    Formulas in the module docstring: contact_rate = leads ÷ visits, customer_rate =
    customers ÷ visits, lead_to_customer = customers ÷ leads, average_customer_value =
    customer_revenue ÷ customers, lead_value = lead_to_customer × average_customer_value,
    visit_value = customer_rate × average_customer_value; median and p90 days first visit →
    lead and lead → customer (exact, type 7).

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.
    by
        ``"network"``: one row per network with a visit, lead or customer (people and visits
        without a social network are only in the total); ``"channel"``: one row per channel
        group; ``"campaign"`` / ``"post"``: one row per UTM campaign / tracked post, visits
        under their own, leads and customers under those of the person's first visit (people
        without one are only in the total); ``None``: one row, the total.

    Returns
    -------
    Grain: one row per network (channel), or one row. Columns: the key (``network`` or
    ``channel``; none for the total) then :data:`FUNNEL_COLUMNS`: ``visits``, ``leads``,
    ``customers`` (int64), ``contact_rate``, ``customer_rate``, ``lead_to_customer``,
    ``customer_revenue``, ``average_customer_value``, ``lead_value``, ``visit_value``,
    ``visit_to_lead_median_days``, ``visit_to_lead_p90_days``, ``lead_to_customer_median_days``,
    ``lead_to_customer_p90_days`` (float64). Ratios and values are null when a denominator is 0
    (no visits, leads or customers); durations are null when nothing was measured.

    Examples
    --------
    5,000 visits, 50 leads, 8 customers, $1,500 average → contact_rate 0.01, customer_rate
    0.0016, lead_to_customer 0.16, lead_value 240, visit_value 2.40 (social-metrics.md §5).
    Tested by ``tests/metrics/test_stage_value.py::test_funnel_by_network`` (and
    ``::test_funnel_total``, ``::test_funnel_by_channel``, ``::test_funnel_by_campaign``).
    """
    if by not in ("network", "channel", "campaign", "post", None):
        raise ValueError(f"by must be 'network', 'channel', 'campaign', 'post' or None, not {by!r}")
    facts = funnel_facts(t, date_from, date_to, with_content=by in ("campaign", "post"))
    if by is None:
        return _rollup(facts, [])
    key = "post_id" if by == "post" else by
    return _rollup(facts.filter(facts[key].notnull()), [key])


def funnel_sections(facts: ir.Table) -> ir.Table:
    """Totals, by_network and by_channel of :func:`funnel_facts` as one small table.

    Each fact is repeated once per section (an unnest, so the facts are computed once), kept
    where it has the section's key, and rolled up by (section, network, channel).

    Returns
    -------
    One row per section row: ``section``, ``network`` (by_network only), ``channel``
    (by_channel only) and :data:`FUNNEL_COLUMNS`. ``totals`` has no row when nothing counts.
    """
    x = facts.mutate(section=ibis.literal(list(_SECTIONS), type="array<string>").unnest())
    x = x.filter(
        (x.section == "totals")
        | ((x.section == "by_network") & x.network.notnull())
        | ((x.section == "by_channel") & x.channel.notnull())
    )
    x = x.mutate(
        network=ibis.ifelse(x.section == "by_network", x.network, ibis.null("string")),
        channel=ibis.ifelse(x.section == "by_channel", x.channel, ibis.null("string")),
    )
    return _rollup(x, ["section", "network", "channel"])


def _rounded(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in keys:
        value = row.get(k)
        if value is None:
            out[k] = None
        elif k in _COUNTS:
            out[k] = int(value)
        elif k in _MONEY:
            out[k] = round(float(value), MONEY_DECIMALS) + 0.0
        elif isinstance(value, float):
            out[k] = round(value, RATIO_DECIMALS) + 0.0
        else:
            out[k] = value
    return out


def funnel_section(
    engine: Engine, workspace_id: str, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """The funnel of the period for the summary: ``{"totals", "by_network", "by_channel"}``.

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
    ``totals``: a dict of :data:`FUNNEL_COLUMNS` (zeros and nulls when nothing counts);
    ``by_network`` and ``by_channel``: lists of such dicts with ``network`` (``channel``)
    first, ordered by visits descending then name. Counts are ints; ``customer_revenue`` and
    ``average_customer_value`` are rounded to 2 decimals; rates, stage values (money per lead
    or visit, like cost per lead) and days to 4 decimals. One engine query.

    Tested by ``tests/metrics/test_stage_value.py::test_funnel_section_hand_computed`` and, on
    DuckDB and Spark, ``tests/metrics/test_share_of_voice.py::test_sections_same_on_both``.
    """
    t = engine.tables(workspace_id)
    rows = engine.execute(funnel_sections(funnel_facts(t, date_from, date_to))).to_pylist()
    empty: dict[str, Any] = {
        k: (0 if k in _COUNTS else 0.0 if k == "customer_revenue" else None) for k in FUNNEL_COLUMNS
    }
    totals = next((r for r in rows if r["section"] == "totals"), empty)
    networks = [_rounded(r, ("network", *FUNNEL_COLUMNS)) for r in rows
                if r["section"] == "by_network"]  # fmt: skip
    networks.sort(key=lambda r: (-r["visits"], r["network"]))
    channels = [_rounded(r, ("channel", *FUNNEL_COLUMNS)) for r in rows
                if r["section"] == "by_channel"]  # fmt: skip
    channels.sort(key=lambda r: (-r["visits"], r["channel"]))
    return {
        "totals": _rounded(totals, FUNNEL_COLUMNS),
        "by_network": networks,
        "by_channel": channels,
    }
