"""Per-workspace collector settings: the Origin allowlist and the website goals."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError

__all__ = [
    "Goal",
    "add_goal",
    "add_origin",
    "goals",
    "normalise_origin",
    "origins",
    "remove_origin",
]


@dataclass(frozen=True, slots=True)
class Goal:
    """A goal: events named ``event``, or pageviews whose path matches ``url_pattern`` (a glob
    such as ``/thank-you*``), optionally worth ``value`` and counting as a lead."""

    name: str
    event: str | None
    url_pattern: str | None
    value: float | None
    is_lead: bool


def normalise_origin(origin: str) -> str:
    """``scheme://host[:port]`` lower-cased, as browsers send it in the Origin header."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(
            f"{origin!r} is not an origin",
            hint="give scheme and host, e.g. https://www.example.com",
        )
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def add_origin(eng: DuckDBEngine, workspace_id: str, origin: str) -> str:
    """Allow pages on ``origin`` to send events to the workspace."""
    eng.workspace(workspace_id)
    value = normalise_origin(origin)
    with eng.transaction():
        eng.run(
            "DELETE FROM tracking_origins WHERE workspace_id = ? AND origin = ?",
            [workspace_id, value],
        )
        eng.run("INSERT INTO tracking_origins VALUES (?, ?)", [workspace_id, value])
    return value


def remove_origin(eng: DuckDBEngine, workspace_id: str, origin: str) -> bool:
    """Stop accepting events from ``origin``; False when it was not allowed."""
    value = normalise_origin(origin)
    with eng.transaction():
        rows = eng.run(
            "DELETE FROM tracking_origins WHERE workspace_id = ? AND origin = ? RETURNING 1",
            [workspace_id, value],
        )
    return bool(rows)


def origins(eng: DuckDBEngine) -> dict[str, frozenset[str]]:
    """Allowed origins per workspace."""
    out: dict[str, set[str]] = {}
    for ws, origin in eng.run("SELECT workspace_id, origin FROM tracking_origins"):
        out.setdefault(ws, set()).add(origin)
    return {k: frozenset(v) for k, v in out.items()}


def add_goal(
    eng: DuckDBEngine,
    workspace_id: str,
    name: str,
    *,
    event: str | None = None,
    url_pattern: str | None = None,
    value: float | None = None,
    is_lead: bool = False,
) -> Goal:
    """Declare (or replace) the goal ``name``: exactly one of ``event`` and ``url_pattern``."""
    eng.workspace(workspace_id)
    if (event is None) == (url_pattern is None):
        raise ConfigError(
            f"goal {name!r} needs either an event name or a URL pattern",
            hint="pass --event signup or --url-pattern '/thank-you*'",
        )
    if url_pattern is not None and not url_pattern.startswith(("/", "*")):
        raise ConfigError(
            f"URL pattern {url_pattern!r} must start with / or *", hint="e.g. /thanks*"
        )
    goal = Goal(name, event, url_pattern, value, is_lead)
    with eng.transaction():
        eng.run(
            "DELETE FROM tracking_goals WHERE workspace_id = ? AND name = ?", [workspace_id, name]
        )
        eng.run(
            "INSERT INTO tracking_goals VALUES (?, ?, ?, ?, ?, ?)",
            [workspace_id, name, event, url_pattern, value, is_lead],
        )
    return goal


def goals(eng: DuckDBEngine, workspace_id: str) -> list[Goal]:
    rows = eng.run(
        "SELECT name, event, url_pattern, value, is_lead FROM tracking_goals "
        "WHERE workspace_id = ? ORDER BY name",
        [workspace_id],
    )
    return [Goal(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]
