"""Reliability scenarios 6, 7 and 10 and the click → visit join, on a real server."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _server import BROWSER_UA, Server, event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialroi.engine import DuckDBEngine
from socialroi.tracking import create_link
from socialroi.visits import sessions

H = {"user-agent": BROWSER_UA}


def test_validation_statuses_failed_events_and_counters(server: Server, db: Path) -> None:
    """Scenario 6."""
    with httpx.Client(base_url=server.url, headers=H) as c:
        big_event = event("ws", "big", props={"x": "a" * 33_000})
        assert c.post("/api/event", json=[big_event]).status_code == 413
        big_batch = [event("ws", f"b{i}", email="a" * 1500) for i in range(400)]
        assert c.post("/api/event", json=big_batch).status_code == 413
        assert (
            c.post(
                "/api/event", content=b"{not json", headers={"content-type": "application/json"}
            ).status_code
            == 400
        )
        assert (
            c.post("/api/event", content=b"{}", headers={"content-type": "image/png"}).status_code
            == 415
        )
        js = c.post("/api/event", json=[event("ws", "js", url="javascript:alert(1)")])
        assert js.status_code == 400 and js.json()["errors"] == [
            {"index": 0, "reason": "bad-url:url"}
        ]
        data = c.post("/api/event", json=[event("ws", "data", url="data:text/html,hi")])
        assert data.status_code == 400
        long = c.post(
            "/api/event", json=[event("ws", "long", referrer="https://r.io/" + "a" * 2001)]
        )
        assert long.status_code == 400
        mixed = c.post("/api/event", json=[event("ws", "ok1"), event("ws", "bad", revenue="x")])
        assert mixed.status_code == 202
        assert mixed.json()["accepted"] == 1 and mixed.json()["rejected"] == [
            {"index": 1, "reason": "bad-revenue"}
        ]
        server.wait_loaded()
        rows = c.get("/api/counters").json()["counters"]
    for r in rows:
        assert r["received"] == r["stored"] + r["failed"] + r["filtered"], r
    total = {k: sum(r[k] for r in rows) for k in ("received", "stored", "failed")}
    # 8 requests, 9 received: a refused body counts once (5), the three bad single events (3),
    # the mixed batch 2 (ok1 stored, bad failed) → 1 stored, 8 failed
    assert total == {"received": 9, "stored": 1, "failed": 8}
    server.stop()
    with DuckDBEngine(db) as eng:
        reasons = sorted(r[0] for r in eng.run("SELECT reason FROM failed_events"))
    assert reasons == sorted(
        [
            "event-too-large",
            "batch-too-large",
            "invalid-json",
            "unsupported-media-type",
            "bad-url:url",
            "bad-url:url",
            "too-long:referrer",
            "bad-revenue",
        ]
    )


_json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
_event_like = st.fixed_dictionaries(
    {"workspace": st.sampled_from(["ws", "nope", ""])},
    optional={
        k: _json_values | st.text(max_size=60)
        for k in (
            "event_id",
            "event",
            "url",
            "referrer",
            "revenue",
            "currency",
            "occurred_at",
            "props",
            "visitor_id",
            "click_id",
            "email",
        )
    },
)
_bodies = (
    st.binary(max_size=300)
    | _json_values.map(lambda v: json.dumps(v).encode())
    | st.lists(_event_like, max_size=5).map(lambda v: json.dumps(v).encode())
    | _event_like.map(lambda v: json.dumps(v).encode())
)
_headers = st.dictionaries(
    st.sampled_from(
        [
            "content-type",
            "user-agent",
            "referer",
            "x-forwarded-for",
            "accept",
            "content-encoding",
            "x-anything",
        ]
    ),
    # values the HTTP client itself accepts (no leading/trailing blanks)
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40).map(str.strip),
    max_size=4,
)
FUZZ_EXAMPLES = int(os.environ.get("SOCIALROI_FUZZ_EXAMPLES", "10000"))


@pytest.fixture
def fast_spool_server(db: Path) -> Iterator[Server]:
    """A server whose spool is on tmpfs when there is one: fuzzing tests the parser, not the
    disk, and 10k sequential fsyncs would take minutes."""
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp inside it
    spool = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else db.parent / "spool"
    srv = Server(db, "--spool", str(spool)).start()
    yield srv
    srv.stop()
    shutil.rmtree(spool, ignore_errors=True)


@pytest.mark.slow
def test_fuzzed_bodies_and_headers_never_get_a_5xx(fast_spool_server: Server) -> None:
    """Scenario 7: arbitrary bodies and headers get 2xx, 400, 413, 415 or 429, never 5xx."""
    server = fast_spool_server
    client = httpx.Client(base_url=server.url, timeout=10)

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=_bodies, headers=_headers)
    def check(body: bytes, headers: dict[str, str]) -> None:
        r = client.post("/api/event", content=body, headers=headers)
        assert r.status_code in (200, 202, 400, 413, 415, 429), (r.status_code, r.text)

    try:
        check()
    finally:
        client.close()
    server.wait_loaded(120)
    rows = httpx.get(server.url + "/api/counters").json()["counters"]
    for r in rows:
        assert r["received"] == r["stored"] + r["failed"] + r["filtered"], r


def test_bots_are_counted_apart_and_no_ip_is_stored(db: Path) -> None:
    """Scenario 10: bot user agents and spam referrers never become events but are counted;
    the client IP appears nowhere in the database, spool or server output."""
    ip = "203.0.113.77"
    server = Server(db, "--trust-forwarded").start()
    with httpx.Client(base_url=server.url, headers={"x-forwarded-for": ip}) as c:
        assert c.post("/api/event", json=[event("ws", "human")], headers=H).status_code == 202
        assert (
            c.post(
                "/api/event",
                json=[event("ws", "fb")],
                headers={"user-agent": "facebookexternalhit/1.1"},
            ).status_code
            == 202
        )
        assert (
            c.post(
                "/api/event", json=[event("ws", "spam", referrer="https://semalt.com/x")], headers=H
            ).status_code
            == 202
        )
        assert (
            c.post(
                "/api/event",
                json=[event("ws", "headless")],
                headers={"user-agent": "Mozilla/5.0 (X11) AppleWebKit/537.36 HeadlessChrome/120.0"},
            ).status_code
            == 202
        )
        server.wait_loaded()
        # behind a trusted proxy the counters are only for loopback clients, not the forwarded IP
        assert c.get("/api/counters").status_code == 403
    counters = httpx.get(server.url + "/api/counters", params={"workspace": "ws"}).json()
    (row,) = counters["counters"]
    assert (row["received"], row["stored"], row["filtered_bot"]) == (4, 1, 3)
    server.stop()
    with DuckDBEngine(db) as eng:
        assert eng.run("SELECT event_id FROM web_events") == [("human",)]
        assert sorted(r[0] for r in eng.run("SELECT bot FROM bot_hits")) == [
            "facebookexternalhit",
            "headlesschrome",
            "referrer-spam",
        ]
    files = [p for p in db.parent.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ndjson" for p in files) and server.log in files
    for p in files:
        assert ip.encode() not in p.read_bytes(), p


def test_a_click_and_the_landing_pageview_are_one_visit_of_the_post(db: Path) -> None:
    with DuckDBEngine(db) as eng:
        eng.run(
            "INSERT INTO profiles (workspace_id, profile_id, network) "
            "VALUES ('ws', 'li', 'linkedin')"
        )
        eng.run(
            "INSERT INTO posts (workspace_id, post_id, profile_id, published_at, campaign) "
            "VALUES ('ws', 'P7', 'li', '2026-01-01', 'launch')"
        )
        link = create_link(
            eng,
            "ws",
            "https://shop.example/landing?ref=1#top",
            network="linkedin",
            campaign="launch",
            post_id="P7",
        )
    server = Server(db).start()
    with httpx.Client(base_url=server.url, headers=H) as c:
        r = c.get(f"/l/{link.code}", headers={"referer": "https://www.linkedin.com/"})
        assert r.status_code == 302
        landing = r.headers["location"]
        # what t.js sends from the landing page: its URL (carrying sr_cid) and the referrer
        assert (
            c.post(
                "/api/event",
                json=[event("ws", "land", url=landing, referrer="https://www.linkedin.com/")],
            ).status_code
            == 202
        )
        assert (
            c.post(
                "/api/event",
                json=[event("ws", "next", url="https://shop.example/pricing", referrer=landing)],
            ).status_code
            == 202
        )
        server.wait_loaded()
    server.stop()
    with DuckDBEngine(db) as eng:
        visits = eng.execute(sessions(eng.tables("ws"))).to_pylist()
        click_ids = eng.run("SELECT click_id FROM clicks")
    assert len(visits) == 1
    v = visits[0]
    assert (v["post_id"], v["network"], v["campaign"], v["events"]) == (
        "P7",
        "linkedin",
        "launch",
        2,
    )
    assert v["click_id"] == click_ids[0][0]


def test_origin_allowlist_and_cors(server: Server) -> None:
    with httpx.Client(base_url=server.url, headers=H) as c:
        ok = c.post(
            "/api/event",
            content=json.dumps(event("ws", "o1")),
            headers={"origin": "https://shop.example", "content-type": "text/plain"},
        )
        assert ok.status_code == 202
        assert ok.headers["access-control-allow-origin"] == "https://shop.example"
        assert ok.headers["vary"] == "Origin"
        evil = c.post("/api/event", json=[event("ws", "o2")], headers={"origin": "https://evil.io"})
        assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers
        pre = c.options("/api/event", headers={"origin": "https://shop.example"})
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-methods"] == "POST"
        assert (
            "access-control-allow-origin"
            not in c.options("/api/event", headers={"origin": "https://evil.io"}).headers
        )
        script = c.get("/t.js")
        assert script.headers["content-type"].startswith("application/javascript")
        assert b"sendBeacon" in script.content and b"sr_cid" in script.content
