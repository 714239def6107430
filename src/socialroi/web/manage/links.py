"""Tracked links in the browser (``/w/{ws}/links``) and the links API (``/api/v1/links``).

Both call :mod:`socialroi.tracking` (the functions ``socialroi links …`` calls): creation with
UTM templates and the target checked (reliability.md scenario 15), bulk creation from a CSV,
QR codes of the short URL. Click and bot-hit counts come from ``clicks`` and ``bot_hits``.
"""

from __future__ import annotations

import secrets
import shutil
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from socialroi.errors import ConfigError, ImportRejected
from socialroi.schema import NETWORKS
from socialroi.tracking import (
    UnsafeURL,
    bulk_create,
    count_links,
    create_link,
    link_by_code,
    link_counts,
    list_links,
    qr_code,
    set_utm_template,
    utm_templates,
)
from socialroi.tracking.links import LINK_SORTS, UTM_FIELDS, Link
from socialroi.web.auth import api_scope, page_scope
from socialroi.web.manage._common import (
    MAX_LIMIT,
    MAX_OFFSET,
    PAGE_SIZE,
    Upload,
    check_params,
    duck,
    messages,
    next_link,
    problem,
    problem_responses,
    problem_rows,
    receive_upload,
    upload_dir,
    writing,
)
from socialroi.web.scope import Scope
from socialroi.web.templating import render

__all__ = ["router"]

router = APIRouter()

_QR_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def short_url(request: Request, code: str) -> str:
    """The public short URL of ``code`` (the address this server was reached at)."""
    return str(request.base_url).rstrip("/") + f"/l/{code}"


def _owned(request: Request, scope: Scope, code: str) -> Link:
    """The scope's link ``code``; 404 for an unknown code or another workspace's."""
    link = link_by_code(duck(request, scope), code)
    if link is None or link.workspace_id != scope.workspace_id:
        raise HTTPException(404, f"no link {code[:64]!r} in this workspace")
    return link


def _as_json(request: Request, link: Link, counts: tuple[int, int] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": link.code,
        "short_url": short_url(request, link.code),
        "target_url": link.target_url,
        "network": link.network,
        "post_id": link.post_id,
        **link.utm,
        "forward_params": link.forward_params,
        "created_at": link.created_at.isoformat(),
    }
    if counts is not None:
        out["clicks"], out["bot_hits"] = counts
    return out


def _qr(request: Request, link: Link, kind: Literal["svg", "png"]) -> Response:
    return Response(
        qr_code(short_url(request, link.code), kind),
        media_type=_QR_TYPES[kind],
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Disposition": f'inline; filename="{link.code}.{kind}"',
        },
    )


# -- pages ---------------------------------------------------------------------------------


