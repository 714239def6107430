"""The demo's known rules, recomputed from the CSV files with pandas (independently of numpy state).

Each test rebuilds the figure the rule names from the canonical files alone (first touch = the
visitor's first web event; revenue = won deals at close + purchases - refunds, in EUR with the
fx rate in force on the day) and checks both the statement and the figure in ground_truth.json.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import pytest

from socialroi.demo import CAMPAIGN_CHALLENGE, GroundTruth

F = dict[str, pd.DataFrame]

# referrer host (minus www.) -> network, as in channels.md section 3
SOCIAL_HOSTS = {
    "linkedin.com": "linkedin", "lnkd.in": "linkedin", "t.co": "x", "twitter.com": "x",
    "l.facebook.com": "facebook", "m.facebook.com": "facebook", "facebook.com": "facebook",
    "l.instagram.com": "instagram", "instagram.com": "instagram", "tiktok.com": "tiktok",
    "youtube.com": "youtube", "m.youtube.com": "youtube", "l.threads.net": "threads",
    "bsky.app": "bluesky", "go.bsky.app": "bluesky",
}  # fmt: skip
NETS = ("linkedin", "x", "facebook", "instagram", "tiktok", "youtube", "threads", "bluesky")


def _network(row_source: object, row_referrer: object) -> str | None:
    if isinstance(row_source, str):
        return row_source if row_source in NETS else None
    if isinstance(row_referrer, str):
        host = urlsplit(row_referrer).hostname or ""
        host = host.removeprefix("www.")
        return SOCIAL_HOSTS.get(host)
    return None


def _ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True, format="ISO8601")


def _to_eur(frames: F, when: pd.Series, amount: pd.Series, currency: pd.Series) -> pd.Series:
    fx = (
        frames["fx_rates"]
        .assign(date=lambda d: pd.to_datetime(d["date"]), rate=lambda d: pd.to_numeric(d["rate"]))
        .sort_values("date")
    )
    naive = when.dt.tz_convert(None).to_numpy()
    left = pd.DataFrame({"t": naive, "i": range(len(when))}).sort_values("t")
    rates = pd.merge_asof(left, fx[["date", "rate"]], left_on="t", right_on="date")
    rate = rates.sort_values("i")["rate"].to_numpy()
    amt = pd.to_numeric(amount).to_numpy()
    return pd.Series(
        amt * (currency.to_numpy() == "USD") * rate + amt * (currency.to_numpy() != "USD"),
        index=amount.index,
    )


@pytest.fixture(scope="module")
def people(frames: F) -> pd.DataFrame:
    """One row per contact: first-touch network/campaign, revenue (EUR), customer time."""
    ev = frames["web_events"].copy()
    ev["t"] = _ts(ev["occurred_at"])
    first = ev.sort_values(["t", "event_id"]).groupby("visitor_id").head(1).set_index("visitor_id")
    c = frames["contacts"].copy()
    c["first_network"] = [
        _network(s, r)
        for s, r in zip(
            c["visitor_id"].map(first["utm_source"]),
            c["visitor_id"].map(first["referrer"]),
            strict=True,
        )
    ]
    c["first_campaign"] = c["visitor_id"].map(first["utm_campaign"])
    deals = frames["deals"]
    won = deals[deals["stage"] == "won"].copy()
    won["eur"] = _to_eur(frames, _ts(won["closed_at"]), won["amount"], won["currency"])
    money = ev[ev["event"].isin(["purchase", "refund"])].copy()
    money["eur"] = _to_eur(frames, money["t"], money["revenue"], money["currency"])
    visitor_of = c.set_index("contact_id")["visitor_id"]
    rev = won.groupby("contact_id")["eur"].sum()
    shop = money.groupby("visitor_id")["eur"].sum()
    c["revenue"] = c["contact_id"].map(rev).fillna(0) + c["visitor_id"].map(shop).fillna(0)
    c["customer_at"] = _ts(c["became_customer_at"])
    c["avg_won_deal"] = c["contact_id"].map(won.groupby("contact_id")["eur"].mean())
    c["won_deals"] = c["contact_id"].map(won.groupby("contact_id").size()).fillna(0)
    assert visitor_of.notna().sum() > 0
    return c


def test_rule_linkedin_most_valuable(people: pd.DataFrame, truth: GroundTruth) -> None:
    rule = truth.rule("linkedin-most-valuable")
    assert rule.holds
    social = people[people["first_network"].notna()]
    by = social.groupby("first_network")
    leads = by.size()
    rpl = by["revenue"].sum() / leads
    compared = leads[leads >= 10].index
    assert rpl[compared].idxmax() == "linkedin"
    deals = social.loc[social["won_deals"] > 0]
    # average won deal value by first-touch network, over deals (sum / count)
    sums = (deals["avg_won_deal"] * deals["won_deals"]).groupby(deals["first_network"]).sum()
    counts = deals.groupby("first_network")["won_deals"].sum()
    avg = (sums / counts)[[n for n in compared if counts.get(n, 0) >= 3]]
    assert avg.idxmax() == "linkedin"
    assert avg["linkedin"] == pytest.approx(
        rule.figures["avg_won_deal_eur_by_first_touch"]["linkedin"], abs=0.01
    )
    assert rpl["linkedin"] == pytest.approx(
        rule.figures["revenue_per_lead_by_first_touch"]["linkedin"], abs=0.01
    )
    visits = rule.figures["visits_by_network"]
    assert all(visits["linkedin"] < visits[n] for n in ("x", "facebook", "instagram", "tiktok"))


def test_rule_tiktok_challenge(frames: F, people: pd.DataFrame, truth: GroundTruth) -> None:
    rule = truth.rule("tiktok-challenge-labour")
    assert rule.holds
    campaign = people[
        (people["first_campaign"] == CAMPAIGN_CHALLENGE) & people["customer_at"].notna()
    ]
    revenue = campaign["revenue"].sum()
    costs = frames["costs"]
    ad_cost = pd.to_numeric(costs.loc[costs["campaign"] == CAMPAIGN_CHALLENGE, "amount"]).sum()
    hours = frames["staff_hours"]
    h = hours[hours["campaign"] == CAMPAIGN_CHALLENGE]
    labour = (pd.to_numeric(h["hours"]) * pd.to_numeric(h["hourly_rate"])).sum()
    assert ad_cost < revenue < ad_cost + labour  # ROI > 0 on ads, < 0 with labour
    assert revenue == pytest.approx(rule.figures["revenue"], abs=0.05)
    assert ad_cost == pytest.approx(rule.figures["ad_cost"], abs=0.05)
    assert labour == pytest.approx(rule.figures["labour_cost"], abs=0.05)


@pytest.fixture(scope="module")
def journeys(frames: F, people: pd.DataFrame) -> pd.DataFrame:
    """Visit landings (events with tags or an external referrer) of customers, 90 days before."""
    ev = frames["web_events"]
    external = ev["referrer"].notna() & ~ev["referrer"].fillna("").str.contains("acme-analytics")
    landing = ev[ev["utm_source"].notna() | external].copy()
    landing["network"] = [
        _network(s, r) for s, r in zip(landing["utm_source"], landing["referrer"], strict=True)
    ]
    landing["t"] = _ts(landing["occurred_at"])
    cust = people[people["customer_at"].notna() & people["visitor_id"].notna()]
    j = landing.merge(cust[["visitor_id", "customer_at"]], on="visitor_id")
    j = j[(j["t"] <= j["customer_at"]) & (j["t"] >= j["customer_at"] - pd.Timedelta(days=90))]
    return j.sort_values(["visitor_id", "t"])


def test_rule_x_assists(journeys: pd.DataFrame, truth: GroundTruth) -> None:
    assert truth.rule("x-assists").holds
    j = journeys
    n = j["visitor_id"].nunique()
    with_x = j.loc[j["network"] == "x", "visitor_id"].nunique() / n
    first_x = (j.groupby("visitor_id").head(1)["network"] == "x").sum() / n
    # last non-direct touch (direct visits carry neither tags nor referrer, so are not here)
    last_x = (j.groupby("visitor_id").tail(1)["network"] == "x").sum() / n
    assert with_x >= 0.15
    assert first_x <= 0.05 and last_x <= 0.05


def test_rule_instagram_engagement(frames: F, people: pd.DataFrame, truth: GroundTruth) -> None:
    assert truth.rule("instagram-engaging-not-paying").holds
    pm = frames["post_metrics"].merge(frames["posts"][["post_id", "profile_id"]], on="post_id")
    pm = pm.merge(frames["profiles"][["profile_id", "network"]], on="profile_id")
    cols = ["impressions", "reactions", "comments", "shares", "saves", "clicks"]
    pm[cols] = pm[cols].apply(pd.to_numeric)
    by = pm.groupby("network")[cols].sum()
    er = by[cols[1:]].sum(axis=1) / by["impressions"]
    assert er.idxmax() == "instagram"
    insta = people[people["first_network"] == "instagram"]
    assert insta["revenue"].mean() < people["revenue"].mean()


def test_rule_weekend_replies(frames: F, truth: GroundTruth) -> None:
    assert truth.rule("weekend-slow-replies").holds
    m = frames["messages"]
    inbound = m[m["direction"] == "inbound"].set_index("message_id")
    out = m[m["direction"] == "outbound"]
    first_reply = out.assign(t=_ts(out["sent_at"])).groupby("in_reply_to")["t"].min()
    answered = inbound.join(first_reply.rename("reply_t"), how="inner")
    minutes = (answered["reply_t"] - _ts(answered["sent_at"])).dt.total_seconds() / 60
    weekend = _ts(answered["sent_at"]).dt.dayofweek >= 5
    assert minutes[weekend].median() > 5 * minutes[~weekend].median()


def test_rule_social_clv(journeys: pd.DataFrame, people: pd.DataFrame, truth: GroundTruth) -> None:
    rule = truth.rule("social-customers-worth-more")
    assert rule.holds
    social_visitors = set(journeys.loc[journeys["network"].notna(), "visitor_id"])
    cust = people[people["customer_at"].notna()]
    is_social = cust["visitor_id"].isin(social_visitors)
    clv_social, clv_other = (
        cust.loc[is_social, "revenue"].mean(),
        cust.loc[~is_social, "revenue"].mean(),
    )
    assert clv_social > clv_other
    assert clv_social == pytest.approx(rule.figures["clv_social"], abs=0.01)
    assert clv_other == pytest.approx(rule.figures["clv_non_social"], abs=0.01)


def test_rule_share_of_voice(frames: F, truth: GroundTruth) -> None:
    assert truth.rule("share-of-voice").holds
    share = frames["mentions"]["brand"].value_counts(normalize=True)
    assert 0.34 <= share["acme"] <= 0.46
    assert set(share.index) == {"acme", "datawise", "metricly"}


def test_first_touch_totals_match_files(people: pd.DataFrame, truth: GroundTruth) -> None:
    assert truth.totals["leads"] == len(people)
    assert truth.totals["customers"] == int(people["customer_at"].notna().sum())
    assert truth.totals["revenue"] == pytest.approx(people["revenue"].sum(), abs=0.5)
    li = people[people["first_network"] == "linkedin"]
    assert truth.first_touch["linkedin"]["leads"] == len(li)
    assert truth.first_touch["linkedin"]["revenue"] == pytest.approx(li["revenue"].sum(), abs=0.5)
