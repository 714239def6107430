"""``socialroi.engine.memtable``: Ibis in-memory tables from Arrow, without pandas."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pytest

from socialroi.engine import DuckDBEngine, memtable


def test_memtable_from_arrow_and_from_typed_columns(duck: DuckDBEngine) -> None:
    t = memtable(pa.table({"k": ["a", "b", None], "n": [1, 2, 3]}))
    assert duck.execute(t.order_by("n")).to_pylist() == [
        {"k": "a", "n": 1}, {"k": "b", "n": 2}, {"k": None, "n": 3},
    ]  # fmt: skip
    schema = {"flag": "boolean", "x": "int64"}
    cols = memtable({"flag": [False, True], "x": [1, None]}, schema=schema)
    assert dict(cols.schema().items()) == dict(
        memtable(pa.table({"flag": pa.array([], pa.bool_()), "x": pa.array([], pa.int64())}))
        .schema()
        .items()
    )
    assert duck.execute(cols.filter(cols.flag)).to_pylist() == [{"flag": True, "x": None}]
    with pytest.raises(TypeError, match="schema"):
        memtable({"x": [1]})


def test_a_query_with_a_memtable_does_not_import_pandas() -> None:
    """ibis.memtable and ibis's DuckDB result mapping import pandas (0.3-0.5 s per process);
    the engine and memtable do not."""
    # (the Arrow data comes from the engine: pyarrow imports pandas to convert Python values)
    code = (
        "import sys, traceback\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pandas':\n"
        "            traceback.print_stack(file=sys.stderr)\n"
        "sys.meta_path.insert(0, Watch())\n"
        "import ibis, pyarrow as pa\n"
        "from socialroi.engine import DuckDBEngine, memtable\n"
        "eng = DuckDBEngine(':memory:')\n"
        "one = eng.execute(ibis.literal(21, type='int64').name('a').as_table())\n"
        "t = memtable(pa.concat_tables([one, one]))\n"
        "assert eng.execute(t.aggregate(s=t.a.sum())).to_pylist() == [{'s': 42}]\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr  # the stack that imported pandas
