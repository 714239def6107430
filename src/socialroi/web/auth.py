"""Who is asking: sessions, the scope dependencies, CSRF and the security headers.

``page_scope`` resolves ``/w/{workspace}/…`` pages and ``api_scope`` resolves ``/api/v1``
routes to a :class:`~socialroi.web.scope.Scope`:

- ``page_scope(request, workspace)``: the signed-in member's role in ``workspace``; or, for a
  GET of the one page a share link was made for, ``?share=TOKEN`` acting as ``viewer``.
  Not signed in → :class:`SignInRequired` (303 to ``/login?next=…`` for a GET, else 401);
  any other workspace, existing or not → 404.
- ``api_scope(request)``: ``Authorization: Bearer <API token>`` → the token's workspace (read
  scope acts as ``viewer``, write as ``analyst``; ``?workspace=`` naming another → 404); or the
  session cookie plus ``?workspace=<id>`` (not a member → 404); no credentials → 401.

The session cookie ``socialroi_session`` (HttpOnly, SameSite=Lax, Secure unless
``Settings.insecure_loopback_cookies`` and the request is plain http to a loopback host) holds a
random id of which the database keeps only the SHA-256. :class:`CSRFMiddleware` (pure ASGI)
resolves it once per request into ``request.state.session`` and ``request.state.csrf_token``,
and refuses every POST/PUT/PATCH/DELETE from another site (``Origin``/``Sec-Fetch-Site``) and
every one with a session but without that session's token in the form field ``csrf_token`` or
the ``X-CSRF-Token`` header. Requests with ``Authorization: Bearer`` are never authenticated
by the cookie (their session is ignored), so they need no CSRF token.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio.to_thread
from fastapi import HTTPException, Request
from fastapi.responses import Response
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as AsgiScope

from socialroi.engine import DuckDBEngine, Workspace
from socialroi.web._settings import Settings
from socialroi.web.accounts import Session, lookup_session, lookup_share, lookup_token
from socialroi.web.app import AppState, state
from socialroi.web.scope import ROLES, Role, Scope

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "CSRF_EXEMPT",
    "SESSION_COOKIE",
    "CSRFMiddleware",
    "SecurityHeadersMiddleware",
    "SignInRequired",
    "api_scope",
    "clear_session_cookie",
    "current_session",
    "page_scope",
    "session_lifetimes",
    "set_session_cookie",
    "writing",
]

SESSION_COOKIE = "socialroi_session"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: public endpoints with their own protection: the collector (origin allowlist) and redirector
CSRF_EXEMPT: tuple[str, ...] = ("/api/event", "/api/v1/events")
_CSRF_EXEMPT_PREFIX = "/l/"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "[::1]"})
#: a form's csrf_token must come within this many bytes of the body (templates put it first)
_MAX_FORM_SCAN = 2 * 2**20
_NO_SESSION = "_no_session"


class SignInRequired(Exception):
    """No session: pages redirect to the login form, API routes answer 401."""


# -- sessions --------------------------------------------------------------------------------


def _settings(request: Request) -> Settings:
    return state(request).settings


def session_lifetimes(settings: Settings) -> tuple[dt.timedelta, dt.timedelta]:
    """(idle, absolute) lifetime of a session."""
    return dt.timedelta(seconds=settings.session_idle_s), dt.timedelta(
        seconds=settings.session_max_s
    )


@contextmanager
def writing(request: Request) -> Iterator[DuckDBEngine]:
    """This thread's cursor, with the web process's writes serialised (``writer_lock``)."""
    st = state(request)
    eng = st.reader()  # before the lock: reader() takes it on first use
    with st.writer_lock:
        yield eng


def _resolve_session(st: AppState, sid: str) -> Session | None:
    idle, absolute = session_lifetimes(st.settings)
    return lookup_session(st.reader(), sid, idle=idle, absolute=absolute, lock=st.writer_lock)


def _cookie_value(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(name)
            if found:
                return found
    return None


def current_session(request: Request) -> Session | None:
    """The request's live session (resolved once by :class:`CSRFMiddleware`)."""
    st_dict = request.scope.setdefault("state", {})
    if "session" in st_dict:
        found: Session | None = st_dict["session"]
        return found
    if request.headers.get("authorization"):
        return None
    sid = request.cookies.get(SESSION_COOKIE)
    session = _resolve_session(state(request), sid) if sid else None
    st_dict["session"] = session
    if session is not None:
        st_dict["csrf_token"] = session.csrf_token
    return session


def _secure(request: Request) -> bool:
    if not _settings(request).insecure_loopback_cookies:
        return True
    return not (request.url.scheme == "http" and request.url.hostname in _LOOPBACK)


