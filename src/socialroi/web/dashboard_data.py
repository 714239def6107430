"""The numbers of every dashboard page, computed once for the HTML page and its JSON twin.

Each page is a function ``(scope, period) -> PageData`` registered in :data:`PAGES`. The HTML
page (:mod:`socialroi.web.dashboard`) and ``GET /api/v1/pages/…`` (:mod:`socialroi.web.api`)
both call it, so they show the same numbers. Nothing is computed here: every number comes from
the package that owns it — the summary's sections (:func:`socialroi.metrics.channel_summary`,
:func:`socialroi.attribution.attribution_section`, …), the metrics registry
(:func:`socialroi.metrics.registry.compute_metric`) and the report's queries
(:mod:`socialroi.report.data`) — and the tables, charts and sentences are the report's own
sections (:data:`socialroi.report.SECTIONS`), so a page and the CEO report agree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from socialroi.attribution import attribution_section
from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError, WorkspaceNotFound
from socialroi.export import Column, ExportTable
from socialroi.metrics import (
    channel_summary,
    response_section,
    share_of_voice,
    share_of_voice_section,
)
from socialroi.metrics.registry import METRICS, MetricResult, compute_metric
from socialroi.report import data as report_data
from socialroi.report.data import ReportData, compare_period
from socialroi.report.sections import SECTIONS, Figure, SectionContent
from socialroi.web.cache import Cached, Job, Key, ResultCache
from socialroi.web.scope import Scope

if TYPE_CHECKING:
    from socialroi.web.app import AppState

__all__ = [
    "COMPARE_CHOICES",
    "DEFAULT_DAYS",
    "HEAVY",
    "PAGES",
    "Card",
    "Page",
    "PageData",
    "Period",
    "PeriodError",
    "cached_page",
    "cached_period",
    "latest_day",
    "metric_table",
    "own_cursor",
    "parse_period",
    "warmup_jobs",
]

#: The period picker's ``compare`` values.
COMPARE_CHOICES = ("previous", "yoy", "none")
#: Length of the default period, ending on the workspace's latest day with data.
DEFAULT_DAYS = 90
#: The longest period a page accepts (ten years): a guard against a typo like 20255-01-01.
MAX_DAYS = 3660
#: Rows of a leaderboard page (the API paginates with its own limit).
PAGE_ROWS = 50


class PeriodError(ConfigError):
    """The period picker's values are not a valid period (HTTP 400)."""


@dataclass(frozen=True, slots=True)
class Period:
    """``[date_from, date_to]`` (both days included, workspace calendar) and its comparison."""

    date_from: dt.date
    date_to: dt.date
    compare: Literal["previous", "yoy"] | None

    @property
    def comparison(self) -> tuple[dt.date, dt.date] | None:
        return None if self.compare is None else compare_period(*self.span, self.compare)

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        return self.date_from, self.date_to

    def as_dict(self) -> dict[str, Any]:
        cmp = self.comparison
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "compare": self.compare or "none",
            "comparison": None if cmp is None
            else {"from": cmp[0].isoformat(), "to": cmp[1].isoformat()},
        }  # fmt: skip

    def query(self) -> dict[str, str]:
        """The picker's query parameters of this period (for links that keep it)."""
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
                "compare": self.compare or "none"}  # fmt: skip


def _date(name: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            f"{name}={value[:40]!r} is not a date", hint=f"give {name} as YYYY-MM-DD"
        ) from None


def latest_day(scope: Scope) -> dt.date | None:
    """The workspace's latest calendar day with a visit event, a closed deal or post metrics
    (None when it has none of them): the end of the default period."""
    t = scope.tables()
    tz = ZoneInfo(t.workspace.timezone)
    stamps = [
        t.web_events.aggregate(m=t.web_events.occurred_at.max()),
        t.deals.aggregate(m=t.deals.closed_at.max()),
    ]
    days: list[dt.date] = []
    for expr in stamps:
        value = scope.engine.execute(expr).to_pylist()[0]["m"]
        if value is not None:
            days.append(value.replace(tzinfo=dt.UTC).astimezone(tz).date())
    pm = t.post_metrics.aggregate(m=t.post_metrics.date.max())
    value = scope.engine.execute(pm).to_pylist()[0]["m"]
    if value is not None:
        days.append(value)
    return max(days) if days else None


