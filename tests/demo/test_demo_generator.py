"""The demo files: deterministic, canonical, consistent with each other, and of the asked size."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import socialroi.demo
from socialroi.demo import GroundTruth, generate
from socialroi.schema import ENTITIES, NETWORKS, ColumnType

SMALL_VISITS = 20_000  # as in conftest.py

ID_COLUMNS = {
    "web_events": "event_id", "contacts": "contact_id", "deals": "deal_id",
    "posts": "post_id", "links": "code", "messages": "message_id", "mentions": "mention_id",
    "profiles": "profile_id",
}  # fmt: skip


def test_exported_names() -> None:
    assert socialroi.demo.__all__ == [
        "BRAND", "CAMPAIGN_CHALLENGE", "RIVALS", "GroundTruth", "Rule", "generate",
    ]  # fmt: skip


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    a = _files_of(tmp_path / "a", seed=7)
    b = _files_of(tmp_path / "b", seed=7)
    c = _files_of(tmp_path / "c", seed=8)
    assert a == b
    assert set(a) == set(c)
    assert a["web_events.csv"] != c["web_events.csv"]
    assert a["deals.csv"] != c["deals.csv"]


def _files_of(path: Path, seed: int) -> dict[str, bytes]:
    generate(path, seed=seed, visits=3_000)
    return _files(path)


def test_every_entity_written_with_readme_and_truth(demo_dir: Path, truth: GroundTruth) -> None:
    names = {p.name for p in demo_dir.iterdir()}
    assert names == {f"{e}.csv" for e in ENTITIES} | {"ground_truth.json", "README.md"}
    assert set(truth.counts) == set(ENTITIES)
    assert "Acme Analytics" in (demo_dir / "README.md").read_text("utf-8")


@pytest.mark.parametrize("name", list(ENTITIES))
def test_canonical_columns_and_values(
    name: str, demo_dir: Path, frames: dict[str, pd.DataFrame], truth: GroundTruth
) -> None:
    entity = ENTITIES[name]
    header = (demo_dir / f"{name}.csv").read_text("utf-8").split("\n", 1)[0]
    assert header.replace('"', "").split(",") == list(entity.column_names)
    df = frames[name]
    assert len(df) == truth.counts[name] > 0
    for col in entity.columns:
        values = df[col.name].dropna()
        if col.required:
            assert df[col.name].notna().all(), f"{name}.{col.name} has empty required cells"
        if col.choices:
            assert set(values) <= set(col.choices), f"{name}.{col.name}"
        if col.type is ColumnType.NETWORK:
            assert set(values) <= set(NETWORKS), f"{name}.{col.name}"
        elif col.type is ColumnType.TIMESTAMP:
            assert values.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
            pd.to_datetime(values, utc=True, format="ISO8601")
        elif col.type is ColumnType.DATE:
            assert values.str.fullmatch(r"\d{4}-\d\d-\d\d").all()
            pd.to_datetime(values, format="%Y-%m-%d")
        elif col.type in (ColumnType.NUMBER, ColumnType.INTEGER):
            pd.to_numeric(values)
        elif col.type is ColumnType.BOOLEAN:
            assert set(values) <= {"true", "false"}
        elif col.type is ColumnType.CURRENCY:
            assert set(values) <= {"EUR", "USD"}
    if name in ID_COLUMNS:
        assert df[ID_COLUMNS[name]].is_unique
    elif entity.key:
        assert not df.duplicated(list(entity.key)).any()


def test_visits_parameter_is_honoured(frames: dict[str, pd.DataFrame], truth: GroundTruth) -> None:
    ev = frames["web_events"].copy()
    ev["t"] = pd.to_datetime(ev["occurred_at"], utc=True, format="ISO8601")
    ev = ev.sort_values(["visitor_id", "t"])
    gap = ev.groupby("visitor_id")["t"].diff()
    sessions = int((gap.isna() | (gap > pd.Timedelta(minutes=30))).sum())
    assert abs(sessions - SMALL_VISITS) <= 0.1 * SMALL_VISITS
    assert abs(truth.totals["visits"] - SMALL_VISITS) <= 0.1 * SMALL_VISITS


def test_clicks_open_visits_with_the_same_click_id(frames: dict[str, pd.DataFrame]) -> None:
    ev, clicks, links = frames["web_events"], frames["clicks"], frames["links"]
    tagged = ev[ev["click_id"].notna()]
    merged = tagged.merge(clicks, on="click_id", suffixes=("", "_click"), validate="one_to_one")
    assert len(merged) == len(tagged)
    assert (merged["visitor_id"] == merged["visitor_id_click"]).all()
    opened = pd.to_datetime(merged["occurred_at"], utc=True) - pd.to_datetime(
        merged["clicked_at"], utc=True
    )
    assert opened.between(pd.Timedelta(0), pd.Timedelta(minutes=1)).all()
    assert set(clicks["code"]) <= set(links["code"])
    bots = clicks["user_agent"].str.contains("facebookexternalhit|Twitterbot|LinkedInBot")
    assert bots.any() and clicks.loc[bots, "visitor_id"].isna().all()
    # the visit's utm_content names the post of the clicked link
    by_code = links.set_index("code")["post_id"]
    assert (merged["utm_content"] == merged["code"].map(by_code)).all()


def test_sources_mix(frames: dict[str, pd.DataFrame]) -> None:
    ev = frames["web_events"]
    pairs = set(
        zip(ev["utm_source"].dropna(), ev.loc[ev["utm_source"].notna(), "utm_medium"], strict=True)
    )
    assert {
        ("google", "cpc"),
        ("google", "organic"),
        ("newsletter", "email"),
        ("linkedin", "social"),
        ("tiktok", "paid_social"),
    } <= pairs
    refs = set(ev.loc[ev["utm_source"].isna(), "referrer"].dropna())
    for host in (
        "https://www.google.com/",
        "https://l.facebook.com/",
        "https://t.co/",
        "https://lnkd.in/",
        "https://www.linkedin.com/",
    ):
        assert host in refs
    assert set(ev["event"]) == {"pageview", "identify", "lead", "purchase", "refund"}


def test_contacts_visit_before_their_lead(frames: dict[str, pd.DataFrame]) -> None:
    ev, contacts = frames["web_events"], frames["contacts"]
    first = ev.groupby("visitor_id")["occurred_at"].min()
    web = contacts[contacts["visitor_id"].notna()]
    assert len(web) > 0.9 * len(contacts)
    assert (web["visitor_id"].map(first) < web["became_lead_at"]).all()
    identify = ev[ev["event"] == "identify"]
    assert identify["email"].notna().all() and identify["contact_id"].notna().all()
    assert set(identify["contact_id"]) <= set(contacts["contact_id"])
    assert set(contacts["original_source"]) >= {
        "SOCIAL_MEDIA",
        "PAID_SOCIAL",
        "ORGANIC_SEARCH",
        "PAID_SEARCH",
        "DIRECT_TRAFFIC",
        "OFFLINE",
    }


def test_orders_refunds_and_deals_hang_together(frames: dict[str, pd.DataFrame]) -> None:
    ev, items, deals = frames["web_events"], frames["order_items"], frames["deals"]
    purchases = ev[ev["event"] == "purchase"]
    refunds = ev[ev["event"] == "refund"]
    assert purchases["transaction_id"].is_unique
    assert set(purchases["transaction_id"]) == set(items["transaction_id"])
    assert set(refunds["transaction_id"]) <= set(purchases["transaction_id"])
    assert (pd.to_numeric(refunds["revenue"]) < 0).all()
    assert {"EUR", "USD"} <= set(purchases["currency"])
    lines = items.assign(v=pd.to_numeric(items["price"]) * pd.to_numeric(items["quantity"]))
    totals = lines.groupby("transaction_id")["v"].sum()
    got = pd.to_numeric(purchases.set_index("transaction_id")["revenue"])
    assert (abs(got - totals.reindex(got.index)) < 0.01).all()
    assert set(deals["stage"]) == {"open", "won", "lost"}
    assert deals.loc[deals["stage"] == "open", "closed_at"].isna().all()
    assert deals.loc[deals["stage"] != "open", "closed_at"].notna().all()
    assert {"EUR", "USD"} <= set(deals["currency"])
    assert set(deals["contact_id"]) <= set(frames["contacts"]["contact_id"])


def test_social_content(frames: dict[str, pd.DataFrame]) -> None:
    posts, profiles, metrics = frames["posts"], frames["profiles"], frames["post_metrics"]
    owned = profiles[profiles["owned"] == "true"]
    assert {"linkedin", "x", "facebook", "instagram", "tiktok", "youtube"} <= set(owned["network"])
    assert set(profiles.loc[profiles["owned"] == "false", "brand"]) == {"datawise", "metricly"}
    assert {"A", "B"} <= set(posts["variant"].dropna())
    assert {"true", "false"} == set(posts["paid"])
    assert "tiktok-challenge" in set(posts["campaign"])
    assert set(metrics["post_id"]) == set(posts["post_id"])
    assert set(frames["links"]["post_id"]) == set(posts["post_id"])
    fx = pd.to_numeric(frames["fx_rates"]["rate"])
    assert fx.between(0.88, 0.97).all()


def test_inbox_costs_hours_goals(frames: dict[str, pd.DataFrame]) -> None:
    msgs = frames["messages"]
    out = msgs[msgs["direction"] == "outbound"]
    assert set(out["in_reply_to"]) <= set(msgs["message_id"])
    assert out["agent"].notna().all()
    inbound = msgs[msgs["direction"] == "inbound"]
    assert inbound["contact_id"].notna().any()
    answered = set(out["in_reply_to"])
    assert (~inbound["message_id"].isin(answered)).any()  # some are never answered
    costs, hours = frames["costs"], frames["staff_hours"]
    assert set(costs["category"]) == {"ads", "tools", "agency", "content"}
    assert costs["network"].isna().any() and costs["end_date"].notna().any()
    assert pd.to_numeric(hours["hourly_rate"]).between(35, 80).all()
    assert hours["network"].isna().any()
    goals = frames["goals"]
    assert {"leads", "customers", "revenue"} <= set(goals["metric"])
    assert goals["network"].notna().any()
