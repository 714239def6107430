"""Visits: web events cut into sessions, each with its source, channel and network.

One pipeline (:func:`_numbered`, :func:`_visits`) serves :func:`sessions` (one row per visit) and
:func:`events_with_sessions` (one row per web event). The rule is the data contract's
("Visit", ``../shared/specs/data-contract.md``), written out in ``docs/visits.md``:

* a new session starts with a visitor's first event, after more than ``timeout_minutes``
  without events (measured in whole seconds; exactly 30 minutes continues the session), or
  at a *source event* whose source key differs from the session's;
* a source event has a UTM tag, a recognised click id (a tracked short-link click or an
  ad click-id URL parameter) or an external http/https/android-app referrer; any other event
  is direct and only ever continues the current session;
* the session's source is its first event's; a session that began direct has none, so any
  source event within the timeout starts a new one (Universal Analytics / Matomo behaviour,
  so socialroi counts at least as many sessions as GA4 on the same hits).

Because a source event never joins a session whose key differs, "the session's key" is simply
the key of the previous source event in the same inactivity run, which window functions
compute without recursion: lag over the run's source events only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

from socialroi.engine.tables import Tables
from socialroi.errors import ConfigError
from socialroi.visits._text import trim
from socialroi.visits.channels import default_channel_group
from socialroi.visits.networks import host_of, network_from_referrer, network_from_source
from socialroi.visits.sources import AD_CLICK_IDS, MASTODON_INSTANCES

__all__ = ["SESSION_COLUMNS", "SOURCE_KEY", "events_with_sessions", "sessions"]

#: Columns of :func:`sessions`, in order (other packages depend on them).
SESSION_COLUMNS: tuple[str, ...] = (
    "workspace_id",
    "visitor_id",
    "session_id",
    "started_at",
    "ended_at",
    "events",
    "pageviews",
    "landing_url",
    "source",
    "medium",
    "campaign",
    "content",
    "term",
    "referrer_host",
    "click_id",
    "link_code",
    "post_id",
    "channel",
    "network",
    "is_social",
)

#: The fields whose change (compared lower-cased) starts a new session at a source event.
SOURCE_KEY: tuple[str, ...] = ("source", "medium", "campaign", "content", "term", "link_code")

_UTM = ("source", "medium", "campaign", "content", "term")
_CLICK_PARAMS = "|".join(AD_CLICK_IDS)
_SEP = "\x1f"  # unit separator between the fields of the source key
#: The visit's fields its channel and network are computed from.
_LABEL_INPUTS = ("source", "medium", "campaign", "_link_network", "_utm_network_source",
                 "_ad_network", "referrer_host")  # fmt: skip


def sessions(
    t: Tables,
    *,
    timeout_minutes: int = 30,
    mastodon_instances: Iterable[str] = MASTODON_INSTANCES,
) -> ir.Table:
    """Visits of the workspace.

    Grain: one row per visit (session) of one visitor.

    Parameters
    ----------
    t
        The workspace's tables; reads ``web_events``, ``clicks``, ``links``, ``posts`` and
        ``profiles``.
    timeout_minutes
        Inactivity after which the next event starts a new session (default 30; a gap of
        exactly ``timeout_minutes`` continues the session).
    mastodon_instances
        Hosts whose referrals count as network ``mastodon`` (default: the shipped list).

    Returns
    -------
    ir.Table
        Columns :data:`SESSION_COLUMNS`: ``session_id`` is ``visitor_id || ':' || event_id``
        of the first event; ``started_at``/``ended_at`` the first and last event times;
        ``events`` and ``pageviews`` (events named ``pageview``) are int64; source fields come
        from the first event (UTM, else click id, else referrer; nothing → ``(direct)`` /
        ``(none)``); ``channel`` is the GA4 default channel group; ``network`` one of
        ``NETWORKS`` or null; ``is_social`` is ``network IS NOT NULL``.

    With the default parameters, the workspace's stored sessions (``t.derived["sessions"]``,
    kept by :mod:`socialroi.aggregates`) are returned when they are fresh: the same rows, read
    instead of recomputed.

    Tested by ``tests/visits/test_sessions.py`` (hand-computed cases) and
    ``test_sessions_same_on_both``.
    """
    stored = t.derived.get("sessions")
    if stored is not None and timeout_minutes == 30 and mastodon_instances is MASTODON_INSTANCES:
        return stored.select(*SESSION_COLUMNS)
    # the windows sort narrow rows (no URL or source fields); the visit's fields are resolved
    # again from its first event alone
    e = _event_sources(t)
    narrow = e.select("visitor_id", "event_id", "occurred_at", "_is_source", "_key", "_pageview")
    return _visits(t, _numbered(narrow, timeout_minutes), mastodon_instances).select(
        *SESSION_COLUMNS
    )


def events_with_sessions(
    t: Tables,
    *,
    timeout_minutes: int = 30,
    mastodon_instances: Iterable[str] = MASTODON_INSTANCES,
) -> ir.Table:
    """Every web event with the visit it belongs to.

    Grain: one row per ``web_events`` row. Columns: all of ``web_events``, then
    ``session_id``, ``channel``, ``network`` and ``post_id`` of the event's visit (as in
    :func:`sessions`, with the same parameters).
    """
    events = _numbered(_event_sources(t), timeout_minutes)
    visit = _visits(t, events, mastodon_instances).select(
        "visitor_id", "_session_no", "session_id", "channel", "network", "post_id"
    )
    joined = events.join(visit, ["visitor_id", "_session_no"])
    return joined.select(*t.web_events.columns, "session_id", "channel", "network", "post_id")


def _clean(value: ir.StringValue) -> ir.StringValue:
    """Trimmed, with the empty string as null."""
    return trim(value).nullif("")


def _tracked_clicks(t: Tables) -> ir.Table:
    """One row per tracked click_id: the link's code, UTM tags, post and network."""
    clicks = t.clicks.filter(t.clicks.click_id.notnull())
    # clicks carry no unique constraint: keep one code per click_id, deterministically
    per_click = clicks.group_by(_click_id=clicks.click_id).aggregate(_link_code=clicks.code.min())
    links = t.links.select(
        _link_code=t.links.code,
        _link_post_id=t.links.post_id,
        **{f"_link_utm_{f}": t.links[f"utm_{f}"] for f in _UTM},
    )
    posts = t.posts.select(
        _link_post_id=t.posts.post_id,
        _profile_id=t.posts.profile_id,
        _post_campaign=t.posts.campaign,
        _post_paid=t.posts.paid,
    )
    profiles = t.profiles.select(
        _profile_id=t.profiles.profile_id, _post_network=t.profiles.network
    )
    out = (
        per_click.join(links, "_link_code")
        .left_join(posts, "_link_post_id")
        .left_join(profiles, "_profile_id")
    )
    network = network_from_source(out._post_network).coalesce(
        network_from_source(out._link_utm_source)
    )
    return out.select(
        "_click_id",
        "_link_code",
        "_link_post_id",
        "_post_campaign",
        "_post_paid",
        *(f"_link_utm_{f}" for f in _UTM),
        _link_network=network,
    )


