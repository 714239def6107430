"""Funnel rates, stage values and time between stages on a hand-computed dataset.

Workspace ``ws`` (EUR, UTC), period 2025-03-01..2025-03-31. Visits come from pageviews only;
leads and customers from contacts (linked to their visitor by ``contacts.visitor_id``) and won
deals, which never open a visit, so every visit below is one pageview.

Visits (one each):
  linkedin (utm linkedin/social, Organic Social): l01..l20 on 03-02 00:00      → 20
  x (referrer t.co, Organic Social):               x01..x10 on 03-05 00:00      → 10
  facebook (utm facebook/cpc, Paid Social):        f01..f05 on 03-10 00:00      →  5
  → 35 visits. Before the period: l21 on 02-27 (not counted).

Leads (contact created_at = lead time; first visit → lead in days):
  c1 = l01 03-03 00:00 → 1;  c2 = l02 03-04 → 2;  c3 = l03 03-06 → 4;  c4 = l04 03-12 → 10
  c5 = f01 03-10 12:00 → 0.5;  c6 = f02 03-13 00:00 → 3;  c7 = f03 03-11 00:00 → 1
  c8: no visitor, no original source → Unassigned, no network; no visit → no duration
  c9 = l21, lead 02-28 (before the period: not a lead of March), customer in March (below)
  → 9 contacts, 8 leads in March: linkedin 4, facebook 3, none 1; x 0.

Customers (won deal closed_at; lead → customer in days) and revenue to date (to 03-31 24:00):
  c1 d1 03-08 1000 → 5 days; d2 03-20 500 (after becoming a customer: counts) → 1500
  c2 d3 03-24 2000 → 20 days; d4 04-05 500 (after the period: not to date) → 2000
  c3 d5 03-16 1000 → 10 days → 1000
  c5 became_customer_at 03-20 12:00, no revenue → 10 days, 0
  c6 d6 03-15 300 → 2 days → 300
  c9 (first touch l21: linkedin) d7 03-10 600 → lead 02-28 → 10 days → 600
  → 6 customers: linkedin 4 (c1, c2, c3, c9), facebook 2 (c5, c6).

linkedin: visits 20, leads 4, customers 4 → contact_rate 4/20 = 0.2, customer_rate 4/20 = 0.2,
  lead_to_customer 4/4 = 1.0; revenue 1500 + 2000 + 1000 + 600 = 5100, average 1275;
  lead_value 1.0 × 1275 = 1275; visit_value 0.2 × 1275 = 255.
  visit → lead 1, 2, 4, 10 (even n = 4): median (2 + 4)/2 = 3; p90: h = 3 × 0.9 = 2.7 →
  4 + 0.7 × (10 − 4) = 8.2.
  lead → customer 5, 10, 10, 20 (n = 4): median (10 + 10)/2 = 10; p90: h = 2.7 →
  10 + 0.7 × (20 − 10) = 17.
facebook: visits 5, leads 3, customers 2 → 0.6, 0.4, 2/3; revenue 0 + 300 = 300, average 150;
  lead_value 2/3 × 150 = 100; visit_value 0.4 × 150 = 60.
  visit → lead 0.5, 1, 3 (odd n = 3): median 1; p90: h = 1.8 → 1 + 0.8 × (3 − 1) = 2.6.
  lead → customer 2, 10 (n = 2): median 6; p90: h = 0.9 → 2 + 0.9 × 8 = 9.2.
x: visits 10, leads 0, customers 0 → contact_rate 0.0, customer_rate 0.0, lead_to_customer,
  average_customer_value, lead_value and visit_value null; no durations (null).
total: visits 35, leads 8, customers 6 → contact_rate 8/35 = 0.228571…, customer_rate 6/35 =
  0.171428…, lead_to_customer 6/8 = 0.75; revenue 5100 + 300 = 5400, average 900;
  lead_value 0.75 × 900 = 675; visit_value 6/35 × 900 = 154.285714…
  visit → lead 0.5, 1, 1, 2, 3, 4, 10 (odd n = 7): median x3 = 2; p90: h = 5.4 →
  4 + 0.4 × (10 − 4) = 6.4.
  lead → customer 2, 5, 10, 10, 10, 20 (even n = 6): median (10 + 10)/2 = 10; p90: h = 4.5 →
  10 + 0.5 × (20 − 10) = 15.
by channel: Organic Social = linkedin + x: visits 30, leads 4, customers 4 → 4/30, 4/30, 1.0,
  5100, 1275, lead 1275, visit 4/30 × 1275 = 170; durations those of linkedin. Paid Social =
  facebook. Unassigned: c8 only → visits 0, leads 1, customers 0: rates over 0 visits null,
  lead_to_customer 0.0, average and values null.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pytest
from summary_data import insert, web_event

from socialroi.engine import DuckDBEngine, Engine
from socialroi.metrics.stage_value import FUNNEL_COLUMNS, funnel, funnel_section, stage_values

WS = "ws"
DATE_FROM = dt.date(2025, 3, 1)
DATE_TO = dt.date(2025, 3, 31)
LI = ("linkedin", "social")
FB_PAID = ("facebook", "cpc")

# contact_id, visitor_id, created_at (= lead time), became_customer_at
CONTACTS: list[tuple[str, str | None, str, str | None]] = [
    ("c1", "l01", "2025-03-03 00:00:00", None),
    ("c2", "l02", "2025-03-04 00:00:00", None),
    ("c3", "l03", "2025-03-06 00:00:00", None),
    ("c4", "l04", "2025-03-12 00:00:00", None),
    ("c5", "f01", "2025-03-10 12:00:00", "2025-03-20 12:00:00"),
    ("c6", "f02", "2025-03-13 00:00:00", None),
    ("c7", "f03", "2025-03-11 00:00:00", None),
    ("c8", None, "2025-03-15 00:00:00", None),
    ("c9", "l21", "2025-02-28 00:00:00", None),
]
# deal_id, contact_id, closed_at, amount (EUR = base)
DEALS = [
    ("d1", "c1", "2025-03-08 00:00:00", 1000.0),
    ("d2", "c1", "2025-03-20 00:00:00", 500.0),
    ("d3", "c2", "2025-03-24 00:00:00", 2000.0),
    ("d4", "c2", "2025-04-05 00:00:00", 500.0),
    ("d5", "c3", "2025-03-16 00:00:00", 1000.0),
    ("d6", "c6", "2025-03-15 00:00:00", 300.0),
    ("d7", "c9", "2025-03-10 00:00:00", 600.0),
]


def seed(duck: DuckDBEngine) -> None:
    """Insert the dataset of the module docstring into workspace ``ws``."""
    visits = (
        [(f"l{i:02d}", "2025-03-02 00:00:00", LI, None) for i in range(1, 21)]
        + [("l21", "2025-02-27 00:00:00", LI, None)]
        + [(f"x{i:02d}", "2025-03-05 00:00:00", None, "https://t.co/abc") for i in range(1, 11)]
        + [(f"f{i:02d}", "2025-03-10 00:00:00", FB_PAID, None) for i in range(1, 6)]
    )
    for n, (visitor, at, utm, referrer) in enumerate(visits):
        insert(duck, "web_events", web_event(f"e{n}", visitor, at, "pageview", utm, referrer))
    for contact_id, visitor_id, created_at, became_customer_at in CONTACTS:
        row = {"contact_id": contact_id, "created_at": created_at, "visitor_id": visitor_id,
               "became_customer_at": became_customer_at}  # fmt: skip
        insert(duck, "contacts", row)
    for deal_id, contact_id, closed_at, amount in DEALS:
        row = {"deal_id": deal_id, "contact_id": contact_id, "created_at": "2025-03-01 00:00:00",
               "stage": "won", "closed_at": closed_at, "amount": amount, "currency": "EUR",
               "amount_base": amount}  # fmt: skip
        insert(duck, "deals", row)


def _row(*values: Any) -> dict[str, Any]:
    return dict(zip(FUNNEL_COLUMNS, values, strict=True))


LINKEDIN = _row(20, 4, 4, 0.2, 0.2, 1.0, 5100.0, 1275.0, 1275.0, 255.0, 3.0, 8.2, 10.0, 17.0)
FACEBOOK = _row(5, 3, 2, 0.6, 0.4, 2 / 3, 300.0, 150.0, 100.0, 60.0, 1.0, 2.6, 6.0, 9.2)
X = _row(10, 0, 0, 0.0, 0.0, None, 0.0, None, None, None, None, None, None, None)
TOTAL = _row(35, 8, 6, 8 / 35, 6 / 35, 0.75, 5400.0, 900.0, 675.0, 6 / 35 * 900,
             2.0, 6.4, 10.0, 15.0)  # fmt: skip
ORGANIC_SOCIAL = {**LINKEDIN, "visits": 30, "contact_rate": 4 / 30, "customer_rate": 4 / 30,
                  "visit_value": 170.0}  # fmt: skip
UNASSIGNED = _row(0, 1, 0, None, None, 0.0, 0.0, None, None, None, None, None, None, None)


def _approx(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: pytest.approx(v) if isinstance(v, float) else v for k, v in r.items()}
            for r in rows]  # fmt: skip


def _rows(duck: DuckDBEngine, expr: ibis.Table, key: str | None) -> list[dict[str, Any]]:
    rows = duck.execute(expr).to_pylist()
    return sorted(rows, key=lambda r: r[key]) if key else rows


def test_funnel_by_network(duck: DuckDBEngine) -> None:
    seed(duck)
    t = duck.tables(WS)
    rows = _rows(duck, funnel(t, DATE_FROM, DATE_TO), "network")
    expected = [{"network": "facebook", **FACEBOOK}, {"network": "linkedin", **LINKEDIN},
                {"network": "x", **X}]  # fmt: skip
    assert rows == _approx(expected)


def test_funnel_total(duck: DuckDBEngine) -> None:
    seed(duck)
    rows = _rows(duck, funnel(duck.tables(WS), DATE_FROM, DATE_TO, by=None), None)
    assert rows == _approx([TOTAL])


def test_funnel_by_channel(duck: DuckDBEngine) -> None:
    seed(duck)
    rows = _rows(duck, funnel(duck.tables(WS), DATE_FROM, DATE_TO, by="channel"), "channel")
    expected = [{"channel": "Organic Social", **ORGANIC_SOCIAL},
                {"channel": "Paid Social", **FACEBOOK},
                {"channel": "Unassigned", **UNASSIGNED}]  # fmt: skip
    assert rows == _approx(expected)


def test_funnel_by_campaign(duck: DuckDBEngine) -> None:
    """Visits under their own UTM campaign; leads and customers under the first visit's.

    a1: 03-02 linkedin "spring" (first visit), 03-20 facebook "launch"; lead c1 03-03, won d1
        03-25 1000 → under spring: 1 day visit → lead, 22 days lead → customer.
    a2: 03-02 linkedin "spring", no lead.  a3: 03-05 facebook "launch", lead c2 03-06 (1 day).
    a4: 03-06 t.co, no campaign, lead c3 03-07 → only in the total.
    spring: visits 2, leads 1, customers 1 → 0.5, 0.5, 1.0; revenue 1000, average 1000,
      lead_value 1.0 × 1000 = 1000, visit_value 0.5 × 1000 = 500.
    launch: visits 2 (a3 and a1's second), leads 1, customers 0 → 0.5, 0.0, 0.0; revenue 0,
      average, lead and visit values null (no customer).
    """
    visits = [("a1", "2025-03-02 00:00:00", LI, "spring"),
              ("a2", "2025-03-02 00:00:00", LI, "spring"),
              ("a3", "2025-03-05 00:00:00", FB_PAID, "launch"),
              ("a1", "2025-03-20 00:00:00", FB_PAID, "launch")]  # fmt: skip
    for n, (visitor, at, utm, campaign) in enumerate(visits):
        event = web_event(f"e{n}", visitor, at, "pageview", utm, None, utm_campaign=campaign)
        insert(duck, "web_events", event)
    insert(duck, "web_events", web_event("e9", "a4", "2025-03-06 00:00:00", "pageview", None,
                                         "https://t.co/x"))  # fmt: skip
    for contact_id, visitor_id, created_at in [("c1", "a1", "2025-03-03 00:00:00"),
                                               ("c2", "a3", "2025-03-06 00:00:00"),
                                               ("c3", "a4", "2025-03-07 00:00:00")]:  # fmt: skip
        insert(duck, "contacts", {"contact_id": contact_id, "created_at": created_at,
                                  "visitor_id": visitor_id})  # fmt: skip
    insert(duck, "deals", {"deal_id": "d1", "contact_id": "c1",
                           "created_at": "2025-03-01 00:00:00", "stage": "won",
                           "closed_at": "2025-03-25 00:00:00", "amount": 1000.0,
                           "currency": "EUR", "amount_base": 1000.0})  # fmt: skip
    rows = _rows(duck, funnel(duck.tables(WS), DATE_FROM, DATE_TO, by="campaign"), "campaign")
    spring = _row(2, 1, 1, 0.5, 0.5, 1.0, 1000.0, 1000.0, 1000.0, 500.0, 1.0, 1.0, 22.0, 22.0)
    launch = _row(2, 1, 0, 0.5, 0.0, 0.0, 0.0, None, None, None, 1.0, 1.0, None, None)
    assert rows == _approx([{"campaign": "launch", **launch}, {"campaign": "spring", **spring}])


def test_funnel_rejects_an_unknown_grouping(duck: DuckDBEngine) -> None:
    with pytest.raises(ValueError, match="by must be"):
        funnel(duck.tables(WS), DATE_FROM, DATE_TO, by="agent")  # type: ignore[arg-type]


def test_stage_values_worked_example(duck: DuckDBEngine) -> None:
    # social-metrics.md §5: 5,000 visits, 50 leads, 8 customers, $1,500 average deal
    # → revenue 8 × 1,500 = 12,000; contact 50/5,000 = 0.01; customer 8/5,000 = 0.0016;
    # lead → customer 8/50 = 0.16; lead 0.16 × 1,500 = 240; visit 0.0016 × 1,500 = 2.40.
    # Scaled down: 50 visits, 5 leads, 2 customers, revenue 3,000 → 0.1, 0.04, 0.4, 1,500,
    # lead 0.4 × 1,500 = 600, visit 0.04 × 1,500 = 60. Zero leads and zero customers: nulls.
    counts = ibis.memtable(
        {
            "visits": [5000, 50, 40, 0],
            "leads": [50, 5, 0, 0],
            "customers": [8, 2, 0, 0],
            "customer_revenue": [12000.0, 3000.0, 0.0, 0.0],
        }
    )
    rows = duck.execute(stage_values(counts)).to_pylist()
    cols = ("contact_rate", "customer_rate", "lead_to_customer", "average_customer_value",
            "lead_value", "visit_value")  # fmt: skip
    assert [{k: r[k] for k in cols} for r in rows] == _approx(
        [
            dict(zip(cols, (0.01, 0.0016, 0.16, 1500.0, 240.0, 2.4), strict=True)),
            dict(zip(cols, (0.1, 0.04, 0.4, 1500.0, 600.0, 60.0), strict=True)),
            dict(zip(cols, (0.0, 0.0, None, None, None, None), strict=True)),
            dict.fromkeys(cols),
        ]
    )


def test_durations_ignore_negative_and_unmeasurable_gaps(duck: DuckDBEngine) -> None:
    # v1's first visit is on 03-05, after its contact became a lead on 03-01: no visit → lead
    # time. The contact's purchase-free customer flag on 02-20 precedes the lead: no lead →
    # customer time (and it is no customer of March). c2 became a lead on 03-02 and a customer
    # on 03-03 12:00 without a visit → lead → customer 1.5 days, no visit → lead time.
    insert(duck, "web_events", web_event("e1", "v1", "2025-03-05 00:00:00", "pageview", LI))
    c1 = {"contact_id": "c1", "created_at": "2025-03-01 00:00:00", "visitor_id": "v1",
          "became_customer_at": "2025-02-20 00:00:00"}  # fmt: skip
    c2 = {"contact_id": "c2", "created_at": "2025-03-02 00:00:00",
          "became_customer_at": "2025-03-03 12:00:00"}  # fmt: skip
    insert(duck, "contacts", c1)
    insert(duck, "contacts", c2)
    (row,) = duck.execute(funnel(duck.tables(WS), DATE_FROM, DATE_TO, by=None)).to_pylist()
    assert (row["visits"], row["leads"], row["customers"]) == (1, 2, 1)
    assert row["visit_to_lead_median_days"] is None and row["visit_to_lead_p90_days"] is None
    assert (row["lead_to_customer_median_days"], row["lead_to_customer_p90_days"]) == (1.5, 1.5)


def test_empty_workspace_section(duck: DuckDBEngine) -> None:
    section = funnel_section(duck, WS, DATE_FROM, DATE_TO)
    assert section == {
        "totals": _row(0, 0, 0, None, None, None, 0.0, None, None, None, None, None, None, None),
        "by_network": [],
        "by_channel": [],
    }


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    money = ("customer_revenue", "average_customer_value")
    return {k: round(v, 2 if k in money else 4) if isinstance(v, float) else v
            for k, v in row.items()}  # fmt: skip


EXPECTED_SECTION: dict[str, Any] = {
    "totals": _rounded(TOTAL),
    "by_network": [
        _rounded({"network": "linkedin", **LINKEDIN}),
        _rounded({"network": "x", **X}),
        _rounded({"network": "facebook", **FACEBOOK}),
    ],
    "by_channel": [
        _rounded({"channel": "Organic Social", **ORGANIC_SOCIAL}),
        _rounded({"channel": "Paid Social", **FACEBOOK}),
        _rounded({"channel": "Unassigned", **UNASSIGNED}),
    ],
}


def _march(engine: Engine) -> dict[str, Any]:
    return funnel_section(engine, WS, DATE_FROM, DATE_TO)


def test_funnel_section_hand_computed(duck: DuckDBEngine) -> None:
    seed(duck)
    assert _march(duck) == EXPECTED_SECTION
