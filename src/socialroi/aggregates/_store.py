"""Refreshing the stored sessions: rebuilt in full, or only for the visitors whose events changed.

The rule (docs/performance.md):

- the stored sessions are fresh while the fingerprint of their sources (``web_events``,
  ``clicks``, ``links``, ``posts``, ``profiles``; :mod:`socialroi.engine.derived`) is the one
  recorded at their build; ``sessions(t)`` reads them only then;
- a change to ``clicks``, ``links``, ``posts`` or ``profiles`` (which decide the source of any
  event with a tracked click id) rebuilds every session of the workspace;
- a change to ``web_events`` alone recomputes the sessions of the visitors whose events changed
  — found by comparing each visitor's event count and row-hash XOR with those stored at the last
  build — from *all* of those visitors' events. Sessionisation only looks at one visitor's events
  (every window is partitioned by visitor), so a visitor's sessions depend on nothing else: an
  event arriving 10 minutes after a visitor's last event extends that still-open session, one
  arriving earlier than stored events splits or merges sessions, and the result equals a build
  from scratch. The tracking writer passes the visitors of its batch as a hint, so only those are
  compared; a hint that missed a visitor is caught (the stored event counts no longer add up to
  the table's) and the comparison runs over every visitor;
- for the same reason, the sessions of many visitors (more than :data:`_PART_EVENTS` events: a
  first import, a rebuild) are computed a slice of visitors at a time, in one transaction: the
  same rows, in bounded memory.
"""

from __future__ import annotations

import dataclasses
import json

import ibis.expr.types as ir

from socialroi.engine import DuckDBEngine, Tables
from socialroi.engine.derived import (
    CHANGED,
    all_visitors,
    changed_visitors,
    compiled,
    event_count,
    fingerprint,
    replace_rows,
    stored_state,
    visitor_state_sql,
    visitors_consistent,
)
from socialroi.visits import sessions

__all__ = ["SESSION_SOURCES", "refresh_sessions", "scratch_tables"]

#: Events per slice of visitors when many visitors' sessions are computed (a first import):
#: the four window passes over 2M events' narrow rows stay in memory under the import's 1 GB
#: limit (peak RSS 0.7 GB), and every slice scans all the events once more, so fewer, larger
#: slices are faster (2M GA4 events: 4 slices 10.6 s CPU, one piece 9.3 s).
_PART_EVENTS = 2_000_000

#: The tables the sessions are computed from.
SESSION_SOURCES: tuple[str, ...] = ("web_events", "clicks", "links", "posts", "profiles")


def scratch_tables(engine: DuckDBEngine, workspace_id: str) -> Tables:
    """The workspace's tables with no derived table: what a build computes from."""
    return dataclasses.replace(engine.tables(workspace_id), derived={})


def refresh_sessions(
    engine: DuckDBEngine,
    workspace_id: str,
    visitors: list[str] | None = None,
    click_ids: list[str] | None = None,
) -> str:
    """Bring ``derived_sessions`` of the workspace up to date (module docstring).

    ``click_ids``: the tracked clicks just inserted (the writer's batch): the sessions of the
    events carrying them are recomputed, instead of every session as after any other change to
    ``clicks``.

    Returns what was done: ``fresh`` (nothing), ``full`` or ``incremental:<n visitors>``.
    """
    state = stored_state(engine, workspace_id, "sessions")
    current = fingerprint(engine, workspace_id, SESSION_SOURCES)
    if state is not None and state == (json.dumps(list(SESSION_SOURCES)), current):
        return "fresh"
    now, then = json.loads(current), _parsed(state[1] if state else "")
    others_same = state is not None and state[0] == json.dumps(list(SESSION_SOURCES)) and all(
        then.get(k) == now[k]
        for k in SESSION_SOURCES
        if k != "web_events" and not (k == "clicks" and click_ids is not None)
    )
    if not others_same:
        n = _parts(event_count(engine, workspace_id))
        if n == 1:
            query = compiled(("sessions", workspace_id, "full"),
                             lambda: sessions(scratch_tables(engine, workspace_id)))  # fmt: skip
            replace_rows(engine, "sessions", workspace_id, query, sources=SESSION_SOURCES,
                         state=visitor_state_sql(incremental=False))  # fmt: skip
            return "full"
        all_visitors(engine, workspace_id)  # every visitor, a slice at a time
        replace_rows(engine, "sessions", workspace_id, _changed_query(engine, workspace_id),
                     sources=SESSION_SOURCES, state=visitor_state_sql(incremental=False),
                     parts=("visitor_id", CHANGED, n))  # fmt: skip
        return "full"
    n = _incremental(engine, workspace_id, visitors, click_ids or [])
    if visitors is not None and not visitors_consistent(engine, workspace_id):
        n += _incremental(engine, workspace_id, None, [])  # the hint missed someone
    return f"incremental:{n}"


def _parsed(fingerprint_json: str) -> dict[str, object]:
    try:
        parsed = json.loads(fingerprint_json)
    except ValueError:  # anything unreadable is simply stale
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _incremental(
    engine: DuckDBEngine, workspace_id: str, visitors: list[str] | None, click_ids: list[str]
) -> int:
    n = changed_visitors(engine, workspace_id, visitors, click_ids)
    parts = 1
    if n > _PART_EVENTS // 100:  # too few visitors to need slicing (the tracking writer's)
        parts = _parts(event_count(engine, workspace_id, changed=True))
    replace_rows(
        engine, "sessions", workspace_id, _changed_query(engine, workspace_id),
        sources=SESSION_SOURCES, keys=("visitor_id", CHANGED),
        state=visitor_state_sql(incremental=True),
        parts=("visitor_id", CHANGED, parts) if parts > 1 else None,
    )  # fmt: skip
    return n


def _changed_query(engine: DuckDBEngine, workspace_id: str) -> tuple[str, tuple[str, ...]]:
    """The sessions of the visitors in the temp table :data:`CHANGED` (compiled once)."""

    def only_changed() -> ir.Table:
        t = scratch_tables(engine, workspace_id)
        changed = engine.backend.table(CHANGED)
        return sessions(
            dataclasses.replace(t, web_events=t.web_events.semi_join(changed, "visitor_id"))
        )

    return compiled(("sessions", workspace_id, "incremental"), only_changed)


def _parts(events: int) -> int:
    """How many visitor slices the sessions of ``events`` events are computed in."""
    return max(1, -(-events // _PART_EVENTS))

