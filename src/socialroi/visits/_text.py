"""String helpers that behave the same on DuckDB and Spark."""

from __future__ import annotations

import ibis.expr.types as ir

__all__ = ["trim"]


def trim(value: ir.StringValue) -> ir.StringValue:
    """``value`` without leading and trailing whitespace.

    Not ``StringValue.strip()``: ibis 12 compiles it for PySpark as
    ``TRIM(' \\t\\n\\r\\v\\f' FROM x)`` and Spark reads ``\\v``/``\\f`` in that literal as the
    letters ``v`` and ``f``, so ``'facebook'`` became ``'acebook'`` (measured).
    """
    return value.re_replace(r"^\s+", "").re_replace(r"\s+$", "")
