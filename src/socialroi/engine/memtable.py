"""In-memory tables for Ibis expressions, built from Arrow without pandas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
from ibis import util
from ibis.formats.pyarrow import PyArrowSchema, PyArrowTableProxy

__all__ = ["memtable"]


def memtable(
    data: pa.Table | Mapping[str, Sequence[Any]], schema: Mapping[str, str] | None = None
) -> ir.Table:
    """``ibis.memtable`` of an Arrow table, or of columns given as lists typed by ``schema``
    (ibis type names; required then).

    The same operation as ``ibis.memtable`` (an ``InMemoryTable`` that each engine registers
    when a query uses it), built directly: ``ibis.memtable`` dispatches on the data's type,
    and its first dispatch on an Arrow table imports ``pyarrow.dataset`` and with it pandas,
    while a dict of lists goes through a pandas DataFrame — 0.3-0.5 s of a process that
    otherwise never needs pandas (every CLI command, every benchmark step).

    Tested by ``tests/engine/test_memtable.py``.
    """
    if not isinstance(data, pa.Table):
        if schema is None:
            raise TypeError("memtable of plain columns needs their schema")
        arrow_schema = ibis.schema(dict(schema)).to_pyarrow()
        data = pa.table({k: pa.array(v, arrow_schema.field(k).type) for k, v in data.items()})
    return ops.InMemoryTable(
        name=util.gen_name("pyarrow_memtable"),
        schema=PyArrowSchema.to_ibis(data.schema),
        data=PyArrowTableProxy(data),
    ).to_expr()
