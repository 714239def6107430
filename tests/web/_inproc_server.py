"""The web app served by uvicorn in a thread of the test process, on loopback.

In-process so tests can override the scope dependencies (until accounts are merged) and reach
the app's state; a real HTTP server all the same, for httpx and for the browser.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from _scope_override import Who, override_scopes
from _server import free_port
from fastapi import FastAPI

from socialroi.engine import DuckDBEngine
from socialroi.web import Settings, create_app

#: the upload cap of the management tests' server (the oversize test sends more)
TEST_UPLOAD_CAP = 256 * 1024


class ThreadServer:
    """``create_app(settings)`` on ``url``; :meth:`stop` runs the app's shutdown (writer flush)."""

    def __init__(self, settings: Settings, who: Who | None = None) -> None:
        self.app: FastAPI = create_app(settings)
        if who is not None:
            override_scopes(self.app, who)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    def start(self, timeout_s: float = 30.0) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.02)
        return self

    def cursor(self) -> DuckDBEngine:
        """A connection of the test's own to the served database."""
        eng: DuckDBEngine = self.app.state.socialroi.engine
        return eng.cursor()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def eventually(fn: Callable[[], Any], timeout_s: float = 10.0) -> Any:
    """``fn()`` once it is truthy, polled every 50 ms; AssertionError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def serve_db(db: Path, who: Who | None, **settings: object) -> ThreadServer:
    # no warm-up unless a test asks (it would compute every page of every test database), and
    # a patient wait: a busy test machine is no reason for a 503
    merged = {"warmup": False, "compute_wait_s": 600} | settings
    return ThreadServer(Settings(db=db, batch_interval_s=0.02, **merged), who).start()  # type: ignore[arg-type]
