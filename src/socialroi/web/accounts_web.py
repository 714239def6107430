"""The account pages: sign-up, sign-in, password, workspaces, members, API tokens, share links.

:func:`install` adds them to the app with the CSRF and security-header middleware and the
handler that turns :class:`~socialroi.web.auth.SignInRequired` into a sign-in redirect (pages)
or a 401 (API); :mod:`socialroi.web.problems` answers the other errors. Secrets (an
invitation link, an API token, a share link) are shown once, in the answer to the POST that
made them; only hashes are kept.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from socialroi.errors import SocialRoiError
from socialroi.web import accounts as acc
from socialroi.web._settings import Settings
from socialroi.web.app import _client_ip, state
from socialroi.web.auth import (
    CSRFMiddleware,
    SecurityHeadersMiddleware,
    SignInRequired,
    clear_session_cookie,
    current_session,
    page_scope,
    session_lifetimes,
    set_session_cookie,
    writing,
)
from socialroi.web.problems import problem
from socialroi.web.scope import ROLES, Scope
from socialroi.web.templating import render

__all__ = ["install", "router"]

router = APIRouter(include_in_schema=False)

FormStr = Annotated[str, Form()]


class _Limits:
    """The login rate limiters of one app (failed sign-ins per email and per address)."""

    def __init__(self, s: Settings) -> None:
        self.email = acc.RateLimiter(s.login_failures_per_email, s.login_window_s)
        self.ip = acc.RateLimiter(s.login_failures_per_ip, s.login_window_s)


def _limits(request: Request) -> _Limits:
    limits: _Limits = request.app.state.login_limits
    return limits


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/`` (never an open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/"
    return target


def _signed_in(request: Request) -> acc.Session:
    session = current_session(request)
    if session is None:
        raise SignInRequired
    return session


def _sign_in(request: Request, user: acc.User, target: str) -> Response:
    """A new session (the old one deleted: the id rotates at sign-in) and the redirect."""
    idle, absolute = session_lifetimes(state(request).settings)
    old = current_session(request)
    with writing(request) as eng:
        if old is not None:
            acc.delete_session(eng, old.session_hash)
        sid, _ = acc.create_session(eng, user.user_id, idle=idle, absolute=absolute)
    response = _see_other(target)
    set_session_cookie(request, response, sid)
    return response


# -- home, sign-up, sign-in --------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    eng = state(request).reader()
    if acc.user_count(eng) == 0:
        return _see_other("/signup")
    session = current_session(request)
    if session is None:
        return _see_other("/login")
    mine = acc.workspaces_of(eng, session.user.user_id)
    if not mine:
        return _see_other("/workspaces/new")
    return _see_other(f"/w/{quote(mine[0][0], safe='')}/")


def _signup_page(request: Request, error: str | None = None, **values: str) -> Response:
    eng = state(request).reader()
    existing = acc.workspace_ids(eng)
    return render(
        request,
        "signup.html",
        {"error": error, "values": values, "existing": existing},
        status=400 if error else 200,
    )


@router.get("/signup")
def signup_form(request: Request) -> Response:
    if acc.user_count(state(request).reader()) > 0:
        return _see_other("/login")
    return _signup_page(request, currency="EUR", timezone="UTC")


@router.post("/signup")
def signup(
    request: Request,
    email: FormStr,
    password: FormStr,
    workspace_name: FormStr = "",
    currency: FormStr = "EUR",
    timezone: FormStr = "UTC",
) -> Response:
    values = {
        "email": email,
        "workspace_name": workspace_name,
        "currency": currency,
        "timezone": timezone,
    }
    with writing(request) as eng:
        if acc.user_count(eng) > 0:
            return _see_other("/login")  # only the first owner signs up; others are invited
        existing = acc.workspace_ids(eng)
        if not workspace_name.strip() and not existing:
            return _signup_page(request, "name your first workspace", **values)
        try:
            user = acc.create_user(eng, email, password)
        except SocialRoiError as exc:
            return _signup_page(request, exc.message, **values)
        try:
            # the first owner owns what `socialroi init`/imports made before the web app
            for ws in existing:
                acc.grant(eng, user.user_id, ws, "owner")
            target = f"/w/{quote(existing[0], safe='')}/" if existing else "/"
            if workspace_name.strip():
                ws_new = acc.create_workspace(
                    eng, workspace_name, user.user_id, currency=currency, timezone=timezone
                )
                target = f"/w/{quote(ws_new.workspace_id, safe='')}/"
        except SocialRoiError as exc:
            acc.delete_user(eng, user.email, force=True)
            return _signup_page(request, exc.message, **values)
    return _sign_in(request, user, target)


def _login_page(
    request: Request, error: str | None = None, *, status: int = 200, **values: str
) -> Response:
    return render(request, "login.html", {"error": error, "values": values}, status=status)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the form field
    if acc.user_count(state(request).reader()) == 0:
        return _see_other("/signup")
    if current_session(request) is not None:
        return _see_other(_safe_next(next))  # already signed in
    return _login_page(request, next=_safe_next(next))


def _throttled(request: Request, email: str) -> int | None:
    limits = _limits(request)
    ip = _client_ip(request, state(request).settings)
    waits = [w for w in (limits.email.retry_after(email), limits.ip.retry_after(ip)) if w]
    return max(waits) if waits else None


def _failed(request: Request, email: str) -> None:
    limits = _limits(request)
    limits.email.fail(email)
    limits.ip.fail(_client_ip(request, state(request).settings))


@router.post("/login")
def login(
    request: Request,
    email: FormStr,
    password: FormStr,
    next: FormStr = "/",  # noqa: A002 - the form field
) -> Response:
    email_key = email.strip().lower()
    target = _safe_next(next)
    wait = _throttled(request, email_key)
    if wait is not None:
        response = _login_page(
            request,
            f"too many failed sign-ins; try again in {wait} seconds",
            status=429,
            email=email,
            next=target,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    st = state(request)
    user = acc.authenticate(st.reader(), email_key, password, lock=st.writer_lock)
    if user is None:
        _failed(request, email_key)
        return _login_page(request, "wrong email or password", status=400, email=email, next=target)
    _limits(request).email.reset(email_key)
    return _sign_in(request, user, target)


@router.post("/logout")
def logout(request: Request) -> Response:
    session = current_session(request)
    if session is not None:
        with writing(request) as eng:
            acc.delete_session(eng, session.session_hash)
    response = _see_other("/login")
    clear_session_cookie(request, response)
    return response


@router.get("/account/password")
def password_form(request: Request, changed: bool = False) -> Response:
    _signed_in(request)
    return render(request, "password.html", {"changed": changed, "error": None})


@router.post("/account/password")
def change_password(request: Request, current_password: FormStr, new_password: FormStr) -> Response:
    session = _signed_in(request)
    email = session.user.email
    wait = _throttled(request, email)
    if wait is not None:
        response = render(
            request,
            "password.html",
            {"error": f"too many failed attempts; try again in {wait} seconds"},
            status=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    with writing(request) as eng:
        if acc.authenticate(eng, email, current_password) is None:
            _failed(request, email)
            error = "the current password is wrong"
        else:
            try:
                acc.set_password(
                    eng, session.user.user_id, new_password, keep_session=session.session_hash
                )
                return _see_other("/account/password?changed=1")
            except SocialRoiError as exc:
                error = exc.message
    return render(request, "password.html", {"error": error}, status=400)


@router.get("/workspaces")
def workspaces_page(request: Request) -> Response:
    """The signed-in user's workspaces and role in each (to switch between brands)."""
    session = _signed_in(request)
    eng = state(request).reader()
    rows = eng.run(
        "SELECT w.workspace_id, w.name, m.role FROM memberships m "
        "JOIN workspaces w USING (workspace_id) WHERE m.user_id = ? ORDER BY w.name",
        [session.user.user_id],
    )
    return render(request, "workspaces.html", {"workspaces": rows})


