"""Funnel: when each person became a lead and a customer (data-contract.md, Business definitions).

A person counts as a lead once, at the first time, and as a customer once, at the first time
(see :mod:`socialroi.metrics.people` for who a person is).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from socialroi.engine import Tables
from socialroi.metrics._types import TIMESTAMP
from socialroi.metrics.people import contact_person, with_person
from socialroi.visits._text import trim

__all__ = ["LEAD_EVENTS", "PURCHASE_EVENT", "customers", "leads", "won_deals"]

#: Web events that make their visitor a lead. Workspace goals that count as a lead will add to
#: this when goals are configurable; for now it is the contract's ``lead`` event.
LEAD_EVENTS: tuple[str, ...] = ("lead",)
PURCHASE_EVENT = "purchase"


def won_deals(deals: ir.Table) -> ir.Table:
    """Won deals: ``stage`` is ``won`` (trimmed, any case) and ``closed_at`` is known.

    A won deal without ``closed_at`` has no time to count at, so it is neither a customer
    signal nor revenue. Grain: the ``deals`` rows that qualify, all columns.
    """
    return deals.filter(trim(deals.stage).lower() == "won", deals.closed_at.notnull())


def leads(t: Tables, links: ir.Table) -> ir.Table:
    """When each person became a lead: lead_at = min over the person's lead signals.

    Signals: a contact at ``coalesce(became_lead_at, created_at)`` (every contact is a lead);
    a web event in :data:`LEAD_EVENTS` at ``occurred_at``, credited to the visitor's person.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    links
        :func:`socialroi.metrics.people.visitor_contacts`.

    Returns
    -------
    One row per person who is a lead: ``person_id``, ``lead_at`` (UTC). Tested by
    ``tests/metrics/test_summary.py::test_summary_hand_computed``.
    """
    c = t.contacts
    by_crm = c.select(
        person_id=contact_person(c.contact_id).cast("string"),
        at=c.became_lead_at.coalesce(c.created_at).cast(TIMESTAMP),
    )
    e = t.web_events
    ev = with_person(e.filter(e.event.isin(LEAD_EVENTS)).select("visitor_id", "occurred_at"), links)
    by_web = ev.select(person_id=ev.person_id.cast("string"), at=ev.occurred_at.cast(TIMESTAMP))
    both = ibis.union(by_crm, by_web)
    return both.group_by("person_id").aggregate(lead_at=both.at.min())


def customers(t: Tables, links: ir.Table) -> ir.Table:
    """When each person became a customer: customer_at = min over the person's customer signals.

    Signals: a contact's first won deal (``stage = 'won'``) at ``closed_at``; a contact's
    ``became_customer_at``; a visitor's first ``purchase`` web event at ``occurred_at``
    (credited to the visitor's person). A won deal without ``closed_at`` is not a signal.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    links
        :func:`socialroi.metrics.people.visitor_contacts`.

    Returns
    -------
    One row per person who is a customer: ``person_id``, ``customer_at`` (UTC). Tested by
    ``tests/metrics/test_summary.py::test_summary_hand_computed``.
    """
    won = won_deals(t.deals)
    by_deal = won.select(
        person_id=contact_person(won.contact_id).cast("string"), at=won.closed_at.cast(TIMESTAMP)
    )
    c = t.contacts
    flagged = c.filter(c.became_customer_at.notnull())
    by_crm = flagged.select(
        person_id=contact_person(flagged.contact_id).cast("string"),
        at=flagged.became_customer_at.cast(TIMESTAMP),
    )
    e = t.web_events
    buys = with_person(
        e.filter(e.event == PURCHASE_EVENT).select("visitor_id", "occurred_at"), links
    )
    by_web = buys.select(
        person_id=buys.person_id.cast("string"), at=buys.occurred_at.cast(TIMESTAMP)
    )
    every = ibis.union(by_deal, by_crm, by_web)
    return every.group_by("person_id").aggregate(customer_at=every.at.min())
