"""The collector under load: acknowledged events/s and latency, with fsync, on loopback.

The server is `socialroi serve`'s app (one process, uvicorn) plus a thread that runs a summary
query every second through its own cursor, as a dashboard would. The load generator is a
second process: raw HTTP/1.1 keep-alive connections on asyncio, bounded in requests and time.

Phases, side by side in the same run:
- baseline: GET /t.js at 50 connections (the HTTP stack's ceiling: no parsing, no fsync);
- 1 client, one event per request;
- 50 clients, one event per request, for ``--seconds`` (default 60);
- 50 clients, 20 events per request.
Afterwards the server is stopped with SIGTERM and every acknowledged event_id is looked up in
the database: "missing" must be 0. Writes the section "Collector" of benchmarks/RESULTS.md.

    python benchmarks/bench_collector.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_section  # noqa: E402

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

SERVER = r"""
import datetime as dt, sys, threading, time, logging
import ibis
from pathlib import Path
from socialroi.errors import EngineError
from socialroi.web import Settings, create_app
from socialroi.web.app import serve
from socialroi.visits import sessions

app = create_app(Settings(db=Path(sys.argv[1])))
queries = []

def dashboard():
    while not hasattr(app.state, "socialroi"):
        time.sleep(0.1)
    st = app.state.socialroi
    eng = st.reader()  # the per-thread cursor every route uses (closed by the server)
    v = sessions(eng.tables("bench"))
    expr = v.group_by("network").aggregate(visits=v.count())
    # compiled once, as a dashboard caches its queries; with the flag file present the ibis
    # expression is compiled again every time (Python holding the GIL for about 0.5 s)
    sql = ibis.to_sql(expr, dialect="duckdb")
    while True:
        t = time.perf_counter()
        try:
            if Path(sys.argv[4]).exists():
                eng.execute(expr)
            else:
                eng.run(sql)
        except EngineError:  # interrupted by the server's shutdown
            return
        queries.append(time.perf_counter() - t)
        with open(sys.argv[3], "w") as f:
            f.write(str(len(queries)) + " " + str(sum(queries) / len(queries)))
        rounds = list(st.spool.rounds)  # (seconds of write + fsync, requests released)
        if rounds:
            secs = sorted(r[0] for r in rounds)
            with open(sys.argv[3] + ".rounds", "w") as f:
                f.write(f"{len(rounds)} {sum(secs) / len(secs)} {secs[int(len(secs) * 0.99)]} "
                        f"{sum(r[1] for r in rounds) / len(rounds)}")
        time.sleep(max(0.0, 1.0 - (time.perf_counter() - t)))

