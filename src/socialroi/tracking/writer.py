"""The one writer: loads the spool into DuckDB in batches, exactly once.

One thread owns the database's write connection. Each batch (up to ``batch_rows`` spool lines)
is loaded in one transaction together with the spool position it ends at (``spool_state``) and
the counters, so after a crash the next start resumes from the last committed position and no
line is loaded twice or skipped. Events are also deduplicated on ``(workspace_id, event_id)``
against the batch itself and against stored events whose ``occurred_at`` is at most
:data:`DEDUP_WINDOW` before the batch's earliest event, so a client that retries a batch (the
same events, same timestamps) never double-counts.

Counters, per workspace and stream (``events`` or ``clicks``), always balance:
``received = stored + failed + filtered_bot + filtered_duplicate``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from socialroi.aggregates import after_load
from socialroi.engine import DuckDBEngine
from socialroi.errors import EngineError
from socialroi.ingest import recompute_money
from socialroi.tracking.spool import Chunk, Spool

__all__ = ["DEDUP_WINDOW", "Writer", "counters", "lower_thread_priority", "open_database"]

log = logging.getLogger("socialroi.tracking")

#: Events are deduplicated against stored events up to this long before a batch (≥ 24 h,
#: reliability.md scenario 3); a retry carries the same ``occurred_at``, so it always matches.
DEDUP_WINDOW = dt.timedelta(days=7)

_EVENT_COLS: tuple[tuple[str, pa.DataType], ...] = (
    ("workspace_id", pa.string()),
    ("event_id", pa.string()),
    ("visitor_id", pa.string()),
    ("occurred_at", pa.timestamp("us")),
    ("event", pa.string()),
    ("url", pa.string()),
    ("referrer", pa.string()),
    ("utm_source", pa.string()),
    ("utm_medium", pa.string()),
    ("utm_campaign", pa.string()),
    ("utm_content", pa.string()),
    ("utm_term", pa.string()),
    ("click_id", pa.string()),
    ("goal", pa.string()),
    ("revenue", pa.float64()),
    ("currency", pa.string()),
    ("transaction_id", pa.string()),
    ("contact_id", pa.string()),
    ("email", pa.string()),
    ("user_agent", pa.string()),
    ("extra", pa.string()),
    ("_seq", pa.int64()),
    ("_derived", pa.bool_()),
)
_CLICK_COLS: tuple[tuple[str, pa.DataType], ...] = (
    ("workspace_id", pa.string()),
    ("code", pa.string()),
    ("clicked_at", pa.timestamp("us")),
    ("click_id", pa.string()),
    ("visitor_id", pa.string()),
    ("referrer", pa.string()),
    ("user_agent", pa.string()),
    ("country", pa.string()),
)
_BOT_COLS: tuple[tuple[str, pa.DataType], ...] = (
    ("workspace_id", pa.string()),
    ("stream", pa.string()),
    ("occurred_at", pa.timestamp("us")),
    ("code", pa.string()),
    ("bot", pa.string()),
    ("user_agent", pa.string()),
    ("url", pa.string()),
)
_FAILED_COLS: tuple[tuple[str, pa.DataType], ...] = (
    ("workspace_id", pa.string()),
    ("stream", pa.string()),
    ("received_at", pa.timestamp("us")),
    ("reason", pa.string()),
    ("event_id", pa.string()),
    ("body", pa.string()),
)
_WEB_EVENT_COLUMNS = [c for c, _ in _EVENT_COLS if not c.startswith("_") and c != "extra"]


def _arrow(rows: list[dict[str, Any]], cols: tuple[tuple[str, pa.DataType], ...]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in rows], t) for c, t in cols})


def _decode_lines(lines: list[bytes]) -> list[Any]:
    """Every line's JSON value, decoded in one call (one C loop instead of a Python call per
    line); ``None`` entries, to be decoded one by one, when some line is not one JSON value."""
    try:
        values = json.loads(b"[" + b",".join(lines) + b"]")
    except (ValueError, RecursionError):
        values = None
    if isinstance(values, list) and len(values) == len(lines):
        return values
    return [None] * len(lines)


def lower_thread_priority(nice: int) -> None:
    """Lower the calling thread's CPU priority to ``nice`` (Linux: a thread id is a process id
    there); elsewhere, or when not allowed, nothing changes (the same, only slower)."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), nice))
    except (AttributeError, OSError):
        pass


