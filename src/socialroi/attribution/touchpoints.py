"""Touchpoints, conversions and the journeys that join them (data-contract.md, "Touchpoints").

A person's **touchpoints** are their visits, their tracked-link clicks that opened no visit, and
their social conversations; a **journey** is the ordered touchpoints of one conversion inside the
lookback window; a **null journey** is a run of touchpoints that no conversion followed. Every
function builds an Ibis expression; nothing executes here. Rules and their reasons:
``docs/attribution.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dtm
from typing import Literal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from socialroi.engine import Tables
from socialroi.errors import ConfigError
from socialroi.visits import sessions
from socialroi.visits._text import trim
from socialroi.visits.channels import default_channel_group
from socialroi.visits.networks import host_of, network_from_referrer, network_from_source

__all__ = [
    "CLICK_VISIT_SKEW_S",
    "CLICK_VISIT_WINDOW_S",
    "CONVERSIONS",
    "CONVERSATION_GAP_S",
    "JOURNEY_COLUMNS",
    "MAX_STEP_DEPTH",
    "NULL_JOURNEY_COLUMNS",
    "STEP_COLUMNS",
    "StepPass",
    "TOUCHPOINT_COLUMNS",
    "NullJourneys",
    "conversions",
    "credit_key",
    "journey_steps",
    "journeys",
    "null_journeys",
    "touchpoints",
]

#: Columns of :func:`touchpoints`, in order.
TOUCHPOINT_COLUMNS: tuple[str, ...] = (
    "person_id",
    "touchpoint_id",
    "touched_at",
    "kind",
    "channel",
    "network",
    "credit_key",
    "campaign",
    "post_id",
)
#: Columns of :func:`journeys`, in order.
JOURNEY_COLUMNS: tuple[str, ...] = (
    "conversion_id",
    "person_id",
    "converted_at",
    "value",
    *TOUCHPOINT_COLUMNS[1:],
    "position",
    "n",
    "days_before",
)
#: Columns of :func:`null_journeys`, in order.
NULL_JOURNEY_COLUMNS: tuple[str, ...] = (
    "journey_id",
    "person_id",
    "ended_at",
    *TOUCHPOINT_COLUMNS[1:],
    "position",
    "n",
    "days_before",
)
#: What counts as a conversion (``socialroi attribution --conversion``).
CONVERSIONS: tuple[str, ...] = ("customer", "lead", "revenue")

#: A click opens the visit of the same visitor that starts within 30 minutes after it (contract).
CLICK_VISIT_WINDOW_S = 30 * 60
#: A visit that starts up to this many seconds *before* the click still counts as opened by it
#: (the redirector's and the tracker's clocks differ slightly).
CLICK_VISIT_SKEW_S = 60
#: Inbound messages of one conversation closer than this are one touchpoint (like a visit).
CONVERSATION_GAP_S = 30 * 60

_DAY_S = 86_400
_KINDS = ("visit", "click", "message")

# socialroi.metrics._types.TIMESTAMP and socialroi.metrics.people.UNASSIGNED (pinned equal by
# tests/attribution/test_touchpoints.py): importing socialroi.metrics loads its whole package,
# which journeys and the models never need, so the metrics modules are imported only inside
# touchpoints() and conversions().
TIMESTAMP = dt.Timestamp(scale=6, nullable=True)
UNASSIGNED = "Unassigned"
#: Deepest look back the ordered pass of :meth:`NullJourneys.steps` offers (top paths longer than
#: this are matched from the null journeys' rows instead).
MAX_STEP_DEPTH = 16


def _shared(table: ir.Table) -> ir.Table:
    """``table`` computed once per query although used twice (``metrics.summary._shared``).

    Ibis inlines a relation used twice as two copies of its SQL, except an aggregate, which it
    emits as one CTE. Grouping by every column keeps the rows of a table whose rows are
    distinct (one per visit, one per visitor).
    """
    return table.group_by(list(table.columns)).aggregate()


def credit_key(network: ir.StringValue, channel: ir.StringValue) -> ir.StringValue:
    """What attribution credits: the touchpoint's network where it has one, else its channel group.

    Null channel groups become ``Unassigned`` (data-contract.md, "Touchpoints").
    """
    return network.coalesce(channel, ibis.literal(UNASSIGNED)).cast("string")


def _epoch(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds since 1970, rounded down (DuckDB's epoch() keeps fractions, Spark's does
    not; flooring it is a few times cheaper than truncating the timestamp first)."""
    return ts.epoch_seconds().floor().cast("int64")


def _touch(
    table: ir.Table,
    *,
    person_id: ir.Value,
    touchpoint_id: ir.Value,
    touched_at: ir.Value,
    kind: str,
    channel: ir.Value,
    network: ir.Value,
    campaign: ir.Value,
    post_id: ir.Value,
) -> ir.Table:
    channel_s = channel.cast("string")
    network_s = network.cast("string")
    return table.select(
        person_id=person_id.cast("string"),
        touchpoint_id=touchpoint_id.cast("string"),
        touched_at=touched_at.cast(TIMESTAMP),
        kind=ibis.literal(kind).cast("string"),
        channel=channel_s,
        network=network_s,
        credit_key=credit_key(network_s, channel_s),
        campaign=campaign.cast("string"),
        post_id=post_id.cast("string"),
    )


