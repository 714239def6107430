"""The canonical entities of the data contract: one source for import, docs and tests."""

from __future__ import annotations

from socialroi.schema.entities import (
    ENTITIES,
    IMPORT_ORDER,
    MONEY_COLUMNS,
    NETWORK_ALIASES,
    NETWORKS,
    SOCIAL_NETWORKS,
    Column,
    ColumnType,
    Entity,
    entity,
)

__all__ = [
    "ENTITIES",
    "IMPORT_ORDER",
    "MONEY_COLUMNS",
    "NETWORK_ALIASES",
    "NETWORKS",
    "SOCIAL_NETWORKS",
    "Column",
    "ColumnType",
    "Entity",
    "entity",
]
