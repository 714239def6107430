"""Source lists as data: Google's source categories, referrer hosts per network, click ids.

Nothing here builds an expression; :mod:`socialroi.visits.channels` and
:mod:`socialroi.visits.networks` turn these tuples into ``isin``/regex tests.

Source categories
    Google's source→category spreadsheet (the "source category" of the GA4 default channel
    group, support.google.com/analytics/answer/9756891), as vendored by Velir/dbt-ga4 in
    ``seeds/ga4_source_categories.csv`` and by Plausible in ``priv/ga4-source-categories.csv``
    (``../shared/specs/channels.md`` §2). Matched on the exact, lower-cased source string. We keep
    the entries §2 lists plus the well-known ones of the same file (big search engines,
    marketplaces, video sites); every entry below appears in that CSV. One deliberate omission:
    the CSV files ``mail.google.com`` (and other webmail hosts) under SEARCH, so GA4 itself reports
    Gmail clicks as Organic Search; socialroi keeps them Referral (the verified example of
    channels.md §1), so ``mail.google.com``, ``mail.yandex.ru``, ``mail.rambler.ru`` and
    ``email.seznam.cz`` are left out.

Networks
    Referrer hosts and Android app ids per network from snowplow-referer-parser ``referers.yml``
    and Matomo ``searchengine-and-social-list/Socials.yml`` (channels.md §3); ``x.com`` is
    Matomo's only. Hosts match on a suffix after stripping ``www.``.
"""

from __future__ import annotations

__all__ = [
    "AD_CLICK_IDS",
    "MASTODON_INSTANCES",
    "NETWORK_HOSTS",
    "SEARCH_SOURCES",
    "SHOPPING_SOURCES",
    "SOCIAL_SOURCES",
    "SOURCE_ALIASES",
    "VIDEO_SOURCES",
]

# -- Google's source categories (Velir/dbt-ga4 seeds/ga4_source_categories.csv) ---------------

#: SOURCE_CATEGORY_SOCIAL entries (channels.md §2 plus well-known ones of the same list).
SOCIAL_SOURCES: tuple[str, ...] = (
    # facebook / messenger
    "facebook", "facebook.com", "fb", "fb.me", "m.facebook.com", "l.facebook.com",
    "lm.facebook.com", "mobile.facebook.com", "business.facebook.com", "web.facebook.com",
    "touch.facebook.com", "free.facebook.com", "apps.facebook.com", "messenger",
    "messenger.com", "l.messenger.com",
    # instagram
    "instagram", "instagram.com", "l.instagram.com", "ig",
    # linkedin
    "linkedin", "linkedin.com", "lnkd.in",
    # twitter (x.com is NOT in Google's list)
    "twitter", "twitter.com", "t.co", "tweetdeck", "tweetdeck.com",
    # pinterest and its country hosts
    "pinterest", "pinterest.com", "pinterest.at", "pinterest.ca", "pinterest.ch",
    "pinterest.cl", "pinterest.co.kr", "pinterest.co.uk", "pinterest.com.au",
    "pinterest.com.mx", "pinterest.de", "pinterest.es", "pinterest.fr", "pinterest.it",
    "pinterest.jp", "pinterest.nz", "pinterest.ph", "pinterest.pt", "pinterest.ru",
    "pinterest.se", "ar.pinterest.com", "br.pinterest.com", "co.pinterest.com",
    "cz.pinterest.com", "hu.pinterest.com", "id.pinterest.com", "in.pinterest.com",
    "nl.pinterest.com", "pl.pinterest.com", "tr.pinterest.com", "za.pinterest.com",
    # reddit
    "reddit", "reddit.com", "amp.reddit.com", "old.reddit.com", "out.reddit.com",
    # others named in channels.md §2
    "tiktok", "tiktok.com", "snapchat", "snapchat.com", "quora", "quora.com",
    "whatsapp", "whatsapp.com", "t.me", "news.ycombinator.com", "medium.com",
    "hootsuite", "hootsuite.com", "bit.ly",
    # well-known entries of the same list
    "tumblr", "tumblr.com", "vk.com", "m.vk.com", "xing", "xing.com", "line", "line.me",
    "wechat", "wechat.com", "weibo", "weibo.com", "flipboard", "flipboard.com",
    "stackoverflow", "stackoverflow.com", "yelp", "yelp.com", "tripadvisor",
    "tripadvisor.com", "meetup", "meetup.com", "glassdoor", "glassdoor.com",
    "slideshare.net", "blogger", "blogger.com", "wordpress", "wordpress.com", "disqus",
    "disqus.com", "tinyurl", "tinyurl.com", "goo.gl", "groups.google.com",
)