def _visit_touches(visits: ir.Table, links: ir.Table) -> ir.Table:
    from socialroi.metrics.people import with_person

    v = with_person(
        visits.select("visitor_id", "session_id", "started_at", "channel", "network",
                      "campaign", "post_id"),
        links,
    )  # fmt: skip
    return _touch(
        v,
        person_id=v.person_id,
        touchpoint_id=ibis.literal("visit:").concat(v.session_id),
        touched_at=v.started_at,
        kind="visit",
        channel=v.channel,
        network=v.network,
        campaign=v.campaign,
        post_id=v.post_id,
    )


def _click_touches(t: Tables, visits: ir.Table, links: ir.Table) -> ir.Table:
    """Clicks with a visitor that opened no visit, with the link's post, network and channel."""
    from socialroi.metrics.people import with_person

    c = t.clicks.filter(t.clicks.visitor_id.notnull())
    c = c.select(
        c_code=c.code, c_clicked_at=c.clicked_at, c_click_id=c.click_id,
        c_visitor_id=c.visitor_id, c_referrer=c.referrer,
        c_epoch=_epoch(c.clicked_at),
    )  # fmt: skip
    # a click and the visit it opens are one touchpoint: drop clicks whose visit exists
    by_id = visits.filter(visits.click_id.notnull()).select(v_click_id=visits.click_id)
    c = c.anti_join(by_id, c.c_click_id == by_id.v_click_id)
    near = visits.select(v_visitor_id=visits.visitor_id, v_epoch=_epoch(visits.started_at))
    c = c.anti_join(
        near,
        [
            c.c_visitor_id == near.v_visitor_id,
            near.v_epoch >= c.c_epoch - CLICK_VISIT_SKEW_S,
            near.v_epoch <= c.c_epoch + CLICK_VISIT_WINDOW_S,
        ],
    )
    lk = t.links.select(
        c_code=t.links.code,
        l_post_id=t.links.post_id,
        l_source=trim(t.links.utm_source).nullif(""),
        l_medium=trim(t.links.utm_medium).nullif(""),
        l_campaign=trim(t.links.utm_campaign).nullif(""),
    )
    posts = t.posts.select(
        l_post_id=t.posts.post_id, p_profile_id=t.posts.profile_id,
        p_campaign=t.posts.campaign, p_paid=t.posts.paid,
    )  # fmt: skip
    profiles = t.profiles.select(p_profile_id=t.profiles.profile_id, p_network=t.profiles.network)
    x = c.join(lk, "c_code").left_join(posts, "l_post_id").left_join(profiles, "p_profile_id")
    ref_host = host_of(x.c_referrer)
    x = x.mutate(
        k_network=network_from_source(x.p_network).coalesce(
            network_from_source(x.l_source), network_from_referrer(ref_host)
        ),
        k_has_utm=x.l_source.notnull() | x.l_medium.notnull() | x.l_campaign.notnull(),
        k_ref_host=ref_host,
    )
    # source and medium as the visit's rules would resolve them for a tracked link (sessions.py)
    source = ibis.ifelse(
        x.k_has_utm,
        x.l_source.fill_null("(not set)"),
        x.k_network.coalesce(x.k_ref_host, ibis.literal("(not set)")),
    )
    medium = ibis.cases(
        (x.k_has_utm, x.l_medium.fill_null("(not set)")),
        (x.k_network.notnull() & x.p_paid.fill_null(False), "paid"),
        (x.k_network.notnull(), "social"),
        (x.k_ref_host.notnull(), "referral"),
        else_="(not set)",
    )
    campaign = ibis.ifelse(x.k_has_utm, x.l_campaign, trim(x.p_campaign).nullif(""))
    x = x.mutate(k_source=source, k_medium=medium, k_campaign=campaign)
    x = with_person(x.mutate(visitor_id=x.c_visitor_id), links)
    click_key = ibis.literal("click:").concat(
        x.c_visitor_id, ":", x.c_code, ":", x.c_epoch.cast("string"), ":",
        x.c_click_id.fill_null(""),
    )  # fmt: skip
    return _touch(
        x,
        person_id=x.person_id,
        touchpoint_id=click_key,
        touched_at=x.c_clicked_at,
        kind="click",
        channel=default_channel_group(x.k_source, x.k_medium, x.k_campaign),
        network=x.k_network,
        campaign=x.k_campaign,
        post_id=x.l_post_id,
    )


def _message_touches(t: Tables) -> ir.Table:
    """Inbound messages of a contact; a conversation's messages within 30 minutes are one."""
    from socialroi.metrics.people import contact_person

    m = t.messages
    m = m.filter(
        trim(m.direction).lower() == "inbound", m.contact_id.notnull(), trim(m.contact_id) != ""
    )
    m = m.mutate(
        m_network=network_from_source(m.network).coalesce(ibis.literal("other")),
        m_thread=m.thread_id.fill_null(""),
        m_epoch=_epoch(m.sent_at),
    )
    w = ibis.window(
        group_by=[m.contact_id, m.m_network, m.m_thread], order_by=[m.sent_at, m.message_id]
    )
    prev = m.m_epoch.lag().over(w)
    m = m.mutate(m_starts=prev.isnull() | ((m.m_epoch - prev) > CONVERSATION_GAP_S))
    m = m.filter(m.m_starts)
    return _touch(
        m,
        person_id=contact_person(m.contact_id),
        touchpoint_id=ibis.literal("message:").concat(m.message_id),
        touched_at=m.sent_at,
        kind="message",
        channel=ibis.literal("Organic Social"),
        network=m.m_network,
        campaign=ibis.null("string"),
        post_id=ibis.null("string"),
    )


