"""Accounts: users, roles per workspace, sessions, invitations, API tokens and share links.

The store behind :mod:`socialroi.web.auth` and ``socialroi users``. Every function takes the
DuckDB engine it writes with; in the web process the caller holds ``AppState.writer_lock``
(see :func:`socialroi.web.auth.writing`), so the read-then-write checks below (one user per
email, one membership per user and workspace, never zero owners) cannot interleave.

Secrets handed out (session ids, invitation, API and share tokens) are 256-bit random values;
only their SHA-256 is stored, so a copy of the database opens nothing. Passwords are hashed
with argon2id, RFC 9106's low-memory profile (:data:`HASHER`: time cost 3, 64 MiB, 4 lanes,
16-byte salt, 32-byte hash), about 0.1 s per hash on one core.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import re
import secrets
import threading
import time
from collections import deque
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from socialroi.engine import DuckDBEngine, Workspace
from socialroi.errors import SocialRoiError
from socialroi.web.scope import ROLES, Role

__all__ = [
    "HASHER",
    "INVITATION_TTL",
    "PASSWORD_MIN_LENGTH",
    "SHARE_PAGES",
    "AccountError",
    "ApiToken",
    "Invitation",
    "Member",
    "RateLimiter",
    "Session",
    "Share",
    "TokenScope",
    "User",
    "accept_invitation",
    "authenticate",
    "check_password",
    "create_invitation",
    "create_session",
    "create_share",
    "create_token",
    "create_user",
    "create_workspace",
    "delete_session",
    "delete_user",
    "find_user",
    "get_user",
    "grant",
    "invitation_by_token",
    "list_shares",
    "list_tokens",
    "list_users",
    "lookup_session",
    "lookup_share",
    "lookup_token",
    "members",
    "normalise_email",
    "pending_invitations",
    "revoke",
    "revoke_invitation",
    "revoke_share",
    "require_user",
    "revoke_token",
    "role_of",
    "set_password",
    "user_count",
    "workspace_ids",
    "workspaces_of",
]

#: argon2id with RFC 9106's second recommended profile (t=3, m=64 MiB, p=4)
HASHER = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
PASSWORD_MIN_LENGTH = 10
INVITATION_TTL = dt.timedelta(days=7)
#: pages a share link may open: the dashboard pages (``overview`` is ``/w/{ws}/``) and the report
SHARE_PAGES: tuple[str, ...] = (
    "overview",
    "networks",
    "attribution",
    "funnel",
    "posts",
    "response",
    "share-of-voice",
    "clv",
    "forecast",
    "report",
)
TokenScope = Literal["read", "write"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(SocialRoiError, ValueError):
    """An account operation was refused (bad password, unknown user, last owner …)."""


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    email: str


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    email: str
    role: Role


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser; ``session_hash`` is the SHA-256 of the cookie value."""

    session_hash: str
    user: User
    csrf_token: str
    created_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Invitation:
    invitation_id: str
    workspace_id: str
    email: str
    role: Role
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    token_id: str
    workspace_id: str
    name: str
    scope: TokenScope
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Share:
    share_id: str
    workspace_id: str
    page: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


@functools.cache
def _dummy_hash() -> str:
    """A valid hash verified when the email is unknown, so both answers take the same time
    (made on first use: hashing at import would slow every CLI start)."""
    return HASHER.hash(secrets.token_hex(16))


_NO_LOCK: AbstractContextManager[Any] = contextlib.nullcontext()


def _now() -> dt.datetime:
    # naive UTC, as every TIMESTAMP column of the database
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _new_id() -> str:
    return secrets.token_hex(8)


# -- users and passwords ---------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """``email`` trimmed and lowercased; :class:`AccountError` unless it looks like one."""
    clean = email.strip().lower()
    if len(clean) > 254 or not _EMAIL.match(clean):
        raise AccountError(
            f"{email[:80]!r} is not an email address", hint="type it as name@example.com"
        )
    return clean


