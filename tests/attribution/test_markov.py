"""Exact Markov attribution (``socialroi.attribution.markov``) against attribution.md §3.

Hand-computed: Example 2 (with and without nulls, and the loop), an order-2 example and the
degenerate cases. Hypothesis: conservation, channel renaming, a zero-weight channel, and
P(conv) and removal effects against an independent computation (powers of the full
transition matrix, absorbing states included, until the chain is absorbed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialroi.attribution.markov import (
    CONVERSION,
    NULL,
    START,
    PathTable,
    markov_attribution,
    markov_from_transitions,
)
from socialroi.errors import ConfigError

TOL = 1e-9


def approx(x: float) -> object:
    return pytest.approx(x, abs=TOL, rel=TOL)


def assert_dict_close(got: Mapping[str, float], expected: Mapping[str, float]) -> None:
    assert set(got) == set(expected), (sorted(got), sorted(expected))
    for k, v in expected.items():
        assert got[k] == approx(v), (k, got[k], v)


# Example 2: P1 Facebook > Search → conv; P2 Facebook → null; P3 Search > Email → conv;
# P4 Email → null. Values 100 and 60 on the two conversions (total 160).
EXAMPLE_2 = PathTable.from_lists(
    ["Facebook > Search", "Facebook", "Search > Email", "Email"],
    conversions=[1, 0, 1, 0],
    values=[100, 0, 60, 0],
    nulls=[0, 1, 0, 1],
)


def test_example_2_with_nulls() -> None:
    # P(conv|Email) = .5, P(conv|Search) = .5 + .5·.5 = .75, P(conv|Facebook) = .5·.75 = .375;
    # P(conv) = .5·.375 + .25·.75 + .25·.5 = .5. RE: Facebook .375, Search .75, Email .5;
    # ΣRE = 1.625 → credits .375/1.625·2 = .461538, .923077, .615385.
    r = markov_attribution(EXAMPLE_2)
    assert r.p_conversion == approx(0.5)
    assert_dict_close(r.removal_effects, {"Facebook": 0.375, "Search": 0.75, "Email": 0.5})
    assert_dict_close(
        r.conversions, {"Facebook": 0.75 / 1.625, "Search": 1.5 / 1.625, "Email": 1.0 / 1.625}
    )
    assert r.conversions["Facebook"] == approx(0.461538461538)
    assert r.conversions["Search"] == approx(0.923076923077)
    assert r.conversions["Email"] == approx(0.615384615385)
    assert math.fsum(r.conversions.values()) == approx(2.0)
    # value credit = RE share × total value (160)
    assert_dict_close(r.value, {"Facebook": 60 / 1.625, "Search": 120 / 1.625, "Email": 80 / 1.625})
    assert (r.total_conversions, r.total_value) == (2.0, 160.0)
    assert r.states == (START, "Email", "Facebook", "Search", CONVERSION, NULL)
    assert r.transition_matrix == (
        (START, "Email", 0.25),
        (START, "Facebook", 0.5),
        (START, "Search", 0.25),
        ("Email", CONVERSION, 0.5),
        ("Email", NULL, 0.5),
        ("Facebook", NULL, 0.5),
        ("Facebook", "Search", 0.5),
        ("Search", CONVERSION, 0.5),
        ("Search", "Email", 0.5),
    )


def test_example_2_without_nulls() -> None:
    # P2, P4 dropped: start→Facebook ½, →Search ½; Facebook→Search 1; Search→conv ½, →Email ½;
    # Email→conv 1. P = 1; RE Facebook .5, Search 1, Email .5 → credits .5, 1, .5.
    r = markov_attribution(EXAMPLE_2, use_nulls=False)
    assert r.p_conversion == approx(1.0)
    assert_dict_close(r.removal_effects, {"Facebook": 0.5, "Search": 1.0, "Email": 0.5})
    assert_dict_close(r.conversions, {"Facebook": 0.5, "Search": 1.0, "Email": 0.5})
    assert all(b != NULL for _a, b, _p in r.transition_matrix)


def test_example_2_loop() -> None:
    # Facebook > Facebook > Search (1 conv) collapses to Facebook > Search; Facebook (1 null).
    # Facebook→Search ½, →null ½; RE Facebook = RE Search = 1; credits .5/.5.
    t = PathTable.from_lists(["Facebook > Facebook > Search", "Facebook"], [1, 0], nulls=[0, 1])
    r = markov_attribution(t)
    assert r.p_conversion == approx(0.5)
    assert_dict_close(r.removal_effects, {"Facebook": 1.0, "Search": 1.0})
    assert_dict_close(r.conversions, {"Facebook": 0.5, "Search": 0.5})
    assert ("Facebook", "Facebook", 0.5) not in r.transition_matrix


def test_without_collapse_the_repeat_is_a_self_loop() -> None:
    # Not collapsed: Facebook→Facebook 1/3, →Search 1/3, →null 1/3 (3 departures from
    # Facebook); x_F = (1/3)x_F + 1/3 → x_F = .5, so P(conv) is still .5.
    t = PathTable.from_lists(["Facebook > Facebook > Search", "Facebook"], [1, 0], nulls=[0, 1])
    r = markov_attribution(t, collapse_repeats=False)
    probability = {(a, b): p for a, b, p in r.transition_matrix}
    assert probability[("Facebook", "Facebook")] == approx(1 / 3)
    assert r.p_conversion == approx(0.5)
    assert_dict_close(r.conversions, {"Facebook": 0.5, "Search": 0.5})


# Order 2 by hand: A > B > C (1 conv), B > C (1 null), C (1 conv).
# States: A, "A > B", "B > C", B, C. start→A, B, C ⅓ each; A→"A > B" 1; "A > B"→"B > C" 1;
# "B > C"→conv ½, →null ½; B→"B > C" 1; C→conv 1.
# x["B > C"] = x["A > B"] = x[A] = x[B] = ½, x[C] = 1 → P = (½ + ½ + 1)/3 = ⅔.
# Remove A (A, "A > B"): P = (0 + ½ + 1)/3 = ½ → RE = 1 − ½/⅔ = ¼.
# Remove B (B, "A > B", "B > C"): P = (0 + 0 + 1)/3 = ⅓ → RE = ½.
# Remove C (C, "B > C"): P = 0 → RE = 1.  ΣRE = 7/4, 2 conversions → 2/7, 4/7, 8/7.
# (Order 1 gives ⅓, ⅔, 1: there A→B→C converts with P ⅔ like everyone else.)
ORDER_2 = PathTable.from_lists(["A > B > C", "B > C", "C"], [1, 0, 1], nulls=[0, 1, 0])


def test_order_2_by_hand() -> None:
    r = markov_attribution(ORDER_2, order=2)
    assert r.p_conversion == approx(2 / 3)
    assert_dict_close(r.removal_effects, {"A": 0.25, "B": 0.5, "C": 1.0})
    assert_dict_close(r.conversions, {"A": 2 / 7, "B": 4 / 7, "C": 8 / 7})
    assert r.states == (START, "A", "A > B", "B", "B > C", "C", CONVERSION, NULL)
    assert ("A > B", "B > C", 1.0) in r.transition_matrix
    assert ("B > C", NULL, 0.5) in r.transition_matrix


def test_order_1_on_the_order_2_example() -> None:
    # start→A, B, C ⅓; A→B 1; B→C 1; C→conv ⅔, →null ⅓: x = ⅔ everywhere, P = ⅔.
    # Remove A: P = 4/9, RE ⅓; remove B: 2/9, RE ⅔; remove C: 0, RE 1; ΣRE 2 → ⅓, ⅔, 1.
    r = markov_attribution(ORDER_2)
    assert_dict_close(r.removal_effects, {"A": 1 / 3, "B": 2 / 3, "C": 1.0})
    assert_dict_close(r.conversions, {"A": 1 / 3, "B": 2 / 3, "C": 1.0})


def test_no_conversions_gives_zero_credit() -> None:
    r = markov_attribution(PathTable.from_lists(["A > B", "B"], [0, 0], nulls=[3, 1]))
    assert r.p_conversion == 0.0
    assert r.conversions == {"A": 0.0, "B": 0.0}
    assert r.removal_effects == {"A": 0.0, "B": 0.0}
    assert markov_attribution(PathTable.from_lists([], [])).conversions == {}


def test_single_channel_gets_all_credit() -> None:
    t = PathTable.from_lists(["A", "A > A"], [2, 1], values=[10, 5], nulls=[4, 0])
    r = markov_attribution(t)
    assert r.removal_effects == {"A": approx(1.0)}
    assert r.conversions == {"A": approx(3.0)}
    assert r.value == {"A": approx(15.0)}


def test_without_nulls_a_channel_seen_only_on_non_converting_paths_gets_zero() -> None:
    r = markov_attribution(EXAMPLE_2.__class__.from_lists(["A", "B"], [1, 0], nulls=[0, 5]),
                           use_nulls=False)  # fmt: skip
    assert r.conversions == {"A": approx(1.0), "B": 0.0}


def test_pyarrow_input_matches_lists() -> None:
    t = pa.table(
        {
            "path": ["Facebook > Search", "Facebook", "Search>Email", "Email"],
            "conversions": [1.0, 0.0, 1.0, 0.0],
            "value": [100.0, None, 60.0, 0.0],
            "nulls": [0.0, 1.0, 0.0, 1.0],
        }
    )
    assert markov_attribution(t) == markov_attribution(EXAMPLE_2)


def test_from_transitions_matches_paths() -> None:
    full = markov_attribution(EXAMPLE_2)
    counts = [
        (START, "Facebook", 2), (START, "Search", 1), (START, "Email", 1),
        ("Facebook", "Search", 1), ("Facebook", NULL, 1), ("Search", CONVERSION, 1),
        ("Search", "Email", 1), ("Email", CONVERSION, 1), ("Email", NULL, 1),
    ]  # fmt: skip
    assert markov_from_transitions(counts, 2, 160) == full
    arrow = pa.table(
        {
            "from_state": [a for a, _b, _n in counts],
            "to_state": [b for _a, b, _n in counts],
            "count": [n for _a, _b, n in counts],
        }
    )
    assert markov_from_transitions(arrow, 2, 160) == full


def test_from_transitions_order_2() -> None:
    counts = [
        (START, "A", 1), (START, "B", 1), (START, "C", 1), ("A", "A>B", 1),
        ("A > B", "B > C", 1), ("B > C", CONVERSION, 1), ("B > C", NULL, 1),
        ("B", "B > C", 1), ("C", CONVERSION, 1),
    ]  # fmt: skip
    assert markov_from_transitions(counts, 2) == markov_attribution(ORDER_2, order=2)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: PathTable.from_lists([""], [1]), "no touchpoints"),
        (lambda: PathTable.from_lists([()], [1]), "no touchpoints"),
        (lambda: PathTable.from_lists(["A > > B"], [1]), "empty channel"),
        (lambda: PathTable.from_lists([("(start)",)], [1]), "reserved"),
        (lambda: PathTable.from_lists([("a>b",)], [1]), "reserved or contains"),
        (lambda: PathTable.from_lists(["A"], [-1]), "conversions must be"),
        (lambda: PathTable.from_lists(["A"], [float("nan")]), "conversions must be"),
        (lambda: PathTable.from_lists(["A"], [1, 2]), "same length"),
        (lambda: markov_attribution(EXAMPLE_2, order=0), "order must be"),
        (lambda: markov_attribution([("A",)]), "expected a PathTable"),
        (lambda: markov_attribution(pa.table({"path": ["A"]})), "lacks column"),
        (lambda: markov_from_transitions([(CONVERSION, "A", 1)], 1), "impossible transition"),
        (lambda: markov_from_transitions([(START, "A", 1), ("A", "B", 1)], 1), "no outgoing"),
        (lambda: markov_from_transitions([(START, "A", 1), ("A", "A", 1)], 1), "closed loop"),
    ],
)
def test_bad_input_is_rejected(build: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build()  # type: ignore[operator]


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

CHANNELS = ["A", "B", "C", "D"]


@st.composite
def path_tables(draw: st.DrawFn, channels: list[str] = CHANNELS) -> PathTable:
    """1–6 rows; paths of 1–4 touches over ≤ 4 channels; conversions, nulls 0–5; value =
    conversions × a price."""
    rows = draw(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(channels), min_size=1, max_size=4).map(tuple),
                st.integers(0, 5),
                st.integers(1, 100),
                st.integers(0, 5),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return PathTable.from_lists(
        [p for p, *_ in rows],
        [float(c) for _p, c, _v, _n in rows],
        [float(c * v) for _p, c, v, _n in rows],
        [float(n) for *_, n in rows],
    )


def absorbed_conversion_probability(
    table: PathTable, *, use_nulls: bool, collapse: bool, removed: str | None = None
) -> float:
    """Independent P(conv): the full stochastic matrix (absorbing states loop on themselves)
    raised to the power 2**64 by squaring; entry (start, conversion). Removal redirects."""
    counts: dict[tuple[str, str], float] = {}
    for path, conv, nul in zip(table.paths, table.conversions, table.nulls, strict=True):
        nul = nul if use_nulls else 0.0
        seq = list(path)
        if collapse:
            seq = [c for i, c in enumerate(seq) if i == 0 or seq[i - 1] != c]
        walk = [START, *seq]
        for a, b in zip(walk, walk[1:], strict=False):
            counts[(a, b)] = counts.get((a, b), 0.0) + conv + nul
        counts[(walk[-1], CONVERSION)] = counts.get((walk[-1], CONVERSION), 0.0) + conv
        counts[(walk[-1], NULL)] = counts.get((walk[-1], NULL), 0.0) + nul
    states = sorted({s for pair in counts for s in pair} | {START, CONVERSION, NULL})
    ix = {s: i for i, s in enumerate(states)}
    m = np.zeros((len(states), len(states)))
    for (a, b), n in counts.items():
        m[ix[a], ix[NULL if b == removed else b]] += n
    for s in (CONVERSION, NULL):
        m[ix[s], :] = 0.0
        m[ix[s], ix[s]] = 1.0
    rows = m.sum(axis=1, keepdims=True)
    m = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    for _ in range(64):
        m = m @ m
    return float(m[ix[START], ix[CONVERSION]])


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(path_tables(), st.booleans(), st.booleans())
def test_credit_sums_to_conversions_and_value(
    t: PathTable, use_nulls: bool, collapse: bool
) -> None:
    r = markov_attribution(t, use_nulls=use_nulls, collapse_repeats=collapse)
    assert math.fsum(r.conversions.values()) == approx(t.total_conversions)
    assert math.fsum(r.value.values()) == approx(t.total_value)
    assert all(c >= 0 for c in r.conversions.values())
    assert set(r.conversions) == set(t.channels)


@PROPERTY_SETTINGS
@given(path_tables(), st.integers(1, 3))
def test_higher_order_credit_sums_to_conversions(t: PathTable, order: int) -> None:
    r = markov_attribution(t, order=order)
    assert math.fsum(r.conversions.values()) == approx(t.total_conversions)
    if order == 1:
        assert r == markov_attribution(t)


@PROPERTY_SETTINGS
@given(path_tables(), st.booleans(), st.booleans())
def test_p_conversion_and_removal_effects_match_matrix_powers(
    t: PathTable, use_nulls: bool, collapse: bool
) -> None:
    r = markov_attribution(t, use_nulls=use_nulls, collapse_repeats=collapse)
    p = absorbed_conversion_probability(t, use_nulls=use_nulls, collapse=collapse)
    assert r.p_conversion == pytest.approx(p, abs=1e-9)
    for c in t.channels:
        without = absorbed_conversion_probability(
            t, use_nulls=use_nulls, collapse=collapse, removed=c
        )
        expected = 1 - without / p if p > 0 else 0.0
        assert r.removal_effects[c] == pytest.approx(expected, abs=1e-9)


@PROPERTY_SETTINGS
@given(path_tables(), st.permutations(["W", "X", "Y", "Z"]), st.integers(1, 2))
def test_renaming_channels_renames_credit(t: PathTable, names: list[str], order: int) -> None:
    rename = dict(zip(CHANNELS, names, strict=True))
    renamed = PathTable(
        paths=tuple(tuple(rename[c] for c in p) for p in t.paths),
        conversions=t.conversions,
        values=t.values,
        nulls=t.nulls,
    )
    a = markov_attribution(t, order=order)
    b = markov_attribution(renamed, order=order)
    assert_dict_close(b.conversions, {rename[c]: v for c, v in a.conversions.items()})
    assert b.p_conversion == approx(a.p_conversion)


@PROPERTY_SETTINGS
@given(path_tables(), st.booleans())
def test_a_channel_on_no_journey_gets_nothing(t: PathTable, use_nulls: bool) -> None:
    # "E" is on a row that weighs nothing: it must get 0 and change no one else's credit.
    with_e = PathTable(
        paths=(*t.paths, ("E",)),
        conversions=(*t.conversions, 0.0),
        values=(*t.values, 0.0),
        nulls=(*t.nulls, 0.0),
    )
    a = markov_attribution(t, use_nulls=use_nulls)
    b = markov_attribution(with_e, use_nulls=use_nulls)
    assert b.conversions["E"] == 0.0
    assert_dict_close({c: v for c, v in b.conversions.items() if c != "E"}, a.conversions)
    assert markov_attribution(t).conversions.get("E", 0.0) == 0.0


@PROPERTY_SETTINGS
@given(path_tables())
def test_from_transitions_agrees_with_paths(t: PathTable) -> None:
    r = markov_attribution(t)
    counts: dict[tuple[str, str], float] = {}
    for path, conv, nul in zip(t.paths, t.conversions, t.nulls, strict=True):
        seq = [c for i, c in enumerate(path) if i == 0 or path[i - 1] != c]
        walk = [START, *seq]
        for a, b in zip(walk, walk[1:], strict=False):
            counts[(a, b)] = counts.get((a, b), 0.0) + conv + nul
        counts[(walk[-1], CONVERSION)] = counts.get((walk[-1], CONVERSION), 0.0) + conv
        counts[(walk[-1], NULL)] = counts.get((walk[-1], NULL), 0.0) + nul
    s = markov_from_transitions(
        [(a, b, n) for (a, b), n in counts.items()], t.total_conversions, t.total_value
    )
    # channels only on weightless rows are not in the counts
    assert_dict_close(s.conversions, {c: v for c, v in r.conversions.items() if c in s.conversions})
    assert s.p_conversion == approx(r.p_conversion)
