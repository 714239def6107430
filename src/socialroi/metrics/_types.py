"""Column types the metric unions agree on (a union needs equal types, nullability included)."""

from __future__ import annotations

import ibis.expr.datatypes as dt

__all__ = ["TIMESTAMP"]

#: Nullable microsecond timestamp (UTC, naive), the stored type of every ``*_at`` column.
TIMESTAMP = dt.Timestamp(scale=6, nullable=True)
