"""Reliability scenarios 15 (allowed schemes, never an open redirect) and 17 (click counting)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from _server import BROWSER_UA, Server

from socialroi.engine import DuckDBEngine
from socialroi.tracking import create_link

H = {"user-agent": BROWSER_UA}

STORED_BAD_TARGETS = {
    "js": "javascript:alert(document.cookie)",
    "js-case": "JavaScript:alert(1)",
    "data": "data:text/html;base64,PHNjcmlwdD4=",
    "file": "file:///etc/passwd",
    "vbs": "vbscript:msgbox(1)",
    "mail": "mailto:x@evil.com",
    "schemeless": "evil.com/login",
    "proto-rel": "//evil.com",
    "no-slashes": "http:evil.com",
    "userinfo": "http://good.com@evil.com/",
    "backslash": "https:\\\\evil.com",
    "ctrl": "https://good.com/\r\nSet-Cookie: x=1",
}


@pytest.fixture
def links(db: Path) -> dict[str, str]:
    """Good links made the normal way, bad targets written straight into the table (as an old
    version, an import or a compromised admin might): the redirector must check again."""
    with DuckDBEngine(db) as eng:
        good = create_link(
            eng, "ws", "https://shop.example/p?a=1#frag", network="linkedin",
            campaign="spring sale & more/é", post_id="P1", code="good",
        )  # fmt: skip
        for code, target in STORED_BAD_TARGETS.items():
            eng.run(
                "INSERT INTO links (workspace_id, code, target_url) VALUES ('ws', ?, ?)",
                [code, target],
            )
    return {"good": good.code}


def test_bad_targets_are_refused_at_redirect_time(links: dict[str, str], server: Server) -> None:
    with httpx.Client(base_url=server.url, headers=H) as c:
        for code in STORED_BAD_TARGETS:
            r = c.get(f"/l/{code}")
            assert r.status_code == 400, code
            assert "location" not in r.headers


def test_unknown_codes_and_query_targets(links: dict[str, str], server: Server) -> None:
    with httpx.Client(base_url=server.url, headers=H) as c:
        assert c.get("/l/nope").status_code == 404
        assert c.get("/l/..%2f..%2fetc").status_code == 404
        assert c.get("/l/").status_code == 404
        r = c.get("/l/good", params={"url": "https://evil.com", "next": "//evil.com",
                                     "redirect": "javascript:alert(1)"})  # fmt: skip
        assert r.status_code == 302
        location = urlsplit(r.headers["location"])
        # the target comes from the link only; query parameters are forwarded as data
        assert (location.scheme, location.netloc, location.path) == ("https", "shop.example", "/p")


def test_utms_are_encoded_and_query_and_fragment_kept(
    links: dict[str, str], server: Server
) -> None:
    r = httpx.get(server.url + "/l/good?ref=nl", headers=H)
    loc = r.headers["location"]
    assert loc.startswith("https://shop.example/p?a=1&ref=nl&utm_source=linkedin&utm_medium=social")
    assert "utm_campaign=spring+sale+%26+more%2F%C3%A9" in loc and loc.endswith("#frag")
    query = parse_qs(urlsplit(loc).query)
    assert query["utm_campaign"] == ["spring sale & more/é"] and query["utm_content"] == ["P1"]
    assert len(query["sr_cid"][0]) >= 16


def test_preview_fetchers_are_redirected_but_not_counted(links: dict[str, str], db: Path) -> None:
    server = Server(db).start()
    r = httpx.get(server.url + "/l/good", headers={"user-agent": "Twitterbot/1.0"})
    assert r.status_code == 302 and "sr_cid" not in r.headers["location"]
    server.wait_loaded()
    server.stop()
    with DuckDBEngine(db) as eng:
        assert eng.run("SELECT count(*) FROM clicks") == [(0,)]
        assert eng.run("SELECT stream, code, bot FROM bot_hits") == [
            ("clicks", "good", "twitterbot")
        ]


@pytest.mark.slow
def test_1000_concurrent_clicks_count_as_1000(links: dict[str, str], db: Path) -> None:
    """Scenario 17."""
    server = Server(db).start()

    async def click_all() -> list[int]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=server.url, headers=H, limits=limits) as c:
            sem = asyncio.Semaphore(100)

            async def one() -> int:
                async with sem:
                    return (await c.get("/l/good")).status_code

            return await asyncio.gather(*(one() for _ in range(1000)))

    statuses = asyncio.run(click_all())
    assert statuses.count(302) == 1000
    server.wait_loaded()
    server.stop()
    with DuckDBEngine(db) as eng:
        assert eng.run("SELECT count(*), count(DISTINCT click_id) FROM clicks") == [(1000, 1000)]
        (row,) = eng.run("SELECT received, stored FROM collector_counters WHERE stream = 'clicks'")
    assert row == (1000, 1000)
