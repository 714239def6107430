"""Markov-chain attribution, solved exactly (attribution.md §3; Anderl et al. 2016).

The heavy work (building journeys, counting distinct paths or transitions) runs in the engine;
this module takes the small result — one row per distinct path, or the k×k transition counts —
and solves the absorbing chain with NumPy. No simulation: every number is exact up to floating
point, where ChannelAttribution's ``markov_model`` gives a Monte-Carlo estimate of the same thing.

States are ``(start)``, one state per channel (per tuple of the last ``order`` channels for a
higher-order model) and the absorbing ``(conversion)`` and ``(null)``. With the transient matrix
Q and the one-step conversion vector r, the conversion probability from each state is
x = (I − Q)⁻¹ r and P(conv) = x[(start)]. Removing channel c sends every transition into a state
that contains c to ``(null)``; the removal effect is RE_c = 1 − P(conv | c removed) / P(conv) and
the credit is RE_c / Σ_j RE_j × total conversions (and × total value).

The distinct-path input, :class:`PathTable`, is shared with :mod:`socialroi.attribution.shapley`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from socialroi.errors import ConfigError

__all__ = [
    "CONVERSION",
    "NULL",
    "START",
    "MarkovResult",
    "PathTable",
    "markov_attribution",
    "markov_from_transitions",
    "path_table",
]

START = "(start)"
CONVERSION = "(conversion)"
NULL = "(null)"
_RESERVED = frozenset({START, CONVERSION, NULL})
SEP = ">"
"""Separator of a path string (``'Facebook > Search'``); spaces around it are stripped."""

FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Input: the distinct-path table
# --------------------------------------------------------------------------------------------


def _split_path(path: str | Sequence[str], sep: str = SEP) -> tuple[str, ...]:
    if isinstance(path, str):
        parts = tuple(p.strip() for p in path.split(sep)) if path.strip() else ()
    else:
        parts = tuple(path)
    if not parts:
        raise ConfigError(
            "a path has no touchpoints", hint="leave journeys without touchpoints out of the input"
        )
    for name in parts:
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"path {path!r} has an empty channel name")
        if name in _RESERVED or sep in name:
            raise ConfigError(
                f"channel name {name!r} is reserved or contains {sep!r}",
                hint=f"rename the channel: {sorted(_RESERVED)} and {sep!r} are taken",
            )
    return parts


def _amount(x: Any, what: str) -> float:
    if x is None:
        return 0.0
    value = float(x)
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{what} must be a finite number ≥ 0, got {x!r}")
    return value


@dataclass(frozen=True, slots=True)
class PathTable:
    """Distinct journeys: one row per distinct path.

    Attributes
    ----------
    paths
        Each path is the ordered tuple of channel names of its touchpoints (at least one).
    conversions
        Conversions of the journeys with that path (a count or a fractional weight ≥ 0).
    values
        Total conversion value of those journeys (0 when unknown).
    nulls
        Number of journeys with that path that did not convert.

    Grain: one row per path. The same path may appear twice; its rows are simply added up.
    """

    paths: tuple[tuple[str, ...], ...]
    conversions: tuple[float, ...]
    values: tuple[float, ...]
    nulls: tuple[float, ...]

    @classmethod
    def from_lists(
        cls,
        paths: Sequence[str | Sequence[str]],
        conversions: Sequence[float],
        values: Sequence[float] | None = None,
        nulls: Sequence[float] | None = None,
        *,
        sep: str = SEP,
    ) -> PathTable:
        """Build from parallel lists; a path is a tuple of channels or a ``' > '``-joined string.

        ``values`` and ``nulls`` default to zeros. Raises ``ConfigError`` for an empty path, a
        reserved channel name (``(start)``, ``(conversion)``, ``(null)``), a name containing the
        separator, a negative or non-finite amount, or lists of different lengths.
        """
        n = len(paths)
        vals = [0.0] * n if values is None else list(values)
        nul = [0.0] * n if nulls is None else list(nulls)
        if not (len(conversions) == len(vals) == len(nul) == n):
            raise ConfigError("paths, conversions, values and nulls must have the same length")
        return cls(
            paths=tuple(_split_path(p, sep) for p in paths),
            conversions=tuple(_amount(c, "conversions") for c in conversions),
            values=tuple(_amount(v, "value") for v in vals),
            nulls=tuple(_amount(x, "nulls") for x in nul),
        )

    @classmethod
    def from_arrow(cls, table: Any, *, sep: str = SEP) -> PathTable:
        """Build from a ``pyarrow.Table`` with ``path`` (string joined by ``sep``) and
        ``conversions``; ``value`` and ``nulls`` are optional (nulls in them read as 0)."""
        names = set(table.column_names)
        missing = {"path", "conversions"} - names
        if missing:
            raise ConfigError(f"the path table lacks column(s) {sorted(missing)}")

        def col(name: str) -> list[Any] | None:
            return table.column(name).to_pylist() if name in names else None

        paths = col("path") or []
        return cls.from_lists(paths, col("conversions") or [], col("value"), col("nulls"), sep=sep)

    @property
    def channels(self) -> tuple[str, ...]:
        """Every channel that appears in some path, sorted."""
        return tuple(sorted({c for p in self.paths for c in p}))

    @property
    def total_conversions(self) -> float:
        return math.fsum(self.conversions)

    @property
    def total_value(self) -> float:
        return math.fsum(self.values)


def path_table(paths: PathTable | Any, *, sep: str = SEP) -> PathTable:
    """Coerce the input of the attribution models: a :class:`PathTable` is returned as is, a
    ``pyarrow.Table`` goes through :meth:`PathTable.from_arrow`."""
    if isinstance(paths, PathTable):
        return paths
    if hasattr(paths, "column_names") and hasattr(paths, "column"):
        return PathTable.from_arrow(paths, sep=sep)
    raise ConfigError(
        f"expected a PathTable or a pyarrow.Table, got {type(paths).__name__}",
        hint="build one with PathTable.from_lists(paths, conversions, values, nulls)",
    )


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarkovResult:
    """The exact Markov attribution of a set of journeys.

    Attributes
    ----------
    conversions
        Credit per channel in conversions; sums to ``total_conversions`` (when there is one).
    value
        Credit per channel in value: RE share × total value; sums to ``total_value``.
    removal_effects
        RE_c = 1 − P(conv | c removed) / P(conv) per channel, in [0, 1].
    p_conversion
        P(conv) = probability of reaching ``(conversion)`` from ``(start)``.
    transition_matrix
        ``(from_state, to_state, probability)`` for every observed transition, sorted.
    states
        ``(start)``, the transient channel states (sorted), ``(conversion)``, ``(null)``.
        A higher-order state is its channels joined by ``' > '``.
    """

    conversions: dict[str, float]
    value: dict[str, float]
    removal_effects: dict[str, float]
    p_conversion: float
    transition_matrix: tuple[tuple[str, str, float], ...]
    states: tuple[str, ...]
    total_conversions: float
    total_value: float

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels credited, sorted."""
        return tuple(sorted(self.conversions))