def parse_period(
    date_from: str | None,
    date_to: str | None,
    compare: str | None,
    latest: Callable[[], dt.date | None],
) -> Period:
    """The period picker's values as a :class:`Period`.

    Missing ``to``: the workspace's latest day with data (``latest()``, today without data);
    missing ``from``: :data:`DEFAULT_DAYS` days ending at ``to``; missing ``compare``:
    ``previous``. Raises :class:`PeriodError` for a malformed date, ``from`` after ``to``, a
    period longer than :data:`MAX_DAYS` days or an unknown ``compare``.
    """
    choice = compare or "previous"
    if choice not in COMPARE_CHOICES:
        raise PeriodError(
            f"compare={choice[:40]!r} is not a comparison",
            hint=f"use one of: {', '.join(COMPARE_CHOICES)}",
        )
    end = _date("to", date_to) if date_to else (latest() or dt.date.today())
    start = _date("from", date_from) if date_from else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise PeriodError(
            f"from={start.isoformat()} is after to={end.isoformat()}",
            hint="pick a start date on or before the end date",
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError(
            f"the period {start.isoformat()} to {end.isoformat()} is longer than {MAX_DAYS} days",
            hint="pick a shorter period",
        )
    if choice != "none" and start.year < 2 + (end - start).days // 365:
        raise PeriodError(
            "the comparison period would start before year 1", hint="pick later dates"
        )
    return Period(start, end, None if choice == "none" else choice)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Card:
    """A headline number with its comparison value and relative change (None: not comparable)."""

    label: str
    kind: str
    value: float | int | None
    previous: float | int | None = None
    change: float | None = None


@dataclass
class PageData:
    """What one dashboard page shows; :meth:`as_dict` is its JSON (``/api/v1/pages/{page}``)."""

    page: str
    title: str
    question: str
    period: Period
    currency: str
    cards: list[Card] = field(default_factory=list)
    narrative: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[ExportTable] = field(default_factory=list)
    #: why the page has nothing to show (no data in the workspace, history too short…)
    empty: str | None = None
    #: the raw results behind the tables (summary sections, metric results), for the API
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "title": self.title,
            "period": self.period.as_dict(),
            "currency": self.currency,
            "empty": self.empty,
            "cards": [
                {"label": c.label, "kind": c.kind, "value": c.value, "previous": c.previous,
                 "change": c.change} for c in self.cards
            ],
            "narrative": self.narrative,
            "tables": {
                t.name: {"title": t.title, "note": t.note,
                         "columns": [{"key": c.key, "label": c.label, "kind": c.kind}
                                     for c in t.columns],
                         "rows": [{c.key: _plain(r.get(c.key)) for c in t.columns}
                                  for r in t.rows]}
                for t in self.tables
            },
            "data": self.data,
        }  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class Page:
    """A dashboard page: its URL segment (``""`` for the overview), title and data function."""

    key: str
    path: str
    title: str
    question: str
    build: Callable[[Scope, Period], PageData]


PAGES: dict[str, Page] = {}


_Build = TypeVar("_Build", bound=Callable[..., PageData])


def _page(key: str, path: str, title: str, question: str) -> Callable[[_Build], _Build]:
    def register(fn: _Build) -> _Build:
        PAGES[key] = Page(key, path, title, question, fn)
        return fn

    return register


def _new(key: str, scope: Scope, period: Period) -> PageData:
    p = PAGES[key]
    return PageData(key, p.title, p.question, period, scope.workspace.currency)


def _report_data(scope: Scope, period: Period, summary: dict[str, Any]) -> ReportData:
    return ReportData(
        workspace_name=scope.workspace.name, date_from=period.date_from,
        date_to=period.date_to, summary=summary, compare=period.compare,
    )  # fmt: skip


