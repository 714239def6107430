"""Accounts through a real ``socialroi serve`` process on loopback (uvicorn, the writer thread,
the middleware stack as deployed)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from _server import Server

from socialroi.engine import DuckDBEngine

PW = "a long enough passphrase"


def test_sign_up_use_and_sign_out_on_a_real_server(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    DuckDBEngine(db).close()
    srv = Server(db, "--insecure-loopback-cookies").start()
    with httpx.Client(base_url=srv.url, follow_redirects=False, timeout=30) as c:
        assert c.get("/").headers["location"] == "/signup"
        r = c.post(
            "/signup",
            data={"email": "o@example.com", "password": PW, "workspace_name": "Shop One"},
        )
        assert r.status_code == 303 and r.headers["location"] == "/w/shop-one/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain http on 127.0.0.1, and only because of the flag
        page = c.get("/w/shop-one/members")
        assert page.status_code == 200 and "o@example.com" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert m is not None
        # scenario 16 on the wire: a cross-site form post is refused
        evil = c.post(
            "/w/shop-one/members/invite",
            data={"csrf_token": m.group(1), "email": "x@example.com", "role": "viewer"},
            headers={"Origin": "https://evil.example"},
        )
        assert evil.status_code == 403
        assert c.post("/logout", data={"csrf_token": m.group(1)}).status_code == 303
        assert c.get("/w/shop-one/members").status_code == 303  # to /login
    # the collector still answers first, untouched by the account middleware
    r = httpx.post(
        f"{srv.url}/api/event",
        json={
            "workspace": "shop-one",
            "event": "pageview",
            "event_id": "e1",
            "url": "https://a.example/",
        },
    )
    assert r.status_code == 202, r.text
    srv.stop()


def test_without_the_flag_the_cookie_is_secure(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    DuckDBEngine(db).close()
    srv = Server(db).start()
    r = httpx.post(
        f"{srv.url}/signup",
        data={"email": "o@example.com", "password": PW, "workspace_name": "S"},
        timeout=30,
    )
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]
    srv.stop()
