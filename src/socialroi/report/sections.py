"""The report's sections: a registry, one entry per question the report answers.

A :class:`Section` turns :class:`~socialroi.report.data.ReportData` into tables, charts and
sentences. A new section (CLV social vs non-social, forecast against goals) is one
:func:`register_section` call whose ``requires`` names the key it needs in
``ReportData.extra`` (or the summary); until that key is computed, the section is left out
rather than shown with made-up numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from socialroi.export import Column, ExportTable
from socialroi.report import charts, narrative
from socialroi.report.data import ReportData
from socialroi.schema.entities import SOCIAL_NETWORKS

__all__ = [
    "SECTIONS",
    "Figure",
    "Section",
    "SectionContent",
    "all_tables",
    "register_section",
    "render_sections",
]


@dataclass(frozen=True, slots=True)
class Figure:
    """A chart: its Vega-Lite spec, a title and the note printed under it."""

    name: str
    title: str
    spec: Mapping[str, Any]
    note: str


@dataclass(slots=True)
class SectionContent:
    """What one section shows; every table is also exported."""

    narrative: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[ExportTable] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Section:
    """One question of the report.

    ``requires`` is a key of ``ReportData.extra`` or of the summary; the section renders only
    when it is present.
    """

    key: str
    title: str
    question: str
    build: Callable[[ReportData], SectionContent]
    requires: str | None = None

    def available(self, data: ReportData) -> bool:
        return self.requires is None or (
            self.requires in data.extra or self.requires in data.summary
        )


SECTIONS: list[Section] = []


def register_section(section: Section, *, after: str | None = None) -> Section:
    """Add ``section`` to :data:`SECTIONS` (at the end, or right after the key ``after``)."""
    if any(s.key == section.key for s in SECTIONS):
        raise ValueError(f"a report section {section.key!r} is already registered")
    index = len(SECTIONS)
    if after is not None:
        index = next(i for i, s in enumerate(SECTIONS) if s.key == after) + 1
    SECTIONS.insert(index, section)
    return section


def render_sections(data: ReportData) -> list[tuple[Section, SectionContent]]:
    """Every available section with its content, in registry order."""
    return [(s, s.build(data)) for s in SECTIONS if s.available(data)]


# --- notes under every figure and table -------------------------------------------------------


def _period_note(data: ReportData) -> str:
    return f"Data: {data.period_label} ({data.workspace_name})."


def first_touch_note(data: ReportData) -> str:
    """Model and period of the per-network funnel (the contract's first-touch rule)."""
    return (
        "Model: first touch (each person's leads, customers and revenue count under the network "
        "of their first visit; visits under their own network). Cost: spend in the period; "
        f"with staff time adds hours × rate. {_period_note(data)}"
    )


def attribution_note(data: ReportData) -> str:
    a = data.summary["attribution"]
    return (
        f"Models: {', '.join(a['models'])}. Conversion: {a['conversion']}s converted in the "
        f"period ({a['conversions']:,}); window: {a['window_days']}-day lookback. "
        f"{_period_note(data)}"
    )


# --- tables -----------------------------------------------------------------------------------

_NETWORK_COLUMNS = (
    Column("network", "Network"),
    Column("visits", "Visits", "count"),
    Column("leads", "Leads", "count"),
    Column("customers", "Customers", "count"),
    Column("revenue", "Revenue", "money"),
    Column("cost", "Cost", "money"),
    Column("cost_with_labour", "Cost with staff time", "money"),
    Column("roi", "ROI", "number"),
    Column("roi_with_labour", "ROI with staff time", "number"),
    Column("cost_per_lead", "Cost per lead", "money"),
    Column("cost_per_customer", "Cost per customer", "money"),
)


def _channels(data: ReportData) -> SectionContent:
    s = data.summary
    networks: list[dict[str, Any]] = [dict(r) for r in s["by_network"]]
    content = SectionContent(
        narrative=narrative.channel_sentences(networks, s["social"], data.currency, data.previous)
    )
    note = first_touch_note(data)
    if data.previous is not None:
        before = {r["network"]: r for r in data.previous["by_network"]}
        for r in networks:
            prev = before.get(r["network"], {})
            r["previous_revenue"] = prev.get("revenue", 0.0)
            r["previous_customers"] = prev.get("customers", 0)
        note += f" Comparison ({data.compare}): {data.previous_label}."
        content.figures.append(
            Figure(
                "revenue_vs_previous",
                "Revenue per network, this period and the comparison period",
                charts.paired_bars(
                    networks,
                    key="network",
                    series={"revenue": "this period", "previous_revenue": "comparison period"},
                    title=f"revenue ({data.currency})",
                ),
                note,
            )
        )
    else:
        content.figures.append(
            Figure(
                "revenue_by_network",
                "Revenue per network",
                charts.network_bars(
                    networks, key="network", value="revenue", title=f"revenue ({data.currency})"
                ),
                note,
            )
        )
    columns: tuple[Column, ...] = _NETWORK_COLUMNS
    if data.previous is not None:
        columns = (
            *columns,
            Column("previous_customers", "Customers, comparison period", "count"),
            Column("previous_revenue", "Revenue, comparison period", "money"),
        )
    content.tables.append(
        ExportTable("by_network", "Visits to ROI per network", columns, networks, note)
    )
    overview = [
        {"scope": scope, **{k: s[scope].get(k) for k in s["totals"]}}
        for scope in ("totals", "social")
    ]
    content.tables.append(
        ExportTable(
            "totals",
            "All channels and social",
            (
                Column("scope", "Scope"),
                *(c for c in _NETWORK_COLUMNS[1:9]),
                Column("unallocated_cost", "Cost without a network", "money"),
            ),
            overview,
            note,
        )
    )
    content.tables.append(
        ExportTable(
            "by_channel",
            "Per channel group",
            (Column("channel", "Channel group"), *_NETWORK_COLUMNS[1:5]),
            s["by_channel"],
            note,
        )
    )
    content.tables.append(
        ExportTable(
            "campaigns",
            "Tracked-link clicks by UTM campaign",
            (
                Column("utm_source", "utm_source"),
                Column("utm_medium", "utm_medium"),
                Column("utm_campaign", "utm_campaign"),
                Column("links", "Links", "count"),
                Column("clicks", "Clicks", "count"),
            ),
            data.campaigns,
            f"Clicks on tracked short links in the period, by the link's UTM tags. "
            f"{_period_note(data)}",
        )
    )
    return content


def _roi(data: ReportData) -> SectionContent:
    s = data.summary
    a = s["attribution"]
    social_keys = SOCIAL_NETWORKS
    content = SectionContent(
        narrative=narrative.attribution_sentences(a["models"], data.assisted, social_keys)
    )
    costed = [r for r in s["by_network"] if r.get("roi") is not None]
    content.figures.append(
        Figure(
            "roi_by_network",
            "ROI per network, on spend alone and with staff time",
            charts.paired_bars(
                costed,
                key="network",
                series={"roi": "spend only", "roi_with_labour": "with staff time"},
                title="ROI (net return ÷ cost)",
                value_format=",.2f",
            ),
            first_touch_note(data) + " Networks without a recorded cost have no ROI.",
        )
    )
    note = attribution_note(data)
    content.figures.append(
        Figure(
            "attribution_models",
            "Credit per network or channel under each attribution model",
            charts.model_heatmap(a["models"], title="credit (customers)"),
            note,
        )
    )
    keys = sorted({k for c in a["models"].values() for k in c})
    rows = [{"credit_key": k, **{m: a["models"][m].get(k, 0.0) for m in a["models"]}} for k in keys]
    rows.sort(key=lambda r: -max(r[m] for m in a["models"]))
    content.tables.append(
        ExportTable(
            "attribution",
            "Attribution models side by side (credit in customers)",
            (
                Column("credit_key", "Credited to"),
                *(Column(m, m.replace("_", " "), "number") for m in a["models"]),
            ),
            rows,
            note,
        )
    )
    content.tables.append(
        ExportTable(
            "assisted",
            "Assisted and last-touch conversions",
            (
                Column("credit_key", "Credited to"),
                Column("assisted_conversions", "Assisted", "count"),
                Column("last_conversions", "Last touch", "count"),
                Column("first_conversions", "First touch", "count"),
                Column("assisted_ratio", "Assisted ÷ last", "number"),
            ),
            data.assisted,
            note,
        )
    )
    content.tables.append(
        ExportTable(
            "top_paths",
            "Top conversion paths",
            (
                Column("path", "Path"),
                Column("conversions", "Customers", "count"),
                Column("nulls", "Paths without conversion", "count"),
                Column("conversion_rate", "Conversion rate", "ratio"),
            ),
            data.top_paths,
            note,
        )
    )
    return content


def _response(data: ReportData) -> SectionContent:
    r = data.summary["response"]
    note = (
        "Inbound messages needing a response, by received time; first response in calendar "
        f"minutes (24/7), auto-replies excluded. {_period_note(data)}"
    )
    content = SectionContent(narrative=narrative.response_sentences(r))
    content.figures.append(
        Figure(
            "response_time",
            "Median first response per network",
            charts.network_bars(
                r["by_network"],
                key="network",
                value="median_first_response_minutes",
                title="median first response (minutes)",
            ),
            note,
        )
    )
    rows = [{"network": "all networks", **{k: v for k, v in r.items() if k != "by_network"}}]
    rows += r["by_network"]
    content.tables.append(
        ExportTable("response", "Customer response", _response_columns("network"), rows, note)
    )
    return content


def _response_columns(key: str) -> tuple[Column, ...]:
    return (
        Column(key, key.capitalize()),
        Column("inbound", "Needing a reply", "count"),
        Column("answered", "Answered", "count"),
        Column("response_rate", "Response rate", "ratio"),
        Column("median_first_response_minutes", "Median first response (min)", "number"),
        Column("p90_first_response_minutes", "90th percentile (min)", "number"),
        Column("within_sla", "Answered within SLA", "ratio"),
    )


def _opportunities(data: ReportData) -> SectionContent:
    o, d = data.opportunities, data.deals_after_social
    note = (
        "Opportunity: an inbound social message from a lead not yet a customer, or from a contact "
        "with an open deal. Won deals after social: deals closed won in the period whose contact "
        f"sent or received a social message before closing. {_period_note(data)}"
    )
    content = SectionContent(narrative=narrative.opportunity_sentences(o, d, data.currency))
    if data.opportunities_by_network:
        content.figures.append(
            Figure(
                "opportunities",
                "Messages from leads and prospects per network",
                charts.network_bars(
                    data.opportunities_by_network, key="network", value="inbound", title="messages"
                ),
                note,
            )
        )
    rows = [{"network": "all networks", **o}, *data.opportunities_by_network]
    content.tables.append(
        ExportTable(
            "opportunities",
            "Sales opportunities on social",
            (Column("network", "Network"), Column("contacts", "Contacts", "count"),
             *_response_columns("network")[1:]),
            rows,
            note,
        )
    )  # fmt: skip
    content.tables.append(
        ExportTable(
            "deals_after_social",
            "Won deals after a social conversation",
            (
                Column("deals_won", "Deals won", "count"),
                Column("revenue_won", "Revenue won", "money"),
                Column("deals_after_social", "After social", "count"),
                Column("revenue_after_social", "Revenue after social", "money"),
                Column("share_after_social", "Share of deals", "ratio"),
                Column("revenue_share_after_social", "Share of revenue", "ratio"),
            ),
            [d],
            note,
        )
    )
    return content


def _reach(data: ReportData) -> SectionContent:
    rows = data.summary["engagement"]["by_network"]
    note = (
        "Activity in the period (post metrics dated in it). Engagement rate = engagements ÷ "
        "impressions; amplification = shares per post; virality = shares ÷ impressions. "
        f"{_period_note(data)}"
    )
    content = SectionContent(narrative=narrative.reach_sentences(rows))
    content.figures.append(
        Figure(
            "engagement_rate",
            "Engagement rate per network",
            charts.network_bars(
                rows, key="network", value="engagement_rate", title="engagement rate",
                value_format=".2%",
            ),
            note,
        )
    )  # fmt: skip
    content.tables.append(
        ExportTable(
            "engagement",
            "Reach and virality per network",
            (
                Column("network", "Network"),
                Column("posts", "Posts", "count"),
                Column("impressions", "Impressions", "count"),
                Column("reach", "Reach", "count"),
                Column("engagements", "Engagements", "count"),
                Column("engagement_rate", "Engagement rate", "ratio"),
                Column("amplification_rate", "Shares per post", "number"),
                Column("virality_rate", "Virality", "ratio"),
                Column("ctr", "Click-through", "ratio"),
            ),
            rows,
            note,
        )
    )
    content.tables.append(
        ExportTable(
            "top_posts",
            "Most engaging posts",
            (
                Column("network", "Network"),
                Column("text", "Post"),
                Column("campaign", "Campaign"),
                Column("impressions", "Impressions", "count"),
                Column("engagements", "Engagements", "count"),
                Column("shares", "Shares", "count"),
                Column("engagement_rate", "Engagement rate", "ratio"),
            ),
            data.top_posts,
            note,
        )
    )
    return content


def _share_of_voice(data: ReportData) -> SectionContent:
    sov = data.summary["share_of_voice"]
    note = (
        "Share of voice = a brand's mentions ÷ mentions of all tracked brands; by reach = the "
        f"same with the mentions' reach. {_period_note(data)}"
    )
    content = SectionContent(narrative=narrative.share_of_voice_sentences(sov, _own_brand(data)))
    content.figures.append(
        Figure(
            "share_of_voice",
            "Share of voice (mentions)",
            charts.network_bars(
                [{"brand": b, "share": v} for b, v in sov.items()],
                key="brand", value="share", title="share of mentions", value_format=".1%",
            ),
            note,
        )
    )  # fmt: skip
    content.tables.append(
        ExportTable(
            "share_of_voice",
            "Share of voice per brand",
            (
                Column("brand", "Brand"),
                Column("mentions", "Mentions", "count"),
                Column("reach", "Reach", "count"),
                Column("sov_mentions", "Share of mentions", "ratio"),
                Column("sov_reach", "Share of reach", "ratio"),
                Column("positive_sov", "Share of positive mentions", "ratio"),
                Column("net_sentiment", "Net sentiment", "ratio"),
            ),
            data.share_of_voice,
            note,
        )
    )
    content.tables.append(
        ExportTable(
            "top_mentions",
            "Mentions with the widest reach",
            (
                Column("brand", "Brand"),
                Column("network", "Network"),
                Column("sentiment", "Sentiment"),
                Column("reach", "Reach", "count"),
                Column("text", "Mention"),
            ),
            data.top_mentions,
            note,
        )
    )
    return content


def _clv(data: ReportData) -> SectionContent:
    clv = data.extra["clv_comparison"]
    note = (
        "Historical CLV = revenue to date (won deals, purchases − refunds) ÷ customers, over "
        "every customer up to the end of the period. Social customer: a social touchpoint in the "
        "90 days before becoming a customer. Intervals: percentile bootstrap (2,000 resamples, "
        f"seeded); test: Welch's t-test. {_period_note(data)}"
    )
    content = SectionContent(narrative=narrative.clv_sentences(clv, data.currency))
    rows = []
    for group, label in (("social", "Social"), ("non_social", "Other")):
        ci = clv.get(f"{group}_ci") or (None, None)
        rows.append({"group": label, "customers": clv[f"{group}_n"], "clv": clv[group],
                     "ci_low": ci[0], "ci_high": ci[1], "p_value": None})  # fmt: skip
    ci = clv.get("difference_ci") or (None, None)
    rows.append({"group": "Difference (social − other)", "customers": None,
                 "clv": clv.get("difference"), "ci_low": ci[0], "ci_high": ci[1],
                 "p_value": clv.get("p_value")})  # fmt: skip
    content.figures.append(
        Figure(
            "clv", "Average revenue to date per customer",
            charts.network_bars(rows[:2], key="group", value="clv", title=data.currency),
            note,
        )
    )  # fmt: skip
    content.tables.append(
        ExportTable(
            "clv",
            "Customer lifetime value, social vs other customers",
            (
                Column("group", "Customers"),
                Column("customers", "Customers (n)", "count"),
                Column("clv", "CLV to date", "money"),
                Column("ci_low", "Interval low", "money"),
                Column("ci_high", "Interval high", "money"),
                Column("p_value", "p-value (Welch)", "number"),
            ),
            rows,
            note,
        )
    )
    return content


def _forecast(data: ReportData) -> SectionContent:
    fc = data.extra["forecast"]
    series: Mapping[str, Mapping[str, Any]] = fc["series"]
    models = sorted({str(s["model"]) for s in series.values()})
    note = (
        f"Model: {', '.join(models) or '–'} (statsmodels exponential smoothing) fitted on monthly "
        "leads, customers and revenue of people whose first touch was social, up to "
        f"{fc['last_month']:%B %Y}; bands: 80 % and 95 % prediction intervals. Goals: actual to "
        f"the end of the period, projected = actual × days ÷ days elapsed. {_period_note(data)}"
    )
    content = SectionContent(
        narrative=[
            *narrative.forecast_sentences(series, fc["goals"], data.currency),
            # the same caveat for leads, customers and revenue is said once
            *sorted({w.split(": ", 1)[-1] for s in series.values() for w in s.get("warnings", [])}),
        ]
    )
    rows: list[dict[str, Any]] = []
    for metric, label in (("leads", "Leads"), ("customers", "Customers"), ("revenue", "Revenue")):
        if metric not in series:
            continue
        s = series[metric]
        fmt = ",.0f"
        content.figures.append(
            Figure(
                f"forecast_{metric}", f"{label} from social: actual and forecast",
                charts.forecast_band(s["history"][-12:], s["points"], title=label.lower(),
                                     value_format=fmt),
                note,
            )
        )  # fmt: skip
        rows.extend({"metric": metric, **p} for p in s["points"])
    if rows:
        content.tables.append(
            ExportTable(
                "forecast",
                "Forecast from social per month",
                (
                    Column("metric", "Metric"),
                    Column("month", "Month"),
                    Column("value", "Forecast", "number"),
                    Column("lo80", "80 % low", "number"),
                    Column("hi80", "80 % high", "number"),
                    Column("lo95", "95 % low", "number"),
                    Column("hi95", "95 % high", "number"),
                ),
                rows,
                note,
            )
        )
    if fc["goals"]:
        content.tables.append(
            ExportTable(
                "goals",
                "Goals and pace",
                (
                    Column("metric", "Metric"),
                    Column("network", "Network"),
                    Column("campaign", "Campaign"),
                    Column("period_start", "From"),
                    Column("period_end", "To"),
                    Column("target", "Target", "number"),
                    Column("actual", "Actual", "number"),
                    Column("projected", "Projected", "number"),
                    Column("attainment", "Attained", "ratio"),
                    Column("status", "Status"),
                ),
                fc["goals"],
                note,
            )
        )
    return content


def _own_brand(data: ReportData) -> str | None:
    sov: Mapping[str, Any] = data.summary["share_of_voice"]
    # share_of_voice_section puts the workspace's own brand first
    return next(iter(sov), None)


for _section in (
    Section("channels", "Channels", "Which networks bring customers and revenue, and at what cost?",
            _channels),
    Section("roi", "ROI and attribution",
            "What is social worth in money, and how do attribution models split the credit?",
            _roi),
    Section("response", "Customer response", "How fast do we answer people on social?",
            _response),
    Section("opportunities", "Sales opportunities",
            "Do conversations on social turn into deals?", _opportunities),
    Section("clv", "Customer lifetime value",
            "Are customers who come through social worth more?", _clv,
            requires="clv_comparison"),
    Section("reach", "Reach and virality",
            "Which content gets shared beyond our followers?", _reach),
    Section("share_of_voice", "Share of voice",
            "How much of the conversation about our market is about us?", _share_of_voice,
            requires="share_of_voice"),
    Section("forecast", "Forecast and goals",
            "How many leads, customers and revenue will social bring, and are we on pace?",
            _forecast, requires="forecast"),
):  # fmt: skip
    register_section(_section)


def all_tables(contents: Sequence[SectionContent]) -> list[ExportTable]:
    """Every table of the rendered sections, in order."""
    return [t for c in contents for t in c.tables]