@router.get("/workspaces/new")
def workspace_form(request: Request) -> Response:
    _signed_in(request)
    return render(
        request,
        "workspace_new.html",
        {"error": None, "values": {"currency": "EUR", "timezone": "UTC"}},
    )


@router.post("/workspaces/new")
def workspace_create(
    request: Request,
    workspace_name: FormStr,
    currency: FormStr = "EUR",
    timezone: FormStr = "UTC",
) -> Response:
    session = _signed_in(request)
    try:
        with writing(request) as eng:
            ws = acc.create_workspace(
                eng, workspace_name, session.user.user_id, currency=currency, timezone=timezone
            )
    except SocialRoiError as exc:
        values = {"workspace_name": workspace_name, "currency": currency, "timezone": timezone}
        return render(
            request, "workspace_new.html", {"error": exc.message, "values": values}, status=400
        )
    return _see_other(f"/w/{quote(ws.workspace_id, safe='')}/")


# -- invitations ---------------------------------------------------------------------------------


def _invitation(request: Request, token: str) -> acc.Invitation:
    inv = acc.invitation_by_token(state(request).reader(), token)
    if inv is None:
        raise HTTPException(404, "this invitation is unknown, used or expired; ask for a new one")
    return inv


def _invite_page(
    request: Request, inv: acc.Invitation, error: str | None = None, status: int = 200
) -> Response:
    eng = state(request).reader()
    session = current_session(request)
    ctx = {
        "inv": inv,
        "workspace_name": eng.workspace(inv.workspace_id).name,
        "has_account": acc.find_user(eng, inv.email) is not None,
        "signed_in_as": session.user.email if session else None,
        "error": error,
    }
    return render(request, "invite.html", ctx, status=status)


