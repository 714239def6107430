"""The CEO report as one HTML document (interactive, offline) or a PDF (WeasyPrint).

Both come from one Jinja2 template with autoescaping on: every value from the data (network,
brand, post and mention text, UTM tags, paths) is escaped. The HTML inlines the Vega scripts
(:func:`~socialroi.report.charts.vega_script`) and each chart's spec as script-safe JSON, so it
opens with no network. The PDF draws the same specs as SVG images (vl-convert) and is laid out by
WeasyPrint with :class:`LocalOnlyFetcher`, which refuses every URL except inline ``data:``:
nothing remote and no local file can be pulled into a report. Fonts come from the system
(fontconfig); none is fetched.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment

from socialroi.errors import ConfigError
from socialroi.export import Column, ExportTable
from socialroi.report import charts, narrative
from socialroi.report.data import ReportData
from socialroi.report.html import template_env
from socialroi.report.sections import Section, SectionContent, all_tables, render_sections

__all__ = [
    "DEFINITIONS",
    "PAPER_SIZES",
    "LocalOnlyFetcher",
    "RenderedReport",
    "format_cell",
    "headline",
    "metrics_table",
    "render_html",
    "render_report",
    "write_pdf",
    "write_report",
]

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
_log = logging.getLogger(__name__)

#: The appendix: every term the report uses, as defined in the data contract and docs/metrics.md.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Visit", "A session of one visitor; a new one starts after 30 minutes without events or "
     "when the campaign source changes. Its channel comes from UTM tags, then click id, then "
     "referrer."),
    ("Lead", "A contact at became_lead_at (else created_at), or a web lead event; each person "
     "counts once, at the first time."),
    ("Customer", "A contact at their first won deal's closed_at (or became_customer_at, or "
     "first purchase); each person counts once."),
    ("Revenue", "Won deal amounts at closed_at plus purchases minus refunds, deduplicated by "
     "transaction_id, in the base currency."),
    ("Cost; cost with staff time", "Costs in the period (a spread cost counts for its days "
     "inside the period); with staff time adds hours × hourly rate. Costs with no network count "
     "in totals only."),
    ("ROI", "(revenue − cost) ÷ cost, shown as a multiple (2.40× = revenue 3.4 times cost); "
     "null when the cost is 0."),
    ("First touch (per-network tables)", "Leads, customers and revenue count under the network "
     "or channel of the person's first visit (HubSpot's Sources report)."),
    ("Social (cover, totals)", "Visits from social networks; leads, customers and revenue of "
     "people whose first touch was a social network; cost of the social networks."),
    ("Attribution models", "first/last touch, last non-direct, linear, time decay (half-life 7 "
     "days), position-based (40/20/40), Markov (removal effect) and Shapley; each model's credit "
     "sums to the period's conversions."),
    ("Assisted conversion", "A conversion whose path contains the network other than as the "
     "last touch."),
    ("Engagement rate", "Engagements (reactions, comments, shares, saves, clicks) ÷ impressions."),
    ("Amplification; virality", "Shares per post; shares ÷ impressions."),
    ("Response rate; first response", "Inbound messages needing a reply that got one ÷ those "
     "needing one; time from the message to the first reply (auto-replies excluded)."),
    ("Sales opportunity", "An inbound social message from a lead not yet a customer or from a "
     "contact with an open deal."),
    ("Share of voice", "A brand's mentions ÷ mentions of all tracked brands."),
)  # fmt: skip


@dataclass
class RenderedReport:
    """A report ready to write: data, sections with their content, and its tables."""

    data: ReportData
    sections: list[tuple[Section, SectionContent]]
    generated: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    )

    @property
    def tables(self) -> list[ExportTable]:
        """Every table of the report, then ``metrics``: every number of the summary, one row
        each (``by_network.linkedin.revenue``)."""
        return [*all_tables([c for _, c in self.sections]), metrics_table(self.data)]


def _flatten(prefix: str, value: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list):
        for item in value:
            name = item.get("network") or item.get("channel") if isinstance(item, dict) else None
            if name is None:
                continue
            _flatten(
                f"{prefix}.{name}",
                {k: v for k, v in item.items() if k not in ("network", "channel")},
                out,
            )
    elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        out.append({"metric": prefix, "value": value})


def metrics_table(data: ReportData) -> ExportTable:
    """Every numeric value of the summary as ``metric, value`` rows (null kept as empty)."""
    rows: list[dict[str, Any]] = []
    _flatten("", {k: v for k, v in data.summary.items() if k not in ("period", "currency")}, rows)
    return ExportTable(
        "metrics",
        "Every metric of the summary",
        (Column("metric", "Metric"), Column("value", "Value", "number")),
        rows,
        f"socialroi summary of {data.period_label}; money in {data.currency}; ratios as "
        "fractions (0.25 = 25 %).",
    )


def headline(data: ReportData) -> str:
    """The cover's sentence: social customers and revenue, ROI without and with staff time.

    Every number is the summary's ``social`` section: customers and revenue of people whose
    first touch was a social network, cost and ROI of the social networks.
    """
    s = data.summary["social"]
    return (
        f"{s['customers']:,} customers and {narrative.fmt_money(s['revenue'], data.currency)} "
        f"revenue from social, {data.period_label}: ROI {narrative.fmt_times(s['roi'])} "
        f"({narrative.fmt_times(s['roi_with_labour'])} with staff time)."
    )


def render_report(data: ReportData) -> RenderedReport:
    """Build every available section of ``data``."""
    return RenderedReport(data, render_sections(data))


def format_cell(value: Any, kind: str, currency: str) -> str:
    """A table cell as the report prints it: counts with thousands separators, money and
    numbers to 2 decimals, ratios as percentages, a missing value as an en dash."""
    if value is None:
        return "–"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "money":
        return f"{float(value):,.2f}"
    if kind == "ratio":
        return narrative.fmt_pct(float(value))
    if kind == "number":
        return f"{float(value):,.2f}"
    return str(value)


def _env() -> Environment:
    env = template_env()
    env.filters["cell"] = format_cell
    env.filters["money_in"] = narrative.fmt_money
    env.filters["times"] = narrative.fmt_times
    return env


def render_html(
    report: RenderedReport,
    *,
    mode: Literal["html", "pdf"] = "html",
    paper: str = "a4",
) -> str:
    """The report as an HTML string: ``html`` (interactive charts, offline) or ``pdf`` (SVG
    images, print CSS for WeasyPrint)."""
    if paper not in PAPER_SIZES:
        raise ConfigError(f"unknown paper size {paper!r}", hint="use a4 or letter")
    data = report.data
    figures: dict[str, str] = {}
    for _, content in report.sections:
        for fig in content.figures:
            figures[fig.name] = (
                charts.svg_data_uri(charts.chart_svg(fig.spec))
                if mode == "pdf"
                else charts.embed_json(fig.spec)
            )
    social = data.summary["social"]
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            mode=mode,
            paper=PAPER_SIZES[paper],
            data=data,
            social=social,
            totals=data.summary["totals"],
            headline=headline(data),
            sections=report.sections,
            figures=figures,
            definitions=DEFINITIONS,
            generated=report.generated,
            vega_script=charts.vega_script() if mode == "html" else "",
        )
    )


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        """Fetches only inline ``data:`` URLs; records and refuses everything else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",))
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                self.refused.append(url)
                _log.warning("report: refused to fetch %s (only inline data: URLs)", url[:200])
                raise ValueError(f"refused to fetch {url[:200]!r}: reports load no resources")
            return super().fetch(url, headers)

    return LocalOnly


def LocalOnlyFetcher() -> Any:  # noqa: N802 - a factory standing for the class
    """A WeasyPrint URL fetcher that refuses remote, ``file://`` and every non-``data:`` URL.

    Its ``refused`` list names what it refused (tests assert on it).
    """
    return _fetcher_class()()


def write_pdf(report: RenderedReport, path: Path, *, paper: str = "a4") -> Path:
    """Lay the report out with WeasyPrint and write the PDF to ``path``."""
    from weasyprint import HTML

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(report, mode="pdf", paper=paper)
    HTML(string=html, base_url=None, url_fetcher=LocalOnlyFetcher()).write_pdf(path)
    return path


def write_report(report: RenderedReport, path: Path, *, paper: str = "a4") -> Path:
    """Write ``.pdf`` or ``.html`` by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return write_pdf(report, path, paper=paper)
    if suffix in (".html", ".htm"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_html(report, mode="html", paper=paper), encoding="utf-8")
        return path
    raise ConfigError(
        f"cannot tell the report format of {path.name!r}",
        hint="give --out a name ending in .pdf or .html (for CSV, XLSX or JSON use socialroi "
        "export)",
    )
