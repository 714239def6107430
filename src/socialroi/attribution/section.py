"""The ``attribution`` part of ``socialroi summary``: every model side by side.

Conversions (customers by default) that happen in the period are credited over their journeys
in the lookback window (default 90 days, which may reach before the period). Null journeys
(non-converting paths) that end in the period shape the Markov graph. The models, reports and
intervals come from :func:`~socialroi.attribution.compare.compare_models`; this module adds the
period, the cost of each credit key in the period and the return by model.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from socialroi.attribution.compare import ALL_MODELS, compare_models
from socialroi.attribution.touchpoints import NullJourneys, conversions, journeys, touchpoints
from socialroi.attribution.uncertainty import DEFAULT_REPLICATES
from socialroi.engine import Engine, Tables, memtable
from socialroi.metrics._period import MONEY_DECIMALS, RATIO_DECIMALS, period_bounds
from socialroi.metrics.cost import cost_in_period, labour_cost
from socialroi.metrics.roi import cost_per_customer, cost_per_lead, roi, roi_with_labour

__all__ = ["SUMMARY_MODELS", "attribution_section", "cost_by_key", "roi_by_model"]

#: Models of the summary, in the contract's order (``last_non_direct`` added after ``last_touch``).
SUMMARY_MODELS: tuple[str, ...] = ALL_MODELS

_COST_KEY = {"network": "network", "campaign": "campaign", "post": "post_id"}


def cost_by_key(
    t: Tables,
    date_from: dt.date,
    date_to: dt.date,
    level: Literal["network", "campaign", "post"] = "network",
) -> ir.Table:
    """Cost and cost with labour in the period per credit key (network, campaign or post).

    cost = Σ ``cost_in_period`` of the key's cost rows; cost_with_labour = cost + Σ
    ``labour_cost`` (staff hours carry no post, so at post level it equals cost). Rows without
    the key (unallocated cost) are left out: they are never spread over keys.

    Returns one row per key with cost: ``credit_key``, ``cost``, ``cost_with_labour``.
    """
    column = _COST_KEY[level]
    c = cost_in_period(t.costs, date_from, date_to)
    parts = [c.select(credit_key=c[column].cast("string"), cost=c.cost.cast("float64"),
                      labour=ibis.literal(0.0, type="float64"))]  # fmt: skip
    if level != "post":
        h = labour_cost(t.staff_hours, date_from, date_to)
        parts.append(h.select(credit_key=h[column].cast("string"),
                              cost=ibis.literal(0.0, type="float64"),
                              labour=h.labour_cost.cast("float64")))  # fmt: skip
    u = ibis.union(*parts)
    u = u.filter(u.credit_key.notnull())
    agg = u.group_by("credit_key").aggregate(cost=u.cost.sum(), labour=u.labour.sum())
    return agg.select("credit_key", "cost", cost_with_labour=agg.cost + agg.labour)


def roi_by_model(
    engine: Engine,
    costs: ir.Table,
    credit: dict[str, dict[str, dict[str, float]]],
    conversion: Literal["customer", "lead", "revenue"],
) -> dict[str, dict[str, dict[str, float | None]]]:
    """Return on each key's cost under each model, computed in the engine.

    ``revenue``: credited revenue = the model's value credit; roi = (credited revenue − cost) ÷
    cost and roi_with_labour likewise (``socialroi.metrics.roi``). ``customer`` / ``lead``:
    cost_per_customer (or cost_per_lead) = cost ÷ credited conversions. A ratio over 0 is null.

    Returns ``{model: {key: {"credited", "cost", "cost_with_labour", ratios…}}}`` for every key
    with credit or cost.
    """
    measure = "value" if conversion == "revenue" else "conversions"
    rows = [(m, k, float(c[measure])) for m, by_key in credit.items() for k, c in by_key.items()]
    models = memtable({"model": list(credit)}, schema={"model": "string"})
    cost_rows = models.cross_join(costs)
    credited = memtable(
        {
            "model": [r[0] for r in rows],
            "credit_key": [r[1] for r in rows],
            "credited": [r[2] for r in rows],
        },
        schema={"model": "string", "credit_key": "string", "credited": "float64"},
    )
    x = credited.outer_join(cost_rows, ["model", "credit_key"])
    x = x.select(
        model=x.model.coalesce(x.model_right),
        credit_key=x.credit_key.coalesce(x.credit_key_right),
        credited=x.credited.fill_null(0.0),
        cost=x.cost.fill_null(0.0),
        cost_with_labour=x.cost_with_labour.fill_null(0.0),
    )
    if conversion == "revenue":
        x = roi_with_labour(roi(x.mutate(revenue=x.credited))).drop("revenue")
    elif conversion == "customer":
        x = cost_per_customer(x.mutate(customers=x.credited)).drop("customers")
    else:
        x = cost_per_lead(x.mutate(leads=x.credited)).drop("leads")
    out: dict[str, dict[str, dict[str, float | None]]] = {m: {} for m in credit}
    for r in sorted(engine.execute(x).to_pylist(), key=lambda r: (r["model"], r["credit_key"])):
        model, key = r.pop("model"), r.pop("credit_key")
        out[model][key] = {k: _round(k, v) for k, v in r.items()}
    return out


def _round(name: str, v: float | None) -> float | None:
    """Cost columns to cents; credit and ratios to 4 decimals."""
    if v is None:
        return None
    digits = MONEY_DECIMALS if name in ("cost", "cost_with_labour") else RATIO_DECIMALS
    return round(float(v), digits) + 0.0


def _by_credit(credits: dict[str, float]) -> dict[str, float]:
    return {
        key: round(credit, RATIO_DECIMALS) + 0.0
        for key, credit in sorted(credits.items(), key=lambda kv: (-kv[1], kv[0]))
        if credit != 0.0
    }


def attribution_section(
    engine: Engine,
    workspace_id: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    conversion: Literal["customer", "lead", "revenue"] = "customer",
    window_days: int = 90,
    level: Literal["network", "campaign", "post"] = "network",
    direct_credit: bool = True,
    bootstrap: int = DEFAULT_REPLICATES,
    seed: int = 0,
) -> dict[str, Any]:
    """Credit per network (or channel group, campaign, post) under every model, for
    conversions in the period.

    Returns
    -------
    The contract's keys ``{"conversion", "window_days", "models": {model: {credit_key:
    credit}}}`` plus ``conversions`` and ``value`` (totals), ``period``, ``level``,
    ``direct_credit``, ``unit`` (``conversions`` or ``value``), ``intervals`` (bootstrap
    90 % intervals of Markov and Shapley credit in the same unit: {model: {key: [low,
    high]}}), ``confidence``, ``bootstrap_replicates``, ``seed``, ``conversions_on_paths``,
    ``warnings`` (keys with fewer than 30 conversions on their paths), ``removal_effects``,
    ``p_conversion``, ``transition_matrix`` (Markov order 1), ``roi_by_model``
    (:func:`roi_by_model`), ``assisted``, ``top_paths``, ``path_length`` and ``time_lag``.

    ``credit`` is in conversions for ``customer`` and ``lead``, in base-currency value for
    ``revenue``; each model's credits sum to ``conversions`` (or ``value``), rounded to 4
    decimals. Credit keys are the touchpoint's network where it has one, else its channel group
    (or its campaign or post with ``level``).

    Tested by ``tests/attribution/test_section.py``.
    """
    # one run: the touchpoints and conversions every query below reads are computed once
    with engine.shared(workspace_id) as t:
        start, end = period_bounds(date_from, date_to, t.workspace.timezone)
        lo = ibis.literal(start, type="timestamp")
        hi = ibis.literal(end, type="timestamp")
        tp = touchpoints(t)
        all_conversions = conversions(t, conversion=conversion)
        in_period = all_conversions.filter(
            all_conversions.converted_at >= lo, all_conversions.converted_at < hi
        )
        j = journeys(tp, in_period, window_days=window_days)
        # null journeys that end in the period, read in one ordered pass (never built row by row)
        nj = NullJourneys(tp, all_conversions, window_days, ended_from=start, ended_before=end)
        result = compare_models(
            engine, j, nj, level=level, direct_credit=direct_credit, bootstrap=bootstrap, seed=seed
        )
        measure = "value" if conversion == "revenue" else "conversions"
        totals = engine.execute(
            in_period.aggregate(n=in_period.count(), v=in_period.value.sum().fill_null(0.0))
        ).to_pylist()[0]
        credit = result["credit"]
        costs = cost_by_key(t, date_from, date_to, level)
        unit = "value" if measure == "value" else "conversions"
        return {
            "conversion": conversion,
            "window_days": window_days,
            "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
            "level": level,
            "direct_credit": direct_credit,
            "unit": unit,
            "conversions": int(totals["n"]),
            "value": round(float(totals["v"]), 2),
            "models": {
                name: _by_credit({k: c[measure] for k, c in credit[name].items()})
                for name in SUMMARY_MODELS
            },
            "intervals": {
                model: {
                    key: [
                        round(iv[f"{measure}_low"], RATIO_DECIMALS) + 0.0,
                        round(iv[f"{measure}_high"], RATIO_DECIMALS) + 0.0,
                    ]
                    for key, iv in sorted(by_key.items())
                }
                for model, by_key in result["intervals"].items()
            },  # fmt: skip
            "confidence": result["confidence"],
            "bootstrap_replicates": result["bootstrap_replicates"],
            "seed": seed,
            "conversions_on_paths": {
                k: int(v) for k, v in sorted(result["conversions_on_paths"].items())
            },
            "warnings": result["warnings"],
            "p_conversion": round(result["markov"]["p_conversion"], RATIO_DECIMALS),
            "removal_effects": {
                k: round(v, RATIO_DECIMALS) + 0.0
                for k, v in sorted(result["markov"]["removal_effects"].items())
            },
            "transition_matrix": [
                [a, b, round(p, RATIO_DECIMALS)]
                for a, b, p in result["markov"]["transition_matrix"]
            ],
            "roi_by_model": roi_by_model(engine, costs, credit, conversion),
            "assisted": [_rounded_row(r) for r in result["assisted"]],
            "top_paths": [_rounded_row(r) for r in result["top_paths"]],
            "path_length": [_rounded_row(r) for r in result["path_length"]],
            "time_lag": [_rounded_row(r) for r in result["time_lag"]],
        }


def _rounded_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: round(v, RATIO_DECIMALS) + 0.0 if isinstance(v, float) else v for k, v in row.items()
    }
