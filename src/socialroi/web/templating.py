"""Jinja2 for the dashboard: autoescaped templates from ``socialroi/web/templates``.

Pages extend ``base.html``. Forms that change state include ``{{ csrf_field(request) }}``
(the token the CSRF middleware of :mod:`socialroi.web.auth` put on ``request.state``). No
inline script anywhere: the Content-Security-Policy forbids it; behaviour lives in
``/static/*.js`` and data for it in ``<script type="application/json">`` blocks.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

__all__ = ["csrf_field", "render", "templates"]

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(str(resources.files("socialroi.web").joinpath("templates"))),
        autoescape=True,  # every template, whatever its suffix
    )
)


def csrf_field(request: Request) -> Markup:
    """The hidden input carrying this session's CSRF token (empty outside a session)."""
    token = getattr(request.state, "csrf_token", None) or ""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(token))


templates.env.globals["csrf_field"] = csrf_field


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """The template ``name`` rendered with ``request`` and ``context``."""
    response: HTMLResponse = templates.TemplateResponse(
        request, name, context or {}, status_code=status
    )
    return response