def _event_sources(t: Tables) -> ir.Table:
    """web_events plus each event's resolved source fields, ``_is_source``, ``_key`` and
    ``_pageview`` (1 for an event named ``pageview``, else 0)."""
    tracked = _tracked_clicks(t)
    we = t.web_events
    e = we.left_join(tracked, we.click_id == tracked._click_id).select(
        *we.columns,
        *(c for c in tracked.columns if c != "_click_id"),
    )
    # staged mutates: each stage refers to the previous one's columns, which keeps the
    # compiled SQL small (one inlined expression tree would repeat every rule many times)
    e = e.mutate(
        **{f"_ev_{f}": _clean(e[f"utm_{f}"]) for f in _UTM},
        _ad_param=e.url.re_extract(rf"(?i)[?&]({_CLICK_PARAMS})=[^&#]", 1).lower().nullif(""),
        _ad_value=e.url.re_extract(rf"(?i)[?&](?:{_CLICK_PARAMS})=([^&#]+)", 1).nullif(""),
        _ref_host=host_of(e.referrer),
        _url_host=host_of(e.url),
    )
    has_ev_utm = ibis.or_(*(e[f"_ev_{f}"].notnull() for f in _UTM))
    e = e.mutate(
        _has_ev_utm=has_ev_utm,
        _is_external=(
            e._ref_host.notnull()
            & (e._ref_host != "localhost")
            & (e._url_host.isnull() | (e._ref_host != e._url_host))
        ).fill_null(False),
    )
    e = e.mutate(
        **{
            f"_utm_{f}": ibis.ifelse(e._has_ev_utm, e[f"_ev_{f}"], _clean(e[f"_link_utm_{f}"]))
            for f in _UTM
        },
        _ext_host=ibis.ifelse(e._is_external, e._ref_host, ibis.null("string")),
    )
    null_s = ibis.null("string")
    e = e.mutate(
        _has_utm=ibis.or_(*(e[f"_utm_{f}"].notnull() for f in _UTM)),
        _is_tracked=e._link_code.notnull(),
        _has_ad=e._ad_param.notnull(),
    )
    has_utm, is_tracked, has_ad, is_external = e._has_utm, e._is_tracked, e._has_ad, e._is_external
    link_medium = ibis.cases(
        (e._link_network.notnull() & e._post_paid.fill_null(False), "paid"),
        (e._link_network.notnull(), "social"),
        (is_external, "referral"),
        else_="(not set)",
    )
    e = e.mutate(
        _source=ibis.cases(
            (has_utm, e._utm_source.fill_null("(not set)")),
            (is_tracked, e._link_network.coalesce(e._ext_host, "(not set)")),
            (has_ad, e._ad_param.substitute({k: v[0] for k, v in AD_CLICK_IDS.items()})),
            (is_external, e._ext_host),
            else_="(direct)",
        ),
        _medium=ibis.cases(
            (has_utm, e._utm_medium.fill_null("(not set)")),
            (is_tracked, link_medium),
            (has_ad, e._ad_param.substitute({k: v[1] for k, v in AD_CLICK_IDS.items()})),
            (is_external, "referral"),
            else_="(none)",
        ),
        _campaign=ibis.cases(
            (has_utm, e._utm_campaign), (is_tracked, _clean(e._post_campaign)), else_=null_s
        ),
        _content=ibis.ifelse(has_utm, e._utm_content, null_s),
        _term=ibis.ifelse(has_utm, e._utm_term, null_s),
        _is_source=has_utm | is_tracked | has_ad | is_external,
        _referrer_host=e._ext_host,
        _click_id=ibis.ifelse(is_tracked, e.click_id, e._ad_value),
        _ad_network=ibis.ifelse(
            has_utm | is_tracked,
            null_s,
            e._ad_param.substitute(
                {k: v[2] for k, v in AD_CLICK_IDS.items() if v[2] is not None}, else_=null_s
            ),
        ),
        _utm_network_source=ibis.ifelse(has_utm, e._utm_source, null_s),
    )
    key_parts = [e._source, e._medium, e._campaign, e._content, e._term, e._link_code]
    key = ibis.literal(_SEP).join([p.lower().fill_null("") for p in key_parts])
    return e.mutate(
        _key=ibis.ifelse(e._is_source, key, null_s),
        _pageview=(e.event.lower() == "pageview").cast("int64"),
    )


