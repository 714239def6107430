"""People: who a visitor is, and where each person came from (their first touch).

A **person** is a contact, or a visitor never linked to a contact (data-contract.md, Business
definitions). Person ids are strings: ``contact:<contact_id>`` or ``visitor:<visitor_id>``.

Identity (visitor → contact), by precedence:

1. ``contacts.visitor_id`` (the CRM recorded the visitor);
2. ``web_events.contact_id`` of any event of the visitor (an ``identify`` event, or the GA4
   ``user_id`` the site sent), for a contact that exists in ``contacts``;
3. the normalised email (``lower(trim(email))``) of any event of the visitor (``identify`` or
   any other) equal to the normalised ``contacts.email``;
4. an ad click id (``web_events.click_id``: gclid, fbclid …) of the visitor equal to a click id
   the CRM stored on the contact. Contacts carry them as extra attributes (HubSpot exports:
   ``Facebook click id``, ``Google ad click id``, ``LinkedIn click id`` or the internal
   ``hs_facebook_click_id``, ``hs_google_click_id``, ``hs_linkedin_click_id``; a canonical file:
   ``click_id``): :data:`CONTACT_CLICK_ID_KEYS`. Lowest, because a shared URL carries its click
   id to every visitor who opens it.

A visitor linked to several contacts takes the link of the best precedence; among links of the
same precedence the **earliest-created** contact wins (ties: the smallest ``contact_id``). So
does an email shared by several contacts. A visitor is never split between contacts, and
contacts are never merged with each other: every visitor whose candidate links name more than
one contact is listed by :func:`identity_conflicts`, with the contact chosen. One contact may
have many visitors (devices, browsers): all their visits are that contact's touchpoints.

First touch (HubSpot's "original source"): the person's earliest visit over all their visitors
(ties: the smallest ``session_id``), with that visit's ``channel`` and ``network``. A contact
without a visit takes its channel from ``contacts.original_source`` (see
:data:`ORIGINAL_SOURCE_CHANNELS`) and its network from ``original_source_detail`` when that
names a network; an unknown or empty original source is ``Unassigned`` with no network.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from socialroi.engine import Tables
from socialroi.metrics._types import TIMESTAMP
from socialroi.schema.entities import NETWORK_ALIASES, NETWORKS
from socialroi.visits._text import trim

__all__ = [
    "CONTACT_CLICK_ID_KEYS",
    "ORIGINAL_SOURCE_CHANNELS",
    "UNASSIGNED",
    "contact_person",
    "first_touch",
    "first_visit",
    "identity_conflicts",
    "original_source_channel",
    "original_source_network",
    "person_visits",
    "visitor_contacts",
    "visitor_person",
    "with_person",
]

UNASSIGNED = "Unassigned"

#: HubSpot "Original source" values (internal names and display names) → channel group.
ORIGINAL_SOURCE_CHANNELS: dict[str, str] = {
    "ORGANIC_SEARCH": "Organic Search",
    "PAID_SEARCH": "Paid Search",
    "EMAIL_MARKETING": "Email",
    "SOCIAL_MEDIA": "Organic Social",
    "PAID_SOCIAL": "Paid Social",
    "REFERRALS": "Referral",
    "DIRECT_TRAFFIC": "Direct",
    "OTHER_CAMPAIGNS": UNASSIGNED,
    "OFFLINE": "Offline",
    # display names, compared upper-cased and trimmed
    "ORGANIC SEARCH": "Organic Search",
    "PAID SEARCH": "Paid Search",
    "EMAIL MARKETING": "Email",
    "ORGANIC SOCIAL": "Organic Social",
    "SOCIAL MEDIA": "Organic Social",
    "PAID SOCIAL": "Paid Social",
    "REFERRAL": "Referral",
    "DIRECT TRAFFIC": "Direct",
    "DIRECT": "Direct",
    "OTHER CAMPAIGNS": UNASSIGNED,
    "OFFLINE SOURCES": "Offline",
}

_DETAIL_NETWORKS: dict[str, str] = {**{n: n for n in NETWORKS}, **NETWORK_ALIASES}

#: Keys of ``contacts.extra`` holding an ad click id the CRM captured (lower-case headers).
CONTACT_CLICK_ID_KEYS: tuple[str, ...] = (
    "click_id",
    "facebook click id",
    "google ad click id",
    "linkedin click id",
    "hs_facebook_click_id",
    "hs_google_click_id",
    "hs_linkedin_click_id",
)

_LINKED_BY = ("contact_visitor_id", "event_contact_id", "email", "click_id")


def contact_person(contact_id: ir.StringValue) -> ir.StringValue:
    """The person id of a contact: ``'contact:' || contact_id``."""
    return ibis.literal("contact:").concat(contact_id)


def visitor_person(visitor_id: ir.StringValue) -> ir.StringValue:
    """The person id of a visitor never linked to a contact: ``'visitor:' || visitor_id``."""
    return ibis.literal("visitor:").concat(visitor_id)


def original_source_channel(original_source: ir.StringValue) -> ir.StringValue:
    """Channel group of a HubSpot original source (null when it is empty or unknown)."""
    key = trim(original_source).upper()
    return key.substitute(ORIGINAL_SOURCE_CHANNELS, else_=ibis.null("string"))


def original_source_network(detail: ir.StringValue) -> ir.StringValue:
    """Network named by ``original_source_detail`` (``LinkedIn``, ``twitter`` …), else null.

    Matched on the whole lower-cased, trimmed value against the networks and their aliases.
    """
    return trim(detail).lower().substitute(_DETAIL_NETWORKS, else_=ibis.null("string"))


def _contact_click_ids(contacts: ir.Table) -> ir.Table:
    """``k_contact_id, k_created_at, k_click_id``: the click ids in ``contacts.extra``.

    ``extra`` is the JSON text the import writes (``{"key":"value",…}``, no spaces); the value
    is read with a regular expression, which compiles the same on DuckDB and Spark.
    """
    parts = []
    for key in CONTACT_CLICK_ID_KEYS:
        value = contacts.extra.re_extract(f'"{key}":"([^"]+)"', 1)
        parts.append(
            contacts.select(
                k_contact_id=contacts.contact_id.cast("string"),
                k_created_at=contacts.created_at.cast(TIMESTAMP),
                k_click_id=value.cast("string"),
            )
        )
    ids = ibis.union(*parts)
    return ids.filter(ids.k_click_id.notnull() & (ids.k_click_id != "")).distinct()


def _candidate_links(t: Tables) -> ir.Table:
    """Every (visitor, contact) link any rule finds: ``visitor_id``, ``contact_id``,
    ``created_at`` (the contact's) and ``precedence`` (1-4, module docstring)."""
    contacts: ir.Table = t.contacts
    events: ir.Table = t.web_events
    known = contacts.select(
        k_contact_id=contacts.contact_id,
        k_created_at=contacts.created_at,
        k_email=trim(contacts.email).lower(),
    )
    by_crm = contacts.filter(contacts.visitor_id.notnull()).select(
        visitor_id=contacts.visitor_id.cast("string"),
        contact_id=contacts.contact_id.cast("string"),
        created_at=contacts.created_at.cast(TIMESTAMP),
        precedence=ibis.literal(1),
    )
    ev_ids = events.filter(events.contact_id.notnull()).select("visitor_id", "contact_id")
    ev_ids = ev_ids.distinct()
    by_event = ev_ids.join(known, ev_ids.contact_id == known.k_contact_id).select(
        visitor_id=ev_ids.visitor_id.cast("string"),
        contact_id=ev_ids.contact_id.cast("string"),
        created_at=known.k_created_at.cast(TIMESTAMP),
        precedence=ibis.literal(2),
    )
    ev_mail = events.filter(events.email.notnull()).select(
        "visitor_id", e_email=trim(events.email).lower()
    )
    ev_mail = ev_mail.distinct()
    by_email = ev_mail.join(
        known.filter(known.k_email.notnull()), ev_mail.e_email == known.k_email
    ).select(
        visitor_id=ev_mail.visitor_id.cast("string"),
        contact_id=known.k_contact_id.cast("string"),
        created_at=known.k_created_at.cast(TIMESTAMP),
        precedence=ibis.literal(3),
    )
    ev_click = events.filter(events.click_id.notnull()).select(
        "visitor_id", e_click_id=events.click_id.cast("string")
    )
    ev_click = ev_click.distinct()
    clicks = _contact_click_ids(contacts)
    by_click = ev_click.join(clicks, ev_click.e_click_id == clicks.k_click_id).select(
        visitor_id=ev_click.visitor_id.cast("string"),
        contact_id=clicks.k_contact_id,
        created_at=clicks.k_created_at,
        precedence=ibis.literal(4),
    )
    return ibis.union(by_crm, by_event, by_email, by_click)


def _ranked(links: ir.Table) -> ir.Table:
    rank = ibis.row_number().over(
        group_by=links.visitor_id,
        order_by=[links.precedence, links.created_at, links.contact_id],
    )
    return links.mutate(
        rank=rank,
        linked_by=links.precedence.cases(
            *((i + 1, name) for i, name in enumerate(_LINKED_BY[:-1])), else_=_LINKED_BY[-1]
        ),
    )


def visitor_contacts(t: Tables) -> ir.Table:
    """The contact of each identified visitor.

    Parameters
    ----------
    t
        The workspace's ``Tables``.

    Returns
    -------
    One row per visitor linked to a contact: ``visitor_id``, ``contact_id`` and ``linked_by``
    (``contact_visitor_id``, ``event_contact_id``, ``email`` or ``click_id``), chosen by the
    precedence and conflict rule of the module docstring.

    Computed once per run of ``Engine.shared`` (nearly every metric of a summary reads it).

    Tested by ``tests/metrics/test_people.py``.
    """
    return t.shared.get("visitor_contacts", lambda: _visitor_contacts(t))


def _visitor_contacts(t: Tables) -> ir.Table:
    best = _ranked(_candidate_links(t))
    best = best.filter(best["rank"] == 0)
    return best.select("visitor_id", "contact_id", "linked_by")


def identity_conflicts(t: Tables) -> ir.Table:
    """Visitors whose links name more than one contact: the report that keeps the choice of
    :func:`visitor_contacts` from being silent.

    Returns
    -------
    One row per (visitor, candidate contact, rule) for every visitor with two or more distinct
    candidate contacts: ``visitor_id``, ``contact_id``, ``linked_by`` and ``chosen`` (true on
    the link :func:`visitor_contacts` keeps). Tested by ``tests/metrics/test_people.py``.
    """
    ranked = _ranked(_candidate_links(t))
    pairs = ranked.select("visitor_id", "contact_id").distinct()
    many = pairs.group_by("visitor_id").agg(n_contacts=pairs.contact_id.count())
    many = many.filter(many.n_contacts > 1).select(m_visitor_id=many.visitor_id)
    out = ranked.join(many, ranked.visitor_id == many.m_visitor_id)
    return out.select("visitor_id", "contact_id", "linked_by", chosen=out["rank"] == 0)


def with_person(table: ir.Table, links: ir.Table) -> ir.Table:
    """Add ``person_id`` to a table with a ``visitor_id`` column.

    Parameters
    ----------
    table
        Any table with ``visitor_id`` (visits, web events …).
    links
        :func:`visitor_contacts`.

    Returns
    -------
    ``table`` plus ``person_id``: ``contact:<id>`` for a linked visitor, else
    ``visitor:<visitor_id>``. Grain: that of ``table``.
    """
    lk = links.select(l_visitor_id=links.visitor_id, l_contact_id=links.contact_id)
    joined = table.left_join(lk, table.visitor_id == lk.l_visitor_id)
    person = ibis.ifelse(
        joined.l_contact_id.notnull(),
        contact_person(joined.l_contact_id),
        visitor_person(joined.visitor_id),
    )
    return joined.mutate(person_id=person).drop("l_visitor_id", "l_contact_id")


def person_visits(visits: ir.Table, links: ir.Table) -> ir.Table:
    """Visits with their person.

    Parameters
    ----------
    visits
        One row per visit (``socialroi.visits.sessions``).
    links
        :func:`visitor_contacts`.

    Returns
    -------
    One row per visit: ``visitor_id``, ``session_id``, ``started_at``, ``channel``, ``network``
    and ``person_id``.
    """
    return with_person(
        visits.select("visitor_id", "session_id", "started_at", "channel", "network"), links
    )


def first_visit(visits: ir.Table, links: ir.Table) -> ir.Table:
    """Each person's earliest visit (ties: smallest session_id) with its campaign and post.

    Returns one row per person with a visit: ``fv_person_id``, ``fv_campaign`` (the visit's UTM
    campaign) and ``fv_post_id`` (the post of its tracked link), null when the visit has none.
    Used to put leads, customers and revenue under the campaign and post that brought the person.
    """
    v = with_person(
        visits.select("visitor_id", "session_id", "started_at", "campaign", "post_id"), links
    )
    rank = ibis.row_number().over(group_by=v.person_id, order_by=[v.started_at, v.session_id])
    first = v.mutate(rank=rank).filter(lambda r: r["rank"] == 0)
    return first.select(
        fv_person_id=first.person_id.cast("string"),
        fv_campaign=first.campaign.cast("string"),
        fv_post_id=first.post_id.cast("string"),
    )


def first_touch(t: Tables, visits_of_people: ir.Table) -> ir.Table:
    """Where each person came from: the channel and network of their first touch.

    The person's earliest visit (ties: the smallest ``session_id``); for a contact without a
    visit, the channel of ``original_source`` and the network of ``original_source_detail``.

    Parameters
    ----------
    t
        The workspace's ``Tables`` (for ``contacts``).
    visits_of_people
        :func:`person_visits`, all time (the first touch may precede the period).

    Returns
    -------
    One row per person who has a visit or is a contact: ``person_id``, ``channel``,
    ``network`` (null when not social) and ``touch`` (``visit`` or ``original_source``). A
    contact with neither a visit nor a known original source has channel ``Unassigned``.

    Tested by ``tests/metrics/test_people.py::test_first_touch``.
    """
    v = visits_of_people
    by_visit = v.select(
        person_id=v.person_id.cast("string"),
        channel=v.channel.coalesce(ibis.literal(UNASSIGNED)).cast("string"),
        network=v.network.cast("string"),
        touch=ibis.literal("visit").cast("string"),
        priority=ibis.literal(0, type="int32"),
        at=v.started_at.cast(TIMESTAMP),
        tie=v.session_id.cast("string"),
    )
    contacts = t.contacts
    src_channel = original_source_channel(contacts.original_source)
    by_crm = contacts.select(
        person_id=contact_person(contacts.contact_id).cast("string"),
        channel=src_channel.coalesce(ibis.literal(UNASSIGNED)).cast("string"),
        network=ibis.ifelse(
            src_channel.notnull(),
            original_source_network(contacts.original_source_detail),
            ibis.null("string"),
        ).cast("string"),
        touch=ibis.literal("original_source").cast("string"),
        priority=ibis.literal(1, type="int32"),
        at=ibis.null(TIMESTAMP),
        tie=ibis.null("string"),
    )
    every = ibis.union(by_visit, by_crm)
    rank = ibis.row_number().over(
        group_by=every.person_id, order_by=[every.priority, every.at, every.tie]
    )
    first = every.mutate(rank=rank).filter(lambda r: r["rank"] == 0)
    return first.select("person_id", "channel", "network", "touch")
