"""The web process's result cache: each dashboard page and API result computed once per data
version, single-flight, on a bounded pool, with stale-while-revalidate and a warm-up thread.

Compiling a page's Ibis expressions costs about a second per plan and an attribution page at
10M events minutes of CPU and gigabytes, while the same numbers are asked again and again: the
cache answers repeated requests from memory and bounds the work of cold ones.

- **Key**: :class:`Key` — the workspace id, the page or endpoint, and its normalised parameters
  (the period's dates and comparison, allowlisted extras such as ``offset``). Nothing is shared
  across workspaces: the workspace id is in every key, and the routes resolve their scope (the
  session, token or share link, and the role) before they ask the cache.
- **Data version** of a workspace (:meth:`ResultCache.version`): a *hard* part — a counter
  bumped by every write of the web process that changes what pages show (imports, settings,
  links: :meth:`ResultCache.changed`), plus the import ledger's row count and latest import read
  from the database (at most once per :data:`_STAMP_TTL_S`) — and a *soft* part, bumped by the
  tracking writer after each batch of live events. The process is the database's only writer,
  so the counters see every change made while it runs; the cache starts empty, so nothing made
  while it was down is missed, and the ledger stamp guards the rest.
- **Freshness**: an entry of an older hard version is never served fresh: the request waits for
  the new result (up to ``Settings.compute_wait_s``). An entry of the current hard version but an
  older soft version (live events arrived since) is served at once, with its ``as_of`` time;
  once its data is older than ``Settings.cache_max_stale_s`` the request also starts a
  recomputation in the background (stale-while-revalidate).
- **Single flight and bounds**: one computation per key at a time, whoever asks; at most
  ``Settings.compute_slots`` computations run at once, at most one of them heavy (attribution,
  the whole summary), the others queue. A request that waits longer than ``compute_wait_s``
  gets the previous result if there is one, else :class:`Busy` (HTTP 503 with Retry-After);
  the computation continues and its result is kept for the retry.
- **Warm-up** (:class:`Warmup`): after start-up and after each data change, a background thread
  computes the default-period pages of each workspace, one at a time, so the first click is
  warm. It stops at once on shutdown (queued work is cancelled; running queries are interrupted
  by ``AppState.close``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["Busy", "Cached", "Job", "Key", "ResultCache", "Warmup"]

log = logging.getLogger("socialroi.web")

T = TypeVar("T")

#: how long the import ledger's stamp of a workspace is trusted before it is read again
_STAMP_TTL_S = 1.0


class Busy(Exception):
    """The result is still being computed and the request waited long enough (HTTP 503)."""

    def __init__(self, what: str, waited_s: float, retry_after_s: int) -> None:
        super().__init__(
            f"{what} is still being computed (waited {waited_s:.0f} s); it is kept for you "
            f"when it is ready: retry in {retry_after_s} s"
        )
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class Key:
    """What a result depends on besides the data: workspace, page or endpoint, parameters
    (already normalised and allowlisted by the route)."""

    workspace_id: str
    what: str
    params: tuple[Hashable, ...] = ()


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    """A result, the time its data was read (``as_of``, UTC) and whether newer data exists."""

    value: T
    as_of: dt.datetime
    stale: bool
    seconds: float


@dataclass(slots=True)
class _Entry:
    value: Any
    as_of: dt.datetime
    hard: Hashable
    soft: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Job:
    """One result the warm-up computes: its key, how, and whether it is heavy."""

    key: Key
    compute: Callable[[], Any]
    heavy: bool = False


@dataclass
class _Versions:
    hard: int = 0
    soft: int = 0
    stamp: Hashable = None
    stamp_at: float = float("-inf")


class ResultCache:
    """Results by :class:`Key`, computed on a bounded pool (module docstring).

    ``stamp(workspace_id)`` reads the database's cheap part of the hard version (the import
    ledger); listeners (:meth:`listen`: the warm-up) are told of every change.
    """

    def __init__(
        self,
        *,
        max_stale_s: float = 60.0,
        wait_s: float = 20.0,
        slots: int = 2,
        max_entries: int = 512,
        retry_after_s: int = 5,
        stamp: Callable[[str], Hashable] | None = None,
    ) -> None:
        self.max_stale_s = max_stale_s
        self.wait_s = wait_s
        self.max_entries = max_entries
        self.retry_after_s = retry_after_s
        self._stamp = stamp
        # reentrant: a future that fails at once runs its done-callback (which takes the lock)
        # inside _start, which holds it
        self._lock = threading.RLock()
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._inflight: dict[tuple[Key, Hashable], Future[_Entry]] = {}
        self._versions: dict[str, _Versions] = {}
        self._listeners: list[Callable[[str, bool], None]] = []
        self._closed = False
        # two pools: a heavy computation (minutes, gigabytes at 10M events) never blocks the
        # light pages, and never runs twice at once
        self._light = ThreadPoolExecutor(max(1, slots - 1), thread_name_prefix="socialroi-page")
        self._heavy = ThreadPoolExecutor(1, thread_name_prefix="socialroi-heavy")
        self.computations = 0  # how many results were computed (tests, status)

    # -- data versions -----------------------------------------------------------------

    def changed(self, workspace_ids: Iterable[str], *, live: bool = False) -> None:
        """Data of these workspaces changed: an import, a setting, a link (``live=False``,
        results are recomputed before they are served) or tracked events (``live=True``,
        results are served stale and refreshed in the background)."""
        ids = sorted(set(workspace_ids))
        with self._lock:
            for ws in ids:
                v = self._versions.setdefault(ws, _Versions())
                if live:
                    v.soft += 1
                else:
                    v.hard += 1
                    v.stamp_at = float("-inf")  # re-read the ledger too
        for ws in ids:
            for listener in list(self._listeners):
                listener(ws, live)

    def listen(self, listener: Callable[[str, bool], None]) -> None:
        self._listeners.append(listener)

    def version(self, workspace_id: str) -> tuple[Hashable, int]:
        """(hard, soft) version of the workspace's data (module docstring)."""
        with self._lock:
            v = self._versions.setdefault(workspace_id, _Versions())
            need_stamp = self._stamp is not None and time.monotonic() - v.stamp_at > _STAMP_TTL_S
        if need_stamp and self._stamp is not None:
            stamp = self._stamp(workspace_id)  # outside the lock: a database query
            with self._lock:
                v.stamp, v.stamp_at = stamp, time.monotonic()
        with self._lock:
            return (v.hard, v.stamp), v.soft

    # -- results -----------------------------------------------------------------------

    def get(
        self, key: Key, compute: Callable[[], T], *, heavy: bool = False,
        inline: bool = False, wait_s: float | None = None,
    ) -> Cached[T]:  # fmt: skip
        """The result of ``compute()`` for ``key`` at the current data version (see the
        module docstring for when a stale one is served). Raises :class:`Busy` when it is not
        ready within ``wait_s`` (default ``self.wait_s``) and no previous result exists;
        re-raises what ``compute`` raised.

        ``inline``: a small query every page needs first (the default period's end) runs in
        the calling thread instead of queueing behind page computations on the pool, still
        single-flight."""
        hard, soft = self.version(key.workspace_id)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            if entry is not None and entry.hard == hard:
                if entry.soft != soft and self._age(entry) >= self.max_stale_s:
                    self._start(key, compute, heavy, hard, False)  # revalidate, do not wait
                return _cached(entry, stale=entry.soft != soft)
            future, mine = self._start(key, compute, heavy, hard, inline)
        if mine:
            self._run_inline(key, compute, future)
        limit = self.wait_s if wait_s is None else wait_s
        started = time.monotonic()
        try:
            done = future.result(timeout=limit)
        except FutureTimeout:
            if entry is not None:  # an older result beats an error page
                return _cached(entry, stale=True)
            raise Busy(key.what, time.monotonic() - started, self.retry_after_s) from None
        return _cached(done, stale=False)

    def wait(self, key: Key, compute: Callable[[], Any], *, heavy: bool,
             stop: threading.Event) -> bool:  # fmt: skip
        """Compute ``key`` if it is not fresh and wait for it until done or ``stop`` (the
        warm-up); True when it was computed now."""
        hard, soft = self.version(key.workspace_id)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.hard == hard and (
                entry.soft == soft or self._age(entry) < self.max_stale_s
            ):
                return False
            future, _ = self._start(key, compute, heavy, hard, False)
        while not stop.is_set():
            try:
                future.result(timeout=0.2)
                return True
            except FutureTimeout:
                continue
        return False

    def _age(self, entry: _Entry) -> float:
        return (dt.datetime.now(dt.UTC) - entry.as_of).total_seconds()

    def _start(self, key: Key, compute: Callable[[], Any], heavy: bool, hard: Hashable,
               inline: bool) -> tuple[Future[_Entry], bool]:  # fmt: skip
        """The running computation of ``key`` at ``hard``, or a new one (caller holds the
        lock); True when the caller must run it (``inline``: :meth:`_run_inline`)."""
        running = self._inflight.get((key, hard))
        if running is not None:
            return running, False
        if self._closed:
            cancelled: Future[_Entry] = Future()
            cancelled.cancel()
            return cancelled, False
        if inline:
            future: Future[_Entry] = Future()
            future.set_running_or_notify_cancel()
        else:
            future = (self._heavy if heavy else self._light).submit(self._compute, key, compute)
        self._inflight[key, hard] = future
        future.add_done_callback(lambda _f: self._forget(key, hard, future))
        return future, inline

    def _run_inline(self, key: Key, compute: Callable[[], Any], future: Future[_Entry]) -> None:
        try:
            future.set_result(self._compute(key, compute))
        except Exception as exc:  # noqa: BLE001 - handed to every waiter: result() re-raises
            future.set_exception(exc)

    def _forget(self, key: Key, hard: Hashable, future: Future[_Entry]) -> None:
        with self._lock:
            if self._inflight.get((key, hard)) is future:
                del self._inflight[key, hard]

    def _compute(self, key: Key, compute: Callable[[], Any]) -> _Entry:
        # the version is read when the work starts, not when it was queued: data that changed
        # while it waited is in the result, data that changes while it runs makes it stale
        hard, soft = self.version(key.workspace_id)
        as_of = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        value = compute()
        entry = _Entry(value, as_of, hard, soft, time.perf_counter() - t0)
        with self._lock:
            self.computations += 1
            old = self._entries.get(key)
            if old is None or old.as_of <= as_of:
                self._entries[key] = entry
                self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        log.debug("computed %s in %.2f s", key, entry.seconds)
        return entry

    def stats(self) -> dict[str, int]:
        """Entries kept, computations running or queued, results computed so far."""
        with self._lock:
            return {"entries": len(self._entries), "inflight": len(self._inflight),
                    "computations": self.computations}  # fmt: skip

    def close(self) -> None:
        """Refuse new work and cancel the queued (shutdown; running queries are interrupted
        by the caller, which owns the database cursors)."""
        with self._lock:
            self._closed = True
        self._light.shutdown(wait=False, cancel_futures=True)
        self._heavy.shutdown(wait=False, cancel_futures=True)


