"""Deep equality of results computed two ways (two engines, two plans): floats to a relative
tolerance, everything else exactly; None only equals None."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["assert_same"]


def assert_same(a: Any, b: Any, path: str = "result", *, rel: float = 1e-9) -> None:
    """``a`` and ``b`` equal through their dicts, lists and tuples, floats to ``rel``
    (relative, and as much absolute near 0: engines sum in any order); ``path`` names the
    first difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{path}: keys differ: {sorted(set(a) ^ set(b))}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}", rel=rel)
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{path}: lengths differ {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]", rel=rel)
    elif isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, f"{path}: {a!r} != {b!r}"
        assert math.isclose(float(a), float(b), rel_tol=rel, abs_tol=rel), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"
