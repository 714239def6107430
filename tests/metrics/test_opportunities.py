"""Sales opportunities on social (``metrics/opportunities.py``), hand-computed.

Period: the week of Monday 2025-03-03 (workspace UTC). Contacts, deals and messages:
  L1 lead since 01-01, no deal              o1 x Mon 10:00 → reply 10:20 (20 min)   lead
  C1 customer (won 02-01), no open deal     o2 x Mon 11:00, unanswered               not
  C2 customer (won 02-01), open deal D3     o3 x Tue 10:00 → reply 11:00 (60 min)    open deal
     (upsell: created 02-15, stage open, not closed)
  P1 lead only from 03-05; deal D4 created  o4 x Tue 09:00, unanswered               open deal
     03-01, lost 03-06 (open on Tuesday)
  (no contact)                              o5 x Tue 09:30                           not
  L2 lead since 01-01; D5 won Tue 12:00     o7 linkedin Mon 09:00 → 09:30 (30 min)   both
                                            o6 x Tue 15:00 (customer by then)        not
  → opportunities o1, o3, o4, o7: contacts 4, inbound 4, answered 3, rate 0.75;
    minutes 20, 30, 60: mean 110/3 = 36.667, median 30, p90 h = 1.8 → 30·0.2 + 60·0.8 = 54;
    within 1 h: 3/4 = 0.75.
    linkedin: o7 → 1, 1, 1, rate 1, median 30; x: o1, o3, o4 → contacts 3, answered 2,
    rate 2/3, median (20 + 60)/2 = 40.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.metrics.opportunities import (
    deals_after_social,
    opportunity_messages,
    social_opportunities,
    won_deals_with_social,
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
    contact_id: str | None = None,
) -> None:
    duck.run(
        "INSERT INTO messages (workspace_id, message_id, network, sent_at, direction, thread_id,"
        " contact_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [WS, message_id, network, sent_at, direction, thread_id, contact_id],
    )


def contact(duck: DuckDBEngine, contact_id: str, created_at: str) -> None:
    duck.run(
        "INSERT INTO contacts (workspace_id, contact_id, created_at) VALUES (?, ?, ?)",
        [WS, contact_id, created_at],
    )


def deal(
    duck: DuckDBEngine,
    deal_id: str,
    contact_id: str,
    created_at: str,
    stage: str,
    closed_at: str | None,
    amount_base: float | None,
) -> None:
    duck.run(
        "INSERT INTO deals (workspace_id, deal_id, contact_id, created_at, stage, closed_at,"
        " amount_base) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [WS, deal_id, contact_id, created_at, stage, closed_at, amount_base],
    )


def pipeline(duck: DuckDBEngine) -> None:
    for cid in ("L1", "C1", "C2", "L2"):
        contact(duck, cid, "2025-01-01 00:00:00")
    contact(duck, "P1", "2025-03-05 00:00:00")
    deal(duck, "D1", "C1", "2025-01-10", "won", "2025-02-01", 100.0)
    deal(duck, "D2", "C2", "2025-01-10", "won", "2025-02-01", 100.0)
    deal(duck, "D3", "C2", "2025-02-15", "open", None, 50.0)
    deal(duck, "D4", "P1", "2025-03-01", "lost", "2025-03-06", 70.0)
    deal(duck, "D5", "L2", "2025-02-01", "won", "2025-03-04 12:00:00", 500.0)
    message(duck, "o1", "2025-03-03 10:00:00", "inbound", thread_id="t1", contact_id="L1")
    message(duck, "o1r", "2025-03-03 10:20:00", "outbound", thread_id="t1")
    message(duck, "o2", "2025-03-03 11:00:00", "inbound", thread_id="t2", contact_id="C1")
    message(duck, "o3", "2025-03-04 10:00:00", "inbound", thread_id="t3", contact_id="C2")
    message(duck, "o3r", "2025-03-04 11:00:00", "outbound", thread_id="t3")
    message(duck, "o4", "2025-03-04 09:00:00", "inbound", thread_id="t4", contact_id="P1")
    message(duck, "o5", "2025-03-04 09:30:00", "inbound", thread_id="t5")
    message(duck, "o6", "2025-03-04 15:00:00", "inbound", thread_id="t6", contact_id="L2")
    message(duck, "o7", "2025-03-03 09:00:00", "inbound", network="linkedin", thread_id="t7",
            contact_id="L2")  # fmt: skip
    message(duck, "o7r", "2025-03-03 09:30:00", "outbound", network="linkedin", thread_id="t7")


def rows(engine: Engine, expr: Any, order: str) -> list[dict[str, Any]]:
    return engine.execute(expr.order_by(order)).to_pylist()  # type: ignore[no-any-return]


def approx(row: dict[str, Any]) -> dict[str, Any]:
    return {k: pytest.approx(v) if isinstance(v, float) else v for k, v in row.items()}


def test_opportunity_messages(duck: DuckDBEngine) -> None:
    pipeline(duck)
    got = rows(duck, opportunity_messages(duck.tables(WS), *WEEK), "message_id")
    assert [
        (r["message_id"], r["is_lead"], r["has_open_deal"], r["is_opportunity"]) for r in got
    ] == [  # fmt: skip
        ("o1", True, False, True),
        ("o2", False, False, False),
        ("o3", False, True, True),
        ("o4", False, True, True),
        ("o5", False, False, False),
        ("o6", False, False, False),
        ("o7", True, True, True),
    ]


def test_social_opportunities(duck: DuckDBEngine) -> None:
    pipeline(duck)
    t = duck.tables(WS)
    (total,) = duck.execute(social_opportunities(t, *WEEK)).to_pylist()
    assert total == approx(
        {"contacts": 4, "inbound": 4, "answered": 3, "response_rate": 0.75,
         "mean_first_response_minutes": 110 / 3, "median_first_response_minutes": 30.0,
         "p90_first_response_minutes": 54.0, "within_sla": 0.75}
    )  # fmt: skip
    per = rows(duck, social_opportunities(t, *WEEK, by="network"), "network")
    assert [
        (
            r["network"],
            r["contacts"],
            r["inbound"],
            r["answered"],
            r["median_first_response_minutes"],
        )
        for r in per
    ] == [  # fmt: skip
        ("linkedin", 1, 1, 1, 30.0),
        ("x", 3, 3, 2, 40.0),
    ]
    assert per[1]["response_rate"] == pytest.approx(2 / 3)
    with pytest.raises(ConfigError):
        social_opportunities(t, *WEEK, by="agent")  # type: ignore[arg-type]


def test_social_opportunities_none(duck: DuckDBEngine) -> None:
    message(duck, "o5", "2025-03-04 09:30:00", "inbound", thread_id="t5")
    (total,) = duck.execute(social_opportunities(duck.tables(WS), *WEEK)).to_pylist()
    assert total == {
        "contacts": 0, "inbound": 0, "answered": 0, "response_rate": None,
        "mean_first_response_minutes": None, "median_first_response_minutes": None,
        "p90_first_response_minutes": None, "within_sla": None,
    }  # fmt: skip


def test_deals_after_social(duck: DuckDBEngine) -> None:
    # Won in the period (03-03..03-09):
    #   D5 L2 500, message o7 on 03-03 before closing 03-04 12:00        → after social
    #   W1 200, closed 03-05; W1's only message is on 03-06, after         → not
    #   W2 300, stage " Won " (trimmed, any case), an outbound message on
    #      02-20 (any direction, any time before)                          → after social
    #   W3 amount unknown (null → 0), no message                           → not
    # Excluded: D1 won 02-01 (before), D4 lost, W4 won 03-10 (after).
    # → deals_won 4, revenue_won 1,000; after social 2, revenue 800; shares 0.5 and 0.8
    pipeline(duck)
    deal(duck, "W1", "W1", "2025-02-01", "won", "2025-03-05", 200.0)
    deal(duck, "W2", "W2", "2025-02-01", " Won ", "2025-03-07", 300.0)
    deal(duck, "W3", "W3", "2025-02-01", "won", "2025-03-08", None)
    deal(duck, "W4", "W2", "2025-02-01", "won", "2025-03-10", 999.0)
    message(duck, "w1", "2025-03-06 10:00:00", "inbound", contact_id="W1")
    message(duck, "w2", "2025-02-20 10:00:00", "outbound", contact_id="W2")
    t = duck.tables(WS)
    per = rows(duck, won_deals_with_social(t, *WEEK), "deal_id")
    assert [(r["deal_id"], r["has_social_conversation"]) for r in per] == [
        ("D5", True),
        ("W1", False),
        ("W2", True),
        ("W3", False),
    ]
    (got,) = duck.execute(deals_after_social(t, *WEEK)).to_pylist()
    assert got == approx(
        {"deals_won": 4, "revenue_won": 1000.0, "deals_after_social": 2,
         "revenue_after_social": 800.0, "share_after_social": 0.5,
         "revenue_share_after_social": 0.8}
    )  # fmt: skip


def test_deals_after_social_none_won(duck: DuckDBEngine) -> None:
    (got,) = duck.execute(deals_after_social(duck.tables(WS), *WEEK)).to_pylist()
    assert got == {
        "deals_won": 0, "revenue_won": 0.0, "deals_after_social": 0,
        "revenue_after_social": 0.0, "share_after_social": None,
        "revenue_share_after_social": None,
    }  # fmt: skip
