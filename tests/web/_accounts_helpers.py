"""Helpers of the account tests: an app on a real database, signed-in clients, form tokens."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import iter_route_contexts
from starlette.requests import Request

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 (not installed); the httpx client works the same
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from socialroi.engine import DuckDBEngine
from socialroi.web import Settings, create_app
from socialroi.web.auth import api_scope
from socialroi.web.scope import Scope

PASSWORD = "correct horse battery"  # noqa: S105 - the test users' password
BASE = "http://localhost"  # a loopback host: the insecure-loopback cookie setting applies

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def make_app(db: Path, **settings: Any) -> FastAPI:
    """The real app, plus one probe API route (``/api/v1/_probe/scope``) that returns the
    scope ``api_scope`` resolved: the API's door is tested before any API route exists."""
    app = create_app(Settings(db=db, **({"insecure_loopback_cookies": True, "warmup": False}
                                     | settings)))

    @app.get("/api/v1/_probe/scope")
    def probe(scope: Scope = Depends(api_scope)) -> dict[str, Any]:  # noqa: B008
        return {"workspace": scope.workspace_id, "role": scope.role, "via": scope.via}

    return app


def client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url=BASE, follow_redirects=False)


def csrf_token(c: TestClient) -> str:
    """The session's CSRF token, read from a form as a browser would."""
    page = c.get("/account/password")
    assert page.status_code == 200, page.text
    m = _CSRF.search(page.text)
    assert m is not None and m.group(1), "no CSRF token on the page"
    return m.group(1)


def login(c: TestClient, email: str, password: str = PASSWORD) -> None:
    r = c.post("/login", data={"email": email, "password": password, "next": "/"})
    assert r.status_code == 303, r.text


def workspace_db(path: Path, *workspaces: str) -> Path:
    with DuckDBEngine(path) as eng:
        for ws in workspaces:
            eng.ensure_workspace(ws, name=f"{ws} name", currency="EUR")
    return path


def routes(app: FastAPI) -> list[tuple[str, frozenset[str]]]:
    """Every (path, methods) the router answers, included routers flattened (mounts such as
    /static have no methods and are left out)."""
    out = []
    for rc in iter_route_contexts(app.routes):
        if rc.path is not None and rc.methods:
            out.append((rc.path, frozenset(rc.methods)))
    return out


def share_request(app: FastAPI, method: str, path: str, share: str) -> Request:
    """A request without session carrying ``?share=``, to call ``page_scope`` directly (the
    dashboard pages a share link opens are not on every branch)."""
    return Request(
        {
            "type": "http",
            "method": method,
            "path": path,
            "query_string": f"share={share}".encode(),
            "headers": [],
            "app": app,
            "state": {"session": None},
        }
    )
