"""Sessions: hand-computed visits on small inline event tables (expected visits in comments)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.visits import SESSION_COLUMNS, events_with_sessions, sessions

T0 = datetime(2025, 3, 1, 10, 0, 0)
SITE = "https://acme.com/"
COLS = (
    "event_id", "visitor_id", "occurred_at", "event", "url", "referrer",
    "utm_source", "utm_medium", "utm_campaign", "click_id",
)  # fmt: skip


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat(sep=" ")


def ev(
    event_id: str,
    visitor_id: str,
    minutes: float,
    *,
    event: str = "pageview",
    url: str = SITE,
    referrer: str | None = None,
    utm: tuple[str | None, str | None, str | None] = (None, None, None),
    click_id: str | None = None,
) -> tuple[Any, ...]:
    return (event_id, visitor_id, at(minutes), event, url, referrer, *utm, click_id)


def load(duck: DuckDBEngine, rows: Sequence[tuple[Any, ...]]) -> None:
    sql = (
        f"INSERT INTO web_events (workspace_id, {', '.join(COLS)}) "
        f"VALUES ('ws', {', '.join('?' for _ in COLS)})"
    )
    for row in rows:
        duck.run(sql, list(row))


def visits(engine: Engine, *cols: str, **kw: Any) -> list[tuple[Any, ...]]:
    expr = sessions(engine.tables("ws"), **kw).order_by("session_id")
    names = cols or ("session_id", "events", "source", "medium", "channel", "network")
    return [tuple(r[c] for c in names) for r in engine.execute(expr).to_pylist()]


def test_columns_are_the_contract(duck: DuckDBEngine) -> None:
    expr = sessions(duck.tables("ws"))
    assert tuple(expr.columns) == SESSION_COLUMNS
    schema = expr.schema()
    assert str(schema["events"]) == "int64" and str(schema["pageviews"]) == "int64"
    assert schema["started_at"].is_timestamp() and schema["is_social"].is_boolean()


def test_more_than_30_minutes_without_events_starts_a_new_visit(duck: DuckDBEngine) -> None:
    load(
        duck,
        [
            ev("e1", "v", 0),  # visit v:e1
            ev("e2", "v", 20),  # +20 min: same visit
            ev("e3", "v", 50 + 1 / 60),  # +30 min 1 s: new visit v:e3
            ev("e4", "v", 200, event="goal"),  # +150 min: new visit v:e4, no pageview
        ],
    )
    assert visits(duck, "session_id", "events", "pageviews", "started_at", "ended_at") == [
        ("v:e1", 2, 2, T0, T0 + timedelta(minutes=20)),
        ("v:e3", 1, 1, T0 + timedelta(seconds=3001), T0 + timedelta(seconds=3001)),
        ("v:e4", 1, 0, T0 + timedelta(minutes=200), T0 + timedelta(minutes=200)),
    ]


def test_exactly_30_minutes_continues_the_visit(duck: DuckDBEngine) -> None:
    load(duck, [ev("e1", "v", 0), ev("e2", "v", 30), ev("e3", "v", 60)])
    # gaps of exactly 1800 s: one visit of 3 events
    assert visits(duck, "session_id", "events") == [("v:e1", 3)]
    # a shorter timeout splits every gap
    assert visits(duck, "session_id", "events", timeout_minutes=29) == [
        ("v:e1", 1),
        ("v:e2", 1),
        ("v:e3", 1),
    ]


def test_a_source_change_mid_visit_starts_a_new_visit(duck: DuckDBEngine) -> None:
    fb = ("facebook", "cpc", "spring")
    nl = ("newsletter", "email", "march")
    load(
        duck,
        [
            ev("e1", "v", 0, utm=fb),  # visit v:e1 facebook/cpc
            ev("e2", "v", 5, referrer=SITE + "a"),  # internal: continues v:e1
            ev("e3", "v", 10, utm=nl),  # other source: visit v:e3
            ev("e4", "v", 12, utm=nl),  # same source again: continues v:e3
            ev("e5", "v", 15),  # direct: continues v:e3
            ev("e6", "v", 16, utm=fb),  # back to facebook: visit v:e6
        ],
    )
    assert visits(duck) == [
        ("v:e1", 2, "facebook", "cpc", "Paid Social", "facebook"),
        ("v:e3", 3, "newsletter", "email", "Email", None),
        ("v:e6", 1, "facebook", "cpc", "Paid Social", "facebook"),
    ]


def test_direct_then_tagged_splits_and_direct_never_overrides(duck: DuckDBEngine) -> None:
    li = ("linkedin", "social", None)
    load(
        duck,
        [
            ev("e1", "v", 0),  # direct visit v:e1
            ev("e2", "v", 5, utm=li),  # tagged within 30 min: new visit v:e2 (UA/Matomo)
            ev("e3", "v", 6),  # direct: continues v:e2
            ev("e4", "v", 30),  # +24 min direct: continues v:e2
        ],
    )
    assert visits(duck) == [
        ("v:e1", 1, "(direct)", "(none)", "Direct", None),
        ("v:e2", 3, "linkedin", "social", "Organic Social", "linkedin"),
    ]


def test_internal_referrer_is_not_a_source(duck: DuckDBEngine) -> None:
    load(
        duck,
        [
            ev("e1", "v", 0, referrer="https://www.google.com/"),  # visit v:e1 google.com
            ev("e2", "v", 1, url="https://www.acme.com/x", referrer="https://acme.com/"),  # own
            ev("e3", "v", 2, referrer="http://localhost:8000/"),  # localhost: no source
            ev("e4", "v", 3, referrer="file:///tmp/page.html"),  # not http(s): no source
            ev("e5", "v", 4, referrer="https://acme.com:443/pricing"),  # own host with port
        ],
    )
    assert visits(duck, "session_id", "events", "source", "medium", "channel", "referrer_host") == [
        ("v:e1", 5, "google.com", "referral", "Organic Search", "google.com"),
    ]


def test_referrer_hosts_map_to_networks(duck: DuckDBEngine) -> None:
    refs = {
        "a": ("https://l.facebook.com/l.php?u=x", "facebook", "Organic Social"),
        "b": ("https://t.co/abc", "x", "Organic Social"),
        "c": ("https://x.com/acme/status/1", "x", "Referral"),
        "d": ("https://www.youtube.com/watch?v=1", "youtube", "Organic Video"),
        "e": ("https://bsky.app/profile/acme", "bluesky", "Referral"),
        "f": ("https://fosstodon.org/@acme", "mastodon", "Referral"),
        "g": ("android-app://com.linkedin.android/", "linkedin", "Referral"),
        "h": ("https://mail.google.com/", None, "Referral"),
        "i": ("https://lnkd.in/xyz", "linkedin", "Organic Social"),
        "j": ("https://www.threads.net/@acme", "threads", "Referral"),
        "k": ("https://nl.pinterest.com/pin/1", "pinterest", "Organic Social"),
        "m": ("https://de.pinterest.com/pin/1", "pinterest", "Referral"),  # not in Google's list
        "l": ("https://out.reddit.com/t3", "reddit", "Organic Social"),
    }
    load(duck, [ev(f"e{v}", v, 0, referrer=r) for v, (r, _, _) in refs.items()])
    got = visits(duck, "visitor_id", "network", "channel", "is_social")
    assert got == sorted((v, n, c, n is not None) for v, (_, n, c) in refs.items())


def test_click_ids_in_the_url(duck: DuckDBEngine) -> None:
    load(
        duck,
        [
            ev("e1", "a", 0, url=SITE + "?fbclid=IwAR0"),  # facebook, organic (never paid)
            ev("e2", "b", 0, url=SITE + "?x=1&gclid=Cj0K"),  # google/cpc, no network
            ev("e3", "c", 0, url=SITE + "?ttclid=E.1"),  # tiktok ads
            ev("e4", "d", 0, url=SITE + "?twclid=2-7"),  # X ads
            ev("e5", "e", 0, url=SITE + "?li_fat_id=9f"),  # LinkedIn ads
            # UTM tags win over the click id for source and network
            ev("e6", "f", 0, url=SITE + "?fbclid=1", utm=("newsletter", "email", None)),
            ev("e7", "f", 5, url=SITE + "?fbclid=2"),  # click id is a source: new visit
        ],
    )
    cols = ("session_id", "source", "medium", "channel", "network", "click_id")
    assert visits(duck, *cols) == [
        ("a:e1", "facebook", "referral", "Organic Social", "facebook", "IwAR0"),
        ("b:e2", "google", "cpc", "Paid Search", None, "Cj0K"),
        ("c:e3", "tiktok", "cpc", "Paid Social", "tiktok", "E.1"),
        ("d:e4", "twitter", "cpc", "Paid Social", "x", "2-7"),
        ("e:e5", "linkedin", "cpc", "Paid Social", "linkedin", "9f"),
        ("f:e6", "newsletter", "email", "Email", None, "1"),
        ("f:e7", "facebook", "referral", "Organic Social", "facebook", "2"),
    ]


def load_links(duck: DuckDBEngine) -> None:
    duck.run(
        "INSERT INTO profiles (workspace_id, profile_id, network) VALUES "
        "('ws', 'li', 'linkedin'), ('ws', 'ig', 'instagram')"
    )
    duck.run(
        "INSERT INTO posts (workspace_id, post_id, profile_id, published_at, campaign, paid) "
        "VALUES ('ws', 'P1', 'li', '2025-02-01', 'launch', false), "
        "('ws', 'P2', 'ig', '2025-02-01', NULL, true)"
    )
    duck.run(
        "INSERT INTO links (workspace_id, code, target_url, utm_source, utm_medium, utm_campaign, "
        "post_id) VALUES ('ws', 'L1', 'https://acme.com/', NULL, NULL, NULL, 'P1'), "
        "('ws', 'L2', 'https://acme.com/', 'twitter', 'social', 'spring', NULL), "
        "('ws', 'L3', 'https://acme.com/', NULL, NULL, NULL, 'P2')"
    )
    duck.run(
        "INSERT INTO clicks (workspace_id, code, clicked_at, click_id) VALUES "
        "('ws', 'L1', '2025-03-01 09:59:59', 'c1'), ('ws', 'L2', '2025-03-01 09:59:59', 'c2'), "
        "('ws', 'L3', '2025-03-01 09:59:59', 'c3'), ('ws', 'L3', '2025-03-01 09:59:59', 'c3')"
    )


def test_tracked_link_click_inherits_post_and_network(duck: DuckDBEngine) -> None:
    load_links(duck)
    load(
        duck,
        [
            ev("e1", "a", 0, click_id="c1"),  # L1 → post P1 on linkedin, untagged link
            ev("e2", "a", 1),  # direct: continues a:e1
            ev("e3", "b", 0, click_id="c2"),  # L2: the link's UTM tags, network from twitter
            ev("e4", "c", 0, click_id="c2", utm=("newsletter", "email", None)),  # event's tags win
            ev("e5", "d", 0, click_id="c3"),  # L3 → paid instagram post (click id twice in clicks)
            ev("e6", "e", 0, click_id="zz"),  # unknown click id: not a source → direct
        ],
    )
    cols = ("session_id", "events", "source", "medium", "campaign", "channel", "network",
            "link_code", "post_id", "click_id")  # fmt: skip
    assert visits(duck, *cols) == [
        ("a:e1", 2, "linkedin", "social", "launch", "Organic Social", "linkedin", "L1", "P1", "c1"),
        ("b:e3", 1, "twitter", "social", "spring", "Organic Social", "x", "L2", None, "c2"),
        ("c:e4", 1, "newsletter", "email", None, "Email", "x", "L2", None, "c2"),
        ("d:e5", 1, "instagram", "paid", None, "Paid Social", "instagram", "L3", "P2", "c3"),
        ("e:e6", 1, "(direct)", "(none)", None, "Direct", None, None, None, None),
    ]


def test_two_visitors_interleaved(duck: DuckDBEngine) -> None:
    load(
        duck,
        [
            ev("e1", "v1", 0, utm=("facebook", "cpc", None)),  # v1 visit v1:e1
            ev("e2", "v2", 10),  # v2 direct visit v2:e2
            ev("e3", "v1", 20),  # continues v1:e1 (v2's events do not interleave into it)
            ev("e4", "v2", 25, utm=("google", "cpc", None)),  # v2 tagged: new visit v2:e4
            ev("e5", "v1", 45),  # +25 min since v1's last: continues v1:e1
            ev("e6", "v2", 70),  # +45 min since v2's last: new visit v2:e6
        ],
    )
    assert visits(duck, "session_id", "events", "channel") == [
        ("v1:e1", 3, "Paid Social"),
        ("v2:e2", 1, "Direct"),
        ("v2:e4", 1, "Paid Search"),
        ("v2:e6", 1, "Direct"),
    ]


def test_ties_in_time_are_broken_by_event_id(duck: DuckDBEngine) -> None:
    load(
        duck,
        [
            ev("b", "v", 0, utm=("facebook", "cpc", None)),  # same instant, ordered after "a"
            ev("a", "v", 0),  # first: direct visit v:a
            ev("c", "v", 0),  # same instant, after "b": continues v:b
            ev("d", "w", 0, utm=("x", "social", None)),  # first of w: visit w:d
            ev("e", "w", 0, utm=("newsletter", "email", None)),  # same instant: visit w:e
        ],
    )
    assert visits(duck, "session_id", "events", "source") == [
        ("v:a", 1, "(direct)"),
        ("v:b", 2, "facebook"),
        ("w:d", 1, "x"),
        ("w:e", 1, "newsletter"),
    ]


def test_events_with_sessions_keeps_every_event_once(duck: DuckDBEngine) -> None:
    load_links(duck)
    load(
        duck,
        [
            ev("e1", "v", 0, click_id="c1"),
            ev("e2", "v", 3, event="lead"),
            ev("e3", "v", 90, event="purchase", referrer="https://bsky.app/"),
        ],
    )
    t = duck.tables("ws")
    expr = events_with_sessions(t).order_by("event_id")
    assert tuple(expr.columns) == (*t.web_events.columns, "session_id", "channel", "network",
                                   "post_id")  # fmt: skip
    rows = duck.execute(expr).to_pylist()
    got = [(r["event_id"], r["session_id"], r["channel"], r["network"], r["post_id"]) for r in rows]
    assert got == [
        ("e1", "v:e1", "Organic Social", "linkedin", "P1"),
        # the lead belongs to the link visit
        ("e2", "v:e1", "Organic Social", "linkedin", "P1"),
        ("e3", "v:e3", "Referral", "bluesky", None),
    ]


@pytest.mark.parametrize("bad", [0, -5, 1.5, True])
def test_timeout_must_be_a_positive_whole_number(duck: DuckDBEngine, bad: Any) -> None:
    with pytest.raises(ConfigError, match="timeout_minutes"):
        sessions(duck.tables("ws"), timeout_minutes=bad)


RICH = [
    ev("e01", "v1", 0, utm=("facebook", "cpc", "spring")),
    ev("e02", "v1", 5, referrer=SITE),
    ev("e03", "v1", 12, utm=("Newsletter", "Email", "march")),
    ev("e04", "v1", 80, referrer="https://l.facebook.com/"),
    ev("e05", "v1", 81, event="purchase", url=SITE + "thanks"),
    ev("e06", "v2", 0, click_id="c1"),
    ev("e07", "v2", 0, event="lead"),
    ev("e08", "v2", 30, url=SITE + "?fbclid=Iw"),
    ev("e09", "v2", 31, url=SITE + "?gclid=Cj"),
    ev("e10", "v3", 3, referrer="android-app://com.linkedin.android/"),
    ev("e11", "v3", 4, referrer="https://mastodon.example/@a"),
    ev("e12", "v3", 200, click_id="c2"),
    ev("e13", "v4", 1, url="https://www.acme.com/", referrer="https://acme.com/x"),
    ev("e14", "v4", 2, utm=(" ig ", "paid_social", "shop")),
    ev("e15", "v4", 2, utm=("partner", "sponsored", None)),
    ev("e16", "v5", 0, click_id="c3", referrer="https://www.instagram.com/"),
]


def _rich(engine: Engine) -> dict[str, Any]:
    t = engine.tables("ws")
    return {
        "sessions": engine.execute(sessions(t).order_by("session_id")).to_pylist(),
        "events": engine.execute(
            events_with_sessions(t)
            .select("event_id", "session_id", "channel", "network", "post_id")
            .order_by("event_id")
        ).to_pylist(),
    }


@pytest.mark.spark
def test_sessions_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[..., dict[str, Any]]
) -> None:
    load_links(duck)
    load(duck, RICH)
    got = same_on_both(duck, _rich)
    got_visits = [
        (s["session_id"], s["events"], s["channel"], s["network"]) for s in got["sessions"]
    ]
    assert got_visits == [
        ("v1:e01", 2, "Paid Social", "facebook"),
        ("v1:e03", 1, "Email", None),
        ("v1:e04", 2, "Organic Social", "facebook"),
        ("v2:e06", 2, "Organic Social", "linkedin"),
        ("v2:e08", 1, "Organic Social", "facebook"),
        ("v2:e09", 1, "Paid Search", None),
        ("v3:e10", 1, "Referral", "linkedin"),
        ("v3:e11", 1, "Referral", "mastodon"),
        ("v3:e12", 1, "Organic Social", "x"),
        ("v4:e13", 1, "Direct", None),
        ("v4:e14", 1, "Paid Shopping", "instagram"),
        ("v4:e15", 1, "Unassigned", None),
        ("v5:e16", 1, "Paid Social", "instagram"),
    ]
    assert len(got["events"]) == len(RICH)


# -- property: a plain-Python reading of the contract agrees with the window pipeline ----------

SOURCES: dict[str, dict[str, Any]] = {
    "direct": {},
    "internal": {"referrer": SITE + "page"},
    "fb_cpc": {"utm": ("facebook", "cpc", None)},
    "newsletter": {"utm": ("newsletter", "email", None)},
    "fb_ref": {"referrer": "https://l.facebook.com/"},
    "gclid": {"url": SITE + "?gclid=1"},
}
SOURCE_KEY = {"direct": None, "internal": None, "fb_cpc": "f", "newsletter": "n",
              "fb_ref": "r", "gclid": "g"}  # fmt: skip

events_strategy = st.lists(
    st.tuples(
        st.sampled_from(["v1", "v2"]),
        st.integers(min_value=0, max_value=240),
        st.sampled_from(sorted(SOURCES)),
    ),
    min_size=1,
    max_size=14,
)


def reference_sessions(rows: list[tuple[str, str, int, str]]) -> dict[str, str]:
    """event_id → session_id by the contract's rule, walking each visitor's events in order."""
    out: dict[str, str] = {}
    for visitor in {r[1] for r in rows}:
        mine = sorted((m, eid, src) for eid, v, m, src in rows if v == visitor)
        current, current_key, last = "", None, None
        for minute, eid, src in mine:
            key = SOURCE_KEY[src]
            gap = last is None or minute - last > 30
            if gap or (key is not None and key != current_key):
                current, current_key = f"{visitor}:{eid}", key
            out[eid] = current
            last = minute
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events_strategy)
def test_every_event_belongs_to_exactly_one_session(
    raw: list[tuple[str, int, str]],
) -> None:
    rows = [(f"e{i:02d}", v, m, s) for i, (v, m, s) in enumerate(raw)]
    duck = DuckDBEngine(":memory:")
    try:
        duck.ensure_workspace("ws")
        load(duck, [ev(eid, v, m, **SOURCES[s]) for eid, v, m, s in rows])
        t = duck.tables("ws")
        visits_ = duck.execute(sessions(t)).to_pylist()
        events = duck.execute(events_with_sessions(t)).to_pylist()
    finally:
        duck.close()
    assert len(visits_) <= len(rows)
    assert sorted(e["event_id"] for e in events) == [r[0] for r in rows]
    assert sum(v["events"] for v in visits_) == len(rows)
    assert {e["session_id"] for e in events} == {v["session_id"] for v in visits_}
    assert {e["event_id"]: e["session_id"] for e in events} == reference_sessions(rows)
