"""Seeded generator of the demo company "Acme Analytics": one canonical CSV per entity.

Everything is drawn from one ``numpy.random.Generator`` seeded with ``seed`` and built with
array operations (no per-visit Python loop), so 200,000 visits take seconds and 2,000,000 stay
well under a minute. Times are epoch seconds (UTC) until they are written as ISO 8601 ``Z``.

The simulation runs person first: contacts (leads) get a journey of visits ending in the
conversion visit, then deals and shop orders; anonymous visitors fill the remaining visits.
Posts, links and clicks are matched to the social visits; messages, mentions, costs, staff hours
and goals follow. The known rules (``ground_truth.json``) are computed from the same arrays.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from socialroi.demo import _arrow as A
from socialroi.demo._arrow import Arr
from socialroi.demo.ground_truth import GroundTruth, Rule

__all__ = ["BRAND", "CAMPAIGN_CHALLENGE", "RIVALS", "SITE", "generate"]

BRAND = "acme"
RIVALS = ("datawise", "metricly")
SITE = "https://acme-analytics.com"
CAMPAIGN_CHALLENGE = "tiktok-challenge"
DAY = 86_400
HOUR = 3_600

# ---- traffic sources (internal codes; networks are the social ones, codes >= FIRST_SOCIAL) ----
SOURCES = (
    "direct", "organic_search", "paid_search", "email", "referral",
    "linkedin", "x", "facebook", "instagram", "tiktok", "youtube", "threads", "bluesky",
)  # fmt: skip
DIRECT, ORGANIC, PAID_SEARCH, EMAIL, REFERRAL = range(5)
LINKEDIN, X, FACEBOOK, INSTAGRAM, TIKTOK, YOUTUBE, THREADS, BLUESKY = range(5, 13)
FIRST_SOCIAL = 5
NETS = SOURCES[FIRST_SOCIAL:]
NET_LABEL = ("LinkedIn", "X", "Facebook", "Instagram", "TikTok", "YouTube", "Threads", "Bluesky")
MIN_LEADS = 10  # rules comparing networks ignore those with fewer first-touch leads
MIN_WON_DEALS = 3  # ... and, for the average deal value, fewer won deals
SAME_AS_FIRST = -2  # in a "next visit" distribution: come back through the first-touch source


def _p(weights: dict[int, float]) -> tuple[Arr, Arr]:
    codes = np.array(list(weights), dtype="int64")
    probs = np.array(list(weights.values()), dtype="float64")
    return codes, probs / probs.sum()


# first touch of people who become contacts: LinkedIn and the visual networks convert, X rarely
P_CONTACT_FIRST = _p({
    DIRECT: 8, ORGANIC: 25, PAID_SEARCH: 11, EMAIL: 3, REFERRAL: 6, LINKEDIN: 8, X: 1.2,
    FACEBOOK: 9, INSTAGRAM: 10, TIKTOK: 8, YOUTUBE: 4, THREADS: 1.2, BLUESKY: 0.6,
})  # fmt: skip
# first visit of anonymous visitors: X brings many visits, LinkedIn few
P_ANON_FIRST = _p({
    DIRECT: 17, ORGANIC: 30, PAID_SEARCH: 7, EMAIL: 3, REFERRAL: 5, LINKEDIN: 2.0, X: 10,
    FACEBOOK: 8, INSTAGRAM: 7, TIKTOK: 7, YOUTUBE: 3, THREADS: 1, BLUESKY: 0.5,
})  # fmt: skip
P_ANON_NEXT = _p({SAME_AS_FIRST: 40, DIRECT: 30, ORGANIC: 20, EMAIL: 5, X: 5})
# middle of a converting journey: X shows up a lot here (research, threads, founders' posts)
P_MIDDLE = _p({SAME_AS_FIRST: 16, DIRECT: 18, ORGANIC: 20, PAID_SEARCH: 5, EMAIL: 10,
               REFERRAL: 3, X: 28})
# the conversion visit: never X
P_LAST = _p({SAME_AS_FIRST: 35, ORGANIC: 22, EMAIL: 15, PAID_SEARCH: 12, DIRECT: 12, REFERRAL: 4})
P_AFTER_LEAD = _p({SAME_AS_FIRST: 10, EMAIL: 40, DIRECT: 30, ORGANIC: 20})
P_REPEAT = _p({EMAIL: 45, DIRECT: 35, ORGANIC: 20})

# share of contacts who buy in the shop (the rest are B2B leads for subscriptions), by first touch
P_SHOP = np.array([.30, .35, .30, .30, .25, .05, .30, .45, .72, .62, .35, .40, .30])
P_DEAL = np.where(np.arange(13) == LINKEDIN, 0.75, 0.5)
P_WON = np.where(np.arange(13) == LINKEDIN, 0.55, 0.4)
P_LOST = np.where(np.arange(13) == LINKEDIN, 0.3, 0.4)

# subscription tiers (EUR per year) and their mix: LinkedIn sells the big plans
TIER_PRICE = np.array([1188.0, 4788.0, 11988.0, 29988.0])
TIER_MIX_LINKEDIN = np.array([0.0, 0.15, 0.50, 0.35])
TIER_MIX_OTHER = np.array([0.40, 0.50, 0.10, 0.0])

# the web shop (EUR list price; USD list price)
SKUS = ("TPL-DASH", "TPL-KPI", "CRS-SQL", "CRS-ATTR", "WS-LIVE", "EBK-ROI")
PRODUCTS = ("Dashboard template pack", "KPI report templates", "SQL for marketers (course)",
            "Attribution masterclass (course)", "Live workshop ticket", "Social ROI handbook")
CATEGORIES = ("templates", "templates", "courses", "courses", "workshops", "ebooks")
PRICE_EUR = np.array([49.0, 29.0, 199.0, 299.0, 390.0, 19.0])
PRICE_USD = np.array([55.0, 32.0, 219.0, 329.0, 429.0, 21.0])

# ---- social content ----
POSTS_PER_WEEK = np.array([3, 7, 3, 4, 3, 1, 2, 1])
POST_LIFE_DAYS = np.array([7, 3, 5, 7, 14, 60, 3, 3])
POST_DECAY_DAYS = np.array([1.5, 0.6, 1.0, 1.5, 3.0, 15.0, 0.6, 0.6])
POST_IMPRESSIONS = np.array([2500, 1800, 3000, 4000, 6000, 2500, 600, 300])
# engagement per impression: reactions, comments, shares, saves, clicks (Instagram highest)
ENGAGEMENT_RATES = np.array([
    [0.022, 0.003, 0.002, 0.0005, 0.012],   # linkedin
    [0.008, 0.001, 0.002, 0.0005, 0.006],   # x
    [0.020, 0.002, 0.003, 0.0005, 0.006],   # facebook
    [0.055, 0.006, 0.004, 0.0080, 0.003],   # instagram
    [0.040, 0.004, 0.005, 0.0030, 0.003],   # tiktok
    [0.015, 0.002, 0.001, 0.0010, 0.004],   # youtube
    [0.020, 0.003, 0.002, 0.0002, 0.004],   # threads
    [0.015, 0.002, 0.002, 0.0002, 0.006],   # bluesky
])  # fmt: skip
CONTENT_TYPES = (
    ("text", "image", "article", "document", "video"),
    ("text", "image", "video", "link"),
    ("image", "video", "link", "reel"),
    ("image", "carousel", "reel", "story"),
    ("video",),
    ("video", "short"),
    ("text", "image"),
    ("text", "link"),
)
VIDEO_TYPES = frozenset({"video", "reel", "short", "story"})
FOLLOWERS_START = np.array([12000, 8000, 15000, 20000, 6000, 3000, 2000, 800])
POST_URL = (
    "https://www.linkedin.com/feed/update/urn:li:activity:", "https://x.com/acmeanalytics/status/",
    "https://www.facebook.com/acmeanalytics/posts/", "https://www.instagram.com/p/",
    "https://www.tiktok.com/@acmeanalytics/video/", "https://www.youtube.com/watch?v=",
    "https://www.threads.net/@acmeanalytics/post/", "https://bsky.app/profile/acme-analytics.com/post/",
)  # fmt: skip
# campaigns as (name, networks, start fraction, end fraction of the period, paid share)
CAMPAIGNS = (
    ("product-launch", (LINKEDIN, X, FACEBOOK, INSTAGRAM), 0.186, 0.30, 0.5),
    (CAMPAIGN_CHALLENGE, (TIKTOK,), 0.247, 0.496, 1.0),
    ("webinar-series", (LINKEDIN, X, YOUTUBE), 0.666, 0.833, 0.3),
    ("black-friday", (FACEBOOK, INSTAGRAM, TIKTOK), 0.871, 0.92, 1.0),
)
CAMPAIGN_PAGE = {
    "product-launch": "/features/attribution", CAMPAIGN_CHALLENGE: "/challenge",
    "webinar-series": "/webinars", "black-friday": "/shop", "customer-stories": "/customers",
}  # fmt: skip
PAGES = ("/", "/features", "/pricing", "/blog/social-roi-guide", "/blog/attribution-101",
         "/blog/utm-cheatsheet", "/docs", "/customers", "/shop", "/about", "/integrations")

# ---- referrers ----
SOCIAL_REFERRERS = (
    ("https://www.linkedin.com/", "https://lnkd.in/"),
    ("https://t.co/",),
    ("https://l.facebook.com/", "https://m.facebook.com/", "https://www.facebook.com/"),
    ("https://l.instagram.com/", "https://www.instagram.com/"),
    ("https://www.tiktok.com/",),
    ("https://www.youtube.com/", "https://m.youtube.com/"),
    ("https://l.threads.net/",),
    ("https://bsky.app/", "https://go.bsky.app/"),
)
SEARCH_REFERRERS = ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/")
REFERRAL_REFERRERS = (
    "https://www.g2.com/products/acme-analytics/reviews",
    "https://www.capterra.com/p/acme-analytics/",
    "https://www.producthunt.com/products/acme-analytics",
    "https://github.com/acme-analytics/sdk",
    "https://blog.partner-agency.de/tools/social-reporting",
)
SEARCH_TERMS = ("social media roi", "acme analytics", "utm tracking tool", "social attribution",
                "linkedin analytics", "marketing dashboard")
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 Instagram 350.0.0",
)
BOT_AGENTS = ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
              "Twitterbot/1.0", "LinkedInBot/1.0 (compatible; Mozilla/5.0; +http://www.linkedin.com)",
              "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)")
COUNTRIES = ("DE", "AT", "CH", "US", "GB", "FR", "NL", "ES", "IT", "PL")
P_COUNTRY = np.array([35, 5, 5, 15, 10, 8, 7, 5, 5, 5], dtype="float64") / 100
FIRST_NAMES = ("anna", "ben", "clara", "david", "emma", "felix", "greta", "hugo", "ines", "jonas",
               "katja", "leon", "maria", "noah", "olivia", "paul", "quinn", "rosa", "sven", "tara")
LAST_NAMES = ("schmidt", "mueller", "smith", "garcia", "rossi", "novak", "dubois", "jansen",
              "kowalski", "brown", "weber", "lopez", "martin", "bauer", "fischer", "keller")
B2B_DOMAINS = ("northwind.io", "contoso.com", "globex.de", "initech.eu", "umbrella.co",
               "hooli.com", "vandelay.de", "stark.io", "wayne.eu", "pied-piper.com")
MAIL_DOMAINS = ("gmail.com", "gmx.de", "outlook.com", "web.de", "icloud.com", "yahoo.com")

Progress = Callable[[str], None]


class _Fx:
    """USD rates (EUR per USD) on weekdays plus the first day; lookup takes the latest earlier."""

    def __init__(self, rng: np.random.Generator, t0: int, days: int) -> None:
        day = np.arange(days)
        weekday = (np.datetime64(datetime.fromtimestamp(t0, UTC).date()) + day).astype(
            "datetime64[D]"
        )
        dow = (weekday.astype("int64") - 4) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        walk = np.cumsum(rng.normal(0, 0.002, days))
        rate = np.clip(0.925 + 0.012 * np.sin(day / 58.0) + walk - walk.mean(), 0.89, 0.96)
        published = (dow < 5) | (day == 0)
        self.day = day[published]
        self.rate = np.round(rate[published], 4)
        self.t0 = t0
        # daily lookup table: rate in force on each day (latest published on or before)
        idx = np.searchsorted(self.day, day, side="right") - 1
        self.daily = self.rate[idx]

    def at(self, seconds: Arr) -> Arr:
        d = np.clip((np.asarray(seconds) - self.t0) // DAY, 0, len(self.daily) - 1)
        out: Arr = self.daily[d]
        return out


def _group_starts(counts: Arr) -> Arr:
    out: Arr = np.concatenate(([0], np.cumsum(counts)[:-1])).astype("int64")
    return out


def _positions(counts: Arr) -> Arr:
    """0..n-1 within each group of a repeated array (``np.repeat(x, counts)``)."""
    total = int(counts.sum())
    out: Arr = np.arange(total) - np.repeat(_group_starts(counts), counts)
    return out


def _group_cumsum(values: Arr, counts: Arr) -> Arr:
    """Cumulative sum restarting at each group."""
    cs = np.concatenate(([0.0], np.cumsum(values, dtype="float64")))
    before = cs[_group_starts(counts)] if len(counts) else np.zeros(0)
    out: Arr = cs[1:] - np.repeat(before, counts)
    return out


def _choice(rng: np.random.Generator, dist: tuple[Arr, Arr], n: int) -> Arr:
    codes, probs = dist
    return codes[rng.choice(len(codes), size=n, p=probs)]


def _resolve(src: Arr, first: Arr) -> Arr:
    return np.where(src == SAME_AS_FIRST, first, src)


def generate(
    out_dir: Path,
    *,
    seed: int = 20251,
    visits: int = 200_000,
    start: date = date(2025, 1, 1),
    days: int = 365,
    progress: Progress | None = None,
) -> GroundTruth:
    """Write the demo company's canonical CSV files, README.md and ground_truth.json.

    Parameters
    ----------
    out_dir
        Directory to write ``<entity>.csv`` (one per canonical entity) into; created if missing.
    seed
        Seed of the one random generator: the same seed gives byte-identical files.
    visits
        About how many web visits (sessions) to simulate; the result is within a few percent.
    start, days
        The demo period: ``days`` days from ``start`` (UTC); every event falls inside it.
    progress
        Called with a short status line after each step (the CLI prints them).

    Returns
    -------
    GroundTruth
        Counts per file, first-touch totals and the known rules with the figures proving them.
    """
    if visits < 1000:
        raise ValueError("visits must be at least 1000")
    if days < 60:
        raise ValueError("days must be at least 60")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sim = _Simulation(out_dir, seed=seed, visits=visits, start=start, days=days,
                      progress=progress)
    return sim.run()


class _Simulation:
    """The state of one generation run; each ``_step`` fills arrays used by the later ones."""

    def __init__(self, out_dir: Path, *, seed: int, visits: int, start: date, days: int,
                 progress: Progress | None) -> None:
        self.out = out_dir
        self.seed = seed
        self.n_visits_target = visits
        self.start = start
        self.days = days
        self.t0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
        self.t1 = self.t0 + days * DAY
        # events stop 3 hours before the end (UTC), so the period holds in any European zone
        self.t_stop = self.t1 - 3 * HOUR
        self.rng = np.random.default_rng(seed)
        self.progress = progress
        self.counts: dict[str, int] = {}
        self._clock = time.perf_counter()

    def _say(self, message: str) -> None:
        if self.progress is not None:
            elapsed = time.perf_counter() - self._clock
            self.progress(f"{message} ({elapsed:.1f} s)")

    def _write(self, name: str, columns: dict[str, A.Col], n: int) -> None:
        self.counts[name] = A.write_entity(self.out, name, columns, n)

    # ------------------------------------------------------------------ run
    def run(self) -> GroundTruth:
        self.fx = _Fx(self.rng, self.t0, self.days)
        self._posts()
        self._contacts()
        self._deals()
        self._orders()
        self._visits()
        self._attach_posts()
        self._say("simulated visitors, contacts, deals and orders")
        self._write_fx_and_profiles()
        self._write_posts()
        self._write_clicks()
        self._write_web_events()
        self._say(f"wrote {self.counts['web_events']:,} web events")
        self._write_contacts_and_deals()
        self._messages()
        self._mentions()
        truth_money = self._money_truth()
        self._costs_and_hours(truth_money)
        self._goals()
        truth = self._ground_truth(truth_money)
        truth.write(self.out / "ground_truth.json")
        (self.out / "README.md").write_text(_readme(truth), "utf-8")
        self._say("wrote ground_truth.json and README.md")
        return truth

    # ------------------------------------------------------------------ posts
    def _posts(self) -> None:
        rng, days = self.rng, self.days
        counts = rng.poisson(POSTS_PER_WEEK * days / 7.0)
        net = np.repeat(np.arange(len(NETS)), counts)
        day = rng.integers(0, days, len(net))
        hour = np.clip(rng.normal(11.5, 2.5, len(net)), 6, 20)
        t = self.t0 + day * DAY + (hour * HOUR).astype("int64") // 60 * 60
        # A/B variants: a twin posted 20 minutes later
        is_a = rng.random(len(net)) < 0.08
        net = np.concatenate((net, net[is_a]))
        t = np.concatenate((t, t[is_a] + 20 * 60))
        variant = np.concatenate((np.where(is_a, 1, 0), np.full(int(is_a.sum()), 2)))
        group = np.concatenate((np.arange(len(is_a)), np.flatnonzero(is_a)))
        order = np.lexsort((variant, t))
        self.post_net, self.post_t = net[order], t[order]
        self.post_variant = variant[order]
        group = group[order]
        n = len(order)
        frac = (self.post_t - self.t0) / (days * DAY)
        campaign = np.full(n, -1)
        paid = np.zeros(n, dtype=bool)
        shared = rng.random(len(is_a))[group]  # A/B twins share campaign and paid draws
        for ci, (_, nets, lo, hi, paid_share) in enumerate(CAMPAIGNS):
            hit = np.isin(self.post_net, np.array(nets) - FIRST_SOCIAL)
            hit &= (frac >= lo) & (frac < hi)
            campaign[hit] = ci
            paid[hit] = shared[hit] < paid_share
        stories = (campaign < 0) & np.isin(self.post_net, (LINKEDIN - 5, YOUTUBE - 5))
        stories &= shared < 0.2
        campaign[stories] = len(CAMPAIGNS)  # customer-stories
        paid |= (campaign < 0) & (rng.random(len(is_a))[group] < 0.05)  # a few boosted posts
        self.post_campaign, self.post_paid = campaign, paid
        self.campaign_names = (*(c[0] for c in CAMPAIGNS), "customer-stories", "always-on")
        ctype = np.empty(n, dtype=object)
        for j, types in enumerate(CONTENT_TYPES):
            m = self.post_net == j
            ctype[m] = np.array(types, dtype=object)[rng.integers(0, len(types), int(m.sum()))]
        self.post_ctype = ctype
        self.post_id = np.array([f"p{i + 1:05d}" for i in range(n)], dtype=object)

    # ------------------------------------------------------------------ contacts
    def _contacts(self) -> None:
        rng = self.rng
        target = max(20, round(self.n_visits_target * 0.012))
        m = int(target * 1.25) + 10
        first = _choice(rng, P_CONTACT_FIRST, m)
        offline = rng.random(m) < 0.02
        first = np.where(offline, -1, first)
        b2c = ~offline & (rng.random(m) < P_SHOP[np.maximum(first, 0)])
        # half of the B2C contacts only download an e-book (a lead that never buys)
        content = b2c & (rng.random(m) < 0.5)
        shop = b2c & ~content
        # three shop buyers who find Acme through the TikTok challenge, so that rule 3 has
        # customers even in a small run
        forced = np.arange(min(3, m))
        first[forced], offline[forced], shop[forced], content[forced] = TIKTOK, False, True, False
        n_pre = np.where(offline, 0,
                         np.where(shop, 2 + rng.binomial(3, 0.35, m), 2 + rng.binomial(4, 0.45, m)))
        # visits of the journey before the lead: forward from the first visit
        first_t = self.t0 + rng.uniform(0, (self.days - 20) * DAY, m).astype("int64")
        c = CAMPAIGNS[1]
        lo, hi = (int(c[2] * self.days) + 5) * DAY, (int(c[3] * self.days) - 30) * DAY
        first_t[forced] = self.t0 + rng.uniform(lo, max(hi, lo + DAY), len(forced)).astype("int64")
        self.challenge_window = (self.t0 + int(c[2] * self.days) * DAY,
                                 self.t0 + int(c[3] * self.days) * DAY)
        cid = np.repeat(np.arange(m), n_pre)
        pos = _positions(n_pre)
        gaps = np.where(pos == 0, 0.0,
                        np.minimum(rng.exponential(4 * DAY, len(cid)), 8 * DAY) + 3 * HOUR)
        vt = first_t[cid] + _group_cumsum(gaps, n_pre).astype("int64")
        conv_offset = rng.integers(3 * 60, 20 * 60, m)
        last_t = np.full(m, 0, dtype="int64")
        has_visits = n_pre > 0
        ends = np.cumsum(n_pre) - 1
        last_t[has_visits] = vt[ends[has_visits]]
        lead_t = np.where(offline, self.t0 + rng.uniform(0, (self.days - 10) * DAY, m), 0)
        lead_t = np.where(offline, lead_t, last_t + conv_offset).astype("int64")
        keep = lead_t < self.t_stop
        keep_idx = np.flatnonzero(keep)[:target]
        # re-index everything to the kept contacts
        sel = np.zeros(m, dtype=bool)
        sel[keep_idx] = True
        vsel = sel[cid]
        self.c_first, self.c_shop, self.c_offline = first[sel], shop[sel], offline[sel]
        self.c_content = content[sel]
        self.c_npre, self.c_lead = n_pre[sel], lead_t[sel]
        self.c_conv_offset = conv_offset[sel]
        n = len(self.c_first)
        self.n_contacts = n
        remap = np.cumsum(sel) - 1
        jc, jpos, jt = remap[cid[vsel]], pos[vsel], vt[vsel]
        npre = self.c_npre[jc]
        firsts = self.c_first[jc]
        src = np.where(jpos == 0, firsts, 0)
        mid = (jpos > 0) & (jpos < npre - 1)
        last = jpos == npre - 1
        src[mid] = _resolve(_choice(rng, P_MIDDLE, int(mid.sum())), firsts[mid])
        src[last] = _resolve(_choice(rng, P_LAST, int(last.sum())), firsts[last])
        # a direct conversion visit right after an X visit would make X the last non-direct
        # touch: such an X visit becomes organic search
        last_src = np.full(n, -1)
        last_src[jc[last]] = src[last]
        fix = (src == X) & (jpos == npre - 2) & (jpos > 0) & (last_src[jc] == DIRECT)
        src[fix] = ORGANIC
        self.j_contact, self.j_t, self.j_src, self.j_pos = jc, jt, src, jpos
        self.j_kind = np.where(last, np.where(self.c_shop[jc], 2, 1), 0)
        self.c_rank, self.c_email = self._emails()
        self._say(f"{n:,} contacts")

    # ------------------------------------------------------------------ deals
    def _deals(self) -> None:
        rng, n = self.rng, self.n_contacts
        b2b = ~self.c_shop & ~self.c_content
        ft = np.maximum(self.c_first, 0)
        has = b2b & (rng.random(n) < P_DEAL[ft])
        created = self.c_lead + rng.uniform(1 * DAY, 10 * DAY, n).astype("int64")
        has &= created < self.t_stop
        u = rng.random(n)
        stage = np.where(u < P_WON[ft], 0, np.where(u < P_WON[ft] + P_LOST[ft], 2, 1))  # 0 won
        closed = created + rng.uniform(7 * DAY, 35 * DAY, n).astype("int64")
        stage = np.where((stage != 1) & (closed >= self.t_stop), 1, stage)
        is_li = self.c_first == LINKEDIN
        tier_u = rng.random(n)
        tier = np.where(is_li, np.searchsorted(np.cumsum(TIER_MIX_LINKEDIN), tier_u, "right"),
                        np.searchsorted(np.cumsum(TIER_MIX_OTHER), tier_u, "right"))
        tier = np.minimum(tier, 3)
        seats = np.where(tier == 0, 1.0, rng.uniform(0.8, 1.4, n))
        eur = np.round(TIER_PRICE[tier] * seats, 0)
        # expansion deals for some won customers
        won = has & (stage == 0)
        exp = won & (rng.random(n) < 0.12)
        e_created = closed + rng.uniform(30 * DAY, 120 * DAY, n).astype("int64")
        exp &= e_created < self.t_stop
        e_closed = e_created + rng.uniform(7 * DAY, 30 * DAY, n).astype("int64")
        e_stage = np.where(rng.random(n) < 0.7, 0, 2)
        e_stage = np.where(e_closed >= self.t_stop, 1, e_stage)
        e_eur = np.round(eur * 0.4, 0)
        first_idx, exp_idx = np.flatnonzero(has), np.flatnonzero(exp)
        d_contact = np.concatenate((first_idx, exp_idx))
        d_created = np.concatenate((created[first_idx], e_created[exp_idx]))
        d_stage = np.concatenate((stage[first_idx], e_stage[exp_idx]))
        d_closed = np.concatenate((closed[first_idx], e_closed[exp_idx]))
        d_eur = np.concatenate((eur[first_idx], e_eur[exp_idx]))
        order = np.lexsort((d_contact, d_created))
        self.d_contact, self.d_created = d_contact[order], d_created[order]
        self.d_stage, self.d_closed, self.d_eur = d_stage[order], d_closed[order], d_eur[order]
        nd = len(order)
        self.d_usd = rng.random(nd) < 0.15
        fx_t = np.where(self.d_stage == 1, self.d_created, self.d_closed)
        rate = self.fx.at(fx_t)
        self.d_amount = np.where(self.d_usd, np.round(self.d_eur / rate, 2), self.d_eur)
        self.d_amount_eur = np.where(self.d_usd, self.d_amount * rate, self.d_amount)
        # customers: first won deal
        cust_t = np.full(n, np.iinfo("int64").max)
        w = self.d_stage == 0
        np.minimum.at(cust_t, self.d_contact[w], self.d_closed[w])
        self.c_customer_t = cust_t
        self.c_has_deal = np.zeros(n, dtype=bool)
        self.c_has_deal[self.d_contact] = True
        self.c_open = np.zeros(n, dtype=bool)
        self.c_open[self.d_contact[self.d_stage == 1]] = True
        # visits between lead and the deal's close (or three weeks later): email, direct, ...
        base = has & ~self.c_offline
        n_post = np.where(base, rng.integers(0, 3, n), 0)
        until = np.where(stage == 1, np.minimum(created + 21 * DAY, self.t_stop), closed)
        pc_ = np.repeat(np.arange(n), n_post)
        lo, hi = self.c_lead[pc_] + HOUR, until[pc_] - HOUR
        pt = (lo + rng.random(len(pc_)) * np.maximum(hi - lo, 0)).astype("int64")
        ok = pt < self.t_stop
        pc_, pt = pc_[ok], pt[ok]
        psrc = _resolve(_choice(rng, P_AFTER_LEAD, len(pc_)), self.c_first[pc_])
        psrc = np.where(psrc < 0, DIRECT, psrc)
        self.p_contact, self.p_t, self.p_src = pc_, pt, psrc

    # ------------------------------------------------------------------ shop orders
    def _orders(self) -> None:
        rng = self.rng
        buyers = np.flatnonzero(self.c_shop)
        first_t = self.c_lead[buyers]
        n_rep = np.minimum(rng.poisson(0.8, len(buyers)), 4)
        rc = np.repeat(np.arange(len(buyers)), n_rep)
        gaps = rng.exponential(45 * DAY, len(rc)) + DAY
        rt = first_t[rc] + _group_cumsum(gaps, n_rep).astype("int64")
        ok = rt < self.t_stop
        self.r_contact, self.r_t = buyers[rc[ok]], rt[ok]
        self.r_src = _choice(rng, P_REPEAT, len(self.r_contact))
        self.r_conv_offset = rng.integers(3 * 60, 20 * 60, len(self.r_contact))
        self.c_customer_t = np.where(self.c_shop, self.c_lead, self.c_customer_t)
        # transactions: first purchases (at the lead) then repeats (purchase time = visit + offset)
        t_contact = np.concatenate((buyers, self.r_contact))
        t_time = np.concatenate((first_t, self.r_t + self.r_conv_offset + 5))
        t_time = np.where(np.arange(len(t_time)) < len(buyers), t_time + 5, t_time)
        nt = len(t_contact)
        self.t_contact, self.t_time = t_contact, t_time
        self.t_usd = rng.random(nt) < 0.12
        k = rng.choice(3, size=nt, p=[0.55, 0.30, 0.15]) + 1
        ranks = np.argsort(rng.random((nt, len(SKUS))), axis=1)
        li_t = np.repeat(np.arange(nt), k)
        li_sku = ranks[li_t, _positions(k)]
        li_qty = np.where((li_sku == 4) & (rng.random(len(li_t)) < 0.25), 2, 1)
        li_price = np.where(self.t_usd[li_t], PRICE_USD[li_sku], PRICE_EUR[li_sku])
        self.li_t, self.li_sku, self.li_qty, self.li_price = li_t, li_sku, li_qty, li_price
        self.t_total = np.bincount(li_t, weights=li_price * li_qty, minlength=nt)
        self.t_total = np.round(self.t_total, 2)
        refund = rng.random(nt) < 0.04
        r_time = t_time + rng.uniform(1 * DAY, 14 * DAY, nt).astype("int64")
        refund &= r_time < self.t_stop
        self.t_refund, self.t_refund_time = refund, r_time
        rate_p, rate_r = self.fx.at(t_time), self.fx.at(r_time)
        self.t_eur = np.where(self.t_usd, self.t_total * rate_p, self.t_total)
        self.t_refund_eur = np.where(refund, np.where(self.t_usd, self.t_total * rate_r,
                                                      self.t_total), 0.0)

    # ------------------------------------------------------------------ visits
    def _visits(self) -> None:
        rng = self.rng
        n_contact_visits = len(self.j_t) + len(self.p_t) + len(self.r_t)
        remaining = max(self.n_visits_target - n_contact_visits, 0)
        mean_visits = 1.6
        m = int(remaining / mean_visits * 1.2) + 10
        nv = np.minimum(rng.geometric(1 / mean_visits, m), 10)
        first_t = self.t0 + rng.uniform(0, self.days * DAY, m).astype("int64")
        vid = np.repeat(np.arange(m), nv)
        pos = _positions(nv)
        gaps = np.where(pos == 0, 0.0, rng.exponential(6 * DAY, len(vid)) + 2 * HOUR)
        vt = first_t[vid] + _group_cumsum(gaps, nv).astype("int64")
        ok = vt < self.t_stop
        cum = np.cumsum(ok)
        cut = int(np.searchsorted(cum, remaining, side="left")) + 1 if remaining else 0
        ok[cut:] = False
        first_src = _choice(rng, P_ANON_FIRST, m)
        src = np.where(pos == 0, first_src[vid], _resolve(_choice(rng, P_ANON_NEXT, len(vid)),
                                                          first_src[vid]))
        a_vis, a_t, a_src = vid[ok], vt[ok], src[ok]
        # visitors: contacts with web visits first, then anonymous ones
        has_web = ~self.c_offline
        c_visitor = np.where(has_web, np.cumsum(has_web) - 1, -1)
        n_cv = int(has_web.sum())
        used, a_visitor = np.unique(a_vis, return_inverse=True)
        a_visitor = a_visitor + n_cv
        n_visitors = n_cv + len(used)
        # all visits
        rc = self.r_contact
        self.v_visitor = np.concatenate((c_visitor[self.j_contact], c_visitor[self.p_contact],
                                         c_visitor[rc], a_visitor))
        self.v_t = np.concatenate((self.j_t, self.p_t, self.r_t, a_t)).astype("int64")
        self.v_src = np.concatenate((self.j_src, self.p_src, self.r_src, a_src))
        self.v_first = np.concatenate((self.j_pos == 0, np.zeros(len(self.p_t) + len(rc) +
                                                                len(a_t), dtype=bool)))
        self.v_kind = np.concatenate((self.j_kind, np.zeros(len(self.p_t), "int64"),
                                      np.full(len(rc), 3), np.zeros(len(a_t), "int64")))
        self.v_contact = np.concatenate((self.j_contact, self.p_contact, rc,
                                         np.full(len(a_t), -1)))
        nv_total = len(self.v_t)
        # the transaction of each purchase visit; offsets of conversion events in the visit
        self.v_txn = np.full(nv_total, -1)
        buyers = np.flatnonzero(self.c_shop)
        txn_of_buyer = np.full(self.n_contacts, -1)
        txn_of_buyer[buyers] = np.arange(len(buyers))
        first_purchase = self.v_kind == 2
        self.v_txn[first_purchase] = txn_of_buyer[self.v_contact[first_purchase]]
        rep = self.v_kind == 3
        self.v_txn[rep] = len(buyers) + np.arange(int(rep.sum()))
        self.v_conv = np.zeros(nv_total, dtype="int64")
        conv_first = self.v_kind > 0
        self.v_conv[conv_first & (self.v_kind < 3)] = self.c_conv_offset[
            self.v_contact[conv_first & (self.v_kind < 3)]]
        self.v_conv[rep] = self.r_conv_offset
        # order visitor ids by first visit, visits by time
        first_seen = np.full(n_visitors, np.iinfo("int64").max)
        np.minimum.at(first_seen, self.v_visitor, self.v_t)
        vorder = np.argsort(first_seen, kind="stable")
        visitor_rank = np.empty(n_visitors, dtype="int64")
        visitor_rank[vorder] = np.arange(n_visitors)
        self.v_visitor = visitor_rank[self.v_visitor]
        self.c_visitor = np.where(c_visitor >= 0, visitor_rank[np.maximum(c_visitor, 0)], -1)
        order = np.lexsort((self.v_visitor, self.v_t))
        for name in ("v_visitor", "v_t", "v_src", "v_kind", "v_contact", "v_txn", "v_conv",
                     "v_first"):
            setattr(self, name, getattr(self, name)[order])
        self.n_visitors = n_visitors
        self.visitor_ua = rng.choice(len(USER_AGENTS), n_visitors)
        self.visitor_country = rng.choice(len(COUNTRIES), n_visitors, p=P_COUNTRY)

    def _attach_posts(self) -> None:
        """Tag social visits with the link of a recent post on their network (65 %)."""
        rng = self.rng
        n = len(self.v_t)
        self.v_post = np.full(n, -1)
        social = self.v_src >= FIRST_SOCIAL
        tagged = social & (rng.random(n) < 0.65)
        back = rng.geometric(0.5, n) - 1
        # first visits of contacts on TikTok during the challenge come from its posts
        lo, hi = self.challenge_window
        in_ch = self.v_first & (self.v_src == TIKTOK) & (self.v_t >= lo) & (self.v_t < hi)
        tagged |= in_ch
        back[in_ch] = 0
        for j in range(len(NETS)):
            m = tagged & (self.v_src == FIRST_SOCIAL + j)
            posts = np.flatnonzero(self.post_net == j)
            if not len(posts):
                continue
            k = np.searchsorted(self.post_t[posts], self.v_t[m] - 120, side="right") - 1
            k = np.where(k >= 0, np.maximum(k - back[m], 0), -1)
            self.v_post[m] = np.where(k >= 0, posts[np.maximum(k, 0)], -1)
        self.v_ref_choice = rng.integers(0, 6, n)
        self.v_organic_utm = rng.random(n) < 0.03
        self.v_brand_search = rng.random(n) < 0.4

    # ------------------------------------------------------------------ writers
    def _write_fx_and_profiles(self) -> None:
        fx = self.fx
        self._write("fx_rates", {
            "date": A.dates(self.t0 + fx.day * DAY),
            "currency": A.pick(["USD"], np.zeros(len(fx.day), "int64")),
            "rate": A.numbers(fx.rate),
        }, len(fx.day))
        # profiles: acme on every network, two rivals on three each
        prof: list[tuple[str, str, str, str, str, bool]] = []
        for j, net in enumerate(NETS):
            prof.append((f"acme-{net}", net, "acmeanalytics", f"Acme Analytics on {NET_LABEL[j]}",
                         BRAND, True))
        for brand, nets in (("datawise", ("linkedin", "x", "instagram")),
                            ("metricly", ("linkedin", "x", "tiktok"))):
            for net in nets:
                prof.append((f"{brand}-{net}", net, brand, brand.title(), brand, False))
        self.profiles = prof
        cols = list(zip(*prof, strict=True))
        self._write("profiles", {
            "profile_id": pa.array(cols[0]), "network": pa.array(cols[1]),
            "handle": pa.array(cols[2]), "name": pa.array(cols[3]), "brand": pa.array(cols[4]),
            "owned": pa.array(cols[5]),
        }, len(prof))

    def _write_posts(self) -> None:
        rng = self.rng
        n = len(self.post_t)
        net = self.post_net
        camp = np.where(self.post_campaign < 0, len(self.campaign_names) - 1, self.post_campaign)
        camp_name = np.array(self.campaign_names, dtype=object)[camp]
        topics = ("How to prove social ROI", "UTM tags done right", "Attribution in 5 minutes",
                  "Customer story", "New dashboard", "Behind the scenes", "Webinar invite",
                  "Tip of the week", "Product update", "Join the #AcmeChallenge")
        text = [f"{topics[i % len(topics)]} ({camp_name[k]}) #acmeanalytics #socialroi"
                for k, i in enumerate(rng.integers(0, len(topics), n))]
        urls = [POST_URL[net[k]] + str(7_300_000_000 + k * 7919) for k in range(n)]
        variant = np.where(self.post_variant == 1, "A", np.where(self.post_variant == 2, "B", ""))
        self._write("posts", {
            "post_id": pa.array(self.post_id.tolist()),
            "profile_id": pa.array([f"acme-{NETS[j]}" for j in net]),
            "published_at": A.timestamps(self.post_t),
            "text": pa.array(text), "url": pa.array(urls),
            "campaign": pa.array(camp_name.tolist()),
            "content_type": pa.array(self.post_ctype.tolist()),
            "variant": pa.array([v or None for v in variant.tolist()], pa.string()),
            "paid": pa.array(self.post_paid),
        }, n)
        # daily metrics, decaying after publication
        pub_day = (self.post_t - self.t0) // DAY
        life = np.minimum(POST_LIFE_DAYS[net], self.days - pub_day)
        total = POST_IMPRESSIONS[net] * rng.lognormal(0, 0.6, n) * np.where(self.post_paid, 3.5, 1)
        total = total * (1 + 0.8 * (pub_day / self.days))  # the audience grows over the year
        pid = np.repeat(np.arange(n), life)
        d = _positions(life)
        tau = POST_DECAY_DAYS[net[pid]]
        w = np.exp(-d / tau)
        norm = np.bincount(pid, weights=w, minlength=n)
        impressions = rng.poisson(total[pid] * w / norm[pid])
        reach = np.round(impressions * rng.uniform(0.6, 0.85, len(pid))).astype("int64")
        rates = ENGAGEMENT_RATES[net[pid]]
        eng = rng.binomial(impressions[:, None], rates)
        is_video = np.array([c in VIDEO_TYPES for c in self.post_ctype])[pid]
        views = rng.binomial(impressions, 0.4)
        self.pm_impressions = np.bincount(net[pid], weights=impressions, minlength=len(NETS))
        self.pm_engagements = np.bincount(net[pid], weights=eng.sum(axis=1), minlength=len(NETS))
        self.pm_daily_impr = np.zeros((len(NETS), self.days))
        np.add.at(self.pm_daily_impr, (net[pid], pub_day[pid] + d), impressions)
        self._write("post_metrics", {
            "post_id": pa.array(self.post_id[pid].tolist()),
            "date": A.dates(self.t0 + (pub_day[pid] + d) * DAY),
            "impressions": impressions, "reach": reach,
            "reactions": eng[:, 0], "comments": eng[:, 1], "shares": eng[:, 2],
            "saves": eng[:, 3], "clicks": eng[:, 4],
            "video_views": A.numbers(views, valid=is_video),
        }, len(pid))
        # links: one per post
        medium = np.where(self.post_paid, np.where(net == LINKEDIN - 5, "cpc", "paid_social"),
                          "social")
        target = [SITE + CAMPAIGN_PAGE.get(str(camp_name[k]), PAGES[k % len(PAGES)])
                  for k in range(n)]
        letters = np.array(list("abcdefghijkmnpqrstuvwxyz23456789"))
        rand = letters[rng.integers(0, len(letters), (n, 4))]
        self.link_code = np.array([f"{''.join(rand[k])}{k:x}" for k in range(n)], dtype=object)
        self.link_landing = np.array([
            f"{target[k]}?utm_source={NETS[net[k]]}&utm_medium={medium[k]}"
            f"&utm_campaign={camp_name[k]}&utm_content={self.post_id[k]}" for k in range(n)
        ], dtype=object)
        self.link_medium = medium
        self.post_camp_name = camp_name
        self._write("links", {
            "code": pa.array(self.link_code.tolist()), "target_url": pa.array(target),
            "utm_source": pa.array([NETS[j] for j in net]), "utm_medium": pa.array(medium),
            "utm_campaign": pa.array(camp_name.tolist()),
            "utm_content": pa.array(self.post_id.tolist()),
            "utm_id": pa.array([f"cmp-{c}" if p else None for c, p in
                                zip(camp_name.tolist(), self.post_paid.tolist(), strict=True)],
                               pa.string()),
            "post_id": pa.array(self.post_id.tolist()),
            "created_at": A.timestamps(self.post_t - 600),
        }, n)
        # profile metrics: daily followers and profile figures, acme and rivals
        pdays = np.arange(self.days)
        pm_cols: dict[str, list[Any]] = {k: [] for k in
                                          ("profile_id", "date", "followers", "impressions",
                                           "reach", "profile_visits")}
        for pid_, net_name, _h, _n, brand, owned in self.profiles:
            j = NETS.index(net_name)
            base = FOLLOWERS_START[j] * (1.0 if owned else rng.uniform(0.7, 1.8))
            growth = rng.normal(0.0012, 0.0015, self.days)
            if owned and net_name == "tiktok":
                c = CAMPAIGNS[1]
                growth[int(c[2] * self.days):int(c[3] * self.days)] += 0.004
            followers = np.round(base * np.exp(np.cumsum(growth))).astype("int64")
            impr = (self.pm_daily_impr[j] if owned else
                    rng.poisson(POST_IMPRESSIONS[j] * 0.8, self.days).astype("float64"))
            impr = impr + rng.poisson(followers * 0.02)
            pm_cols["profile_id"].append(np.full(self.days, pid_, dtype=object))
            pm_cols["date"].append(self.t0 + pdays * DAY)
            pm_cols["followers"].append(followers)
            pm_cols["impressions"].append(impr.astype("int64"))
            pm_cols["reach"].append(np.round(impr * 0.7).astype("int64"))
            pm_cols["profile_visits"].append(rng.poisson(impr * 0.01 + 1))
            _ = brand
        npm = self.days * len(self.profiles)
        self._write("profile_metrics", {
            "profile_id": pa.array(np.concatenate(pm_cols["profile_id"]).tolist()),
            "date": A.dates(np.concatenate(pm_cols["date"])),
            "followers": np.concatenate(pm_cols["followers"]),
            "impressions": np.concatenate(pm_cols["impressions"]),
            "reach": np.concatenate(pm_cols["reach"]),
            "profile_visits": np.concatenate(pm_cols["profile_visits"]),
        }, npm)

    def _write_clicks(self) -> None:
        rng = self.rng
        tagged = np.flatnonzero(self.v_post >= 0)
        nt = len(tagged)
        post = self.v_post[tagged]
        net = self.post_net[post]
        clicked = self.v_t[tagged] - rng.integers(1, 5, nt)
        # the network's main referrer; apps often strip it
        ref_pool = [SOCIAL_REFERRERS[j][0] for j in range(len(NETS))]
        has_ref = rng.random(nt) < 0.8
        self.v_click = np.full(len(self.v_t), -1)
        # bot previews right after publication
        nb = max(1, nt // 16)
        bpost = rng.integers(0, len(self.post_t), nb)
        bnet = self.post_net[bpost]
        bua = np.where(np.isin(bnet, (FACEBOOK - 5, INSTAGRAM - 5)), 0,
                       np.where(bnet == X - 5, 1, np.where(bnet == LINKEDIN - 5, 2, 3)))
        btime = self.post_t[bpost] + rng.integers(1, 2 * HOUR, nb)
        all_t = np.concatenate((clicked, btime))
        is_bot = np.concatenate((np.zeros(nt, bool), np.ones(nb, bool)))
        order = np.lexsort((np.arange(len(all_t)), all_t))
        rank = np.empty(len(order), dtype="int64")
        rank[order] = np.arange(len(order))
        self.v_click[tagged] = rank[:nt]
        code = np.concatenate((post, bpost))[order]
        visitor = np.concatenate((self.v_visitor[tagged], np.zeros(nb, "int64")))[order]
        ref_idx = np.concatenate((net, bnet))[order]
        ref_ok = np.concatenate((has_ref, np.zeros(nb, bool)))[order]
        ua_human = self.visitor_ua[visitor]
        ua = np.where(is_bot[order], len(USER_AGENTS) + np.concatenate(
            (np.zeros(nt, "int64"), bua))[order], ua_human)
        country = np.where(is_bot[order], COUNTRIES.index("US"), self.visitor_country[visitor])
        self.v_click_ref = np.zeros(len(self.v_t), dtype=bool)
        self.v_click_ref[tagged] = has_ref
        self._write("clicks", {
            "code": pa.array(self.link_code[code].tolist()),
            "clicked_at": A.timestamps(all_t[order]),
            "click_id": A.ids("k", np.arange(len(order)) + 1, 9),
            "visitor_id": A.ids("v", visitor + 1, 7, valid=~is_bot[order]),
            "referrer": A.pick(ref_pool, ref_idx, valid=ref_ok),
            "user_agent": A.pick(USER_AGENTS + BOT_AGENTS, ua),
            "country": A.pick(COUNTRIES, country),
        }, len(order))

    def _write_web_events(self) -> None:
        rng = self.rng
        nv = len(self.v_t)
        conv = self.v_kind > 0
        n_pv = np.where(conv, rng.integers(2, 6, nv), 1 + rng.binomial(5, 0.25, nv))
        dur = np.where(conv, self.v_conv, rng.integers(60, 25 * 60, nv))
        vi = np.repeat(np.arange(nv), n_pv)
        pos = _positions(n_pv)
        g = np.where(pos == 0, 0.0, rng.exponential(1.0, len(vi)))
        cs = _group_cumsum(g, n_pv)
        total_g = np.bincount(vi, weights=g, minlength=nv) + rng.exponential(1.0, nv)
        pv_t = self.v_t[vi] + (cs / total_g[vi] * dur[vi]).astype("int64")
        # page of each pageview: landing (post link or a page), then site pages
        page = rng.integers(0, len(PAGES), len(vi))
        last_pv = pos == n_pv[vi] - 1
        page_urls = [SITE + p for p in PAGES] + [SITE + "/demo", SITE + "/checkout"]
        page = np.where(last_pv & (self.v_kind[vi] == 1), len(PAGES), page)
        page = np.where(last_pv & (self.v_kind[vi] >= 2), len(PAGES) + 1, page)
        first = pos == 0
        post = self.v_post[vi]
        landing_tagged = first & (post >= 0)
        url = A.pick(page_urls, page).to_numpy(zero_copy_only=False).astype(object)
        url[landing_tagged] = self.link_landing[post[landing_tagged]]
        src = self.v_src[vi]
        # utm tags of the visit's first pageview
        utm_source = np.full(len(vi), None, dtype=object)
        utm_medium = np.full(len(vi), None, dtype=object)
        utm_campaign = np.full(len(vi), None, dtype=object)
        utm_content = np.full(len(vi), None, dtype=object)
        utm_term = np.full(len(vi), None, dtype=object)
        referrer = np.full(len(vi), None, dtype=object)
        m = landing_tagged
        utm_source[m] = np.array(NETS, dtype=object)[self.post_net[post[m]]]
        utm_medium[m] = self.link_medium[post[m]]
        utm_campaign[m] = self.post_camp_name[post[m]]
        utm_content[m] = self.post_id[post[m]]
        refc = self.v_ref_choice[vi]
        for j in range(len(NETS)):
            refs = np.array(SOCIAL_REFERRERS[j], dtype=object)
            untagged = first & (post < 0) & (src == FIRST_SOCIAL + j)
            referrer[untagged] = refs[refc[untagged] % len(refs)]
            tagged_j = landing_tagged & (src == FIRST_SOCIAL + j)
            click_ref = self.v_click_ref[vi] & tagged_j
            referrer[click_ref] = refs[0]
        org = first & (src == ORGANIC)
        weights = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 2])  # google 80 %, bing, duckduckgo
        referrer[org] = np.array(SEARCH_REFERRERS, dtype=object)[
            weights[rng.integers(0, 10, int(org.sum()))]]
        org_utm = org & self.v_organic_utm[vi]
        utm_source[org_utm], utm_medium[org_utm] = "google", "organic"
        ps = first & (src == PAID_SEARCH)
        utm_source[ps], utm_medium[ps] = "google", "cpc"
        utm_campaign[ps] = np.where(self.v_brand_search[vi][ps], "brand-search", "generic-search")
        utm_term[ps] = np.array(SEARCH_TERMS, dtype=object)[refc[ps]]
        referrer[ps] = "https://www.google.com/"
        em = first & (src == EMAIL)
        utm_source[em], utm_medium[em] = "newsletter", "email"
        month = (pv_t[em].astype("datetime64[s]").astype("datetime64[M]")).astype(str)
        utm_campaign[em] = np.char.add("newsletter-", month).astype(object)
        rf = first & (src == REFERRAL)
        referrer[rf] = np.array(REFERRAL_REFERRERS, dtype=object)[refc[rf] % 5]
        # later pageviews: the previous page of the site
        later = ~first
        referrer[later] = np.where(landing_tagged[np.flatnonzero(later) - 1],
                                   np.array([u.split("?")[0] if u else u for u in
                                             url[np.flatnonzero(later) - 1]], dtype=object),
                                   url[np.flatnonzero(later) - 1])
        click = np.where(first, self.v_click[vi], -1)
        # conversion events of conversion visits, and refunds
        cv = np.flatnonzero(conv)
        kind = self.v_kind[cv]
        conv_t = self.v_t[cv] + self.v_conv[cv]
        contact = self.v_contact[cv]
        ident = kind < 3
        e_rows: list[dict[str, Any]] = []
        ic = cv[ident]
        e_rows.append({"v": ic, "t": conv_t[ident], "event": "identify", "contact": contact[ident],
                       "url": f"{SITE}/demo", "txn": np.full(len(ic), -1), "sign": 0})
        lead = kind == 1
        e_rows.append({"v": cv[lead], "t": conv_t[lead] + 2, "event": "lead",
                       "contact": contact[lead], "url": f"{SITE}/demo/thank-you",
                       "txn": np.full(int(lead.sum()), -1), "sign": 0})
        buy = kind >= 2
        e_rows.append({"v": cv[buy], "t": conv_t[buy] + 5, "event": "purchase",
                       "contact": np.full(int(buy.sum()), -1), "url": f"{SITE}/checkout/thank-you",
                       "txn": self.v_txn[cv[buy]], "sign": 1})
        rf_t = np.flatnonzero(self.t_refund)
        e_rows.append({"v": -1 - rf_t, "t": self.t_refund_time[rf_t], "event": "refund",
                       "contact": np.full(len(rf_t), -1), "url": None, "txn": rf_t, "sign": -1})
        # assemble: pageviews then extra events, sorted by time
        ne = sum(len(r["v"]) for r in e_rows)
        n_all = len(vi) + ne
        visitor = np.empty(n_all, dtype="int64")
        visitor[: len(vi)] = self.v_visitor[vi]
        t_all = np.empty(n_all, dtype="int64")
        t_all[: len(vi)] = pv_t
        event = np.full(n_all, "pageview", dtype=object)
        contact_all = np.full(n_all, -1)
        txn_all = np.full(n_all, -1)
        sign = np.zeros(n_all, dtype="int64")
        url_all = np.concatenate((url, np.full(ne, None, dtype=object)))
        goal = np.full(n_all, None, dtype=object)
        k = len(vi)
        t_contact_visitor = self.c_visitor[self.t_contact]
        for r in e_rows:
            n_r = len(r["v"])
            sl = slice(k, k + n_r)
            vv = r["v"]
            visitor[sl] = np.where(vv >= 0, self.v_visitor[np.maximum(vv, 0)],
                                   t_contact_visitor[np.maximum(-1 - vv, 0)] if n_r else vv)
            t_all[sl] = r["t"]
            event[sl] = r["event"]
            contact_all[sl] = r["contact"]
            txn_all[sl] = r["txn"]
            sign[sl] = r["sign"]
            url_all[sl] = r["url"]
            k += n_r
        lead_rows = event == "lead"
        lead_content = self.c_content[np.maximum(contact_all[lead_rows], 0)]
        goal[lead_rows] = np.where(lead_content, "ebook-download",
                                   np.where(rng.random(int(lead_rows.sum())) < 0.6,
                                            "demo-request", "trial-signup"))
        order = np.lexsort((np.arange(n_all), t_all))
        def pad(a: Arr) -> Arr:
            out: Arr = np.concatenate((a, np.full(ne, None, dtype=object)))
            return out

        cols_obj = {"url": url_all, "referrer": pad(referrer), "utm_source": pad(utm_source),
                    "utm_medium": pad(utm_medium), "utm_campaign": pad(utm_campaign),
                    "utm_content": pad(utm_content), "utm_term": pad(utm_term), "goal": goal}
        click_all = np.concatenate((click, np.full(ne, -1)))[order]
        contact_o, txn_o, sign_o = contact_all[order], txn_all[order], sign[order]
        has_txn = txn_o >= 0
        amount = np.where(has_txn, self.t_total[np.maximum(txn_o, 0)] * sign_o, 0.0)
        usd = self.t_usd[np.maximum(txn_o, 0)]
        visitor_o = visitor[order]
        starts_o = np.concatenate((first, np.zeros(ne, dtype=bool)))[order]
        contact_emails = self.c_email
        self._write("web_events", {
            "event_id": A.ids("e", np.arange(n_all) + 1, 8),
            "visitor_id": A.ids("v", visitor_o + 1, 7),
            "occurred_at": A.timestamps(t_all[order]),
            "event": pa.array(event[order].tolist(), pa.string()),
            **{c: pa.array(v[order].tolist(), pa.string()) for c, v in cols_obj.items()},
            "click_id": A.ids("k", click_all + 1, 9, valid=click_all >= 0),
            "revenue": A.numbers(amount, valid=has_txn, decimals=2),
            "currency": A.pick(["EUR", "USD"], usd.astype("int64"), valid=has_txn),
            "transaction_id": A.ids("T", txn_o + 1, 7, valid=has_txn),
            "contact_id": A.ids("c", self.c_rank[np.maximum(contact_o, 0)] + 1, 6,
                                valid=contact_o >= 0),
            "email": A.pick(contact_emails, np.maximum(contact_o, 0), valid=contact_o >= 0),
            # the browser is recorded once per visit, on its first pageview
            "user_agent": A.pick(USER_AGENTS, self.visitor_ua[visitor_o], valid=starts_o),
        }, n_all)
        self.n_events = n_all
        # order items
        lt = self.li_t
        self._write("order_items", {
            "transaction_id": A.ids("T", lt + 1, 7),
            "sku": A.pick(SKUS, self.li_sku), "quantity": self.li_qty,
            "price": A.numbers(self.li_price, decimals=2),
            "currency": A.pick(["EUR", "USD"], self.t_usd[lt].astype("int64")),
            "product": A.pick(PRODUCTS, self.li_sku), "category": A.pick(CATEGORIES, self.li_sku),
        }, len(lt))

    def _emails(self) -> tuple[Arr, list[str]]:
        """Contact ranks (ids follow creation time) and e-mail addresses."""
        rng = self.rng
        n = self.n_contacts
        fn = rng.integers(0, len(FIRST_NAMES), n)
        ln = rng.integers(0, len(LAST_NAMES), n)
        private = self.c_shop | self.c_content
        dom = np.where(private, rng.integers(0, len(MAIL_DOMAINS), n),
                       rng.integers(0, len(B2B_DOMAINS), n))
        order = np.argsort(self.c_lead, kind="stable")
        rank = np.empty(n, dtype="int64")
        rank[order] = np.arange(n)
        emails = [
            f"{FIRST_NAMES[fn[i]]}.{LAST_NAMES[ln[i]]}{rank[i] + 1}@"
            f"{MAIL_DOMAINS[dom[i]] if private[i] else B2B_DOMAINS[dom[i]]}"
            for i in range(n)
        ]
        return rank, emails

    def _write_contacts_and_deals(self) -> None:
        rng = self.rng
        n = self.n_contacts
        emails = self.c_email
        order = np.argsort(self.c_rank)
        is_customer = self.c_customer_t < np.iinfo("int64").max
        stage = np.where(is_customer, "customer",
                         np.where(self.c_open, "opportunity",
                                  np.where(rng.random(n) < 0.3, "marketingqualifiedlead", "lead")))
        # original source, HubSpot style, from the first visit
        first_visit = np.full(n, -1)
        has_web = ~self.c_offline
        cv = np.flatnonzero(self.v_contact >= 0)
        vc = self.v_contact[cv]
        first_visit_t = np.full(n, np.iinfo("int64").max)
        np.minimum.at(first_visit_t, vc, self.v_t[cv])
        is_first = self.v_t[cv] == first_visit_t[vc]
        first_visit[vc[is_first]] = cv[is_first]
        fpost = np.where(first_visit >= 0, self.v_post[np.maximum(first_visit, 0)], -1)
        self.c_first_paid = (fpost >= 0) & self.post_paid[np.maximum(fpost, 0)]
        self.c_first_campaign = np.where(fpost >= 0, self.post_campaign[np.maximum(fpost, 0)], -1)
        self.c_first_visit = first_visit
        src_name: list[str | None] = []
        detail: list[str | None] = []
        for i in range(n):
            f = int(self.c_first[i])
            if f < 0:
                src_name.append("OFFLINE")
                detail.append("CRM import: trade show")
            elif f >= FIRST_SOCIAL:
                src_name.append("PAID_SOCIAL" if self.c_first_paid[i] else "SOCIAL_MEDIA")
                detail.append(NET_LABEL[f - FIRST_SOCIAL])
            else:
                src_name.append(("DIRECT_TRAFFIC", "ORGANIC_SEARCH", "PAID_SEARCH",
                                 "EMAIL_MARKETING", "REFERRALS")[f])
                detail.append((None, "google", "google / cpc", "newsletter", "g2.com")[f])
        cust_t = np.where(is_customer, self.c_customer_t, 0)
        self._write("contacts", {
            "contact_id": A.ids("c", np.arange(n) + 1, 6),
            "created_at": A.timestamps(self.c_lead[order]),
            "email": pa.array([emails[i] for i in order]),
            "lifecycle_stage": pa.array(stage[order].tolist()),
            "became_lead_at": A.timestamps(self.c_lead[order]),
            "became_customer_at": A.timestamps(cust_t[order], valid=is_customer[order]),
            "original_source": pa.array([src_name[i] for i in order]),
            "original_source_detail": pa.array([detail[i] for i in order], pa.string()),
            "visitor_id": A.ids("v", self.c_visitor[order] + 1, 7, valid=has_web[order]),
        }, n)
        nd = len(self.d_contact)
        closed_ok = self.d_stage != 1
        self._write("deals", {
            "deal_id": A.ids("d", np.arange(nd) + 1, 6),
            "contact_id": A.ids("c", self.c_rank[self.d_contact] + 1, 6),
            "created_at": A.timestamps(self.d_created),
            "stage": A.pick(["won", "open", "lost"], self.d_stage),
            "closed_at": A.timestamps(self.d_closed, valid=closed_ok),
            "amount": A.numbers(self.d_amount, decimals=2),
            "currency": A.pick(["EUR", "USD"], self.d_usd.astype("int64")),
        }, nd)

    # ------------------------------------------------------------------ inbox
    def _messages(self) -> None:
        rng = self.rng
        n = max(100, self.n_visits_target // 50)
        p_net = np.array([12, 15, 25, 30, 10, 5, 2, 1], dtype="float64")
        net = rng.choice(len(NETS), n, p=p_net / p_net.sum())
        day = rng.integers(0, self.days - 1, n)
        hour = np.clip(rng.normal(14, 4.5, n), 0, 23.99)
        t_in = self.t0 + day * DAY + (hour * HOUR).astype("int64")
        needs = rng.random(n) < 0.9
        answered = needs & (rng.random(n) < 0.92)
        t_out = _reply_time(rng, t_in)
        answered &= t_out < self.t_stop
        # a follow-up question in 15 % of answered threads, answered the same way
        follow = answered & (rng.random(n) < 0.15)
        t_in2 = t_out + rng.exponential(3 * HOUR, n).astype("int64") + 60
        follow &= t_in2 < self.t_stop - DAY
        t_out2 = _reply_time(rng, t_in2)
        answered2 = follow & (rng.random(n) < 0.9) & (t_out2 < self.t_stop)
        # some authors are contacts: a social-first contact, after they became a lead/customer
        is_cust = self.c_customer_t < np.iinfo("int64").max
        ready = np.where(is_cust, self.c_customer_t, self.c_lead)
        eligible = np.flatnonzero(self.c_first >= FIRST_SOCIAL)
        el_order = eligible[np.argsort(ready[eligible], kind="stable")]
        ready_sorted = ready[el_order]
        k = np.searchsorted(ready_sorted, t_in, side="left")
        from_contact = (rng.random(n) < 0.15) & (k > 0)
        who = el_order[np.minimum((rng.random(n) * k).astype("int64"), max(len(el_order) - 1, 0))]
        contact = np.where(from_contact, who, -1) if len(el_order) else np.full(n, -1)
        agents = ("Tom Becker", "Lena Fischer", "Sara Novak")
        agent = rng.integers(0, len(agents), n)
        self.m_in_t, self.m_out_t, self.m_answered, self.m_needs = t_in, t_out, answered, needs
        # rows: inbound 1, outbound 1, inbound 2, outbound 2
        parts = [
            (np.arange(n), t_in, 0, np.ones(n, bool)),
            (np.arange(n), t_out, 1, answered),
            (np.arange(n), t_in2, 0, follow),
            (np.arange(n), t_out2, 1, answered2),
        ]
        th = np.concatenate([p[0][p[3]] for p in parts])
        ts = np.concatenate([p[1][p[3]] for p in parts])
        direction = np.concatenate([np.full(int(p[3].sum()), p[2]) for p in parts])
        part = np.concatenate([np.full(int(p[3].sum()), i) for i, p in enumerate(parts)])
        order = np.lexsort((part, th, ts))
        th, ts, direction, part = th[order], ts[order], direction[order], part[order]
        nm = len(th)
        msg_id = np.arange(nm) + 1
        # in_reply_to: outbound part 1 answers part 0 of its thread, part 3 answers part 2
        key = th * 4 + part
        pos_of = np.full(n * 4, -1)
        pos_of[key] = np.arange(nm)
        reply_to = np.where(direction == 1, pos_of[th * 4 + part - 1], -1)
        inbound_q = ("Does Acme import GA4 exports?", "How much is the Team plan?",
                     "Can I track TikTok links?", "Is there a free trial?",
                     "My dashboard shows no data", "Do you support HubSpot?", "Love the webinar!")
        replies = ("Thanks for asking! Here is the guide: https://acme-analytics.com/docs",
                   "Happy to help, we sent you a DM.", "Yes! Details at https://acme-analytics.com/pricing")
        text_idx = rng.integers(0, 7, nm)
        inbound = direction == 0
        needs_m = np.where(inbound, np.where(part == 0, needs[th], True), False)
        author = np.where(inbound, th % 5000, -1)
        self._write("messages", {
            "message_id": A.ids("m", msg_id, 7),
            "network": A.pick(NETS, net[th]),
            "sent_at": A.timestamps(ts),
            "direction": A.pick(["inbound", "outbound"], direction),
            "thread_id": A.ids("t", th + 1, 6),
            "in_reply_to": A.ids("m", reply_to + 1, 7, valid=reply_to >= 0),
            "profile_id": pa.array([f"acme-{NETS[j]}" for j in net[th]]),
            "author": pa.array([f"@user{a}" if a >= 0 else "@acmeanalytics"
                                for a in author.tolist()]),
            "contact_id": A.ids("c", self.c_rank[np.maximum(contact[th], 0)] + 1, 6,
                                valid=inbound & (contact[th] >= 0)),
            "agent": A.pick(agents, agent[th], valid=~inbound),
            "text": pa.array(np.where(inbound, np.array(inbound_q, dtype=object)[text_idx],
                                      np.array(replies, dtype=object)[text_idx % 3]).tolist()),
            "needs_response": pa.array(needs_m),
        }, nm)

    def _mentions(self) -> None:
        rng = self.rng
        n = max(1500, self.n_visits_target // 25)
        brands = (BRAND, *RIVALS)
        brand = rng.choice(3, n, p=[0.40, 0.35, 0.25])
        p_net = np.array([20, 30, 10, 15, 10, 5, 5, 5], dtype="float64")
        net = rng.choice(len(NETS), n, p=p_net / p_net.sum())
        t = np.sort(self.t0 + rng.integers(0, self.t_stop - self.t0, n))
        sent_p = np.array([[0.45, 0.40, 0.15], [0.35, 0.45, 0.20], [0.30, 0.45, 0.25]])
        u = rng.random(n)
        sentiment = (u[:, None] > np.cumsum(sent_p[brand], axis=1)).sum(axis=1)
        kw_pool = (("acme analytics", "#acmeanalytics", "#socialroi", "acme"),
                   ("datawise", "#datawise", "#dataviz"), ("metricly", "#metricly", "#kpis"))
        kw = [kw_pool[b][i % len(kw_pool[b])] for b, i in
              zip(brand.tolist(), rng.integers(0, 12, n).tolist(), strict=True)]
        reach = np.round(rng.lognormal(6.5, 1.4, n)).astype("int64")
        self.mention_brand, self.mention_reach = brand, reach
        texts = ("Just tried {b}, impressive dashboards", "Anyone compared {b} with the others?",
                 "{b} support answered in minutes", "{b} pricing went up again",
                 "Great webinar by {b} today")
        self._write("mentions", {
            "mention_id": A.ids("mn", np.arange(n) + 1, 7),
            "network": A.pick(NETS, net),
            "published_at": A.timestamps(t),
            "brand": A.pick(brands, brand),
            "keyword": pa.array(kw),
            "author": A.ids("@fan", rng.integers(0, 20000, n), 5),
            "reach": reach,
            "sentiment": A.pick(["positive", "neutral", "negative"], sentiment),
            "url": A.ids(f"{SITE.replace('acme-analytics.com', 'social.example')}/m/",
                         np.arange(n) + 1, 7),
            "text": pa.array([texts[i % 5].format(b=brands[b].title()) for b, i in
                              zip(brand.tolist(), range(n), strict=True)]),
        }, n)

    # ------------------------------------------------------------------ money
    def _money_truth(self) -> dict[str, Any]:
        """Revenue per contact (EUR, in the period) and the customer journeys."""
        n = self.n_contacts
        rev = np.zeros(n)
        won = self.d_stage == 0
        np.add.at(rev, self.d_contact[won], self.d_amount_eur[won])
        np.add.at(rev, self.t_contact, self.t_eur)
        np.add.at(rev, self.t_contact, -self.t_refund_eur)
        is_cust = self.c_customer_t < np.iinfo("int64").max
        return {"revenue": rev, "is_customer": is_cust}

    def _costs_and_hours(self, money: dict[str, Any]) -> None:
        rng = self.rng
        rev, is_cust = money["revenue"], money["is_customer"]
        challenge = CAMPAIGN_CHALLENGE
        # spend and routine hours grow with the company (200,000 visits = 1)
        size = min(max(self.n_visits_target / 200_000, 0.1), 10.0)
        ci = self.campaign_names.index(challenge)
        in_campaign = self.c_first_campaign == ci
        r = float(rev[in_campaign & is_cust].sum())
        if r <= 0:
            r = 1000.0  # too small a run for any challenge customer: rule 3 cannot hold
        ad_target = round(r / 1.35, 2)  # ROI +35 % on ads alone
        labour_target = r / 0.75 - ad_target  # ROI -25 % with labour
        months = (np.datetime64(self.start, "M") + np.arange(self.days // 28 + 2)).astype(
            "datetime64[D]")
        m_start = np.maximum((months.astype("datetime64[s]").astype("int64")), self.t0)
        m_start = m_start[m_start < self.t1]
        m_end = np.concatenate((m_start[1:], [self.t1])) - DAY
        rows: dict[str, list[Any]] = {k: [] for k in ("date", "amount", "category", "currency",
                                                       "network", "campaign", "post_id",
                                                       "end_date")}

        def add(d: int, amount: float, cat: str, net: str | None = None,
                camp: str | None = None, post: str | None = None, end: int | None = None,
                cur: str = "EUR") -> None:
            rows["date"].append(d)
            rows["amount"].append(round(amount, 2))
            rows["category"].append(cat)
            rows["currency"].append(cur)
            rows["network"].append(net)
            rows["campaign"].append(camp)
            rows["post_id"].append(post)
            rows["end_date"].append(end)

        # ads: per network, campaign and month with paid posts, spread over the month
        pmonth = np.searchsorted(m_start, self.post_t, side="right") - 1
        ads = self.post_paid.copy()
        keys = sorted({(int(self.post_net[i]), int(self.post_campaign[i]), int(pmonth[i]))
                       for i in np.flatnonzero(ads)})
        ch_keys = [k for k in keys if k[1] == ci]
        ch_posts = np.array([int(((self.post_campaign == ci) & self.post_paid &
                                  (pmonth == k[2])).sum()) for k in ch_keys], dtype="float64")
        ch_amounts = np.round(ad_target * ch_posts / max(ch_posts.sum(), 1), 2)
        if len(ch_amounts):
            ch_amounts[-1] = round(ad_target - ch_amounts[:-1].sum(), 2)
        ch_map = dict(zip(ch_keys, ch_amounts.tolist(), strict=True))
        for net_j, camp_j, mon in keys:
            npost = int(((self.post_net == net_j) & (self.post_campaign == camp_j) &
                         self.post_paid & (pmonth == mon)).sum())
            camp_name = self.campaign_names[camp_j] if camp_j >= 0 else "always-on"
            amount = (ch_map[(net_j, camp_j, mon)] if camp_j == ci
                      else npost * rng.uniform(400, 900) * size)
            add(int(m_start[mon]), amount, "ads", NETS[net_j], camp_name, None, int(m_end[mon]))
        for mon in range(len(m_start)):
            d, e = int(m_start[mon]), int(m_end[mon])
            add(d, rng.uniform(900, 1300) * size, "ads", None, "brand-search", None, e)
            add(d, rng.uniform(2500, 3500) * size, "ads", None, "generic-search", None, e)
            add(d, 249.0, "tools", end=e)  # social media suite
            add(d, 29.0, "tools", end=e, cur="USD")  # link shortener, billed in USD
            add(d, 2000.0 * size, "agency", end=e)  # creative agency retainer
        # content production: videos for YouTube and TikTok
        for i in np.flatnonzero(np.isin(self.post_net, (YOUTUBE - 5,))):
            add(int(self.post_t[i] // DAY * DAY), rng.uniform(300, 800) * size, "content",
                "youtube", None, str(self.post_id[i]))
        order = np.argsort(np.array(rows["date"]), kind="stable")
        nc = len(order)

        def col(name: str) -> list[Any]:
            return [rows[name][i] for i in order]

        end = np.array([e if e is not None else 0 for e in col("end_date")], dtype="int64")
        self._write("costs", {
            "date": A.dates(np.array(col("date"), dtype="int64")),
            "amount": A.numbers(np.array(col("amount")), decimals=2),
            "category": pa.array(col("category")), "currency": pa.array(col("currency")),
            "network": pa.array(col("network"), pa.string()),
            "campaign": pa.array(col("campaign"), pa.string()),
            "post_id": pa.array(col("post_id"), pa.string()),
            "end_date": A.dates(end, valid=np.array([e is not None for e in col("end_date")])),
        }, nc)
        amounts_eur = [a * (float(self.fx.at(np.array([d]))[0]) if c == "USD" else 1.0)
                       for a, c, d in zip(rows["amount"], rows["currency"], rows["date"],
                                          strict=True)]
        self.cost_total = float(sum(amounts_eur))
        self.cost_by_network: dict[str, float] = {}
        for a, net in zip(amounts_eur, rows["network"], strict=True):
            if net is not None:
                self.cost_by_network[net] = self.cost_by_network.get(net, 0.0) + a
        self.challenge_ad_cost = float(sum(
            a for a, c in zip(rows["amount"], rows["campaign"], strict=True) if c == challenge))
        # staff hours: weekly entries (Mondays)
        weeks = np.arange(self.t0, self.t1, 7 * DAY)
        people = (("Lena Fischer", 62.0), ("Tom Becker", 38.0), ("Aylin Kaya", 45.0),
                  ("Marco Rossi", 70.0), ("Julia Weber", 80.0))
        hrows: list[tuple[int, str, float, float, str | None, str | None, str]] = []
        for w in weeks.tolist():
            for net, h in (("linkedin", 3.0), ("x", 2.0), ("facebook", 2.0), ("instagram", 3.0)):
                hrows.append((w, "Lena Fischer", h + rng.integers(0, 3) * 0.5, 62.0, net, None,
                              "publishing"))
            hrows.append((w, "Lena Fischer", 2.0, 62.0, None, None, "reporting"))
            for net, h in (("facebook", 3.0), ("instagram", 4.0), ("x", 2.0), ("linkedin", 1.5)):
                hrows.append((w, "Tom Becker", h + rng.integers(0, 3) * 0.5, 38.0, net, None,
                              "community management"))
            for net, h in (("instagram", 6.0), ("tiktok", 4.0), ("youtube", 5.0)):
                hrows.append((w, "Aylin Kaya", h + rng.integers(0, 3) * 0.5, 45.0, net, None,
                              "content creation"))
            hrows.append((w, "Julia Weber", 3.0, 80.0, None, None, "strategy"))
        c = CAMPAIGNS[1]
        ch_lo, ch_hi = self.t0 + int(c[2] * self.days) * DAY, self.t0 + int(c[3] * self.days) * DAY
        ch_weeks = [w for w in weeks.tolist() if ch_lo <= w < ch_hi] or [int(weeks[0])]
        # at least two hours per entry, so that a small run still books its labour
        n_entries = max(1, min(len(ch_weeks), int(labour_target // (2 * 55.0))))
        ch_weeks = ch_weeks[:: max(1, len(ch_weeks) // n_entries)][:n_entries]
        per_week = labour_target / len(ch_weeks)
        for w in ch_weeks:
            hrows.append((w, "Aylin Kaya", round(per_week * 0.7 / 45.0 * 4) / 4, 45.0, "tiktok",
                          challenge, "video production"))
            hrows.append((w, "Marco Rossi", round(per_week * 0.3 / 70.0 * 4) / 4, 70.0, "tiktok",
                          challenge, "campaign management"))
        for w in weeks.tolist():
            hrows.append((w, "Marco Rossi", 4.0, 70.0, "facebook", None, "campaign management"))
        _ = people
        hrows = [
            r_ if r_[5] == challenge else
            (r_[0], r_[1], max(0.25, round(r_[2] * size * 4) / 4), *r_[3:])
            for r_ in hrows
        ]
        hrows.sort(key=lambda r: r[0])
        self.labour_total = float(sum(r[2] * r[3] for r in hrows))
        self.labour_by_network: dict[str, float] = {}
        for r_ in hrows:
            if r_[4] is not None:
                by_net = self.labour_by_network
                by_net[r_[4]] = by_net.get(r_[4], 0.0) + r_[2] * r_[3]
        self.challenge_labour = float(sum(r_[2] * r_[3] for r_ in hrows if r_[5] == challenge))
        self.challenge_revenue = float(rev[in_campaign & is_cust].sum())
        cols = list(zip(*hrows, strict=True))
        self._write("staff_hours", {
            "date": A.dates(np.array(cols[0], dtype="int64")),
            "person": pa.array(cols[1]), "hours": A.numbers(np.array(cols[2]), decimals=2),
            "hourly_rate": A.numbers(np.array(cols[3]), decimals=2),
            "currency": A.pick(["EUR"], np.zeros(len(hrows), "int64")),
            "network": pa.array(cols[4], pa.string()), "campaign": pa.array(cols[5], pa.string()),
            "activity": pa.array(cols[6]),
        }, len(hrows))

    def _goals(self) -> None:
        quarters = []
        q = np.datetime64(self.start, "M")
        end = np.datetime64(self.start, "D") + self.days
        while q.astype("datetime64[D]") < end:
            q_end = min((q + 3).astype("datetime64[D]"), end) - 1
            quarters.append((q.astype("datetime64[D]"), q_end))
            q = q + 3
        per_q = 1.0 / max(len(quarters), 1)
        n_leads = self.n_contacts
        n_cust = int((self.c_customer_t < np.iinfo("int64").max).sum())
        rows: list[tuple[str, str, str, float, str | None, str | None]] = []
        for lo, hi in quarters:
            rows.append(("leads", str(lo), str(hi), round(n_leads * per_q * 1.1), None, None))
            rows.append(("customers", str(lo), str(hi), round(n_cust * per_q * 1.1), None, None))
            rows.append(("revenue", str(lo), str(hi), round(self.revenue_total * per_q * 1.1, -3),
                         None, None))
            for net, share in (("linkedin", 0.09), ("instagram", 0.10)):
                rows.append(("leads", str(lo), str(hi), round(n_leads * per_q * share), net, None))
        c = CAMPAIGNS[1]
        lo = np.datetime64(self.start, "D") + int(c[2] * self.days)
        hi = np.datetime64(self.start, "D") + int(c[3] * self.days) - 1
        rows.append(("leads", str(lo), str(hi), max(10.0, round(n_leads * 0.03)), "tiktok",
                     CAMPAIGN_CHALLENGE))
        cols = list(zip(*rows, strict=True))
        self._write("goals", {
            "metric": pa.array(cols[0]), "period_start": pa.array(cols[1]),
            "period_end": pa.array(cols[2]), "target": pa.array(cols[3], pa.float64()),
            "network": pa.array(cols[4], pa.string()),
            "campaign": pa.array(cols[5], pa.string()),
        }, len(rows))

    # ------------------------------------------------------------------ ground truth
    def _ground_truth(self, money: dict[str, Any]) -> GroundTruth:
        rev, is_cust = money["revenue"], money["is_customer"]
        ft_key = np.where(self.c_first < 0, len(SOURCES), self.c_first)
        keys = (*SOURCES, "offline")
        first_touch: dict[str, dict[str, float]] = {}
        for k, name in enumerate(keys):
            m = ft_key == k
            first_touch[name] = {"leads": int(m.sum()), "customers": int((m & is_cust).sum()),
                                 "revenue": round(float(rev[m].sum()), 2)}
        visits_by_net = {n: int((self.v_src == FIRST_SOCIAL + j).sum())
                         for j, n in enumerate(NETS)}
        # rule 1: LinkedIn -- average won deal value and revenue per lead by first-touch network
        won = self.d_stage == 0
        deal_ft = self.c_first[self.d_contact]
        avg_deal = {}
        rpl = {}
        for j, name in enumerate(NETS):
            m = won & (deal_ft == FIRST_SOCIAL + j)
            if m.sum() >= MIN_WON_DEALS:
                avg_deal[name] = round(float(self.d_amount_eur[m].mean()), 2)
            ft = first_touch[name]
            if ft["leads"]:
                rpl[name] = round(ft["revenue"] / ft["leads"], 2)
        li_visits_rank = sorted(visits_by_net, key=lambda k: -visits_by_net[k]).index("linkedin")
        compared = [k for k in NETS if first_touch[k]["leads"] >= MIN_LEADS]
        compared_deals = [k for k in compared if k in avg_deal]
        r1 = Rule(
            "linkedin-most-valuable",
            "LinkedIn brings few visits but the most valuable customers: among networks with at "
            f"least {MIN_LEADS} first-touch leads, first-touch LinkedIn contacts have the highest "
            f"revenue per lead and (among those with at least {MIN_WON_DEALS} won deals) the "
            "highest average won deal value (EUR), while LinkedIn visits are fewer than those of "
            "X, Facebook, Instagram and TikTok.",
            {"avg_won_deal_eur_by_first_touch": avg_deal, "revenue_per_lead_by_first_touch": rpl,
             "visits_by_network": visits_by_net, "networks_compared": compared},
            "linkedin" in compared_deals
            and max(compared_deals, key=lambda k: avg_deal[k]) == "linkedin"
            and max(compared, key=lambda k: rpl[k]) == "linkedin" and li_visits_rank >= 4,
        )
        # rule 2: X assists -- customer journeys (visits before becoming customer, 90 days)
        cv = np.flatnonzero(self.v_contact >= 0)
        vc = self.v_contact[cv]
        cust_t = self.c_customer_t[vc]
        before = is_cust[vc] & (self.v_t[cv] <= cust_t) & (self.v_t[cv] >= cust_t - 90 * DAY)
        jv, jc = cv[before], vc[before]
        n_cust_web = len(np.unique(jc))
        x_touch = len(np.unique(jc[self.v_src[jv] == X]))
        first_t = np.full(self.n_contacts, np.iinfo("int64").max)
        last_t = np.full(self.n_contacts, -1)
        np.minimum.at(first_t, jc, self.v_t[jv])
        np.maximum.at(last_t, jc, self.v_t[jv])
        x_first = int(((self.v_t[jv] == first_t[jc]) & (self.v_src[jv] == X)).sum())
        x_last = int(((self.v_t[jv] == last_t[jc]) & (self.v_src[jv] == X)).sum())
        x_visits = int((self.v_src == X).sum())
        x_conv = int(((self.v_src == X) & (self.v_kind > 0)).sum())
        def share(a: int) -> float:
            return round(a / n_cust_web, 4) if n_cust_web else 0.0

        r2 = Rule(
            "x-assists",
            "X mostly assists: X visits appear on many customer journeys (90-day window) but X "
            "is rarely the first touch and rarely the last touch of a customer, and X visits "
            "almost never convert directly.",
            {"customers_with_web_journey": n_cust_web, "share_with_x_touch": share(x_touch),
             "share_x_first_touch": share(x_first), "share_x_last_touch": share(x_last),
             "x_visits": x_visits, "x_conversion_visits": x_conv},
            share(x_touch) >= 0.15 and share(x_first) <= 0.05 and share(x_last) <= 0.05,
        )
        # rule 3: the TikTok challenge
        rv, ad, lab = self.challenge_revenue, self.challenge_ad_cost, self.challenge_labour
        roi = (rv - ad) / ad if ad else None
        roi_l = (rv - ad - lab) / (ad + lab) if ad + lab else None
        r3 = Rule(
            "tiktok-challenge-labour",
            f"Campaign '{CAMPAIGN_CHALLENGE}' pays off on ad cost alone but not once its staff "
            "hours are counted: revenue (EUR, period) of customers whose first touch is the "
            "campaign lies between its ad cost and its ad cost plus labour.",
            {"campaign": CAMPAIGN_CHALLENGE, "revenue": round(rv, 2), "ad_cost": round(ad, 2),
             "labour_cost": round(lab, 2),
             "roi": None if roi is None else round(roi, 4),
             "roi_with_labour": None if roi_l is None else round(roi_l, 4)},
            ad < rv < ad + lab,
        )
        # rule 4: Instagram engagement vs revenue
        er = {n: round(float(self.pm_engagements[j] / self.pm_impressions[j] * 100), 3)
              for j, n in enumerate(NETS) if self.pm_impressions[j]}
        total_rpl = float(rev.sum() / max(self.n_contacts, 1))
        r4 = Rule(
            "instagram-engaging-not-paying",
            "Instagram has the highest engagement rate by impressions (reactions + comments + "
            "shares + saves + clicks over impressions) but a revenue per lead below the average "
            "over all leads and far below LinkedIn's.",
            {"engagement_rate_pct_by_network": er, "revenue_per_lead_by_first_touch": rpl,
             "revenue_per_lead_all": round(total_rpl, 2)},
            max(er, key=lambda k: er[k]) == "instagram"
            and rpl.get("instagram", 0.0) < total_rpl,
        )
        # rule 5: weekend response times
        ans = self.m_answered
        frt = (self.m_out_t - self.m_in_t)[ans] / 60.0
        dow = ((self.m_in_t[ans] // DAY) + 3) % 7  # 0 = Monday
        wk = dow >= 5
        med_we = float(np.median(frt[wk])) if wk.any() else 0.0
        med_wd = float(np.median(frt[~wk])) if (~wk).any() else 0.0
        r5 = Rule(
            "weekend-slow-replies",
            "Replies to inbound messages are much slower at weekends: the median first response "
            "time of messages received on Saturday or Sunday (UTC) is more than five times that "
            "of messages received Monday to Friday.",
            {"median_first_response_minutes_weekend": round(med_we, 1),
             "median_first_response_minutes_weekday": round(med_wd, 1),
             "inbound_needing_response": int(self.m_needs.sum()), "answered": int(ans.sum())},
            med_we > 5 * med_wd,
        )
        # rule 6: CLV social vs non-social
        social_touch = np.zeros(self.n_contacts, dtype=bool)
        social_touch[jc[self.v_src[jv] >= FIRST_SOCIAL]] = True
        cust = np.flatnonzero(is_cust)
        soc = cust[social_touch[cust]]
        non = cust[~social_touch[cust]]
        clv_s = float(rev[soc].mean()) if len(soc) else 0.0
        clv_n = float(rev[non].mean()) if len(non) else 0.0
        r6 = Rule(
            "social-customers-worth-more",
            "Customers with at least one social touchpoint before becoming a customer have a "
            "higher historical CLV (revenue to date per customer, EUR) than the others.",
            {"clv_social": round(clv_s, 2), "clv_non_social": round(clv_n, 2),
             "social_customers": len(soc), "non_social_customers": len(non)},
            clv_s > clv_n,
        )
        # rule 7: share of voice
        nm = len(self.mention_brand)
        sov = {b: round(float((self.mention_brand == i).sum() / nm), 4)
               for i, b in enumerate((BRAND, *RIVALS))}
        r7 = Rule(
            "share-of-voice",
            "Acme's share of voice by mentions is about 40 %; datawise and metricly share the "
            "rest (about 35 % and 25 %).",
            {"share_of_voice": sov, "mentions": nm},
            0.34 <= sov[BRAND] <= 0.46,
        )
        revenue_total = float(rev.sum())
        n_visits = len(self.v_t)
        totals = {
            "visits": n_visits, "visitors": self.n_visitors, "leads": self.n_contacts,
            "customers": int(is_cust.sum()), "revenue": round(revenue_total, 2),
            "cost": round(self.cost_total, 2),
            "cost_with_labour": round(self.cost_total + self.labour_total, 2),
            "labour": round(self.labour_total, 2),
        }
        return GroundTruth(
            seed=self.seed, visits=n_visits,
            period_from=str(self.start),
            period_to=str(np.datetime64(self.start, "D") + self.days - 1),
            currency="EUR", brand=BRAND, rivals=RIVALS, counts=dict(self.counts),
            totals=totals, first_touch=first_touch, rules=(r1, r2, r3, r4, r5, r6, r7),
        )

    @property
    def revenue_total(self) -> float:
        return float(self._money_truth()["revenue"].sum())


def _reply_time(rng: np.random.Generator, t_in: Arr) -> Arr:
    """When an agent replies: Mon-Fri 08:00-16:00 UTC; otherwise from the next opening."""
    n = len(t_in)
    day = t_in // DAY
    sec = t_in % DAY
    dow = (day + 3) % 7  # 0 = Monday
    open_s, close_s = 8 * HOUR, 16 * HOUR
    in_hours = (dow < 5) & (sec >= open_s) & (sec < close_s)
    # next opening: today 08:00 if before it on a weekday, else the next weekday's 08:00
    next_day = day + np.where((dow < 5) & (sec < open_s), 0, 1)
    nd_dow = (next_day + 3) % 7
    next_day = next_day + np.where(nd_dow == 5, 2, np.where(nd_dow == 6, 1, 0))
    opening = next_day * DAY + open_s
    quick = rng.lognormal(math.log(25 * 60), 0.8, n)
    backlog = rng.lognormal(math.log(45 * 60), 0.7, n)
    return np.where(in_hours, t_in + quick, opening + backlog).astype("int64")


def _readme(truth: GroundTruth) -> str:
    t = truth.totals
    lines = [
        "# Acme Analytics (demo company)",
        "",
        "Acme Analytics (brand `acme`) is a B2B/B2C software firm based in Berlin. It sells "
        "subscriptions to its social-analytics product through a sales team (deals, in EUR and "
        "some in USD) and runs a small web shop for templates, courses and workshop tickets. "
        "Base currency EUR, time zone Europe/Berlin. Rivals tracked in mentions: "
        + ", ".join(truth.rivals) + ".",
        "",
        f"Period {truth.period_from} to {truth.period_to}, seed {truth.seed}: "
        f"{t['visits']:,} visits by {t['visitors']:,} visitors, {t['leads']:,} leads, "
        f"{t['customers']:,} customers, revenue EUR {t['revenue']:,.2f}.",
        "",
        "One canonical CSV per entity (see the data contract); `ground_truth.json` lists the "
        "rules the data follows and the figures that prove them:",
        "",
    ]
    lines += [f"- **{r.id}**: {r.statement}" for r in truth.rules]
    lines += ["", "Rows per file:", ""]
    lines += [f"- `{k}.csv`: {v:,}" for k, v in sorted(truth.counts.items())]
    return "\n".join(lines) + "\n"
