"""Ibis tables scoped to one workspace: the only thing analysis code receives.

``Tables`` has one attribute per canonical entity (``tables.web_events`` …), each already
filtered to ``workspace_id``, plus the workspace's settings. Analysis code never sees an
unscoped table, so no metric can forget the workspace filter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields

import ibis.expr.types as ir

__all__ = ["Shared", "Tables", "Workspace"]


class Shared:
    """Sub-plans that several analyses of one run read, each computed at most once.

    Analysis code asks for a sub-plan by a key naming it and everything it depends on
    (``t.shared.get("touchpoints", build)``). Inside ``Engine.shared`` the first request
    materialises ``build()`` into a temporary table of the engine and every later one reads that
    table, so each query that uses it is small to compile and does not recompute it; the tables
    are dropped when the run ends. Outside a run ``get`` returns ``build()``: the sub-plan is
    inlined in every query, as before.
    """

    __slots__ = ("_materialise", "_tables")

    def __init__(self, materialise: Callable[[ir.Table], ir.Table] | None = None) -> None:
        self._materialise = materialise
        self._tables: dict[str, ir.Table] = {}

    def get(self, key: str, build: Callable[[], ir.Table]) -> ir.Table:
        """The sub-plan ``key``: its temporary table in a run, else ``build()`` itself."""
        if self._materialise is None:
            return build()
        if key not in self._tables:
            self._tables[key] = self._materialise(build())
        return self._tables[key]

    def release(self) -> None:
        """Drop the run's temporary tables (``Engine.shared`` does it when the run ends)."""
        tables, self._tables = self._tables, {}
        for table in tables.values():
            release = getattr(table, "release", None)
            if release is not None:
                release()


@dataclass(frozen=True, slots=True)
class Workspace:
    """A workspace's settings: base currency (ISO 4217) and time zone (IANA name)."""

    workspace_id: str
    name: str
    brand: str | None
    currency: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Tables:
    """The canonical entities of one workspace as Ibis tables (grain: the entity's own rows)."""

    workspace: Workspace
    fx_rates: ir.Table
    profiles: ir.Table
    profile_metrics: ir.Table
    posts: ir.Table
    post_metrics: ir.Table
    links: ir.Table
    clicks: ir.Table
    web_events: ir.Table
    contacts: ir.Table
    deals: ir.Table
    messages: ir.Table
    order_items: ir.Table
    mentions: ir.Table
    costs: ir.Table
    staff_hours: ir.Table
    goals: ir.Table
    #: Fresh derived tables of the workspace by name (``sessions``, ``daily`` …): stored results
    #: whose sources have not changed since they were built (:mod:`socialroi.aggregates`);
    #: empty when the engine stores none, and analysis code then computes from the entities.
    derived: Mapping[str, ir.Table] = field(default_factory=dict)
    #: Sub-plans computed once per run (:class:`Shared`); outside ``Engine.shared`` every
    #: request builds the plan again.
    shared: Shared = field(default_factory=Shared, compare=False)

    @staticmethod
    def entity_names() -> tuple[str, ...]:
        """Names of the table attributes, in declaration order."""
        return tuple(
            f.name for f in fields(Tables) if f.name not in ("workspace", "derived", "shared")
        )
