"""A real ``socialroi serve`` process on loopback, for the reliability scenarios."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SOCIALROI = str(Path(sys.executable).parent / "socialroi")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``socialroi serve`` in a child process; ``url`` once :meth:`start` returned."""

    #: every server started, so a failing test cannot leave one running (conftest stops them)
    started: list[Server] = []

    def __init__(self, db: Path, *args: str) -> None:
        self.db = db
        self.args = args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = db.parent / f"server-{self.port}.log"

    def start(self, timeout_s: float = 60.0) -> Server:
        log = self.log.open("ab")
        self.proc = subprocess.Popen(
            # no warm-up: these tests measure the collector, not the dashboard
            [SOCIALROI, "serve", "--db", str(self.db), "--port", str(self.port), "--no-warmup",
             *self.args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )
        Server.started.append(self)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.log.read_text(errors="replace"))
            try:
                if httpx.get(self.url + "/t.js", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.log.read_text(errors="replace"))

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def terminate(self, timeout_s: float = 60.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout_s)

    def wait_loaded(self, timeout_s: float = 30.0) -> None:
        """Until the writer has loaded the whole spool."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            body = httpx.get(self.url + "/api/counters", timeout=5).json()
            if body["spool_pending_bytes"] == 0:
                return
            time.sleep(0.05)
        raise AssertionError("the writer did not catch up")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.terminate()
            except subprocess.TimeoutExpired:
                self.kill9()


def event(ws: str, event_id: str, **fields: object) -> dict[str, object]:
    return {
        "workspace": ws,
        "event_id": event_id,
        "event": "pageview",
        "url": "https://shop.example/p",
        **fields,
    }