def _section(key: str, data: ReportData) -> SectionContent:
    return next(s for s in SECTIONS if s.key == key).build(data)


def _fill(page: PageData, content: SectionContent, tables: Sequence[str] | None = None) -> None:
    page.narrative += content.narrative
    page.figures += content.figures
    page.tables += [t for t in content.tables if tables is None or t.name in tables]


def _change(now: float | int | None, before: float | int | None) -> float | None:
    """Relative change; None when there is no comparison value or it is 0 (a ratio over 0)."""
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / abs(before), 4)


#: The overview's cards: (summary key, label, kind).
_CARDS = (
    ("visits", "Visits", "count"),
    ("leads", "Leads", "count"),
    ("customers", "Customers", "count"),
    ("revenue", "Revenue", "money"),
    ("cost", "Cost", "money"),
    ("cost_with_labour", "Cost with staff time", "money"),
    ("roi", "ROI", "times"),
    ("roi_with_labour", "ROI with staff time", "times"),
)

_EMPTY = (
    "No data in this period. Import your files on the Imports page (or with `socialroi import "
    "DIR`), or pick another period."
)


def _channels(scope: Scope, period: Period) -> tuple[dict[str, Any], dict[str, Any] | None]:
    now = channel_summary(scope.engine, scope.workspace_id, *period.span)
    cmp = period.comparison
    before = None if cmp is None else channel_summary(scope.engine, scope.workspace_id, *cmp)
    return now, before


def _has_data(summary: Mapping[str, Any]) -> bool:
    return bool(summary["by_network"] or summary["by_channel"])


@_page("overview", "", "Overview", "What did social bring this period, in money?")
def overview(scope: Scope, period: Period) -> PageData:
    """The CEO numbers of ``socialroi summary`` (``totals`` and ``social``) beside the
    comparison period, and revenue per network."""
    page = _new("overview", scope, period)
    now, before = _channels(scope, period)
    page.data = {"summary": now, "comparison": before}
    if not _has_data(now):
        page.empty = _EMPTY
    for scope_key, prefix in (("social", "Social: "), ("totals", "All channels: ")):
        for key, label, kind in _CARDS:
            value = now[scope_key].get(key)
            prev = None if before is None else before[scope_key].get(key)
            page.cards.append(Card(prefix + label, kind, value, prev, _change(value, prev)))
    data = _report_data(scope, period, now)
    data.previous = before
    _fill(page, _section("channels", data), ("by_network",))
    return page


@_page("networks", "networks", "Networks and channels",
       "Which networks and channels bring customers and revenue, and at what cost?")  # fmt: skip
def networks(scope: Scope, period: Period) -> PageData:
    """Visits to ROI per network (first touch) and per channel group, and tracked-link clicks
    by UTM campaign (the report's channels section)."""
    page = _new("networks", scope, period)
    now, before = _channels(scope, period)
    page.data = {"summary": now, "comparison": before}
    if not _has_data(now):
        page.empty = _EMPTY
    data = _report_data(scope, period, now)
    data.previous = before
    data.campaigns = report_data.campaign_rows(scope.engine, scope.tables(), *period.span)
    _fill(page, _section("channels", data))
    return page


@_page("attribution", "attribution", "Attribution",
       "How do attribution models split the credit, and which paths convert?")  # fmt: skip
def attribution(scope: Scope, period: Period) -> PageData:
    """Every model side by side, assisted conversions and top paths of the customers converted
    in the period (90-day lookback: the summary's ``attribution`` section)."""
    page = _new("attribution", scope, period)
    summary = channel_summary(scope.engine, scope.workspace_id, *period.span)
    summary["attribution"] = attribution_section(scope.engine, scope.workspace_id, *period.span)
    page.data = {"attribution": summary["attribution"]}
    data = _report_data(scope, period, summary)
    # the section's own assisted conversions and top paths, as the report takes them
    data.assisted = list(summary["attribution"].get("assisted", []))
    data.top_paths = list(summary["attribution"].get("top_paths", []))
    page.data |= {"assisted": data.assisted, "top_paths": data.top_paths}
    if not summary["attribution"].get("conversions"):
        page.empty = "No customer converted in this period, so there is nothing to attribute."
    _fill(page, _section("roi", data))
    return page


