"""Daily aggregates: any period's channel numbers as sums of stored days equal ``summary()``'s.

Distinct people are not additive over days, so each lead and customer is stored once, on its
conversion day, under its first-touch network — exactly how the summary counts them in a period.
The dataset is the summary's hand-computed one (tests/metrics/summary_data.py), in UTC and in a
zone with daylight saving and in one with a half-hour offset.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest
from summary_data import DATE_FROM, DATE_TO, WS, seed
from test_summary import EXPECTED

from socialroi.aggregates import daily_facts, overview, refresh
from socialroi.engine import DuckDBEngine, Engine
from socialroi.metrics import channel_summary
from socialroi.metrics._days import day_number, local_day, transitions
from socialroi.metrics.summary import summary_cube, summary_facts, summary_sections
from socialroi.visits import sessions


def computed(engine: Engine, date_from: dt.date, date_to: dt.date) -> list[dict[str, Any]]:
    """The summary's section rows computed from the entities (no derived table)."""
    t = dataclasses.replace(engine.tables(WS), derived={})
    rows = engine.execute(summary_sections(summary_cube(
        summary_facts(t, sessions(t), date_from, date_to)))).to_pylist()  # fmt: skip
    return sorted(rows, key=lambda r: (r["section"], r["network"] or "", r["channel"] or ""))


def periods(n: int, seed_: int) -> list[tuple[dt.date, dt.date]]:
    rng = random.Random(seed_)  # noqa: S311 - reproducible periods, not secrets
    first = dt.date(2025, 1, 10)
    out = [(DATE_FROM, DATE_TO), (dt.date(2025, 3, 31), dt.date(2025, 4, 1))]
    for _ in range(n):
        a = first + dt.timedelta(days=rng.randrange(0, 100))
        out.append((a, a + dt.timedelta(days=rng.randrange(0, 40))))
    return out


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Paris", "Asia/Kolkata"])
def test_overview_equals_the_summary_for_random_periods(duck: DuckDBEngine, timezone: str) -> None:
    seed(duck)
    duck.run("UPDATE workspaces SET timezone = ? WHERE workspace_id = ?", [timezone, WS])
    done = refresh(duck, WS)
    assert done is not None and done.daily == "rebuilt"
    assert "daily" in duck.tables(WS).derived
    for date_from, date_to in periods(4, seed_=len(timezone)):
        stored = overview(duck, WS, date_from, date_to, compare=None)
        live = {k: v for k, v in stored.items() if k != "previous"}
        fresh_t = dataclasses.replace(duck.tables(WS), derived={})
        assert fresh_t.derived == {}
        # the same numbers with no derived table (channel_summary computes from the entities)
        duck.run("UPDATE derived_state SET fingerprint = 'stale' WHERE name = 'daily'")
        assert channel_summary(duck, WS, date_from, date_to) == live, (date_from, date_to)
        refresh(duck, WS)
        assert "daily" in duck.tables(WS).derived


def test_hand_computed_march_from_days(duck: DuckDBEngine) -> None:
    # the summary's hand-computed March (its arithmetic is in tests/metrics/test_summary.py)
    seed(duck)
    refresh(duck, WS)
    o = overview(duck, WS, DATE_FROM, DATE_TO)
    assert {k: o[k] for k in EXPECTED} == EXPECTED
    assert o["previous"]["period"] == {"from": "2025-01-29", "to": "2025-02-28"}
    # February 2025 (29 Jan .. 28 Feb): visits A (20 Feb) and v7's (28 Feb 23:59)
    assert o["previous"]["totals"]["visits"] == 2


def test_day_numbers_follow_the_zone() -> None:
    assert day_number(dt.date(1970, 1, 2)) == 1
    paris = transitions("Europe/Paris")
    # 2025-03-30 01:00 UTC: Paris goes from UTC+1 to UTC+2
    switch = int(dt.datetime(2025, 3, 30, 1, 0, tzinfo=dt.UTC).timestamp())
    assert (switch, 7200) in paris
    assert transitions("UTC") == ((946684800, 0),)


@pytest.mark.spark
def test_daily_facts_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    seed(duck)
    duck.run("UPDATE workspaces SET timezone = 'Europe/Paris' WHERE workspace_id = ?", [WS])

    def days(engine: Engine) -> list[dict[str, Any]]:
        t = dataclasses.replace(engine.tables(WS), derived={})
        d = daily_facts(t)
        rows = engine.execute(d).to_pylist()
        return sorted(rows, key=lambda r: (r["day"], r["network"] or "", r["channel"] or "",
                                           r["campaign"] or ""))  # fmt: skip

    rows = same_on_both(duck, days)
    # every visit of the dataset once: A to H (8, summary_data.py) and v7's on 28 February = 9
    assert sum(r["visits"] for r in rows) == 9
    # e14 at 2025-03-31 23:50 UTC is 2025-04-01 01:50 in Paris: its visit is on 1 April
    t = duck.tables(WS)
    we = t.web_events.filter(t.web_events.event_id == "e14")
    (day,) = duck.execute(we.select(d=local_day(we.occurred_at, "Europe/Paris"))).to_pylist()
    assert day["d"] == day_number(dt.date(2025, 4, 1))
