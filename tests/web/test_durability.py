"""Reliability scenarios 1, 3, 4 and 5 against a real ``socialroi serve`` on loopback."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
import uvicorn
from _server import BROWSER_UA, Server, event, free_port

from socialroi.engine import DuckDBEngine
from socialroi.web import Settings, create_app

HEADERS = {"user-agent": BROWSER_UA, "content-type": "application/json"}


async def _burst(url: str, ids: list[str], clients: int, batch: int) -> set[str]:
    """Send ``ids`` in batches over ``clients`` connections; the ids acknowledged with 2xx."""
    acked: set[str] = set()
    queue = [ids[i : i + batch] for i in range(0, len(ids), batch)]

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=10) as c:
            while queue:
                chunk = queue.pop()
                try:
                    r = await c.post("/api/event", json=[event("ws", i) for i in chunk])
                except httpx.TransportError:
                    return  # the server died mid-request: not acknowledged
                if 200 <= r.status_code < 300:
                    acked.update(chunk)

    await asyncio.gather(*(worker() for _ in range(clients)))
    return acked


def _stored(db: Path) -> dict[str, int]:
    with DuckDBEngine(db) as eng:
        rows = eng.run("SELECT event_id, count(*) FROM web_events GROUP BY 1")
    return {r[0]: int(r[1]) for r in rows}


SEEDS = [int(s) for s in os.environ.get("SOCIALROI_KILL_SEEDS", "1,2,3,4,5").split(",")]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_9_during_a_burst_loses_no_acknowledged_event(db: Path, seed: int) -> None:
    """Scenario 1: 10k events over 16 connections, SIGKILL at a random moment; after the next
    start (no manual step) every acknowledged event is stored exactly once."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible kill moment, not a secret
    srv = Server(db).start()
    ids = [f"s{seed}-{i}" for i in range(10_000)]
    killer = threading.Timer(rng.uniform(0.2, 1.0), srv.kill9)
    killer.start()
    acked = asyncio.run(_burst(srv.url, ids, clients=16, batch=10))
    killer.join()
    assert len(acked) < len(ids), "the kill came after the burst: nothing was tested"
    assert srv.proc is not None and srv.proc.returncode == -signal.SIGKILL
    srv2 = Server(db).start()  # replays the spool by itself
    srv2.wait_loaded()
    srv2.stop()
    stored = _stored(db)
    missing = acked - stored.keys()
    assert not missing, f"{len(missing)} acknowledged events lost (seed {seed})"
    assert all(n == 1 for n in stored.values())


def test_sigterm_flushes_everything(db: Path) -> None:
    """Scenario 5: events acknowledged just before SIGTERM are all in the database after exit."""
    srv = Server(db).start()
    acked = asyncio.run(_burst(srv.url, [f"t{i}" for i in range(2000)], clients=8, batch=20))
    assert len(acked) == 2000
    # uvicorn re-raises SIGTERM after its graceful shutdown (lifespan included) has finished
    assert srv.terminate() in (0, -signal.SIGTERM)
    assert set(_stored(db)) == acked


def test_retried_batches_are_stored_once(server: Server, db: Path) -> None:
    """Scenario 3: the same batch three times is stored once; counters say 2 duplicates."""
    batch = [event("ws", f"r{i}") for i in range(100)]
    with httpx.Client(base_url=server.url, headers=HEADERS) as c:
        for _ in range(3):
            assert c.post("/api/event", json=batch).status_code == 202
            server.wait_loaded()
        (row,) = c.get("/api/counters", params={"workspace": "ws"}).json()["counters"]
    assert (row["received"], row["stored"], row["filtered_duplicate"]) == (300, 100, 200)
    server.stop()
    assert len(_stored(db)) == 100