@router.get("/invite/{token}")
def invite_form(request: Request, token: str) -> Response:
    return _invite_page(request, _invitation(request, token))


@router.post("/invite/{token}")
def invite_accept(request: Request, token: str, password: FormStr = "") -> Response:
    inv = _invitation(request, token)
    session = current_session(request)
    target = f"/w/{quote(inv.workspace_id, safe='')}/"
    if session is not None:
        try:
            with writing(request) as eng:
                acc.accept_invitation(eng, inv, session.user)
        except SocialRoiError as exc:
            return _invite_page(request, inv, exc.message, 400)
        return _see_other(target)
    wait = _throttled(request, inv.email)
    if wait is not None:
        response = _invite_page(request, inv, f"too many attempts; wait {wait} seconds", 429)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        with writing(request) as eng:
            if acc.find_user(eng, inv.email) is None:
                user = acc.create_user(eng, inv.email, password)
            else:
                found = acc.authenticate(eng, inv.email, password)
                if found is None:
                    _failed(request, inv.email)
                    return _invite_page(request, inv, "wrong password", 400)
                user = found
            acc.accept_invitation(eng, inv, user)
    except SocialRoiError as exc:
        return _invite_page(request, inv, exc.message, 400)
    return _sign_in(request, user, target)


# -- members (admin+) ----------------------------------------------------------------------------


def _admin(request: Request, workspace: str) -> Scope:
    """A member's scope with the admin role at least (a dependency: it runs, and answers 404
    for another workspace, before the form is validated)."""
    scope = page_scope(request, workspace)
    if scope.via == "share":
        raise HTTPException(404, "not found")
    scope.require("admin")
    return scope


AdminScope = Annotated[Scope, Depends(_admin)]


def _members_page(
    request: Request,
    scope: Scope,
    *,
    error: str | None = None,
    invite_url: str | None = None,
    status: int = 200,
) -> Response:
    eng = state(request).reader()
    ctx = {
        "scope": scope,
        "members": acc.members(eng, scope.workspace_id),
        "invitations": acc.pending_invitations(eng, scope.workspace_id),
        "roles": _grantable(scope),
        "error": error,
        "invite_url": invite_url,
    }
    return render(request, "members.html", ctx, status=status)


def _grantable(scope: Scope) -> tuple[str, ...]:
    """Roles this member may hand out: owners any, admins up to admin."""
    return ROLES if scope.role == "owner" else ROLES[: ROLES.index("admin") + 1]


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/w/{workspace}/members")
def members_page(request: Request, scope: AdminScope) -> Response:
    return _members_page(request, scope)


@router.post("/w/{workspace}/members/invite")
def members_invite(request: Request, scope: AdminScope, email: FormStr, role: FormStr) -> Response:
    if role not in _grantable(scope):
        return _members_page(request, scope, error=f"you cannot invite as {role}", status=403)
    try:
        with writing(request) as eng:
            token = acc.create_invitation(eng, scope.workspace_id, email, role, scope.user_id)
    except SocialRoiError as exc:
        return _members_page(request, scope, error=exc.message, status=400)
    return _members_page(request, scope, invite_url=f"{_base_url(request)}/invite/{token}")


def _member(request: Request, scope: Scope, user_id: str) -> acc.Member:
    for m in acc.members(state(request).reader(), scope.workspace_id):
        if m.user_id == user_id:
            return m
    raise HTTPException(404, "not found")


@router.post("/w/{workspace}/members/{user_id}/role")
def members_role(request: Request, scope: AdminScope, user_id: str, role: FormStr) -> Response:
    member = _member(request, scope, user_id)
    if role not in _grantable(scope) or (member.role == "owner" and scope.role != "owner"):
        return _members_page(request, scope, error="only an owner can do that", status=403)
    try:
        with writing(request) as eng:
            acc.grant(eng, member.user_id, scope.workspace_id, role)
    except SocialRoiError as exc:
        return _members_page(request, scope, error=exc.message, status=400)
    return _see_other(f"/w/{quote(scope.workspace_id, safe='')}/members")


