"""The dashboard's read pages: ``/w/{workspace}/`` overview, networks, attribution, funnel,
posts, response, share of voice, CLV, forecast, and the report download.

Every page takes its scope from :func:`socialroi.web.auth.page_scope` and its numbers from
:mod:`socialroi.web.dashboard_data` (the same functions as ``/api/v1/pages/…``). Charts are the
report's Altair specs, embedded as ``<script type="application/json">`` blocks and drawn by
``/static/dashboard.js`` with the bundled Vega (``/static/vega.js``) in vega-embed's AST mode
(Vega's expression interpreter): no ``eval``, so the Content-Security-Policy needs no
``'unsafe-eval'``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from socialroi.errors import SocialRoiError
from socialroi.report import collect, render_html, render_report, write_pdf
from socialroi.report.charts import embed_json, vega_script
from socialroi.report.document import format_cell
from socialroi.report.narrative import fmt_money, fmt_pct, fmt_times
from socialroi.web.app import state
from socialroi.web.auth import page_scope
from socialroi.web.cache import Key
from socialroi.web.dashboard_data import (
    COMPARE_CHOICES,
    PAGES,
    Page,
    Period,
    cached_page,
    cached_period,
    own_cursor,
    period_key,
)
from socialroi.web.scope import Scope
from socialroi.web.templating import render, templates

__all__ = ["router", "vega_version"]

router = APIRouter(include_in_schema=False)

From = Annotated[str | None, Query(alias="from", description="first day, YYYY-MM-DD")]
To = Annotated[str | None, Query(alias="to", description="last day, YYYY-MM-DD")]
Compare = Annotated[str | None, Query(description="previous, yoy or none")]


@cache
def vega_version() -> str:
    """A short hash of the Vega bundle: the cache-busting ``?v=`` of ``/static/vega.js``."""
    return hashlib.sha256(vega_script().encode("utf-8")).hexdigest()[:12]


@router.get("/static/vega.js")
def vega_bundle() -> Response:
    """Vega, Vega-Lite and vega-embed (from vl-convert, offline), cached for a year: the URL
    carries the bundle's hash."""
    return Response(
        vega_script(),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=31536000, immutable",
                 "ETag": f'"{vega_version()}"'},
    )  # fmt: skip


