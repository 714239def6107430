"""Hypothesis strategies shared by the test suite: small canonical datasets as row dicts.

``datasets()`` draws a workspace's rows (web events, contacts, deals, costs, staff hours) within
March 2025 ± a few days, so some rows fall outside a March period. Money ``*_base`` columns are
filled as the importer would (base currency = the row's currency here).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from socialroi.schema.entities import NETWORKS

__all__ = ["contacts", "costs", "datasets", "deals", "staff_hours", "timestamps", "web_events"]

START = dt.datetime(2025, 2, 25)
SOURCES: list[tuple[str | None, str | None, str | None]] = [
    (None, None, None),  # direct
    ("linkedin", "social", None),
    ("facebook", "cpc", None),
    ("newsletter", "email", None),
    (None, None, "https://www.google.com/"),
    (None, None, "https://t.co/abc"),
    (None, None, "https://bsky.app/profile/acme"),
]
ORIGINAL_SOURCES = [None, "SOCIAL_MEDIA", "PAID_SOCIAL", "DIRECT_TRAFFIC"]
EVENTS = ["pageview", "pageview", "pageview", "lead", "purchase", "refund", "identify"]


def timestamps() -> st.SearchStrategy[dt.datetime]:
    """Minutes between 2025-02-25 and 2025-04-05."""
    return st.integers(0, 39 * 24 * 60).map(lambda m: START + dt.timedelta(minutes=m))


def _dates() -> st.SearchStrategy[dt.date]:
    return st.integers(0, 39).map(lambda d: START.date() + dt.timedelta(days=d))


@st.composite
def web_events(draw: st.DrawFn, n_visitors: int = 5) -> dict[str, Any]:
    src, medium, referrer = draw(st.sampled_from(SOURCES))
    event = draw(st.sampled_from(EVENTS))
    money = event in ("purchase", "refund")
    amount = draw(st.integers(1, 500)) * 1.0 if money else None
    return {
        "visitor_id": f"v{draw(st.integers(0, n_visitors - 1))}",
        "occurred_at": draw(timestamps()),
        "event": event,
        "url": "https://acme.example/",
        "referrer": referrer,
        "utm_source": src,
        "utm_medium": medium,
        "revenue": amount,
        "revenue_base": amount,
        "transaction_id": f"T{draw(st.integers(0, 3))}" if money else None,
        "contact_id": f"c{draw(st.integers(0, 3))}" if event == "identify" else None,
    }


@st.composite
def contacts(draw: st.DrawFn, contact_id: str) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "created_at": draw(timestamps()),
        "became_lead_at": draw(st.none() | timestamps()),
        "became_customer_at": draw(st.none() | timestamps()),
        "original_source": draw(st.sampled_from(ORIGINAL_SOURCES)),
        "original_source_detail": draw(st.sampled_from([None, "LinkedIn", "facebook"])),
        "visitor_id": draw(st.none() | st.sampled_from(["v0", "v1", "v2"])),
    }  # fmt: skip


@st.composite
def deals(draw: st.DrawFn, n_contacts: int = 4) -> dict[str, Any]:
    amount = draw(st.integers(0, 2000)) * 1.0
    return {
        "contact_id": f"c{draw(st.integers(0, n_contacts - 1))}",
        "created_at": START,
        "stage": draw(st.sampled_from(["won", "won", "lost", "open"])),
        "closed_at": draw(st.none() | timestamps()),
        "amount": amount,
        "amount_base": amount,
    }


@st.composite
def costs(draw: st.DrawFn) -> dict[str, Any]:
    date = draw(_dates())
    amount = draw(st.integers(0, 1000)) * 1.0
    span = draw(st.none() | st.integers(0, 20))
    return {
        "date": date,
        "amount": amount,
        "amount_base": amount,
        "category": "ads",
        "network": draw(st.none() | st.sampled_from(NETWORKS[:4])),
        "end_date": None if span is None else date + dt.timedelta(days=span),
    }


@st.composite
def staff_hours(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "date": draw(_dates()),
        "person": "ana",
        "hours": draw(st.integers(0, 16)) * 0.5,
        "hourly_rate": 40.0,
        "hourly_rate_base": 40.0,
        "network": draw(st.none() | st.sampled_from(NETWORKS[:4])),
    }


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """A small workspace: up to 25 web events, 4 contacts, 4 deals, 4 costs, 3 staff-hours rows."""
    events = draw(st.lists(web_events(), max_size=25))
    for i, e in enumerate(events):
        e["event_id"] = f"e{i}"
    n_contacts = draw(st.integers(0, 4))
    people = [draw(contacts(f"c{i}")) for i in range(n_contacts)]
    sales = draw(st.lists(deals(), max_size=4))
    for i, d in enumerate(sales):
        d["deal_id"] = f"d{i}"
    return {
        "web_events": events,
        "contacts": people,
        "deals": sales,
        "costs": draw(st.lists(costs(), max_size=4)),
        "staff_hours": draw(st.lists(staff_hours(), max_size=3)),
    }
