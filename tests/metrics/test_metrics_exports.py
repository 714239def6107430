"""The public names of ``socialroi.metrics`` and ``socialroi.report`` are pinned."""

from __future__ import annotations

import socialroi.metrics
import socialroi.report


def test_metrics_exports() -> None:
    assert socialroi.metrics.__all__ == [
        "cost_in_period", "cost_per_customer", "cost_per_lead", "customers", "first_touch",
        "labour_cost", "leads", "period_bounds", "person_visits", "ratio", "revenue_items", "roi",
        "roi_with_labour", "spread_cost_per_day", "summary", "transactions", "visitor_contacts",
    ]  # fmt: skip
    for name in socialroi.metrics.__all__:
        assert getattr(socialroi.metrics, name).__doc__, name


def test_report_exports() -> None:
    assert socialroi.report.__all__ == ["render_summary_html", "write_summary_html"]
