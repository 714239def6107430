"""Goals (the ``goals`` table) tracked with pace: on track or behind, projected end value.

A goal is a target for a metric over ``[period_start, period_end]`` (workspace calendar days),
optionally for one network. The actual value counts as the summary does
(:func:`socialroi.metrics.summary.summary_facts`): visits under their own network, leads,
customers and revenue under the person's first-touch network; a goal without a network counts
everything, a goal for network ``social`` every social network.

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

from socialroi.engine import Engine
from socialroi.metrics._period import MONEY_DECIMALS, RATIO_DECIMALS
from socialroi.metrics.summary import summary_facts
from socialroi.schema.entities import NETWORKS
from socialroi.visits import sessions

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

    One engine query per goal (goals are few): the summary facts of
    ``[period_start, min(as_of, period_end)]``, filtered by the goal's network, summed.
    A goal with a ``campaign`` is not measured (the summary has no campaign grain yet): its
    ``status`` is ``unsupported`` with a ``note``; so is an unknown metric.

    Returns
    -------
    One dict per goal, ordered by period_start, metric, network: ``metric``, ``network``,
    ``campaign``, ``period_start``, ``period_end``, ``target``, ``actual`` and the keys of
    :func:`goal_pace` (money and ``expected_to_date``/``projected`` rounded to 2 decimals,
    ``attainment`` to 4). Tested by ``tests/metrics/test_goals.py``.
    """
    t = engine.tables(workspace_id)
    goals = engine.execute(t.goals).to_pylist()
    goals.sort(key=lambda g: (g["period_start"], g["metric"], g["network"] or ""))
    visits = sessions(t)
    out = []
    for g in goals:
        metric = str(g["metric"]).strip().lower()
        network = (g["network"] or "").strip().lower() or None
        campaign = (g["campaign"] or "").strip() or None
        row: dict[str, Any] = {
            "metric": metric,
            "network": network,
            "campaign": campaign,
            "period_start": g["period_start"],
            "period_end": g["period_end"],
            "target": float(g["target"]),
        }
        note = None
        if metric not in GOAL_METRICS:
            note = f"unknown metric {metric!r}: use one of {', '.join(GOAL_METRICS)}"
        elif campaign is not None:
            note = "campaign goals are not measured yet: set the goal per network or overall"
        if note is not None:
            out.append({**row, "actual": None, "status": "unsupported", "note": note})
            continue
        actual = 0.0
        if as_of >= g["period_start"]:
            stop = min(as_of, g["period_end"])
            facts = summary_facts(t, visits, g["period_start"], stop)
            if network == _SOCIAL:
                facts = facts.filter(facts.network.isin(NETWORKS))
            elif network is not None:
                facts = facts.filter(facts.network == ibis.literal(network))
            total = engine.execute(facts.aggregate(v=facts[metric].sum())).to_pylist()[0]["v"]
            actual = float(total or 0.0)
        pace = goal_pace(row["target"], actual, g["period_start"], g["period_end"], as_of)
        for k in ("expected_to_date", "projected"):
            if pace[k] is not None:
                pace[k] = round(pace[k], MONEY_DECIMALS) + 0.0
        if pace["attainment"] is not None:
            pace["attainment"] = round(pace["attainment"], RATIO_DECIMALS) + 0.0
        out.append({**row, "actual": round(actual, MONEY_DECIMALS) + 0.0, **pace, "note": None})
    return out
