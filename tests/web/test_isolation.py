"""reliability.md scenario 21: workspace isolation, for every route of the router.

Two workspaces with data: A (``alpha``) and B (``bravo-co``). Every route is taken from the
router itself; each path parameter is replaced by B's value from :data:`B_VALUES`, and a
member of A (by session, and by A's API token on ``/api/`` routes) must get 404 and none of
B's data. A route with a path parameter missing from :data:`B_VALUES` (and not in
:data:`PUBLIC`) fails the test: a new route must say which of B's ids it takes. Lists (GET
routes without parameters) must show 0 of B's rows; ``?workspace=B`` with A's token or
session is 404; A's share link opens neither B nor another page of A.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _accounts_helpers import (
    PASSWORD,
    client,
    csrf_token,
    login,
    make_app,
    routes,
    share_request,
)
from fastapi import FastAPI, HTTPException
from starlette.testclient import TestClient

from socialroi.engine import DuckDBEngine
from socialroi.tracking import create_link
from socialroi.web import accounts as acc
from socialroi.web.auth import SignInRequired, page_scope

A, B = "alpha", "bravo-co"

#: routes whose path parameter is a public capability by design, not a workspace's id
PUBLIC = {
    "/l/{code}": "the redirector: a short link is public by design (reliability.md §2)",
    "/invite/{token}": "the invitee's secret token; it names its own workspace",
}
#: GET routes that list across workspaces on purpose: operator endpoints, not member data
OPERATOR = {
    "/api/counters": "collector counters: loopback or --admin-token only, never a member's",
}
#: the public collector: workspace in each event, origins allowlisted per workspace
COLLECTOR = {"/api/event", "/api/v1/events"}
#: path parameters that name a choice from an allowlist, not a row of a workspace: a route with
#: only these is a list (its rows must be the caller's), with an id as well it must 404
CHOICES = {"name": "funnel", "kind": "svg", "entity": "costs"}
#: API documentation: the same for everyone, no workspace data
API_DOCS = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/redoc", "/openapi.json"}


@dataclass
class World:
    app: FastAPI
    values: dict[str, str]  # path parameter -> B's value
    markers: tuple[str, ...]  # strings only B's data contains
    token_a: str
    share_a: str


@pytest.fixture
def world(tmp_path: Path) -> World:
    db = tmp_path / "t.duckdb"
    with DuckDBEngine(db) as eng:
        eng.ensure_workspace(A, name="Alpha Ltd")
        eng.ensure_workspace(B, name="Bravo Secret Co")
        ann = acc.create_user(eng, "ann@alpha.example", PASSWORD)
        bee = acc.create_user(eng, "bee@bravo.example", PASSWORD)
        acc.grant(eng, ann.user_id, A, "owner")
        acc.grant(eng, bee.user_id, B, "owner")
        create_link(eng, A, "https://alpha.example/p", code="alphalink1")
        link_b = create_link(eng, B, "https://bravo.example/secret-page", code="bravolink1")
        _, token_a = acc.create_token(eng, A, "alpha-token", "write", ann.user_id)
        token_b_id, _ = acc.create_token(eng, B, "bravo-token", "write", bee.user_id)
        share_b_id, _ = acc.create_share(eng, B, "overview", 7, bee.user_id)
        _, share_a = acc.create_share(eng, A, "overview", 7, ann.user_id)
        acc.create_invitation(eng, B, "invitee@bravo.example", "viewer", bee.user_id)
        (inv_b,) = acc.pending_invitations(eng, B)
    values = {
        "workspace": B,
        "user_id": bee.user_id,
        "invitation_id": inv_b.invitation_id,
        "token_id": token_b_id,
        "share_id": share_b_id,
        "code": link_b.code,
        # a well-formed staged-upload token under B's workspace path
        "token": "b" * 32,
    }
    markers = (
        B,
        "Bravo Secret Co",
        "bee@bravo.example",
        "bravolink1",
        "bravo.example",
        "bravo-token",
        "invitee@bravo.example",
        bee.user_id,
        token_b_id,
        share_b_id,
    )
    return World(make_app(db), values, markers, token_a, share_a)


@pytest.fixture
def ann(world: World) -> Iterator[TestClient]:
    with client(world.app) as c:
        login(c, "ann@alpha.example")
        yield c


def _params(path: str) -> list[str]:
    return re.findall(r"{(\w+)(?::\w+)?}", path)


def _clean(world: World, text: str) -> list[str]:
    return [m for m in world.markers if m in text]


def test_every_route_with_ids_answers_404_to_another_workspace(world: World, ann) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(ann)
    bearer = {"Authorization": f"Bearer {world.token_a}"}
    unregistered: list[str] = []
    checked = 0
    for path, methods in routes(world.app):
        params = _params(path)
        if not params or path in PUBLIC or path in COLLECTOR:
            continue
        missing = [p for p in params if p not in world.values and p not in CHOICES]
        if not [p for p in params if p not in CHOICES]:
            _check_choice_route(world, ann, path, methods)
            continue
        if missing:
            unregistered.append(f"{path}: {missing}")
            continue
        url = path
        for p in params:
            url = re.sub("{" + p + r"(?::\w+)?}", world.values.get(p) or CHOICES[p], url)
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            attempts = [("session", ann.request(method, url, headers={"X-CSRF-Token": token}))]
            if path.startswith("/api/"):
                api = client(world.app)
                attempts.append(("token", api.request(method, url, headers=bearer)))
                attempts.append(
                    (
                        "session+workspace",
                        ann.request(
                            method, url, params={"workspace": A}, headers={"X-CSRF-Token": token}
                        ),
                    )
                )
            for how, r in attempts:
                # a session alone does not say which workspace an API call is for: 400
                asked = {400, 404} if path.startswith("/api/") and how == "session" else {404}
                assert r.status_code in asked, (method, url, how, r.status_code, r.text[:300])
                # an error may echo the ids the caller typed (`instance`, "no link 'x'"): those
                # are not B's data; everything else of B's is
                echoed = r.text
                for p in params:
                    echoed = echoed.replace(world.values.get(p) or CHOICES[p], "")
                assert _clean(world, echoed) == [], (method, url, how)
                checked += 1
    assert not unregistered, (
        "routes with path parameters this test does not know; add B's value for each "
        f"parameter to World.values (or the route to PUBLIC with a reason): {unregistered}"
    )
    assert checked >= 9


def _check_choice_route(world: World, ann: TestClient, path: str, methods: set[str]) -> None:
    """A route whose parameters are choices (``/api/v1/metrics/{name}``): A's answer holds none
    of B's rows, and asking for B by name is 404."""
    url = path
    for p in _params(path):
        url = re.sub("{" + p + r"(?::\w+)?}", CHOICES[p], url)
    if "GET" not in methods:
        return
    bearer = {"Authorization": f"Bearer {world.token_a}"}
    api = client(world.app)
    if path.startswith("/api/"):
        assert _clean(world, api.get(url, headers=bearer).text) == [], (url, "token")
        assert _clean(world, ann.get(url, params={"workspace": A}).text) == [], (url, "session")
        assert api.get(url, params={"workspace": B}, headers=bearer).status_code == 404, url
        assert ann.get(url, params={"workspace": B}).status_code == 404, url
    else:
        assert _clean(world, ann.get(url).text) == [], (url, "session")


