"""Stored sessions: built once, read by ``sessions(t)``, refreshed correctly when events arrive.

The rule under test (socialroi.aggregates._store): a refresh recomputes the sessions of every
visitor whose events changed, from all of that visitor's events, so events arriving in two
batches give exactly the sessions of one batch — also when the second batch continues a session
that was still open (within 30 minutes) at the end of the first, or lands before stored events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from socialroi.aggregates import _store, rebuild, refresh
from socialroi.engine import DuckDBEngine
from socialroi.visits import sessions

T0 = datetime(2025, 3, 1, 10, 0, 0)
LI = ("linkedin", "social")
COLS = ("event_id", "visitor_id", "occurred_at", "event", "url", "utm_source", "utm_medium")


def ev(event_id: str, visitor: str, minutes: float, utm: tuple[str, str] | None = None) -> tuple:
    src, med = utm or (None, None)
    at = (T0 + timedelta(minutes=minutes)).isoformat(sep=" ")
    return (event_id, visitor, at, "pageview", "https://acme.example/", src, med)


def load(duck: DuckDBEngine, rows: Sequence[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" for _ in COLS)
    sql = f"INSERT INTO web_events (workspace_id, {', '.join(COLS)}) VALUES ('ws', {marks})"
    for row in rows:
        duck.run(sql, list(row))


def stored(duck: DuckDBEngine) -> list[tuple[Any, ...]]:
    t = duck.tables("ws")
    assert "sessions" in t.derived, "the stored sessions should be fresh"
    rows = duck.execute(t.derived["sessions"].order_by("session_id")).to_pylist()
    return [(r["session_id"], r["events"], r["ended_at"], r["network"]) for r in rows]


def computed(duck: DuckDBEngine) -> list[tuple[Any, ...]]:
    t = dataclasses.replace(duck.tables("ws"), derived={})
    rows = duck.execute(sessions(t).order_by("session_id")).to_pylist()
    return [(r["session_id"], r["events"], r["ended_at"], r["network"]) for r in rows]


FIRST = [
    ev("a1", "a", 0, LI),  # a's visit a:a1 (linkedin) …
    ev("a2", "a", 10),  # … still open at the end of the batch (last event at +10 min)
    ev("b1", "b", 0),  # b's direct visit b:b1
]
SECOND = [
    ev("a3", "a", 35),  # +25 min after a2: continues a:a1 (3 events, ends at +35)
    ev("b0", "b", -20),  # earlier than b1, 20 min before: b's visit now starts at b0
    ev("c1", "c", 5),  # a new visitor
]
# one batch of all six events, by hand: a:a1 (3 events, linkedin, ends +35 min),
# b:b0 (2 events: b0 at -20, b1 at 0), c:c1 (1 event)
EXPECTED = [
    ("a:a1", 3, T0 + timedelta(minutes=35), "linkedin"),
    ("b:b0", 2, T0, None),
    ("c:c1", 1, T0 + timedelta(minutes=5), None),
]


def test_two_batches_give_the_sessions_of_one(duck: DuckDBEngine) -> None:
    load(duck, FIRST)
    assert refresh(duck, "ws") is not None
    assert stored(duck) == [
        ("a:a1", 2, T0 + timedelta(minutes=10), "linkedin"),
        ("b:b1", 1, T0, None),
    ]
    load(duck, SECOND)
    assert "sessions" not in duck.tables("ws").derived  # stale: analysis computes instead
    done = refresh(duck, "ws")
    assert done is not None and done.sessions == "incremental:3"  # a, b and c recomputed
    assert stored(duck) == EXPECTED == computed(duck)


def test_sessions_computed_in_visitor_slices_equal_one_piece(
    duck: DuckDBEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a first import of 10M events computes its sessions 500k events at a time; here 2 events
    monkeypatch.setattr(_store, "_PART_EVENTS", 2)
    slices: list[object] = []
    real = _store.replace_rows

    def spy(*args: Any, **kwargs: Any) -> None:
        slices.append(kwargs.get("parts"))
        real(*args, **kwargs)

    monkeypatch.setattr(_store, "replace_rows", spy)
    load(duck, FIRST)
    done = refresh(duck, "ws")
    assert done is not None and done.sessions == "full"
    assert stored(duck) == [
        ("a:a1", 2, T0 + timedelta(minutes=10), "linkedin"),
        ("b:b1", 1, T0, None),
    ]
    load(duck, SECOND)
    done = refresh(duck, "ws")
    assert done is not None and done.sessions == "incremental:3"
    assert stored(duck) == EXPECTED == computed(duck)
    # 3 events in ceil(3 / 2) = 2 slices; then a, b and c's 6 events in 3
    assert slices == [("visitor_id", "_derived_changed", 2), ("visitor_id", "_derived_changed", 3)]


def test_the_writers_hint_and_a_hint_that_misses_a_visitor(duck: DuckDBEngine) -> None:
    load(duck, FIRST)
    refresh(duck, "ws")
    load(duck, SECOND)
    done = refresh(duck, "ws", visitors=["a", "c"])  # b's new event is not in the hint
    assert done is not None and done.sessions == "incremental:3"  # 2 hinted + b found after
    assert stored(duck) == EXPECTED


def test_sessions_read_the_stored_table_only_with_default_parameters(duck: DuckDBEngine) -> None:
    load(duck, [*FIRST, *SECOND])
    refresh(duck, "ws")
    t = duck.tables("ws")
    stored_sql = str(duck.backend.compile(sessions(t)))
    assert "derived_sessions" in stored_sql and "web_events" not in stored_sql
    assert "web_events" in str(duck.backend.compile(sessions(t, timeout_minutes=20)))


def test_a_changed_link_rebuilds_everything(duck: DuckDBEngine) -> None:
    load(duck, FIRST)
    refresh(duck, "ws")
    duck.run(
        "INSERT INTO links (workspace_id, code, target_url, created_at) "
        "VALUES ('ws', 'k1', 'https://acme.example/', TIMESTAMP '2025-03-01 00:00:00')"
    )
    assert "sessions" not in duck.tables("ws").derived
    done = refresh(duck, "ws")
    assert done is not None and done.sessions == "full"
    assert stored(duck) == computed(duck)


def test_refresh_when_nothing_changed_and_rebuild(duck: DuckDBEngine) -> None:
    load(duck, FIRST)
    refresh(duck, "ws")
    done = refresh(duck, "ws")
    assert done is not None and (done.sessions, done.daily) == ("fresh", "fresh")
    again = rebuild(duck, "ws")
    assert (again.sessions, again.daily) == ("full", "rebuilt")
    assert stored(duck) == computed(duck)


def test_other_workspaces_are_untouched(duck: DuckDBEngine) -> None:
    duck.ensure_workspace("other")
    duck.run(
        f"INSERT INTO web_events (workspace_id, {', '.join(COLS)}) "
        "VALUES ('other', 'o1', 'o', TIMESTAMP '2025-03-01 10:00:00', 'pageview', NULL, NULL, NULL)"
    )
    refresh(duck, "other")
    load(duck, FIRST)
    refresh(duck, "ws")
    load(duck, SECOND)
    refresh(duck, "ws")
    other = duck.tables("other").derived["sessions"]
    assert [r["session_id"] for r in duck.execute(other).to_pylist()] == ["o:o1"]
    assert stored(duck) == EXPECTED
