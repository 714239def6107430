"""The summary HTML page (``socialroi.report``): numbers present, user text escaped, offline."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from socialroi.report import render_summary_html, write_summary_html

SUMMARY: dict[str, Any] = {
    "period": {"from": "2025-03-01", "to": "2025-03-31"},
    "currency": "EUR",
    "totals": {"visits": 1234, "leads": 5, "customers": 4, "revenue": 1700.0, "cost": 600.0,
               "cost_with_labour": 1150.0, "roi": 1.8333, "roi_with_labour": 0.4783,
               "unallocated_cost": 200.0},
    "social": {"visits": 3, "leads": 3, "customers": 4, "revenue": 1600.0, "cost": 550.0,
               "cost_with_labour": 950.0, "roi": 1.9091, "roi_with_labour": 0.6842},
    "by_network": [
        {"network": "linkedin", "visits": 1, "leads": 2, "customers": 2, "revenue": 1450.0,
         "cost": 300.0, "cost_with_labour": 700.0, "roi": 3.8333, "roi_with_labour": 1.0714,
         "cost_per_lead": 150.0, "cost_per_customer": 150.0},
        {"network": "x", "visits": 1, "leads": 0, "customers": 1, "revenue": 0.0,
         "cost": 90.0, "cost_with_labour": 90.0, "roi": -1.0, "roi_with_labour": -1.0,
         "cost_per_lead": None, "cost_per_customer": 90.0},
    ],
    "by_channel": [
        {"channel": "Organic Social", "visits": 2, "leads": 2, "customers": 3, "revenue": 1450.0},
    ],
}  # fmt: skip

EVIL = '<script>alert("x")</script>'


def test_html_has_the_numbers(tmp_path: Path) -> None:
    path = write_summary_html(SUMMARY, tmp_path / "out" / "summary.html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for text in (
        "1,234",
        "1,700.00",
        "1,150.00",
        "183.3 %",
        "47.8 %",
        "200.00",
        "linkedin",
        "1,450.00",
        "150.00",
        "Organic Social",
        "2025-03-01",
        "EUR",
        "-100.0 %",
    ):
        assert text in html, text  # fmt: skip
    # x has no leads: its cost per lead is a dash, not 0 or inf
    x_row = re.search(r"<tr><td>x</td>.*?</tr>", html, re.S)
    assert x_row and "–" in x_row.group(0) and "inf" not in x_row.group(0)


def test_user_text_is_escaped() -> None:
    s = copy.deepcopy(SUMMARY)
    s["by_network"][0]["network"] = EVIL
    s["by_channel"][0]["channel"] = EVIL
    html = render_summary_html(s, title=EVIL)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_no_remote_resources() -> None:
    html = render_summary_html(SUMMARY)
    assert not re.search(r"(src|href)\s*=", html)
    assert "http://" not in html and "https://" not in html
    assert "<style>" in html


def test_empty_summary_renders() -> None:
    s = copy.deepcopy(SUMMARY)
    s["by_network"], s["by_channel"] = [], []
    s["totals"]["roi"] = None
    html = render_summary_html(s)
    assert "No network had visits" in html
