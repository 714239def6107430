"""Accounts: sign-up, sign-in, sessions, passwords, rate limiting, invitations, tokens, shares."""

from __future__ import annotations

import hashlib
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _accounts_helpers import (
    PASSWORD,
    client,
    csrf_token,
    login,
    make_app,
    share_request,
    workspace_db,
)
from fastapi import HTTPException
from hypothesis import given
from hypothesis import strategies as st

from socialroi.engine import DuckDBEngine
from socialroi.web import accounts as acc
from socialroi.web.accounts_web import _safe_next
from socialroi.web.auth import page_scope


def _signup(c, email: str = "owner@example.com", ws: str = "Acme Shop"):  # type: ignore[no-untyped-def]
    return c.post(
        "/signup",
        data={
            "email": email,
            "password": PASSWORD,
            "workspace_name": ws,
            "currency": "USD",
            "timezone": "Europe/Paris",
        },
    )


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with DuckDBEngine(db, read_only=True) as eng:
        return eng.run(sql)


def test_first_owner_signs_up_and_the_database_keeps_only_hashes(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with client(make_app(db)) as c:
        assert c.get("/").headers["location"] == "/signup"
        assert c.get("/login").headers["location"] == "/signup"
        r = _signup(c, email="  Owner@Example.COM ")
        assert r.status_code == 303
        assert r.headers["location"] == "/w/acme-shop/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        sid = c.cookies["socialroi_session"]
        assert c.get("/").headers["location"] == "/w/acme-shop/"
        # a second sign-up is refused: everyone else is invited
        c.cookies.clear()
        assert _signup(c, email="other@example.com").headers["location"] == "/login"
    ((email, pw_hash),) = _rows(db, "SELECT email, password_hash FROM users")
    assert email == "owner@example.com"  # trimmed, lowercased
    # argon2id, RFC 9106 low-memory profile: t=3, m=64 MiB, p=4
    assert pw_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in pw_hash
    ((session_hash,),) = _rows(db, "SELECT session_hash FROM sessions")
    assert session_hash == hashlib.sha256(sid.encode()).hexdigest() != sid
    ((ws, cur, tz, role),) = _rows(
        db,
        "SELECT w.workspace_id, w.currency, w.timezone, m.role FROM workspaces w "
        "JOIN memberships m USING (workspace_id)",
    )
    assert (ws, cur, tz, role) == ("acme-shop", "USD", "Europe/Paris", "owner")


def test_signup_on_a_database_made_by_the_cli_owns_its_workspaces(tmp_path: Path) -> None:
    db = workspace_db(tmp_path / "t.duckdb", "default")
    with client(make_app(db)) as c:
        r = _signup(c, ws="")
        assert r.headers["location"] == "/w/default/"
    assert _rows(db, "SELECT workspace_id, role FROM memberships") == [("default", "owner")]


def test_signup_refuses_weak_passwords_and_bad_settings_without_leaving_a_user(
    tmp_path: Path,
) -> None:
    db = tmp_path / "t.duckdb"
    with client(make_app(db)) as c:
        base = {"email": "jo@example.com", "workspace_name": "A", "currency": "EUR"}
        short = c.post("/signup", data=base | {"password": "short", "timezone": "UTC"})
        assert short.status_code == 400 and "at least 10" in short.text
        mail = c.post("/signup", data=base | {"password": "xx jo@example.com", "timezone": "UTC"})
        assert mail.status_code == 400 and "contains the email" in mail.text
        tz = c.post("/signup", data=base | {"password": PASSWORD, "timezone": "Mars/Base"})
        assert tz.status_code == 400 and "unknown time zone" in tz.text
    assert _rows(db, "SELECT count(*) FROM users") == [(0,)]


def test_cookies_are_secure_unless_plain_http_loopback_is_allowed(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with client(make_app(db)) as c:
        c.base_url = "https://socialroi.example"  # type: ignore[assignment]
        r = _signup(c)
        assert "Secure" in r.headers["set-cookie"]
    db2 = tmp_path / "u.duckdb"
    with client(make_app(db2, insecure_loopback_cookies=False)) as c:
        assert "Secure" in _signup(c).headers["set-cookie"]


def test_login_rotates_the_session_and_logout_deletes_it(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with client(make_app(db)) as c:
        _signup(c)
        first = c.cookies["socialroi_session"]
        # signed in, the login form is a state change like any other: it needs the token
        form = {"email": "owner@example.com", "password": "wrong one!"}
        assert c.post("/login", data=form).status_code == 403
        token = csrf_token(c)
        bad = c.post("/login", data=form | {"csrf_token": token})
        assert bad.status_code == 400 and "wrong email or password" in bad.text
        r = c.post(
            "/login",
            data={
                "email": "OWNER@example.com",
                "password": PASSWORD,
                "next": "/w/acme-shop/x",
                "csrf_token": token,
            },
        )
        assert r.status_code == 303 and r.headers["location"] == "/w/acme-shop/x"
        second = c.cookies["socialroi_session"]
        assert second != first
        assert len(_rows_live(c)) == 1  # the first session was deleted at sign-in
        token = csrf_token(c)
        out = c.post("/logout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert _rows_live(c) == []
        # the old cookie, replayed, opens nothing
        c.cookies.set("socialroi_session", second)
        assert c.get("/account/password").headers["location"].startswith("/login")


def _rows_live(c) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    eng = c.app.state.socialroi.reader()
    return eng.run("SELECT session_hash FROM sessions")


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_next_is_never_an_open_redirect(tmp_path: Path, target: str) -> None:
    with client(make_app(tmp_path / "t.duckdb")) as c:
        _signup(c)
        c.cookies.clear()
        r = c.post(
            "/login", data={"email": "owner@example.com", "password": PASSWORD, "next": target}
        )
        assert r.headers["location"] == "/"


def test_pages_redirect_to_login_and_keep_where_you_were(tmp_path: Path) -> None:
    with client(make_app(tmp_path / "t.duckdb")) as c:
        _signup(c)
        c.cookies.clear()
        r = c.get("/w/acme-shop/members?x=1")
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=%2Fw%2Facme-shop%2Fmembers%3Fx%3D1"
        assert c.get("/api/v1/_probe/scope?workspace=acme-shop").status_code == 401


def test_idle_and_absolute_expiry_end_a_session(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with client(make_app(db)) as c:
        _signup(c)
        eng = c.app.state.socialroi.reader()
        assert c.get("/account/password").status_code == 200
        eng.run("UPDATE sessions SET expires_at = now()::TIMESTAMP - INTERVAL 1 SECOND")
        assert c.get("/account/password").status_code == 303
        assert eng.run("SELECT count(*) FROM sessions") == [(0,)]
    # the sliding idle expiry never passes the absolute one
    with DuckDBEngine(db) as eng:
        ((uid,),) = eng.run("SELECT user_id FROM users")
        import datetime as dt

        idle, absolute = dt.timedelta(hours=1), dt.timedelta(hours=2)
        sid, _ = acc.create_session(eng, uid, idle=idle, absolute=absolute)
        eng.run("UPDATE sessions SET created_at = created_at - INTERVAL 90 MINUTE")
        s = acc.lookup_session(eng, sid, idle=idle, absolute=absolute, touch_after=dt.timedelta(0))
        assert s is not None and s.expires_at == s.created_at + absolute


def test_login_is_rate_limited_per_email_and_per_address(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    app = make_app(db, login_failures_per_email=3, login_failures_per_ip=5)
    with client(app) as c:
        _signup(c)
        c.cookies.clear()
        for _ in range(3):
            r = c.post("/login", data={"email": "owner@example.com", "password": "nope nope!"})
            assert r.status_code == 400
        # now even the right password waits
        r = c.post("/login", data={"email": "owner@example.com", "password": PASSWORD})
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 900
        # another email from the same address: 2 more failures reach the per-address limit
        for _ in range(2):
            r = c.post("/login", data={"email": "x@example.com", "password": "nope nope!"})
            assert r.status_code == 400
        assert c.post("/login", data={"email": "y@example.com", "password": "n"}).status_code == 429


def test_unknown_emails_take_as_long_as_wrong_passwords() -> None:
    """An unknown email still costs an argon2 verification (of a dummy hash), so the answer's
    timing does not tell which emails have accounts (without it: ~1 ms against ~100 ms)."""

    def seconds(eng: DuckDBEngine, email: str) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            assert acc.authenticate(eng, email, "wrong password") is None
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    with DuckDBEngine(":memory:") as eng:
        acc.create_user(eng, "a@example.com", PASSWORD)
        known, unknown = seconds(eng, "a@example.com"), seconds(eng, "nobody@example.com")
    assert unknown > 0.5 * known, (known, unknown)


def test_password_change_signs_out_other_sessions(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    app = make_app(db)
    with client(app) as c, client(app) as other:
        _signup(c)
        login(other, "owner@example.com")
        token = csrf_token(c)
        wrong = c.post(
            "/account/password",
            data={"csrf_token": token, "current_password": "nope", "new_password": "x" * 12},
        )
        assert wrong.status_code == 400 and "current password is wrong" in wrong.text
        weak = c.post(
            "/account/password",
            data={"csrf_token": token, "current_password": PASSWORD, "new_password": "short"},
        )
        assert weak.status_code == 400
        ok = c.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current_password": PASSWORD,
                "new_password": "a new long passphrase",
            },
        )
        assert ok.headers["location"] == "/account/password?changed=1"
        assert c.get("/account/password?changed=1").status_code == 200
        assert other.get("/account/password").status_code == 303  # signed out
        login(other, "owner@example.com", "a new long passphrase")


def test_invitation_flow_new_and_existing_users(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    app = make_app(db)
    with client(app) as owner, client(app) as guest:
        _signup(owner)
        token = csrf_token(owner)
        r = owner.post(
            "/w/acme-shop/members/invite",
            data={"csrf_token": token, "email": "Ana@Example.com", "role": "analyst"},
        )
        assert r.status_code == 200
        link = r.text.split('aria-label="invitation link"')[0].rsplit('value="', 1)[1]
        link = link.split('"')[0]
        path = link.removeprefix("http://localhost")
        assert path.startswith("/invite/")
        page = guest.get(path)
        assert page.status_code == 200 and "Choose a password" in page.text
        joined = guest.post(path, data={"password": "analyst passphrase"})
        assert joined.headers["location"] == "/w/acme-shop/"
        assert guest.get(path).status_code == 404  # used
        # the analyst cannot manage members (403), the owner sees them
        assert guest.get("/w/acme-shop/members").status_code == 403
        assert "ana@example.com" in owner.get("/w/acme-shop/members").text
        # an existing user joins another workspace with their password
        owner.post("/workspaces/new", data={"csrf_token": token, "workspace_name": "Brand Two"})
        r = owner.post(
            "/w/brand-two/members/invite",
            data={"csrf_token": token, "email": "ana@example.com", "role": "viewer"},
        )
        path2 = "/invite/" + r.text.split("/invite/")[1].split('"')[0]
        guest.cookies.clear()
        assert "Your password" in guest.get(path2).text
        assert guest.post(path2, data={"password": "wrong password"}).status_code == 400
        assert guest.post(path2, data={"password": "analyst passphrase"}).status_code == 303
    with DuckDBEngine(db, read_only=True) as eng:
        ana = acc.find_user(eng, "ana@example.com")
        assert ana is not None
        assert acc.workspaces_of(eng, ana.user_id) == [
            ("acme-shop", "analyst"),
            ("brand-two", "viewer"),
        ]


def test_roles_admins_cannot_make_owners_and_the_last_owner_stays(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with DuckDBEngine(db) as eng:
        eng.ensure_workspace("ws")
        boss = acc.create_user(eng, "boss@example.com", PASSWORD)
        adm = acc.create_user(eng, "adm@example.com", PASSWORD)
        acc.grant(eng, boss.user_id, "ws", "owner")
        acc.grant(eng, adm.user_id, "ws", "admin")
        with pytest.raises(acc.AccountError, match="last owner"):
            acc.revoke(eng, boss.user_id, "ws")
        with pytest.raises(acc.AccountError, match="last owner"):
            acc.grant(eng, boss.user_id, "ws", "viewer")
    app = make_app(db)
    with client(app) as c:
        login(c, "adm@example.com")
        token = csrf_token(c)
        r = c.post(
            f"/w/ws/members/{boss.user_id}/role", data={"csrf_token": token, "role": "viewer"}
        )
        assert r.status_code == 403
        r = c.post(f"/w/ws/members/{adm.user_id}/role", data={"csrf_token": token, "role": "owner"})
        assert r.status_code == 403
        r = c.post(f"/w/ws/members/{boss.user_id}/remove", data={"csrf_token": token})
        assert r.status_code == 403
        assert c.get("/w/ws/tokens").status_code == 200  # admin+ pages


def test_api_tokens_are_shown_once_scoped_and_revocable(tmp_path: Path) -> None:
    app = make_app(tmp_path / "t.duckdb")
    with client(app) as c:
        _signup(c)
        # a workspace the owner is not a member of
        app.state.socialroi.reader().ensure_workspace("other")
        token = csrf_token(c)
        r = c.post(
            "/w/acme-shop/tokens", data={"csrf_token": token, "name": "zap", "token_scope": "read"}
        )
        secret = r.text.split('aria-label="new API token"')[0].rsplit('value="', 1)[1].split('"')[0]
        assert secret.startswith("sr_")
        assert secret not in c.get("/w/acme-shop/tokens").text  # shown only once
        api = client(app)
        hdr = {"Authorization": f"Bearer {secret}"}
        me = api.get("/api/v1/_probe/scope", headers=hdr).json()
        assert me == {"workspace": "acme-shop", "role": "viewer", "via": "token"}
        assert api.get("/api/v1/_probe/scope?workspace=other", headers=hdr).status_code == 404
        assert (
            api.get("/api/v1/_probe/scope", headers={"Authorization": "Bearer sr_x"}).status_code
            == 401
        )
        assert api.get("/api/v1/_probe/scope").status_code == 401
        # the session plus ?workspace= works for members only
        assert c.get("/api/v1/_probe/scope?workspace=acme-shop").json()["via"] == "session"
        assert c.get("/api/v1/_probe/scope?workspace=other").status_code == 404
        eng = app.state.socialroi.reader()
        ((token_id, used),) = eng.run("SELECT token_id, last_used_at FROM api_tokens")
        assert used is not None
        assert secret not in str(eng.run("SELECT * FROM api_tokens"))
        c.post(f"/w/acme-shop/tokens/{token_id}/revoke", data={"csrf_token": token})
        assert api.get("/api/v1/_probe/scope", headers=hdr).status_code == 401


def test_a_user_of_several_workspaces_lists_and_switches_them(tmp_path: Path) -> None:
    with client(make_app(tmp_path / "t.duckdb")) as c:
        _signup(c)
        token = csrf_token(c)
        r = c.post("/workspaces/new", data={"csrf_token": token, "workspace_name": "Brand <B>"})
        assert r.headers["location"] == "/w/brand-b/"
        page = c.get("/workspaces")
        assert page.status_code == 200
        assert 'href="/w/acme-shop/"' in page.text and 'href="/w/brand-b/"' in page.text
        assert "Brand &lt;B&gt;" in page.text
        assert 'href="/workspaces"' in page.text  # the user menu
        c.cookies.clear()
        assert c.get("/workspaces").headers["location"] == "/login?next=%2Fworkspaces"


def test_share_links_are_made_shown_once_and_revoked_from_the_page(tmp_path: Path) -> None:
    app = make_app(tmp_path / "t.duckdb")
    with client(app) as c:
        _signup(c)
        token = csrf_token(c)
        bad = c.post("/w/acme-shop/shares", data={"csrf_token": token, "page": "members"})
        assert bad.status_code == 400 and "cannot be shared" in bad.text
        r = c.post("/w/acme-shop/shares", data={"csrf_token": token, "page": "report", "days": "3"})
        url = r.text.split('aria-label="new share link"')[0].rsplit('value="', 1)[1].split('"')[0]
        assert url.startswith("http://localhost/w/acme-shop/report?share=")
        secret = url.split("share=")[1]
        assert secret not in c.get("/w/acme-shop/shares").text
        scope = page_scope(share_request(app, "GET", "/w/acme-shop/report", secret), "acme-shop")
        assert (scope.role, scope.via) == ("viewer", "share")
        eng = app.state.socialroi.reader()
        ((share_id, days),) = eng.run(
            "SELECT share_id, date_diff('day', created_at, expires_at) FROM share_links"
        )
        assert days == 3
        c.post(f"/w/acme-shop/shares/{share_id}/revoke", data={"csrf_token": token})
        with pytest.raises(HTTPException):
            page_scope(share_request(app, "GET", "/w/acme-shop/report", secret), "acme-shop")


@given(st.text(max_size=60) | st.from_regex(r"\A[/\\\\]{1,3}[a-z.:@]{0,20}(/[a-z]*)?\Z"))
def test_next_is_always_a_local_path(target: str) -> None:
    safe = _safe_next(target)
    parts = urlsplit(safe)
    assert safe.startswith("/") and not safe.startswith(("//", "/\\"))
    assert not parts.scheme and not parts.netloc
    assert safe in ("/", target)
