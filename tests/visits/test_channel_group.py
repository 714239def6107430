"""GA4 default channel group: the verified examples of channels.md §1 and its regex traps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from socialroi.engine import DuckDBEngine, Engine
from socialroi.visits import CHANNELS, default_channel_group

# (source, medium, campaign, expected channel)
CASES: list[tuple[str | None, str | None, str | None, str]] = [
    # verified examples (channels.md §1)
    ("facebook", "cpc", None, "Paid Social"),
    ("l.facebook.com", "referral", None, "Organic Social"),
    ("t.co", "referral", None, "Organic Social"),
    ("x.com", "referral", None, "Referral"),  # x.com is not in Google's list
    ("youtube.com", "referral", None, "Organic Video"),
    ("youtube", "cpc", None, "Paid Video"),
    ("linkedin", "social-paid", None, "Organic Social"),  # social-paid does not match PAID
    ("tiktok", "paid", None, "Paid Social"),
    ("hootsuite", "social", None, "Organic Social"),
    ("bsky.app", "referral", None, "Referral"),
    ("mail.google.com", "referral", None, "Referral"),
    ("partner", "sponsored", None, "Unassigned"),
    ("facebook", "cpm", None, "Paid Social"),  # rule 5 precedes Display
    ("newsletter", "cpm", None, "Display"),
    ("email", "referral", None, "Referral"),  # Referral is tested before Email
    ("brevo", "newsletter", None, "Unassigned"),
    # PAID trap: cpm, ecpm, cp, paidsocial, paid_social match; the rest do not
    ("facebook", "ecpm", None, "Paid Social"),
    ("partner", "cp", None, "Paid Other"),
    ("partner", "paidsocial", None, "Paid Other"),
    ("partner", "paid_social", None, "Paid Other"),
    ("partner", "social-paid", None, "Unassigned"),
    ("partner", "boosted_post", None, "Unassigned"),
    ("partner", "pay-per-click", None, "Unassigned"),
    ("google", "ppc", None, "Paid Search"),
    ("partner", "retargeting", None, "Paid Other"),
    # SHOPCAMP trap: shop, eshop_q4, summer-shop, cyber_shop match; workshop, bishop, webshop not
    ("partner", "cpc", "shop", "Paid Shopping"),
    ("partner", "cpc", "eshop_q4", "Paid Shopping"),
    ("partner", "email", "summer-shop", "Organic Shopping"),  # rule 9 precedes Email
    ("partner", "cpc", "cyber_shop", "Paid Shopping"),
    ("partner", "cpc", "workshop", "Paid Other"),
    ("partner", "email", "bishop", "Email"),
    ("partner", "email", "webshop", "Email"),
    ("amazon", "referral", None, "Organic Shopping"),
    # the other rules
    ("(direct)", "(none)", None, "Direct"),
    ("(direct)", "(not set)", None, "Direct"),
    (None, None, None, "Direct"),
    ("google", "cpc", "pmax-cross-network", "Cross-network"),
    ("google", "organic", None, "Organic Search"),
    ("anything", "organic", None, "Organic Search"),
    ("partner", "display", None, "Display"),
    ("vimeo", "referral", None, "Organic Video"),
    ("partner", "video", None, "Organic Video"),
    ("partner", "link", None, "Referral"),
    ("newsletter", "email", None, "Email"),
    ("my_e-mail_list", "blast", None, "Email"),
    ("partner", "affiliate", None, "Affiliates"),
    ("podcast", "audio", None, "Audio"),
    ("sms", "text", None, "SMS"),
    ("app", "web-push", None, "Mobile Push Notifications"),
    ("firebase", "x", None, "Mobile Push Notifications"),
    ("Facebook", " CPC ", None, "Paid Social"),  # inputs are lower-cased and trimmed
    ("threads.net", "referral", None, "Referral"),
    ("unknown", None, None, "Unassigned"),
]


def _load(duck: DuckDBEngine) -> None:
    for i, (source, medium, campaign, _) in enumerate(CASES):
        duck.run(
            "INSERT INTO web_events (workspace_id, event_id, visitor_id, occurred_at, event, "
            "utm_source, utm_medium, utm_campaign) VALUES ('ws', ?, 'v', '2025-01-01', "
            "'pageview', ?, ?, ?)",
            [f"{i:03d}", source, medium, campaign],
        )


def _channels(engine: Engine) -> list[dict[str, Any]]:
    we = engine.tables("ws").web_events
    expr = we.select(
        "event_id", channel=default_channel_group(we.utm_source, we.utm_medium, we.utm_campaign)
    ).order_by("event_id")
    return list(engine.execute(expr).to_pylist())


def test_verified_examples(duck: DuckDBEngine) -> None:
    _load(duck)
    got = [r["channel"] for r in _channels(duck)]
    expected = [c[3] for c in CASES]
    wrong = [(c, g) for c, g in zip(CASES, got, strict=True) if c[3] != g]
    assert got == expected, wrong


def test_every_expected_channel_is_a_known_channel() -> None:
    assert {c[3] for c in CASES} <= set(CHANNELS)


@pytest.mark.spark
def test_channel_group_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[..., list[dict[str, Any]]]
) -> None:
    _load(duck)
    got = same_on_both(duck, _channels)
    assert [r["channel"] for r in got] == [c[3] for c in CASES]
