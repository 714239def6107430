"""Cost and return per network, campaign and post (``socialroi.metrics.money``), hand-computed.

Workspace ``ws`` (EUR, UTC), period 2025-03-01..2025-03-31.

People (first visit → network, campaign, post):
  v1 = contact c1: first visit 03-02 utm linkedin/social campaign "spring", post p1 (a tracked
       link L1); won deal 03-20 of 1,200 → 1 lead (created 03-02), 1 customer, revenue 1,200.
  v2 = contact c2: first visit 03-03 utm facebook/cpc campaign "challenge" → lead 03-03; won
       deal 03-25 of 500 → customer, revenue 500.
  v3 (anonymous): visit 03-04 utm facebook/cpc campaign "challenge", purchase 300 → 1 customer,
       revenue 300 (a purchase makes the visitor a customer, not a lead).
  c3: no visit, original source PAID_SOCIAL / Facebook → network facebook, no campaign; lead
       03-05.
Costs: linkedin "spring" post p1 ads 200 (03-01); facebook "challenge" ads 600 (03-01..03-30,
  30 days, all inside); tools 100 with no network, campaign or post (03-10).
Staff hours: facebook "challenge" 10 h × 40 = 400; 5 h × 20 = 100 with no network or campaign.
Post metrics (owned profiles): p1 (linkedin, spring) 03-05 impressions 10,000 clicks 100;
  p2 (facebook, challenge) 03-06 impressions 40,000 clicks 400.

By campaign:
  spring: leads 1, customers 1, revenue 1,200; cost 200 (ads) → ROI (1,200 − 200)/200 = 5.0;
    no labour → ROI with labour 5.0; ROAS 6.0; CPC 200/100 = 2.0; CPM 200/10,000 × 1,000 = 20.
  challenge: leads 1 (c2), customers 2 (c2, v3), revenue 800; cost 600, labour 400 →
    ROI (800 − 600)/600 = 0.3333 (positive), with labour (800 − 1,000)/1,000 = −0.2: the sign
    flips. ROAS 800/600 = 1.3333, with labour 800/1,000 = 0.8; CPC 600/400 = 1.5, with labour
    1,000/400 = 2.5; CPM 600/40,000 × 1,000 = 15; CPL 600, with labour 1,000; CAC 300 (500).
  null campaign (unallocated): c3's lead; tools 100; labour 100 → cost 100, with labour 200,
    revenue 0 → ROI −1.0; leads 1 → CPL 100 (200 with labour); no customers → CAC null; no
    ad spend → ROAS null; no clicks → CPC null.
By network: linkedin = spring; facebook = challenge + c3 (leads 2, customers 2, revenue 800,
  cost 600, labour 400); null network: tools 100 + labour 100.
By post: p1 = spring's person and cost; p2: clicks and impressions only (nobody's first visit
  came through p2's link) → revenue 0, cost 0; ROI null; null post: c2, v3, c3 (leads 2,
  customers 2, revenue 800), cost 700, labour 500.
Total: leads 3, customers 3, revenue 2,000; cost 900; labour 500; cost with labour 1,400 → ROI
  (2,000 − 900)/900 = 1.2222, with labour 600/1,400 = 0.428571.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
import pytest
from summary_data import insert, web_event

from socialroi.engine import DuckDBEngine, Engine
from socialroi.metrics.money import cost_and_return, post_leaderboard, with_cost_ratios

WS = "ws"
DATE_FROM = dt.date(2025, 3, 1)
DATE_TO = dt.date(2025, 3, 31)


def _seed(duck: DuckDBEngine) -> None:
    insert(duck, "profiles", {"profile_id": "li", "network": "linkedin", "owned": True})
    insert(duck, "profiles", {"profile_id": "fb", "network": "facebook", "owned": True})
    for post, profile, campaign in (("p1", "li", "spring"), ("p2", "fb", "challenge")):
        insert(duck, "posts", {"post_id": post, "profile_id": profile, "campaign": campaign,
                               "published_at": "2025-03-01 08:00:00"})  # fmt: skip
    insert(duck, "links", {"code": "L1", "target_url": "https://acme.example/", "post_id": "p1",
                           "utm_source": "linkedin", "utm_medium": "social",
                           "utm_campaign": "spring"})  # fmt: skip
    insert(duck, "clicks", {"code": "L1", "clicked_at": "2025-03-02 10:00:00", "click_id": "k1"})
    insert(duck, "web_events", web_event(
        "e1", "v1", "2025-03-02 10:00:00", "pageview", ("linkedin", "social"),
        utm_campaign="spring", click_id="k1"))  # fmt: skip
    insert(duck, "web_events", web_event(
        "e2", "v2", "2025-03-03 10:00:00", "pageview", ("facebook", "cpc"),
        utm_campaign="challenge"))  # fmt: skip
    insert(duck, "web_events", web_event(
        "e3", "v3", "2025-03-04 10:00:00", "pageview", ("facebook", "cpc"),
        utm_campaign="challenge"))  # fmt: skip
    insert(duck, "web_events", web_event(
        "e4", "v3", "2025-03-04 10:05:00", "purchase", revenue=300.0, revenue_base=300.0,
        transaction_id="T1"))  # fmt: skip
    for cid, vid, created, src, detail in (
        ("c1", "v1", "2025-03-02 10:01:00", None, None),
        ("c2", "v2", "2025-03-03 10:01:00", None, None),
        ("c3", None, "2025-03-05 09:00:00", "PAID_SOCIAL", "Facebook"),
    ):
        insert(duck, "contacts", {"contact_id": cid, "visitor_id": vid, "created_at": created,
                                  "original_source": src,
                                  "original_source_detail": detail})  # fmt: skip
    for did, cid, closed, amount in (("d1", "c1", "2025-03-20 12:00:00", 1200.0),
                                     ("d2", "c2", "2025-03-25 12:00:00", 500.0)):  # fmt: skip
        insert(duck, "deals", {"deal_id": did, "contact_id": cid, "created_at": closed,
                               "stage": "won", "closed_at": closed, "amount": amount,
                               "amount_base": amount})  # fmt: skip
    for date, amount, cat, net, camp, post, end in (
        ("2025-03-01", 200.0, "ads", "linkedin", "spring", "p1", None),
        ("2025-03-01", 600.0, "ads", "facebook", "challenge", None, "2025-03-30"),
        ("2025-03-10", 100.0, "tools", None, None, None, None),
    ):
        insert(duck, "costs", {"date": date, "amount": amount, "amount_base": amount,
                               "category": cat, "network": net, "campaign": camp,
                               "post_id": post, "end_date": end})  # fmt: skip
    for person, hours, rate, net, camp in (("ana", 10.0, 40.0, "facebook", "challenge"),
                                           ("bo", 5.0, 20.0, None, None)):  # fmt: skip
        insert(duck, "staff_hours", {"date": "2025-03-12", "person": person, "hours": hours,
                                     "hourly_rate": rate, "hourly_rate_base": rate,
                                     "network": net, "campaign": camp})  # fmt: skip
    for post, date, impressions, clicks in (("p1", "2025-03-05", 10_000, 100),
                                            ("p2", "2025-03-06", 40_000, 400)):  # fmt: skip
        insert(duck, "post_metrics", {"post_id": post, "date": date, "impressions": impressions,
                                      "clicks": clicks})  # fmt: skip


def _rows(eng: Engine, by: Any) -> dict[Any, dict[str, Any]]:
    t = cost_and_return(eng.tables(WS), DATE_FROM, DATE_TO, by=by)
    key = {"network": "network", "campaign": "campaign", "post": "post_id", None: None}[by]
    return {(r[key] if key else "total"): r for r in eng.execute(t).to_pylist()}


def test_worked_example_ratios(duck: DuckDBEngine) -> None:
    # social-metrics.md §4: cost 3,500 (ads 3,000 + tools 500), labour 2,000 (see module docstring)
    t = ibis.memtable({"revenue": [12_000.0], "cost": [3_500.0], "ad_spend": [3_000.0],
                       "labour": [2_000.0], "cost_with_labour": [5_500.0], "clicks": [1_500],
                       "impressions": [300_000], "leads": [50], "customers": [8]})  # fmt: skip
    r = duck.execute(with_cost_ratios(t)).to_pylist()[0]
    assert r["roi"] == pytest.approx(8_500 / 3_500)  # 2.428571
    assert r["roi_with_labour"] == pytest.approx(6_500 / 5_500)  # 1.181818
    assert r["roas"] == pytest.approx(4.0)  # 12,000 / 3,000
    assert r["roas_with_labour"] == pytest.approx(2.4)  # 12,000 / (3,000 + 2,000)
    assert r["cpc"] == pytest.approx(2.0)  # 3,000 / 1,500
    assert r["cpc_with_labour"] == pytest.approx(5_000 / 1_500)
    assert r["cpm"] == pytest.approx(10.0)  # 3,000 / 300,000 × 1,000
    assert r["cpm_with_labour"] == pytest.approx(5_000 / 300)
    assert r["cost_per_lead"] == pytest.approx(70.0)  # 3,500 / 50
    assert r["cost_per_lead_with_labour"] == pytest.approx(110.0)  # 5,500 / 50
    assert r["cost_per_customer"] == pytest.approx(437.5)  # 3,500 / 8
    assert r["cost_per_customer_with_labour"] == pytest.approx(687.5)  # 5,500 / 8


def test_campaign_roi_flips_sign_with_labour(duck: DuckDBEngine) -> None:
    _seed(duck)
    rows = _rows(duck, "campaign")
    ch = rows["challenge"]
    assert (ch["leads"], ch["customers"], ch["revenue"]) == (1, 2, 800.0)
    assert (ch["cost"], ch["labour"], ch["cost_with_labour"]) == (600.0, 400.0, 1_000.0)
    assert ch["roi"] == pytest.approx(200 / 600)  # positive on ads alone
    assert ch["roi_with_labour"] == pytest.approx(-0.2)  # negative with labour
    assert ch["roas"] == pytest.approx(800 / 600)
    assert ch["roas_with_labour"] == pytest.approx(0.8)
    assert (ch["cpc"], ch["cpc_with_labour"]) == (pytest.approx(1.5), pytest.approx(2.5))
    assert ch["cpm"] == pytest.approx(15.0)
    assert (ch["cost_per_lead"], ch["cost_per_lead_with_labour"]) == (600.0, 1_000.0)
    assert (ch["cost_per_customer"], ch["cost_per_customer_with_labour"]) == (300.0, 500.0)
    sp = rows["spring"]
    assert (sp["revenue"], sp["cost"], sp["roi"], sp["roi_with_labour"]) == (1200.0, 200.0, 5.0,
                                                                             5.0)  # fmt: skip
    assert (sp["roas"], sp["cpc"], sp["cpm"]) == (6.0, 2.0, 20.0)
    none = rows[None]  # unallocated: shown, not spread
    assert (none["leads"], none["customers"], none["revenue"]) == (1, 0, 0.0)
    assert (none["cost"], none["cost_with_labour"], none["roi"]) == (100.0, 200.0, -1.0)
    assert (none["cost_per_lead"], none["cost_per_lead_with_labour"]) == (100.0, 200.0)
    assert none["cost_per_customer"] is None and none["roas"] is None and none["cpc"] is None


def test_by_network_post_and_total(duck: DuckDBEngine) -> None:
    _seed(duck)
    net = _rows(duck, "network")
    fb = net["facebook"]
    assert (fb["leads"], fb["customers"], fb["revenue"], fb["cost"], fb["labour"]) == (
        2, 2, 800.0, 600.0, 400.0)  # fmt: skip
    assert (net[None]["cost"], net[None]["labour"], net[None]["revenue"]) == (100.0, 100.0, 0.0)
    post = _rows(duck, "post")
    assert (post["p1"]["revenue"], post["p1"]["cost"], post["p1"]["clicks"]) == (1200.0, 200.0, 100)
    p2 = post["p2"]
    assert (p2["revenue"], p2["cost"], p2["impressions"], p2["roi"]) == (0.0, 0.0, 40_000, None)
    none = post[None]  # unallocated
    assert (none["revenue"], none["cost"], none["labour"]) == (800.0, 700.0, 500.0)
    total = _rows(duck, None)["total"]
    assert (total["leads"], total["customers"], total["revenue"]) == (3, 3, 2_000.0)
    assert total["roi"] == pytest.approx(1_100 / 900)
    assert total["roi_with_labour"] == pytest.approx(600 / 1_400)


def test_post_leaderboard(duck: DuckDBEngine) -> None:
    # p1: c1 came through its link (1 lead, 1 customer, 1,200) at a cost of 200 → ROI 5.0;
    # p2: 40,000 impressions and 400 clicks (engagements 400) but no customer: it ranks second
    _seed(duck)
    t = post_leaderboard(duck.tables(WS), DATE_FROM, DATE_TO)
    rows = sorted(duck.execute(t).to_pylist(),
                  key=lambda r: (-r["customers"], -r["revenue"], -r["engagements"]))  # fmt: skip
    assert [r["post_id"] for r in rows] == ["p1", "p2"]
    p1, p2 = rows
    assert (p1["customers"], p1["revenue"], p1["cost"], p1["roi"]) == (1, 1200.0, 200.0, 5.0)
    assert (p1["engagements"], p1["engagement_rate"]) == (100, 0.01)  # 100 clicks / 10,000
    assert (p2["customers"], p2["revenue"], p2["roi"], p2["engagements"]) == (0, 0.0, None, 400)
    assert (p2["network"], p2["campaign"]) == ("facebook", "challenge")


def test_empty_workspace_has_no_rows_and_unknown_by_is_refused(duck: DuckDBEngine) -> None:
    assert _rows(duck, "campaign") == {}
    with pytest.raises(Exception, match="unknown grouping"):
        cost_and_return(duck.tables(WS), DATE_FROM, DATE_TO, by="sku")  # type: ignore[arg-type]


def test_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    _seed(duck)

    def run(eng: Engine) -> list[Any]:
        return [sorted(_rows(eng, by).items(), key=lambda kv: str(kv[0]))
                for by in ("network", "campaign", "post", None)] + [
            sorted(eng.execute(post_leaderboard(eng.tables(WS), DATE_FROM, DATE_TO)).to_pylist(),
                   key=lambda r: str(r["post_id"]))]  # fmt: skip

    same_on_both(duck, run)
