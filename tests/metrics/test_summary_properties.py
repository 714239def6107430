"""Properties of the summary on random small workspaces (strategies in ``tests/strategies.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import datasets
from summary_data import insert

from socialroi.engine import DuckDBEngine
from socialroi.metrics.summary import summary_facts
from socialroi.schema.entities import SOCIAL_NETWORKS
from socialroi.summary import summary
from socialroi.visits import sessions

MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


def _summary(data: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, Any], dict[bool, Any]]:
    """The summary, and the facts summed by is_social (computed apart, as a cross-check)."""
    with DuckDBEngine(":memory:") as duck:
        duck.ensure_workspace("ws", currency="EUR", timezone="UTC")
        for table, rows in data.items():
            for row in rows:
                insert(duck, table, row)
        t = duck.tables("ws")
        facts = summary_facts(t, sessions(t), *MARCH)
        facts = facts.mutate(is_social=facts.network.isin(tuple(SOCIAL_NETWORKS)).fill_null(False))
        parts = facts.group_by("is_social").aggregate(
            visits=facts.visits.sum(), leads=facts.leads.sum(),
            customers=facts.customers.sum(), revenue=facts.revenue.sum(),
        )  # fmt: skip
        split = {r["is_social"]: r for r in duck.execute(parts).to_pylist()}
        return summary(duck, "ws", *MARCH), split


def _close(a: float, b: float) -> bool:
    return a == pytest.approx(b, abs=0.011)  # each side rounded to cents


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_parts_sum_to_the_totals(data: dict[str, list[dict[str, Any]]]) -> None:
    s, split = _summary(data)
    totals, social = s["totals"], s["social"]
    # social + non-social = totals (visits, leads, customers, revenue)
    zero = {"visits": 0, "leads": 0, "customers": 0, "revenue": 0.0}
    on, off = split.get(True, zero), split.get(False, zero)
    for key in ("visits", "leads", "customers"):
        assert on[key] == social[key]
        assert on[key] + off[key] == totals[key]
    assert _close(on["revenue"], social["revenue"])
    assert _close(on["revenue"] + off["revenue"], totals["revenue"])
    # by_channel: every visit, lead, customer and revenue item has exactly one channel
    for key in ("visits", "leads", "customers"):
        assert sum(r[key] for r in s["by_channel"]) == totals[key]
    assert _close(sum(r["revenue"] for r in s["by_channel"]), totals["revenue"])
    # social is the sum of the social networks' rows …
    social_rows = [r for r in s["by_network"] if r["network"] in SOCIAL_NETWORKS]
    for key in ("visits", "leads", "customers"):
        assert sum(r[key] for r in social_rows) == social[key]
    for key in ("revenue", "cost", "cost_with_labour"):
        assert _close(sum(r[key] for r in social_rows), social[key])
    # … and social + non-social = totals, for cost: non-social cost is the unallocated one
    assert _close(social["cost_with_labour"] + totals["unallocated_cost"],
                  totals["cost_with_labour"])  # fmt: skip
    for key in ("visits", "leads", "customers"):
        assert 0 <= social[key] <= totals[key]
    # by_network: ordered by revenue desc, then network; no ratio is infinite
    order = [(-r["revenue"], r["network"]) for r in s["by_network"]]
    assert order == sorted(order)
    for r in s["by_network"]:
        assert r["cost_per_lead"] is None if r["leads"] == 0 else r["cost_per_lead"] is not None
        assert (r["roi"] is None) == (r["cost"] == 0)