def set_session_cookie(request: Request, response: Response, sid: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=_settings(request).session_max_s,
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax"
    )


# -- the scope dependencies ------------------------------------------------------------------

_MEMBER_SQL = (
    "SELECT w.workspace_id, w.name, w.brand, w.currency, w.timezone, m.role "
    "FROM memberships m JOIN workspaces w USING (workspace_id) "
    "WHERE m.user_id = ? AND m.workspace_id = ?"
)
_WORKSPACE_SQL = (
    "SELECT workspace_id, name, brand, currency, timezone FROM workspaces WHERE workspace_id = ?"
)


def _role(value: str) -> Role:
    for r in ROLES:
        if r == value:
            return r
    raise ValueError(f"unknown role {value!r} in memberships")


def _member_scope(request: Request, user_id: str, workspace: str) -> Scope | None:
    reader = state(request).reader
    rows = reader().run(_MEMBER_SQL, [user_id, workspace])
    if not rows:
        return None
    ws_id, name, brand, currency, tz, role = rows[0]
    ws = Workspace(ws_id, name, brand, currency, tz)
    return Scope(ws, _role(role), "session", reader, user_id)


def _workspace(eng: DuckDBEngine, workspace: str) -> Workspace | None:
    rows = eng.run(_WORKSPACE_SQL, [workspace])
    return Workspace(*rows[0]) if rows else None


def _not_found() -> HTTPException:
    # the same answer whether the workspace exists or not: ids of others are never confirmed
    return HTTPException(404, "not found")


def _shared_page(path: str, workspace: str) -> str:
    """The page ``path`` belongs to: the first segment after ``/w/{workspace}/`` without a
    suffix (``report.pdf`` and ``report/…`` are the report), ``overview`` for none."""
    rest = path[len(f"/w/{workspace}") :].lstrip("/")
    return rest.split("/", 1)[0].split(".", 1)[0] or "overview"


def page_scope(request: Request, workspace: str) -> Scope:
    """The signed-in member's (or share link's) scope on ``workspace``; 404 if not theirs."""
    eng = state(request).reader()
    session = current_session(request)
    if session is not None:
        scope = _member_scope(request, session.user.user_id, workspace)
        if scope is not None:
            return scope
    token = request.query_params.get("share")
    if token and request.method in ("GET", "HEAD"):
        share = lookup_share(eng, token)
        if share is not None and share.workspace_id == workspace:
            ws = _workspace(eng, workspace)
            if _shared_page(request.url.path, workspace) == share.page and ws is not None:
                return Scope(ws, "viewer", "share", state(request).reader, None)
        raise _not_found()
    if session is None:
        raise SignInRequired
    raise _not_found()


