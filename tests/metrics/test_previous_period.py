"""A metric beside its previous period (``socialroi.metrics.compare``), hand-computed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
import pytest

from socialroi.engine import DuckDBEngine, Engine
from socialroi.metrics.compare import previous_period, with_previous

SCHEMA = {"network": "string", "leads": "int64", "roi": "float64", "label": "string"}
# now: linkedin 10 leads ROI 0.5; x 4 leads ROI −0.25; unallocated (null) 0 leads, ROI −1
NOW = [("linkedin", 10, 0.5, "a"), ("x", 4, -0.25, "b"), (None, 0, -1.0, "c")]
# before: linkedin 8 leads ROI −0.5; facebook 3 leads ROI 1.0 (gone now); unallocated 0, −1
BEFORE = [("linkedin", 8, -0.5, "a0"), ("facebook", 3, 1.0, "f"), (None, 0, -1.0, "c0")]


def _table(rows: list[tuple[Any, ...]]) -> ibis.Table:
    return ibis.memtable(rows, schema=SCHEMA)


def _compare(eng: Engine) -> dict[Any, dict[str, Any]]:
    t = with_previous(_table(NOW), _table(BEFORE), ["network"], additive=["leads"])
    return {r["network"]: r for r in eng.execute(t).to_pylist()}


def test_previous_period() -> None:
    # 31 days of March → the 31 days ending 02-28: 01-29..02-28
    assert previous_period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)) == (
        dt.date(2025, 1, 29), dt.date(2025, 2, 28))  # fmt: skip
    # one day → the day before
    assert previous_period(dt.date(2025, 3, 1), dt.date(2025, 3, 1)) == (
        dt.date(2025, 2, 28), dt.date(2025, 2, 28))  # fmt: skip


def test_with_previous_hand_computed(duck: DuckDBEngine) -> None:
    rows = _compare(duck)
    assert set(rows) == {"linkedin", "x", "facebook", None}
    li = rows["linkedin"]
    # leads (10 − 8) / 8 = 0.25; ROI (0.5 − (−0.5)) / |−0.5| = 2.0
    assert (li["leads"], li["leads_previous"], li["leads_change"]) == (10, 8, 0.25)
    assert (li["roi"], li["roi_previous"], li["roi_change"]) == (0.5, -0.5, 2.0)
    assert li["label"] == "a"  # a label comes from the current period
    x = rows["x"]  # no row before: additive leads count 0 before, ROI unknown (null)
    assert (x["leads_previous"], x["leads_change"]) == (0, None)
    assert (x["roi_previous"], x["roi_change"]) == (None, None)
    fb = rows["facebook"]  # no row now: leads 0 now, (0 − 3) / 3 = −1.0; label from before
    assert (fb["leads"], fb["leads_change"], fb["roi"], fb["label"]) == (0, -1.0, None, "f")
    none = rows[None]  # the null key matches the null key; 0 → 0 is no change measurable
    assert (none["leads"], none["leads_previous"], none["leads_change"]) == (0, 0, None)
    assert none["roi_change"] == pytest.approx(0.0)  # (−1 − (−1)) / 1


def test_one_row_metrics_join_as_they_are(duck: DuckDBEngine) -> None:
    now = ibis.memtable({"inbound": [4], "rate": [0.75]})
    before = ibis.memtable({"inbound": [2], "rate": [0.5]})
    row = duck.execute(with_previous(now, before, [], additive=["inbound"])).to_pylist()[0]
    # inbound (4 − 2) / 2 = 1.0; rate (0.75 − 0.5) / 0.5 = 0.5
    assert row == {"inbound": 4, "inbound_previous": 2, "inbound_change": 1.0, "rate": 0.75,
                   "rate_previous": 0.5, "rate_change": 0.5}  # fmt: skip


def test_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    same_on_both(duck, lambda eng: sorted(_compare(eng).items(), key=lambda kv: str(kv[0])))
