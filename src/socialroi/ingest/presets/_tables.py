"""The CSV/XLSX presets: one declarative mapping per export layout (formats.md §2-3).

Headers are matched lower-cased and trimmed. Where formats.md knows two spellings (HubSpot
display names and internal property names, localised headers), both are listed, display name
first. Snapshot exports (lifetime totals per post, no day) are dated on the post's publish
date: a later export of the same post replaces that row (key ``post_id`` + ``date``), so the
totals are never counted twice and no per-day activity is invented (docs/import.md).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlsplit

from socialroi.ingest.presets._model import (
    Col,
    Const,
    First,
    FromFileName,
    FromHeader,
    Row,
    RowFn,
    TablePreset,
)
from socialroi.ingest.presets._parse import (
    date,
    first_id,
    id_,
    integer,
    lower,
    number,
    timestamp,
)

__all__ = ["TABLE_PRESETS"]

TOTALS = ("total", "grand total")
SALESFORCE_FOOTER = ("grand totals", "confidential information", "copyright")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")


def _hubspot_stage(row: Row) -> str | None:
    """won/lost/open from HubSpot's stage (internal ``closedwon`` or a label such as
    ``Closed: won``) or, when the stage is custom, the ``Is Closed Won`` flags."""
    won = row.get("is closed won", row.get("hs_is_closed_won"))
    closed = row.get("is deal closed?", row.get("hs_is_closed"))
    stage = (row.get("deal stage") or row.get("dealstage") or "").strip().lower()
    if won is not None and _truthy(won):
        return "won"
    compact = re.sub(r"[^a-z]", "", stage)
    if compact in ("closedwon", "won"):
        return "won"
    if compact.startswith("closed") or compact in ("lost", "abandoned"):
        return "lost"
    if closed is not None and _truthy(closed):
        return "lost"
    return "open" if stage else None


def _salesforce_stage(row: Row) -> str | None:
    if "iswon" in row or "isclosed" in row:
        if _truthy(row.get("iswon")):
            return "won"
        return "lost" if _truthy(row.get("isclosed")) else "open"
    stage = (row.get("stage") or row.get("stagename") or "").strip().lower()
    if not stage:
        return None
    return "won" if stage == "closed won" else "lost" if stage == "closed lost" else "open"


def _pipedrive_stage(row: Row) -> str | None:
    status = next((v for v in row.values() if v), None)
    s = (status or "").strip().lower()
    return {"won": "won", "lost": "lost", "open": "open", "vyhráno": "won", "prohráno": "lost"}.get(
        s, s or None
    )


def _inbound(row: Row) -> str | None:
    v = (row.get("inbound") or "").strip().lower()
    return "inbound" if v == "true" else "outbound" if v == "false" else v or None


def _handle(row: Row) -> str | None:
    """The account of a post from its permalink (``https://twitter.com/<handle>/status/<id>``)."""
    url = row.get("tweet permalink") or row.get("link") or ""
    m = re.search(r"(?:twitter|x)\.com/([^/]+)/status/", url)
    return m.group(1) if m else None


def _snapshot_date(row: Row) -> str | None:
    """The day of a metrics row: its ``Date`` when it is one; for a lifetime snapshot
    (``Date`` = ``Lifetime`` or absent) the post's publish date."""
    d = row.get("date")
    if d and d.strip().lower() != "lifetime":
        return date(d)
    for key in ("publish time", "video publish time", "time", "created date", "post time"):
        if row.get(key):
            return date(timestamp(row[key]))
    return d


def _linkedin_post_id(row: Row) -> str | None:
    url = row.get("post link") or row.get("update link") or ""
    m = re.search(r"urn:li:(?:activity|share|ugcPost):(\d+)", url)
    return m.group(1) if m else id_(url)


def _tiktok_id(row: Row) -> str | None:
    url = row.get("video link") or ""
    m = re.search(r"/video/(\d+)", url)
    return m.group(1) if m else id_(url)


def _referrer(value: str | None) -> str | None:
    """YOURLS writes the literal ``direct`` when there is no referrer."""
    return None if value is None or value.strip().lower() in ("", "direct") else value


def _short_link(row: Row) -> str | None:
    """A Bitly link's code: its custom (branded) link when it has one, else the bit.ly link,
    without scheme or trailing slash (``bit.ly/3xYzAbc``): unique across short domains."""
    for key in ("custom link", "link"):
        v = (row.get(key) or "").strip()
        if v:
            return re.sub(r"^[a-z][a-z0-9+.-]*://", "", v, flags=re.I).rstrip("/")
    return None


def _utm(name: str) -> RowFn:
    """The ``name`` parameter of a link's destination URL (the tags the link carries)."""

    def get(row: Row) -> str | None:
        query = urlsplit(row.get("destination url") or "").query
        return next((v for k, v in parse_qsl(query) if k.lower() == name and v), None)

    return RowFn(("destination url",), get)


def _visit_id(row: Row) -> str | None:
    """Shlink visits have no id: a digest of the whole row stands in for one, so two different
    visits in the same second stay two (only identical rows of the same second merge)."""
    return (
        "shlink-"
        + hashlib.md5(  # noqa: S324 - an id, not a secret
            "\x1f".join(f"{k}={row[k] or ''}" for k in sorted(row)).encode()
        ).hexdigest()[:20]
    )


#: Shlink's visits export columns (``NormalizedVisit``), all in the row digest.
_SHLINK_VISIT = ("date", "browser", "os", "referer", "country", "city", "latitude", "longitude",
                 "potentialbot", "visitedurl", "type")  # fmt: skip


def _mention_network(row: Row) -> str | None:
    src = (row.get("source") or "").strip().lower()
    known = {"twitter": "x", "x": "x", "facebook": "facebook", "instagram": "instagram",
             "linkedin": "linkedin", "youtube": "youtube", "tiktok": "tiktok",
             "reddit": "reddit", "pinterest": "pinterest"}  # fmt: skip
    return known.get(src, "other") if src else None


def _mention_id(row: Row) -> str | None:
    return id_(row.get("tweet id")) or id_(row.get("url"))


_SNAPSHOT_KEYS = ("date", "publish time", "video publish time", "time", "created date", "post time")

TABLE_PRESETS: tuple[TablePreset, ...] = (
    # --- CRM --------------------------------------------------------------------------------
    TablePreset(
        "hubspot-contacts",
        "contacts",
        "HubSpot contacts export (display or internal property names)",
        {
            "contact_id": Col(("record id", "hs_object_id", "contact id"), id_),
            "created_at": Col(("create date", "createdate"), timestamp),
            "email": Col(("email",)),
            "lifecycle_stage": Col(("lifecycle stage", "lifecyclestage"), lower),
            "became_lead_at": Col(
                ("became a lead date", "hs_lifecyclestage_lead_date", 'date entered "lead*'),
                timestamp,
            ),
            "became_customer_at": Col(
                (
                    "became a customer date",
                    "hs_lifecyclestage_customer_date",
                    'date entered "customer*',
                ),
                timestamp,
            ),
            "original_source": Col(
                (
                    "original traffic source",
                    "original source",
                    "original source type",
                    "hs_analytics_source",
                )  # fmt: skip
            ),
            "original_source_detail": Col(
                (
                    "original traffic source drill-down 1",
                    "original source drill-down 1",
                    "original source data 1",
                    "hs_analytics_source_data_1",
                )  # fmt: skip
            ),
        },
        detect=("email", "create date|createdate", "record id|hs_object_id"),
    ),
    TablePreset(
        "hubspot-deals",
        "deals",
        "HubSpot deals export (current view or all properties)",
        {
            "deal_id": Col(("record id", "hs_object_id", "deal id"), id_),
            "contact_id": Col(
                ("associated contact ids", "associated contact id", "associated contact"),
                first_id,
            ),
            "created_at": Col(("create date", "createdate"), timestamp),
            "stage": RowFn(
                (
                    "deal stage",
                    "dealstage",
                    "is closed won",
                    "hs_is_closed_won",
                    "is deal closed?",
                    "hs_is_closed",
                ),  # fmt: skip
                _hubspot_stage,
            ),
            "closed_at": Col(("close date", "closedate"), timestamp),
            "amount": Col(("amount",), number),
            "currency": Col(("currency", "deal_currency_code", "deal currency code")),
        },
        detect=("record id|hs_object_id", "deal stage|dealstage", "amount"),
    ),
    TablePreset(
        "salesforce-opportunities",
        "deals",
        "Salesforce Opportunity.csv (Data Export) or Opportunities report",
        {
            "deal_id": Col(("id", "opportunity id"), id_),
            # the contact, else the account (Salesforce writes 000000000000000AAA for none)
            "contact_id": RowFn(
                ("contactid", "contact id", "accountid", "account id"),
                lambda r: next((v for h in r if (v := id_(r[h])) is not None), None),
            ),
            "created_at": Col(("createddate", "created date"), timestamp),
            "stage": RowFn(("iswon", "isclosed", "stagename", "stage"), _salesforce_stage),
            "closed_at": RowFn(
                ("closedate", "close date", "isclosed", "stagename", "stage"),
                lambda r: (
                    timestamp(r.get("closedate") or r.get("close date"))
                    if _salesforce_stage(r) in ("won", "lost")
                    else None
                ),
            ),
            "amount": Col(("amount",), number),
            "currency": Col(("currencyisocode", "opportunity currency", "currency")),
        },
        detect=("stagename|stage", "amount", "closedate|close date"),
        drop=SALESFORCE_FOOTER,
    ),
    TablePreset(
        "salesforce-leads",
        "contacts",
        "Salesforce Lead.csv (Data Export)",
        {
            "contact_id": Col(("id", "lead id"), id_),
            "created_at": Col(("createddate", "created date"), timestamp),
            "email": Col(("email",)),
            "lifecycle_stage": Const("lead"),
            "became_lead_at": Col(("createddate", "created date"), timestamp),
            "original_source": Col(("leadsource", "lead source")),
        },
        detect=("leadsource|lead source", "isconverted|converted", "email"),
        drop=SALESFORCE_FOOTER,
    ),
    TablePreset(
        "pipedrive-deals",
        "deals",
        "Pipedrive deals export (Deal - … columns, also Czech Obchod - …)",
        {
            "deal_id": Col(("deal - id", "obchod - id"), id_),
            "contact_id": Col(
                (
                    "deal - contact person id",
                    "person - id",
                    "person - email (work)",
                    "deal - contact person",
                    "person - name",
                )  # fmt: skip
            ),
            "created_at": Col(
                ("deal - deal created", "deal - add time", "obchod - vytvořeno"), timestamp
            ),  # fmt: skip
            "stage": RowFn(("deal - status", "obchod - stav"), _pipedrive_stage),
            "closed_at": Col(
                ("deal - won time", "deal - close time", "deal - lost time"), timestamp
            ),  # fmt: skip
            "amount": Col(("deal - value", "obchod - hodnota"), number),
            "currency": Col(
                ("deal - currency of value", "deal - currency", "obchod - měna hodnoty")
            ),
        },
        detect=("deal - value|obchod - hodnota",),
    ),
    # --- social analytics -------------------------------------------------------------------
    TablePreset(
        "x-tweet-activity",
        "post_metrics",
        "X/Twitter tweet activity export (analytics.twitter.com, lifetime per tweet)",
        {
            "post_id": Col(("tweet id",), id_),
            "date": RowFn(_SNAPSHOT_KEYS, _snapshot_date),
            "impressions": Col(("impressions",), integer),
            "reactions": Col(("likes",), integer),
            "comments": Col(("replies",), integer),
            "shares": Col(("retweets",), integer),
            "clicks": Col(("url clicks",), integer),
            "video_views": Col(("media views",), integer),
        },
        detect=("tweet id", "tweet permalink", "impressions"),
    ),
    TablePreset(
        "x-tweet-posts",
        "posts",
        "X/Twitter tweet activity export: the tweets themselves",
        {
            "post_id": Col(("tweet id",), id_),
            "profile_id": RowFn(("tweet permalink",), _handle),
            "published_at": Col(("time",), timestamp),
            "text": Col(("tweet text",)),
            "url": Col(("tweet permalink",)),
        },
        detect=("tweet id", "tweet permalink", "time"),
    ),
    TablePreset(
        "x-content",
        "post_metrics",
        "X Premium content analytics, 2024+ (account_analytics_content_*.csv)",
        {
            "post_id": Col(("post id",), id_),
            "date": RowFn(_SNAPSHOT_KEYS, _snapshot_date),
            "impressions": Col(("impressions",), integer),
            "reactions": Col(("likes",), integer),
            "comments": Col(("replies",), integer),
            "shares": Col(("reposts",), integer),
            "clicks": Col(("url clicks",), integer),
        },
        detect=("post id", "post text", "reposts"),
    ),
    TablePreset(
        "meta-posts",
        "post_metrics",
        "Meta Business Suite content export (Facebook or Instagram posts)",
        {
            "post_id": Col(("post id",), id_),
            "date": RowFn(_SNAPSHOT_KEYS, _snapshot_date),
            "impressions": Col(("views", "impressions"), integer),
            "reach": Col(("reach",), integer),
            "reactions": Col(("reactions", "likes"), integer),
            "comments": Col(("comments",), integer),
            "shares": Col(("shares",), integer),
            "saves": Col(("saves",), integer),
            "clicks": Col(("total clicks",), integer),
        },
        detect=("post id", "publish time", "permalink"),
    ),
    TablePreset(
        "meta-post-list",
        "posts",
        "Meta Business Suite content export: the posts themselves",
        {
            "post_id": Col(("post id",), id_),
            "profile_id": Col(("page id", "account id"), id_),
            "published_at": Col(("publish time",), timestamp),
            "text": Col(("description", "title")),
            "url": Col(("permalink",)),
            "content_type": Col(("post type",)),
        },
        detect=("post id", "publish time", "permalink"),
    ),
    TablePreset(
        "linkedin-posts",
        "post_metrics",
        "LinkedIn Page content export, All posts sheet (XLSX or CSV; lifetime per post)",
        {
            "post_id": RowFn(("post link", "update link"), _linkedin_post_id),
            "date": RowFn(_SNAPSHOT_KEYS, _snapshot_date),
            "impressions": Col(("impressions",), integer),
            "reactions": Col(("likes",), integer),
            "comments": Col(("comments",), integer),
            "shares": Col(("reposts", "shares"), integer),
            "clicks": Col(("clicks",), integer),
            "video_views": Col(("views",), integer),
        },
        detect=("post link|update link", "impressions", "created date"),
        sheet="All posts",
    ),
    TablePreset(
        "youtube-table",
        "post_metrics",
        "YouTube Studio advanced-mode export, Table data.csv (totals per video)",
        {
            "post_id": Col(("content",), id_),
            "date": RowFn(_SNAPSHOT_KEYS, _snapshot_date),
            "impressions": Col(("impressions",), integer),
            "video_views": Col(("views",), integer),
        },
        detect=("content", "video title", "views"),
        drop=TOTALS,
    ),
    TablePreset(
        "tiktok-content",
        "post_metrics",
        "TikTok Studio content export (layout known from third-party fixtures only)",
        {
            "post_id": RowFn(("video link",), _tiktok_id),
            "date": RowFn(_SNAPSHOT_KEYS, _snapshot_date),
            "reactions": Col(("total likes",), integer),
            "comments": Col(("total comments",), integer),
            "shares": Col(("total shares",), integer),
            "video_views": Col(("total views", "video views"), integer),
        },
        detect=("video link", "post time", "total likes"),
    ),
    # --- links, ads, inbox, listening -------------------------------------------------------
    TablePreset(
        "yourls-log",
        "clicks",
        "YOURLS click log (yourls_log rows as CSV)",
        {
            "code": Col(("shorturl",)),
            "clicked_at": Col(("click_time",), timestamp),
            "click_id": Col(("click_id",), id_),
            "referrer": Col(("referrer",), _referrer),
            "user_agent": Col(("user_agent",)),
            "country": Col(("country_code",)),
        },
        detect=("click_id", "click_time", "shorturl"),
    ),
    TablePreset(
        "bitly-links",
        "links",
        "Bitly links export (Link, Custom Link, Destination URL; other columns kept as extra)",
        {
            "code": RowFn(("custom link", "link"), _short_link),
            "target_url": Col(("destination url", "long url")),
            "utm_source": _utm("utm_source"),
            "utm_medium": _utm("utm_medium"),
            "utm_campaign": _utm("utm_campaign"),
            "utm_content": _utm("utm_content"),
            "utm_term": _utm("utm_term"),
            "utm_id": _utm("utm_id"),
        },
        detect=("link", "destination url"),
        note="Bitly exports no per-day clicks (only its API does): links and their tags only",
    ),
    TablePreset(
        "shlink-visits",
        "clicks",
        "Shlink visits CSV of one short URL (short-url_<domain>_<code>_visits.csv)",
        {
            # the web client names the file after the short URL; the rows do not carry it
            "code": FromFileName(r"short-url_[^_]+_(.+?)_visits(?: ?\(\d+\))?\.csv"),
            "clicked_at": Col(("date",), timestamp),
            "click_id": RowFn(_SHLINK_VISIT, _visit_id),
            "referrer": Col(("referer",)),
        },
        detect=("date", "browser", "os", "referer", "potentialbot"),
        exclude=(("potentialbot", ("true", "1")),),
        note="the file keeps its export name (it names the short URL); potential bots are skipped",
    ),
    TablePreset(
        "google-ads",
        "costs",
        "Google Ads report segmented by Day (2 preamble lines, Total rows)",
        {
            "date": Col(("day",), date),
            "amount": Col(("cost",), number),
            "category": Const("ads"),
            "currency": Col(("currency code", "currency")),
            "campaign": Col(("campaign",)),
        },
        detect=("day", "campaign", "cost"),
        drop=("total:",),
        note="Google Ads is not a social network: its costs carry no network",
    ),
    TablePreset(
        "meta-ads",
        "costs",
        "Meta Ads Manager export (campaign × day; also French with ';')",
        {
            "date": Col(("day", "jour", "reporting starts", "début des rapports"), date),
            "amount": Col(("amount spent (*)", "montant dépensé (*)"), number),
            "category": Const("ads"),
            "currency": First(
                (
                    Col(("currency", "devise")),
                    FromHeader(r"(?:amount spent|montant dépensé) \((\w{3})\)"),
                )
            ),
            "network": Const("facebook"),
            "campaign": Col(("campaign name", "nom de la campagne")),
        },
        detect=("campaign name|nom de la campagne", "amount spent (*)|montant dépensé (*)"),
    ),
    TablePreset(
        "linkedin-ads",
        "costs",
        "LinkedIn Campaign Manager performance report (preamble lines, in UTC)",
        {
            "date": Col(("start date (in utc)", "start date"), date),
            "amount": Col(("total spent", "amount spent"), number),
            "category": Const("ads"),
            "currency": Col(("currency",)),
            "network": Const("linkedin"),
            "campaign": Col(("campaign name",)),
        },
        detect=("campaign name", "total spent", "start date*"),
    ),
    TablePreset(
        "twcs",
        "messages",
        "Customer Support on Twitter dataset layout (twcs.csv)",
        {
            "message_id": Col(("tweet_id",), id_),
            "network": Const("x"),
            "sent_at": Col(("created_at",), timestamp),
            "direction": RowFn(("inbound",), _inbound),
            "in_reply_to": Col(("in_response_to_tweet_id",), id_),
            "author": Col(("author_id",)),
            "text": Col(("text",)),
        },
        detect=("tweet_id", "author_id", "inbound", "created_at"),
    ),
    TablePreset(
        "meltwater-mentions",
        "mentions",
        "Meltwater mentions export (layout from third-party scripts)",
        {
            "mention_id": RowFn(("tweet id", "url"), _mention_id),
            "network": RowFn(("source",), _mention_network),
            "published_at": Col(("alternate date format", "date"), timestamp),
            "brand": Col(("input name",)),
            "keyword": Col(("keywords",)),
            "author": Col(("influencer", "twitter screen name")),
            "reach": Col(("reach",), integer),
            "sentiment": Col(("sentiment",), lower),
            "url": Col(("url",)),
            "text": Col(("hit sentence", "opening text", "headline")),
        },
        detect=("hit sentence", "input name", "sentiment"),
    ),
)
