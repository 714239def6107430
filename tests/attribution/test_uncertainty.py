"""Bootstrap intervals and small-sample warnings (``socialroi.attribution.uncertainty``).

The replicate machinery is checked exactly: fed the observed counts instead of a resample, it
must give the Markov and Shapley credit of the models themselves (to 1e-9). The resampling is
checked for reproducibility (same seed, same intervals), coverage of the point estimate and the
shrinking of intervals with 100× the data. Markov is also checked against the closed form
x = (I − Q)⁻¹ r on random small graphs with loops.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_markov import path_tables

from socialroi.attribution.markov import (
    CONVERSION,
    NULL,
    START,
    PathTable,
    markov_attribution,
    markov_from_transitions,
)
from socialroi.attribution.shapley import shapley_attribution
from socialroi.attribution.uncertainty import (
    MIN_CONVERSIONS,
    _Design,
    bootstrap_intervals,
    conversions_on_paths,
    small_sample_warnings,
)
from socialroi.errors import ConfigError

TOL = 1e-9

# attribution.md Example 2 (values 100 and 60), every count × 25 so intervals are informative
EXAMPLE_2 = PathTable.from_lists(
    ["Facebook > Search", "Facebook", "Search > Email", "Email"],
    conversions=[25, 0, 25, 0],
    values=[2500, 0, 1500, 0],
    nulls=[0, 25, 0, 25],
)


def _scaled(t: PathTable, k: float) -> PathTable:
    return PathTable(
        t.paths,
        tuple(c * k for c in t.conversions),
        tuple(v * k for v in t.values),
        tuple(n * k for n in t.nulls),
    )


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(path_tables())
def test_a_replicate_of_the_observed_counts_is_the_model(t: PathTable) -> None:
    design = _Design(t)
    conv, value = design.markov(design.counts)
    expected = markov_attribution(t)
    for i, c in enumerate(design.channels):
        assert conv[i] == pytest.approx(expected.conversions[c], abs=TOL, rel=TOL)
        assert value[i] == pytest.approx(expected.value[c], abs=TOL, rel=TOL)
    s_conv, s_value = design.shapley(design.counts)
    shapley = shapley_attribution(t)
    for i, c in enumerate(design.channels):
        assert s_conv[i] == pytest.approx(shapley[c].conversions, abs=TOL, rel=TOL)
        assert s_value[i] == pytest.approx(shapley[c].value, abs=TOL, rel=TOL)


def test_same_seed_same_intervals_and_they_cover_the_estimate() -> None:
    a = bootstrap_intervals(EXAMPLE_2, replicates=200, seed=3)
    b = bootstrap_intervals(EXAMPLE_2, replicates=200, seed=3)
    c = bootstrap_intervals(EXAMPLE_2, replicates=200, seed=4)
    assert a == b
    assert a != c
    point = markov_attribution(EXAMPLE_2)
    shap = shapley_attribution(EXAMPLE_2)
    for ch in ("Facebook", "Search", "Email"):
        m, s = a["markov"][ch], a["shapley"][ch]
        assert m.conversions_low <= point.conversions[ch] <= m.conversions_high
        assert m.value_low <= point.value[ch] <= m.value_high
        assert s.conversions_low <= shap[ch].conversions <= s.conversions_high
        assert m.conversions_low < m.conversions_high  # 100 journeys: real uncertainty


def test_intervals_shrink_with_more_journeys() -> None:
    small = bootstrap_intervals(EXAMPLE_2, replicates=200, seed=1)
    big = bootstrap_intervals(_scaled(EXAMPLE_2, 100), replicates=200, seed=1)
    for model in ("markov", "shapley"):
        for ch in ("Facebook", "Search", "Email"):
            s, b = small[model][ch], big[model][ch]
            # widths relative to the total: ×100 data → about ÷10 (√100); allow ÷4 at least
            rel_small = (s.conversions_high - s.conversions_low) / 50
            rel_big = (b.conversions_high - b.conversions_low) / 5000
            assert rel_big < rel_small / 4, (model, ch, rel_small, rel_big)


def test_no_conversion_gives_no_interval_and_bad_arguments_are_rejected() -> None:
    empty = PathTable.from_lists(["A", "B"], [0, 0], nulls=[3, 1])
    assert bootstrap_intervals(empty) == {"markov": {}, "shapley": {}}
    with pytest.raises(ConfigError, match="replicates"):
        bootstrap_intervals(EXAMPLE_2, replicates=5)
    with pytest.raises(ConfigError, match="level"):
        bootstrap_intervals(EXAMPLE_2, level=1.0)


def test_conversions_on_paths_and_warnings() -> None:
    # Example 4: Social > Search > Email, Search > Social, Social, Email > Email (1 each):
    # paths containing Social 3, Search 2, Email 2 (Email > Email counts once)
    t = PathTable.from_lists(
        ["Social > Search > Email", "Search > Social", "Social", "Email > Email", "Display"],
        [1, 1, 1, 1, 0],
        nulls=[0, 0, 0, 0, 4],
    )
    on = conversions_on_paths(t)
    assert on == {"Social": 3.0, "Search": 2.0, "Email": 2.0, "Display": 0.0}
    warnings = small_sample_warnings(on)
    assert len(warnings) == 4
    assert warnings[0].startswith("Display: only 0 conversions")
    assert small_sample_warnings({"A": MIN_CONVERSIONS, "B": MIN_CONVERSIONS - 1}) == [
        "B: only 29 conversions on its paths (fewer than 30); treat its credit as indicative"
    ]


@st.composite
def random_graphs(draw: st.DrawFn) -> list[tuple[str, str, float]]:
    """Transition counts on a random graph over 2-4 channels, loops and cycles allowed; every
    channel can reach an absorbing state."""
    channels = ["A", "B", "C", "D"][: draw(st.integers(2, 4))]
    rows: list[tuple[str, str, float]] = []
    for c in channels:
        rows.append((START, c, float(draw(st.integers(0, 9)))))
    rows.append((START, channels[0], 1.0))
    for a in channels:
        for b in [*channels, CONVERSION, NULL]:
            if a != b:
                rows.append((a, b, float(draw(st.integers(0, 9)))))
        rows.append((a, NULL, 1.0))  # an exit from every state
    return rows


@SETTINGS
@given(random_graphs())
def test_markov_equals_the_closed_form_on_random_graphs(rows: list[tuple[str, str, float]]) -> None:
    r = markov_from_transitions(rows, total_conversions=10.0)

    def closed_form(removed: str | None) -> float:
        states = sorted({a for a, _b, _n in rows} - {START}) + [START]
        ix = {s: i for i, s in enumerate(states)}
        q = np.zeros((len(states), len(states)))
        x = np.zeros(len(states))
        out = dict.fromkeys(states, 0.0)
        for a, _b, n in rows:
            out[a] += n
        for a, b, n in rows:
            if b == CONVERSION:
                x[ix[a]] += n / out[a]
            elif b != NULL and b != removed:
                q[ix[a], ix[b]] += n / out[a]
        if removed is not None:  # the removed state is never entered: its row is irrelevant
            q[ix[removed], :] = 0.0
            x[ix[removed]] = 0.0
        return float(np.linalg.inv(np.eye(len(states)) - q)[ix[START]] @ x)

    p = closed_form(None)
    assert r.p_conversion == pytest.approx(p, abs=TOL)
    for c, effect in r.removal_effects.items():
        expected = 0.0 if p == 0 else 1.0 - closed_form(c) / p
        assert effect == pytest.approx(max(0.0, expected), abs=1e-9), c
    if p > 0:
        assert math.fsum(r.conversions.values()) == pytest.approx(10.0, abs=TOL)
