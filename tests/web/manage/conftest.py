from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _inproc_server import TEST_UPLOAD_CAP, ThreadServer, serve_db
from _scope_override import Who

from socialroi.engine import DuckDBEngine


@pytest.fixture
def who() -> Who:
    return Who(role="admin", workspaces={"ws"})


@pytest.fixture
def manage_db(tmp_path: Path) -> Path:
    path = tmp_path / "m.duckdb"
    with DuckDBEngine(path) as eng:
        eng.ensure_workspace("ws", currency="EUR", timezone="UTC")
        eng.ensure_workspace("other", currency="USD", timezone="UTC")
    return path


@pytest.fixture
def served(manage_db: Path, who: Who) -> Iterator[ThreadServer]:
    srv = serve_db(manage_db, who, max_upload_bytes=TEST_UPLOAD_CAP)
    yield srv
    srv.stop()


@pytest.fixture
def client(served: ThreadServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, follow_redirects=False, timeout=60) as c:
        yield c
