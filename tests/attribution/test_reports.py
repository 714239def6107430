"""Path reports (``socialroi.attribution.reports``): specs/attribution.md Examples 2 and 4."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis.expr.types as ir
import pytest
from test_heuristics import Path, journey_rows

from socialroi.attribution import (
    assisted_conversions,
    channel_sets,
    path_counts,
    path_length_distribution,
    time_lag_distribution,
    top_paths,
    transitions,
)
from socialroi.attribution.reports import top_converting_paths
from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError


def null_rows(paths: Sequence[tuple[str, Sequence[str]]]) -> ir.Table:
    """Null journeys from (journey_id, [credit_key, ...]) in time order."""
    conv = journey_rows([(jid, 0.0, [(k, float(len(keys) - i)) for i, k in enumerate(keys)])
                         for jid, keys in paths])  # fmt: skip
    return conv.select(
        journey_id=conv.conversion_id, person_id=conv.person_id,
        ended_at=conv.converted_at, **{c: conv[c] for c in conv.columns[4:]},
    )  # fmt: skip


def _simple(paths: Sequence[Sequence[str]], values: Sequence[float] | None = None) -> list[Path]:
    vals = values or [1.0] * len(paths)
    return [(f"c{i}", v, [(k, float(len(p) - j)) for j, k in enumerate(p)])
            for i, (p, v) in enumerate(zip(paths, vals, strict=True))]  # fmt: skip


def _rows(duck: DuckDBEngine, table: ir.Table, key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in duck.execute(table).to_pylist()}


def test_example_4(duck: DuckDBEngine) -> None:
    j = journey_rows(_simple([["Social", "Search", "Email"], ["Search", "Social"], ["Social"],
                              ["Email", "Email"]], [10.0, 20.0, 30.0, 40.0]))  # fmt: skip
    got = _rows(duck, assisted_conversions(j), "credit_key")
    summary = {k: (r["assisted_conversions"], r["last_conversions"], r["first_conversions"],
                   r["assisted_ratio"]) for k, r in got.items()}  # fmt: skip
    assert summary == {
        "Search": (2, 0, 1, None),
        "Social": (1, 2, 2, 0.5),
        "Email": (1, 2, 1, 0.5),
    }
    # values: Social assists path 1 (10), closes paths 2 and 3 (20 + 30), opens 1 and 3
    assert (got["Social"]["assisted_value"], got["Social"]["last_value"],
            got["Social"]["first_value"]) == (10.0, 50.0, 40.0)  # fmt: skip
    assert got["Email"]["assisted_value"] == 40.0  # counted once for Email > Email


def test_path_counts_and_transitions(duck: DuckDBEngine) -> None:
    # Example 2: P1 Facebook > Search → conv; P2 Facebook → null; P3 Search > Email → conv;
    # P4 Email → null; plus a loop Facebook > Facebook > Search → conv (value 5)
    j = journey_rows(_simple([["Facebook", "Search"], ["Search", "Email"],
                              ["Facebook", "Facebook", "Search"]], [1.0, 2.0, 5.0]))  # fmt: skip
    nj = null_rows([("n1", ["Facebook"]), ("n2", ["Email"]), ("n3", ["Facebook", "Search"])])
    got = _rows(duck, path_counts(j, nj), "path")
    assert {p: (r["conversions"], r["value"], r["nulls"]) for p, r in got.items()} == {
        "Facebook > Search": (1, 1.0, 1),
        "Search > Email": (1, 2.0, 0),
        "Facebook > Facebook > Search": (1, 5.0, 0),
        "Facebook": (0, 0.0, 1),
        "Email": (0, 0.0, 1),
    }
    moves = duck.execute(transitions(j, nj)).to_pylist()
    assert {(r["from_state"], r["to_state"]): (r["count"], r["value"]) for r in moves} == {
        ("(start)", "Facebook"): (4, 6.0),
        ("(start)", "Search"): (1, 2.0),
        ("(start)", "Email"): (1, 0.0),
        ("Facebook", "Search"): (3, 6.0),
        ("Facebook", "(null)"): (1, 0.0),
        ("Search", "(conversion)"): (2, 6.0),
        ("Search", "(null)"): (1, 0.0),
        ("Search", "Email"): (1, 2.0),
        ("Email", "(conversion)"): (1, 2.0),
        ("Email", "(null)"): (1, 0.0),
    }
    raw = duck.execute(transitions(j, collapse_repeats=False)).to_pylist()
    raw_moves = {(r["from_state"], r["to_state"]): r["count"] for r in raw}
    assert raw_moves[("Facebook", "Facebook")] == 1
    assert "(null)" not in {r["to_state"] for r in raw}
    assert sum(r["count"] for r in raw if r["from_state"] == "(start)") == 3


def test_top_paths(duck: DuckDBEngine) -> None:
    j = journey_rows(_simple([["A", "B"], ["A", "B"], ["B", "A"], ["C"], ["A", "B"]],
                             [1.0, 2.0, 3.0, 4.0, 5.0]))  # fmt: skip
    nj = null_rows([("n1", ["A", "B"]), ("n2", ["C"]), ("n3", ["C"]), ("n4", ["C", "A"])])
    rows = duck.execute(top_paths(j, nj, limit=2)).to_pylist()
    assert rows == [
        {"path": "A > B", "conversions": 3, "value": 8.0, "nulls": 1, "conversion_rate": 0.75},
        {"path": "C", "conversions": 1, "value": 4.0, "nulls": 2,
         "conversion_rate": pytest.approx(1 / 3)},
    ]  # fmt: skip
    without_nulls = duck.execute(top_paths(j)).to_pylist()
    assert [r["path"] for r in without_nulls] == ["A > B", "C", "B > A"]
    assert {r["conversion_rate"] for r in without_nulls} == {None}
    with pytest.raises(ConfigError, match="limit"):
        top_paths(j, limit=0)


def test_top_converting_paths_break_ties_by_path(duck: DuckDBEngine) -> None:
    """Equal conversions and value at the limit: the path text decides, whichever ties the
    limit cuts through (only paths ranked within the limit become text)."""
    paths = [["D"], ["D"], ["C", "A"], ["B"], ["A", "C"], ["E"]]
    j = journey_rows(_simple(paths, [2.0, 2.0, 2.0, 2.0, 2.0, 1.0]))
    # D: 2 conversions, 4.0; then "A > C", "B", "C > A" all 1 conversion, 2.0; then E (1.0)
    got = [(r["path"], r["conversions"], r["value"])
           for r in duck.execute(top_converting_paths(j, limit=3)).to_pylist()]  # fmt: skip
    assert got == [("D", 2, 4.0), ("A > C", 1, 2.0), ("B", 1, 2.0)]
    got = [r["path"] for r in duck.execute(top_converting_paths(j, limit=2)).to_pylist()]
    assert got == ["D", "A > C"]
    got = [r["path"] for r in duck.execute(top_converting_paths(j, limit=6)).to_pylist()]
    assert got == ["D", "A > C", "B", "C > A", "E"]


def test_distributions(duck: DuckDBEngine) -> None:
    # (days before conversion of each touch): first touches 0.5, 1, 3.9, 8, 40, 100 days back
    j = journey_rows([
        ("a", 1.0, [("A", 0.5)]),
        ("b", 2.0, [("A", 1.0), ("B", 0.2)]),
        ("c", 3.0, [("A", 3.9), ("B", 2.0)]),
        ("d", 4.0, [("A", 8.0), ("B", 7.0), ("C", 0.0)]),
        ("e", 5.0, [("A", 40.0)]),
        ("f", 6.0, [("A", 100.0)]),
    ])  # fmt: skip
    lengths = duck.execute(path_length_distribution(j).order_by("path_length")).to_pylist()
    assert [(r["path_length"], r["conversions"], r["value"]) for r in lengths] == [
        (1, 3, 12.0), (2, 2, 5.0), (3, 1, 4.0)
    ]  # fmt: skip
    lags = duck.execute(time_lag_distribution(j).order_by("bucket_order")).to_pylist()
    assert [(r["bucket"], r["bucket_order"], r["conversions"], r["value"]) for r in lags] == [
        ("0", 0, 1, 1.0), ("1", 1, 1, 2.0), ("2-3", 2, 1, 3.0), ("8-14", 4, 1, 4.0),
        ("31-60", 6, 1, 5.0), ("91+", 8, 1, 6.0),
    ]  # fmt: skip


def test_paths_from_many_journeys_are_exact(duck: DuckDBEngine) -> None:
    """Every distinct path of a few hundred journeys comes back exactly once."""
    import itertools

    keys = ["A", "B", "C", "Direct"]
    paths = [list(p) for n in (1, 2, 3, 4) for p in itertools.product(keys, repeat=n)]
    j = journey_rows(_simple(paths))
    got = duck.execute(path_counts(j)).to_pylist()
    assert sorted(r["path"] for r in got) == sorted(" > ".join(p) for p in paths)
    assert {r["conversions"] for r in got} == {1}


def test_channel_sets(duck: DuckDBEngine) -> None:
    # A > B, B > A, A > B > A share the set {A, B} (values 1 + 2 + 3 = 6); A alone (4); the
    # set's text is its keys sorted: order and repeats do not matter (Shapley's R(S))
    j = journey_rows(_simple([["A", "B"], ["B", "A"], ["A", "B", "A"], ["A"]],
                             [1.0, 2.0, 3.0, 4.0]))  # fmt: skip
    rows = _rows(duck, channel_sets(j), "channels")
    assert {k: (r["conversions"], r["value"]) for k, r in rows.items()} == {
        "A > B": (3, 6.0), "A": (1, 4.0)
    }  # fmt: skip
