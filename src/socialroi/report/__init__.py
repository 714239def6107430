"""Reports: the CEO report (PDF and interactive HTML) and the one-page summary HTML.

- :mod:`~socialroi.report.data` — every number of the report, computed once
  (:func:`collect`);
- :mod:`~socialroi.report.sections` — the registry of sections, one per question
  (:func:`register_section` adds one, e.g. CLV or forecasts);
- :mod:`~socialroi.report.narrative` — the generated sentences and their rules;
- :mod:`~socialroi.report.charts` — Altair charts, network colours, offline Vega bundle;
- :mod:`~socialroi.report.document` — HTML and PDF (WeasyPrint) rendering;
- :mod:`~socialroi.report.html` — the summary as one HTML page.
"""

from __future__ import annotations

from socialroi.report.data import COMPARE, ReportData, collect, compare_period
from socialroi.report.document import (
    DEFINITIONS,
    PAPER_SIZES,
    LocalOnlyFetcher,
    RenderedReport,
    headline,
    render_html,
    render_report,
    write_pdf,
    write_report,
)
from socialroi.report.html import render_summary_html, write_summary_html
from socialroi.report.sections import (
    SECTIONS,
    Figure,
    Section,
    SectionContent,
    register_section,
    render_sections,
)

__all__ = [
    "COMPARE",
    "DEFINITIONS",
    "PAPER_SIZES",
    "SECTIONS",
    "Figure",
    "LocalOnlyFetcher",
    "RenderedReport",
    "ReportData",
    "Section",
    "SectionContent",
    "collect",
    "compare_period",
    "headline",
    "register_section",
    "render_html",
    "render_report",
    "render_sections",
    "render_summary_html",
    "write_pdf",
    "write_report",
    "write_summary_html",
]
