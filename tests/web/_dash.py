"""A demo company with hostile text, and the web app serving it to a signed-in viewer.

Imported by the dashboard and API tests (``from _dash import ...``). Until accounts land,
``page_scope`` and ``api_scope`` are overridden with a real :class:`Scope` over the real DuckDB
database: workspace ``acme`` exists, any other workspace id is 404 (as the accounts layer does).

Hostile values: post text, post campaigns, mention text, tracked links' ``utm_campaign`` and
some brands carry ``<script>``, an ``"><img onerror>`` break-out and ``javascript:``; every
post URL is a ``javascript:`` URL, every other post's a real https URL.
"""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import HTTPException
from starlette.exceptions import StarletteDeprecationWarning

# the report tests' helper that rewrites one column of a canonical CSV
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from hostile import rewrite_csv  # noqa: E402

with warnings.catch_warnings():
    # starlette 1.x asks for `httpx2`; its TestClient works the same on httpx (a dev dependency)
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from socialroi.demo import generate
from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_dir
from socialroi.web import Settings, create_app
from socialroi.web.auth import api_scope, page_scope
from socialroi.web.scope import Scope

WS = "acme"
EMPTY_WS = "empty"
SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(document.cookie)"
POST_TEXT = f"Launch {SCRIPT} {IMG}"
CAMPAIGN = f"spring{IMG}"
MENTION_TEXT = f"@acme {SCRIPT} {IMG}"
UTM_CAMPAIGN = f"{JS_URL}{SCRIPT}"
BRAND = "</script><script>alert(2)</script>"
DATE_FROM = dt.date(2025, 4, 1)
DATE_TO = dt.date(2025, 6, 30)
#: the demo's last day with data (181 days from 2025-01-01)
LAST_DAY = dt.date(2025, 6, 30)
HOSTILE = (SCRIPT, "<img src=x", "onerror=alert(1)>", BRAND)


@pytest.fixture(scope="session")
def dash_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dash")
    data = root / "data"
    generate(data, seed=11, visits=3000, start=dt.date(2025, 1, 1), days=181)

    def post(i: int, row: dict[str, str]) -> None:
        row["text"] = POST_TEXT
        row["campaign"] = CAMPAIGN
        if i % 2 == 0:
            row["url"] = JS_URL

    def link(_: int, row: dict[str, str]) -> None:
        row["utm_campaign"] = UTM_CAMPAIGN

    def mention(i: int, row: dict[str, str]) -> None:
        row["text"] = MENTION_TEXT
        if i % 10 == 0:
            row["brand"] = BRAND

    rewrite_csv(data / "posts.csv", post)
    rewrite_csv(data / "links.csv", link)
    rewrite_csv(data / "mentions.csv", mention)
    db = root / "dash.duckdb"
    with DuckDBEngine(db) as eng:
        eng.ensure_workspace(WS, name=f"Acme {SCRIPT}", currency="EUR",
                             timezone="Europe/Berlin", brand="acme")  # fmt: skip
        eng.ensure_workspace(EMPTY_WS, name="Empty", currency="EUR", timezone="UTC")
        import_dir(eng, WS, data)
    return db


@pytest.fixture(scope="session")
def dash_engine(dash_db: Path) -> Iterator[DuckDBEngine]:
    eng = DuckDBEngine(dash_db)
    yield eng
    eng.close()


def scope_of(engine: DuckDBEngine, workspace: str, role: str = "viewer") -> Scope:
    if workspace not in (WS, EMPTY_WS):
        raise HTTPException(404, "no such workspace")
    return Scope(engine.tables(workspace).workspace, role, "session", engine)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def dash_app(dash_engine: DuckDBEngine, tmp_path_factory: pytest.TempPathFactory) -> object:
    # the app's own database (collector, sessions) is an empty one; the pages read dash_engine
    # no warm-up, and a patient wait (a busy test machine is no reason for a 503)
    app = create_app(Settings(db=tmp_path_factory.mktemp("app") / "unused.duckdb", warmup=False,
                              compute_wait_s=600))

    def page(workspace: str) -> Scope:
        return scope_of(dash_engine, workspace)

    def api() -> Scope:
        return scope_of(dash_engine, WS)

    app.dependency_overrides[page_scope] = page
    app.dependency_overrides[api_scope] = api
    return app


@pytest.fixture(scope="session")
def client(dash_app: object) -> Iterator[TestClient]:
    # started (`with`): the middleware resolves sessions through the app's state
    with TestClient(dash_app, raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        yield c