def touchpoints(
    t: Tables, *, include_clicks: bool = True, include_messages: bool = True
) -> ir.Table:
    """Every touchpoint of every person.

    Visits (``socialroi.visits.sessions``) at ``started_at``; tracked-link clicks with a
    ``visitor_id`` that opened no visit (no visit carries the click's ``click_id``, and no visit
    of the same visitor starts between 1 minute before and 30 minutes after the click) at
    ``clicked_at``; inbound messages with a ``contact_id`` at ``sent_at``, where the messages of
    one conversation (contact, network, ``thread_id``) less than 30 minutes apart are one
    touchpoint. Persons are those of :mod:`socialroi.metrics.people`.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    include_clicks, include_messages
        Leave clicks or social conversations out (visits are always touchpoints).

    Returns
    -------
    ir.Table
        Grain: one row per touchpoint. Columns :data:`TOUCHPOINT_COLUMNS`: ``touchpoint_id``
        (``visit:<session_id>``, ``click:<visitor>:<code>:<epoch s>:<click_id>``,
        ``message:<message_id>``) is unique and breaks ties in time order; ``kind`` is
        ``visit``, ``click`` or ``message``; ``channel`` the GA4 channel group (a click's as its
        visit would have had; a message's ``Organic Social``); ``network`` null when not social;
        ``credit_key`` = network, else channel (:func:`credit_key`).

    Computed once per run of ``Engine.shared`` (the attribution section and the CLV's social
    customers read the same touchpoints).

    Tested by ``tests/attribution/test_touchpoints.py::test_click_and_its_visit_are_one_touch``.
    """
    key = f"touchpoints:clicks={include_clicks}:messages={include_messages}"
    return t.shared.get(
        key,
        lambda: _touchpoints(t, include_clicks=include_clicks, include_messages=include_messages),
    )


def _touchpoints(t: Tables, *, include_clicks: bool, include_messages: bool) -> ir.Table:
    from socialroi.metrics.people import visitor_contacts

    links = _shared(visitor_contacts(t))
    v = sessions(t)
    visits = _shared(
        v.select("visitor_id", "session_id", "started_at", "channel", "network", "campaign",
                 "post_id", "click_id")
    )  # fmt: skip
    parts = [_visit_touches(visits, links)]
    if include_clicks:
        parts.append(_click_touches(t, visits, links))
    if include_messages:
        parts.append(_message_touches(t))
    return ibis.union(*parts).select(*TOUCHPOINT_COLUMNS)


def conversions(
    t: Tables, *, conversion: Literal["customer", "lead", "revenue"] = "customer"
) -> ir.Table:
    """What attribution credits: leads, customers or revenue items.

    ``customer`` and ``lead``: a person counts once, at the first time
    (:mod:`socialroi.metrics.funnel`), with value 1. ``revenue``: every won deal and purchase
    (``socialroi.metrics.revenue_items`` without refunds) is a conversion whose value is its
    amount in base currency; refunds are not conversions, so attributed revenue is gross of
    refunds (the summary's revenue is net).

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    conversion
        One of :data:`CONVERSIONS`; anything else raises ``ConfigError``.

    Returns
    -------
    ir.Table
        Grain: one row per conversion. Columns ``conversion_id`` (``<person_id>#<k>``, k = 1, 2,
        … in time order per person), ``person_id``, ``converted_at`` (UTC), ``value`` (float64).
    """
    if conversion not in CONVERSIONS:
        raise ConfigError(
            f"unknown conversion {conversion!r}", hint=f"use one of {', '.join(CONVERSIONS)}"
        )
    return t.shared.get(f"conversions:{conversion}", lambda: _conversions(t, conversion))


def _conversions(t: Tables, conversion: Literal["customer", "lead", "revenue"]) -> ir.Table:
    from socialroi.metrics.funnel import customers, leads
    from socialroi.metrics.people import visitor_contacts
    from socialroi.metrics.revenue import REFUND_EVENT, revenue_items

    links = visitor_contacts(t)
    if conversion == "customer":
        cu = customers(t, links)
        base = cu.select("person_id", at=cu.customer_at, value=ibis.literal(1.0, type="float64"))
    elif conversion == "lead":
        ld = leads(t, links)
        base = ld.select("person_id", at=ld.lead_at, value=ibis.literal(1.0, type="float64"))
    else:
        rv = revenue_items(t, links)
        rv = rv.filter(rv.kind != REFUND_EVENT)
        base = rv.select("person_id", "at", value=rv.revenue.cast("float64"))
    return _numbered(base)


def _numbered(base: ir.Table) -> ir.Table:
    k = ibis.row_number().over(group_by=base.person_id, order_by=[base.at, base.value]) + 1
    return base.select(
        conversion_id=base.person_id.concat("#", k.cast("string")),
        person_id=base.person_id.cast("string"),
        converted_at=base.at.cast(TIMESTAMP),
        value=base.value.cast("float64"),
    )


def _canonical(touchpoints: ir.Table) -> ir.Table:
    """Touchpoints with the column types of :func:`touchpoints` (hand-built tables may differ)."""
    tp = touchpoints
    return tp.select(
        *(tp[c].cast("string") for c in TOUCHPOINT_COLUMNS[:2]),
        touched_at=tp.touched_at.cast(TIMESTAMP),
        **{c: tp[c].cast("string") for c in TOUCHPOINT_COLUMNS[3:]},
    )