def open_database(path: str | Path) -> DuckDBEngine:
    """Open the database; if its WAL cannot be replayed, quarantine the WAL and open again.

    The rows the quarantined WAL held are rebuilt from the spool: segments are deleted only
    after a checkpoint, and ``spool_state`` in the checkpointed file says where to resume.
    """
    try:
        return DuckDBEngine(path)
    except EngineError as exc:
        wal = Path(f"{path}.wal")
        if "WAL" not in str(exc) or not wal.exists():
            raise
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        quarantine = wal.with_name(f"{wal.name}.quarantined-{stamp}")
        wal.rename(quarantine)
        log.error(
            "WAL of %s could not be replayed (%s); moved to %s, rebuilding from the spool",
            path,
            exc,
            quarantine,
        )
        return DuckDBEngine(path)


@dataclass
class _Batch:
    events: list[dict[str, Any]] = field(default_factory=list)
    clicks: list[dict[str, Any]] = field(default_factory=list)
    bots: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    received: Counter[tuple[str, str]] = field(default_factory=Counter)


class Writer:
    """The thread that loads ``spool`` into ``engine``; start with :meth:`start`."""

    def __init__(
        self,
        engine: DuckDBEngine,
        spool: Spool,
        *,
        batch_rows: int = 10_000,
        interval_s: float = 0.25,
        refresh_interval_s: float = 2.0,
        nice: int = 0,
        on_load: Callable[[set[str]], None] | None = None,
    ) -> None:
        self.engine = engine
        # told the workspaces of each committed batch (the web process's result cache)
        self.on_load = on_load
        self.spool = spool
        self.batch_rows = batch_rows
        self.interval_s = interval_s
        self.refresh_interval_s = refresh_interval_s
        self.nice = nice
        self.error: str | None = None  # the last load failure, None once a load succeeds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._seg, self._off = self._resume_position()
        self._seq = 0
        self._goals: dict[str, list[tuple[str, str | None, str | None, float | None, bool]]] = {}
        self._goals_at = 0.0
        # visitors and click ids of the batches loaded since the derived tables' last refresh
        self._hint_visitors: set[tuple[str, str]] = set()
        self._hint_clicks: set[tuple[str, str | None]] = set()
        self._refreshed_at = time.monotonic()

    # -- life cycle ----------------------------------------------------------------------

    def _resume_position(self) -> tuple[int, int]:
        rows = self.engine.run("SELECT segment_seq, byte_offset FROM spool_state")
        segments = self.spool.segments()
        if rows:
            seg, off = int(rows[0][0]), int(rows[0][1])
        else:
            seg, off = (segments[0] if segments else self.spool.active), 0
        self._checkpoint_and_trim(seg)
        pending = sum(self.spool.size(s) for s in self.spool.segments() if s >= seg) - off
        self.spool.set_pending(max(pending, 0))
        return seg, off

    def start(self) -> None:
        """Replay whatever the spool holds beyond the last commit, then follow new appends."""
        self._thread = threading.Thread(target=self._run, name="socialroi-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 60.0) -> None:
        """Load everything acknowledged so far, checkpoint, and stop (SIGTERM path)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.drain()
        self._checkpoint_and_trim(self._seg)

    def poke(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        if self.nice:
            lower_thread_priority(self.nice)
        while not self._stop.is_set():
            try:
                loaded = self.step()
            except EngineError as exc:
                self.error = str(exc)
                log.error("cannot load the spool into the database: %s", exc)
                self._stop.wait(1.0)
                continue
            if loaded == 0 or time.monotonic() - self._refreshed_at >= self.refresh_interval_s:
                self.refresh_derived()
            if loaded < self.batch_rows:
                self._wake.wait(self.interval_s)
                self._wake.clear()

    def refresh_derived(self) -> None:
        """Bring the derived tables (stored sessions, daily aggregates) up to the batches
        loaded since their last refresh.

        Not after every batch: the refresh is mostly Python (holding the GIL the event loop
        needs to acknowledge events) and much of its cost is per call (fingerprints, a few
        statements), not per event, so under load it runs every ``refresh_interval_s`` and
        whenever the spool is drained. A
        hint lost in a crash is harmless: the refresh finds visitors it was not told about
        (``socialroi.aggregates``).
        """
        self._refreshed_at = time.monotonic()
        if not self._hint_visitors and not self._hint_clicks:
            return
        events = [{"workspace_id": ws, "visitor_id": v} for ws, v in self._hint_visitors]
        clicks = [{"workspace_id": ws, "click_id": c} for ws, c in self._hint_clicks]
        workspaces = {ws for ws, _ in self._hint_visitors} | {ws for ws, _ in self._hint_clicks}
        self._hint_visitors, self._hint_clicks = set(), set()
        after_load(self.engine, events, clicks)
        if self.on_load is not None:
            # told again: a result computed between the batch's commit and this refresh read
            # the derived tables before they had its events
            self.on_load(workspaces)

    def drain(self) -> int:
        """Load until the spool holds nothing durable that is not in the database, and
        refresh the derived tables."""
        total = 0
        while True:
            n = self.step()
            total += n
            if n == 0:
                self.refresh_derived()
                return total

    # -- one step ------------------------------------------------------------------------

    def step(self) -> int:
        """Load one batch; returns the number of spool lines loaded (0: nothing to do)."""
        chunk = self.spool.read(self._seg, self._off, self.batch_rows)
        if chunk.lines or chunk.end != self._off:
            self._load(chunk)
            self.error = None
            return len(chunk.lines)
        if self._seg < self.spool.active:
            # a closed segment is fully loaded: move on (bytes after the last newline are a
            # torn write from a crash, never acknowledged)
            later = [s for s in self.spool.segments() if s > self._seg]
            nxt = later[0] if later else self.spool.active
            torn = self.spool.size(self._seg) - self._off
            with self.engine.transaction():
                self._save_position(nxt, 0)
            self.spool.loaded(max(torn, 0))
            self._seg, self._off = nxt, 0
            self._checkpoint_and_trim(nxt)
            return self.step()
        return 0

    def _checkpoint_and_trim(self, keep_from: int) -> None:
        """CHECKPOINT, then delete the segments before ``keep_from`` (now in the file)."""
        try:
            self.engine.run("CHECKPOINT")
        except EngineError as exc:
            # an open reader transaction blocks CHECKPOINT: keep the segments, retry later
            log.info("checkpoint postponed: %s", exc)
            return
        for s in self.spool.segments():
            if s < keep_from:
                self.spool.remove(s)

    def _save_position(self, seg: int, off: int) -> None:
        n = self.engine.run("UPDATE spool_state SET segment_seq = ?, byte_offset = ?", [seg, off])
        if not n or int(n[0][0]) == 0:
            self.engine.run("INSERT INTO spool_state VALUES (?, ?)", [seg, off])

    def _parse(self, chunk: Chunk) -> _Batch:
        b = _Batch()
        for line, parsed in zip(chunk.lines, _decode_lines(chunk.lines), strict=True):
            self._seq += 1
            try:
                rec = json.loads(line) if parsed is None else parsed
                kind, ws, d = rec["k"], rec["ws"], rec["d"]
                stream = "clicks" if kind == "c" else "events" if kind == "e" else rec["s"]
                if not (
                    isinstance(d, dict) and isinstance(ws, str) and kind in ("e", "c", "b", "f")
                ):
                    raise TypeError(kind)
            except (ValueError, KeyError, TypeError):
                # only a damaged disk writes such a line; it is counted, never a stuck writer
                b.received["", "events"] += 1
                b.failed.append(
                    {
                        "workspace_id": "",
                        "stream": "events",
                        "reason": "corrupt-spool-line",
                        "received_at": None,
                        "event_id": None,
                        "body": line[:2000].decode("utf-8", "replace"),
                    }
                )
                continue
            b.received[ws, stream] += 1
            if kind == "e":
                b.events.append({**d, "workspace_id": ws, "_seq": self._seq, "_derived": False})
            elif kind == "c":
                b.clicks.append({**d, "workspace_id": ws})
            elif kind == "b":
                b.bots.append({**d, "workspace_id": ws, "stream": stream})
            else:
                b.failed.append({**d, "workspace_id": ws, "stream": stream})
        # timestamps stay µs since the epoch (UTC): Arrow takes them as they are
        if b.failed:
            now = int(dt.datetime.now(dt.UTC).timestamp() * 1_000_000)
            for r in b.failed:
                r["received_at"] = r.get("received_at") or now
        b.events.extend(self._derived_goal_events(b.events))
        return b

    # -- goals ---------------------------------------------------------------------------

    def _goals_of(self, workspaces: Iterable[str]) -> None:
        rows = self.engine.run(
            "SELECT workspace_id, name, event, url_pattern, value, is_lead FROM tracking_goals "
            "ORDER BY workspace_id, name"
        )
        self._goals = {}
        for ws, name, event, pattern, value, is_lead in rows:
            self._goals.setdefault(ws, []).append((name, event, pattern, value, bool(is_lead)))

    def _derived_goal_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One ``goal`` (or ``lead``) event per event that matches a declared goal."""
        if not events:
            return []
        self._goals_of({e["workspace_id"] for e in events})
        out: list[dict[str, Any]] = []
        for e in events:
            for name, event, pattern, value, is_lead in self._goals.get(e["workspace_id"], ()):
                if event is not None and e["event"] == event:
                    pass
                elif event is None and e["event"] == "goal" and e.get("goal") == name:
                    pass
                elif pattern is not None and e["event"] == "pageview" and e.get("url"):
                    path = urlsplit(e["url"]).path or "/"
                    if not fnmatch.fnmatchcase(path, pattern):
                        continue
                else:
                    continue
                if e["event"] == ("lead" if is_lead else "goal"):
                    continue  # the event already is what the goal would add
                derived = {
                    **e,
                    "event_id": f"{e['event_id']}:goal:{name}",
                    "_derived": True,
                    "event": "lead" if is_lead else "goal",
                    "goal": name,
                }
                if value is not None and e.get("revenue") is None:
                    derived["revenue"] = value
                out.append(derived)
        return out

    # -- the transaction -----------------------------------------------------------------

    def _load(self, chunk: Chunk) -> None:
        b = self._parse(chunk)
        eng = self.engine
        stored: Counter[tuple[str, str]] = Counter()
        dupes: Counter[tuple[str, str]] = Counter()
        foreign: set[str] = set()
        with eng.transaction():
            if b.events:
                stored, dupes, foreign = self._insert_events(b.events)
            if b.clicks:
                eng.register("_sr_clicks", _arrow(b.clicks, _CLICK_COLS))
                cols = ", ".join(c for c, _ in _CLICK_COLS)
                # column names from the constant above, never from input
                eng.run(f"INSERT INTO clicks ({cols}) SELECT {cols} FROM _sr_clicks")  # noqa: S608
                eng.unregister("_sr_clicks")
                stored.update((r["workspace_id"], "clicks") for r in b.clicks)
            if b.bots:
                eng.register("_sr_bots", _arrow(b.bots, _BOT_COLS))
                eng.run("INSERT INTO bot_hits SELECT * FROM _sr_bots")
                eng.unregister("_sr_bots")
            if b.failed:
                eng.register("_sr_failed", _arrow(b.failed, _FAILED_COLS))
                eng.run("INSERT INTO failed_events SELECT * FROM _sr_failed")
                eng.unregister("_sr_failed")
            bots = Counter((r["workspace_id"], r["stream"]) for r in b.bots)
            failed = Counter((r["workspace_id"], r["stream"]) for r in b.failed)
            for key, received in b.received.items():
                self._add_counters(key, received, stored[key], failed[key], bots[key], dupes[key])
            self._save_position(chunk.segment, chunk.end)
            for ws in sorted(foreign):
                recompute_money(eng, eng.workspace(ws))
        self.spool.loaded(chunk.end - chunk.start)
        self._off = chunk.end
        # stored sessions and daily aggregates follow (refresh_derived)
        self._hint_visitors.update((e["workspace_id"], e["visitor_id"]) for e in b.events)
        self._hint_clicks.update((c["workspace_id"], c.get("click_id")) for c in b.clicks)
        if self.on_load is not None and (b.events or b.clicks):
            self.on_load({str(r["workspace_id"]) for r in (*b.events, *b.clicks)})

    def _insert_events(
        self, events: list[dict[str, Any]]
    ) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]], set[str]]:
        eng = self.engine
        eng.register("_sr_batch", _arrow(events, _EVENT_COLS))
        earliest = min(e["occurred_at"] for e in events)
        since = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=earliest) - DEDUP_WINDOW
        eng.run(
            "CREATE OR REPLACE TEMP TABLE _sr_new AS "
            "SELECT b.* EXCLUDE (_rn) FROM (SELECT *, row_number() OVER "
            "(PARTITION BY workspace_id, event_id ORDER BY _seq) AS _rn FROM _sr_batch) b "
            "WHERE b._rn = 1 AND NOT EXISTS (SELECT 1 FROM web_events w "
            "WHERE w.workspace_id = b.workspace_id AND w.event_id = b.event_id "
            "AND w.occurred_at >= ?)",
            [since],
        )
        eng.unregister("_sr_batch")
        cols = ", ".join(_WEB_EVENT_COLUMNS)
        src = ", ".join(
            "coalesce(n.currency, CASE WHEN n.revenue IS NOT NULL THEN w.currency END)"
            if c == "currency"
            else f"n.{c}"
            for c in _WEB_EVENT_COLUMNS
        )
        eng.run(
            f"INSERT INTO web_events ({cols}, revenue_base, extra) "  # noqa: S608
            f"SELECT {src}, CASE WHEN n.currency IS NULL OR n.currency = w.currency "
            "THEN n.revenue END, n.extra "
            "FROM _sr_new n JOIN workspaces w ON n.workspace_id = w.workspace_id"
        )
        rows = eng.run(
            "SELECT workspace_id, count(*) FILTER (WHERE NOT _derived), "
            "bool_or(revenue IS NOT NULL AND currency IS NOT NULL AND currency <> "
            "(SELECT currency FROM workspaces x WHERE x.workspace_id = n.workspace_id)) "
            "FROM _sr_new n GROUP BY 1"
        )
        eng.run("DROP TABLE _sr_new")
        stored: Counter[tuple[str, str]] = Counter()
        foreign: set[str] = set()
        for ws, n, has_foreign in rows:
            stored[ws, "events"] = int(n)
            if has_foreign:
                foreign.add(ws)
        sent = Counter((e["workspace_id"], "events") for e in events if not e["_derived"])
        dupes = Counter({k: v - stored[k] for k, v in sent.items() if v > stored[k]})
        return stored, dupes, foreign

    def _add_counters(
        self, key: tuple[str, str], received: int, stored: int, failed: int, bots: int, dupes: int
    ) -> None:
        ws, stream = key
        vals = [received, stored, failed, bots, dupes, ws, stream]
        n = self.engine.run(
            "UPDATE collector_counters SET received = received + ?, stored = stored + ?, "
            "failed = failed + ?, filtered_bot = filtered_bot + ?, "
            "filtered_duplicate = filtered_duplicate + ? WHERE workspace_id = ? AND stream = ?",
            vals,
        )
        if not n or int(n[0][0]) == 0:
            self.engine.run(
                "INSERT INTO collector_counters (received, stored, failed, filtered_bot, "
                "filtered_duplicate, workspace_id, stream) VALUES (?, ?, ?, ?, ?, ?, ?)",
                vals,
            )


def counters(eng: DuckDBEngine, workspace_id: str | None = None) -> list[dict[str, Any]]:
    """Collector counters per workspace and stream, with ``filtered`` = bots + duplicates.

    ``received = stored + failed + filtered`` holds for every row (committed with the data).
    """
    where, params = ("WHERE workspace_id = ?", [workspace_id]) if workspace_id else ("", [])
    rows = eng.run(
        "SELECT workspace_id, stream, received, stored, failed, filtered_bot, filtered_duplicate "  # noqa: S608
        f"FROM collector_counters {where} ORDER BY workspace_id, stream",
        params,
    )
    keys = (
        "workspace_id",
        "stream",
        "received",
        "stored",
        "failed",
        "filtered_bot",
        "filtered_duplicate",
    )
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for r in out:
        r["filtered"] = r["filtered_bot"] + r["filtered_duplicate"]
    return out
