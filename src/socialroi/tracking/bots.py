"""Bots, link-preview fetchers and referrer spam: recorded and counted, never visits.

Detection is by user agent: the preview fetchers of the networks socialroi tracks (named below,
because their traffic arrives the moment a tracked link is posted), headless browsers, and the
maintained pattern list of the ``crawlerdetect`` package. Referrer spam is a short list of the
best-known hosts from matomo-org/referrer-spam-list, extendable per call.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from crawlerdetect import CrawlerDetect

__all__ = ["PREVIEW_FETCHERS", "SPAM_REFERRERS", "bot_name", "is_spam_referrer"]

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
    spam = SPAM_REFERRERS.union(extra)
    parts = host.split(".")
    return any(".".join(parts[i:]) in spam for i in range(len(parts) - 1))
