"""Customer response on hand-computed inboxes (social-metrics.md §3, ``metrics/response.py``).

The worked example of §3 (workspace UTC, Mon–Fri 09–17), week of Monday 2025-03-03:
  a  Mon 03-03 10:00 → reply Mon 10:30          calendar 30 min;   business 30
  b  Mon 03-03 16:30 → reply Tue 03-04 09:30    calendar 17 h = 1,020 min; business 30 + 30 = 60
  c  Sat 03-08 12:00 → reply Mon 03-10 09:15    calendar 45 h 15 = 2,715 min; business 15
     (the reply falls after the period 03-03..03-09: it still counts)
  d  Tue 03-04 11:00 unanswered
  → inbound 4, answered 3, response rate 3/4 = 0.75
  calendar: mean (30 + 1,020 + 2,715)/3 = 1,255; median 1,020;
            p90: h = (3 − 1)·0.9 = 1.8 → 1,020·0.2 + 2,715·0.8 = 204 + 2,172 = 2,376;
            within 60 min: a only → 1/4 = 0.25
  business: mean (30 + 60 + 15)/3 = 35; median 30; p90: sorted 15, 30, 60 → 30·0.2 + 60·0.8 = 54;
            within 60 min: a, b, c → 3/4 = 0.75
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.metrics.opportunities import deals_after_social
from socialroi.metrics.response import (
    BusinessHours,
    first_responses,
    response_by,
    response_section,
    unanswered_threads,
)

WS = "ws"
WEEK = (dt.date(2025, 3, 3), dt.date(2025, 3, 9))


def message(
    duck: DuckDBEngine,
    message_id: str,
    sent_at: str,
    direction: str,
    *,
    network: str = "x",
    thread_id: str | None = None,
    in_reply_to: str | None = None,
    contact_id: str | None = None,
    agent: str | None = None,
    needs_response: bool | None = None,
) -> None:
    duck.run(
        "INSERT INTO messages (workspace_id, message_id, network, sent_at, direction, thread_id,"
        " in_reply_to, contact_id, agent, needs_response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [WS, message_id, network, sent_at, direction, thread_id, in_reply_to, contact_id, agent,
         needs_response],
    )  # fmt: skip


def worked_example(duck: DuckDBEngine) -> None:
    message(duck, "a", "2025-03-03 10:00:00", "inbound", thread_id="ta", network="x")
    message(duck, "a-r", "2025-03-03 10:30:00", "outbound", thread_id="ta", agent="ann")
    message(duck, "b", "2025-03-03 16:30:00", "inbound", thread_id="tb", network="facebook")
    message(duck, "b-r", "2025-03-04 09:30:00", "outbound", thread_id="tb", agent="bob")
    message(duck, "c", "2025-03-08 12:00:00", "inbound", thread_id="tc", network="x")
    message(duck, "c-r", "2025-03-10 09:15:00", "outbound", thread_id="tc", agent="ann")
    message(duck, "d", "2025-03-04 11:00:00", "inbound", thread_id="td", network="x")


def rows(engine: Engine, expr: Any, order: str) -> list[dict[str, Any]]:
    return engine.execute(expr.order_by(order)).to_pylist()  # type: ignore[no-any-return]


def one(engine: Engine, expr: Any) -> dict[str, Any]:
    (row,) = engine.execute(expr).to_pylist()
    return row  # type: ignore[no-any-return]


def approx(row: dict[str, Any]) -> dict[str, Any]:
    return {k: pytest.approx(v) if isinstance(v, float) else v for k, v in row.items()}


def test_worked_example_calendar(duck: DuckDBEngine) -> None:
    worked_example(duck)
    t = duck.tables(WS)
    frt = rows(duck, first_responses(t, *WEEK), "message_id")
    got = [(r["message_id"], r["agent"], r["reply_id"], r["first_response_s"], r["is_answered"])
           for r in frt]  # fmt: skip
    assert got == [
        ("a", "ann", "a-r", 30 * 60, True),
        ("b", "bob", "b-r", 1020 * 60, True),
        ("c", "ann", "c-r", 2715 * 60, True),
        ("d", None, None, None, False),
    ]
    assert one(duck, response_by(t, *WEEK, by=None)) == approx(
        {"inbound": 4, "answered": 3, "response_rate": 0.75,
         "mean_first_response_minutes": 1255.0, "median_first_response_minutes": 1020.0,
         "p90_first_response_minutes": 2376.0, "within_sla": 0.25}
    )  # fmt: skip


def test_worked_example_business_hours(duck: DuckDBEngine) -> None:
    worked_example(duck)
    t = duck.tables(WS)
    frt = rows(duck, first_responses(t, *WEEK), "message_id")
    # a 10:00→10:30 = 30; b 16:30→17:00 + 09:00→09:30 = 60; c Sat/Sun closed, Mon 09:00→09:15
    assert [r["business_response_s"] for r in frt] == [30 * 60, 60 * 60, 15 * 60, None]
    # Sprout classifies by the reply's time: 10:30, 09:30, 09:15 are all inside 09–17
    assert [r["is_reply_in_business_hours"] for r in frt] == [True, True, True, None]
    got = one(duck, response_by(t, *WEEK, by=None, business_hours=BusinessHours()))
    assert got == approx(
        {"inbound": 4, "answered": 3, "response_rate": 0.75,
         "mean_first_response_minutes": 35.0, "median_first_response_minutes": 30.0,
         "p90_first_response_minutes": 54.0, "within_sla": 0.75}
    )  # fmt: skip


def test_business_hours_time_zone_and_out_of_hours(duck: DuckDBEngine) -> None:
    # Europe/Paris is UTC+1 in March before the 30th; office 09:00–12:00 Paris, every day.
    message(duck, "p", "2025-03-03 07:30:00", "inbound")  # 08:30 Paris
    message(duck, "p-r", "2025-03-03 08:15:00", "outbound", in_reply_to="p")  # 09:15 → 15 min
    message(duck, "q", "2025-03-03 17:00:00", "inbound")  # 18:00 Paris, out of hours
    message(duck, "q-r", "2025-03-03 17:45:00", "outbound", in_reply_to="q")  # same evening:
    # no business second in between → full time, 45 min (Orlo)
    message(duck, "r", "2025-03-03 10:30:00", "inbound")  # 11:30 Paris
    message(duck, "r-r", "2025-03-04 08:30:00", "outbound", in_reply_to="r")  # Tue 09:30 Paris:
    # 11:30→12:00 + 09:00→09:30 = 60 min
    hours = BusinessHours(dt.time(9), dt.time(12), days=tuple(range(7)), timezone="Europe/Paris")
    frt = rows(duck, first_responses(duck.tables(WS), *WEEK, business_hours=hours), "message_id")
    assert [(r["message_id"], r["business_response_s"]) for r in frt] == [
        ("p", 15 * 60),
        ("q", 45 * 60),
        ("r", 60 * 60),
    ]
    assert [r["is_reply_in_business_hours"] for r in frt] == [True, False, True]


def test_bad_business_hours_are_refused() -> None:
    with pytest.raises(ConfigError):
        BusinessHours(dt.time(17), dt.time(9))
    with pytest.raises(ConfigError):
        BusinessHours(timezone="Mars/Olympus")
    with pytest.raises(ConfigError):
        BusinessHours(days=(7,))


def test_two_inbound_messages_before_one_reply(duck: DuckDBEngine) -> None:
    # Each inbound message is a case answered by the one reply, timed from its own arrival:
    # m1 10:00 → 10:50 = 50 min; m2 10:20 → 10:50 = 30 min; mean 40, median (30 + 50)/2 = 40.
    # A later inbound m3 11:00 after the reply waits for a new reply: unanswered.
    message(duck, "m1", "2025-03-03 10:00:00", "inbound", thread_id="t")
    message(duck, "m2", "2025-03-03 10:20:00", "inbound", thread_id="t")
    message(duck, "m-r", "2025-03-03 10:50:00", "outbound", thread_id="t", agent="ann")
    message(duck, "m3", "2025-03-03 11:00:00", "inbound", thread_id="t")
    t = duck.tables(WS)
    frt = rows(duck, first_responses(t, *WEEK), "message_id")
    assert [(r["message_id"], r["reply_id"], r["first_response_s"]) for r in frt] == [
        ("m1", "m-r", 50 * 60),
        ("m2", "m-r", 30 * 60),
        ("m3", None, None),
    ]
    got = one(duck, response_by(t, *WEEK, by=None))
    assert (got["inbound"], got["answered"]) == (3, 2)
    assert got["mean_first_response_minutes"] == pytest.approx(40.0)
    assert got["median_first_response_minutes"] == pytest.approx(40.0)


def test_which_messages_are_cases_and_replies(duck: DuckDBEngine) -> None:
    # n1 needs_response false → not a case; n2 null → a case (inbound default); outbound o1
    # flagged needs_response → never a case. n2 has no thread: its reply names it in in_reply_to
    # (" Outbound " is trimmed and lower-cased), 20 min. A reply in another thread does not count.
    # Period bounds: n0 on the Sunday before and n4 on the Monday after are outside.
    message(duck, "n0", "2025-03-02 23:59:00", "inbound", thread_id="t0")
    message(duck, "n1", "2025-03-03 09:00:00", "inbound", thread_id="t1", needs_response=False)
    message(duck, "n2", "2025-03-03 09:00:00", " Inbound ")
    message(duck, "o1", "2025-03-03 09:05:00", "outbound", thread_id="t9", needs_response=True)
    message(duck, "o2", "2025-03-03 09:20:00", " Outbound ", in_reply_to="n2")
    message(duck, "n4", "2025-03-10 00:00:00", "inbound", thread_id="t4")
    frt = rows(duck, first_responses(duck.tables(WS), *WEEK), "message_id")
    assert [(r["message_id"], r["reply_id"], r["first_response_s"]) for r in frt] == [
        ("n2", "o2", 20 * 60)
    ]


def test_by_network_and_by_agent(duck: DuckDBEngine) -> None:
    worked_example(duck)
    # by network: facebook b (1,020 min); x a, c answered, d not → rate 2/3, median (30+2,715)/2
    t = duck.tables(WS)
    got = rows(duck, response_by(t, *WEEK, by="network"), "network")
    assert [(r["network"], r["inbound"], r["answered"]) for r in got] == [
        ("facebook", 1, 1),
        ("x", 3, 2),
    ]
    assert got[1]["response_rate"] == pytest.approx(2 / 3)
    assert got[1]["median_first_response_minutes"] == pytest.approx(1372.5)
    # by agent (of the reply): ann a, c → mean (30 + 2,715)/2 = 1,372.5; bob b 1,020;
    # d unanswered and unassigned → the null agent row, rate 0
    by_agent = rows(duck, response_by(t, *WEEK, by="agent"), "agent")
    assert [(r["agent"], r["inbound"], r["answered"], r["response_rate"]) for r in by_agent] == [
        ("ann", 2, 2, 1.0),
        ("bob", 1, 1, 1.0),
        (None, 1, 0, 0.0),
    ]
    assert by_agent[0]["mean_first_response_minutes"] == pytest.approx(1372.5)
    assert by_agent[2]["median_first_response_minutes"] is None
    with pytest.raises(ConfigError):
        response_by(t, *WEEK, by="campaign")  # type: ignore[arg-type]


def test_customers_only(duck: DuckDBEngine) -> None:
    # c1 won a deal on 03-01 → a customer when writing on 03-03 (10 min reply).
    # c2 wins on 03-05, after writing on 03-04 → not yet a customer then; c2 writes again on
    # 03-06 (unanswered) → a customer case. Unknown contact c9 → not a customer.
    duck.run(
        "INSERT INTO contacts (workspace_id, contact_id, created_at) VALUES "
        "('ws', 'c1', '2025-01-01 00:00:00'), ('ws', 'c2', '2025-01-01 00:00:00')"
    )
    duck.run(
        "INSERT INTO deals (workspace_id, deal_id, contact_id, created_at, stage, closed_at,"
        " amount_base) VALUES ('ws', 'd1', 'c1', '2025-02-01', 'won', '2025-03-01', 100),"
        " ('ws', 'd2', 'c2', '2025-02-01', 'won', '2025-03-05', 200)"
    )
    message(duck, "k1", "2025-03-03 10:00:00", "inbound", thread_id="t1", contact_id="c1")
    message(duck, "k1r", "2025-03-03 10:10:00", "outbound", thread_id="t1")
    message(duck, "k2", "2025-03-04 10:00:00", "inbound", thread_id="t2", contact_id="c2")
    message(duck, "k2r", "2025-03-04 12:00:00", "outbound", thread_id="t2")
    message(duck, "k3", "2025-03-06 10:00:00", "inbound", thread_id="t3", contact_id="c2")
    message(duck, "k4", "2025-03-06 10:00:00", "inbound", thread_id="t4", contact_id="c9")
    t = duck.tables(WS)
    frt = rows(duck, first_responses(t, *WEEK), "message_id")
    assert [r["is_customer"] for r in frt] == [True, False, True, False]
    # customers only: k1 (10 min), k3 unanswered → 2 inbound, 1 answered, within 1 h 1/2
    got = one(duck, response_by(t, *WEEK, by=None, customers_only=True))
    assert got == approx(
        {"inbound": 2, "answered": 1, "response_rate": 0.5,
         "mean_first_response_minutes": 10.0, "median_first_response_minutes": 10.0,
         "p90_first_response_minutes": 10.0, "within_sla": 0.5}
    )  # fmt: skip


def test_sla_share(duck: DuckDBEngine) -> None:
    worked_example(duck)
    t = duck.tables(WS)
    # SLA 1,020 min (b is exactly on it: ≤ counts): a, b → 2/4; SLA 29 min: none → 0
    assert one(duck, response_by(t, *WEEK, by=None, sla_s=1020 * 60))["within_sla"] == 0.5
    assert one(duck, response_by(t, *WEEK, by=None, sla_s=29 * 60))["within_sla"] == 0.0


def test_zero_inbound_is_null(duck: DuckDBEngine) -> None:
    message(duck, "o", "2025-03-03 10:00:00", "outbound", thread_id="t")
    t = duck.tables(WS)
    assert one(duck, response_by(t, *WEEK, by=None)) == {
        "inbound": 0, "answered": 0, "response_rate": None,
        "mean_first_response_minutes": None, "median_first_response_minutes": None,
        "p90_first_response_minutes": None, "within_sla": None,
    }  # fmt: skip
    assert rows(duck, response_by(t, *WEEK, by="network"), "network") == []
    assert response_section(duck, WS, *WEEK) == {
        "inbound": 0, "answered": 0, "response_rate": None,
        "median_first_response_minutes": None, "mean_first_response_minutes": None,
        "p90_first_response_minutes": None, "within_sla": None, "by_network": [],
    }  # fmt: skip


def test_unanswered_threads(duck: DuckDBEngine) -> None:
    worked_example(duck)
    # thread td (d, Tue 11:00), plus a thread-less message e and a thread with two waiting
    message(duck, "e", "2025-03-05 08:00:00", "inbound", network="linkedin", contact_id="c5")
    message(duck, "f1", "2025-03-06 08:00:00", "inbound", thread_id="tf", contact_id="c6")
    message(duck, "f2", "2025-03-06 09:00:00", "inbound", thread_id="tf", contact_id="c6")
    got = rows(duck, unanswered_threads(duck.tables(WS), *WEEK), "thread_id")
    assert got == [
        {"thread_id": "e", "network": "linkedin", "contact_id": "c5", "unanswered": 1,
         "first_received_at": dt.datetime(2025, 3, 5, 8), "last_received_at":
         dt.datetime(2025, 3, 5, 8)},
        {"thread_id": "td", "network": "x", "contact_id": None, "unanswered": 1,
         "first_received_at": dt.datetime(2025, 3, 4, 11),
         "last_received_at": dt.datetime(2025, 3, 4, 11)},
        {"thread_id": "tf", "network": "x", "contact_id": "c6", "unanswered": 2,
         "first_received_at": dt.datetime(2025, 3, 6, 8),
         "last_received_at": dt.datetime(2025, 3, 6, 9)},
    ]  # fmt: skip


@pytest.mark.spark
def test_response_section_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    worked_example(duck)
    # deals: c1 talked on x on 03-02 and won d1 (300) on 03-05; c2 won d2 (100) with no message
    # → deals_won 2, revenue 400, after social 1 / 300, share 0.5, revenue share 0.75
    duck.run(
        "INSERT INTO deals (workspace_id, deal_id, contact_id, created_at, stage, closed_at,"
        " amount_base) VALUES ('ws', 'd1', 'c1', '2025-02-01', 'won', '2025-03-05', 300),"
        " ('ws', 'd2', 'c2', '2025-02-01', 'won', '2025-03-06', 100)"
    )
    message(duck, "z", "2025-03-02 10:00:00", "inbound", thread_id="tz", contact_id="c1")

    def both(engine: Engine) -> dict[str, Any]:
        section = response_section(engine, WS, *WEEK)
        deals = one(engine, deals_after_social(engine.tables(WS), *WEEK))
        return {"response": section, "deals": deals}

    got = same_on_both(duck, both)
    assert got["response"] == {
        "inbound": 4, "answered": 3, "response_rate": 0.75,
        "median_first_response_minutes": 1020.0, "mean_first_response_minutes": 1255.0,
        "p90_first_response_minutes": 2376.0, "within_sla": 0.25,
        "by_network": [
            {"network": "x", "inbound": 3, "answered": 2, "response_rate": 0.6667,
             "median_first_response_minutes": 1372.5, "mean_first_response_minutes": 1372.5,
             # x: 30, 2,715 → p90 h = 0.9 → 30·0.1 + 2,715·0.9 = 2,446.5
             "p90_first_response_minutes": 2446.5, "within_sla": 0.3333},
            {"network": "facebook", "inbound": 1, "answered": 1, "response_rate": 1.0,
             "median_first_response_minutes": 1020.0, "mean_first_response_minutes": 1020.0,
             "p90_first_response_minutes": 1020.0, "within_sla": 0.0},
        ],
    }  # fmt: skip
    assert got["deals"] == approx(
        {"deals_won": 2, "revenue_won": 400.0, "deals_after_social": 1,
         "revenue_after_social": 300.0, "share_after_social": 0.5,
         "revenue_share_after_social": 0.75}
    )  # fmt: skip
