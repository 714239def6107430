"""Reports: the summary as a self-contained HTML page (no remote resources, inline CSS)."""

from __future__ import annotations

from socialroi.report.html import render_summary_html, write_summary_html

__all__ = ["render_summary_html", "write_summary_html"]
