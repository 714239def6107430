"""Sales opportunities on social: conversations with leads and prospects, and deals they won.

Definitions (``docs/metrics.md``, "Sales opportunities on social"):

- An **opportunity message** is a case (an inbound message needing a response, see
  :mod:`socialroi.metrics.response`) from a contact who, at the received time, was
  **a lead not yet a customer** (lead_at ≤ received_at < customer_at, with the funnel's
  :func:`~socialroi.metrics.funnel.leads` and :func:`~socialroi.metrics.funnel.customers`), or
  **had an open deal**: a deal created at or before the received time and not closed by then
  (``closed_at`` after the received time, or no ``closed_at`` and ``stage = 'open'``). An existing
  customer with an open deal (an upsell) is an opportunity; one without is not.
- A **won deal after a social conversation** is a deal won (``stage = 'won'``, ``closed_at`` in
  the period) whose contact has at least one message (any direction, any network) linked to them
  (``messages.contact_id``) sent before ``closed_at``. No lookback window.
- Money is ``deals.amount_base`` (workspace base currency); a ratio over zero is null.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import ibis.expr.types as ir

from socialroi.engine import Tables
from socialroi.errors import ConfigError
from socialroi.metrics._period import period_bounds
from socialroi.metrics._types import TIMESTAMP
from socialroi.metrics.funnel import leads, won_deals
from socialroi.metrics.people import contact_person, visitor_contacts
from socialroi.metrics.response import DEFAULT_SLA_S, first_responses, response_stats
from socialroi.metrics.roi import ratio
from socialroi.visits._text import trim

__all__ = [
    "deals_after_social",
    "opportunity_messages",
    "social_opportunities",
    "won_deals_with_social",
]


def _stage(d: ir.Table) -> ir.StringValue:
    return trim(d.stage).lower()


def opportunity_messages(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """The cases of the period with their contact's sales status at the received time.

    Returns
    -------
    One row per case (:func:`~socialroi.metrics.response.first_responses` columns) plus
    ``is_lead`` (a lead, not yet a customer), ``has_open_deal`` and ``is_opportunity`` (either).
    A case without ``contact_id`` is never an opportunity.

    Tested by ``tests/metrics/test_opportunities.py::test_opportunity_messages``.
    """
    frt = first_responses(t, date_from, date_to)
    ld = leads(t, visitor_contacts(t))
    ld = ld.select(ld_person_id=ld.person_id, ld_at=ld.lead_at)
    x = frt.left_join(ld, contact_person(frt.contact_id) == ld.ld_person_id)

    d = t.deals
    deals = d.select(
        dl_contact_id=d.contact_id.cast("string"),
        dl_created_at=d.created_at.cast(TIMESTAMP),
        dl_closed_at=d.closed_at.cast(TIMESTAMP),
        dl_is_open=_stage(d) == "open",
    )
    k = frt.select(k_id=frt.message_id, k_contact_id=frt.contact_id, k_at=frt.received_at)
    open_at = k.join(
        deals,
        [
            k.k_contact_id == deals.dl_contact_id,
            deals.dl_created_at <= k.k_at,
            (deals.dl_closed_at > k.k_at) | (deals.dl_closed_at.isnull() & deals.dl_is_open),
        ],
    )
    with_open = open_at.select(od_id=open_at.k_id).distinct()
    x = x.left_join(with_open, x.message_id == with_open.od_id)

    is_lead = (x.ld_at.notnull() & (x.ld_at <= x.received_at) & ~x.is_customer).coalesce(False)
    has_open = x.od_id.notnull()
    return x.select(
        *frt.columns,
        is_lead=is_lead,
        has_open_deal=has_open,
        is_opportunity=is_lead | has_open,
    )


def social_opportunities(
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    *,
    by: Literal["network"] | None = None,
    sla_s: int = DEFAULT_SLA_S,
) -> ir.Table:
    """Interactions with leads and prospects on social, and how fast they were answered.

    contacts = distinct contacts with an opportunity message; inbound = opportunity messages
    (cases); response_rate = answered ÷ inbound; FRT (calendar minutes) mean, median and p90
    over answered ones; within_sla = answered within ``sla_s`` ÷ inbound.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period (by received time), both days included.
    by
        ``"network"`` (one row per network with an opportunity message) or ``None`` (one row,
        even when there is none: counts 0, ratios and times null).
    sla_s
        The service level in seconds.

    Returns
    -------
    Columns: the key, ``contacts``, then those of
    :func:`~socialroi.metrics.response.response_stats`.

    Tested by ``tests/metrics/test_opportunities.py::test_social_opportunities``.
    """
    if by not in ("network", None):
        raise ConfigError(f"cannot group opportunities by {by!r}", hint="use network or None")
    # computed once per period in a run of ``Engine.shared``: the report asks for the total
    # and for the rows per network
    ops = t.shared.get(
        f"opportunity_messages:{date_from.isoformat()}:{date_to.isoformat()}",
        lambda: opportunity_messages(t, date_from, date_to),
    )
    ops = ops.filter(ops.is_opportunity)
    keys = [by] if by else []
    stats = response_stats(ops, keys, sla_s=sla_s)
    people = (ops.group_by(keys) if keys else ops).aggregate(
        n_contacts=ops.contact_id.nunique().cast("int64")
    )
    if by:
        people = people.rename(p_key=by)
        joined = stats.join(people, stats[by] == people.p_key)
    else:
        joined = stats.cross_join(people)
    return joined.select(
        *keys,
        contacts=joined.n_contacts,
        **{c: joined[c] for c in stats.columns if c not in keys},
    )


def won_deals_with_social(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Deals won in the period, each flagged when its contact talked to us on social before.

    Returns
    -------
    One row per won deal (``stage = 'won'``, trimmed, any case; ``closed_at`` in the period):
    ``deal_id``, ``contact_id``, ``closed_at``, ``amount_base`` (null counts as 0 in sums),
    ``has_social_conversation`` (a message linked to the contact sent before ``closed_at``).

    Tested by ``tests/metrics/test_opportunities.py::test_deals_after_social``.
    """
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    lo = ibis.literal(start, type="timestamp")
    hi = ibis.literal(end, type="timestamp")
    d = t.deals
    won = won_deals(d)
    won = won.filter(won.closed_at >= lo, won.closed_at < hi)
    won = won.select(
        deal_id=won.deal_id.cast("string"),
        contact_id=won.contact_id.cast("string"),
        closed_at=won.closed_at.cast(TIMESTAMP),
        amount_base=won.amount_base.cast("float64"),
    )
    m = t.messages
    talks = m.filter(m.contact_id.notnull()).select(
        m_contact_id=m.contact_id.cast("string"), m_at=m.sent_at.cast(TIMESTAMP)
    )
    before = won.join(talks, [won.contact_id == talks.m_contact_id, talks.m_at < won.closed_at])
    social = before.select(s_deal_id=before.deal_id).distinct()
    x = won.left_join(social, won.deal_id == social.s_deal_id)
    return x.select(
        "deal_id",
        "contact_id",
        "closed_at",
        "amount_base",
        has_social_conversation=x.s_deal_id.notnull(),
    )