def _numbered(e: ir.Table, timeout_minutes: int) -> ir.Table:
    """``e`` (events with ``visitor_id``, ``occurred_at``, ``event_id``, ``_is_source`` and
    ``_key``: :func:`_event_sources`) plus ``_is_start`` and ``_session_no``.

    ``_session_no`` numbers a visitor's sessions 1, 2, … in time order; a visit is identified by
    (``visitor_id``, ``_session_no``). Four window passes over the events, all partitioned by
    visitor: the gaps, the inactivity runs, the previous source event of the run, and the session
    number; each pass sorts every column of ``e``, so :func:`sessions` passes narrow rows.
    """
    if isinstance(timeout_minutes, bool) or not isinstance(timeout_minutes, int):
        raise ConfigError(f"timeout_minutes must be a whole number, got {timeout_minutes!r}")
    if timeout_minutes <= 0:
        raise ConfigError(
            f"timeout_minutes must be positive, got {timeout_minutes}",
            hint="the contract's session timeout is 30 minutes",
        )
    order = ["occurred_at", "event_id"]  # ties on occurred_at broken by event_id
    epoch = e.occurred_at.truncate("s").epoch_seconds().cast("int64")
    e = e.mutate(_epoch=epoch)
    by_visitor = ibis.window(group_by="visitor_id", order_by=order)
    prev = e._epoch.lag().over(by_visitor)
    e = e.mutate(_gap=(prev.isnull() | ((e._epoch - prev) > timeout_minutes * 60)).cast("int64"))
    e = e.mutate(
        _run=e._gap.sum().over(ibis.cumulative_window(group_by="visitor_id", order_by=order))
    )
    # previous source event of the same inactivity run: partition by _is_source as well
    by_run_sources = ibis.window(group_by=["visitor_id", "_run", "_is_source"], order_by=order)
    prev_key = e._key.lag().over(by_run_sources)
    source_start = e._is_source & (prev_key.isnull() | (prev_key != e._key)).fill_null(True)
    e = e.mutate(_is_start=(e._gap == 1) | source_start)
    return e.mutate(
        _session_no=e._is_start.cast("int64")
        .sum()
        .over(ibis.cumulative_window(group_by="visitor_id", order_by=order))
    )


