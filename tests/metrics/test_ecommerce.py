"""Ecommerce from order_items (``socialroi.metrics.ecommerce``), hand-computed.

Workspace ``ws`` (EUR, UTC), period 2025-03-01..2025-03-31.

  v5: visit 02-20 (utm linkedin / social), purchase T0 60 (Cap, Apparel, 1 × 60) — before the
      period; refund of T0 03-08 (a new, direct visit), 60 → the whole Cap line, counted under
      T0's visit: linkedin, "linkedin / social".
  v1: visit 03-02 (utm facebook / cpc), purchase T1 150 = Mug 2 × 25 (Home) + Tee 1 × 100
      (Apparel); refund of T1 03-10 (a new, direct visit), 30 → prorated by line value:
      Mug 30 × 50/150 = 10, Tee 30 × 100/150 = 20; under facebook / cpc.
  v2: visit 03-05 (utm newsletter / email), purchase T2 80 = Mug 1 × 25 + Cap 1 × 55.
  v3: visit 03-06 (utm facebook / cpc), purchase T3 40 with no order items → one line with no
      product.
  v4: visit 03-07 (direct), nothing bought.
Visits in March: v1 03-02, v2, v3, v4, v5 03-08, v1 03-10 → 6; facebook 2 (v1, v3);
  newsletter / email 1; (direct) / (none) 3; linkedin 0.

By product:
  Mug: gross 50 + 25 = 75, refunds 10, revenue 65, orders 2 (T1, T2), units 3, AOV 32.5,
       revenue per visit 65/6 = 10.8333.
  Tee: gross 100, refunds 20, revenue 80, orders 1, units 1, AOV 80.
  Cap: gross 55, refunds 60 (T0's refund), revenue −5, orders 1 (T2), units 1.
  none: T3 40, orders 1, units 0.
Total: gross 150 + 80 + 40 = 270, refunds 30 + 60 = 90, revenue 180 (= the summary's web
  revenue: purchases − refunds), orders 3, units 5, AOV 60, visits 6, revenue per visit 30.
By network: facebook gross 190, refunds 30, revenue 160, orders 2, visits 2 → AOV 80, RPV 80;
  linkedin revenue −60, orders 0 → AOV null, visits 0 → RPV null; none: 80, 1 order, 4 visits
  → RPV 20.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from summary_data import insert, web_event

from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError
from socialroi.metrics.ecommerce import ecommerce

WS = "ws"
DATE_FROM = dt.date(2025, 3, 1)
DATE_TO = dt.date(2025, 3, 31)
FB = ("facebook", "cpc")


def _seed(duck: DuckDBEngine) -> None:
    events = [
        ("e01", "v5", "2025-02-20 10:00:00", "pageview", ("linkedin", "social"), {}),
        ("e02", "v5", "2025-02-20 10:05:00", "purchase", None, {"tx": "T0", "rev": 60.0}),
        ("e03", "v5", "2025-03-08 10:00:00", "refund", None, {"tx": "T0", "rev": 60.0}),
        ("e04", "v1", "2025-03-02 10:00:00", "pageview", FB, {}),
        ("e05", "v1", "2025-03-02 10:05:00", "purchase", None, {"tx": "T1", "rev": 150.0}),
        ("e06", "v1", "2025-03-02 10:06:00", "purchase", None, {"tx": "T1", "rev": 150.0}),
        ("e07", "v1", "2025-03-10 12:00:00", "refund", None, {"tx": "T1", "rev": -30.0}),
        ("e08", "v2", "2025-03-05 09:00:00", "pageview", ("newsletter", "email"), {}),
        ("e09", "v2", "2025-03-05 09:10:00", "purchase", None, {"tx": "T2", "rev": 80.0}),
        ("e10", "v3", "2025-03-06 09:00:00", "pageview", FB, {}),
        ("e11", "v3", "2025-03-06 09:10:00", "purchase", None, {"tx": "T3", "rev": 40.0}),
        ("e12", "v4", "2025-03-07 09:00:00", "pageview", None, {}),
    ]
    for eid, vid, at, name, utm, x in events:
        extra = (
            {"transaction_id": x["tx"], "revenue": x["rev"], "revenue_base": x["rev"]} if x else {}
        )
        insert(duck, "web_events", web_event(eid, vid, at, name, utm, **extra))
    for tx, sku, qty, price, prod, cat in (
        ("T0", "C", 1, 60.0, "Cap", "Apparel"),
        ("T1", "A", 2, 25.0, "Mug", "Home"),
        ("T1", "B", 1, 100.0, "Tee", "Apparel"),
        ("T2", "A", 1, 25.0, "Mug", "Home"),
        ("T2", "C", 1, 55.0, "Cap", "Apparel"),
    ):
        insert(duck, "order_items", {"transaction_id": tx, "sku": sku, "quantity": qty,
                                     "price": price, "price_base": price, "product": prod,
                                     "category": cat})  # fmt: skip


def _rows(eng: Engine, by: str | None) -> dict[Any, dict[str, Any]]:
    rows = eng.execute(ecommerce(eng.tables(WS), DATE_FROM, DATE_TO, by=by)).to_pylist()
    keys = by.split(",") if by else []
    return {(tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]] if keys else "total"): r
            for r in rows}  # fmt: skip


def test_by_product(duck: DuckDBEngine) -> None:
    _seed(duck)
    rows = _rows(duck, "product")
    mug = rows["Mug"]
    assert (mug["gross_revenue"], mug["refunds"], mug["revenue"]) == pytest.approx((75, 10, 65))
    assert (mug["orders"], mug["units"], mug["visits"]) == (2, 3, 6)
    assert mug["average_order_value"] == pytest.approx(32.5)
    assert mug["revenue_per_visit"] == pytest.approx(65 / 6)
    tee = rows["Tee"]
    assert (tee["revenue"], tee["refunds"], tee["orders"]) == (
        pytest.approx(80),
        pytest.approx(20),
        1,
    )
    cap = rows["Cap"]
    assert (cap["gross_revenue"], cap["refunds"], cap["revenue"], cap["orders"]) == (
        55.0, 60.0, -5.0, 1)  # fmt: skip
    assert (rows[None]["revenue"], rows[None]["orders"], rows[None]["units"]) == (40.0, 1, 0)


def test_total_nets_refunds_like_the_summary(duck: DuckDBEngine) -> None:
    _seed(duck)
    total = _rows(duck, None)["total"]
    assert (total["gross_revenue"], total["refunds"], total["revenue"]) == (270.0, 90.0, 180.0)
    assert (total["orders"], total["units"], total["visits"]) == (3, 5, 6)
    assert (total["average_order_value"], total["revenue_per_visit"]) == (60.0, 30.0)


def test_by_network_and_source_medium(duck: DuckDBEngine) -> None:
    _seed(duck)
    net = _rows(duck, "network")
    fb = net["facebook"]
    assert (fb["revenue"], fb["orders"], fb["visits"]) == (160.0, 2, 2)
    assert (fb["average_order_value"], fb["revenue_per_visit"]) == (80.0, 80.0)
    li = net["linkedin"]  # a refund of a February purchase: under the purchase's visit
    assert (li["revenue"], li["orders"], li["average_order_value"]) == (-60.0, 0, None)
    assert (li["visits"], li["revenue_per_visit"]) == (0, None)
    assert (net[None]["revenue"], net[None]["visits"], net[None]["revenue_per_visit"]) == (
        80.0, 4, 20.0)  # fmt: skip
    cat = _rows(duck, "category,source_medium")
    assert cat[("Home", "facebook / cpc")]["revenue"] == pytest.approx(40.0)  # 50 − 10
    assert cat[("Apparel", "facebook / cpc")]["revenue"] == pytest.approx(80.0)  # 100 − 20
    assert cat[("Apparel", "newsletter / email")]["revenue"] == 55.0
    assert cat[("Apparel", "linkedin / social")]["revenue"] == -60.0
    assert cat[("Home", "newsletter / email")]["visits"] == 1


def test_unknown_grouping_is_refused(duck: DuckDBEngine) -> None:
    with pytest.raises(ConfigError, match="unknown ecommerce grouping"):
        ecommerce(duck.tables(WS), DATE_FROM, DATE_TO, by="brand")


def test_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    _seed(duck)

    def run(eng: Engine) -> list[Any]:
        return [sorted(_rows(eng, by).items(), key=lambda kv: str(kv[0]))
                for by in ("product", "sku,network", None)]  # fmt: skip

    same_on_both(duck, run)