# --- pages built from the metrics registry ----------------------------------------------------

_RATIO_WORDS = ("rate", "sov", "share", "within_sla", "attainment", "sentiment", "ctr")
_MONEY_WORDS = ("revenue", "cost", "value", "clv", "amount", "ci_low", "ci_high")


def _kind(key: str, rows: Sequence[Mapping[str, Any]]) -> str:
    if key.endswith("_change") or any(w in key for w in _RATIO_WORDS):
        return "ratio"
    values = [r.get(key) for r in rows if r.get(key) is not None]
    if any(w in key for w in _MONEY_WORDS):
        return "money"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "count"
    if values and all(isinstance(v, float) for v in values):
        return "number"
    return "text"


def metric_table(
    result: MetricResult, name: str, title: str, note: str, *, rows: Sequence[Mapping[str, Any]]
    | None = None, columns: Sequence[str] | None = None,
) -> ExportTable:  # fmt: skip
    """A registry result as a table: its keys, then each measure with its change against the
    previous period (the ``_previous`` values stay in the API's raw result)."""
    body = list(result.rows if rows is None else rows)
    chosen = [c for c in (columns or result.columns) if not c.endswith("_previous")]
    cols = tuple(
        Column(c, "Δ vs previous" if c.endswith("_change") else c.replace("_", " "),
               _kind(c, body))  # type: ignore[arg-type]
        for c in chosen
    )  # fmt: skip
    return ExportTable(name, title, cols, body, note)


def _metric_note(result: MetricResult, scope: Scope) -> str:
    a, b = result.period
    note = f"Data: {a.isoformat()} to {b.isoformat()} ({scope.workspace.name})."
    if result.previous is not None:
        p, q = result.previous
        note += f" Δ: relative change against {p.isoformat()} to {q.isoformat()}."
    return note


def _metric(scope: Scope, period: Period, name: str, by: str | None = None) -> MetricResult:
    # the registry compares with the previous period only; yoy pages show no Δ columns
    return compute_metric(scope.engine, scope.workspace_id, name, *period.span, by=by,
                          compare=period.compare == "previous")  # fmt: skip


_FUNNEL_COLUMNS = (
    "network", "visits", "visits_change", "leads", "leads_change", "customers",
    "customers_change", "contact_rate", "customer_rate", "lead_to_customer", "customer_revenue",
    "customer_revenue_change", "average_customer_value", "lead_value", "visit_value",
    "visit_to_lead_median_days", "lead_to_customer_median_days",
)  # fmt: skip


@_page("funnel", "funnel", "Funnel",
       "How many visits become leads and customers, per network, and what is each stage worth?")
def funnel_page(scope: Scope, period: Period) -> PageData:
    """The registry's ``funnel`` metric by network: stage counts, rates, values, days."""
    from socialroi.report import charts

    page = _new("funnel", scope, period)
    result = _metric(scope, period, "funnel", "network")
    page.data = {"funnel": result.as_dict()}
    if not result.rows:
        page.empty = _EMPTY
    note = (
        f"{METRICS['funnel'].title}. Model: first touch (leads and customers under the network of "
        f"the person's first visit). {_metric_note(result, scope)}"
    )
    page.figures.append(Figure(
        "customer_rate", "Visit-to-customer rate per network",
        charts.network_bars(result.rows, key="network", value="customer_rate",
                            title="customers ÷ visits", value_format=".2%"), note,
    ))  # fmt: skip
    columns = [c for c in _FUNNEL_COLUMNS if c in result.columns or c == "network"]
    page.tables.append(metric_table(result, "funnel", "Funnel per network", note,
                                    columns=columns))  # fmt: skip
    return page