threading.Thread(target=dashboard, daemon=True).start()
serve(app, host="127.0.0.1", port=int(sys.argv[2]))  # as `socialroi serve` runs it
"""


class _Client(asyncio.Protocol):
    """One keep-alive connection sending its next request as soon as the last answer is in.

    A protocol, not a stream reader: no coroutine step per header line, so the load generator
    takes as little as it can of the 2 cores it shares with the server.
    """

    def __init__(self, requests, deadline: float, out: _Tally, done: asyncio.Future[None]) -> None:
        self.requests, self.deadline, self.out, self.done = requests, deadline, out, done
        self.buf = b""
        self.ids: list[bytes] = []
        self.t = 0.0

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        self._send()

    def _send(self) -> None:
        if time.perf_counter() >= self.deadline:
            self.transport.close()
            return
        self.ids, payload = next(self.requests)
        self.t = time.perf_counter()
        self.transport.write(payload)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buf[: end + 2].lower()  # every header line ends in CRLF
        at = head.find(b"content-length:")
        length = int(head[at + 15 : head.find(b"\r\n", at)]) if at >= 0 else 0
        if len(self.buf) < end + 4 + length:
            return
        self.out.lat.append(time.perf_counter() - self.t)
        self.buf = self.buf[end + 4 + length :]
        status = head[9:12].decode()
        self.out.statuses[status] = self.out.statuses.get(status, 0) + 1
        if status.startswith("2"):
            self.out.acked.extend(self.ids)
        self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


class _Tally:
    def __init__(self) -> None:
        self.lat: list[float] = []
        self.acked: list[bytes] = []
        self.statuses: dict[str, int] = {}


#: one event as the tracking script sends it; %s is the event id, %d the visitor
EVENT = (
    b'{"workspace":"bench","event_id":"%s","event":"pageview",'
    b'"url":"https://shop.example/p?utm_source=linkedin&utm_medium=social","visitor_id":"v%d"}'
)


def _load(
    port: int,
    clients: int,
    seconds: float,
    per_request: int,
    method: str,
    path: str,
    prefix: str,
    out: mp.Queue,
) -> None:  # type: ignore[type-arg]
    tag = "".join(ch for ch in prefix if ch.isalnum()).encode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: b\r\nUser-Agent: {UA}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()

    def requests():
        n = 0
        while True:
            ids = [b"%s-%d" % (tag, n + i) for i in range(per_request if method == "POST" else 0)]
            body = b"[" + b",".join(EVENT % (i, (n + k) % 5000) for k, i in enumerate(ids)) + b"]"
            body = body if ids else b""
            n += len(ids)
            yield ids, head + str(len(body)).encode() + b"\r\n\r\n" + body

    async def main() -> tuple[_Tally, float]:
        loop = asyncio.get_running_loop()
        tally = _Tally()
        gen = requests()
        t0 = time.perf_counter()
        deadline = t0 + seconds
        done = [loop.create_future() for _ in range(clients)]
        for d in done:
            await loop.create_connection(
                lambda d=d: _Client(gen, deadline, tally, d), "127.0.0.1", port
            )
        await asyncio.gather(*done)
        return tally, time.perf_counter() - t0

    try:  # the load generator shares the 2 cores: the cheaper its loop, the fairer the test
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    tally, elapsed = asyncio.run(main())
    acked = [i.decode() for i in tally.acked]
    out.put((tally.lat, acked, elapsed, tally.statuses))


def phase(
    port: int,
    name: str,
    clients: int,
    seconds: float,
    per_request: int = 1,
    method: str = "POST",
    path: str = "/api/event",
) -> dict[str, object]:
    q: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    p = mp.Process(target=_load, args=(port, clients, seconds, per_request, method, path, name, q))
    p.start()
    lat, acked, elapsed, statuses = q.get(timeout=seconds + 120)
    p.join()
    lat.sort()
    n = len(lat)
    res = {
        "phase": name,
        "clients": clients,
        "events_per_request": per_request if method == "POST" else 0,
        "seconds": round(elapsed, 1),
        "requests": n,
        "req_per_s": round(n / elapsed),
        "acked_events": len(acked),
        "acked_events_per_s": round(len(acked) / elapsed),
        "p50_ms": round(lat[n // 2] * 1000, 2) if n else None,
        "p99_ms": round(lat[min(n - 1, int(n * 0.99))] * 1000, 2) if n else None,
        "statuses": statuses,
        "load": round(os.getloadavg()[0], 1),
        "_acked": acked,
    }
    print({k: v for k, v in res.items() if k != "_acked"}, flush=True)
    return res


#: What earlier runs measured (kept with the figures, so a reader sees the trend).
HISTORY = """
Earlier runs on this machine (same script unless said): before any tuning (15 s, load average
2), 933 events/s at p99 318 ms; the previous branch state, 2,397 events/s at p99 116 ms over
60 s at load average 8 to 10, and 3,364 events/s at p99 118 ms (10 s, load average 2.6).
At the start of this session, at load average 3 and before these changes: baseline 1,281 req/s
(p99 514 ms), 1 client p99 48 ms, 50 clients 1,530 events/s at p99 141 ms (15 s).
With these changes, an earlier 60 s run at load average 14 to 15: 50 clients 2,075 events/s at
p99 95 ms, 1 client p99 48 ms, batches of 20 15,568 events/s, 0 missing; runs of 15 s between
load average 10 and 12 gave 1,500 to 2,470 events/s at p99 75 to 150 ms: the spread between
runs is as large as any single change measured here.

What changed since: the spool's sync thread does the `write` as well as the `fsync` of each
round (the event loop only appends to a buffer); the collector answers on raw ASGI (no Request,
Headers, QueryParams or Response objects; the usual 202 preallocated); uvicorn runs without its
proxy-headers middleware (a fifth of a bare request) and with the start-up heap frozen out of
the garbage collector; the writer loads every second at nice +5 and refreshes the stored
sessions and daily aggregates every 2 s instead of after every batch (that refresh is Python
holding the GIL); the load generator uses asyncio protocols.

