from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _server import Server

from socialroi.engine import DuckDBEngine
from socialroi.tracking import add_origin

WS = "ws"


@pytest.fixture(autouse=True)
def _no_server_left_running() -> Iterator[None]:
    yield
    while Server.started:
        Server.started.pop().stop()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with workspace ``ws`` that allows https://shop.example."""
    path = tmp_path / "t.duckdb"
    with DuckDBEngine(path) as eng:
        eng.ensure_workspace(WS, currency="EUR")
        add_origin(eng, WS, "https://shop.example")
    return path


@pytest.fixture
def server(db: Path) -> Iterator[Server]:
    srv = Server(db).start()
    yield srv
    srv.stop()