def test_lists_show_none_of_another_workspace(world: World, ann) -> None:  # type: ignore[no-untyped-def]
    bearer = {"Authorization": f"Bearer {world.token_a}"}
    api = client(world.app)
    seen = 0
    for path, methods in routes(world.app):
        if _params(path) or "GET" not in methods or path in OPERATOR:
            continue
        r = ann.get(path, follow_redirects=True)
        assert _clean(world, r.text) == [], (path, "session")
        if path.startswith("/api/v1/") and path not in API_DOCS | COLLECTOR:
            assert _clean(world, api.get(path, headers=bearer).text) == [], (path, "token")
            # asking for B by name: 404, by token and by session
            r = api.get(path, params={"workspace": B}, headers=bearer)
            assert r.status_code == 404, (path, "token", r.status_code)
            r = ann.get(path, params={"workspace": B})
            assert r.status_code == 404, (path, "session", r.status_code)
        seen += 1
    assert seen >= 5
    # A's own pages list A's rows (the check above is not vacuous)
    assert "alpha-token" in ann.get(f"/w/{A}/tokens").text


def test_a_share_link_opens_its_page_only(world: World, ann) -> None:  # type: ignore[no-untyped-def]
    app, tok = world.app, world.share_a
    scope = page_scope(share_request(app, "GET", f"/w/{A}/", tok), A)
    assert (scope.workspace_id, scope.role, scope.via, scope.user_id) == (
        A,
        "viewer",
        "share",
        None,
    )
    for method, path, ws in [
        ("GET", f"/w/{B}/", B),  # another workspace
        ("GET", f"/w/{A}/networks", A),  # another page
        ("GET", f"/w/{A}/members", A),
        ("GET", f"/w/{A}/", A + "x"),
    ]:
        with pytest.raises(HTTPException) as err:
            page_scope(share_request(app, method, path, tok), ws)
        assert err.value.status_code == 404
    # a share link never changes anything
    with pytest.raises(SignInRequired):
        page_scope(share_request(app, "POST", f"/w/{A}/", tok), A)
    # through the router too: the members page is not the shared page, B is not A
    anon = client(app)
    assert anon.get(f"/w/{A}/members", params={"share": tok}).status_code == 404
    assert anon.get(f"/w/{B}/members", params={"share": tok}).status_code == 404
    # expired or revoked: nothing
    eng = app.state.socialroi.reader()
    eng.run(
        "UPDATE share_links SET expires_at = ? WHERE workspace_id = ?", [dt.datetime(2000, 1, 1), A]
    )
    with pytest.raises(HTTPException):
        page_scope(share_request(app, "GET", f"/w/{A}/", tok), A)


def test_a_report_share_opens_the_report_and_its_downloads(world: World) -> None:
    app = world.app
    with client(app):
        eng = app.state.socialroi.reader()
        _, tok = acc.create_share(eng, A, "report", 1, None)
        for path in (f"/w/{A}/report", f"/w/{A}/report.pdf", f"/w/{A}/report/pdf"):
            assert page_scope(share_request(app, "GET", path, tok), A).via == "share"
        for path in (f"/w/{A}/reports", f"/w/{A}/", f"/w/{A}/posts"):
            with pytest.raises(HTTPException):
                page_scope(share_request(app, "GET", path, tok), A)