def check_password(password: str, email: str) -> None:
    """Refuse a password shorter than :data:`PASSWORD_MIN_LENGTH` or containing the email
    (or its part before the @, from 4 characters)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(
            f"the password has {len(password)} characters; at least {PASSWORD_MIN_LENGTH} "
            "are required",
            hint="use a longer passphrase, e.g. four unrelated words",
        )
    if len(password) > 1024:
        raise AccountError("the password is longer than 1024 characters", hint="use a shorter one")
    low = password.lower()
    local = email.split("@")[0]
    # the name part only when long enough to matter ("a@…" would forbid every "a")
    if email and (email in low or (len(local) >= 4 and local in low)):
        raise AccountError(
            "the password contains the email address", hint="choose one unrelated to the email"
        )


def user_count(eng: DuckDBEngine) -> int:
    return int(eng.run("SELECT count(*) FROM users")[0][0])


def find_user(eng: DuckDBEngine, email: str) -> User | None:
    rows = eng.run("SELECT user_id, email FROM users WHERE email = ?", [email.strip().lower()])
    return User(rows[0][0], rows[0][1]) if rows else None


def get_user(eng: DuckDBEngine, user_id: str) -> User | None:
    rows = eng.run("SELECT user_id, email FROM users WHERE user_id = ?", [user_id])
    return User(rows[0][0], rows[0][1]) if rows else None


def require_user(eng: DuckDBEngine, email: str) -> User:
    user = find_user(eng, email)
    if user is None:
        raise AccountError(
            f"no user {email!r}", hint="list users with `socialroi users list` or create one"
        )
    return user


def create_user(eng: DuckDBEngine, email: str, password: str) -> User:
    """A new user; :class:`AccountError` if the email is taken or the password too weak."""
    email = normalise_email(email)
    check_password(password, email)
    if find_user(eng, email) is not None:
        raise AccountError(
            f"a user {email!r} already exists",
            hint="sign in, or reset the password with `socialroi users set-password`",
        )
    user = User(_new_id(), email)
    now = _now()
    eng.run(
        "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
        [user.user_id, email, HASHER.hash(password), now, now],
    )
    return user


def authenticate(
    eng: DuckDBEngine, email: str, password: str, *, lock: AbstractContextManager[Any] = _NO_LOCK
) -> User | None:
    """The user if ``password`` is theirs, else None; an unknown email costs the same time.

    ``lock`` is held only around the rare write (a rehash after the parameters changed), not
    around the ~0.1 s verification."""
    rows = eng.run(
        "SELECT user_id, email, password_hash FROM users WHERE email = ?",
        [email.strip().lower()],
    )
    stored = rows[0][2] if rows else _dummy_hash()
    try:
        HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if not rows:
        return None
    if HASHER.check_needs_rehash(stored):
        new_hash = HASHER.hash(password)
        with lock:
            eng.run("UPDATE users SET password_hash = ? WHERE user_id = ?", [new_hash, rows[0][0]])
    return User(rows[0][0], rows[0][1])


def set_password(
    eng: DuckDBEngine, user_id: str, password: str, *, keep_session: str | None = None
) -> None:
    """Replace the password and sign out every other session of the user."""
    user = get_user(eng, user_id)
    if user is None:
        raise AccountError(f"no user {user_id!r}", hint="list users with `socialroi users list`")
    check_password(password, user.email)
    with eng.transaction():
        eng.run(
            "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE user_id = ?",
            [HASHER.hash(password), _now(), user_id],
        )
        eng.run(
            "DELETE FROM sessions WHERE user_id = ? AND session_hash <> ?",
            [user_id, keep_session or ""],
        )


def list_users(eng: DuckDBEngine) -> list[tuple[User, list[tuple[str, Role]]]]:
    """Every user with their (workspace, role) pairs, ordered by email."""
    rows = eng.run(
        "SELECT u.user_id, u.email, m.workspace_id, m.role FROM users u "
        "LEFT JOIN memberships m USING (user_id) ORDER BY u.email, m.workspace_id"
    )
    out: dict[str, tuple[User, list[tuple[str, Role]]]] = {}
    for uid, email, ws, role in rows:
        entry = out.setdefault(uid, (User(uid, email), []))
        if ws is not None:
            entry[1].append((ws, role))
    return list(out.values())


def delete_user(eng: DuckDBEngine, email: str, *, force: bool = False) -> None:
    """Delete a user with their memberships and sessions (never a workspace's last owner,
    unless ``force``: undoing a sign-up that failed half-way)."""
    user = require_user(eng, email)
    for ws, role in workspaces_of(eng, user.user_id):
        if role == "owner" and not force:
            _keep_an_owner(eng, ws, user.user_id)
    with eng.transaction():
        eng.run("DELETE FROM memberships WHERE user_id = ?", [user.user_id])
        eng.run("DELETE FROM sessions WHERE user_id = ?", [user.user_id])
        eng.run("DELETE FROM users WHERE user_id = ?", [user.user_id])


# -- memberships -----------------------------------------------------------------------------


def _check_role(role: str) -> Role:
    for r in ROLES:
        if r == role:
            return r
    raise AccountError(f"unknown role {role!r}", hint=f"use one of {', '.join(ROLES)}")


def role_of(eng: DuckDBEngine, user_id: str, workspace_id: str) -> Role | None:
    rows = eng.run(
        "SELECT role FROM memberships WHERE user_id = ? AND workspace_id = ?",
        [user_id, workspace_id],
    )
    return _check_role(rows[0][0]) if rows else None


def workspaces_of(eng: DuckDBEngine, user_id: str) -> list[tuple[str, Role]]:
    """The user's (workspace id, role) pairs, ordered by workspace id."""
    rows = eng.run(
        "SELECT workspace_id, role FROM memberships WHERE user_id = ? ORDER BY workspace_id",
        [user_id],
    )
    return [(ws, _check_role(role)) for ws, role in rows]