def _visits(t: Tables, e: ir.Table, mastodon_instances: Iterable[str]) -> ir.Table:
    """One row per visit of the numbered events ``e`` (:func:`_numbered`; ``visitor_id``,
    ``event_id``, ``occurred_at``, ``_pageview``, ``_is_start`` and ``_session_no`` suffice),
    with ``_session_no``.

    A visit's events are contiguous in time, so its start event (the only row of the group with
    ``_is_start``) is its first: the totals come from one grouped aggregate, every other field
    from the start event's row of ``web_events`` (found by visitor, event id and time: event
    ids are unique in a workspace, imports and the tracking writer deduplicate them), its
    source resolved by :func:`_event_sources` on those rows only; the channel and network once
    per distinct combination of the fields they depend on.
    """
    per = e.group_by(["visitor_id", "_session_no"]).aggregate(
        _start_id=ibis.ifelse(e._is_start, e.event_id, ibis.null("string")).max(),
        started_at=e.occurred_at.min(),
        ended_at=e.occurred_at.max(),
        events=e.count().cast("int64"),
        pageviews=e._pageview.sum().cast("int64"),
    )
    we = t.web_events
    first = we.join(
        per,
        [
            we.visitor_id == per.visitor_id,
            we.event_id == per._start_id,
            we.occurred_at == per.started_at,
        ],
    ).select(*we.columns, "_session_no", "started_at", "ended_at", "events", "pageviews")
    s = _event_sources(dataclasses.replace(t, web_events=first))
    v = s.select(
        "workspace_id",
        "visitor_id",
        "_session_no",
        session_id=s.visitor_id.concat(":", s.event_id),
        started_at=s.started_at,
        ended_at=s.ended_at,
        events=s.events,
        pageviews=s.pageviews,
        landing_url=s.url,
        source=s._source,
        medium=s._medium,
        campaign=s._campaign,
        content=s._content,
        term=s._term,
        referrer_host=s._referrer_host,
        click_id=s._click_id,
        link_code=s._link_code,
        post_id=s._link_post_id,
        _link_network=s._link_network,
        _utm_network_source=s._utm_network_source,
        _ad_network=s._ad_network,
    )
    # channel and network are functions of a few fields with few distinct values (their
    # regular expressions cost more than the rest of a visit): computed once per combination
    combos = v.select(**{f"_c{i}": v[c] for i, c in enumerate(_LABEL_INPUTS)}).distinct()
    source, medium, campaign, link_net, utm_net, ad_net, ref_host = (
        combos[f"_c{i}"] for i in range(len(_LABEL_INPUTS))
    )
    network = link_net.coalesce(
        network_from_source(utm_net),
        ad_net,
        network_from_referrer(ref_host, mastodon_instances=mastodon_instances),
    )
    labels = combos.mutate(
        channel=default_channel_group(source, medium, campaign), network=network
    )
    out = v.join(
        labels,
        [v[c].identical_to(labels[f"_c{i}"]) for i, c in enumerate(_LABEL_INPUTS)],
    )
    return out.mutate(is_social=out.network.notnull())
