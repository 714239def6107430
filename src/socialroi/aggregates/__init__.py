"""Derived tables: the sessions and the daily aggregates, stored once and kept up to date.

Every number of socialroi starts from the visits (web events cut into sessions), the most
expensive computation there is. On DuckDB this package stores them (``derived_sessions``) and the
daily aggregates built on them (``derived_daily``: visits, leads, customers and revenue per
workspace-calendar day, network, channel and campaign), and refreshes both after an import
(``socialroi.ingest.import_file``) and after each batch the tracking writer loads:

- ``refresh(engine, workspace_id)`` brings them up to date: sessions incrementally for the
  visitors whose events changed (:mod:`._store`), the daily aggregates rebuilt from them;
- ``overview(engine, workspace_id, date_from, date_to, compare=…)`` answers the dashboard's
  channel numbers of any period (and its comparison period) from the small daily table.

Analysis code needs no change: ``Engine.tables()`` hands fresh derived tables over in
``Tables.derived``, ``socialroi.visits.sessions`` and ``socialroi.metrics.channel_summary`` read
them, and compute from the entities whenever they are missing or stale (a write no refresh
followed, another engine), so a derived table can make a number faster, never different.
See docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from socialroi.aggregates._store import SESSION_SOURCES, refresh_sessions
from socialroi.aggregates.daily import DAILY_COLUMNS, DAILY_SOURCES, daily_facts
from socialroi.engine import DuckDBEngine, Engine
from socialroi.engine.derived import compiled, fingerprint, forget, replace_rows, stored_state
from socialroi.errors import SocialRoiError
from socialroi.metrics._period import compare_period
from socialroi.metrics.summary import channel_summary

__all__ = [
    "DAILY_COLUMNS",
    "DAILY_SOURCES",
    "SESSION_SOURCES",
    "Refreshed",
    "after_load",
    "daily_facts",
    "overview",
    "rebuild",
    "refresh",
]


log = logging.getLogger("socialroi.aggregates")

#: See ``refresh(throttle=True)``.
_PACE = 4.0
#: (database path, workspace) → (monotonic end, seconds) of the last daily rebuild.
_DAILY_BUILDS: dict[tuple[str, str], tuple[float, float]] = {}


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What a refresh did: ``sessions`` is ``fresh``, ``full`` or ``incremental:<visitors>``;
    ``daily`` is ``fresh``, ``rebuilt`` or ``deferred``; ``seconds`` the wall time."""

    sessions: str
    daily: str
    seconds: float


def refresh(
    engine: Engine,
    workspace_id: str,
    *,
    visitors: Iterable[str] | None = None,
    click_ids: Iterable[str] | None = None,
    throttle: bool = False,
) -> Refreshed | None:
    """Bring the workspace's derived tables up to date; None on an engine that stores none.

    Parameters
    ----------
    engine
        The engine; only DuckDB stores derived tables (Spark computes from the entities).
    workspace_id
        The workspace.
    visitors
        The visitors whose events were just written (the tracking writer's batch): only their
        events are compared with the stored state. Without it every visitor is compared.
    click_ids
        The click ids of tracked clicks just inserted (the writer's batch): only the sessions
        of events carrying them are recomputed. Without it a change to ``clicks`` rebuilds
        every session.
    throttle
        Rebuild the daily aggregates only if the time since their last rebuild is at least
        :data:`_PACE` times that rebuild's duration (the writer's pace: it spends at most a
        fifth of its time on them); otherwise they stay stale (``daily="deferred"``) and
        ``channel_summary`` computes from the stored sessions until a later batch rebuilds them.
    """
    if not isinstance(engine, DuckDBEngine):
        return None
    started = time.perf_counter()
    engine.workspace(workspace_id)  # raises WorkspaceNotFound
    hint = None if visitors is None else list(visitors)
    clicks = None if click_ids is None else list(click_ids)
    done_sessions = refresh_sessions(engine, workspace_id, hint, clicks)
    state = stored_state(engine, workspace_id, "daily")
    done_daily = "fresh"
    last = _DAILY_BUILDS.get((engine.path, workspace_id))
    if last is not None and throttle and time.monotonic() - last[0] < _PACE * last[1]:
        done_daily = "deferred"  # stale until a later batch: reads compute from the sessions
    elif state is None or state[1] != fingerprint(engine, workspace_id, DAILY_SOURCES):
        # built on the stored sessions just refreshed: the people part (identity, first touch,
        # conversions) reads small tables and the visits, so a rebuild costs seconds at 10M
        t = engine.tables(workspace_id)
        key = ("daily", workspace_id, t.workspace.timezone, ",".join(sorted(t.derived)))
        query = compiled(key, lambda: daily_facts(t))
        began = time.monotonic()
        replace_rows(engine, "daily", workspace_id, query, sources=DAILY_SOURCES)
        _DAILY_BUILDS[engine.path, workspace_id] = (time.monotonic(), time.monotonic() - began)
        done_daily = "rebuilt"
    return Refreshed(done_sessions, done_daily, time.perf_counter() - started)


def after_load(
    engine: DuckDBEngine,
    events: Iterable[Mapping[str, Any]],
    clicks: Iterable[Mapping[str, Any]] = (),
) -> None:
    """The tracking writer's hook, after it committed a batch: refresh the derived tables of
    every workspace in the batch, with the batch's visitors as the hint.

    Never raises: the events are stored already, and a refresh that fails leaves the derived
    tables stale, so the analysis computes from the entities until the next refresh (logged).
    """
    visitors: dict[str, set[str]] = {}
    click_ids: dict[str, set[str]] = {}
    for e in events:
        visitors.setdefault(str(e["workspace_id"]), set()).add(str(e["visitor_id"]))
    for c in clicks:
        ids = click_ids.setdefault(str(c["workspace_id"]), set())
        if c.get("click_id") is not None:
            ids.add(str(c["click_id"]))
    for ws in sorted(visitors.keys() | click_ids.keys()):
        try:
            refresh(engine, ws, visitors=sorted(visitors.get(ws, ())),
                    click_ids=sorted(click_ids.get(ws, ())), throttle=True)  # fmt: skip
        except SocialRoiError as exc:
            log.error("derived tables of %s not refreshed (they are recomputed): %s", ws, exc)


def rebuild(engine: DuckDBEngine, workspace_id: str) -> Refreshed:
    """Forget the workspace's derived tables and build them from scratch."""
    forget(engine, workspace_id)
    done = refresh(engine, workspace_id)
    assert done is not None  # a DuckDBEngine always stores  # noqa: S101
    return done


def overview(
    engine: Engine,
    workspace_id: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    compare: Literal["previous", "yoy"] | None = "previous",
) -> dict[str, Any]:
    """The dashboard overview: the channel numbers of a period beside its comparison period.

    Returns
    -------
    :func:`socialroi.metrics.channel_summary` of ``[date_from, date_to]`` (``period``,
    ``currency``, ``totals``, ``social``, ``by_network``, ``by_channel``: the summary JSON's
    channel part, equal to ``socialroi summary``'s), plus ``previous``: the same for
    :func:`socialroi.metrics._period.compare_period` (``previous``: the as-long period just
    before; ``yoy``: the same dates a year earlier), or None when ``compare`` is None. Answered
    from the daily aggregates when they are fresh (milliseconds at 10M events), else computed.
    """
    current = channel_summary(engine, workspace_id, date_from, date_to)
    previous = None
    if compare is not None:
        p_from, p_to = compare_period(date_from, date_to, compare)
        previous = channel_summary(engine, workspace_id, p_from, p_to)
    return {**current, "previous": previous}

