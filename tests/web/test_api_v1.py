"""The read JSON API: the summary's exact JSON, the registry with allowlists, pagination, and
every error as RFC 9457 problem details (reliability.md scenario 22)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _dash import DATE_FROM, DATE_TO, WS, TestClient, client, dash_app, dash_db, dash_engine  # noqa: F401
from fastapi import FastAPI, HTTPException

from socialroi.errors import ConfigError
from socialroi.metrics.registry import compute_metric
from socialroi.summary import summary
from socialroi.web import Settings, create_app, problems
from socialroi.web.api import MAX_LIMIT
from socialroi.web.scope import Forbidden

PERIOD = f"from={DATE_FROM.isoformat()}&to={DATE_TO.isoformat()}"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "errors"}


def assert_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == status
    assert body["instance"] == r.request.url.path
    assert "Traceback" not in r.text
    return body


def test_summary_is_the_json_of_socialroi_summary(client: Any, dash_engine: Any) -> None:  # noqa: F811
    r = client.get(f"/api/v1/summary?{PERIOD}")
    assert r.status_code == 200
    # the CLI prints json.dumps(summary(...)): the API body is the same document
    expected = json.loads(json.dumps(summary(dash_engine, WS, DATE_FROM, DATE_TO)))
    assert r.json() == expected


def test_metric_rows_are_the_registry_rows_paginated(client: Any, dash_engine: Any) -> None:  # noqa: F811
    full = compute_metric(dash_engine, WS, "funnel", DATE_FROM, DATE_TO, by="channel")
    assert len(full.rows) >= 3
    r = client.get(f"/api/v1/metrics/funnel?{PERIOD}&by=channel&limit=2")
    body = r.json()
    assert r.status_code == 200
    assert body["total"] == len(full.rows)
    assert body["rows"] == json.loads(json.dumps(full.rows[:2]))
    assert body["next"] is not None and "offset=2" in body["next"] and "by=channel" in body["next"]
    page2 = client.get(body["next"]).json()
    assert page2["offset"] == 2
    assert page2["rows"] == json.loads(json.dumps(full.rows[2:4]))


def test_metric_sort_is_allowlisted_and_applied(client: Any) -> None:  # noqa: F811
    body = client.get(f"/api/v1/metrics/funnel?{PERIOD}&sort=visits&order=asc").json()
    visits = [r["visits"] for r in body["rows"]]
    assert visits == sorted(visits)


@pytest.mark.parametrize("query", [
    "by=network'", "by=network;--", "by=network) OR 1=1", "by=contact_id",
    "sort=visits'", "sort=visits;--", "sort=visits) OR 1=1", "sort=email",
    "order=sideways", "limit=0", f"limit={MAX_LIMIT + 1}", "offset=-1", "compare=maybe",
    "from=2025-01-01' OR '1'='1", "to=;--",
])  # fmt: skip
def test_parameters_outside_the_allowlist_are_400(client: Any, query: str) -> None:  # noqa: F811
    body = assert_problem(client.get(f"/api/v1/metrics/funnel?{query}"), 400)
    assert body["type"] == "urn:socialroi:problem:invalid-parameter"
    assert body["errors"]


@pytest.mark.parametrize("name", ["visits'", "funnel;--", "funnel) OR 1=1", "sessions"])
def test_unknown_metric_is_400(client: Any, name: str) -> None:  # noqa: F811
    body = assert_problem(client.get(f"/api/v1/metrics/{name}"), 400)
    assert "unknown metric" in body["detail"]
    assert "funnel" in body["errors"][0]["hint"]


def test_metrics_list_names_the_allowlist(client: Any) -> None:  # noqa: F811
    names = {m["name"] for m in client.get("/api/v1/metrics").json()["metrics"]}
    assert {"funnel", "roi", "post-leaderboard", "clv", "forecast"} <= names


def test_posts_pagination_with_next_link(client: Any) -> None:  # noqa: F811
    body = client.get(f"/api/v1/posts?{PERIOD}&limit=5").json()
    rows = body["tables"]["posts"]["rows"]
    assert len(rows) == 5
    page = body["pagination"]
    assert page["total"] > 5 and page["offset"] == 0
    nxt = client.get(page["next"]).json()
    assert nxt["pagination"]["offset"] == 5
    assert nxt["tables"]["posts"]["rows"][0] != rows[0]


def test_attribution_states_model_conversion_and_window(client: Any) -> None:  # noqa: F811
    body = client.get(f"/api/v1/attribution?{PERIOD}").json()
    a = body["data"]["attribution"]
    assert a["conversion"] == "customer" and a["window_days"] == 90
    conversions = a["conversions"]
    for model, credit in a["models"].items():  # every model conserves the conversions
        assert sum(credit.values()) == pytest.approx(conversions, abs=0.05), model
    assert body["data"]["top_paths"] and body["data"]["assisted"]


def test_bad_period_is_a_problem(client: Any) -> None:  # noqa: F811
    body = assert_problem(client.get("/api/v1/overview?from=2025-06-01&to=2025-01-01"), 400)
    assert "is after" in body["detail"]
    assert body["errors"][0]["hint"]


def test_unknown_route_is_a_problem(client: Any) -> None:  # noqa: F811
    assert_problem(client.get("/api/v1/nothing-here"), 404)


def test_openapi_lists_every_read_endpoint_and_no_cdn_docs(client: Any) -> None:  # noqa: F811
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/summary", "/api/v1/metrics/{name}", "/api/v1/attribution",
                 "/api/v1/posts", "/api/v1/overview", "/api/v1/funnel", "/api/v1/forecast"):
        assert path in spec["paths"], path
    assert all(p.startswith("/api/v1/") for p in spec["paths"])
    assert "Problem" in spec["components"]["schemas"]
    for docs in ("/docs", "/redoc", "/api/v1/docs"):
        assert client.get(docs).status_code == 404


def test_without_credentials_the_api_answers_401_problem(tmp_path: Any) -> None:
    app = create_app(Settings(db=tmp_path / "t.duckdb", warmup=False))  # the real api_scope
    with TestClient(app) as started:
        body = assert_problem(started.get("/api/v1/summary"), 401)
    assert body["title"] == "Unauthorized"


@pytest.fixture
def raising() -> TestClient:
    """A bare app with the problem handlers and routes that raise each kind of error."""
    app = FastAPI()
    problems.install(app)

    @app.get("/api/v1/forbidden")
    def forbidden() -> None:
        raise Forbidden("analyst", "viewer")

    @app.get("/api/v1/config")
    def config() -> None:
        raise ConfigError("no goal set", hint="add one in Settings")

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret detail /etc/passwd")

    @app.get("/api/v1/teapot")
    def teapot() -> None:
        raise HTTPException(418, "short and stout", headers={"X-Why": "tea"})

    @app.get("/page/forbidden")
    def page() -> None:
        raise Forbidden("admin", "viewer")

    return TestClient(app, raise_server_exceptions=False)


def test_every_kind_of_error_is_a_problem(raising: TestClient) -> None:
    body = assert_problem(raising.get("/api/v1/forbidden"), 403)
    assert body["detail"] == "this needs the analyst role; you are viewer"
    body = assert_problem(raising.get("/api/v1/config"), 400)
    assert body["errors"] == [{"location": [], "message": "no goal set",
                               "hint": "add one in Settings"}]  # fmt: skip
    r = raising.get("/api/v1/boom")
    body = assert_problem(r, 500)
    assert "secret" not in r.text and "RuntimeError" not in r.text
    r = raising.get("/api/v1/teapot")
    assert assert_problem(r, 418)["detail"] == "short and stout"
    assert r.headers["x-why"] == "tea"
    # outside /api/v1 the answer is not a problem document but the error page
    r = raising.get("/page/forbidden")
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Not allowed</h1>" in r.text
    assert "this needs the admin role; you are viewer" in r.text