def _check_window(window_days: int) -> None:
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days <= 0:
        raise ConfigError(
            f"window_days must be a positive whole number, got {window_days!r}",
            hint="the contract's lookback window is 90 days",
        )


def _ordered(rows: ir.Table, journey: str | list[str], end_epoch: ir.IntegerValue) -> ir.Table:
    """Add position (1..n by time, ties by touchpoint_id), n and days_before.

    ``journey`` names the column(s) that identify a journey.
    """
    keys = [rows[k] for k in ([journey] if isinstance(journey, str) else journey)]
    w = ibis.window(group_by=keys, order_by=[rows.touched_at, rows.touchpoint_id])
    return rows.mutate(
        position=(ibis.row_number().over(w) + 1).cast("int64"),
        n=rows.count().over(ibis.window(group_by=keys)).cast("int64"),
        days_before=((end_epoch - _epoch(rows.touched_at)) / _DAY_S).cast("float64"),
    )


def journeys(
    touchpoints: ir.Table,
    conversions: ir.Table,
    *,
    window_days: int = 90,
    keep_untouched: bool = True,
) -> ir.Table:
    """The path of every conversion: its touchpoints inside the lookback window.

    A touchpoint belongs to a conversion of the same person when
    ``converted_at − window_days < touched_at ≤ converted_at`` (whole seconds). A touchpoint can
    belong to several conversions of one person (revenue: each purchase has its own path).

    Parameters
    ----------
    touchpoints
        :func:`touchpoints` (or any table with :data:`TOUCHPOINT_COLUMNS`).
    conversions
        :func:`conversions`.
    window_days
        The lookback window (default 90, the contract's).
    keep_untouched
        A conversion without any touchpoint in the window gets one synthetic touch (``kind``
        ``none``, ``credit_key`` ``Unassigned``, at the conversion), so that every model sums
        to the total number and value of conversions. ``False`` drops such conversions.

    Returns
    -------
    ir.Table
        Grain: one row per (conversion, touchpoint). Columns :data:`JOURNEY_COLUMNS`:
        ``position`` 1..n in time order (ties by ``touchpoint_id``), ``n`` the path length,
        ``days_before`` = (converted_at − touched_at) in fractional days.

    Tested by ``tests/attribution/test_touchpoints.py::test_lookback_window_cut``.
    """
    _check_window(window_days)
    tp = _canonical(touchpoints)
    tp = tp.mutate(_t_epoch=_epoch(tp.touched_at))
    cv = conversions.select(
        conversion_id=conversions.conversion_id.cast("string"),
        person_id=conversions.person_id.cast("string"),
        converted_at=conversions.converted_at.cast(TIMESTAMP),
        value=conversions.value.cast("float64"),
    )
    cv = cv.mutate(_c_epoch=_epoch(cv.converted_at))
    cv_r = cv.rename(_c_person_id="person_id")
    joined = cv_r.join(
        tp,
        [
            cv_r._c_person_id == tp.person_id,
            tp._t_epoch <= cv_r._c_epoch,
            tp._t_epoch > cv_r._c_epoch - window_days * _DAY_S,
        ],
    )
    rows = joined.select(
        "conversion_id", "person_id", "converted_at", "value", "_c_epoch",
        *TOUCHPOINT_COLUMNS[1:],
    )  # fmt: skip
    if keep_untouched:
        touched = rows.select(_touched_id=rows.conversion_id).distinct()
        bare = cv.anti_join(touched, cv.conversion_id == touched._touched_id)
        null_s = ibis.null("string")
        filler = bare.select(
            "conversion_id", "person_id", "converted_at", "value", "_c_epoch",
            touchpoint_id=ibis.literal("none:").concat(bare.conversion_id),
            touched_at=bare.converted_at.cast(TIMESTAMP),
            kind=ibis.literal("none").cast("string"),
            channel=ibis.literal(UNASSIGNED).cast("string"),
            network=null_s,
            credit_key=ibis.literal(UNASSIGNED).cast("string"),
            campaign=null_s,
            post_id=null_s,
        )  # fmt: skip
        rows = ibis.union(rows, filler.select(*rows.columns))
    return _ordered(rows, "conversion_id", rows._c_epoch).select(*JOURNEY_COLUMNS)


def null_journeys(
    touchpoints: ir.Table, conversions: ir.Table, *, window_days: int = 90
) -> ir.Table:
    """Paths that led to no conversion (Markov's ``(null)``, conversion rates of path reports).

    Rule: a person's touchpoints are cut by their conversions into segments (the touches after
    conversion k−1 up to conversion k, and the touches after the last conversion). A touchpoint
    is **converting** when the conversion that ends its segment comes less than ``window_days``
    after it (then it is in that conversion's journey). The non-converting touchpoints of a
    segment form at most one null journey: those within ``window_days`` up to and including the
    segment's last non-converting touchpoint (its end). So a person who never converts has one
    null journey, the ``window_days`` ending at their last touch; a converted person adds one
    for the touches after their last conversion, and one for each run of touches too old for
    the conversion that followed. Recent null journeys may still convert later (right
    censoring); nothing corrects for that.

    Parameters
    ----------
    touchpoints
        :func:`touchpoints`.
    conversions
        :func:`conversions` (the same kind as the journeys they are compared with).
    window_days
        The lookback window (default 90).

    Returns
    -------
    ir.Table
        Grain: one row per (null journey, touchpoint). Columns :data:`NULL_JOURNEY_COLUMNS`:
        ``journey_id`` = ``<person_id>#null<k>`` (k = conversions of the person before it),
        ``ended_at`` the journey's last touch, ``position``, ``n``, ``days_before`` (to
        ``ended_at``) as in :func:`journeys`.

    Tested by ``tests/attribution/test_touchpoints.py::test_null_journeys``.
    """
    _check_window(window_days)
    span = window_days * _DAY_S
    tp = _canonical(touchpoints)
    # Most people never convert: their one null journey needs no segments, so they skip the
    # ordered pass that cuts a converter's touches at each conversion.
    converters = conversions.select(_cv_person=conversions.person_id.cast("string")).distinct()
    never = tp.anti_join(converters, tp.person_id == converters._cv_person)
    some = tp.semi_join(converters, tp.person_id == converters._cv_person)
    return ibis.union(
        _never_converted(never, span), _segmented(some, conversions, span)
    ).select(*NULL_JOURNEY_COLUMNS)


