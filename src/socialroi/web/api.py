"""The read JSON API under ``/api/v1``: every number the dashboard shows.

- ``GET /api/v1/summary`` — exactly the JSON of ``socialroi summary``
  (:func:`socialroi.summary.summary`);
- ``GET /api/v1/metrics`` and ``/api/v1/metrics/{name}`` — the metrics registry (names, ``by``
  and ``sort`` from allowlists), paginated;
- ``GET /api/v1/attribution`` (models, assisted conversions, top paths), ``/api/v1/posts``
  (the leaderboard, paginated) and one endpoint per dashboard page (``/api/v1/overview``,
  ``/networks``, ``/funnel``, ``/response``, ``/share-of-voice``, ``/clv``, ``/forecast``),
  each the same :mod:`socialroi.web.dashboard_data` function as its page;
- ``GET /api/v1/openapi.json`` — the schema of every ``/api/v1`` route.

Every route takes its workspace from :func:`socialroi.web.auth.api_scope`; errors are problem
details (:mod:`socialroi.web.problems`). Reference: ``docs/api.md``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from socialroi.errors import ConfigError
from socialroi.metrics.registry import METRICS, MetricResult, compute_metric
from socialroi.summary import summary
from socialroi.web.app import state
from socialroi.web.auth import api_scope
from socialroi.web.cache import Cached, Key, ResultCache
from socialroi.web.dashboard_data import (
    PAGES,
    Period,
    cached_page,
    cached_period,
    own_cursor,
    period_key,
)
from socialroi.web.problems import API_PREFIX, responses
from socialroi.web.scope import Scope

__all__ = ["MAX_LIMIT", "router"]

#: The most rows one page of a list returns.
MAX_LIMIT = 500
DEFAULT_LIMIT = 100

router = APIRouter(prefix=API_PREFIX, tags=["read"], responses=responses(400, 401, 403, 404))

ApiScope = Annotated[Scope, Depends(api_scope)]
From = Annotated[str | None, Query(alias="from", description="first day (YYYY-MM-DD, workspace "
                 "calendar); default: 90 days before `to`", max_length=10)]  # fmt: skip
To = Annotated[str | None, Query(alias="to", description="last day (YYYY-MM-DD); default: the "
               "workspace's latest day with data", max_length=10)]  # fmt: skip
Compare = Annotated[Literal["previous", "yoy", "none"], Query(
    description="the comparison period: the previous period of the same length, the same dates "
    "a year earlier, or none")]  # fmt: skip
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page (≤ {MAX_LIMIT})")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]


def _cache(request: Request) -> ResultCache:
    return state(request).cache


def _period(request: Request, scope: Scope, date_from: str | None, date_to: str | None,
            compare: str) -> Period:  # fmt: skip
    return cached_period(_cache(request), scope, date_from, date_to, compare)


def _as_of(result: Cached[Any]) -> dict[str, Any]:
    """When the data of a cached result was read, and whether newer live data exists."""
    return {"as_of": result.as_of.isoformat(timespec="seconds"), "stale": result.stale}


def _dated(body: Any, result: Cached[Any]) -> JSONResponse:
    """``body`` with the result's ``Data-As-Of`` header (and ``Data-Stale`` when newer live
    data exists): the summary keeps exactly the CLI's JSON, so its time is in the headers."""
    response = _json(body)
    response.headers["Data-As-Of"] = result.as_of.isoformat(timespec="seconds")
    if result.stale:
        response.headers["Data-Stale"] = "1"
    return response


def _next(request: Request, offset: int, limit: int, total: int) -> str | None:
    """The URL of the next page (the same query with a moved offset), None on the last page."""
    if offset + limit >= total:
        return None
    query = dict(request.query_params) | {"offset": str(offset + limit), "limit": str(limit)}
    return f"{request.url.path}?{urlencode(query)}"


def _json(value: Any) -> JSONResponse:
    return JSONResponse(jsonable_encoder(value))


@router.get("/summary", summary="The JSON of `socialroi summary` for a period")
def api_summary(request: Request, scope: ApiScope, date_from: From = None,
                date_to: To = None) -> JSONResponse:  # fmt: skip
    """Exactly what ``socialroi summary --from --to --format json`` prints for the workspace
    (the time its data was read in the ``Data-As-Of`` header)."""
    period = _period(request, scope, date_from, date_to, "none")

    def compute() -> dict[str, Any]:
        with own_cursor(scope) as here:
            return summary(here.engine, here.workspace_id, *period.span)

    result = _cache(request).get(Key(scope.workspace_id, "summary", period_key(period)),
                                 compute, heavy=True)  # fmt: skip
    return _dated(result.value, result)


@router.get("/metrics", summary="The metrics of the registry and how each may be grouped")
def api_metrics(scope: ApiScope) -> JSONResponse:
    """Every metric name with its title, ``by`` values (null: its own grain) and whether it is
    compared with the previous period."""
    return _json({"metrics": [
        {"name": s.name, "title": s.title, "by": [b for b in s.by], "default_by": s.default_by,
         "comparable": s.comparable} for s in METRICS.values()
    ]})  # fmt: skip


