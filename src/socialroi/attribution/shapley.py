"""Shapley-value attribution, exact (attribution.md §4; Zhao, Mahboobi, Bagheri 2018).

Channels are players. With R(S) = conversions (or value) of the journeys whose set of channels
is **exactly** S and v(S) = Σ_{T⊆S} R(T), the Shapley value simplifies to

    φ_i = Σ_{S ∋ i} R(S) / |S|

— each journey's conversions are split equally over its distinct channels — so the cost is
linear in the number of distinct channel sets instead of exponential in the number of channels.
:func:`shapley_from_value_function` is the classic formula over all coalitions, for a generic
v and to validate the simplified form. :func:`ordered_shapley` splits φ_i further by touch
position (Zhao et al.'s ordered Shapley).

Non-converting journeys (``nulls``) play no part: R(S) counts conversions only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from socialroi.attribution.markov import PathTable, path_table
from socialroi.errors import ConfigError

__all__ = [
    "MAX_PLAYERS",
    "ShapleyCredit",
    "channel_set_totals",
    "ordered_shapley",
    "shapley_attribution",
    "shapley_from_channel_sets",
    "shapley_from_value_function",
]

MAX_PLAYERS = 20
"""The classic formula visits n·2ⁿ⁻¹ coalitions; above this many players it refuses."""


class ShapleyCredit(NamedTuple):
    """Credit of one channel (or one channel at one position): conversions and value."""

    conversions: float
    value: float


def channel_set_totals(paths: PathTable | Any) -> dict[frozenset[str], ShapleyCredit]:
    """R(S): conversions and value per exact set of channels touched.

    Grain: one entry per distinct channel set with conversions > 0 or value > 0. This is also
    the shape the engine can send directly to :func:`shapley_from_channel_sets`.
    """
    table = path_table(paths)
    conv: dict[frozenset[str], float] = {}
    val: dict[frozenset[str], float] = {}
    for path, c, v in zip(table.paths, table.conversions, table.values, strict=True):
        if c > 0 or v > 0:
            s = frozenset(path)
            conv[s] = conv.get(s, 0.0) + c
            val[s] = val.get(s, 0.0) + v
    return {s: ShapleyCredit(conv[s], val[s]) for s in conv}


def shapley_from_channel_sets(
    totals: Mapping[frozenset[str], tuple[float, float]],
    channels: Iterable[str] = (),
) -> dict[str, ShapleyCredit]:
    """Simplified exact Shapley value from R(S): φ_i = Σ_{S∋i} R(S)/|S|, for conversions and
    value.

    Parameters
    ----------
    totals
        R(S) per exact channel set S (non-empty): ``(conversions, value)``.
    channels
        Extra channels to report with credit 0 (e.g. channels seen only on non-converting
        journeys).

    Returns
    -------
    ``{channel: ShapleyCredit(conversions, value)}`` for every channel in a set or in
    ``channels``; sums to Σ R(S).

    Tested by ``tests/attribution/test_shapley.py::test_example_3_simplified``.
    """
    conv: dict[str, list[float]] = {c: [] for c in channels}
    val: dict[str, list[float]] = {c: [] for c in channels}
    for s, (c, v) in totals.items():
        if not s:
            raise ConfigError("a channel set is empty: a journey needs at least one touchpoint")
        for i in s:
            conv.setdefault(i, []).append(float(c) / len(s))
            val.setdefault(i, []).append(float(v) / len(s))
    return {i: ShapleyCredit(math.fsum(conv[i]), math.fsum(val[i])) for i in sorted(conv)}


def shapley_attribution(paths: PathTable | Any) -> dict[str, ShapleyCredit]:
    """Shapley attribution with v(S) = Σ_{T⊆S} R(T): φ_i = Σ_{S∋i} R(S)/|S| (Zhao et al.).

    Parameters
    ----------
    paths
        A :class:`~socialroi.attribution.markov.PathTable` or a ``pyarrow.Table`` (``path``,
        ``conversions``, optional ``value``; ``nulls`` is ignored). Grain: one row per path.

    Returns
    -------
    ``{channel: ShapleyCredit(conversions, value)}`` for every channel of the input (0 for one
    seen only on non-converting journeys). Credits sum to the total conversions and value.
    Repeats do not matter: a journey's credit is split over its *distinct* channels.

    Tested by ``tests/attribution/test_shapley.py::test_example_3_simplified`` and
    ``test_simplified_equals_classic`` (Hypothesis).
    """
    table = path_table(paths)
    return shapley_from_channel_sets(channel_set_totals(table), table.channels)


def shapley_from_value_function(
    v: Mapping[frozenset[str], float],
    players: Iterable[str],
) -> dict[str, float]:
    """Classic exact Shapley value over all coalitions.

    φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · [v(S ∪ {i}) − v(S)].

    Parameters
    ----------
    v
        Value per coalition; a coalition that is missing is worth 0 (so is the empty one).
    players
        The players N (at most :data:`MAX_PLAYERS`).

    Returns
    -------
    ``{player: φ}``; Σφ = v(N) − v(∅).

    Tested by ``tests/attribution/test_shapley.py::test_example_3_generic_value_function``.
    """
    names = sorted(set(players))
    n = len(names)
    if n > MAX_PLAYERS:
        raise ConfigError(
            f"{n} players is too many for the exact Shapley formula (at most {MAX_PLAYERS})",
            hint="use shapley_attribution, which is linear in the number of channel sets",
        )
    weight = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    worth = [0.0] * (1 << n)
    for mask in range(1 << n):
        coalition = frozenset(names[j] for j in range(n) if mask >> j & 1)
        worth[mask] = float(v.get(coalition, 0.0))
    out: dict[str, float] = {}
    for i, name in enumerate(names):
        bit = 1 << i
        terms = [
            weight[mask.bit_count()] * (worth[mask | bit] - worth[mask])
            for mask in range(1 << n)
            if not mask & bit
        ]
        out[name] = math.fsum(terms)
    return out


def ordered_shapley(paths: PathTable | Any) -> dict[str, dict[int, ShapleyCredit]]:
    """Ordered Shapley (Zhao et al.): credit of channel i at touch position j.

    φ_i^j = Σ_{S∋i} (1/|S|) · Σ_{journeys with set S and i at position j} conv / (times i occurs
    in that journey); Σ_j φ_i^j = φ_i of :func:`shapley_attribution`.

    Positions are 1-based positions in the path as given (repeats are not collapsed).

    Returns
    -------
    ``{channel: {position: ShapleyCredit(conversions, value)}}``; a channel with no credit maps
    to an empty dict.

    Tested by ``tests/attribution/test_shapley.py::test_example_3_ordered``.
    """
    table = path_table(paths)
    conv: dict[str, dict[int, list[float]]] = {c: {} for c in table.channels}
    val: dict[str, dict[int, list[float]]] = {c: {} for c in table.channels}
    for path, c, v in zip(table.paths, table.conversions, table.values, strict=True):
        if c <= 0 and v <= 0:
            continue
        size = len(set(path))
        for position, channel in enumerate(path, start=1):
            occurrences = path.count(channel)
            conv[channel].setdefault(position, []).append(c / size / occurrences)
            val[channel].setdefault(position, []).append(v / size / occurrences)
    return {
        ch: {
            j: ShapleyCredit(math.fsum(conv[ch][j]), math.fsum(val[ch][j]))
            for j in sorted(conv[ch])
        }
        for ch in sorted(conv)
    }