def _cached(entry: _Entry, *, stale: bool) -> Cached[Any]:
    return Cached(entry.value, entry.as_of, stale, entry.seconds)


@dataclass
class WarmupStatus:
    """What the warm-up is doing (``GET /api/v1/status`` and the log)."""

    state: str = "idle"  # idle | warming | stopped
    current: str | None = None
    done: int = 0
    total: int = 0
    rounds: int = 0
    last_seconds: float | None = None
    last_finished: dt.datetime | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state, "current": self.current, "done": self.done,
            "total": self.total, "rounds": self.rounds, "last_seconds": self.last_seconds,
            "last_finished": None if self.last_finished is None
            else self.last_finished.isoformat(timespec="seconds"),
            "errors": self.errors[-5:],
        }  # fmt: skip


class Warmup:
    """A background thread computing ``jobs(workspace_id)`` for every workspace of
    ``workspaces()`` at start-up, then for each workspace the cache reports changed."""

    def __init__(
        self,
        cache: ResultCache,
        workspaces: Callable[[], Iterable[str]],
        jobs: Callable[[str], list[Job]],
    ) -> None:
        self.cache = cache
        self._workspaces = workspaces
        self._jobs = jobs
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._pending: set[str] = set()
        self._all = True
        self._lock = threading.Lock()
        self.status = WarmupStatus()
        self._thread = threading.Thread(target=self._run, name="socialroi-warmup", daemon=True)
        cache.listen(self._changed)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(5.0)
        self.status.state = "stopped"

    def _changed(self, workspace_id: str, live: bool) -> None:
        with self._lock:
            self._pending.add(workspace_id)
        if not live:  # live events arrive every second: those wait for the next round, at
            self._wake.set()  # most max_stale_s away, and only stale results are recomputed

    def _take(self) -> list[str]:
        with self._lock:
            every, self._all = self._all, False
            pending, self._pending = self._pending, set()
        return sorted(self._workspaces()) if every else sorted(pending)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._round(self._take())
            except Exception as exc:  # the warm-up only saves time: log, never crash the app
                log.exception("warm-up failed")
                self.status.errors.append(str(exc)[:300])
            # live data: come back when results may be older than the allowed staleness
            self._wake.wait(max(self.cache.max_stale_s, 1.0))
            self._wake.clear()

    def _round(self, workspace_ids: list[str]) -> None:
        if not workspace_ids:
            return
        st = self.status
        t0 = time.perf_counter()
        jobs = [j for ws in workspace_ids for j in self._jobs(ws)]
        st.state, st.done, st.total = "warming", 0, len(jobs)
        log.info("warm-up of %d result(s) of %s started", len(jobs), ", ".join(workspace_ids))
        computed = 0
        for job in jobs:
            if self._stop.is_set():
                return
            st.current = f"{job.key.workspace_id}/{job.key.what}"
            try:
                computed += self.cache.wait(job.key, job.compute, heavy=job.heavy,
                                            stop=self._stop)  # fmt: skip
            except (CancelledError, RuntimeError):
                return  # shutting down
            except Exception as exc:  # noqa: BLE001 - a page that fails also fails when asked
                log.warning("warm-up of %s failed: %s", st.current, exc)
                st.errors.append(f"{st.current}: {str(exc)[:300]}")
            st.done += 1
        st.state, st.current = "idle", None
        st.rounds += 1
        st.last_seconds = round(time.perf_counter() - t0, 2)
        st.last_finished = dt.datetime.now(dt.UTC)
        if computed:
            log.info(
                "warm-up: %d results of %d workspace(s) computed in %.1f s",
                computed, len(workspace_ids), st.last_seconds,
            )  # fmt: skip
