"""How sure the data-driven credits are: bootstrap intervals and small-sample warnings.

**Bootstrap** (Efron's nonparametric bootstrap over journeys): a replicate draws as many
journeys as were observed, with replacement. Journeys with the same path and outcome are
interchangeable, so a replicate is one multinomial draw of counts over the distinct
(path, converted?) rows of the :class:`~socialroi.attribution.markov.PathTable`, with
probabilities proportional to their observed counts — no journey-level data is needed. A
resampled converting row keeps its mean value per conversion. Markov (order 1) and Shapley are
re-solved on every replicate; the interval is the percentile interval
[q_(1−level)/2, q_(1+level)/2] of the replicate credits (90 % by default). The random generator
is NumPy's PCG64 seeded by ``seed``, so the same data and seed give the same intervals.

Per replicate the work is vectorised: a replicate's transition counts are one weighted
``bincount`` over the (path row, transition) pairs, its channel-set totals another; only the
k×k chain is solved per replicate.

**Warning**: a credit key with fewer than :data:`MIN_CONVERSIONS` conversions on its paths
(conversions whose path contains it) gets a warning: its credit rests on too few journeys to
be read as more than anecdote.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from socialroi.attribution.markov import (
    CONVERSION,
    NULL,
    START,
    PathTable,
    _collapse,
    markov_from_transitions,
    path_table,
)
from socialroi.errors import ConfigError

__all__ = [
    "DEFAULT_REPLICATES",
    "MIN_CONVERSIONS",
    "Interval",
    "bootstrap_intervals",
    "conversions_on_paths",
    "small_sample_warnings",
]

#: Below this many conversions on its paths a credit key's credit carries a warning.
MIN_CONVERSIONS = 30
#: Replicates of :func:`bootstrap_intervals` unless told otherwise.
DEFAULT_REPLICATES = 200


@dataclass(frozen=True, slots=True)
class Interval:
    """A percentile bootstrap interval of one credit, in conversions and in value."""

    conversions_low: float
    conversions_high: float
    value_low: float
    value_high: float


def conversions_on_paths(paths: PathTable | Any) -> dict[str, float]:
    """Conversions whose path contains each channel (once per conversion), for every channel."""
    table = path_table(paths)
    out = dict.fromkeys(table.channels, 0.0)
    for path, conv in zip(table.paths, table.conversions, strict=True):
        for channel in set(path):
            out[channel] += conv
    return out


def small_sample_warnings(
    on_paths: Mapping[str, float], *, minimum: int = MIN_CONVERSIONS
) -> list[str]:
    """One message per credit key with fewer than ``minimum`` conversions on its paths, sorted."""
    return [
        f"{key}: only {on_paths[key]:g} conversions on its paths (fewer than {minimum}); "
        "treat its credit as indicative"
        for key in sorted(on_paths)
        if on_paths[key] < minimum
    ]


class _Design:
    """The replicate-independent structure of a path table, as flat NumPy arrays.

    Rows are the categories a journey can fall in: (path, converted) and (path, null). For
    each category: its observed count, its value per conversion, the transitions its journey
    takes (collapsed repeats, like the Markov model) and its channel set.
    """

    def __init__(self, table: PathTable) -> None:
        self.channels = table.channels
        states = [START, *self.channels, CONVERSION, NULL]
        self.states = states
        index = {s: i for i, s in enumerate(states)}
        n_states = len(states)
        counts: list[float] = []
        value_per: list[float] = []
        converted: list[bool] = []
        edge_row: list[int] = []
        edge_id: list[int] = []
        set_ids: dict[frozenset[str], int] = {}
        set_of: list[int] = []
        for path, conv, val, nul in zip(
            table.paths, table.conversions, table.values, table.nulls, strict=True
        ):
            walk = [START, *_collapse(path)]
            steps = [index[a] * n_states + index[b] for a, b in zip(walk, walk[1:], strict=False)]
            s = set_ids.setdefault(frozenset(path), len(set_ids))
            for amount, end, per in ((conv, CONVERSION, val / conv if conv else 0.0),
                                     (nul, NULL, 0.0)):  # fmt: skip
                if amount <= 0:
                    continue
                row = len(counts)
                counts.append(amount)
                value_per.append(per)
                converted.append(end == CONVERSION)
                for e in (*steps, index[walk[-1]] * n_states + index[end]):
                    edge_row.append(row)
                    edge_id.append(e)
                set_of.append(s)
        self.n_states = n_states
        self.counts: npt.NDArray[np.float64] = np.asarray(counts, dtype=np.float64)
        self.value_per: npt.NDArray[np.float64] = np.asarray(value_per, dtype=np.float64)
        self.converted: npt.NDArray[np.bool_] = np.asarray(converted, dtype=bool)
        self.edge_row: npt.NDArray[np.int64] = np.asarray(edge_row, dtype=np.int64)
        self.edge_id: npt.NDArray[np.int64] = np.asarray(edge_id, dtype=np.int64)
        self.set_of: npt.NDArray[np.int64] = np.asarray(set_of, dtype=np.int64)
        member = np.zeros((len(set_ids), len(self.channels)), dtype=np.float64)
        position = {c: i for i, c in enumerate(self.channels)}
        for channel_set, i in set_ids.items():
            for c in channel_set:
                member[i, position[c]] = 1.0 / len(channel_set)
        self.share = member  # row S: 1/|S| on each channel of S (Shapley's split)

    def markov(self, k: npt.NDArray[np.float64]) -> tuple[list[float], list[float]]:
        """Markov order-1 credit (conversions, value) per channel for category counts ``k``."""
        edges = np.bincount(
            self.edge_id, weights=k[self.edge_row], minlength=self.n_states * self.n_states
        )
        conv = float(k[self.converted].sum())
        value = float((k * self.value_per).sum())
        rows = [
            (self.states[e // self.n_states], self.states[e % self.n_states], float(edges[e]))
            for e in np.flatnonzero(edges)
        ]
        r = markov_from_transitions(rows, conv, value)
        return (
            [r.conversions.get(c, 0.0) for c in self.channels],
            [r.value.get(c, 0.0) for c in self.channels],
        )

    def shapley(self, k: npt.NDArray[np.float64]) -> tuple[list[float], list[float]]:
        """Simplified Shapley credit (conversions, value) per channel for category counts."""
        kc = np.where(self.converted, k, 0.0)
        n_sets = self.share.shape[0]
        r_conv = np.bincount(self.set_of, weights=kc, minlength=n_sets)
        r_val = np.bincount(self.set_of, weights=kc * self.value_per, minlength=n_sets)
        return list(r_conv @ self.share), list(r_val @ self.share)


def bootstrap_intervals(
    paths: PathTable | Any,
    *,
    replicates: int = DEFAULT_REPLICATES,
    level: float = 0.90,
    seed: int = 0,
) -> dict[str, dict[str, Interval]]:
    """Percentile bootstrap intervals of Markov (order 1) and Shapley credit per channel.

    Parameters
    ----------
    paths
        The distinct-path table (:func:`~socialroi.attribution.reports.path_counts` output or a
        :class:`~socialroi.attribution.markov.PathTable`). Counts must be whole journeys.
    replicates
        Number of bootstrap replicates B (≥ 10).
    level
        Coverage of the interval, in (0, 1); 0.90 gives the 5th and 95th percentiles.
    seed
        Seed of the random generator: equal inputs and seeds give equal intervals.

    Returns
    -------
    ``{"markov": {channel: Interval}, "shapley": {channel: Interval}}`` for every channel of
    the input; empty dicts when there is no conversion. Raises ``ConfigError`` for a bad
    ``replicates`` or ``level``.

    Tested by ``tests/attribution/test_uncertainty.py``.
    """
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 10:
        raise ConfigError(f"replicates must be a whole number ≥ 10, got {replicates!r}")
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level must be between 0 and 1, got {level!r}", hint="e.g. 0.90")
    table = path_table(paths)
    # the engine returns distinct paths in any order; the draw must not depend on it
    order = sorted(range(len(table.paths)), key=lambda i: table.paths[i])
    table = PathTable(
        tuple(table.paths[i] for i in order),
        tuple(table.conversions[i] for i in order),
        tuple(table.values[i] for i in order),
        tuple(table.nulls[i] for i in order),
    )
    if table.total_conversions <= 0:
        return {"markov": {}, "shapley": {}}
    design = _Design(table)
    n = int(round(float(design.counts.sum())))
    p = design.counts / design.counts.sum()
    rng = np.random.default_rng(seed)
    width = len(design.channels)
    draws = {name: np.empty((replicates, 2, width)) for name in ("markov", "shapley")}
    for b in range(replicates):
        k = rng.multinomial(n, p).astype(np.float64)
        draws["markov"][b] = design.markov(k)
        draws["shapley"][b] = design.shapley(k)
    lo_q, hi_q = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    out: dict[str, dict[str, Interval]] = {}
    for name, d in draws.items():
        lo = np.quantile(d, lo_q, axis=0)
        hi = np.quantile(d, hi_q, axis=0)
        out[name] = {
            c: Interval(_f(lo[0, i]), _f(hi[0, i]), _f(lo[1, i]), _f(hi[1, i]))
            for i, c in enumerate(design.channels)
        }
    return out


def _f(x: Any) -> float:
    value = float(x)
    return 0.0 if math.isclose(value, 0.0, abs_tol=1e-12) else value