@_page("posts", "posts", "Posts", "Which posts brought customers and revenue?")
def posts(scope: Scope, period: Period, *, offset: int = 0, limit: int = PAGE_ROWS) -> PageData:
    """The registry's ``post-leaderboard``, rows ``offset`` to ``offset + limit``, with each
    post's text and link."""
    page = _new("posts", scope, period)
    result = _metric(scope, period, "post-leaderboard")
    rows = result.rows[offset : offset + limit]
    ids = [r["post_id"] for r in rows]
    t = scope.tables()
    p = t.posts.filter(t.posts.post_id.isin(ids or [""])).select("post_id", "text", "url")
    text = {r["post_id"]: r for r in scope.engine.execute(p).to_pylist()}
    rows = [{**r, "text": text.get(r["post_id"], {}).get("text"),
             "url": text.get(r["post_id"], {}).get("url")} for r in rows]  # fmt: skip
    page.data = {"total": len(result.rows), "offset": offset, "limit": limit, "rows": rows}
    if not result.rows:
        page.empty = "No post in this period: import posts.csv and post_metrics.csv."
    note = f"{METRICS['post-leaderboard'].title}. {_metric_note(result, scope)}"
    columns = ["network", "text", "campaign", "customers", "customers_change", "revenue",
               "revenue_change", "leads", "engagements", "engagement_rate", "impressions",
               "clicks", "cost", "roi"]  # fmt: skip
    page.tables.append(metric_table(result, "posts", "Post leaderboard", note, rows=rows,
                                    columns=columns))  # fmt: skip
    return page


# --- pages that are one section of the report -------------------------------------------------


@_page("response", "response", "Customer response", "How fast do we answer people on social?")
def response(scope: Scope, period: Period) -> PageData:
    """The summary's ``response`` section (rate, first response, SLA) per network."""
    page = _new("response", scope, period)
    section = response_section(scope.engine, scope.workspace_id, *period.span)
    page.data = {"response": section}
    if not section.get("inbound"):
        page.empty = "No inbound message in this period: import messages.csv."
    summary = {"currency": scope.workspace.currency, "response": section}
    _fill(page, _section("response", _report_data(scope, period, summary)))
    return page


@_page("share_of_voice", "share-of-voice", "Share of voice",
       "How much of the conversation about our market is about us?")  # fmt: skip
def share_of_voice_page(scope: Scope, period: Period) -> PageData:
    """The summary's ``share_of_voice`` section, each brand's counts and the widest mentions."""
    page = _new("share_of_voice", scope, period)
    sov = share_of_voice_section(scope.engine, scope.workspace_id, *period.span)
    summary = {"currency": scope.workspace.currency, "share_of_voice": sov}
    data = _report_data(scope, period, summary)
    t = scope.tables()
    rows = list(scope.engine.execute(share_of_voice(t, *period.span)).to_pylist())
    order = list(sov)
    rows.sort(key=lambda r: order.index(r["brand"]) if r["brand"] in order else len(order))
    data.share_of_voice = rows
    data.top_mentions = report_data.top_mention_rows(scope.engine, t, *period.span)
    page.data = {"share_of_voice": sov, "brands": rows, "top_mentions": data.top_mentions}
    if not rows:
        page.empty = "No mention in this period: import mentions.csv."
    _fill(page, _section("share_of_voice", data))
    return page


@_page("clv", "clv", "Customer lifetime value",
       "Are customers who come through social worth more?")  # fmt: skip
def clv(scope: Scope, period: Period) -> PageData:
    """Historical CLV of social vs other customers to the end of the period (bootstrap
    intervals, Welch's test)."""
    page = _new("clv", scope, period)
    value = report_data.clv_comparison(scope.engine, scope.workspace_id, period.date_to)
    page.data = {"clv": value}
    if value is None:
        page.empty = "No customer up to the end of this period: import contacts.csv and deals.csv."
        return page
    data = _report_data(scope, period, {"currency": scope.workspace.currency})
    data.extra["clv_comparison"] = value
    _fill(page, _section("clv", data))
    return page


@_page("forecast", "forecast", "Forecast and goals",
       "How many leads, customers and revenue will social bring, and are we on pace?")