def _never_converted(tp: ir.Table, span: int) -> ir.Table:
    """Null journeys of people without conversions: the ``span`` seconds up to their last touch."""
    tp = tp.mutate(_epoch=_epoch(tp.touched_at))
    person = ibis.window(group_by=tp.person_id)
    tp = tp.mutate(_end=tp._epoch.max().over(person), ended_at=tp.touched_at.max().over(person))
    kept = tp.filter((tp._end - tp._epoch) < span)
    kept = kept.mutate(journey_id=kept.person_id.concat("#null0"))
    return _ordered(kept, "person_id", kept._end).select(*NULL_JOURNEY_COLUMNS)


def _segmented(touchpoints: ir.Table, conversions: ir.Table, span: int) -> ir.Table:
    """Null journeys of people with conversions: touches cut into segments by conversions."""
    null_ts = ibis.null(TIMESTAMP)
    null_s = ibis.null("string")
    tp = touchpoints.select(
        *TOUCHPOINT_COLUMNS, _is_conv=ibis.literal(0, type="int64"), _conv_at=null_ts
    )
    cv = conversions.select(
        person_id=conversions.person_id.cast("string"),
        touchpoint_id=null_s,
        touched_at=conversions.converted_at.cast(TIMESTAMP),
        kind=null_s, channel=null_s, network=null_s, credit_key=null_s, campaign=null_s,
        post_id=null_s,
        _is_conv=ibis.literal(1, type="int64"),
        _conv_at=conversions.converted_at.cast(TIMESTAMP),
    )  # fmt: skip
    ev = ibis.union(tp, cv)
    ev = ev.mutate(_epoch=_epoch(ev.touched_at))
    # in the same whole second a touch comes first: it belongs to the conversion's journey
    # (journeys() compares whole seconds)
    order = [ev._epoch, ev._is_conv, ev.touched_at, ev.touchpoint_id]
    cum = ev._is_conv.sum().over(ibis.cumulative_window(group_by=ev.person_id, order_by=order))
    ev = ev.mutate(_segment=(cum - ev._is_conv).cast("int64"))
    # the conversion that ends segment s is the person's (s+1)-th: found by a join with the
    # (small) numbered conversions rather than a window over every touch
    cv_order = ibis.window(group_by=cv.person_id, order_by=cv.touched_at)
    ends = cv.select(
        _c_person=cv.person_id,
        _c_segment=ibis.row_number().over(cv_order).cast("int64"),
        _next_conv=_epoch(cv.touched_at),
    )
    touches = ev.filter(ev._is_conv == 0)
    touches = touches.left_join(
        ends,
        [touches.person_id == ends._c_person, touches._segment == ends._c_segment],
    ).drop("_c_person", "_c_segment")
    lost = touches.filter(
        touches._next_conv.isnull() | ((touches._next_conv - touches._epoch) >= span)
    )
    by_segment = ibis.window(group_by=[lost.person_id, lost._segment])
    # the segment's last lost touch survives the cut below, so its time is the journey's end
    lost = lost.mutate(
        _end=lost._epoch.max().over(by_segment),
        ended_at=lost.touched_at.max().over(by_segment),
    )
    lost = lost.filter((lost._end - lost._epoch) < span)
    lost = lost.mutate(journey_id=lost.person_id.concat("#null", lost._segment.cast("string")))
    return _ordered(lost, ["person_id", "_segment"], lost._end).select(*NULL_JOURNEY_COLUMNS)


# --------------------------------------------------------------------------------------------
# Steps: each touch with the touches before it in its journey (one ordered pass)
# --------------------------------------------------------------------------------------------

#: Columns of a step table (:meth:`NullJourneys.steps`, :func:`journey_steps`), then
#: ``_lag1`` … ``_lag<depth>``.
STEP_COLUMNS: tuple[str, ...] = ("_key", "_last", "_is_null", "_value")


def _lag_name(k: int) -> str:
    return f"_lag{k}"


def journey_steps(rows: ir.Table, depth: int = 1) -> ir.Table:
    """One row per touch of journey rows: its key, whether it ends the journey, and the keys of
    the ``depth`` touches before it in the same journey.

    ``rows`` has ``_id`` (the journey), ``credit_key``, ``position``, ``n``, ``value`` and
    ``_is_null`` (1 for a null journey). Columns :data:`STEP_COLUMNS` plus ``_lag1`` (the
    previous touch's key, null at the first touch) … ``_lag<depth>``.
    """
    _check_depth(depth)
    w = ibis.window(group_by=rows._id, order_by=rows.position)
    return rows.select(
        _key=rows.credit_key.cast("string"),
        _last=rows.position == rows.n,
        _is_null=rows._is_null.cast("int64"),
        _value=rows.value.cast("float64"),
        **{_lag_name(k): rows.credit_key.cast("string").lag(k).over(w)
           for k in range(1, depth + 1)},
    )  # fmt: skip