@router.post("/w/{workspace}/members/{user_id}/remove")
def members_remove(request: Request, scope: AdminScope, user_id: str) -> Response:
    member = _member(request, scope, user_id)
    if member.role == "owner" and scope.role != "owner":
        return _members_page(request, scope, error="only an owner can remove an owner", status=403)
    try:
        with writing(request) as eng:
            acc.revoke(eng, member.user_id, scope.workspace_id)
    except SocialRoiError as exc:
        return _members_page(request, scope, error=exc.message, status=400)
    return _see_other(f"/w/{quote(scope.workspace_id, safe='')}/members")


@router.post("/w/{workspace}/invitations/{invitation_id}/revoke")
def invitation_revoke(request: Request, scope: AdminScope, invitation_id: str) -> Response:
    with writing(request) as eng:
        if not acc.revoke_invitation(eng, scope.workspace_id, invitation_id):
            raise HTTPException(404, "not found")
    return _see_other(f"/w/{quote(scope.workspace_id, safe='')}/members")


# -- API tokens (admin+) -------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    scope: Scope,
    *,
    error: str | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> Response:
    ctx = {
        "scope": scope,
        "tokens": acc.list_tokens(state(request).reader(), scope.workspace_id),
        "error": error,
        "new_token": new_token,
    }
    return render(request, "tokens.html", ctx, status=status)


@router.get("/w/{workspace}/tokens")
def tokens_page(request: Request, scope: AdminScope) -> Response:
    return _tokens_page(request, scope)


@router.post("/w/{workspace}/tokens")
def tokens_create(
    request: Request, scope: AdminScope, name: FormStr, token_scope: FormStr
) -> Response:
    try:
        with writing(request) as eng:
            _, token = acc.create_token(eng, scope.workspace_id, name, token_scope, scope.user_id)
    except SocialRoiError as exc:
        return _tokens_page(request, scope, error=exc.message, status=400)
    return _tokens_page(request, scope, new_token=token)


@router.post("/w/{workspace}/tokens/{token_id}/revoke")
def tokens_revoke(request: Request, scope: AdminScope, token_id: str) -> Response:
    with writing(request) as eng:
        if not acc.revoke_token(eng, scope.workspace_id, token_id):
            raise HTTPException(404, "not found")
    return _see_other(f"/w/{quote(scope.workspace_id, safe='')}/tokens")


# -- share links (admin+) ------------------------------------------------------------------------


def _share_url(request: Request, workspace_id: str, page: str, token: str) -> str:
    path = "" if page == "overview" else page
    return f"{_base_url(request)}/w/{quote(workspace_id, safe='')}/{path}?share={token}"


def _shares_page(
    request: Request,
    scope: Scope,
    *,
    error: str | None = None,
    new_url: str | None = None,
    status: int = 200,
) -> Response:
    ctx = {
        "scope": scope,
        "shares": acc.list_shares(state(request).reader(), scope.workspace_id),
        "pages": acc.SHARE_PAGES,
        "error": error,
        "new_url": new_url,
    }
    return render(request, "shares.html", ctx, status=status)


@router.get("/w/{workspace}/shares")
def shares_page(request: Request, scope: AdminScope) -> Response:
    return _shares_page(request, scope)


@router.post("/w/{workspace}/shares")
def shares_create(
    request: Request, scope: AdminScope, page: FormStr, days: FormStr = "30"
) -> Response:
    try:
        n_days = int(days)
    except ValueError:
        return _shares_page(request, scope, error=f"{days!r} is not a number of days", status=400)
    try:
        with writing(request) as eng:
            _, token = acc.create_share(eng, scope.workspace_id, page, n_days, scope.user_id)
    except SocialRoiError as exc:
        return _shares_page(request, scope, error=exc.message, status=400)
    return _shares_page(
        request, scope, new_url=_share_url(request, scope.workspace_id, page, token)
    )


@router.post("/w/{workspace}/shares/{share_id}/revoke")
def shares_revoke(request: Request, scope: AdminScope, share_id: str) -> Response:
    with writing(request) as eng:
        if not acc.revoke_share(eng, scope.workspace_id, share_id):
            raise HTTPException(404, "not found")
    return _see_other(f"/w/{quote(scope.workspace_id, safe='')}/shares")


# -- wiring ----------------------------------------------------------------------------------


def _wants_page(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and not request.url.path.startswith("/api/")


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    if _wants_page(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return _see_other(f"/login?next={quote(target, safe='')}")
    return problem(request, 401, "sign in first")


def install(app: FastAPI, settings: Settings) -> None:
    """Add the account pages, the CSRF and security-header middleware and the error handlers
    (the collector's fast path, ``_App.__call__``, stays in front of them)."""
    app.state.login_limits = _Limits(settings)
    app.include_router(router)
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_middleware(CSRFMiddleware, settings=settings)
    # outside CSRF, so its 403 carries the headers too
    app.add_middleware(SecurityHeadersMiddleware)
