"""Metrics: one module per family; each function takes Ibis tables and returns Ibis expressions.

- :mod:`~socialroi.metrics.people` — who a visitor is (identity) and each person's first touch;
- :mod:`~socialroi.metrics.funnel` — leads and customers, once per person;
- :mod:`~socialroi.metrics.revenue` — won deals, purchases and refunds;
- :mod:`~socialroi.metrics.cost` — spend (spread over days) and labour;
- :mod:`~socialroi.metrics.roi` — ROI and cost ratios;
- :mod:`~socialroi.metrics.summary` — the ``socialroi summary`` numbers.

Formulas, grains and edge cases: ``docs/metrics.md``.
"""

from __future__ import annotations

from socialroi.metrics.cost import cost_in_period, labour_cost, spread_cost_per_day
from socialroi.metrics.funnel import customers, leads
from socialroi.metrics.people import first_touch, person_visits, visitor_contacts
from socialroi.metrics.revenue import revenue_items, transactions
from socialroi.metrics.roi import cost_per_customer, cost_per_lead, ratio, roi, roi_with_labour
from socialroi.metrics.summary import period_bounds, summary

__all__ = [
    "cost_in_period",
    "cost_per_customer",
    "cost_per_lead",
    "customers",
    "first_touch",
    "labour_cost",
    "leads",
    "period_bounds",
    "person_visits",
    "ratio",
    "revenue_items",
    "roi",
    "roi_with_labour",
    "spread_cost_per_day",
    "summary",
    "transactions",
    "visitor_contacts",
]
