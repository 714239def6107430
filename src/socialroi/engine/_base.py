"""What every engine offers the analysis code: scoped Ibis tables and execution."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from socialroi.engine.tables import Shared, Tables, Workspace
from socialroi.errors import WorkspaceNotFound

__all__ = ["Engine"]


class Engine(abc.ABC):
    """An open engine. ``tables(workspace_id)`` is the only way analysis code reaches data."""

    name: str
    #: The ``Tables`` of the run in progress (:meth:`shared`), if any. A class attribute, so
    #: that engines made without ``__init__`` (DuckDB cursors) start outside a run too.
    _run: Tables | None = None

    @property
    @abc.abstractmethod
    def backend(self) -> ibis.BaseBackend:
        """The Ibis backend (for building literal tables; never for unscoped reads)."""

    @abc.abstractmethod
    def _table(self, name: str) -> ir.Table:
        """The unscoped table ``name``; private so that only ``tables`` hands tables out."""

    @abc.abstractmethod
    def execute(self, expr: ir.Expr) -> pa.Table:
        """Run an Ibis expression and return its (small) result as Arrow."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the engine."""

    def workspaces(self) -> list[Workspace]:
        """Every workspace, ordered by id."""
        rows = self.execute(self._table("workspaces").order_by("workspace_id")).to_pylist()
        return [_workspace(r) for r in rows]

    def workspace(self, workspace_id: str) -> Workspace:
        """The settings of ``workspace_id``; raises ``WorkspaceNotFound``."""
        t = self._table("workspaces")
        rows = self.execute(t.filter(t.workspace_id == workspace_id)).to_pylist()
        if not rows:
            known = ", ".join(w.workspace_id for w in self.workspaces()) or "none yet"
            raise WorkspaceNotFound(
                f"no workspace {workspace_id!r} in this database (known: {known})",
                hint="pick one with --workspace, or create it with `socialroi init --workspace ID`",
            )
        return _workspace(rows[0])

    def tables(self, workspace_id: str) -> Tables:
        """Every canonical table, filtered to ``workspace_id`` (the one scoping point).

        Inside :meth:`shared` for the same workspace: that run's ``Tables``."""
        run = self._run
        if run is not None and run.workspace.workspace_id == workspace_id:
            return run
        ws = self.workspace(workspace_id)
        scoped: dict[str, Any] = {}
        for name in Tables.entity_names():
            t = self._table(name)
            scoped[name] = t.filter(t.workspace_id == ws.workspace_id)
        return Tables(workspace=ws, derived=self._derived_tables(ws.workspace_id), **scoped)

    @contextmanager
    def shared(self, workspace_id: str) -> Iterator[Tables]:
        """One analysis run over ``workspace_id`` (a summary, a report) that computes what its
        parts share only once.

        Inside the block every ``tables(workspace_id)`` returns the same ``Tables`` (the
        workspace and the freshness of its derived tables are checked once), whose
        ``shared.get`` materialises a sub-plan several parts read (touchpoints, visitor
        contacts, conversions …) into a temporary table of this engine at its first use
        (:class:`~socialroi.engine.tables.Shared`). The temporary tables are dropped when the
        block ends. Nested blocks for the same workspace join the outer run. The data must not
        change during the run: it reads one state of the workspace.
        """
        outer = self._run
        if outer is not None and outer.workspace.workspace_id == workspace_id:
            yield outer
            return
        t = dataclasses.replace(self.tables(workspace_id), shared=Shared(self._materialise))
        self._run = t
        try:
            yield t
        finally:
            self._run = outer
            t.shared.release()

    def _materialise(self, table: ir.Table) -> ir.Table:
        """``table`` computed into a temporary table (``Table.cache`` on this engine's own
        backend: Ibis would cache a table built from in-memory data in its default backend);
        ``.release()`` drops it."""
        cached: ir.Table = self.backend._cached_table(table)  # noqa: SLF001 - Table.cache's hook
        return cached

    def _derived_tables(self, workspace_id: str) -> dict[str, ir.Table]:
        """The workspace's derived tables that are fresh (none unless the engine stores them)."""
        return {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _workspace(row: dict[str, Any]) -> Workspace:
    return Workspace(
        workspace_id=row["workspace_id"],
        name=row["name"],
        brand=row["brand"],
        currency=row["currency"],
        timezone=row["timezone"],
    )