def api_scope(request: Request) -> Scope:
    """The API token's or session's scope; 401 without credentials."""
    eng = state(request).reader()
    wanted = request.query_params.get("workspace")
    auth = request.headers.get("authorization")
    if auth:
        kind, _, token = auth.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise HTTPException(
                401, "use Authorization: Bearer <API token>", {"WWW-Authenticate": "Bearer"}
            )
        tok = lookup_token(eng, token.strip(), lock=state(request).writer_lock)
        if tok is None:
            raise HTTPException(
                401,
                "this API token is unknown or revoked; create one on the workspace's tokens page",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if wanted is not None and wanted != tok.workspace_id:
            raise _not_found()
        ws = _workspace(eng, tok.workspace_id)
        if ws is None:
            raise _not_found()
        role: Role = "viewer" if tok.scope == "read" else "analyst"
        return Scope(ws, role, "token", state(request).reader, None)
    session = current_session(request)
    if session is None:
        raise HTTPException(
            401,
            "sign in, or send Authorization: Bearer <API token>",
            {"WWW-Authenticate": "Bearer"},
        )
    if not wanted:
        raise HTTPException(400, "add ?workspace=<id> to say which workspace")
    scope = _member_scope(request, session.user.user_id, wanted)
    if scope is None:
        raise _not_found()
    return scope


# -- middleware ------------------------------------------------------------------------------


def _header(scope: AsgiScope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _cross_site(scope: AsgiScope, settings: Settings) -> str | None:
    """Why this request comes from another site, or None (no headers: a non-browser client)."""
    fetch_site = _header(scope, b"sec-fetch-site")
    if fetch_site in ("cross-site", "same-site"):
        return f"Sec-Fetch-Site is {fetch_site}"
    origin = _header(scope, b"origin")
    if origin is None:
        return None
    host = _header(scope, b"host") or ""
    if settings.trust_forwarded:
        host = _header(scope, b"x-forwarded-host") or host
    if origin == "null" or urlsplit(origin).netloc.lower() != host.split(",")[0].strip().lower():
        return f"Origin {origin[:100]} is not this site"
    return None


def _forbidden(scope: AsgiScope, detail: str) -> Response:
    body = {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": detail,
        "instance": scope["path"],
        "errors": [],
    }
    return Response(json.dumps(body), status_code=403, media_type="application/problem+json")


async def _form_token(scope: AsgiScope, receive: Receive) -> tuple[str | None, list[Message]]:
    """The ``csrf_token`` form field and the body messages read to find it (to replay)."""
    ctype = _header(scope, b"content-type") or ""
    kind, params = parse_options_header(ctype)
    read: list[Message] = []
    size = 0
    if kind == b"application/x-www-form-urlencoded":
        body = bytearray()
        while size <= _MAX_FORM_SCAN:
            msg = await receive()
            read.append(msg)
            chunk = msg.get("body", b"")
            body += chunk
            size += len(chunk)
            if msg["type"] != "http.request" or not msg.get("more_body", False):
                break
        for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if key == "csrf_token":
                return value, read
        return None, read
    if kind != b"multipart/form-data" or b"boundary" not in params:
        return None, read
    # callbacks get pieces: a header or value may be split across two chunks of the body
    found: dict[str, Any] = {
        "name": None,
        "field": bytearray(),
        "header": bytearray(),
        "value": bytearray(),
    }
    fields: dict[str, bytes] = {}

    def on_part_begin() -> None:
        found["name"] = None
        found["value"] = bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        found["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        found["header"] += data[start:end]

    def on_header_end() -> None:
        if bytes(found["field"]).lower() == b"content-disposition":
            _, opts = parse_options_header(bytes(found["header"]))
            found["name"] = opts.get(b"name")
        found["field"], found["header"] = bytearray(), bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if found["name"] == b"csrf_token":
            found["value"] += data[start:end]

    def on_part_end() -> None:
        if found["name"] == b"csrf_token":
            fields["csrf_token"] = bytes(found["value"])

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    while size <= _MAX_FORM_SCAN and "csrf_token" not in fields:
        msg = await receive()
        read.append(msg)
        chunk = msg.get("body", b"")
        size += len(chunk)
        try:
            parser.write(chunk)
        except Exception:  # noqa: BLE001 - a malformed body has no token; the route rejects it
            break
        if msg["type"] != "http.request" or not msg.get("more_body", False):
            break
    token = fields.get("csrf_token")
    return (token.decode("latin-1") if token is not None else None), read


class CSRFMiddleware:
    """Resolves the session once per request and guards every state-changing request.

    Pure ASGI (no ``BaseHTTPMiddleware``): the body is only read for an unsafe request with a
    session and no ``X-CSRF-Token`` header, and what was read is replayed to the route.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in CSRF_EXEMPT or path.startswith(_CSRF_EXEMPT_PREFIX):
            await self.app(scope, receive, send)
            return
        req_state = scope.setdefault("state", {})
        bearer = (_header(scope, b"authorization") or "").lower().startswith("bearer ")
        session: Session | None = None
        if bearer:
            req_state["session"] = None  # a bearer request is never the cookie's session
        elif not path.startswith("/static/"):
            sid = _cookie_value(scope["headers"], SESSION_COOKIE)
            if sid:
                st: AppState = scope["app"].state.socialroi
                session = await anyio.to_thread.run_sync(_resolve_session, st, sid)
            req_state["session"] = session
            if session is not None:
                req_state["csrf_token"] = session.csrf_token
        if scope["method"] not in _UNSAFE or bearer:
            await self.app(scope, receive, send)
            return
        why = _cross_site(scope, self.settings)
        if why is not None:
            await _forbidden(scope, f"cross-site request refused ({why})")(scope, receive, send)
            return
        if session is None:
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-csrf-token")
        replay: list[Message] = []
        if given is None:
            given, replay = await _form_token(scope, receive)
        if given is None or not secrets.compare_digest(
            given.encode("latin-1", "replace"), session.csrf_token.encode()
        ):
            await _forbidden(
                scope,
                "missing or wrong CSRF token: reload the page and submit again "
                "(a form carries csrf_token before any file field; scripts send X-CSRF-Token)",
            )(scope, receive, send)
            return

        async def replaying() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replaying, send)


class SecurityHeadersMiddleware:
    """Adds the CSP and the other security headers to every response (a route's own value of
    a header wins, e.g. the redirector's Referrer-Policy); ``Cache-Control: no-store`` on
    everything but static files, so no signed-in page or form token is cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        cacheable = path.startswith("/static/") or path == "/t.js"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if not cacheable:
                    extra.append((b"cache-control", b"no-store"))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
