"""The hand-computed dataset of ``test_summary.py`` (and the CLI test), inserted as SQL rows.

Workspace ``ws`` (EUR, UTC); period 2025-03-01..2025-03-31. Money columns ``*_base`` are filled
as the importer would: EUR rows as is, USD rows at the rate 0.9 EUR per USD.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialroi.engine import DuckDBEngine

WS = "ws"
DATE_FROM = dt.date(2025, 3, 1)
DATE_TO = dt.date(2025, 3, 31)
USD = 0.9  # EUR per USD

LI = ("linkedin", "social")  # utm_source, utm_medium → Organic Social, linkedin
FB_PAID = ("facebook", "cpc")  # → Paid Social, facebook
MAIL = ("newsletter", "email")  # → Email, no network

# (event_id, visitor_id, occurred_at, event, utm (source, medium) | None, referrer, extra columns)
WEB_EVENTS: list[tuple[str, str, str, str, tuple[str, str] | None, str | None, dict[str, Any]]] = [
    # v1 = contact c1 (contacts.visitor_id). Visit A before the period: c1's first touch.
    ("e01", "v1", "2025-02-20 10:00:00", "pageview", LI, None, {}),
    # visit B (Organic Search, in the period); the lead event continues it
    ("e02", "v1", "2025-03-05 09:00:00", "pageview", None, "https://www.google.com/", {}),
    ("e03", "v1", "2025-03-05 09:05:00", "lead", None, None, {}),
    # v2: never a contact. Visit C (Paid Social, facebook) with a purchase fired twice
    ("e04", "v2", "2025-03-10 12:00:00", "pageview", FB_PAID, None, {}),
    ("e05", "v2", "2025-03-10 12:10:00", "purchase", None, None,
     {"revenue": 200.0, "currency": "EUR", "revenue_base": 200.0, "transaction_id": "T1"}),
    ("e06", "v2", "2025-03-10 12:11:00", "purchase", None, None,
     {"revenue": 200.0, "currency": "EUR", "revenue_base": 200.0, "transaction_id": "T1"}),
    # visit D (Direct, after 30 min idle): a partial refund of T1
    ("e07", "v2", "2025-03-15 08:00:00", "refund", None, None,
     {"revenue": 50.0, "currency": "EUR", "revenue_base": 50.0, "transaction_id": "T1"}),
    # v3 = contact c2 through web_events.contact_id. Visit E (Organic Social, linkedin)
    ("e08", "v3", "2025-03-12 14:00:00", "pageview", LI, None, {}),
    ("e09", "v3", "2025-03-12 14:02:00", "identify", None, None, {"contact_id": "c2"}),
    # v4 = contact c3 through the normalised email. Visit F (t.co → Organic Social, x)
    ("e10", "v4", "2025-03-20 16:00:00", "pageview", None, "https://t.co/abc", {}),
    ("e11", "v4", "2025-03-20 16:01:00", "identify", None, None, {"email": " Carol@Example.com "}),
    # v5: anonymous lead. Visit G (Direct)
    ("e12", "v5", "2025-03-03 10:00:00", "pageview", None, None, {}),
    ("e13", "v5", "2025-03-03 10:01:00", "lead", None, None, {}),
    # v6: visit H (Email) starts on the last evening of the period and runs past midnight
    ("e14", "v6", "2025-03-31 23:50:00", "pageview", MAIL, None, {}),
    ("e15", "v6", "2025-04-01 00:10:00", "pageview", None, None, {}),
    # v7: a visit the day before the period
    ("e16", "v7", "2025-02-28 23:59:00", "pageview", None, None, {}),
]  # fmt: skip

# contact_id, created_at, email, became_lead_at, became_customer_at, original_source,
# original_source_detail, visitor_id
CONTACTS = [
    ("c1", "2025-03-05 09:05:00", "alice@example.com", None, None, None, None, "v1"),
    ("c2", "2025-03-12 14:02:00", "bob@example.com", "2025-03-12 14:02:00", None,
     "SOCIAL_MEDIA", "Twitter", None),
    ("c3", "2025-01-15 08:00:00", "carol@example.com", "2025-01-15 08:00:00",
     "2025-03-28 11:00:00", None, None, None),
    # same email as c3 but created later: the email link goes to c3 (earliest created)
    ("c4", "2025-02-01 08:00:00", "CAROL@example.com", None, "2025-02-10 09:00:00",
     "ORGANIC_SEARCH", None, None),
    ("c5", "2025-03-18 10:00:00", None, None, None, "PAID_SOCIAL", "Facebook", None),
    ("c6", "2025-03-22 10:00:00", None, None, None, None, None, None),
]  # fmt: skip

# deal_id, contact_id, created_at, stage, closed_at, amount, currency, amount_base
DEALS = [
    ("d1", "c1", "2025-03-06 10:00:00", "won", "2025-03-20 15:00:00", 1000.0, "EUR", 1000.0),
    ("d2", "c2", "2025-03-13 10:00:00", "won", "2025-03-25 15:00:00", 500.0, "USD", 500.0 * USD),
    ("d3", "c2", "2025-03-26 10:00:00", "won", "2025-04-02 15:00:00", 300.0, "EUR", 300.0),
    ("d4", "c4", "2025-03-01 10:00:00", "won", "2025-03-15 15:00:00", 100.0, "EUR", 100.0),
    ("d5", "c1", "2025-03-07 10:00:00", "lost", "2025-03-21 15:00:00", 999.0, "EUR", 999.0),
    ("d6", "c5", "2025-03-19 10:00:00", "open", None, 700.0, "EUR", 700.0),
]

# date, amount, category, currency, network, end_date, amount_base
COSTS = [
    ("2025-03-01", 300.0, "ads", "EUR", "linkedin", None, 300.0),
    ("2025-02-15", 300.0, "ads", "EUR", "facebook", "2025-03-16", 300.0),
    ("2025-03-22", 200.0, "ads", "USD", "x", "2025-04-10", 200.0 * USD),
    ("2025-03-10", 50.0, "tools", "EUR", None, None, 50.0),
    ("2025-04-05", 1000.0, "ads", "EUR", "linkedin", None, 1000.0),
]

# date, person, hours, hourly_rate, currency, network, hourly_rate_base
STAFF_HOURS = [
    ("2025-03-10", "alice", 10.0, 40.0, "EUR", "linkedin", 40.0),
    ("2025-03-11", "bob", 5.0, 30.0, "EUR", None, 30.0),
    ("2025-02-27", "alice", 8.0, 40.0, "EUR", "linkedin", 40.0),
]


def insert(duck: DuckDBEngine, table: str, row: dict[str, Any], workspace: str = WS) -> None:
    """Insert one row given as {column: value} (bound parameters)."""
    cols = ["workspace_id", *row]
    marks = ", ".join("?" for _ in cols)
    duck.run(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", [workspace, *row.values()]
    )


def web_event(
    event_id: str,
    visitor_id: str,
    occurred_at: str,
    event: str,
    utm: tuple[str, str] | None = None,
    referrer: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": event_id,
        "visitor_id": visitor_id,
        "occurred_at": occurred_at,
        "event": event,
        "url": "https://acme.example/",
        "referrer": referrer,
    }
    if utm:
        row["utm_source"], row["utm_medium"] = utm
    row.update(extra)
    return row


def seed(duck: DuckDBEngine) -> None:
    """Insert the whole dataset into workspace ``ws`` (plus one row in another workspace)."""
    for e in WEB_EVENTS:
        insert(duck, "web_events", web_event(*e[:6], **e[6]))
    for c in CONTACTS:
        keys = ("contact_id", "created_at", "email", "became_lead_at", "became_customer_at",
                "original_source", "original_source_detail", "visitor_id")  # fmt: skip
        insert(duck, "contacts", dict(zip(keys, c, strict=True)))
    for d in DEALS:
        keys = ("deal_id", "contact_id", "created_at", "stage", "closed_at", "amount", "currency",
                "amount_base")  # fmt: skip
        insert(duck, "deals", dict(zip(keys, d, strict=True)))
    for k in COSTS:
        keys = ("date", "amount", "category", "currency", "network", "end_date", "amount_base")
        insert(duck, "costs", dict(zip(keys, k, strict=True)))
    for h in STAFF_HOURS:
        keys = ("date", "person", "hours", "hourly_rate", "currency", "network",
                "hourly_rate_base")  # fmt: skip
        insert(duck, "staff_hours", dict(zip(keys, h, strict=True)))
    # another workspace's data must change nothing
    duck.ensure_workspace("other")
    insert(
        duck, "web_events", web_event("e01", "v1", "2025-03-05 09:00:00", "pageview", LI), "other"
    )
    insert(duck, "costs", dict(zip(("date", "amount", "category", "network", "amount_base"),
                                   ("2025-03-05", 999.0, "ads", "linkedin", 999.0), strict=True)),
           "other")  # fmt: skip