@router.get("/metrics/{name}", summary="One metric of the registry for a period, paginated")
def api_metric(
    request: Request,
    scope: ApiScope,
    name: Annotated[str, Path(description="a metric name (GET /api/v1/metrics)",
                              json_schema_extra={"enum": sorted(METRICS)})],  # fmt: skip
    date_from: From = None,
    date_to: To = None,
    by: Annotated[str | None, Query(description="a grouping the metric allows", max_length=40)]
    = None,
    sort: Annotated[str | None, Query(description="a column of the result; default: the "
                                      "metric's ranking", max_length=80)] = None,  # fmt: skip
    order: Literal["asc", "desc"] = "desc",
    compare: bool = True,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> JSONResponse:
    """The metric's rows (as ``socialroi metrics NAME --format json``) from ``offset``."""
    if name not in METRICS:
        raise ConfigError(f"unknown metric {name[:60]!r}",
                          hint=f"use one of: {', '.join(sorted(METRICS))}")  # fmt: skip
    period = _period(request, scope, date_from, date_to, "none")
    spec = METRICS[name]
    if by is not None and by not in spec.by:
        allowed = ", ".join(str(b) for b in spec.by if b is not None) or "nothing"
        raise ConfigError(f"metric {name!r} cannot be grouped by {by[:40]!r}",
                          hint=f"by accepts: {allowed}")  # fmt: skip
    # the whole result is cached (name, by, compare are allowlisted above); sort and page here
    def compute() -> MetricResult:
        with own_cursor(scope) as here:
            return compute_metric(here.engine, here.workspace_id, name, *period.span, by=by,
                                  compare=compare)  # fmt: skip

    cached = _cache(request).get(
        Key(scope.workspace_id, f"metric:{name}", (*period_key(period), by, compare)), compute
    )
    result = cached.value
    rows = result.rows
    if sort is not None:
        if sort not in result.columns:
            raise ConfigError(f"cannot sort {name!r} by {sort[:80]!r}",
                              hint=f"sort accepts: {', '.join(result.columns)}")  # fmt: skip
        present = [r for r in rows if r[sort] is not None]
        present.sort(key=lambda r: r[sort], reverse=order == "desc")
        rows = present + [r for r in rows if r[sort] is None]  # nulls last either way
    body = result.as_dict() | {
        "rows": rows[offset : offset + limit], "total": len(rows), "offset": offset,
        "limit": limit, "next": _next(request, offset, limit, len(rows)),
    } | _as_of(cached)  # fmt: skip
    return _dated(body, cached)


@router.get("/attribution", summary="Attribution models side by side, assisted conversions, "
            "top paths")  # fmt: skip
def api_attribution(request: Request, scope: ApiScope, date_from: From = None,
                    date_to: To = None, compare: Compare = "previous") -> JSONResponse:  # fmt: skip
    """The attribution page's numbers: ``attribution`` (the summary's section: every model's
    credit, conversion, window, ROI by model), ``assisted`` and ``top_paths``."""
    period = _period(request, scope, date_from, date_to, compare)
    result = cached_page(_cache(request), scope, "attribution", period)
    return _dated(result.value.as_dict() | _as_of(result), result)


@router.get("/posts", summary="The post leaderboard, paginated")
def api_posts(request: Request, scope: ApiScope, date_from: From = None, date_to: To = None,
              compare: Compare = "previous", limit: Limit = DEFAULT_LIMIT,
              offset: Offset = 0) -> JSONResponse:  # fmt: skip
    """Posts ranked by customers, revenue, then engagement, with their text and link."""
    period = _period(request, scope, date_from, date_to, compare)
    result = cached_page(_cache(request), scope, "posts", period, offset=offset, limit=limit)
    page = result.value
    body = page.as_dict() | _as_of(result)
    total = page.data["total"]
    body["pagination"] = {"total": total, "offset": offset, "limit": limit,
                          "next": _next(request, offset, limit, total)}  # fmt: skip
    return _dated(body, result)


def _page_endpoint(key: str) -> None:
    page = PAGES[key]

    def endpoint(request: Request, scope: ApiScope, date_from: From = None, date_to: To = None,
                 compare: Compare = "previous") -> JSONResponse:  # fmt: skip
        period = _period(request, scope, date_from, date_to, compare)
        result = cached_page(_cache(request), scope, key, period)
        return _dated(result.value.as_dict() | _as_of(result), result)

    endpoint.__name__ = f"api_{key}"
    endpoint.__doc__ = f"The numbers of the {page.title} page: {page.build.__doc__ or ''}"
    router.add_api_route(f"/{page.path or 'overview'}", endpoint, methods=["GET"],
                         summary=f"{page.title}: {page.question}")  # fmt: skip


for _key in PAGES:
    if _key not in ("attribution", "posts"):
        _page_endpoint(_key)


def api_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema of the ``/api/v1`` routes (FastAPI's Swagger and ReDoc pages load
    from a CDN, so none is served: docs/api.md documents the API)."""
    cached: dict[str, Any] | None = getattr(app.state, "api_v1_openapi", None)
    if cached is None:
        full = app.openapi()
        cached = {
            **full,
            "info": {
                "title": "socialroi API", "version": "1",
                "description": "The JSON API of socialroi (docs/api.md). Errors are RFC 9457 "
                "problem details (application/problem+json).",
            },
            "paths": {p: v for p, v in full["paths"].items() if p.startswith(API_PREFIX + "/")},
        }  # fmt: skip
        app.state.api_v1_openapi = cached
    return cached


@router.get("/openapi.json", include_in_schema=False)
def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(api_openapi(request.app))
