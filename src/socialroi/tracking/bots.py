"""Bots, link-preview fetchers and referrer spam: recorded and counted, never visits.

Detection is by user agent: the preview fetchers of the networks socialroi tracks (named below,
because their traffic arrives the moment a tracked link is posted), headless browsers, and the
maintained pattern list of the ``crawlerdetect`` package. Referrer spam is a short list of the
best-known hosts from matomo-org/referrer-spam-list, extendable per call.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import ibis
from crawlerdetect import CrawlerDetect
from ibis.common.exceptions import TableNotFound

from socialroi.engine import Engine
from socialroi.metrics._period import period_bounds

__all__ = ["PREVIEW_FETCHERS", "SPAM_REFERRERS", "bot_name", "bots_section", "is_spam_referrer"]

#: Link-preview fetchers and headless browsers, matched case-insensitively as substrings.
PREVIEW_FETCHERS: tuple[str, ...] = (
    "facebookexternalhit",
    "facebookcatalog",
    "meta-externalagent",
    "twitterbot",
    "linkedinbot",
    "slackbot",
    "slack-imgproxy",
    "discordbot",
    "whatsapp",
    "telegrambot",
    "mastodon",
    "pinterestbot",
    "redditbot",
    "skypeuripreview",
    "cardyb",  # Bluesky's link-card fetcher
    "bsky",
    "embedly",
    "iframely",
    "headlesschrome",
    "phantomjs",
    "puppeteer",
    "playwright",
    "selenium",
)
_PREVIEW = re.compile("|".join(re.escape(p) for p in PREVIEW_FETCHERS), re.IGNORECASE)

#: Referrer hosts that only ever send spam (suffix match after stripping ``www.``).
SPAM_REFERRERS: frozenset[str] = frozenset(
    {
        "semalt.com",
        "darodar.com",
        "buttons-for-website.com",
        "buttons-for-your-website.com",
        "best-seo-offer.com",
        "ilovevitaly.com",
        "priceg.com",
        "free-social-buttons.com",
        "get-free-traffic-now.com",
        "hulfingtonpost.com",
        "o-o-6-o-o.com",
        "blackhatworth.com",
    }
)

_detector = CrawlerDetect()
_detector_lock = threading.Lock()  # CrawlerDetect keeps the last match on the instance


@lru_cache(maxsize=8192)
def bot_name(user_agent: str | None) -> str | None:
    """The bot a user agent belongs to (``"facebookexternalhit"``, ``"crawler:Googlebot"``,
    ``"empty"``), or None for a browser. An empty user agent is a bot: browsers always send one.
    """
    if user_agent is None or not user_agent.strip():
        return "empty"
    m = _PREVIEW.search(user_agent)
    if m:
        return m.group(0).lower()
    with _detector_lock:
        if _detector.isCrawler(user_agent):
            return "crawler:" + (_detector.getMatches() or "unknown")
    return None


def is_spam_referrer(host: str | None, extra: Iterable[str] = ()) -> bool:
    """Whether ``host`` (lower-case, without ``www.``) is a known referrer-spam host."""
    if not host:
        return False
    spam = SPAM_REFERRERS.union(extra) if extra else SPAM_REFERRERS  # no set per event
    parts = host.split(".")
    return any(".".join(parts[i:]) in spam for i in range(len(parts) - 1))


def bots_section(
    engine: Engine, workspace_id: str, date_from: dt.date, date_to: dt.date
) -> dict[str, Any] | None:
    """The ``bots`` figure of the summary: bot and referrer-spam hits of the period (workspace
    calendar), which are never visits, as their own number.

    ``hits`` = rows of ``bot_hits`` (link clicks and collector events from bots, preview
    fetchers and spam referrers) of the workspace with ``occurred_at`` in
    ``[date_from 00:00, date_to + 1 day 00:00)`` local time; ``by_bot`` splits it per bot name,
    most hits first. None (the section is absent) on an engine without the collector's tables
    (a Spark warehouse holds the canonical entities only).
    """
    try:
        b = engine.backend.table("bot_hits")
    except TableNotFound:
        return None
    ws = engine.workspace(workspace_id)
    start, end = period_bounds(date_from, date_to, ws.timezone)
    hits = b.filter(
        b.workspace_id == workspace_id,
        b.occurred_at >= ibis.literal(start, type="timestamp"),
        b.occurred_at < ibis.literal(end, type="timestamp"),
    )
    rows = engine.execute(hits.group_by("bot").aggregate(hits=hits.count())).to_pylist()
    by_bot = sorted(({"bot": r["bot"], "hits": int(r["hits"])} for r in rows),
                    key=lambda r: (-r["hits"], r["bot"]))  # fmt: skip
    return {"hits": sum(r["hits"] for r in by_bot), "by_bot": by_bot}