def members(eng: DuckDBEngine, workspace_id: str) -> list[Member]:
    rows = eng.run(
        "SELECT m.user_id, u.email, m.role FROM memberships m JOIN users u USING (user_id) "
        "WHERE m.workspace_id = ? ORDER BY u.email",
        [workspace_id],
    )
    return [Member(uid, email, _check_role(role)) for uid, email, role in rows]


def _keep_an_owner(eng: DuckDBEngine, workspace_id: str, user_id: str) -> None:
    owners = eng.run(
        "SELECT count(*) FROM memberships WHERE workspace_id = ? AND role = 'owner' "
        "AND user_id <> ?",
        [workspace_id, user_id],
    )[0][0]
    if owners == 0:
        raise AccountError(
            f"this is the last owner of workspace {workspace_id!r}",
            hint="make another member owner first",
        )


def grant(eng: DuckDBEngine, user_id: str, workspace_id: str, role: str) -> None:
    """Give the user ``role`` in the workspace (replacing their role there)."""
    checked = _check_role(role)
    current = role_of(eng, user_id, workspace_id)
    if current == "owner" and checked != "owner":
        _keep_an_owner(eng, workspace_id, user_id)
    with eng.transaction():
        eng.run(
            "DELETE FROM memberships WHERE user_id = ? AND workspace_id = ?",
            [user_id, workspace_id],
        )
        eng.run(
            "INSERT INTO memberships VALUES (?, ?, ?, ?)", [user_id, workspace_id, checked, _now()]
        )


def revoke(eng: DuckDBEngine, user_id: str, workspace_id: str) -> None:
    """Remove the user from the workspace (never its last owner)."""
    if role_of(eng, user_id, workspace_id) == "owner":
        _keep_an_owner(eng, workspace_id, user_id)
    eng.run(
        "DELETE FROM memberships WHERE user_id = ? AND workspace_id = ?", [user_id, workspace_id]
    )


def workspace_ids(eng: DuckDBEngine) -> list[str]:
    """Every workspace id, ordered."""
    return [r[0] for r in eng.run("SELECT workspace_id FROM workspaces ORDER BY workspace_id")]


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "workspace"