class _InProcess:
    """The app on a uvicorn thread, so a test can reach its spool."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _InProcess:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(60)


@pytest.fixture
def inproc(db: Path, tmp_path: Path) -> Iterator[_InProcess]:
    with _InProcess(Settings(db=db, spool_dir=tmp_path / "spool")) as srv:
        yield srv


def test_unwritable_storage_answers_503_and_keeps_what_was_acknowledged(
    inproc: _InProcess, db: Path, tmp_path: Path
) -> None:
    """Scenario 4: once the spool's disk refuses writes (ENOSPC from /dev/full), the collector
    answers 503 with Retry-After, never 2xx; what it acknowledged before is kept."""
    spool = inproc.app.state.socialroi.spool
    with httpx.Client(base_url=inproc.url, headers=HEADERS) as c:
        assert c.post("/api/event", json=[event("ws", "before")]).status_code == 202
        next_segment = tmp_path / "spool" / f"{spool.active + 1:012d}.ndjson"
        next_segment.symlink_to("/dev/full")
        spool.rotate()
        statuses = {
            c.post("/api/event", json=[event("ws", f"x{i}")]).status_code for i in range(20)
        }
        r = c.post("/api/event", json=[event("ws", "y")])
        assert statuses == {503} and r.headers["retry-after"] == "5"
        # storage back: the operator frees the disk, the spool moves on
        next_segment.unlink()
        spool.rotate()
        assert c.post("/api/event", json=[event("ws", "after")]).status_code == 202
    inproc.__exit__()
    assert set(_stored(db)) == {"before", "after"}


def test_unwritable_database_answers_503(inproc: _InProcess) -> None:
    """Scenario 4, database side: while the writer cannot commit, events get 503."""
    st = inproc.app.state.socialroi
    st.writer.error = "simulated: disk full"
    with httpx.Client(base_url=inproc.url, headers=HEADERS) as c:
        r = c.post("/api/event", json=[event("ws", "z")])
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    st.writer.error = None


def test_a_full_spool_answers_429_with_retry_after(db: Path, tmp_path: Path) -> None:
    """Scenario 5: past the backlog cap the collector answers 429 + Retry-After, and the
    server's memory stays bounded while it refuses a flood."""
    settings = Settings(db=db, spool_dir=tmp_path / "spool", max_spool_bytes=4096)
    with _InProcess(settings) as srv, httpx.Client(base_url=srv.url, headers=HEADERS) as c:
        # the writer is not allowed to drain: the backlog only grows
        srv.app.state.socialroi.writer._stop.set()
        # growth, not the absolute size: the test process also holds what earlier tests loaded
        before_mib = psutil.Process().memory_info().rss / 2**20
        statuses = [
            c.post("/api/event", json=[event("ws", f"f{i}") for i in range(5)]).status_code
            for i in range(60)
        ]
        assert 202 in statuses and statuses[-1] == 429
        r = c.post("/api/event", json=[event("ws", "late")])
        assert r.status_code == 429 and r.headers["retry-after"] == "5"
        grown_mib = psutil.Process().memory_info().rss / 2**20 - before_mib
        assert grown_mib < 64


def test_shutdown_stops_a_running_reader_query(tmp_path: Path) -> None:
    """The server's shutdown closes reader cursors while a dashboard query runs: the query is
    interrupted and both the cursor and the database close (no "connection is busy")."""
    from socialroi.errors import EngineError

    eng = DuckDBEngine(tmp_path / "busy.duckdb")
    cur = eng.cursor()
    failed: list[str] = []
    started = threading.Event()

    def dashboard() -> None:
        started.set()
        try:  # minutes of work unless interrupted
            cur.run("SELECT count(*) FROM range(100000000000) a(i) WHERE hash(i) % 7 = 3")
        except EngineError as exc:
            failed.append(str(exc))

    t = threading.Thread(target=dashboard)
    t.start()
    started.wait()
    time.sleep(0.3)  # the query is running
    cur.close(interrupt=True)
    eng.close()
    t.join(10)
    assert not t.is_alive()
    assert failed and "INTERRUPT" in failed[0].upper()
