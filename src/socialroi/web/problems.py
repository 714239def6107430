"""Errors of the JSON API as RFC 9457 problem details (``application/problem+json``).

:func:`install` registers the exception handlers on the app. Under ``/api/v1`` every error —
an ``HTTPException``, a request that fails validation, :class:`~socialroi.web.scope.Forbidden`,
a :class:`~socialroi.errors.SocialRoiError` (a bad parameter, with its hint) and any other
exception — answers with ``{type, title, status, detail, instance, errors}`` and never a stack
trace. Other paths keep FastAPI's answers (pages render their own error pages).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from socialroi.errors import SocialRoiError
from socialroi.web.cache import Busy
from socialroi.web.scope import Forbidden
from socialroi.web.templating import render

__all__ = ["API_PREFIX", "MEDIA_TYPE", "Problem", "install", "is_api", "problem", "responses"]

API_PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
#: ``type`` URIs of the problems this API defines (docs/api.md explains each)
INVALID_PARAMETER = "urn:socialroi:problem:invalid-parameter"
FORBIDDEN = "urn:socialroi:problem:forbidden"
INTERNAL = "urn:socialroi:problem:internal-error"
BUSY = "urn:socialroi:problem:busy"

log = logging.getLogger("socialroi.web")


class ProblemError(BaseModel):
    """One reason a request was refused: where (``location``, e.g. ``["query", "by"]``) and
    what was wrong."""

    location: list[str | int] = Field(default_factory=list)
    message: str
    hint: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details (the body of every ``/api/v1`` error)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemError] = Field(default_factory=list)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem details for ``statuses``."""
    return {
        s: {"model": Problem, "description": HTTPStatus(s).phrase,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for s in statuses
    }  # fmt: skip


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    errors: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem details response; ``title`` defaults to the status's phrase."""
    body = Problem(
        type=type_,
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=[ProblemError(**e) for e in errors],
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers=headers, media_type=MEDIA_TYPE
    )


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it only
    if not is_api(request):
        return await http_exception_handler(request, exc)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(request, exc.status_code, detail, headers=dict(exc.headers or {}))


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    if not is_api(request):
        return await request_validation_exception_handler(request, exc)
    errors = [
        {"location": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
         "message": str(e.get("msg", "invalid value"))}
        for e in exc.errors()
    ]  # fmt: skip
    where = ", ".join(".".join(str(p) for p in e["location"]) for e in errors) or "the request"
    return problem(request, 400, f"invalid parameter: {where}", type_=INVALID_PARAMETER,
                   title="Invalid parameter", errors=errors)  # fmt: skip


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)  # noqa: S101 - registered for it only
    if not is_api(request):
        return render(request, "error.html", {
            "title": "Not allowed", "message": str(exc),
            "hint": "Ask an owner or admin of this workspace for the role.",
        }, status=403)  # fmt: skip
    return problem(request, 403, str(exc), type_=FORBIDDEN, title="Forbidden")


async def _busy(request: Request, exc: Exception) -> Response:
    """A result still being computed (socialroi.web.cache): 503 with Retry-After; the page
    reloads itself then (a meta refresh: no script)."""
    assert isinstance(exc, Busy)  # noqa: S101 - registered for it only
    retry = {"Retry-After": str(exc.retry_after_s)}
    if not is_api(request):
        response = render(request, "error.html", {
            "title": "Still computing", "message": str(exc), "refresh": exc.retry_after_s,
            "hint": "This page reloads itself. Large periods and the attribution page take "
                    "longest the first time; afterwards they come from the cache.",
        }, status=503)  # fmt: skip
        response.headers.update(retry)
        return response
    return problem(request, 503, str(exc), type_=BUSY, title="Still computing", headers=retry)


async def _socialroi(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SocialRoiError)  # noqa: S101 - registered for it only
    if not is_api(request):
        return PlainTextResponse(f"{exc}\n{exc.hint or ''}".strip(), status_code=400)
    return problem(request, 400, str(exc), type_=INVALID_PARAMETER, title="Invalid parameter",
                   errors=[{"message": str(exc), "hint": exc.hint}])  # fmt: skip


async def _internal(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not is_api(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return problem(request, 500, "the server could not answer; the error is logged",
                   type_=INTERNAL)  # fmt: skip


def install(app: FastAPI) -> None:
    """Register the problem-details exception handlers on ``app``."""
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(Busy, _busy)
    app.add_exception_handler(SocialRoiError, _socialroi)
    app.add_exception_handler(Exception, _internal)