#: SOURCE_CATEGORY_SEARCH entries (well-known engines; webmail hosts left out, see above).
SEARCH_SOURCES: tuple[str, ...] = (
    "google", "google.com", "search.google.com", "news.google.com", "cse.google.com",
    "googlemybusiness", "google-play", "bing", "cn.bing.com", "msn", "msn.com",
    "ntp.msn.com", "yahoo", "yahoo.com", "yahoo.co.jp", "us.search.yahoo.com",
    "uk.search.yahoo.com", "de.search.yahoo.com", "fr.search.yahoo.com", "duckduckgo",
    "ecosia.org", "baidu", "m.baidu.com", "yandex", "yandex.ru", "yandex.com", "naver",
    "naver.com", "seznam", "seznam.cz", "qwant", "qwant.com", "ask", "aol",
    "search.aol.com", "sogou", "sogou.com", "so.com", "daum", "daum.net",
)

#: SOURCE_CATEGORY_SHOPPING entries.
SHOPPING_SOURCES: tuple[str, ...] = (
    "google shopping", "igshopping", "amazon", "amazon.com", "amazon.co.uk", "ebay",
    "ebay.com", "ebay.co.uk", "ebay.de", "etsy", "etsy.com", "alibaba", "alibaba.com",
    "walmart", "walmart.com", "shopify", "shopify.com", "shop.app", "apps.shopify.com",
    "checkout.shopify.com", "mercadolibre", "mercadolibre.com", "shopping.yahoo.com",
    "stripe", "stripe.com", "checkout.stripe.com",
)

#: SOURCE_CATEGORY_VIDEO entries (youtu.be is NOT in Google's list).
VIDEO_SOURCES: tuple[str, ...] = (
    "youtube", "youtube.com", "m.youtube.com", "music.youtube.com", "vimeo", "vimeo.com",
    "player.vimeo.com", "twitch", "twitch.tv", "m.twitch.tv", "player.twitch.tv",
    "dailymotion", "dailymotion.com", "wistia", "wistia.com", "fast.wistia.net", "netflix",
    "netflix.com", "hulu", "hulu.com", "disneyplus", "disneyplus.com", "ted", "ted.com",
    "youku", "youku.com",
)

# -- Networks (channels.md §3) ------------------------------------------------------------------

#: utm_source values (lower-cased, trimmed) that name a network outright. Hosts are resolved by
#: suffix through NETWORK_HOSTS as well, so ``l.facebook.com`` needs no entry here. Extends the
#: contract's NETWORK_ALIASES with Plausible's ``priv/custom_sources.json`` spellings.
SOURCE_ALIASES: dict[str, str] = {
    "facebook": "facebook", "fb": "facebook", "facebook_ads": "facebook", "meta": "facebook",
    "messenger": "facebook",
    "instagram": "instagram", "ig": "instagram", "insta": "instagram",
    "instagram_ads": "instagram",
    "linkedin": "linkedin", "li": "linkedin", "linkedin_ads": "linkedin",
    "x": "x", "twitter": "x", "twitter_ads": "x",
    "tiktok": "tiktok", "tiktok_ads": "tiktok",
    "youtube": "youtube", "yt": "youtube",
    "pinterest": "pinterest", "pinterest_ads": "pinterest",
    "threads": "threads",
    "bluesky": "bluesky", "bsky": "bluesky",
    "mastodon": "mastodon",
    "reddit": "reddit", "reddit_ads": "reddit",
}

