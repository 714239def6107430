"""``socialroi.summary``: the composed contract JSON (sections are tested by their packages)."""

from __future__ import annotations

import datetime as dt

from socialroi.engine import DuckDBEngine
from socialroi.summary import SECTIONS, summary


def test_sections_in_contract_order(duck: DuckDBEngine) -> None:
    result = summary(duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert list(result) == list(SECTIONS)
    assert SECTIONS == (
        "period", "currency", "totals", "social", "by_network", "by_channel", "attribution",
        "engagement", "response", "share_of_voice", "clv", "bots",
    )  # fmt: skip


def test_an_empty_workspace_has_null_ratios_and_empty_models(duck: DuckDBEngine) -> None:
    result = summary(duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert result["totals"]["roi"] is None
    assert result["attribution"]["conversions"] == 0
    assert all(credits == {} for credits in result["attribution"]["models"].values())
    assert result["response"]["response_rate"] is None
    assert result["engagement"]["by_network"] == []
    assert result["clv"] == {"social": None, "non_social": None}


def test_bot_hits_are_their_own_figure(duck: DuckDBEngine) -> None:
    """Bot hits of the period (workspace calendar), never visits, counted per bot."""
    rows = [
        # (occurred_at UTC, bot): the workspace fixture's calendar is UTC
        (dt.datetime(2025, 3, 1, 0, 0), "twitterbot"),  # first instant of the period: in
        (dt.datetime(2025, 3, 15, 12, 0), "twitterbot"),  # in
        (dt.datetime(2025, 3, 31, 23, 59), "linkedinbot"),  # last minute: in
        (dt.datetime(2025, 4, 1, 0, 0), "linkedinbot"),  # first instant after: out
        (dt.datetime(2025, 2, 28, 23, 59), "slackbot"),  # before: out
    ]
    for ts, bot in rows:
        duck.run("INSERT INTO bot_hits VALUES ('ws', 'clicks', ?, 'abc', ?, 'UA', NULL)", [ts, bot])
    duck.run(  # another workspace's hit is never counted here
        "INSERT INTO bot_hits VALUES ('other', 'events', ?, NULL, 'twitterbot', 'UA', NULL)",
        [dt.datetime(2025, 3, 2)],
    )
    result = summary(duck, "ws", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    # 2 twitterbot + 1 linkedinbot = 3; most hits first
    assert result["bots"] == {
        "hits": 3,
        "by_bot": [{"bot": "twitterbot", "hits": 2}, {"bot": "linkedinbot", "hits": 1}],
    }
    assert result["totals"]["visits"] == 0  # bots are never visits