def deals_after_social(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Won deals that followed a social conversation: count, revenue and share of all won deals.

    share_after_social = deals_after_social ÷ deals_won; revenue_share_after_social =
    revenue_after_social ÷ revenue_won (each null when its denominator is 0).

    Returns
    -------
    One row (also with no won deal): ``deals_won``, ``revenue_won``, ``deals_after_social``,
    ``revenue_after_social`` (base currency; 0.0 when none), ``share_after_social``,
    ``revenue_share_after_social``.

    Tested by ``tests/metrics/test_opportunities.py::test_deals_after_social``.
    """
    w = won_deals_with_social(t, date_from, date_to)
    amount = w.amount_base.coalesce(0.0)
    agg = w.aggregate(
        deals_won=w.deal_id.count(),
        revenue_won=amount.sum(),
        deals_after_social=w.deal_id.count(where=w.has_social_conversation),
        revenue_after_social=amount.sum(where=w.has_social_conversation),
    )
    return agg.select(
        deals_won=agg.deals_won.cast("int64"),
        revenue_won=agg.revenue_won.coalesce(0.0).cast("float64"),
        deals_after_social=agg.deals_after_social.cast("int64"),
        revenue_after_social=agg.revenue_after_social.coalesce(0.0).cast("float64"),
        share_after_social=ratio(agg.deals_after_social, agg.deals_won),
        revenue_share_after_social=ratio(agg.revenue_after_social, agg.revenue_won),
    )
