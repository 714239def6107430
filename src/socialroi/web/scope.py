"""Who is asking, for which workspace: the one door from a route to a workspace's data.

Every dashboard page and API route receives a :class:`Scope` from a dependency of
:mod:`socialroi.web.auth` (``page_scope`` for ``/w/{workspace}/…`` pages, ``api_scope`` for
``/api/v1``). The scope carries the workspace, taken from the session, the API token or the
share link and never from a bare parameter, and the only database handle a route gets, so a
route cannot forget the workspace filter: analysis code receives ``scope.tables()`` or
``(scope.engine, scope.workspace_id)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from socialroi.engine import Engine, Tables, Workspace

__all__ = ["ROLES", "Forbidden", "Role", "Scope", "Via"]

Role = Literal["viewer", "analyst", "admin", "owner"]
#: roles from least to most privileged: each may do what the ones before it may
ROLES: tuple[Role, ...] = ("viewer", "analyst", "admin", "owner")
#: how the request proved who it is ("system": the web process itself, e.g. the result
#: cache's warm-up, never a request)
Via = Literal["session", "token", "share", "system"]


class Forbidden(Exception):
    """The caller may see the workspace but not do this (HTTP 403)."""

    def __init__(self, needed: Role, role: Role) -> None:
        super().__init__(f"this needs the {needed} role; you are {role}")
        self.needed = needed
        self.role = role


@dataclass(frozen=True, slots=True)
class Scope:
    """One request's right to one workspace.

    ``role`` is the member's role; an API token with read scope and a share link act as
    ``viewer``, a token with write scope as ``analyst``. ``user_id`` is None for tokens and
    share links. ``source`` is an engine, or a function giving the calling thread its own
    cursor: FastAPI may run a route on another thread than its dependencies, and a DuckDB
    connection must not be used by two threads at once.
    """

    workspace: Workspace
    role: Role
    via: Via
    source: Engine | Callable[[], Engine]
    user_id: str | None = None

    @property
    def workspace_id(self) -> str:
        return self.workspace.workspace_id

    @property
    def engine(self) -> Engine:
        """The database, through the calling thread's own cursor."""
        return self.source if isinstance(self.source, Engine) else self.source()

    def tables(self) -> Tables:
        """This workspace's canonical tables (already filtered to it)."""
        return self.engine.tables(self.workspace_id)

    def allows(self, needed: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(needed)

    def require(self, needed: Role) -> None:
        """Raise :class:`Forbidden` unless the role is at least ``needed``."""
        if not self.allows(needed):
            raise Forbidden(needed, self.role)
