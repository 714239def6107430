"""Every model side by side, with the path reports and the uncertainty, in one call.

:func:`compare_models` takes journeys (and null journeys) as Ibis expressions and sends the
engine a handful of small-result queries: the six rule-based models in one pass, first-order
transition counts (Markov order 1), conversions per channel set (Shapley), assisted
conversions, the top paths, the path-length and time-lag distributions. Only those small
tables reach Python, where the Markov chain and the Shapley values are solved exactly. The
distinct-path table (every distinct path as a string) is fetched only when it is needed: a
Markov order above 1, or bootstrap intervals.

:func:`at_level` moves the credit from networks/channel groups to campaigns or posts, so every
model and report runs unchanged at any level.
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from socialroi.attribution.heuristics import (
    DEFAULT_HALF_LIFE_DAYS,
    MODELS,
    heuristic_credit,
    without_direct,
)
from socialroi.attribution.markov import MarkovResult, markov_attribution, markov_from_transitions
from socialroi.attribution.reports import (
    assisted_conversions,
    channel_sets,
    count_steps,
    count_transitions,
    path_counts,
    path_length_distribution,
    time_lag_distribution,
    top_converting_paths,
    top_paths,
    transitions,
    transitions_of_steps,
)
from socialroi.attribution.shapley import shapley_from_channel_sets
from socialroi.attribution.touchpoints import MAX_STEP_DEPTH, NullJourneys
from socialroi.attribution.uncertainty import (
    MIN_CONVERSIONS,
    Interval,
    bootstrap_intervals,
    small_sample_warnings,
)
from socialroi.engine import Engine, memtable
from socialroi.errors import ConfigError

__all__ = ["ALL_MODELS", "LEVELS", "NO_CAMPAIGN", "NO_POST", "at_level", "compare_models"]

#: Every model of :func:`compare_models`, in report order.
ALL_MODELS: tuple[str, ...] = (*MODELS, "markov", "shapley")
#: Where credit can go: the touchpoint's network or channel group, its campaign, its post.
LEVELS: tuple[str, ...] = ("network", "campaign", "post")
#: The credit key of a touch without a campaign (at ``level="campaign"``).
NO_CAMPAIGN = "(no campaign)"
#: The credit key of a touch without a post (at ``level="post"``).
NO_POST = "(no post)"


_JOURNEY_COLUMNS = ("conversion_id", "credit_key", "position", "n", "value", "days_before")
_NULL_COLUMNS = ("journey_id", "credit_key", "position", "n")


def _drop_direct_nulls(null_journeys: ir.Table) -> ir.Table:
    """:func:`without_direct` for null journeys (keyed by ``journey_id``)."""
    nj = null_journeys.rename(conversion_id="journey_id")
    return without_direct(nj).rename(journey_id="conversion_id")


def at_level(rows: ir.Table, level: Literal["network", "campaign", "post"]) -> ir.Table:
    """Journey rows whose ``credit_key`` is the touch's network/channel, campaign or post.

    ``network`` returns ``rows`` unchanged. ``campaign``: the touch's ``campaign`` (trimmed by
    the touchpoint rules), :data:`NO_CAMPAIGN` when it has none. ``post``: the touch's
    ``post_id``, :data:`NO_POST` when it has none. Works for journeys and null journeys.
    """
    if level == "network":
        return rows
    if level == "campaign":
        key = rows.campaign.cast("string").coalesce(ibis.literal(NO_CAMPAIGN))
    elif level == "post":
        key = rows.post_id.cast("string").coalesce(ibis.literal(NO_POST))
    else:
        raise ConfigError(f"unknown level {level!r}", hint=f"use one of {', '.join(LEVELS)}")
    return rows.mutate(credit_key=key)


def _cached(engine: Engine, table: ir.Table) -> ir.Table:
    """``table`` computed once into a temporary table of the engine (``Table.cache`` on the
    engine's own backend: a table built only from in-memory data would otherwise be cached in
    Ibis's default backend). Released with ``.release()``."""
    cached: ir.Table = engine.backend._cached_table(table)  # noqa: SLF001 - Table.cache's own hook
    return cached


def _rows(engine: Engine, expr: ir.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = engine.execute(expr).to_pylist()
    return rows


def compare_models(
    engine: Engine,
    journeys: ir.Table,
    null_journeys: ir.Table | NullJourneys | None = None,
    *,
    level: Literal["network", "campaign", "post"] = "network",
    direct_credit: bool = True,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    markov_order: int = 1,
    bootstrap: int = 0,
    confidence: float = 0.90,
    seed: int = 0,
    top: int = 10,
) -> dict[str, Any]:
    """Seven models, assisted conversions, top paths and path distributions in one call.

    Parameters
    ----------
    engine
        Runs the queries.
    journeys, null_journeys
        :func:`~socialroi.attribution.journeys` and
        :func:`~socialroi.attribution.null_journeys` (None: Markov sees converting paths only,
        as ChannelAttribution without ``var_null``). Null journeys given as
        :class:`~socialroi.attribution.touchpoints.NullJourneys` are never built: Markov's
        transitions and the top paths' null counts come from one ordered pass over the
        touchpoints (same results).
    level
        ``network`` (network, else channel group), ``campaign`` or ``post``: :func:`at_level`.
    direct_credit
        False: Direct gets no credit unless the whole path is Direct (GA4), in every model,
        Markov and Shapley included (Direct touches leave the paths first).
    half_life_days
        Time decay's half-life.
    markov_order
        1 (default: from the engine's transition counts) to 3 (from the distinct paths).
    bootstrap
        Replicates of the bootstrap intervals of Markov (order 1) and Shapley credit; 0 = none.
    confidence, seed
        The intervals' coverage (0.90) and random seed (same seed, same intervals).
    top
        How many top conversion paths to report.

    Returns
    -------
    A dict: ``conversions`` and ``value`` (totals credited), ``credit`` = {model: {key:
    {"conversions", "value"}}} (every model sums to the totals), ``markov`` = {``order``,
    ``p_conversion``, ``removal_effects``, ``transition_matrix`` (``[from, to, probability]``
    rows)}, ``intervals`` = {"markov"|"shapley": {key: {"conversions_low",
    "conversions_high", "value_low", "value_high"}}} (empty without ``bootstrap``),
    ``conversions_on_paths`` = {key: conversions whose path contains it}, ``warnings`` (keys
    under :data:`~socialroi.attribution.uncertainty.MIN_CONVERSIONS` conversions),
    ``assisted``, ``top_paths``, ``path_length``, ``time_lag`` (rows of the reports of
    :mod:`~socialroi.attribution.reports`).

    Tested by ``tests/attribution/test_compare.py``.
    """
    if markov_order not in (1, 2, 3):
        raise ConfigError(f"markov_order must be 1, 2 or 3, got {markov_order!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise ConfigError(f"bootstrap must be a whole number ≥ 0, got {bootstrap!r}")
    j = journeys if direct_credit else without_direct(journeys)
    nj = null_journeys
    if nj is not None and not direct_credit:
        # dropping Direct renumbers every null journey: the ordered pass cannot do that
        nj = _drop_direct_nulls(nj.rows() if isinstance(nj, NullJourneys) else nj)
    # every report reads the same journeys: compute them once, narrowed to what reports read
    j = _cached(engine, at_level(j, level).select(*_JOURNEY_COLUMNS))
    lean: NullJourneys | None = None
    rows: ir.Table | None = None
    if isinstance(nj, NullJourneys):
        lean = nj.with_touchpoints(at_level(nj.touchpoints, level))
    elif nj is not None:
        rows = _cached(engine, at_level(nj, level).select(*_NULL_COLUMNS))
    try:
        return _compare(
            engine, j, rows, lean, level=level, direct_credit=direct_credit,
            half_life_days=half_life_days, markov_order=markov_order, bootstrap=bootstrap,
            confidence=confidence, seed=seed, top=top,
        )  # fmt: skip
    finally:
        j.release()
        if rows is not None:
            rows.release()


def _compare(
    engine: Engine,
    j: ir.Table,
    nj: ir.Table | None,
    lean: NullJourneys | None,
    *,
    level: str,
    direct_credit: bool,
    half_life_days: float,
    markov_order: int,
    bootstrap: int,
    confidence: float,
    seed: int,
    top: int,
) -> dict[str, Any]:

    credit: dict[str, dict[str, dict[str, float]]] = {m: {} for m in ALL_MODELS}
    for row in _rows(engine, heuristic_credit(j, half_life_days=half_life_days)):
        credit[row["model"]][row["credit_key"]] = {
            "conversions": float(row["conversions"]),
            "value": float(row["value"]),
        }
    sets = _rows(engine, channel_sets(j))
    totals = {
        frozenset(r["channels"].split(" > ")): (float(r["conversions"]), float(r["value"]))
        for r in sets
    }
    n_conv = float(sum(r["conversions"] for r in sets))
    total_value = float(sum(r["value"] for r in sets))
    for key, sh in shapley_from_channel_sets(totals).items():
        credit["shapley"][key] = {"conversions": sh.conversions, "value": sh.value}
    on_paths: dict[str, float] = {}
    for s, (c, _v) in totals.items():
        for key in s:
            on_paths[key] = on_paths.get(key, 0.0) + c

    paths = None
    if markov_order > 1 or bootstrap > 0:
        paths = engine.execute(path_counts(j, nj if lean is None else lean.rows()))
    if lean is None:
        top_rows = _rows(engine, top_paths(j, nj, limit=top)) if sets else []
        trans = engine.execute(transitions(j, nj)) if markov_order == 1 else None
    else:
        top_rows, trans = _lean_paths(engine, j, lean, top=top, with_transitions=markov_order == 1)
    markov: MarkovResult
    if trans is not None:
        markov = markov_from_transitions(trans, n_conv, total_value)
    else:
        use_nulls = nj is not None or lean is not None
        markov = markov_attribution(paths, order=markov_order, use_nulls=use_nulls)
    for key in markov.conversions:
        credit["markov"][key] = {
            "conversions": markov.conversions[key],
            "value": markov.value[key],
        }
    intervals: dict[str, dict[str, dict[str, float]]] = {"markov": {}, "shapley": {}}
    if bootstrap > 0 and paths is not None:
        boot = bootstrap_intervals(paths, replicates=bootstrap, level=confidence, seed=seed)
        intervals = {
            model: {key: _interval(iv) for key, iv in by_key.items()}
            for model, by_key in boot.items()
        }
    return {
        "level": level,
        "direct_credit": direct_credit,
        "conversions": n_conv,
        "value": total_value,
        "credit": credit,
        "markov": {
            "order": markov_order,
            "p_conversion": markov.p_conversion,
            "removal_effects": dict(markov.removal_effects),
            "transition_matrix": [list(row) for row in markov.transition_matrix],
        },
        "intervals": intervals,
        "confidence": confidence,
        "bootstrap_replicates": bootstrap,
        "conversions_on_paths": on_paths,
        "warnings": small_sample_warnings(on_paths, minimum=MIN_CONVERSIONS),
        # engines return groups in any order: most assists first, ties by key, so equal
        # inputs give equal output on DuckDB and Spark
        "assisted": sorted(
            _rows(engine, assisted_conversions(j)),
            key=lambda r: (-r["assisted_conversions"], -r["last_conversions"], r["credit_key"]),
        ),
        "top_paths": top_rows,
        "path_length": _rows(engine, path_length_distribution(j).order_by("path_length")),
        "time_lag": _rows(engine, time_lag_distribution(j).order_by("bucket_order")),
    }


def _lean_paths(
    engine: Engine, j: ir.Table, lean: NullJourneys, *, top: int, with_transitions: bool
) -> tuple[list[dict[str, Any]], Any]:
    """The top paths and (``with_transitions``) Markov's transition counts with the null side
    read in one ordered pass (:meth:`NullJourneys.steps`).

    The top converting paths come first, from the (small) converting journeys; each null
    journey's last touch then looks back at most as far as the longest of them to tell which
    one it is, in the same pass that counts the steps.
    """
    top_rows = _rows(engine, top_converting_paths(j, limit=top))
    reps = [r["_rep"] for r in top_rows]
    keys: dict[str, list[tuple[int, str]]] = {rep: [] for rep in reps}
    if reps:
        chosen = j.filter(j.conversion_id.cast("string").isin(reps))
        for r in _rows(engine, chosen.select(_id=chosen.conversion_id.cast("string"),
                                             position=chosen.position,
                                             credit_key=chosen.credit_key)):  # fmt: skip
            keys[r["_id"]].append((int(r["position"]), str(r["credit_key"])))
    paths = [tuple(k for _, k in sorted(keys[rep])) for rep in reps]
    depth = max((len(p) for p in paths), default=1)
    nulls: list[int] | None = None
    trans = None
    if depth <= MAX_STEP_DEPTH:
        counts = count_steps(engine, j, lean, depth, paths)
        found = [0] * len(paths)
        for row in counts.select(["_match", "_last", "_count"]).to_pylist():
            if row["_match"] is not None and row["_last"]:
                found[row["_match"]] += int(row["_count"])
        nulls = found
        if with_transitions:
            trans = engine.execute(transitions_of_steps(memtable(counts)))
    elif with_transitions:
        trans = count_transitions(engine, j, lean)
    if nulls is None:
        # a top path longer than MAX_STEP_DEPTH: count null journeys by their signature
        return _rows(engine, top_paths(j, lean.rows(), limit=top)), trans
    out = [
        {
            "path": r["path"],
            "conversions": r["conversions"],
            "value": r["value"],
            "nulls": n,
            "conversion_rate": r["conversions"] / (r["conversions"] + n),
        }
        for r, n in zip(top_rows, nulls, strict=True)
    ]
    out.sort(key=lambda r: (-r["conversions"], -r["value"], r["path"]))
    return out, trans


def _interval(iv: Interval) -> dict[str, float]:
    return {
        "conversions_low": iv.conversions_low,
        "conversions_high": iv.conversions_high,
        "value_low": iv.value_low,
        "value_high": iv.value_high,
    }
