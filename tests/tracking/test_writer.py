"""The spool and the writer in-process: exactly-once loading, dedupe, counters, goals, replay."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from socialroi.engine import DuckDBEngine
from socialroi.tracking import EventContext, Spool, Writer, add_goal, counters, parse_events
from socialroi.tracking.events import record_line

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def eng(tmp_path: Path) -> Iterator[DuckDBEngine]:
    e = DuckDBEngine(tmp_path / "w.duckdb")
    e.ensure_workspace("ws", currency="EUR")
    e.ensure_workspace("other", currency="EUR")
    yield e
    e.close()


def ctx(ua: str | None = UA) -> EventContext:
    return EventContext(frozenset({"ws", "other"}), lambda ws: f"v-{ws}", ua, NOW)


def send(spool: Spool, body: object, ua: str | None = UA) -> None:
    parsed = parse_events(json.dumps(body).encode(), "application/json", ctx(ua))
    spool.append([record_line(r) for r in parsed.records])


def ev(i: int | str, **kw: object) -> dict[str, object]:
    return {
        "workspace": "ws",
        "event_id": f"e{i}",
        "event": "pageview",
        "url": "https://shop.example/p",
        "occurred_at": "2026-03-02T11:00:00Z",
        **kw,
    }


def test_a_batch_sent_three_times_is_stored_once(eng: DuckDBEngine, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    writer = Writer(eng, spool)
    batch = [ev(i) for i in range(50)]
    send(spool, batch)
    writer.drain()  # the first copy is loaded before the retries arrive
    send(spool, batch)
    send(spool, batch)  # the two retries land in the same writer batch
    writer.drain()
    assert eng.run("SELECT count(*), count(DISTINCT event_id) FROM web_events") == [(50, 50)]
    (c,) = counters(eng, "ws")
    # 150 received = 50 stored + 100 duplicates
    assert (c["received"], c["stored"], c["filtered_duplicate"], c["failed"]) == (150, 50, 100, 0)


def test_counters_balance_with_bots_and_rejects(eng: DuckDBEngine, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    writer = Writer(eng, spool)
    send(spool, [ev(1), ev(2, url="javascript:alert(1)"), ev(3, referrer="https://semalt.com/")])
    send(spool, [ev(4)], ua="Twitterbot/1.0")
    writer.drain()
    (c,) = counters(eng, "ws")
    # 4 received = 1 stored + 1 failed (javascript: url) + 2 bots (spam referrer, Twitterbot)
    assert (c["received"], c["stored"], c["failed"], c["filtered_bot"]) == (4, 1, 1, 2)
    assert c["received"] == c["stored"] + c["failed"] + c["filtered"]
    assert eng.run("SELECT reason, event_id FROM failed_events") == [("bad-url:url", "e2")]
    assert sorted(eng.run("SELECT bot FROM bot_hits")) == [("referrer-spam",), ("twitterbot",)]
    assert eng.run("SELECT event_id FROM web_events") == [("e1",)]


def test_goals_by_event_and_url_pattern(eng: DuckDBEngine, tmp_path: Path) -> None:
    add_goal(eng, "ws", "signup", event="signup", is_lead=True)
    add_goal(eng, "ws", "thanks", url_pattern="/thank-you*", value=25.0)
    spool = Spool(tmp_path / "spool")
    writer = Writer(eng, spool)
    send(spool, [ev(1, event="signup"), ev(2, url="https://shop.example/thank-you?x=1"), ev(3)])
    writer.drain()
    rows = eng.run(
        "SELECT event_id, event, goal, revenue, revenue_base, currency "
        "FROM web_events ORDER BY event_id"
    )
    assert rows == [
        ("e1", "signup", None, None, None, None),
        ("e1:goal:signup", "lead", "signup", None, None, None),
        ("e2", "pageview", None, None, None, None),
        ("e2:goal:thanks", "goal", "thanks", 25.0, 25.0, "EUR"),
        ("e3", "pageview", None, None, None, None),
    ]
    (c,) = counters(eng, "ws")
    assert (c["received"], c["stored"]) == (3, 3)  # derived goal rows are not client events


def test_restart_replays_exactly_what_was_not_committed(eng: DuckDBEngine, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    Writer(eng, spool, batch_rows=5).step()  # nothing yet
    send(spool, [ev(i) for i in range(12)])
    w = Writer(eng, spool, batch_rows=5)
    w.step()  # 5 lines committed, then the process "dies"
    # a torn, never-acknowledged write at the end of the segment
    with (tmp_path / "spool" / f"{spool.active:012d}.ndjson").open("ab") as f:
        f.write(b'{"k":"e","ws":"ws","d":{"event_id":"torn"')
    spool2 = Spool(tmp_path / "spool")  # the next start opens a new segment
    Writer(eng, spool2).drain()
    assert eng.run("SELECT count(*), count(DISTINCT event_id) FROM web_events") == [(12, 12)]
    assert eng.run("SELECT count(*) FROM web_events WHERE event_id = 'torn'") == [(0,)]
    assert spool2.pending_bytes == 0


def test_segments_are_deleted_after_checkpoint(eng: DuckDBEngine, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", segment_bytes=2000)
    writer = Writer(eng, spool)
    for i in range(40):
        send(spool, [ev(i)])
    assert len(spool.segments()) > 3
    writer.drain()
    assert spool.segments() == [spool.active]
    assert eng.run("SELECT count(*) FROM web_events") == [(40,)]


def test_workspaces_are_counted_apart(eng: DuckDBEngine, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    send(spool, [ev(1), {**ev(1), "workspace": "other"}, {**ev(2), "workspace": "nope"}])
    Writer(eng, spool).drain()
    got = {(c["workspace_id"], c["received"], c["stored"], c["failed"]) for c in counters(eng)}
    # the same event_id in two workspaces is two events; an unknown workspace is a failure
    assert got == {("ws", 1, 1, 0), ("other", 1, 1, 0), ("", 1, 0, 1)}


def test_a_damaged_spool_line_is_counted_not_fatal(eng: DuckDBEngine, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([b'{"k":"x","ws":"ws","d":{}}', b"not json", b'{"k":"f","ws":"ws","d":{}}'])
    send(spool, [ev(1)])
    Writer(eng, spool).drain()
    assert eng.run("SELECT event_id FROM web_events") == [("e1",)]
    got = sorted(eng.run("SELECT reason FROM failed_events"))
    assert got == [("corrupt-spool-line",)] * 3
    total = {k: sum(c[k] for c in counters(eng)) for k in ("received", "stored", "failed")}
    assert total == {"received": 4, "stored": 1, "failed": 3}


def test_the_result_cache_is_told_of_each_batch_and_of_each_refresh(
    eng: DuckDBEngine, tmp_path: Path
) -> None:
    """on_load hears a batch's workspaces when it commits and again when the stored sessions
    and daily aggregates have caught up with it (a result computed in between read them old)."""
    spool = Spool(tmp_path / "spool")
    told: list[tuple[str, set[str]]] = []
    writer = Writer(eng, spool, refresh_interval_s=3600.0)
    writer.on_load = lambda ws: told.append(("load" if writer._hint_visitors else "refresh", ws))
    send(spool, [ev(1), ev(2, workspace="other")])
    assert writer.step() > 0
    assert told == [("load", {"ws", "other"})]
    writer.refresh_derived()
    assert told == [("load", {"ws", "other"}), ("refresh", {"ws", "other"})]
    writer.refresh_derived()  # nothing new: nobody is told
    assert len(told) == 2
