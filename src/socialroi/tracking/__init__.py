"""Tracking: tagged short links, the website collector, bot filtering and the durable spool.

No web framework here: :mod:`socialroi.web` exposes these functions over HTTP.

- :mod:`~socialroi.tracking.links` — links with UTM templates, bulk creation, QR codes, redirects;
- :mod:`~socialroi.tracking.urls` — which targets are safe, and how tags are merged into them;
- :mod:`~socialroi.tracking.events` — the JSON event format, validated into spool records;
- :mod:`~socialroi.tracking.bots` — bots, preview fetchers and referrer spam;
- :mod:`~socialroi.tracking.visitor` — cookieless daily-salted visitor ids;
- :mod:`~socialroi.tracking.spool` and :mod:`~socialroi.tracking.writer` — acknowledged means
  fsynced; one writer thread loads the spool into DuckDB exactly once.
"""

from __future__ import annotations

from socialroi.tracking.bots import bot_name, is_spam_referrer
from socialroi.tracking.config import Goal, add_goal, add_origin, goals, origins, remove_origin
from socialroi.tracking.events import EventContext, RequestRejected, parse_events
from socialroi.tracking.links import (
    CLICK_PARAM,
    Link,
    bulk_create,
    count_links,
    create_link,
    link_by_code,
    link_counts,
    list_links,
    qr_code,
    redirect_location,
    set_utm_template,
    utm_templates,
)
from socialroi.tracking.spool import Spool, SpoolFull, SpoolUnavailable
from socialroi.tracking.urls import UnsafeURL, check_target, merge_query
from socialroi.tracking.visitor import DailySalt
from socialroi.tracking.writer import DEDUP_WINDOW, Writer, counters, open_database

__all__ = [
    "CLICK_PARAM",
    "DEDUP_WINDOW",
    "DailySalt",
    "EventContext",
    "Goal",
    "Link",
    "RequestRejected",
    "Spool",
    "SpoolFull",
    "SpoolUnavailable",
    "UnsafeURL",
    "Writer",
    "add_goal",
    "add_origin",
    "bot_name",
    "bulk_create",
    "check_target",
    "count_links",
    "counters",
    "create_link",
    "goals",
    "is_spam_referrer",
    "link_by_code",
    "link_counts",
    "list_links",
    "merge_query",
    "open_database",
    "origins",
    "parse_events",
    "qr_code",
    "redirect_location",
    "remove_origin",
    "set_utm_template",
    "utm_templates",
]
