"""Goals (the ``goals`` table) tracked with pace: on track or behind, projected end value.

A goal is a target for a metric over ``[period_start, period_end]`` (workspace calendar days),
optionally for one network. The actual value counts as the summary does
(:func:`socialroi.metrics.forecast.dated_facts`): visits under their own network, leads,
customers and revenue under the person's first-touch network; a goal without a network counts
everything, a goal for network ``social`` every social network; a goal with a campaign counts
visits of that campaign and the leads, customers and revenue of people whose first visit was in
it (:func:`socialroi.metrics.forecast.dated_facts`).

Pace, on day ``as_of`` (included), with D = days in the goal period and d = days elapsed
(min(as_of, period_end) − period_start + 1, at least 0):

- projected = actual × D ÷ d (linear run rate), actual once the period is over;
- expected_to_date = target × d ÷ D;
- status: ``not_started`` (d = 0), ``met`` / ``missed`` (period over: actual ≥ target or not),
  else ``on_track`` when projected ≥ target, ``behind`` otherwise;
- attainment = actual ÷ target (null when target is 0).

Example: a 30-day goal of 300 leads, 120 leads after 10 days → projected 120 × 30 ÷ 10 = 360,
expected 100, attainment 0.4, on track.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from socialroi.engine import Engine
from socialroi.metrics._period import MONEY_DECIMALS, RATIO_DECIMALS, period_bounds
from socialroi.metrics.forecast import dated_facts
from socialroi.schema.entities import NETWORKS

__all__ = ["GOAL_METRICS", "goal_pace", "goal_progress"]

#: Metrics a goal can target (``goals.metric``, trimmed, any case).
GOAL_METRICS: tuple[str, ...] = ("visits", "leads", "customers", "revenue")
_SOCIAL = "social"


def goal_pace(
    target: float, actual: float, period_start: dt.date, period_end: dt.date, as_of: dt.date
) -> dict[str, Any]:
    """Pace of one goal on ``as_of`` (formulas in the module docstring).

    Returns ``days``, ``elapsed_days``, ``expected_to_date``, ``projected``, ``attainment`` and
    ``status``. Tested by ``tests/metrics/test_goals.py::test_goal_pace_hand_computed``.
    """
    days = (period_end - period_start).days + 1
    elapsed = max(0, min((min(as_of, period_end) - period_start).days + 1, days))
    over = as_of >= period_end
    if elapsed == 0:
        projected: float | None = None
        status = "not_started"
    elif over:
        projected = actual
        status = "met" if actual >= target else "missed"
    else:
        projected = actual * days / elapsed
        status = "on_track" if projected >= target else "behind"
    return {
        "days": days,
        "elapsed_days": elapsed,
        "expected_to_date": target * elapsed / days,
        "projected": projected,
        "attainment": actual / target if target else None,
        "status": status,
    }


def goal_progress(engine: Engine, workspace_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """Every goal of the workspace with its actual value to ``as_of`` and its pace.

    One engine query for all goals: the dated facts (:func:`socialroi.metrics.forecast.
    dated_facts`, visits included) aggregated once, with one filtered sum per goal over
    ``[period_start, min(as_of, period_end)]`` (workspace calendar) and the goal's network.
    A goal with a ``campaign`` counts the facts of that campaign (case-insensitive): visits
    of the campaign, and leads, customers and revenue of people whose first visit was in it.
    A goal with an unknown metric has ``status`` ``unsupported`` and a ``note``.

    Returns
    -------
    One dict per goal, ordered by period_start, metric, network: ``metric``, ``network``,
    ``campaign``, ``period_start``, ``period_end``, ``target``, ``actual`` and the keys of
    :func:`goal_pace` (money and ``expected_to_date``/``projected`` rounded to 2 decimals,
    ``attainment`` to 4), ``note``. Tested by ``tests/metrics/test_forecast.py``.
    """
    t = engine.tables(workspace_id)
    goals = engine.execute(t.goals).to_pylist()
    goals.sort(key=lambda g: (g["period_start"], g["metric"], g["network"] or ""))
    rows: list[dict[str, Any]] = []
    sums: dict[str, ir.Value] = {}
    facts = dated_facts(t, with_visits=True)
    for i, g in enumerate(goals):
        metric = str(g["metric"]).strip().lower()
        network = (g["network"] or "").strip().lower() or None
        campaign = (g["campaign"] or "").strip() or None
        note = None
        if metric not in GOAL_METRICS:
            note = f"unknown metric {metric!r}: use one of {', '.join(GOAL_METRICS)}"
        rows.append({
            "metric": metric, "network": network, "campaign": campaign,
            "period_start": g["period_start"], "period_end": g["period_end"],
            "target": float(g["target"]), "note": note,
        })  # fmt: skip
        if note is not None or as_of < g["period_start"]:
            continue
        start, end = period_bounds(g["period_start"], min(as_of, g["period_end"]),
                                   t.workspace.timezone)  # fmt: skip
        where = (facts.at >= ibis.literal(start, type="timestamp")) & (
            facts.at < ibis.literal(end, type="timestamp")
        )
        if network == _SOCIAL:
            where = where & facts.network.isin(NETWORKS)
        elif network is not None:
            where = where & (facts.network == ibis.literal(network))
        if campaign is not None:
            where = where & (facts.campaign == ibis.literal(campaign.lower()))
        sums[f"g{i}"] = facts[metric].cast("float64").sum(where=where)
    totals = engine.execute(facts.aggregate(**sums)).to_pylist()[0] if sums else {}
    out = []
    for i, row in enumerate(rows):
        if row["note"] is not None:
            out.append({**row, "actual": None, "status": "unsupported"})
            continue
        actual = float(totals.get(f"g{i}") or 0.0)
        pace = goal_pace(row["target"], actual, row["period_start"], row["period_end"], as_of)
        for k in ("expected_to_date", "projected"):
            if pace[k] is not None:
                pace[k] = round(pace[k], MONEY_DECIMALS) + 0.0
        if pace["attainment"] is not None:
            pace["attainment"] = round(pace["attainment"], RATIO_DECIMALS) + 0.0
        out.append({**row, "actual": round(actual, MONEY_DECIMALS) + 0.0, **pace})
    return out