# --------------------------------------------------------------------------------------------
# The solver
# --------------------------------------------------------------------------------------------


def _state_name(state: tuple[str, ...]) -> str:
    return f" {SEP} ".join(state)


def _collapse(path: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for c in path:
        if not out or out[-1] != c:
            out.append(c)
    return tuple(out)


def _state_path(path: tuple[str, ...], order: int) -> list[str]:
    """The transient states a path visits: the i-th state is the last min(i, order) channels."""
    return [_state_name(path[max(0, i + 1 - order) : i + 1]) for i in range(len(path))]


def _components(kept: Set[str], succ: Mapping[str, Sequence[tuple[str, float]]]) -> list[list[str]]:
    """Strongly connected components of the ``kept`` states reachable from ``(start)``, sinks
    first (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    work: list[tuple[str, int]] = [(START, 0)]
    while work:
        v, i = work.pop()
        if i == 0:
            index[v] = low[v] = len(index)
            stack.append(v)
            on_stack.add(v)
        edges = succ.get(v, ())
        while i < len(edges):
            w = edges[i][0]
            i += 1
            if w not in kept:
                continue
            if w not in index:
                work.append((v, i))
                work.append((w, 0))
                break
            if w in on_stack:
                low[v] = min(low[v], index[w])
        else:
            if low[v] == index[v]:
                component: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                out.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out


def _conversion_probability(
    kept: Set[str],
    succ: Mapping[str, Sequence[tuple[str, float]]],
    to_conversion: Mapping[str, float],
) -> float:
    """P(reach (conversion) from (start)) over the sub-chain of the ``kept`` transient states.

    A transition to a state outside ``kept`` counts as absorbed in ``(null)`` (that is how
    removal redirects). Solves (I − Q) x = r exactly, one strongly connected component at a
    time from the sinks up (``numpy.linalg.solve`` on each block), so a sparse higher-order
    chain costs Σ |component|³ rather than |states|³.
    """
    x: dict[str, float] = {}
    for component in _components(kept, succ):
        position = {s: i for i, s in enumerate(component)}
        n = len(component)
        q: FloatArray = np.zeros((n, n), dtype=np.float64)
        r: FloatArray = np.zeros(n, dtype=np.float64)
        for i, a in enumerate(component):
            r[i] = to_conversion.get(a, 0.0)
            for b, p in succ.get(a, ()):
                if b in position:
                    q[i, position[b]] += p
                elif b in kept:
                    r[i] += p * x[b]
        try:
            solved = np.linalg.solve(np.eye(n) - q, r)
        except np.linalg.LinAlgError as exc:
            raise ConfigError(
                "the transitions have a closed loop that never reaches (conversion) or (null)",
                hint="every state needs a path to an absorbing state; check the transition counts",
            ) from exc
        x.update(zip(component, (float(v) for v in solved), strict=True))
    return min(1.0, max(0.0, x[START]))


def _solve(
    counts: Mapping[tuple[str, str], float],
    state_channels: Mapping[str, frozenset[str]],
    channels: Iterable[str],
    total_conversions: float,
    total_value: float,
) -> MarkovResult:
    # the same counts in any order (engines return groups in any order) give the same floats
    counts = dict(sorted(counts.items()))
    out_total: dict[str, float] = {}
    for (a, _b), n in counts.items():
        out_total[a] = out_total.get(a, 0.0) + n
    prob = {(a, b): n / out_total[a] for (a, b), n in counts.items() if n > 0}
    transient = [START, *sorted(s for s in state_channels if s != START)]
    entered = {b for _a, b in prob}
    for s in transient:
        if s in entered and out_total.get(s, 0.0) <= 0:
            raise ConfigError(f"state {s!r} is entered but has no outgoing transitions")
    all_channels = sorted(set(channels) | {c for cs in state_channels.values() for c in cs})

    succ: dict[str, list[tuple[str, float]]] = {}
    to_conversion: dict[str, float] = {}
    for (a, b), p in prob.items():
        if b == CONVERSION:
            to_conversion[a] = p
        elif b != NULL:
            succ.setdefault(a, []).append((b, p))
    everything = set(transient)
    p_conv = _conversion_probability(everything, succ, to_conversion) if START in out_total else 0.0
    effects = dict.fromkeys(all_channels, 0.0)
    if p_conv > 0:
        for c in all_channels:
            kept = {s for s in transient if c not in state_channels.get(s, frozenset())}
            p_without = _conversion_probability(kept, succ, to_conversion)
            effects[c] = min(1.0, max(0.0, 1.0 - p_without / p_conv))
    total_effect = math.fsum(effects.values())
    if total_effect > 0:
        conv = {c: e / total_effect * total_conversions for c, e in effects.items()}
        val = {c: e / total_effect * total_value for c, e in effects.items()}
    else:
        conv = dict.fromkeys(all_channels, 0.0)
        val = dict.fromkeys(all_channels, 0.0)
    matrix = tuple(sorted((a, b, p) for (a, b), p in prob.items()))
    return MarkovResult(
        conversions=conv,
        value=val,
        removal_effects=effects,
        p_conversion=p_conv,
        transition_matrix=matrix,
        states=(*transient, CONVERSION, NULL),
        total_conversions=total_conversions,
        total_value=total_value,
    )


def markov_attribution(
    paths: PathTable | Any,
    *,
    order: int = 1,
    use_nulls: bool = True,
    collapse_repeats: bool = True,
) -> MarkovResult:
    """Markov-chain attribution: credit_c = RE_c / Σ_j RE_j × total conversions (and value).

    p(a→b) = n(a→b) / Σ_x n(a→x), counted over journeys (a row weighs conversions + nulls);
    P(conv) = x[(start)] with x = (I − Q)⁻¹ r; RE_c = 1 − P(conv | c removed) / P(conv), where
    removing c sends every transition into a state containing c to ``(null)``.

    Parameters
    ----------
    paths
        A :class:`PathTable` or a ``pyarrow.Table`` with ``path`` (``' > '``-joined),
        ``conversions`` and optional ``value`` and ``nulls``. Grain: one row per distinct path.
    order
        Markov order k ≥ 1: a state is the tuple of the last k channels (the first k − 1 states
        of a journey are its shorter prefixes), shown as ``'A > B'``.
    use_nulls
        As ChannelAttribution with ``var_null``: non-converting journeys end in ``(null)``.
        False: rows with 0 conversions are ignored, ``nulls`` is ignored and only removal
        creates ``(null)`` transitions (ChannelAttribution without ``var_null``).
    collapse_repeats
        Collapse consecutive identical channels (``A > A > B`` is ``A > B``) before building
        states, as ChannelAttribution does; no self-loops then.

    Returns
    -------
    :class:`MarkovResult`: credit per channel (conversions, value), removal effects, P(conv),
    the transition matrix and the states. Every channel of the input is a key, even one whose
    rows were all ignored (credit 0).

    Edge cases: no conversions → P(conv) = 0 and every credit and removal effect is 0; one
    channel → all credit to it. Whenever P(conv) > 0, Σ RE ≥ 1 (RE_c = P(visit c | converts)
    and every converting walk visits a channel), so the shares are always defined.

    Value credit is RE share × total value. ChannelAttribution instead estimates separate
    value removal effects by drawing values from the last channel; that is not reproduced.

    Tested by ``tests/attribution/test_markov.py::test_example_2_with_nulls`` (and
    ``…_without_nulls``, ``…_loop``, ``test_order_2_by_hand``).
    """
    if order < 1:
        raise ConfigError(f"order must be ≥ 1, got {order}")
    table = path_table(paths)
    counts: dict[tuple[str, str], float] = {}
    state_channels: dict[str, frozenset[str]] = {}

    def add(a: str, b: str, n: float) -> None:
        if n > 0:
            counts[(a, b)] = counts.get((a, b), 0.0) + n

    for path, conv, nul in zip(table.paths, table.conversions, table.nulls, strict=True):
        if not use_nulls:
            nul = 0.0
        weight = conv + nul
        if weight <= 0:
            continue
        channels = _collapse(path) if collapse_repeats else path
        states = _state_path(channels, order)
        for i, s in enumerate(states):
            state_channels[s] = frozenset(channels[max(0, i + 1 - order) : i + 1])
        previous = START
        for s in states:
            add(previous, s, weight)
            previous = s
        add(previous, CONVERSION, conv)
        add(previous, NULL, nul)
    return _solve(
        counts,
        state_channels,
        table.channels,
        table.total_conversions,
        table.total_value,
    )


def markov_from_transitions(
    transitions: Iterable[tuple[str, str, float]] | Any,
    total_conversions: float,
    total_value: float = 0.0,
) -> MarkovResult:
    """Markov attribution from precomputed transition counts (the engine sends only these).

    Parameters
    ----------
    transitions
        ``(from_state, to_state, count)`` rows, or a ``pyarrow.Table`` with those columns.
        States: ``(start)``, ``(conversion)``, ``(null)`` and channel states; a higher-order
        state is its channels joined by ``'>'`` (``'A > B'``), and removing a channel removes
        every state that contains it. Counts of the same pair are added.
    total_conversions, total_value
        What the credits sum to (the conversions and value of the journeys counted).

    Returns
    -------
    :class:`MarkovResult`, the same as :func:`markov_attribution` on the journeys the counts
    came from. Raises ``ConfigError`` for a negative count, a transition out of an absorbing
    state or into ``(start)``, or a state that is entered but never left.

    Tested by ``tests/attribution/test_markov.py::test_from_transitions_matches_paths``.
    """
    if hasattr(transitions, "column_names") and hasattr(transitions, "column"):
        rows: Iterable[tuple[Any, Any, Any]] = zip(
            transitions.column("from_state").to_pylist(),
            transitions.column("to_state").to_pylist(),
            transitions.column("count").to_pylist(),
            strict=True,
        )
    else:
        rows = transitions
    counts: dict[tuple[str, str], float] = {}
    state_channels: dict[str, frozenset[str]] = {}

    def parse(state: Any) -> str:
        name = str(state).strip()
        if name in _RESERVED:
            return name
        parts = tuple(p.strip() for p in name.split(SEP))
        if not all(parts):
            raise ConfigError(f"state {name!r} has an empty channel name")
        name = _state_name(parts)
        state_channels[name] = frozenset(parts)
        return name

    for raw_a, raw_b, n in rows:
        a, b = parse(raw_a), parse(raw_b)
        if a in (CONVERSION, NULL) or b == START:
            raise ConfigError(f"impossible transition {a!r} → {b!r}")
        amount = _amount(n, "count")
        if amount > 0:
            counts[(a, b)] = counts.get((a, b), 0.0) + amount
    return _solve(
        counts,
        state_channels,
        (),
        _amount(total_conversions, "total_conversions"),
        _amount(total_value, "total_value"),
    )
