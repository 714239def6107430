"""The result cache inside the served app: an import shows at once and only in its workspace,
tracked events are served stale then refreshed, a slow page answers 503 with Retry-After (page
and API), the warm-up fills the cache, and a forbidden page is the normal error page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _inproc_server import ThreadServer, eventually, serve_db
from _scope_override import Who

from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_file
from socialroi.web import dashboard_data

COSTS = "date,amount,category,network\n2025-01-01,100,ads,linkedin\n2025-01-02,50.5,tools,\n"
JANUARY = "from=2025-01-01&to=2025-01-31&compare=none"


@pytest.fixture
def start(manage_db: Path) -> Iterator[Callable[..., tuple[ThreadServer, httpx.Client]]]:
    running: list[tuple[ThreadServer, httpx.Client]] = []

    def _start(**settings: Any) -> tuple[ThreadServer, httpx.Client]:
        srv = serve_db(manage_db, Who(role="admin", workspaces={"ws", "other"}), **settings)
        client = httpx.Client(base_url=srv.url, follow_redirects=False, timeout=60)
        running.append((srv, client))
        return srv, client

    yield _start
    for srv, client in running:
        client.close()
        srv.stop()


def _cost(client: httpx.Client, ws: str, query: str = JANUARY) -> tuple[Any, dict[str, Any]]:
    r = client.get(f"/api/v1/overview?{query}&workspace={ws}")
    assert r.status_code == 200, r.text
    body = r.json()
    return body["data"]["summary"]["totals"]["cost"], body


def _computations(srv: ThreadServer) -> int:
    n: int = srv.app.state.socialroi.cache.stats()["computations"]
    return n


def test_an_import_shows_at_once_and_only_in_its_workspace(start: Any) -> None:
    srv, client = start(warmup=False)
    before, first = _cost(client, "ws")
    other_before, other_first = _cost(client, "other")
    assert (first["currency"], other_first["currency"]) == ("EUR", "USD")  # never shared
    assert _cost(client, "ws")[1]["as_of"] == first["as_of"]  # the second ask: the cache
    upload = client.post("/api/v1/imports?workspace=ws", data={"entity": "costs"},
                         files={"file": ("costs.csv", COSTS.encode(), "text/csv")})  # fmt: skip
    assert upload.status_code == 201, upload.text
    n = _computations(srv)
    after, body = _cost(client, "ws")
    # 100 + 50.5 imported into ws, served on the very next request (not a stale result)
    assert (before or 0) == 0 and after == 150.5 and body["stale"] is False
    assert body["as_of"] >= first["as_of"]
    # the other workspace: its own numbers, still from the cache (not recomputed)
    other_after, other_body = _cost(client, "other")
    assert other_after == other_before and other_body["as_of"] == other_first["as_of"]
    assert _computations(srv) == n + 1


def test_tracked_events_are_served_stale_then_refreshed(start: Any) -> None:
    srv, client = start(warmup=False, cache_max_stale_s=0)
    today = dt.datetime.now(dt.UTC).date()
    query = f"from={today - dt.timedelta(days=1)}&to={today + dt.timedelta(days=1)}&compare=none"

    def visits() -> tuple[Any, dict[str, Any]]:
        r = client.get(f"/api/v1/overview?{query}&workspace=ws")
        assert r.status_code == 200, r.text
        body = r.json()
        return body["data"]["summary"]["totals"]["visits"], body

    before, first = visits()
    assert (before or 0) == 0
    event = {"workspace": "ws", "event_id": "e1", "event": "pageview",
             "url": "https://shop.example/"}  # fmt: skip
    browser = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
               "Gecko) Chrome/126.0 Safari/537.36"}  # (the collector filters bots)
    sent = client.post("/api/event", json=event, headers=browser)
    assert sent.status_code == 202 and sent.json()["accepted"] == 1, sent.text
    # the writer loads the event: the next answer is the old result, marked stale, at once
    stale = eventually(lambda: (v := visits())[1]["stale"] and v, timeout_s=60)
    assert stale[0] == before and stale[1]["as_of"] == first["as_of"]
    # … and the background recomputation (max staleness 0) brings the visit, fresh: the writer
    # tells the cache at the batch's commit and again once the stored sessions include it, so
    # a result computed just before the second word is recomputed once more
    fresh = eventually(lambda: (v := visits())[0] == 1 and not v[1]["stale"] and v, timeout_s=60)
    assert fresh[1]["stale"] is False and fresh[1]["as_of"] != first["as_of"]


@pytest.fixture
def slow_funnel(monkeypatch: pytest.MonkeyPatch) -> None:
    page = dashboard_data.PAGES["funnel"]

    def slow(scope: Any, period: Any) -> Any:
        time.sleep(1.5)
        return page.build(scope, period)

    monkeypatch.setitem(dashboard_data.PAGES, "funnel", dataclasses.replace(page, build=slow))


@pytest.mark.usefixtures("slow_funnel")
def test_a_page_still_computing_is_503_with_retry_after(start: Any) -> None:
    _, client = start(warmup=False, compute_wait_s=0.2, retry_after_s=3)
    page = client.get(f"/w/ws/funnel?{JANUARY}")
    assert page.status_code == 503 and page.headers["retry-after"] == "3"
    assert page.headers["content-type"].startswith("text/html")
    assert "Still computing" in page.text and '<meta http-equiv="refresh" content="3">' in page.text
    api = client.get(f"/api/v1/funnel?{JANUARY}&workspace=ws")  # the same computation
    assert api.status_code == 503 and api.headers["retry-after"] == "3"
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["status"] == 503 and "still being computed" in api.json()["detail"]
    # the computation went on: the retry is served
    done = eventually(lambda: (r := client.get(f"/w/ws/funnel?{JANUARY}")).status_code == 200
                       and r, timeout_s=60)  # fmt: skip
    assert "Data as of" in done.text


def test_the_warm_up_fills_the_cache_before_the_first_click(
    manage_db: Path, start: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two pages instead of every one: each costs seconds of compilation on a busy machine
    monkeypatch.setattr(dashboard_data, "_WARM_ORDER", ("overview", "networks"))
    with DuckDBEngine(manage_db) as eng:
        path = manage_db.parent / "costs.csv"
        path.write_text(COSTS)
        import_file(eng, "ws", "costs", path)
    srv, client = start(warmup=True)
    status = eventually(lambda: (s := client.get("/api/counters").json()["warmup"])["rounds"]
                         and s, timeout_s=300)  # fmt: skip
    # the pages of both workspaces
    assert status["total"] == 2 * 2 and not status["errors"]
    n = _computations(srv)
    page = client.get("/w/ws/")  # the default period: computed already
    assert page.status_code == 200 and "Data as of" in page.text
    assert _computations(srv) == n


def test_a_forbidden_page_is_the_normal_error_page(start: Any) -> None:
    srv, client = start(warmup=False)
    srv.app.dependency_overrides.clear()
    viewer = Who(role="viewer", workspaces={"ws"})
    from _scope_override import override_scopes

    override_scopes(srv.app, viewer)
    r = client.post("/w/ws/links", data={"target_url": "https://a.example/"})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Not allowed</h1>" in r.text and "needs the analyst role" in r.text
