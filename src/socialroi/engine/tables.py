"""Ibis tables scoped to one workspace: the only thing analysis code receives.

``Tables`` has one attribute per canonical entity (``tables.web_events`` …), each already
filtered to ``workspace_id``, plus the workspace's settings. Analysis code never sees an
unscoped table, so no metric can forget the workspace filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import ibis.expr.types as ir

__all__ = ["Tables", "Workspace"]


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

    @staticmethod
    def entity_names() -> tuple[str, ...]:
        """Names of the table attributes, in declaration order."""
        return tuple(f.name for f in fields(Tables) if f.name not in ("workspace", "derived"))
