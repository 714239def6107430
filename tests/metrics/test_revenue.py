"""Purchases and refunds deduplicated by transaction id (``socialroi.metrics.revenue``)."""

from __future__ import annotations

from summary_data import insert, web_event

from socialroi.engine import DuckDBEngine
from socialroi.metrics import revenue_items, transactions, visitor_contacts


def _money(event_id: str, event: str, tx: str | None, amount: float, at: str) -> dict[str, object]:
    return web_event(event_id, "v1", at, event, revenue=amount, revenue_base=amount,
                     transaction_id=tx)  # fmt: skip


def test_transactions_are_deduplicated(duck: DuckDBEngine) -> None:
    for row in (
        _money("a", "purchase", "T1", 100.0, "2025-03-01 10:00:00"),
        _money("b", "purchase", "T1", 100.0, "2025-03-01 10:01:00"),  # same purchase again
        _money("c", "refund", "T1", 30.0, "2025-03-02 10:00:00"),  # one refund of T1 …
        _money("d", "refund", "T1", 30.0, "2025-03-02 10:00:00"),  # … sent twice
        _money("e", "purchase", None, 10.0, "2025-03-03 10:00:00"),  # no id: each counts
        _money("f", "purchase", None, 10.0, "2025-03-03 10:00:00"),
    ):
        insert(duck, "web_events", row)
    rows = duck.execute(transactions(duck.tables("ws").web_events)).to_pylist()
    assert sorted(r["event_id"] for r in rows) == ["a", "c", "e", "f"]


def test_revenue_items_sign_refunds_and_add_won_deals(duck: DuckDBEngine) -> None:
    # 100 (purchase) − 30 (refund recorded as −30: still subtracts 30) + 500 (won deal) = 570
    insert(duck, "web_events", _money("a", "purchase", "T1", 100.0, "2025-03-01 10:00:00"))
    insert(duck, "web_events", _money("c", "refund", "T1", -30.0, "2025-03-02 10:00:00"))
    insert(
        duck,
        "deals",
        {
            "deal_id": "d1",
            "contact_id": "c1",
            "created_at": "2025-03-01",
            "stage": "won",
            "closed_at": "2025-03-05",
            "amount_base": 500.0,
        },
    )
    insert(
        duck,
        "deals",
        {
            "deal_id": "d2",
            "contact_id": "c1",
            "created_at": "2025-03-01",
            "stage": "lost",
            "closed_at": "2025-03-05",
            "amount_base": 900.0,
        },
    )
    t = duck.tables("ws")  # fmt: skip
    rows = duck.execute(revenue_items(t, visitor_contacts(t)).order_by("at")).to_pylist()
    assert [(r["kind"], r["person_id"], r["revenue"]) for r in rows] == [
        ("purchase", "visitor:v1", 100.0),
        ("refund", "visitor:v1", -30.0),
        ("deal", "contact:c1", 500.0),
    ]
