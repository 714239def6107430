"""Accounts, sessions and the scope dependencies (being built: see the accounts work).

``page_scope`` resolves ``/w/{workspace}/…`` pages and ``api_scope`` resolves ``/api/v1``
routes to a :class:`~socialroi.web.scope.Scope`; until accounts land both refuse every
request, so no data is served without a signed-in member.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from socialroi.web.scope import Scope

__all__ = ["api_scope", "page_scope"]


def page_scope(request: Request, workspace: str) -> Scope:
    """The signed-in member's (or share link's) scope on ``workspace``; 404 if not theirs."""
    raise HTTPException(401, "sign in first")


def api_scope(request: Request) -> Scope:
    """The API token's or session's scope; 401 without credentials."""
    raise HTTPException(401, "an API token or a session is required")
