"""Properties of the pure statistics of CLV, goals and A/B tests (Hypothesis)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from socialroi.metrics.abtest import required_sample_size, wilson_interval
from socialroi.metrics.clv import compare_groups
from socialroi.metrics.goals import goal_pace


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_rate_and_stays_in_0_1(xn: tuple[int, int]) -> None:
    x, n = xn
    interval = wilson_interval(x, n)
    assert interval is not None
    lo, hi = interval
    assert 0.0 <= lo <= x / n + 1e-12 and x / n - 1e-12 <= hi <= 1.0
    lo80, hi80 = wilson_interval(x, n, level=0.8) or (0.0, 1.0)
    assert lo <= lo80 + 1e-12 and hi80 <= hi + 1e-12  # a wider level, a wider interval


@given(st.floats(0.01, 0.5), st.floats(0.01, 0.5))
def test_required_sample_size_is_symmetric(p1: float, p2: float) -> None:
    n = required_sample_size(p1, p2)
    assert n == required_sample_size(p2, p1)
    assert (n is None) == (p1 == p2) and (n is None or n >= 1)


def test_required_sample_size_shrinks_as_the_difference_grows() -> None:
    sizes = [required_sample_size(0.10, 0.10 + d / 100) for d in range(1, 40)]
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    assert all(a is not None and b is not None and a >= b for a, b in pairs)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=40),
    st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=40),
)
def test_bootstrap_interval_lies_within_the_data(a: list[float], b: list[float]) -> None:
    res = compare_groups(np.array(a), np.array(b), resamples=200, seed=3)
    assert res.social_ci is not None and res.non_social_ci is not None
    assert min(a) - 1e-6 <= res.social_ci[0] <= res.social_ci[1] <= max(a) + 1e-6
    assert res.difference is not None
    assert res.difference == res.social - res.non_social  # type: ignore[operator]


@given(
    st.floats(1, 1e6), st.floats(0, 1e6), st.integers(1, 366), st.integers(-10, 400)
)
def test_goal_pace_projection_is_linear_run_rate(
    target: float, actual: float, days: int, day: int
) -> None:
    start = dt.date(2025, 1, 1)
    end = start + dt.timedelta(days=days - 1)
    pace = goal_pace(target, actual, start, end, start + dt.timedelta(days=day))
    assert pace["days"] == days and 0 <= pace["elapsed_days"] <= days
    if pace["status"] in ("on_track", "behind"):
        # projected = actual × D ÷ d
        assert math.isclose(pace["projected"], actual * days / pace["elapsed_days"], rel_tol=1e-12)
        assert (pace["status"] == "on_track") == (pace["projected"] >= target)
    if pace["status"] in ("met", "missed"):
        assert pace["projected"] == actual