def forecast(scope: Scope, period: Period) -> PageData:
    """Forecasts after the period's last full month (80 % and 95 % intervals) and goal pace."""
    page = _new("forecast", scope, period)
    value = report_data.forecast_values(scope.engine, scope.workspace_id, period.date_to)
    page.data = {"forecast": value}
    if value is None:
        page.empty = (
            "Too little history to forecast and no goal set: a forecast needs several full "
            "months of data before the end of the period; goals are set in Settings."
        )
        return page
    data = _report_data(scope, period, {"currency": scope.workspace.currency})
    data.extra["forecast"] = value
    _fill(page, _section("forecast", data))
    return page


# --- the result cache (socialroi.web.cache) ----------------------------------------------------

#: pages whose computation takes minutes and gigabytes at 10M events: one at a time
HEAVY = frozenset({"attribution"})
#: the warm-up's order: what a CEO opens first
_WARM_ORDER = ("overview", "networks", "funnel", "posts", "response", "share_of_voice", "clv",
               "forecast", "attribution")  # fmt: skip


def period_key(period: Period) -> tuple[str, str, str]:
    """A period as a cache key's parameters: the normalised dates and comparison."""
    return period.date_from.isoformat(), period.date_to.isoformat(), period.compare or "none"


def cached_period(
    cache: ResultCache, scope: Scope, date_from: str | None, date_to: str | None,
    compare: str | None,
) -> Period:  # fmt: skip
    """:func:`parse_period` with the workspace's latest day taken from the cache (computed
    at most once per data version, in the calling thread)."""

    def compute() -> dt.date | None:
        # inline in the calling thread, but revalidated on the pool after live events
        with own_cursor(scope) as here:
            return latest_day(here)

    def latest() -> dt.date | None:
        value: dt.date | None = cache.get(Key(scope.workspace_id, "latest_day"), compute,
                                          inline=True).value  # fmt: skip
        return value

    return parse_period(date_from, date_to, compare, latest)


@contextmanager
def own_cursor(scope: Scope) -> Iterator[Scope]:
    """``scope`` for a computation on a pool thread: a scope resolved per request hands out
    the calling thread's cursor already; one bound to a single connection (an engine, as
    tests give) gets a cursor of its own here, as a DuckDB connection serves one thread."""
    if isinstance(scope.source, DuckDBEngine):
        cur = scope.source.cursor()
        try:
            yield dataclasses.replace(scope, source=cur)
        finally:
            cur.close()
    else:
        yield scope


def cached_page(
    cache: ResultCache, scope: Scope, key: str, period: Period, *, offset: int = 0,
    limit: int = PAGE_ROWS,
) -> Cached[PageData]:  # fmt: skip
    """The page ``key`` of the period from the cache (computed by :data:`PAGES` on a miss).
    The HTML page and its ``/api/v1`` twin share the entry; ``offset``/``limit`` (the posts
    leaderboard) are part of the key."""
    build = PAGES[key].build
    extra: tuple[int, ...] = (offset, limit) if key == "posts" else ()

    def compute() -> PageData:
        with own_cursor(scope) as here:
            if key == "posts":
                return posts(here, period, offset=offset, limit=limit)
            return build(here, period)

    return cache.get(Key(scope.workspace_id, f"page:{key}", period_key(period) + extra),
                     compute, heavy=key in HEAVY)  # fmt: skip


def warmup_jobs(st: AppState, workspace_id: str) -> list[Job]:
    """What the warm-up computes for a workspace: its latest day, then every dashboard page
    for the default period (the same keys as a request without ``from``/``to``)."""
    eng = st.reader()
    try:
        workspace = eng.workspace(workspace_id)
    except WorkspaceNotFound:  # deleted meanwhile: nothing to warm
        return []
    scope = Scope(workspace, "viewer", "system", st.reader)
    cache = st.cache
    period = cached_period(cache, scope, None, None, None)
    jobs = []
    for key in _WARM_ORDER:
        extra: tuple[int, ...] = (0, PAGE_ROWS) if key == "posts" else ()
        jobs.append(Job(Key(workspace_id, f"page:{key}", period_key(period) + extra),
                        partial(PAGES[key].build, scope, period), heavy=key in HEAVY))  # fmt: skip
    return jobs
