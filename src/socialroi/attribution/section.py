"""The ``attribution`` part of ``socialroi summary``: every model side by side.

Conversions (customers by default) that happen in the period are credited over their journeys
in the lookback window (default 90 days, which may reach before the period). The rule-based
models run in the engine in one pass (:func:`~socialroi.attribution.heuristics.heuristic_credit`);
Markov and Shapley are solved exactly with NumPy on the distinct-path table
(:func:`~socialroi.attribution.reports.path_counts`), the only data that leaves the engine. Null
journeys (non-converting paths) that end in the period shape the Markov graph.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import ibis

from socialroi.attribution.heuristics import MODELS, heuristic_credit
from socialroi.attribution.markov import markov_attribution
from socialroi.attribution.reports import path_counts
from socialroi.attribution.shapley import shapley_attribution
from socialroi.attribution.touchpoints import conversions, journeys, null_journeys, touchpoints
from socialroi.engine import Engine
from socialroi.metrics._period import RATIO_DECIMALS, period_bounds

__all__ = ["SUMMARY_MODELS", "attribution_section"]

#: Models of the summary, in the contract's order (``last_non_direct`` added after ``last_touch``).
SUMMARY_MODELS: tuple[str, ...] = (*MODELS, "markov", "shapley")


def attribution_section(
    engine: Engine,
    workspace_id: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    conversion: Literal["customer", "lead", "revenue"] = "customer",
    window_days: int = 90,
) -> dict[str, Any]:
    """Credit per network (or channel group) under every model, for conversions in the period.

    Returns
    -------
    ``{"conversion", "window_days", "conversions", "value", "models": {model: {credit_key:
    credit}}}``. ``credit`` is in conversions for ``customer`` and ``lead``, in base-currency
    value for ``revenue``; each model's credits sum to ``conversions`` (or ``value``), rounded to
    4 decimals. Credit keys are the touchpoint's network where it has one, else its channel group.

    Tested by ``tests/attribution/test_section.py``.
    """
    t = engine.tables(workspace_id)
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    lo = ibis.literal(start, type="timestamp")
    hi = ibis.literal(end, type="timestamp")
    tp = touchpoints(t)
    all_conversions = conversions(t, conversion=conversion)
    in_period = all_conversions.filter(
        all_conversions.converted_at >= lo, all_conversions.converted_at < hi
    )
    j = journeys(tp, in_period, window_days=window_days)
    nj = null_journeys(tp, all_conversions, window_days=window_days)
    nj = nj.filter(nj.ended_at >= lo, nj.ended_at < hi)

    measure = "value" if conversion == "revenue" else "conversions"
    totals = engine.execute(
        in_period.aggregate(n=in_period.count(), v=in_period.value.sum().fill_null(0.0))
    ).to_pylist()[0]
    models: dict[str, dict[str, float]] = {name: {} for name in SUMMARY_MODELS}
    for row in engine.execute(heuristic_credit(j)).to_pylist():
        models[row["model"]][row["credit_key"]] = float(row[measure])
    paths = engine.execute(path_counts(j, nj))
    markov = markov_attribution(paths)
    models["markov"] = dict(markov.value if measure == "value" else markov.conversions)
    models["shapley"] = {
        key: (credit.value if measure == "value" else credit.conversions)
        for key, credit in shapley_attribution(paths).items()
    }
    return {
        "conversion": conversion,
        "window_days": window_days,
        "conversions": int(totals["n"]),
        "value": round(float(totals["v"]), 2),
        "models": {
            name: {
                key: round(credit, RATIO_DECIMALS) + 0.0
                for key, credit in sorted(credits.items(), key=lambda kv: (-kv[1], kv[0]))
                if credit != 0.0
            }
            for name, credits in models.items()
        },
    }