#: Referrer hosts (or Android app ids) per network; matched on host suffix after ``www.``.
NETWORK_HOSTS: dict[str, tuple[str, ...]] = {
    "facebook": (
        "facebook.com", "fb.me", "fb.com", "fb.watch", "messenger.com", "com.facebook.katana",
        "com.facebook.orca", "com.facebook.lite",
    ),
    "instagram": ("instagram.com", "com.instagram.android"),
    "x": ("twitter.com", "t.co", "x.com", "com.twitter.android"),
    "linkedin": ("linkedin.com", "lnkd.in", "com.linkedin.android"),
    "youtube": ("youtube.com", "youtu.be", "com.google.android.youtube"),
    "pinterest": (
        "pinterest.com", "pinterest.at", "pinterest.ca", "pinterest.ch", "pinterest.cl",
        "pinterest.co.kr", "pinterest.co.uk", "pinterest.com.au", "pinterest.com.mx",
        "pinterest.de", "pinterest.dk", "pinterest.es", "pinterest.fr", "pinterest.ie",
        "pinterest.it", "pinterest.jp", "pinterest.nz", "pinterest.ph", "pinterest.pt",
        "pinterest.ru", "pinterest.se", "pin.it", "com.pinterest",
    ),
    "reddit": ("reddit.com", "redd.it", "com.reddit.frontpage"),
    "tiktok": ("tiktok.com", "com.zhiliaoapp.musically"),
    "threads": ("threads.net", "threads.com", "com.instagram.barcelona"),
    "bluesky": ("bsky.app", "skyfeed.app"),
}

#: Mastodon instances (a selection of Matomo's Socials.yml list); extend it by passing
#: ``mastodon_instances=(*MASTODON_INSTANCES, "my.instance")``. Any host whose first label is
#: ``mastodon`` or ``mstdn`` counts as well.
MASTODON_INSTANCES: tuple[str, ...] = (
    "mastodon.social", "mastodon.online", "mastodon.world", "mastodon.cloud", "mastodon.art",
    "mastodon.xyz", "mastodon.green", "mastodon.uno", "mastodon.ie", "mastodon.nl",
    "mstdn.social", "mstdn.jp", "mas.to", "masto.ai", "fosstodon.org", "hachyderm.io",
    "infosec.exchange", "ioc.exchange", "techhub.social", "universeodon.com",
    "social.vivaldi.net", "chaos.social", "det.social", "troet.cafe", "mathstodon.xyz",
    "sigmoid.social", "aus.social", "pawoo.net", "mamot.fr", "piaille.fr", "framapiaf.org",
    "toot.community", "social.coop", "kolektiva.social", "tech.lgbt", "c.im",
    "mastodon.technology", "joinmastodon.org",
)

#: Ad-platform click-id URL parameters → (source, medium, network). gclid follows dbt-ga4
#: (google/cpc, models/staging/stg_ga4__events.sql). fbclid is appended by Facebook to every
#: outbound link, organic included (mozilla/contain-facebook #178), so it is never paid. li_fat_id,
#: ttclid and twclid are appended only to ad clicks (LinkedIn, TikTok and X ads conversion
#: tracking), so they read as cpc; their sources use the spelling of Google's list (``twitter``)
#: so the channel is Paid Social.
AD_CLICK_IDS: dict[str, tuple[str, str, str | None]] = {
    "gclid": ("google", "cpc", None),
    "msclkid": ("bing", "cpc", None),
    "fbclid": ("facebook", "referral", "facebook"),
    "li_fat_id": ("linkedin", "cpc", "linkedin"),
    "ttclid": ("tiktok", "cpc", "tiktok"),
    "twclid": ("twitter", "cpc", "x"),
}