def create_workspace(
    eng: DuckDBEngine,
    name: str,
    owner_id: str,
    *,
    currency: str = "EUR",
    timezone: str = "UTC",
) -> Workspace:
    """A new workspace (its id a slug of ``name``, made unique) owned by ``owner_id``."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AccountError("a workspace needs a name of 1 to 200 characters", hint="type a name")
    base = _slug(name)
    taken = set(workspace_ids(eng))
    ws_id, n = base, 1
    while ws_id in taken:
        n += 1
        ws_id = f"{base}-{n}"
    ws = eng.ensure_workspace(ws_id, name=name, currency=currency.strip(), timezone=timezone)
    grant(eng, owner_id, ws_id, "owner")
    return ws


# -- sessions --------------------------------------------------------------------------------


def create_session(
    eng: DuckDBEngine, user_id: str, *, idle: dt.timedelta, absolute: dt.timedelta
) -> tuple[str, str]:
    """A new session for the user; returns (session id for the cookie, CSRF token)."""
    sid, csrf = _new_secret(), _new_secret()
    now = _now()
    # sessions nobody came back to would otherwise stay forever
    eng.run("DELETE FROM sessions WHERE expires_at <= ?", [now])
    eng.run(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
        [_digest(sid), user_id, csrf, now, now, min(now + idle, now + absolute)],
    )
    return sid, csrf


def lookup_session(
    eng: DuckDBEngine,
    sid: str,
    *,
    idle: dt.timedelta,
    absolute: dt.timedelta,
    touch_after: dt.timedelta = dt.timedelta(minutes=1),
    lock: AbstractContextManager[Any] = _NO_LOCK,
) -> Session | None:
    """The live session of cookie value ``sid``; slides its idle expiry (at most once a
    ``touch_after``, to keep writes off the request path); expired sessions are deleted.
    ``lock`` is held around those writes only."""
    h = _digest(sid)
    rows = eng.run(
        "SELECT s.user_id, u.email, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at "
        "FROM sessions s JOIN users u USING (user_id) WHERE s.session_hash = ?",
        [h],
    )
    if not rows:
        return None
    uid, email, csrf, created, seen, expires = rows[0]
    now = _now()
    if now >= expires:
        with lock:
            eng.run("DELETE FROM sessions WHERE session_hash = ?", [h])
        return None
    if now - seen >= touch_after:
        expires = min(now + idle, created + absolute)
        with lock:
            eng.run(
                "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE session_hash = ?",
                [now, expires, h],
            )
    return Session(h, User(uid, email), csrf, created, expires)


def delete_session(eng: DuckDBEngine, session_hash: str) -> None:
    eng.run("DELETE FROM sessions WHERE session_hash = ?", [session_hash])


# -- invitations -----------------------------------------------------------------------------


def create_invitation(
    eng: DuckDBEngine, workspace_id: str, email: str, role: str, invited_by: str | None
) -> str:
    """An invitation to join as ``role``; returns the token for the ``/invite/{token}`` link."""
    email = normalise_email(email)
    checked = _check_role(role)
    token = _new_secret()
    now = _now()
    eng.run(
        "INSERT INTO invitations VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
        [
            _new_id(),
            _digest(token),
            workspace_id,
            email,
            checked,
            invited_by,
            now,
            now + INVITATION_TTL,
        ],
    )
    return token


def invitation_by_token(eng: DuckDBEngine, token: str) -> Invitation | None:
    """The open (unaccepted, unexpired) invitation of ``token``."""
    rows = eng.run(
        "SELECT invitation_id, workspace_id, email, role, expires_at FROM invitations "
        "WHERE token_hash = ? AND accepted_at IS NULL AND expires_at > ?",
        [_digest(token), _now()],
    )
    if not rows:
        return None
    iid, ws, email, role, expires = rows[0]
    return Invitation(iid, ws, email, _check_role(role), expires)


def accept_invitation(eng: DuckDBEngine, inv: Invitation, user: User) -> None:
    """Make ``user`` (whose email must be the invited one) a member with the invited role."""
    if user.email != inv.email:
        raise AccountError(
            f"this invitation is for {inv.email}, you are signed in as {user.email}",
            hint="sign out and open the link again",
        )
    current = role_of(eng, user.user_id, inv.workspace_id)
    if current is None or ROLES.index(current) < ROLES.index(inv.role):
        grant(eng, user.user_id, inv.workspace_id, inv.role)
    eng.run(
        "UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE invitation_id = ?",
        [_now(), user.user_id, inv.invitation_id],
    )


def pending_invitations(eng: DuckDBEngine, workspace_id: str) -> list[Invitation]:
    rows = eng.run(
        "SELECT invitation_id, workspace_id, email, role, expires_at FROM invitations "
        "WHERE workspace_id = ? AND accepted_at IS NULL AND expires_at > ? ORDER BY created_at",
        [workspace_id, _now()],
    )
    return [Invitation(i, w, e, _check_role(r), x) for i, w, e, r, x in rows]


def revoke_invitation(eng: DuckDBEngine, workspace_id: str, invitation_id: str) -> bool:
    rows = eng.run(
        "DELETE FROM invitations WHERE workspace_id = ? AND invitation_id = ? "
        "AND accepted_at IS NULL RETURNING invitation_id",
        [workspace_id, invitation_id],
    )
    return bool(rows)


# -- API tokens ------------------------------------------------------------------------------


def _token_scope(scope: str) -> TokenScope:
    if scope == "read":
        return "read"
    if scope == "write":
        return "write"
    raise AccountError(f"unknown token scope {scope!r}", hint="use read or write")


def create_token(
    eng: DuckDBEngine, workspace_id: str, name: str, scope: str, created_by: str | None
) -> tuple[str, str]:
    """A new API token of the workspace; returns (token id, the token, shown only now)."""
    checked = _token_scope(scope)
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("a token needs a name of 1 to 100 characters", hint="e.g. 'zapier'")
    token_id, token = _new_id(), "sr_" + _new_secret()
    eng.run(
        "INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
        [token_id, _digest(token), workspace_id, name, checked, created_by, _now()],
    )
    return token_id, token


def _api_token(row: tuple[Any, ...]) -> ApiToken:
    tid, ws, name, scope, created, used, revoked = row
    return ApiToken(tid, ws, name, _token_scope(scope), created, used, revoked)


def lookup_token(
    eng: DuckDBEngine,
    token: str,
    *,
    touch_after: dt.timedelta = dt.timedelta(minutes=1),
    lock: AbstractContextManager[Any] = _NO_LOCK,
) -> ApiToken | None:
    """The live (unrevoked) API token ``token``; records its use (at most once a
    ``touch_after``, holding ``lock`` for that write only)."""
    rows = eng.run(
        "SELECT token_id, workspace_id, name, scope, created_at, last_used_at, revoked_at "
        "FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        [_digest(token)],
    )
    if not rows:
        return None
    tok = _api_token(rows[0])
    now = _now()
    if tok.last_used_at is None or now - tok.last_used_at >= touch_after:
        with lock:
            eng.run(
                "UPDATE api_tokens SET last_used_at = ? WHERE token_id = ?", [now, tok.token_id]
            )
    return tok


def list_tokens(eng: DuckDBEngine, workspace_id: str | None = None) -> list[ApiToken]:
    """The API tokens of one workspace (or all), revoked ones included, newest first."""
    rows = eng.run(
        "SELECT token_id, workspace_id, name, scope, created_at, last_used_at, revoked_at "
        "FROM api_tokens WHERE ? IS NULL OR workspace_id = ? ORDER BY created_at DESC",
        [workspace_id, workspace_id],
    )
    return [_api_token(r) for r in rows]


def revoke_token(eng: DuckDBEngine, workspace_id: str | None, token_id: str) -> bool:
    """Revoke a token (of ``workspace_id`` only, unless None); False if there was none."""
    rows = eng.run(
        "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL "
        "AND (? IS NULL OR workspace_id = ?) RETURNING token_id",
        [_now(), token_id, workspace_id, workspace_id],
    )
    return bool(rows)


# -- share links -----------------------------------------------------------------------------


def create_share(
    eng: DuckDBEngine, workspace_id: str, page: str, days: int, created_by: str | None
) -> tuple[str, str]:
    """A read-only link to one page of the workspace for ``days`` days; (share id, token)."""
    if page not in SHARE_PAGES:
        raise AccountError(f"{page!r} cannot be shared", hint=f"pick one of {SHARE_PAGES}")
    if not 1 <= days <= 365:
        raise AccountError(f"a share link lasts 1 to 365 days, not {days}", hint="pick e.g. 30")
    share_id, token = _new_id(), _new_secret()
    now = _now()
    eng.run(
        "INSERT INTO share_links VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        [
            share_id,
            _digest(token),
            workspace_id,
            page,
            created_by,
            now,
            now + dt.timedelta(days=days),
        ],
    )
    return share_id, token


def lookup_share(eng: DuckDBEngine, token: str) -> Share | None:
    """The live (unrevoked, unexpired) share link of ``token``."""
    rows = eng.run(
        "SELECT share_id, workspace_id, page, created_at, expires_at, revoked_at "
        "FROM share_links WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
        [_digest(token), _now()],
    )
    return Share(*rows[0]) if rows else None


def list_shares(eng: DuckDBEngine, workspace_id: str) -> list[Share]:
    rows = eng.run(
        "SELECT share_id, workspace_id, page, created_at, expires_at, revoked_at "
        "FROM share_links WHERE workspace_id = ? ORDER BY created_at DESC",
        [workspace_id],
    )
    return [Share(*r) for r in rows]


def revoke_share(eng: DuckDBEngine, workspace_id: str, share_id: str) -> bool:
    rows = eng.run(
        "UPDATE share_links SET revoked_at = ? WHERE workspace_id = ? AND share_id = ? "
        "AND revoked_at IS NULL RETURNING share_id",
        [_now(), workspace_id, share_id],
    )
    return bool(rows)


# -- login rate limiting ---------------------------------------------------------------------


class RateLimiter:
    """At most ``limit`` failures per key in a sliding ``window_s`` (in memory: one process).

    Keys are emails and client addresses; at most ``max_keys`` are remembered (the oldest
    are forgotten first), so a flood of distinct keys cannot exhaust memory.
    """

    def __init__(self, limit: int, window_s: float, *, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None if it may now."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                return None
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) < self.limit:
                return None
            return max(1, int(hits[0] + self.window_s - now + 0.999))

    def fail(self, key: str) -> None:
        with self._lock:
            if key not in self._hits and len(self._hits) >= self.max_keys:
                del self._hits[next(iter(self._hits))]
            self._hits.setdefault(key, deque()).append(time.monotonic())

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
