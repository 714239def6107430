"""reliability.md scenario 16 (a cross-origin edit without CSRF or bearer token gets 403) for
every state-changing route of the router, and the security headers of every answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from _accounts_helpers import PASSWORD, client, csrf_token, make_app, routes
from fastapi import FastAPI

from socialroi.tracking import create_link
from socialroi.web.auth import CONTENT_SECURITY_POLICY, CSRF_EXEMPT, _form_token

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path / "t.duckdb")


@pytest.fixture
def owner(app: FastAPI) -> Iterator[object]:
    with client(app) as c:
        r = c.post(
            "/signup",
            data={"email": "o@example.com", "password": PASSWORD, "workspace_name": "Acme"},
        )
        assert r.status_code == 303
        yield c


def _unsafe_routes(app: FastAPI) -> list[tuple[str, str]]:
    out = []
    for path, methods in routes(app):
        if path not in CSRF_EXEMPT:
            out += [(m, path) for m in sorted(methods & set(UNSAFE))]
    return out


def test_every_state_changing_route_needs_the_token_and_this_site(app: FastAPI, owner) -> None:  # type: ignore[no-untyped-def]
    routes = _unsafe_routes(app)
    assert ("POST", "/w/{workspace}/members/invite") in routes and len(routes) >= 12
    token = csrf_token(owner)
    for method, path in routes:
        url = path.replace("{workspace}", "acme").replace("{", "").replace("}", "")
        no_token = owner.request(method, url, data={"name": "x"})
        assert no_token.status_code == 403, (method, path, no_token.text)
        wrong = owner.request(method, url, data={"csrf_token": token[:-2] + "xx"})
        assert wrong.status_code == 403, (method, path)
        for header in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
            cross = owner.request(method, url, data={"csrf_token": token}, headers=header)
            assert cross.status_code == 403, (method, path, header)
            assert "cross-site" in cross.json()["detail"]


def test_cross_site_login_is_refused_even_without_a_session(app: FastAPI, owner) -> None:  # type: ignore[no-untyped-def]
    owner.cookies.clear()
    form = {"email": "o@example.com", "password": PASSWORD}
    r = owner.post("/login", data=form, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = owner.post("/login", data=form, headers={"Origin": "http://localhost"})
    assert r.status_code == 303  # the same site


def test_the_token_is_accepted_from_forms_multipart_and_the_header(app: FastAPI, owner) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(owner)
    eng = app.state.socialroi.reader()

    def tokens() -> int:
        return int(eng.run("SELECT count(*) FROM api_tokens")[0][0])

    fields = {"name": "t", "token_scope": "read"}
    assert owner.post("/w/acme/tokens", data=fields | {"csrf_token": token}).status_code == 200
    # multipart, the token after a 1 MB file part: the body is replayed to the route intact
    r = owner.post(
        "/w/acme/tokens",
        data=fields,
        files=[("upload", ("a.csv", b"x" * 2**20, "text/csv")), ("csrf_token", (None, token))],
    )
    assert r.status_code == 200, r.text
    r = owner.post("/w/acme/tokens", data=fields, headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    r = owner.post(
        "/w/acme/tokens",
        data=fields | {"csrf_token": token},
        headers={"Origin": "http://localhost"},
    )
    assert r.status_code == 200
    assert tokens() == 4


def test_a_bearer_request_never_rides_on_the_session_cookie(app: FastAPI, owner) -> None:  # type: ignore[no-untyped-def]
    # no CSRF token needed, because the cookie is ignored: the page sees no session
    r = owner.post(
        "/w/acme/tokens",
        data={"name": "t", "token_scope": "write"},
        headers={"Authorization": "Bearer whatever"},
    )
    assert r.status_code == 401
    assert app.state.socialroi.reader().run("SELECT count(*) FROM api_tokens") == [(0,)]


def test_only_the_public_collector_and_redirector_are_exempt() -> None:
    assert CSRF_EXEMPT == ("/api/event", "/api/v1/events")


def test_security_headers_on_pages_json_errors_and_static(app: FastAPI, owner) -> None:  # type: ignore[no-untyped-def]
    expected = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "x-frame-options": "DENY",
    }
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    answers = {
        "page": owner.get("/w/acme/members"),
        "json 404": owner.get("/w/nope/members"),
        "csrf 403": owner.post("/logout"),
        "static": owner.get("/static/app.css"),
    }
    for name, r in answers.items():
        for key, value in expected.items():
            assert r.headers.get(key) == value, (name, key)
    assert answers["page"].headers["cache-control"] == "no-store"
    assert answers["static"].headers.get("cache-control") != "no-store"
    # the redirector keeps its own referrer policy
    eng = app.state.socialroi.reader()
    link = create_link(eng, "acme", "https://shop.example/p")
    r = owner.get(f"/l/{link.code}")
    assert r.status_code == 302
    assert r.headers["referrer-policy"] == "no-referrer-when-downgrade"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_user_text_is_escaped_in_the_account_pages(app: FastAPI, owner) -> None:  # type: ignore[no-untyped-def]
    evil = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
    token = csrf_token(owner)
    owner.post("/w/acme/tokens", data={"csrf_token": token, "name": evil, "token_scope": "read"})
    r = owner.post("/workspaces/new", data={"csrf_token": token, "workspace_name": evil})
    ws = r.headers["location"].split("/")[2]
    for page in ("/w/acme/tokens", f"/w/{ws}/members"):
        text = owner.get(page).text
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;" in text
        assert "javascript:" not in text


def _multipart(token: str, file_first: bool) -> tuple[bytes, bytes]:
    boundary = b"----b0undary"
    parts = [
        b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode(),
        b'Content-Disposition: form-data; name="upload"; filename="a.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + b"a,b\r\n1,2\r\n" * 50,
        b'Content-Disposition: form-data; name="name"\r\n\r\nx',
    ]
    if file_first:
        parts[0], parts[1] = parts[1], parts[0]
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + boundary + b"--\r\n", b"multipart/form-data; boundary=" + boundary


@pytest.mark.parametrize("file_first", [False, True])
@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_the_form_token_is_found_in_a_streamed_body_which_is_then_replayed_whole(
    file_first: bool, chunk: int
) -> None:
    body, ctype = _multipart("tok-123", file_first)
    messages = [
        {"type": "http.request", "body": body[i : i + chunk], "more_body": i + chunk < len(body)}
        for i in range(0, len(body), chunk)
    ]
    queue = list(messages)

    async def receive() -> dict[str, object]:
        return queue.pop(0)

    scope = {"type": "http", "headers": [(b"content-type", ctype)]}
    token, read = anyio.run(_form_token, scope, receive)
    assert token == "tok-123"  # noqa: S105
    # what was read plus what is left is the body, byte for byte, in order
    rest = b"".join(m["body"] for m in queue)  # type: ignore[misc]
    assert b"".join(m["body"] for m in read) + rest == body
    if not file_first and chunk > 100:
        assert queue == [] or len(read) == 1  # found in the first chunk: nothing more was read


def test_an_urlencoded_token_is_found_and_the_body_replayed() -> None:
    body = b"name=a%20b&csrf_token=t%2Bk&x=1"
    queue = [
        {"type": "http.request", "body": body[:5], "more_body": True},
        {"type": "http.request", "body": body[5:], "more_body": False},
    ]

    async def receive() -> dict[str, object]:
        return queue.pop(0)

    scope = {"type": "http", "headers": [(b"content-type", b"application/x-www-form-urlencoded")]}
    token, read = anyio.run(_form_token, scope, receive)
    assert b"".join(m["body"] for m in read) == body
    assert token == "t+k"  # noqa: S105