def _check_depth(depth: int) -> None:
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_STEP_DEPTH:
        raise ConfigError(f"depth must be a whole number from 1 to {MAX_STEP_DEPTH}, got {depth!r}")


#: How :func:`_person_steps` orders a person's touches and which rows it returns.
StepPass = Literal["exact", "fast", "ties"]


def _person_steps(
    tp: ir.Table,
    span: int,
    depth: int,
    ended: tuple[ir.Value, ir.Value] | None,
    how: StepPass = "exact",
) -> ir.Table:
    """:func:`journey_steps` of the journeys of people with at most one conversion, in ONE
    ordered pass over their touchpoints (no journey numbering first).

    The steps' keys have the type of ``tp.credit_key`` (text, or the numbers of
    :meth:`NullJourneys.never_converted_steps`' ``codes``). ``tp`` may have, per person,
    ``_conv_e`` (their one conversion's whole seconds since 1970;
    null: none), ``_conv_in`` (whether its own journey is wanted), ``_conv_value`` (its value)
    and ``_ties`` (return only the steps ``ties`` would); without those columns nobody in
    ``tp`` converted. With C = ``_conv_e`` and e a touch's whole seconds, the rules of
    :func:`journeys` and :func:`null_journeys` make the touch

    - *converting* when C − span < e ≤ C: in the conversion's journey (kept with ``_conv_in``);
    - *old* when e ≤ C − span: in the null journey of the old touches, their last ``span``
      seconds (up to the last old touch);
    - *after* when e > C, or without a conversion: in the null journey of the after touches,
      their last ``span`` seconds (up to the person's last touch).

    In time order the three kinds come one run after the other, and each journey is a suffix
    of its run. So a touch's k-th predecessor in its journey is its k-th predecessor in the
    person's order when that one's time is above the journey's lower bound ``lo`` (C − span;
    the last old touch − span; the larger of C and the last touch − span), and a touch ends
    its journey when the next touch is above the run's upper bound (C − span; C; none).

    ``how``: ``exact`` orders by time, ties by ``touchpoint_id``, and returns every step.
    ``fast`` orders by time alone — a narrower sort, and touches at the same instant are rare —
    and adds ``_tied``: the person, on the steps whose output the order of equal times could
    change (a touch whose time equals the next one's, or whose ``depth + 1`` predecessors'
    times are not all different from their neighbours'), else null. ``ties`` orders exactly
    and returns only those steps. Which positions are tied depends only on the sorted times,
    the same in both orders, so the ``fast`` steps without ``_tied`` plus the ``ties`` steps
    of the tied people are exactly the ``exact`` steps (:func:`socialroi.attribution.reports.
    count_steps`).
    """
    converted = "_conv_e" in tp.columns
    order = [tp.touched_at] if how == "fast" else [tp.touched_at, tp.touchpoint_id]
    # one window (same partition and order for every column): the engine sorts once
    w = ibis.window(group_by=tp.person_id, order_by=order)
    at = tp.touched_at
    # the last touch in time order is the latest: reading its time (last_value over the whole
    # partition) costs DuckDB less than a max over the same frame (10M touches: 0.2 s)
    cols: dict[str, ir.Value] = {"_end_at": at.last().over(w), "_next_at": at.lead().over(w)}
    if converted:
        old = _epoch(at) <= tp._conv_e - span
        cols["_old_end_at"] = ibis.ifelse(old, at, ibis.null(TIMESTAMP)).max().over(w)
    lags = depth if how == "exact" and "_ties" not in tp.columns else depth + 1
    for k in range(1, lags + 1):
        cols[f"_t{k}"] = at.lag(k).over(w)
    for k in range(1, depth + 1):
        cols[f"_k{k}"] = tp.credit_key.lag(k).over(w)
    x = tp.mutate(**cols)
    e = _epoch(x.touched_at)
    end = _epoch(x._end_at) - span
    keep: list[ir.BooleanValue] = []
    if converted:
        c = x._conv_e
        after = c.isnull() | (e > c)
        converting = ~after & (e > c - span)
        lo = ibis.cases(
            (after, ibis.ifelse(c.isnull() | (c < end), end, c)),
            (converting, c - span),
            else_=_epoch(x._old_end_at) - span,
        )
        nxt = _epoch(x._next_at)
        last = x._next_at.isnull() | ibis.cases(
            (after, False), (converting, nxt > c), else_=nxt > c - span
        )
        keep.append(~converting | x._conv_in)
        ended_at = ibis.ifelse(after, x._end_at, x._old_end_at)
        x = x.mutate(_lo=lo, _last=last, _converting=converting, _ended_at=ended_at)
        null_side: ir.BooleanValue = ~x._converting
        is_null = ibis.ifelse(x._converting, 0, 1)
        value = ibis.ifelse(x._converting, x._conv_value, 0.0)
    else:
        x = x.mutate(_lo=end, _last=x._next_at.isnull(), _ended_at=x._end_at)
        null_side = ibis.literal(True)
        is_null, value = ibis.literal(1), ibis.literal(0.0)
    keep.append(_epoch(x.touched_at) > x._lo)
    if ended is not None:
        keep.append(~null_side | ((x._ended_at >= ended[0]) & (x._ended_at < ended[1])))
    if how == "ties":
        keep.append(_tied(x, depth))
    if "_ties" in x.columns:
        keep.append(~x._ties | _tied(x, depth))
    x = x.filter(*keep)
    no_key = ibis.null(x.credit_key.type())
    out = {
        "_key": x.credit_key,
        "_last": x._last,
        "_is_null": is_null.cast("int64"),
        "_value": value.cast("float64"),
        **{_lag_name(k): ibis.ifelse(_epoch(x[f"_t{k}"]) > x._lo, x[f"_k{k}"], no_key)
           for k in range(1, depth + 1)},
    }  # fmt: skip
    if how == "fast":
        out["_tied"] = ibis.ifelse(_tied(x, depth), x.person_id, ibis.null("string"))
    return x.select(**out)


