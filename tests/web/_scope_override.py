"""Stand-in sign-in for the management tests until accounts are merged: the pages' and the
API's scope dependencies are overridden so a chosen role reaches the chosen workspaces (real
engine, real data); another workspace gets 404 as the real dependencies answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from socialroi.web import state
from socialroi.web.auth import api_scope, page_scope
from socialroi.web.scope import Forbidden, Role, Scope


@dataclass
class Who:
    """Who the overridden dependencies say is signed in."""

    role: Role = "admin"
    workspaces: set[str] = field(default_factory=lambda: {"ws"})
    default: str = "ws"


def override_scopes(app: FastAPI, who: Who) -> None:
    def _scope(request: Request, workspace: str) -> Scope:
        if workspace not in who.workspaces:
            raise HTTPException(404, "no such workspace")
        eng = state(request).reader()
        return Scope(eng.workspace(workspace), who.role, "session", eng, "user-1")

    def fake_page(request: Request, workspace: str) -> Scope:
        return _scope(request, workspace)

    def fake_api(request: Request) -> Scope:
        return _scope(request, request.query_params.get("workspace") or who.default)

    app.dependency_overrides[page_scope] = fake_page
    app.dependency_overrides[api_scope] = fake_api
    if Forbidden not in app.exception_handlers:  # the accounts branch registers the real one

        async def forbidden(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=403)

        app.add_exception_handler(Forbidden, forbidden)