def _page(
    request: Request,
    scope: Scope,
    offset: int,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> Response:
    eng = duck(request, scope)
    ws = scope.workspace_id
    total = count_links(eng, ws)
    offset = max(0, min(offset, max(total - 1, 0)))
    links = list_links(eng, ws, limit=PAGE_SIZE, offset=offset)
    counts = link_counts(eng, ws, [lk.code for lk in links])
    rows = [
        {"link": lk, "short_url": short_url(request, lk.code), "counts": counts.get(lk.code)}
        for lk in links
    ]
    return render(
        request,
        "manage_links.html",
        {
            "scope": scope,
            "rows": rows,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "networks": NETWORKS,
            "templates": utm_templates(eng, ws),
            "utm_fields": UTM_FIELDS,
            "form": form or {},
            **messages(request, errors, problems),
        },
        status=status,
    )


@router.get("/w/{workspace}/links", include_in_schema=False)
def links_page(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    return _page(request, scope, offset)


def _opt(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@router.post("/w/{workspace}/links", include_in_schema=False)
def links_create_form(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    target_url: Annotated[str, Form(max_length=4000)],
    network: Annotated[str, Form(max_length=40)] = "",
    campaign: Annotated[str, Form(max_length=500)] = "",
    post_id: Annotated[str, Form(max_length=500)] = "",
    utm_template: Annotated[str, Form(max_length=40)] = "",
    utm_term: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    scope.require("analyst")
    form = {
        "target_url": target_url,
        "network": network,
        "campaign": campaign,
        "post_id": post_id,
        "utm_template": utm_template,
        "utm_term": utm_term,
    }
    utm = {"utm_term": utm_term.strip()} if utm_term.strip() else {}
    try:
        with writing(request, scope) as eng:
            link = create_link(
                eng,
                scope.workspace_id,
                target_url.strip(),
                network=_opt(network),
                campaign=_opt(campaign),
                post_id=_opt(post_id),
                utm=utm,
                template=_opt(utm_template),
            )
    except UnsafeURL as exc:
        return _page(request, scope, 0, status=400, form=form, errors=[
            f"{exc}: a link may only lead to an absolute http:// or https:// address"])  # fmt: skip
    except ConfigError as exc:
        return _page(request, scope, 0, status=400, form=form,
                     errors=[f"{exc}" + (f" ({exc.hint})" if exc.hint else "")])  # fmt: skip
    what = "created" if link.created else "already existed for this post"
    return RedirectResponse(
        request.url_for("links_page", workspace=scope.workspace_id).include_query_params(
            notice=f"link {link.code} {what}"
        ),
        status_code=303,
    )


@router.post("/w/{workspace}/links/bulk", include_in_schema=False)
async def links_bulk_form(
    request: Request, scope: Annotated[Scope, Depends(page_scope)]
) -> Response:
    scope.require("analyst")
    dest = upload_dir(request, scope) / ("bulk-" + secrets.token_hex(8))
    try:
        upload = await receive_upload(request, dest, "links")
        # off the event loop: the collector shares it
        return await run_in_threadpool(_bulk, request, scope, upload)
    except HTTPException as exc:
        return await run_in_threadpool(
            _page, request, scope, 0, status=exc.status_code, errors=[str(exc.detail)]
        )
    finally:
        await run_in_threadpool(shutil.rmtree, dest, True)


def _bulk(request: Request, scope: Scope, upload: Upload) -> Response:
    if upload.path.suffix != ".csv":
        return _page(request, scope, 0, status=415, errors=["bulk creation reads a .csv"])
    try:
        with writing(request, scope) as eng:
            links = bulk_create(eng, scope.workspace_id, upload.path)
    except ImportRejected as exc:
        return _page(request, scope, 0, status=400, errors=[exc.hint or "fix the rows"],
                     problems=problem_rows(exc.problems, upload.name))  # fmt: skip
    except ConfigError as exc:
        return _page(request, scope, 0, status=400, errors=[str(exc)])
    made = sum(lk.created for lk in links)
    return RedirectResponse(
        request.url_for("links_page", workspace=scope.workspace_id).include_query_params(
            notice=f"{made} links created, {len(links) - made} existed"
        ),
        status_code=303,
    )


@router.post("/w/{workspace}/links/templates", include_in_schema=False)
def links_template_form(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    network: Annotated[str, Form(max_length=40)],
    utm_source: Annotated[str, Form(max_length=500)] = "",
    utm_medium: Annotated[str, Form(max_length=500)] = "",
    utm_campaign: Annotated[str, Form(max_length=500)] = "",
    utm_content: Annotated[str, Form(max_length=500)] = "",
    utm_term: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    scope.require("analyst")
    values = {
        "utm_source": _opt(utm_source),
        "utm_medium": _opt(utm_medium),
        "utm_campaign": _opt(utm_campaign),
        "utm_content": _opt(utm_content),
        "utm_term": _opt(utm_term),
    }
    try:
        with writing(request, scope) as eng:
            set_utm_template(eng, scope.workspace_id, network.strip() or "*", values)
    except ConfigError as exc:
        return _page(request, scope, 0, status=400, errors=[f"{exc} ({exc.hint})"])
    return RedirectResponse(
        request.url_for("links_page", workspace=scope.workspace_id).include_query_params(
            notice=f"UTM template saved for {network.strip() or '*'}"
        ),
        status_code=303,
    )


@router.get("/w/{workspace}/links/{code}/qr.{kind}", include_in_schema=False)
def links_qr_page(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    code: str,
    kind: Literal["svg", "png"],
) -> Response:
    return _qr(request, _owned(request, scope, code), kind)


# -- API -------------------------------------------------------------------------------------


class LinkIn(BaseModel):
    """A link to create (``POST /api/v1/links``); UTM values override the templates."""

    model_config = ConfigDict(extra="forbid")

    target_url: str = Field(max_length=4000, description="an absolute http(s) URL")
    network: str | None = Field(default=None, max_length=40)
    campaign: str | None = Field(default=None, max_length=500)
    post_id: str | None = Field(default=None, max_length=500)
    code: str | None = Field(default=None, max_length=64)
    utm: dict[str, str | None] = Field(default_factory=dict)
    forward_params: bool = True


@router.get("/api/v1/links", tags=["links"], responses=problem_responses(400, 401, 404))
def api_links(
    request: Request,
    scope: Annotated[Scope, Depends(api_scope)],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    sort: Annotated[str, Query(description="one of " + ", ".join(LINK_SORTS))] = "-created_at",
    network: str | None = None,
) -> dict[str, Any]:
    """The workspace's tracked links with their click and bot-hit counts, one page."""
    check_params(request, {"limit", "offset", "sort", "network", "workspace"})
    if sort not in LINK_SORTS:
        raise HTTPException(400, f"sort must be one of {', '.join(LINK_SORTS)}")
    if network is not None and network not in NETWORKS:
        raise HTTPException(400, f"network must be one of {', '.join(NETWORKS)}")
    eng = duck(request, scope)
    ws = scope.workspace_id
    total = count_links(eng, ws, network=network)
    links = list_links(eng, ws, limit=limit, offset=offset, sort=sort, network=network)
    counts = link_counts(eng, ws, [lk.code for lk in links])
    return {
        "items": [_as_json(request, lk, counts.get(lk.code, (0, 0))) for lk in links],
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": next_link(request, offset, limit, total),
    }


@router.post(
    "/api/v1/links",
    tags=["links"],
    status_code=201,
    responses={
        200: {"description": "the post's existing link on that network"},
        **problem_responses(400, 401, 403, 404),
    },
)
def api_create_link(
    request: Request, scope: Annotated[Scope, Depends(api_scope)], body: LinkIn
) -> Response:
    """Create a tracked link (201), or return the post's existing one on that network (200)."""
    scope.require("analyst")
    try:
        with writing(request, scope) as eng:
            link = create_link(
                eng,
                scope.workspace_id,
                body.target_url,
                network=body.network,
                campaign=body.campaign,
                post_id=body.post_id,
                code=body.code,
                utm=body.utm,
                forward_params=body.forward_params,
            )
    except UnsafeURL as exc:
        return problem(request, 400, "Unsafe target URL", f"{exc}", [
            {"field": "target_url", "expected": "an absolute http(s) URL"}])  # fmt: skip
    except ConfigError as exc:
        return problem(
            request, 400, "Invalid link", f"{exc}" + (f"; {exc.hint}" if exc.hint else "")
        )
    return JSONResponse(_as_json(request, link, None), status_code=201 if link.created else 200)


@router.get("/api/v1/links/{code}", tags=["links"], responses=problem_responses(401, 404))
def api_link(
    request: Request, scope: Annotated[Scope, Depends(api_scope)], code: str
) -> dict[str, Any]:
    """One link with its click and bot-hit counts; 404 if it is not this workspace's."""
    link = _owned(request, scope, code)
    counts = link_counts(duck(request, scope), scope.workspace_id, [link.code])
    return _as_json(request, link, counts.get(link.code, (0, 0)))


@router.get(
    "/api/v1/links/{code}/qr.{kind}",
    tags=["links"],
    responses={
        200: {"content": {"image/svg+xml": {}, "image/png": {}}},
        **problem_responses(401, 404),
    },
)
def api_link_qr(
    request: Request,
    scope: Annotated[Scope, Depends(api_scope)],
    code: str,
    kind: Literal["svg", "png"],
) -> Response:
    """The QR code of the link's short URL, SVG or PNG."""
    return _qr(request, _owned(request, scope, code), kind)
