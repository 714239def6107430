"""Rule-based attribution models, computed in the engine from :func:`journeys` rows.

Each model gives every journey row a weight ``w`` with Σw = 1 per conversion, then sums by
``credit_key``: ``conversions = Σ w`` and ``value = Σ w · value``. So every model conserves
totals: Σ conversions = number of conversions and Σ value = total value (specs/attribution.md
§1-2; the examples are ``tests/attribution/test_heuristics.py``).

``direct_credit=False`` is GA4's convention: Direct gets no credit unless the whole path is
Direct. Direct touches are dropped from every path that has another touch before the model
runs (positions and path lengths are recomputed), for every model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import ibis
import ibis.expr.types as ir

from socialroi.errors import ConfigError

__all__ = [
    "CREDIT_COLUMNS",
    "DEFAULT_HALF_LIFE_DAYS",
    "DIRECT",
    "MODELS",
    "AttributionModel",
    "first_touch",
    "heuristic_credit",
    "last_non_direct",
    "last_touch",
    "linear",
    "position_based",
    "time_decay",
    "without_direct",
]

#: Columns of every model's result, in order.
CREDIT_COLUMNS: tuple[str, ...] = ("credit_key", "conversions", "value")
#: Google's time-decay half-life.
DEFAULT_HALF_LIFE_DAYS = 7.0
#: The channel group of touches without a source.
DIRECT = "Direct"


class AttributionModel(Protocol):
    """A model: journeys in, one row per credit_key out (:data:`CREDIT_COLUMNS`)."""

    def __call__(self, journeys: ir.Table, *, direct_credit: bool = True) -> ir.Table: ...


def without_direct(journeys: ir.Table) -> ir.Table:
    """Journeys without their Direct touches, unless the whole path is Direct (GA4).

    A Direct touch is one whose ``credit_key`` is ``Direct``. Positions and ``n`` are
    recomputed over the remaining touches; other columns are unchanged.
    """
    j = journeys
    by_conv = ibis.window(group_by=j.conversion_id)
    j = j.mutate(
        _others=(j.credit_key != DIRECT).cast("int64").sum().over(by_conv),
    )
    j = j.filter((j.credit_key != DIRECT) | (j._others == 0))
    w = ibis.window(group_by=j.conversion_id, order_by=j.position)
    return j.mutate(
        position=(ibis.row_number().over(w) + 1).cast("int64"),
        n=j.count().over(ibis.window(group_by=j.conversion_id)).cast("int64"),
    ).drop("_others")


def _prepared(journeys: ir.Table, direct_credit: bool) -> ir.Table:
    return journeys if direct_credit else without_direct(journeys)


# Each weight stage adds the column ``_w_<model>`` (Σ = 1 per conversion). Stages are separate
# mutates because SQL cannot nest one window function inside another.
def _w_first_touch(j: ir.Table, half_life_days: float) -> ir.Table:
    return j.mutate(_w_first_touch=(j.position == 1).cast("float64"))


def _w_last_touch(j: ir.Table, half_life_days: float) -> ir.Table:
    return j.mutate(_w_last_touch=(j.position == j.n).cast("float64"))


def _w_last_non_direct(j: ir.Table, half_life_days: float) -> ir.Table:
    last_nd = (
        ibis.ifelse(j.credit_key != DIRECT, j.position, ibis.null("int64"))
        .max()
        .over(ibis.window(group_by=j.conversion_id))
    )
    j = j.mutate(_lnd_target=last_nd.coalesce(j.n))
    return j.mutate(_w_last_non_direct=(j.position == j._lnd_target).cast("float64"))


def _w_linear(j: ir.Table, half_life_days: float) -> ir.Table:
    return j.mutate(_w_linear=1.0 / j.n.cast("float64"))


def _w_time_decay(j: ir.Table, half_life_days: float) -> ir.Table:
    nearest = j.days_before.min().over(ibis.window(group_by=j.conversion_id))
    j = j.mutate(_td_raw=((nearest - j.days_before) * (math.log(2.0) / half_life_days)).exp())
    total = j._td_raw.sum().over(ibis.window(group_by=j.conversion_id))
    return j.mutate(_w_time_decay=j._td_raw / total)


def _w_position_based(j: ir.Table, half_life_days: float) -> ir.Table:
    n = j.n.cast("float64")
    weight = ibis.cases(
        (j.n == 1, 1.0),
        (j.n == 2, 0.5),
        ((j.position == 1) | (j.position == j.n), 0.4),
        else_=0.2 / (n - 2.0),
    )
    return j.mutate(_w_position_based=weight.cast("float64"))


_WEIGHTS: dict[str, Callable[[ir.Table, float], ir.Table]] = {
    "first_touch": _w_first_touch,
    "last_touch": _w_last_touch,
    "last_non_direct": _w_last_non_direct,
    "linear": _w_linear,
    "time_decay": _w_time_decay,
    "position_based": _w_position_based,
}


def _check_half_life(half_life_days: float) -> None:
    if (
        isinstance(half_life_days, bool)
        or not isinstance(half_life_days, int | float)
        or not half_life_days > 0
        or math.isinf(half_life_days)
    ):
        raise ConfigError(
            f"half_life_days must be a positive number, got {half_life_days!r}",
            hint="Google's time-decay model uses a 7-day half-life",
        )


def _credit_wide(
    journeys: ir.Table, names: tuple[str, ...], direct_credit: bool, half_life_days: float
) -> ir.Table:
    """One pass over the journeys: Σ w and Σ w · value of every model in ``names``, by key."""
    _check_half_life(half_life_days)
    j = _prepared(journeys, direct_credit)
    for name in names:
        j = _WEIGHTS[name](j, half_life_days)
    sums: dict[str, ir.Value] = {}
    for name in names:
        w = j[f"_w_{name}"]
        sums[f"{name}__conversions"] = w.sum()
        sums[f"{name}__value"] = (w * j.value.cast("float64")).sum()
    return j.group_by("credit_key").aggregate(**sums)


def _long(wide: ir.Table, name: str) -> ir.Table:
    return wide.select(
        credit_key=wide.credit_key.cast("string"),
        conversions=wide[f"{name}__conversions"].cast("float64"),
        value=wide[f"{name}__value"].cast("float64"),
    )


def _model(name: str, journeys: ir.Table, direct_credit: bool, half_life_days: float) -> ir.Table:
    return _long(_credit_wide(journeys, (name,), direct_credit, half_life_days), name)


def first_touch(journeys: ir.Table, *, direct_credit: bool = True) -> ir.Table:
    """First touch: 100 % to t1.

    Returns one row per credit_key of the journeys: ``credit_key``, ``conversions`` (credit),
    ``value`` (credited value). Tested by ``test_heuristics.py::test_example_1``.
    """
    return _model("first_touch", journeys, direct_credit, DEFAULT_HALF_LIFE_DAYS)


def last_touch(journeys: ir.Table, *, direct_credit: bool = True) -> ir.Table:
    """Last touch (last interaction): 100 % to tn, Direct included unless ``direct_credit``.

    Same output as :func:`first_touch`.
    """
    return _model("last_touch", journeys, direct_credit, DEFAULT_HALF_LIFE_DAYS)


def last_non_direct(journeys: ir.Table, *, direct_credit: bool = True) -> ir.Table:
    """Last non-direct click: 100 % to the last touch that is not Direct; Direct only if all are.

    ``direct_credit`` changes nothing here (the model already is GA4's rule); it is accepted so
    that every model has the same signature. Same output as :func:`first_touch`.
    """
    return _model("last_non_direct", journeys, direct_credit, DEFAULT_HALF_LIFE_DAYS)


def linear(journeys: ir.Table, *, direct_credit: bool = True) -> ir.Table:
    """Linear: 1/n of each conversion per touch (a channel touched twice gets 2/n).

    Same output as :func:`first_touch`.
    """
    return _model("linear", journeys, direct_credit, DEFAULT_HALF_LIFE_DAYS)


def time_decay(
    journeys: ir.Table,
    *,
    direct_credit: bool = True,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> ir.Table:
    """Time decay: w_i = 2^(−Δ_i / half_life_days), normalised to Σw = 1 per conversion.

    Δ_i is ``days_before`` (fractional days to the conversion). Computed as
    2^(−(Δ_i − min Δ) / half_life) / Σ of the same, which is equal and cannot underflow to 0/0.
    Raises ``ConfigError`` unless ``half_life_days`` > 0. Same output as :func:`first_touch`.
    """
    return _model("time_decay", journeys, direct_credit, half_life_days)


def position_based(journeys: ir.Table, *, direct_credit: bool = True) -> ir.Table:
    """Position-based (U-shaped): 40 % t1, 40 % tn, 20 % split evenly over t2..t(n−1).

    n = 1: 100 %; n = 2: 50 % each (the only split that conserves the value). Same output as
    :func:`first_touch`.
    """
    return _model("position_based", journeys, direct_credit, DEFAULT_HALF_LIFE_DAYS)


#: Every rule-based model by name (the names of ``socialroi attribution --model``).
MODELS: dict[str, AttributionModel] = {
    "first_touch": first_touch,
    "last_touch": last_touch,
    "last_non_direct": last_non_direct,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
}


def heuristic_credit(
    journeys: ir.Table,
    *,
    models: tuple[str, ...] | None = None,
    direct_credit: bool = True,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> ir.Table:
    """Several models in one pass over the journeys, stacked with a ``model`` column.

    Every model's weights are computed on the same rows and summed by one ``group_by``; the
    small per-key table is then unpivoted (one row per model and key).

    Parameters
    ----------
    journeys
        :func:`socialroi.attribution.journeys`.
    models
        Names from :data:`MODELS` (default: all); an unknown name raises ``ConfigError``.
    direct_credit
        Passed to every model.
    half_life_days
        For ``time_decay``.

    Returns
    -------
    ir.Table
        Grain: one row per (model, credit_key). Columns ``model``, ``credit_key``,
        ``conversions``, ``value``.
    """
    names = tuple(MODELS) if models is None else tuple(models)
    unknown = [m for m in names if m not in MODELS]
    if unknown or not names:
        raise ConfigError(
            f"unknown attribution model(s): {', '.join(unknown) or '(none given)'}",
            hint=f"use one of {', '.join(MODELS)}",
        )
    names = tuple(dict.fromkeys(names))
    wide = _credit_wide(journeys, names, direct_credit, half_life_days)
    parts = [_long(wide, m).mutate(model=ibis.literal(m).cast("string")) for m in names]
    return ibis.union(*parts).select("model", *CREDIT_COLUMNS)