Where the time goes at load average 10 to 12 (profiled with py-spy and the threads'
/proc schedstat over a 15 s 50-client phase): the event loop thread uses about 20 % of a core
and waits about 30 % of the time for a CPU (runqueue), the fsync thread waits for a CPU about a
third of the time, and the server as a whole uses about 55 % of one core. The collector is
bound by the round trip per group commit (event loop, fsync thread, load generator, each
waiting to be scheduled on 2 cores shared with a dozen runnable processes) and by the disk's
fsync latency, whose p99 (above) is of the order of the 50 ms target by itself; not by the CPU
it needs per event. A bare uvicorn app answering a constant 202 did 6,000 to 7,400 req/s
under the same load (11,800 with a raw asyncio protocol), so the HTTP stack is no longer the
limit. Not tried: preallocated, zero-filled spool segments so that `fdatasync` needs no journal
commit (as PostgreSQL does with its WAL), and answering the collector in a custom httptools
protocol without an ASGI task per request.
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0, help="duration of the 50-client phase")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="socialroi-bench-collector-"))
    db = tmp / "bench.duckdb"
    from socialroi.engine import DuckDBEngine

    with DuckDBEngine(db) as eng:
        eng.ensure_workspace("bench", currency="EUR")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    qfile = tmp / "queries.txt"
    recompile = tmp / "recompile"  # present: the summary query is compiled from ibis each time
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(db), str(port), str(qfile), str(recompile)],
        env={**os.environ},
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/t.js", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    results = [
        phase(port, "baseline GET /t.js", 50, 10, method="GET", path="/t.js"),
        phase(port, "1 client", 1, 10),
        phase(port, "50 clients", 50, args.seconds),
        phase(port, "50 clients, batches of 20", 50, 10, per_request=20),
    ]
    recompile.touch()
    results.append(phase(port, "50 clients, summary query recompiled each time", 50, 15))
    n_queries, mean_q = qfile.read_text().split()
    n_rounds, mean_round, p99_round, per_round = (
        float(x) for x in Path(f"{qfile}.rounds").read_text().split()
    )
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    server.send_signal(signal.SIGTERM)
    server.wait(120)
    acked = {i for r in results for i in r["_acked"]}  # type: ignore[union-attr]
    with DuckDBEngine(db) as eng:
        eng.register("acked", __import__("pyarrow").table({"event_id": sorted(acked)}))
        missing = eng.run("SELECT count(*) FROM acked a ANTI JOIN web_events w USING (event_id)")[
            0
        ][0]
        dupes = eng.run("SELECT count(*) - count(DISTINCT event_id) FROM web_events")[0][0]
    print(
        f"acknowledged {len(acked)}, missing {missing}, duplicated {dupes}; "
        f"{n_queries} visits queries, mean {float(mean_q) * 1000:.0f} ms; "
        f"spool rounds (last {n_rounds:.0f}): write+fsync mean {mean_round * 1000:.1f} ms, "
        f"p99 {p99_round * 1000:.1f} ms, {per_round:.1f} requests released per round"
    )
    main_phase = results[2]
    eps, p99 = int(main_phase["acked_events_per_s"]), float(main_phase["p99_ms"] or 1e9)
    p99_one = float(results[1]["p99_ms"] or 1e9)
    met = eps >= 3000 and p99 < 50 and p99_one < 50
    verdict = (
        "Target of issue 5 (at least 3,000 acknowledged events/s for 60 s, one event per "
        "request, with p99 under 50 ms at 1 and at 50 clients): "
        f"**{'met' if met else 'not met'}** in this run ({eps} events/s at 50 clients, p99 "
        f"{p99} ms; p99 {p99_one} ms at 1 client)."
    )
    rows = "\n".join(
        f"| {r['phase']} | {r['clients']} | {r['events_per_request']} | {r['seconds']} | "
        f"{r['req_per_s']} | {r['acked_events_per_s']} | {r['p50_ms']} | {r['p99_ms']} | "
        f"{r['load']} |"
        for r in results
    )
    write_section(
        "Collector",
        f"""
`python benchmarks/bench_collector.py --seconds {args.seconds:g}`: `socialroi serve`'s app
(one process; uvicorn started as `socialroi serve` starts it, `socialroi.web.app.serve`) with
every event fsynced to the spool before its 2xx, while a thread in the server counts the visits
per network (sessionised, every event) every second
(as a dashboard would: the ibis expression compiled once, its SQL run through the thread's
reader cursor; the last phase compiles it again every time, about 0.5 s of Python holding the
GIL per query); the load generator
is a second process (raw HTTP/1.1 keep-alive connections, asyncio protocols on uvloop) on the same
2 cores. The baseline is the
same server answering GET /t.js (routed by FastAPI, no parsing, no fsync).

| phase | clients | events/request | s | requests/s | acked events/s | p50 ms | p99 ms | load |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
{rows}

Afterwards (server stopped with SIGTERM): {len(acked)} events acknowledged, **{missing} missing**,
{dupes} duplicated in `web_events`. {n_queries} visits queries ran during the load
(mean {float(mean_q) * 1000:.0f} ms). "load" is the 1-minute load average at the end of the
phase. The spool's group commits over the whole run ({n_rounds:.0f}): write + fsync mean
{mean_round * 1000:.1f} ms, p99 {p99_round * 1000:.1f} ms, {per_round:.1f} requests
released per round. Load average (1/5/15 min) before: {load_before},
at the end: {load}, on {os.cpu_count()} cores shared with other work during this run.
The server runs DuckDB with all cores but one (`Settings.db_threads`), its reader threads niced
(+10) and its writer thread niced (+5), so a dashboard query slows down under load instead of the
acknowledgements.

{verdict}
{HISTORY}""",
    )


if __name__ == "__main__":
    main()
