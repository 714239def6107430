"""The summary as one HTML page, rendered by Jinja2 with autoescaping on.

The template ships in the package (``templates/summary.html.j2``); the page has inline CSS and
loads nothing remote, so it can be mailed or opened offline. Every value from the data (network
and channel names, the title) is escaped by autoescape.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["render_summary_html", "write_summary_html"]

_TEMPLATE = "summary.html.j2"


def template_env() -> Environment:
    """The package's Jinja2 environment: autoescape on, strict undefined, number filters."""
    env = Environment(
        loader=PackageLoader("socialroi.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    env.filters["money0"] = _money_whole
    env.filters["count"] = _count
    env.filters["percent"] = _percent
    env.filters["share"] = _share
    return env


def _money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


def _money_whole(value: float | None) -> str:
    """Money in whole units, for headline cards (tables keep the cents)."""
    return "–" if value is None else f"{value:,.0f}"


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _percent(value: float | None) -> str:
    """A ratio (0.25) as a percentage (25.0 %); a null ratio as a dash."""
    return "–" if value is None else f"{value * 100:,.1f} %"


def _share(part: float | None, whole: float | None) -> str:
    if part is None or not whole:
        return "–"
    return f"{part / whole * 100:,.1f} %"


def render_summary_html(summary: dict[str, Any], *, title: str | None = None) -> str:
    """The HTML page of a summary (the dict of :func:`socialroi.metrics.summary`)."""
    period = summary["period"]
    heading = title or f"Social ROI {period['from']} – {period['to']}"
    return (
        template_env()
        .get_template(_TEMPLATE)
        .render(
            s=summary,
            title=heading,
            generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
    )


def write_summary_html(summary: dict[str, Any], path: Path, *, title: str | None = None) -> Path:
    """Write the HTML page of ``summary`` to ``path`` (UTF-8); return ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_summary_html(summary, title=title), encoding="utf-8")
    return path