def _tied(x: ir.Table, depth: int) -> ir.BooleanValue:
    """Whether a step of :func:`_person_steps` could change with the order of equal times:
    two neighbours among its ``depth + 1`` predecessors, itself and its successor share a
    time."""
    times = [x.touched_at, *(x[f"_t{k}"] for k in range(1, depth + 2))]
    equal = [x._next_at == x.touched_at]
    equal += [a == b for a, b in zip(times, times[1:], strict=False)]
    return ibis.or_(*(e.fill_null(False) for e in equal))


@dataclasses.dataclass(frozen=True, slots=True)
class NullJourneys:
    """The null journeys of :func:`null_journeys`, described by their inputs rather than built.

    Most touchpoints belong to people who never convert, and most of the others to people who
    converted once. Reports that need only each touch's predecessors in its journey —
    Markov's transition counts, the conversion rate of the top paths — read those people's
    touches in one ordered pass each (:meth:`never_converted_steps`, about the cost of the
    bare lag/lead query, and :meth:`converted_once_steps`), instead of first numbering every
    null journey's touches; the few people with several conversions go through
    :func:`null_journeys`' segment rules. Everything else reads :meth:`rows`, the table
    :func:`null_journeys` returns.

    Attributes
    ----------
    touchpoints, conversions, window_days
        As :func:`null_journeys`.
    ended_from, ended_before
        Keep only null journeys whose last touch (``ended_at``) is in [ended_from,
        ended_before) (UTC); None: all.
    converting
        The conversions whose journeys go with these null journeys (:func:`journeys` of them
        over the same touchpoints and window), when a report builds them itself
        (``count_steps(engine, None, …)``): some of ``conversions``' rows (say, those in a
        period); None: all of them.

    Tested by ``tests/attribution/test_touchpoints.py::test_null_journey_steps_match_rows``.
    """

    touchpoints: ir.Table
    conversions: ir.Table
    window_days: int = 90
    ended_from: dtm.datetime | None = None
    ended_before: dtm.datetime | None = None
    converting: ir.Table | None = None

    def __post_init__(self) -> None:
        _check_window(self.window_days)
        if (self.ended_from is None) != (self.ended_before is None):
            raise ConfigError("give both ended_from and ended_before, or neither")

    def with_touchpoints(self, touchpoints: ir.Table) -> NullJourneys:
        """The same null journeys over other touchpoint rows (e.g. credit keys at another
        level: ``compare.at_level``)."""
        return dataclasses.replace(self, touchpoints=touchpoints)

    def _ended(self) -> tuple[ir.Value, ir.Value] | None:
        if self.ended_from is None or self.ended_before is None:
            return None
        return (
            ibis.literal(self.ended_from, type=TIMESTAMP),
            ibis.literal(self.ended_before, type=TIMESTAMP),
        )

    def _converting(self) -> ir.Table:
        return self.conversions if self.converting is None else self.converting

    def rows(self) -> ir.Table:
        """:func:`null_journeys` of the inputs, restricted to the ``ended_*`` bounds."""
        nj = null_journeys(self.touchpoints, self.conversions, window_days=self.window_days)
        ended = self._ended()
        return nj if ended is None else nj.filter(nj.ended_at >= ended[0], nj.ended_at < ended[1])

    def steps(self, depth: int = 1) -> ir.Table:
        """:func:`journey_steps` of every null journey (``_is_null`` 1, ``_value`` 0).

        People with at most one conversion: one ordered pass over their touchpoints
        (:meth:`never_converted_steps`, :meth:`converted_once_steps`). People with several:
        their null journeys' rows (:func:`null_journeys`), then the same columns
        (:meth:`converter_steps`).
        """
        return ibis.union(
            self.never_converted_steps(depth),
            self.converted_once_steps(depth),
            self.converter_steps(depth),
        )

    def _per_person(self) -> ir.Table:
        cv = self.conversions
        return cv.group_by(_cv_person=cv.person_id.cast("string")).aggregate(
            _n_conv=cv.count(), _conv_at=cv.converted_at.cast(TIMESTAMP).max()
        )

    def repeat_converters(self) -> ir.Table:
        """The people with several conversions (column ``_cv_person``): :meth:`converter_steps`
        and :meth:`repeat_journeys` are about them."""
        per = self._per_person()
        return per.filter(per._n_conv > 1).select("_cv_person")

    def never_converted_steps(
        self,
        depth: int = 1,
        how: StepPass = "exact",
        people: ir.Table | None = None,
        codes: ir.Table | None = None,
    ) -> ir.Table:
        """The steps of the null journeys of people without conversions, in one ordered pass
        (:func:`_person_steps`).

        ``how`` (``exact``, ``fast`` or ``ties``) as :func:`_person_steps`; ``people``: only
        the persons in its ``_tied`` column (for ``ties``). ``codes`` (columns ``_ck``, a
        credit key, and ``_code``, its number: :meth:`key_names`): the steps' keys
        are those numbers (null for a key not in ``codes``) instead of the keys. Numbers are
        cheaper to sort, carry and group than text (10M touches: the pass takes 0.4 s less).
        """
        _check_depth(depth)
        tp = _canonical(self.touchpoints)
        per = self._per_person()
        never = tp.anti_join(per, tp.person_id == per._cv_person)
        if people is not None:
            never = never.semi_join(people, never.person_id == people._tied)
        if codes is not None:
            never = never.left_join(codes, never.credit_key == codes._ck)
            never = never.select(
                *(c for c in TOUCHPOINT_COLUMNS if c != "credit_key"), credit_key=never._code
            )
        return _person_steps(never, self.window_days * _DAY_S, depth, self._ended(), how)

    def key_names(self) -> ir.Table:
        """The distinct credit keys of the touchpoints (``_ck``, no null) in order, numbered
        from 0 (``_code``, int32): the ``codes`` of :meth:`never_converted_steps`."""
        tp = self.touchpoints
        keys = tp.select(_ck=tp.credit_key.cast("string")).distinct()
        keys = keys.filter(keys._ck.notnull())
        code = ibis.row_number().over(order_by=keys._ck).cast("int32")
        return keys.select("_ck", _code=code).order_by("_code")

    def converted_once_steps(
        self, depth: int = 1, *, with_converting: bool = False, tied: ir.Table | None = None
    ) -> ir.Table:
        """The steps of the null journeys of people with exactly one conversion, in one
        ordered pass (:func:`_person_steps`, exact order).

        ``with_converting``: also the steps of those people's journeys of
        :attr:`converting` (``_is_null`` 0, ``_value`` the conversion's), as
        :func:`journey_steps` of :func:`journeys` gives them, except that a conversion with no
        touch in its window has no step here (``count_steps`` adds its synthetic touch).
        ``tied``: also, in the same pass (one read of the touchpoints), what
        :meth:`never_converted_steps` with ``how="ties"`` returns for those people.
        """
        _check_depth(depth)
        tp = _canonical(self.touchpoints)
        per = self._per_person()
        per = per.filter(per._n_conv == 1)
        extra: dict[str, ir.Value] = {
            "_conv_in": ibis.literal(False),
            "_conv_value": ibis.null("float64"),
        }
        if with_converting:
            cv = self._converting()
            mine = cv.group_by(_ci_person=cv.person_id.cast("string")).aggregate(
                _ci_n=cv.count(), _ci_value=cv.value.cast("float64").sum()
            )
            per = per.left_join(mine, per._cv_person == mine._ci_person)
            extra = {"_conv_in": (per._ci_n == 1).fill_null(False), "_conv_value": per._ci_value}
        per = per.select("_cv_person", _conv_e=_epoch(per._conv_at), **extra)
        if tied is not None:
            per = ibis.union(
                per.mutate(_ties=ibis.literal(False)),
                tied.select(
                    _cv_person=tied._tied.cast("string"),
                    _conv_e=ibis.null("int64"),
                    _conv_in=ibis.literal(False),
                    _conv_value=ibis.null("float64"),
                    _ties=ibis.literal(True),
                ),
            )
        x = tp.join(per, tp.person_id == per._cv_person)
        x = x.select(*TOUCHPOINT_COLUMNS, *(c for c in per.columns if c != "_cv_person"))
        return _person_steps(x, self.window_days * _DAY_S, depth, self._ended())

    def converter_steps(self, depth: int = 1) -> ir.Table:
        """The steps of the null journeys of people with several conversions (the segment
        rules)."""
        _check_depth(depth)
        span = self.window_days * _DAY_S
        tp = _canonical(self.touchpoints)
        repeat = self.repeat_converters()
        some = tp.semi_join(repeat, tp.person_id == repeat._cv_person)
        cv = self.conversions
        ended = self._ended()
        seg = _segmented(
            some, cv.semi_join(repeat, cv.person_id.cast("string") == repeat._cv_person), span
        )
        if ended is not None:
            seg = seg.filter(seg.ended_at >= ended[0], seg.ended_at < ended[1])
        seg_rows = seg.select(
            _id=seg.journey_id, credit_key=seg.credit_key, position=seg.position, n=seg.n,
            value=ibis.literal(0.0, type="float64"), _is_null=ibis.literal(1, type="int64"),
        )  # fmt: skip
        return journey_steps(seg_rows, depth)

    def repeat_journeys(self) -> ir.Table:
        """:func:`journeys` of the :attr:`converting` conversions of people with several
        conversions (the others' are in :meth:`converted_once_steps`)."""
        repeat = self.repeat_converters()
        tp = self.touchpoints
        cv = self._converting()
        return journeys(
            tp.semi_join(repeat, tp.person_id.cast("string") == repeat._cv_person),
            cv.semi_join(repeat, cv.person_id.cast("string") == repeat._cv_person),
            window_days=self.window_days,
        )
