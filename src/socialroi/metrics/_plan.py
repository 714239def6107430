"""Query-plan helpers shared by the metric families."""

from __future__ import annotations

import ibis.expr.types as ir

__all__ = ["computed_once"]


def computed_once(table: ir.Table) -> ir.Table:
    """``table`` as a sub-plan computed once per query, not once per use.

    Ibis inlines a relation used twice as two copies of its SQL, except an aggregate, which it
    emits as one CTE (DuckDB materialises such a CTE once). Grouping by every column is an
    aggregate that keeps the rows of a table whose rows are distinct (one per visit, one per
    visitor): cheap next to recomputing the sessions.
    """
    return table.group_by(list(table.columns)).aggregate()