def safe_href(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None: imported text never becomes a
    ``javascript:`` (or any other scheme's) live link."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def _kpi(value: float | None, kind: str, currency: str) -> str:
    """A headline number: money in whole units, ROI as a multiple, counts with separators."""
    if kind == "money":
        return fmt_money(value, currency)
    if kind == "times":
        return fmt_times(value)
    return "–" if value is None else f"{value:,}"


templates.env.filters["cell"] = format_cell
templates.env.filters["kpi"] = _kpi
templates.env.filters["pct"] = fmt_pct
templates.env.filters["embed_json"] = lambda spec: Markup(embed_json(spec))  # noqa: S704
templates.env.globals["safe_href"] = safe_href


def _period(request: Request, scope: Scope, date_from: str | None, date_to: str | None,
            compare: str | None) -> Period:  # fmt: skip
    return cached_period(state(request).cache, scope, date_from, date_to, compare)


def _nav_query(period: Period | None) -> str:
    return "" if period is None else "?" + urlencode(period.query())


def _error(request: Request, scope: Scope, exc: SocialRoiError, title: str) -> HTMLResponse:
    return render(
        request, "dashboard_error.html",
        {"scope": scope, "title": title, "message": str(exc), "hint": exc.hint},
        status=400,
    )  # fmt: skip


def _context(scope: Scope, page: str, period: Period | None) -> dict[str, Any]:
    return {
        "scope": scope,
        "page_key": page,
        "pages": list(PAGES.values()),
        "period": period,
        "compare_choices": COMPARE_CHOICES,
        "keep": _nav_query(period),
        "vega": vega_version(),
    }


def _page_route(page: Page) -> None:
    def view(
        request: Request,
        scope: Annotated[Scope, Depends(page_scope)],
        date_from: From = None,
        date_to: To = None,
        compare: Compare = None,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> HTMLResponse:
        try:
            period = _period(request, scope, date_from, date_to, compare)
            # from the result cache (socialroi.web.cache): the scope is resolved already, and
            # the key holds its workspace; Busy (still computing) answers 503
            result = cached_page(state(request).cache, scope, page.key, period, offset=offset)
        except SocialRoiError as exc:
            return _error(request, scope, exc, page.title)
        data = result.value
        ctx = _context(scope, page.key, period) | {"data": data, "as_of": result.as_of,
                                                   "stale": result.stale}  # fmt: skip
        if page.key == "posts" and offset + len(data.data["rows"]) < data.data["total"]:
            ctx["next"] = "?" + urlencode(period.query() | {"offset": str(offset + len(
                data.data["rows"]))})  # fmt: skip
        return render(request, "dashboard.html", ctx)

    view.__name__ = f"page_{page.key}"
    router.add_api_route(f"/w/{{workspace}}/{page.path}", view, methods=["GET"],
                         response_class=HTMLResponse, name=f"dashboard_{page.key}")  # fmt: skip


for _p in PAGES.values():
    _page_route(_p)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def report_filename(scope: Scope, period: Period, suffix: str) -> str:
    """``socialroi-<workspace>-<from>-<to>.<suffix>``, reduced to safe characters."""
    ws = _SAFE_NAME.sub("-", scope.workspace_id)[:60] or "workspace"
    return f"socialroi-{ws}-{period.date_from.isoformat()}-{period.date_to.isoformat()}.{suffix}"


def report_body(scope: Scope, period: Period, fmt: Literal["pdf", "html"],
                paper: Literal["a4", "letter"]) -> bytes:  # fmt: skip
    """The CEO report of the period (``socialroi report``) as PDF or HTML bytes."""
    with own_cursor(scope) as here:
        data = collect(here.engine, here.workspace_id, *period.span, compare=period.compare)
    report = render_report(data)
    if fmt == "html":
        return render_html(report, mode="html", paper=paper).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_pdf(report, Path(tmp) / "report.pdf", paper=paper)
        return path.read_bytes()


def report_response(
    request: Request, scope: Scope, period: Period, fmt: Literal["pdf", "html"],
    paper: Literal["a4", "letter"],
) -> Response:  # fmt: skip
    """The report as a download, from the result cache: a heavy computation (the whole
    report), one at a time, kept for the next download of the same period."""
    key = Key(scope.workspace_id, f"report:{fmt}:{paper}", period_key(period))
    body = state(request).cache.get(key, lambda: report_body(scope, period, fmt, paper),
                                    heavy=True).value  # fmt: skip
    name = report_filename(scope, period, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"',
               "Cache-Control": "private, no-store"}  # fmt: skip
    media = "text/html; charset=utf-8" if fmt == "html" else "application/pdf"
    return Response(body, media_type=media, headers=headers)


@router.get("/w/{workspace}/report", response_class=HTMLResponse, name="dashboard_report")
def report_page(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    date_from: From = None,
    date_to: To = None,
    compare: Compare = None,
    format: Literal["pdf", "html"] | None = None,  # noqa: A002 - the public query name
    paper: Literal["a4", "letter"] = "a4",
) -> Response:
    """The report page (the period and two download links); ``?format=pdf|html`` downloads."""
    try:
        period = _period(request, scope, date_from, date_to, compare)
        if format is not None:
            return report_response(request, scope, period, format, paper)
    except SocialRoiError as exc:
        return _error(request, scope, exc, "Report")
    ctx = _context(scope, "report", period)
    q = period.query()
    ctx["downloads"] = [
        (label, "?" + urlencode(q | {"format": f, "paper": p}))
        for label, f, p in (("PDF (A4)", "pdf", "a4"), ("PDF (Letter)", "pdf", "letter"),
                            ("HTML (interactive, offline)", "html", "a4"))
    ]  # fmt: skip
    ctx["today"] = dt.date.today()
    return render(request, "dashboard_report.html", ctx)
