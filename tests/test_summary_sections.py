"""``socialroi.summary``: the composed contract JSON (sections are tested by their packages)."""

from __future__ import annotations

import datetime as dt

from socialroi.engine import DuckDBEngine
from socialroi.summary import SECTIONS, summary


def test_sections_in_contract_order(duck: DuckDBEngine) -> None:
    result = summary(duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert list(result) == list(SECTIONS)
    assert SECTIONS == (
        "period", "currency", "totals", "social", "by_network", "by_channel", "attribution",
        "engagement", "response", "share_of_voice", "clv",
    )  # fmt: skip


def test_an_empty_workspace_has_null_ratios_and_empty_models(duck: DuckDBEngine) -> None:
    result = summary(duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert result["totals"]["roi"] is None
    assert result["attribution"]["conversions"] == 0
    assert all(credits == {} for credits in result["attribution"]["models"].values())
    assert result["response"]["response_rate"] is None
    assert result["engagement"]["by_network"] == []
    assert result["clv"] == {"social": None, "non_social": None}
