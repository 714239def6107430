"""Revenue: won deals plus purchases minus refunds, in the workspace base currency.

Purchases and refunds are web events deduplicated by ``transaction_id``: one transaction id
counts once per event type (its earliest event; ties: the smallest ``event_id``), so a tracker
that fires ``purchase`` twice counts once, and a refund of that transaction still subtracts.
Events without a ``transaction_id`` each count.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from socialroi.engine import Tables
from socialroi.metrics._types import TIMESTAMP
from socialroi.metrics.funnel import won_deals
from socialroi.metrics.people import contact_person, with_person

__all__ = ["REFUND_EVENT", "revenue_items", "transactions"]

REFUND_EVENT = "refund"
_PURCHASE = "purchase"


def transactions(web_events: ir.Table) -> ir.Table:
    """Purchase and refund events, one per (event, transaction_id).

    Parameters
    ----------
    web_events
        ``Tables.web_events``.

    Returns
    -------
    One row per distinct purchase or refund: the event's columns. Tested by
    ``tests/metrics/test_revenue.py::test_transactions_are_deduplicated``.
    """
    e = web_events.filter(web_events.event.isin((_PURCHASE, REFUND_EVENT)))
    keyed = e.filter(e.transaction_id.notnull())
    rank = ibis.row_number().over(
        group_by=[keyed.event, keyed.transaction_id],
        order_by=[keyed.occurred_at, keyed.event_id],
    )
    first = keyed.mutate(rank=rank).filter(lambda s: s["rank"] == 0).drop("rank")
    return ibis.union(first, e.filter(e.transaction_id.isnull()))


def revenue_items(t: Tables, links: ir.Table) -> ir.Table:
    """Every revenue item of the workspace, signed, with its person and time.

    revenue = Σ won deals' ``amount_base`` at ``closed_at``
              + Σ purchases' ``revenue_base`` − Σ |refunds' ``revenue_base``| at ``occurred_at``.

    A refund subtracts whatever the sign it was recorded with; a null amount counts 0.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    links
        :func:`socialroi.metrics.people.visitor_contacts`.

    Returns
    -------
    One row per won deal, purchase or refund: ``person_id``, ``at`` (UTC), ``kind``
    (``deal``, ``purchase``, ``refund``) and ``revenue`` (base currency, negative for refunds).
    Tested by ``tests/metrics/test_revenue.py`` and ``test_summary.py``.
    """
    won = won_deals(t.deals)
    deals = won.select(
        person_id=contact_person(won.contact_id).cast("string"),
        at=won.closed_at.cast(TIMESTAMP),
        kind=ibis.literal("deal").cast("string"),
        revenue=won.amount_base.coalesce(0.0).cast("float64"),
    )
    tx = with_person(
        transactions(t.web_events).select("visitor_id", "occurred_at", "event", "revenue_base"),
        links,
    )
    amount = tx.revenue_base.coalesce(0.0)
    web = tx.select(
        person_id=tx.person_id.cast("string"),
        at=tx.occurred_at.cast(TIMESTAMP),
        kind=tx.event.cast("string"),
        revenue=ibis.ifelse(tx.event == REFUND_EVENT, -amount.abs(), amount).cast("float64"),
    )
    return ibis.union(deals, web)
