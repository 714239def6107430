"""Exact Shapley attribution (``socialroi.attribution.shapley``) against attribution.md §4.

Hand-computed: Example 3 (simplified form, classic form with v(S) = Σ_{T⊆S} R(T), a generic v,
ordered Shapley). Hypothesis: the simplified form equals the classic one, conservation,
ordered credit sums to φ, channel renaming, a channel on no converting journey.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialroi.attribution.markov import PathTable
from socialroi.attribution.shapley import (
    MAX_PLAYERS,
    ShapleyCredit,
    channel_set_totals,
    ordered_shapley,
    shapley_attribution,
    shapley_from_channel_sets,
    shapley_from_value_function,
)
from socialroi.errors import ConfigError

TOL = 1e-9


def approx(x: float) -> object:
    return pytest.approx(x, abs=TOL, rel=TOL)


def fs(*names: str) -> frozenset[str]:
    return frozenset(names)


# Example 3: R: {A}=10, {B}=20, {C}=5, {A,B}=30, {A,C}=6, {B,C}=9, {A,B,C}=12 (92 conversions);
# one row per set with a path in some order; value = 10 × conversions; nulls must not matter.
EXAMPLE_3 = PathTable.from_lists(
    ["A", "B", "C", "A > B", "C > A > C", "B > C", "C > B > A"],
    conversions=[10, 20, 5, 30, 6, 9, 12],
    values=[100, 200, 50, 300, 60, 90, 120],
    nulls=[7, 0, 3, 1, 0, 0, 9],
)
R_3 = {fs("A"): 10, fs("B"): 20, fs("C"): 5, fs("A", "B"): 30, fs("A", "C"): 6,
       fs("B", "C"): 9, fs("A", "B", "C"): 12}  # fmt: skip
V_3 = {fs("A"): 10, fs("B"): 20, fs("C"): 5, fs("A", "B"): 60, fs("A", "C"): 21,
       fs("B", "C"): 34, fs("A", "B", "C"): 92}  # fmt: skip


def test_example_3_simplified() -> None:
    # φ_A = 10 + 30/2 + 6/2 + 12/3 = 32; φ_B = 20 + 15 + 4.5 + 4 = 43.5; φ_C = 5 + 3 + 4.5 + 4
    # = 16.5; sum 92. Value is 10 × conversions throughout.
    credit = shapley_attribution(EXAMPLE_3)
    assert credit == {
        "A": ShapleyCredit(approx(32.0), approx(320.0)),  # type: ignore[arg-type]
        "B": ShapleyCredit(approx(43.5), approx(435.0)),  # type: ignore[arg-type]
        "C": ShapleyCredit(approx(16.5), approx(165.0)),  # type: ignore[arg-type]
    }
    assert {s: c.conversions for s, c in channel_set_totals(EXAMPLE_3).items()} == R_3


def test_example_3_classic() -> None:
    # φ_A = ⅓·10 + ⅙·(60−20) + ⅙·(21−5) + ⅓·(92−34) = 32
    phi = shapley_from_value_function(V_3, ["A", "B", "C"])
    assert phi == {"A": approx(32.0), "B": approx(43.5), "C": approx(16.5)}


def test_example_3_generic_value_function() -> None:
    v = {fs("A"): 0.10, fs("B"): 0.20, fs("C"): 0.05, fs("A", "B"): 0.35, fs("A", "C"): 0.18,
         fs("B", "C"): 0.30, fs("A", "B", "C"): 0.45}  # fmt: skip
    phi = shapley_from_value_function(v, ["A", "B", "C"])
    assert phi == {"A": approx(0.13), "B": approx(0.24), "C": approx(0.08)}
    assert math.fsum(phi.values()) == approx(0.45)


def test_example_3_ordered() -> None:
    # A > B ×20, B > A ×10, A > B > A ×6 (all set {A,B}):
    # φ_A^1 = 20/2 + 6/2/2 = 11.5, φ_A^2 = 10/2 = 5, φ_A^3 = 6/2/2 = 1.5;
    # φ_B^1 = 10/2 = 5, φ_B^2 = 20/2 + 6/2 = 13; φ_A = 18 = 36/2.
    t = PathTable.from_lists(["A > B", "B > A", "A > B > A"], [20, 10, 6], [40, 20, 12])
    ordered = ordered_shapley(t)
    assert {c: {j: x.conversions for j, x in by.items()} for c, by in ordered.items()} == {
        "A": {1: approx(11.5), 2: approx(5.0), 3: approx(1.5)},
        "B": {1: approx(5.0), 2: approx(13.0)},
    }
    assert ordered["B"][2].value == approx(26.0)
    assert shapley_attribution(t)["A"] == ShapleyCredit(approx(18.0), approx(36.0))  # type: ignore[arg-type]


def test_repeats_and_order_do_not_change_shapley() -> None:
    a = shapley_attribution(PathTable.from_lists(["A > B > A > A"], [3]))
    b = shapley_attribution(PathTable.from_lists([("B", "A")], [3]))
    assert a == b == {"A": ShapleyCredit(1.5, 0.0), "B": ShapleyCredit(1.5, 0.0)}


def test_channel_only_on_non_converting_journeys_gets_zero() -> None:
    t = PathTable.from_lists(["A", "B > A"], [2, 0], nulls=[0, 5])
    assert shapley_attribution(t) == {"A": ShapleyCredit(2.0, 0.0), "B": ShapleyCredit(0.0, 0.0)}
    assert ordered_shapley(t) == {"A": {1: ShapleyCredit(2.0, 0.0)}, "B": {}}


def test_pyarrow_input() -> None:
    t = pa.table(
        {
            "path": ["A", "B", "C", "A > B", "C > A > C", "B > C", "C > B > A"],
            "conversions": [10.0, 20, 5, 30, 6, 9, 12],
            "value": [100.0, 200, 50, 300, 60, 90, 120],
        }
    )
    assert shapley_attribution(t) == shapley_attribution(EXAMPLE_3)


def test_from_channel_sets_is_what_the_engine_can_send() -> None:
    totals = {s: (float(r), 10.0 * r) for s, r in R_3.items()}
    assert shapley_from_channel_sets(totals, ["Z"]) == {**shapley_attribution(EXAMPLE_3),
                                                        "Z": ShapleyCredit(0.0, 0.0)}  # fmt: skip


def test_edge_cases() -> None:
    assert shapley_attribution(PathTable.from_lists([], [])) == {}
    assert shapley_from_value_function({}, []) == {}
    assert shapley_from_value_function({fs("A"): 3.0}, ["A"]) == {"A": 3.0}
    with pytest.raises(ConfigError, match="empty"):
        shapley_from_channel_sets({frozenset(): (1.0, 0.0)})
    with pytest.raises(ConfigError, match="too many"):
        shapley_from_value_function({}, [f"c{i}" for i in range(MAX_PLAYERS + 1)])


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

CHANNELS = ["A", "B", "C", "D", "E"]


@st.composite
def path_tables(draw: st.DrawFn, channels: list[str] = CHANNELS) -> PathTable:
    """1–8 rows; paths of 1–5 touches over ≤ 5 channels; conversions 0–9, nulls 0–3, value =
    conversions × a price."""
    rows = draw(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(channels), min_size=1, max_size=5).map(tuple),
                st.integers(0, 9),
                st.integers(1, 100),
                st.integers(0, 3),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return PathTable.from_lists(
        [p for p, *_ in rows],
        [float(c) for _p, c, _v, _n in rows],
        [float(c * v) for _p, c, v, _n in rows],
        [float(n) for *_, n in rows],
    )


def coalition_values(r: Mapping[frozenset[str], float], players: list[str]) -> dict:  # type: ignore[type-arg]
    """v(S) = Σ_{T⊆S} R(T) for every S ⊆ players."""
    return {
        frozenset(s): math.fsum(x for t, x in r.items() if t <= frozenset(s))
        for k in range(len(players) + 1)
        for s in itertools.combinations(players, k)
    }


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(path_tables())
def test_simplified_equals_classic(t: PathTable) -> None:
    players = list(t.channels)
    totals = channel_set_totals(t)
    simplified = shapley_attribution(t)
    for field in ("conversions", "value"):
        r = {s: getattr(x, field) for s, x in totals.items()}
        classic = shapley_from_value_function(coalition_values(r, players), players)
        for c in players:
            assert getattr(simplified[c], field) == pytest.approx(classic[c], abs=1e-9, rel=1e-9)


@PROPERTY_SETTINGS
@given(path_tables())
def test_credit_sums_to_conversions_and_value(t: PathTable) -> None:
    credit = shapley_attribution(t)
    assert math.fsum(x.conversions for x in credit.values()) == approx(t.total_conversions)
    assert math.fsum(x.value for x in credit.values()) == approx(t.total_value)
    assert set(credit) == set(t.channels)


@PROPERTY_SETTINGS
@given(path_tables())
def test_ordered_credit_sums_to_shapley(t: PathTable) -> None:
    credit = shapley_attribution(t)
    ordered = ordered_shapley(t)
    assert set(ordered) == set(credit)
    for c, by_position in ordered.items():
        assert math.fsum(x.conversions for x in by_position.values()) == approx(
            credit[c].conversions
        )
        assert math.fsum(x.value for x in by_position.values()) == approx(credit[c].value)


@PROPERTY_SETTINGS
@given(path_tables(), st.permutations(["V", "W", "X", "Y", "Z"]))
def test_renaming_channels_renames_credit(t: PathTable, names: list[str]) -> None:
    rename = dict(zip(CHANNELS, names, strict=True))
    renamed = PathTable(
        paths=tuple(tuple(rename[c] for c in p) for p in t.paths),
        conversions=t.conversions,
        values=t.values,
        nulls=t.nulls,
    )
    a = shapley_attribution(t)
    b = shapley_attribution(renamed)
    assert set(b) == {rename[c] for c in a}
    for c, x in a.items():
        assert b[rename[c]] == ShapleyCredit(approx(x.conversions), approx(x.value))  # type: ignore[arg-type]


@PROPERTY_SETTINGS
@given(path_tables())
def test_a_channel_on_no_converting_journey_gets_nothing(t: PathTable) -> None:
    with_f = PathTable(
        paths=(*t.paths, ("A", "F")),
        conversions=(*t.conversions, 0.0),
        values=(*t.values, 0.0),
        nulls=(*t.nulls, 4.0),
    )
    credit = shapley_attribution(with_f)
    assert credit["F"] == ShapleyCredit(0.0, 0.0)
    assert {c: x for c, x in credit.items() if c not in ("F", "A")} == {
        c: x for c, x in shapley_attribution(t).items() if c != "A"
    }
    assert shapley_attribution(t).get("F", ShapleyCredit(0.0, 0.0)) == ShapleyCredit(0.0, 0.0)
