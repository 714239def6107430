"""Collector input validation (reliability.md scenario 6) and visitor ids (scenario 10)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from socialroi.tracking import DailySalt, EventContext, RequestRejected, parse_events

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CTX = EventContext(frozenset({"ws"}), lambda ws: "hash", UA, NOW)


def parse(body: object, ctype: str = "application/json"):  # type: ignore[no-untyped-def]
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_events(raw, ctype, CTX)


def ev(**kw: object) -> dict[str, object]:
    return {"workspace": "ws", "event_id": "e1", "url": "https://shop.example/p", **kw}


@pytest.mark.parametrize(
    ("body", "ctype", "status", "reason"),
    [
        (b"{nope", "application/json", 400, "invalid-json"),
        (b"[]", "application/json", 400, "no-events"),
        (b"{}", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
        (json.dumps(ev(props={"x": "a" * 33_000})).encode(), "text/plain", 413, "event-too-large"),
        (
            json.dumps([ev(event_id=f"e{i}", email="a" * 1500) for i in range(400)]).encode(),
            "application/json",
            413,
            "batch-too-large",
        ),
    ],
)
def test_whole_request_rejections(body: bytes, ctype: str, status: int, reason: str) -> None:
    with pytest.raises(RequestRejected) as exc:
        parse_events(body, ctype, CTX)
    assert (exc.value.status, exc.value.reason) == (status, reason)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (ev(url="javascript:alert(1)"), "bad-url:url"),
        (ev(url="DATA:text/html,x"), "bad-url:url"),
        (ev(url="https://shop.example/" + "a" * 2000), "too-long:url"),
        (ev(referrer="https://r.example/" + "a" * 2000), "too-long:referrer"),
        (ev(event_id=None), "missing-event-id"),
        (ev(event_id="has space"), "missing-event-id"),
        (ev(event="<script>"), "bad-event-name"),
        (ev(revenue="12"), "bad-revenue"),
        (ev(revenue=float("nan")), "bad-revenue"),
        (ev(currency="euro"), "bad-currency"),
        (ev(occurred_at="2026-02-20T00:00:00Z"), "timestamp-out-of-range"),
        (ev(occurred_at="yesterday"), "bad-timestamp"),
        (ev(workspace="nope"), "unknown-workspace"),
        (ev(props=[1, 2]), "bad-props"),
        ([1], "unknown-workspace"),  # no workspace to count it under
    ],
)
def test_bad_events_become_failed_records(event: object, reason: str) -> None:
    body = event if isinstance(event, list) else [event]
    parsed = parse(body)
    assert parsed.accepted == 0
    assert [r["k"] for r in parsed.records] == ["f"]
    assert parsed.records[0]["d"]["reason"] == reason
    assert parsed.rejected == [{"index": 0, "reason": reason}]


def test_a_good_event_gets_utms_click_id_and_visitor_from_the_server() -> None:
    url = "https://shop.example/p?utm_source=linkedin&utm_campaign=launch&sr_cid=abc123"
    parsed = parse({"events": [ev(url=url, referrer="file:///x", revenue=5, currency="usd")]})
    (rec,) = parsed.records
    d = rec["d"]
    assert rec["k"] == "e" and parsed.accepted == 1
    assert (d["utm_source"], d["utm_campaign"], d["click_id"]) == ("linkedin", "launch", "abc123")
    assert d["referrer"] is None  # only http(s)/android-app referrers are sources
    assert (d["visitor_id"], d["currency"], d["revenue"], d["event"]) == (
        "hash",
        "USD",
        5.0,
        "pageview",
    )
    assert d["occurred_at"] == int(NOW.timestamp() * 1_000_000)


def test_no_ip_in_records() -> None:
    parsed = parse([ev()])
    assert "203.0.113" not in json.dumps(parsed.records)


def test_visitor_ids_rotate_with_the_salt(tmp_path: Path) -> None:
    salt = DailySalt(tmp_path)
    day1 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    a = salt.visitor_id("ws", "203.0.113.7", UA, day1)
    assert a == salt.visitor_id("ws", "203.0.113.7", UA, day1 + dt.timedelta(hours=10))
    assert a == DailySalt(tmp_path).visitor_id("ws", "203.0.113.7", UA, day1)  # survives restart
    assert a != salt.visitor_id("other", "203.0.113.7", UA, day1)
    b = salt.visitor_id("ws", "203.0.113.7", UA, day1 + dt.timedelta(days=1))
    assert a != b
    assert sorted(p.name for p in tmp_path.iterdir()) == ["salt-2026-03-03"]  # old salt gone
    assert "203.0.113.7" not in a + b
