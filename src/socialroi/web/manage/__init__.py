"""The management pages and the write API: links, imports, settings (issue 9).

``router`` carries ``/w/{ws}/links``, ``/w/{ws}/imports``, ``/w/{ws}/settings`` and
``/api/v1/links``, ``/api/v1/imports``, ``/api/v1/events``; ``create_app`` includes it. Every
route takes its workspace from :func:`socialroi.web.auth.page_scope` or
:func:`~socialroi.web.auth.api_scope`; writes need the analyst role (settings: admin) and go
through their own cursor under a lock (:func:`~socialroi.web.manage._common.writing`).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from socialroi.web.app import _collect, _read_body, state
from socialroi.web.manage import imports, links, settings
from socialroi.web.problems import problem

__all__ = ["router"]

router = APIRouter()
router.include_router(links.router)
router.include_router(imports.router)
router.include_router(settings.router)


@router.post(
    "/api/v1/events",
    tags=["events"],
    status_code=202,
    responses={
        c: {"description": d}
        for c, d in (
            (400, "invalid JSON or no valid event"),
            (403, "the Origin is not allowed for the workspace"),
            (413, "an event over 32 KB or a batch over 500 KB"),
            (415, "not JSON"),
            (429, "the spool is full; retry after Retry-After"),
            (503, "storage unavailable; retry after Retry-After"),
        )
    },
)
async def api_events(request: Request) -> Response:
    """The website collector (the same handler as ``POST /api/event``, docs/tracking.md):
    public, checked against the workspace's origin allowlist, never session-authenticated;
    202 once every event is in the fsynced spool; errors as problem details, like the whole
    API (``POST /api/event`` keeps the collector's own ``{ok, error, errors}`` shape)."""
    response = await _collect(state(request), request, await _read_body(request))
    if response.status_code < 400:
        return response
    body = json.loads(bytes(response.body))
    keep = {"retry-after", "access-control-allow-origin", "vary"}
    return problem(
        request,
        response.status_code,
        str(body.get("error", "")),
        errors=[_problem_error(e) for e in body.get("errors", [])],
        headers={k: v for k, v in response.headers.items() if k.lower() in keep},
    )


def _problem_error(error: dict[str, Any]) -> dict[str, Any]:
    """A collector error (``{index, reason}`` or ``{hint}``) as a problem's error entry."""
    location: list[str | int] = ["body", error["index"]] if "index" in error else ["body"]
    message = str(error.get("reason") or error.get("hint") or "")
    return {"location": location, "message": message, "hint": error.get("hint")}
