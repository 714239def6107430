"""Listing links a page at a time with their counts, saved templates, chosen templates and
removing an origin (the functions the management pages and the API call)."""

from __future__ import annotations

import datetime as dt

import pytest

from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError
from socialroi.tracking import (
    add_origin,
    count_links,
    create_link,
    link_counts,
    list_links,
    origins,
    remove_origin,
    set_utm_template,
    utm_templates,
)

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_pages_sorts_filters_and_counts(duck: DuckDBEngine) -> None:
    duck.ensure_workspace("b")
    for i, net in enumerate(["x", "linkedin", "x"]):
        create_link(duck, "ws", f"https://a.example/{i}", network=net, code=f"c{i}",
                    now=T0 + dt.timedelta(days=i))  # fmt: skip
    create_link(duck, "b", "https://b.example/", code="theirs")
    assert [lk.code for lk in list_links(duck, "ws")] == ["c2", "c1", "c0"]  # newest first
    assert [lk.code for lk in list_links(duck, "ws", limit=2, offset=1)] == ["c1", "c0"]
    assert [lk.code for lk in list_links(duck, "ws", sort="-code")] == ["c2", "c1", "c0"]
    assert [lk.code for lk in list_links(duck, "ws", network="x")] == ["c2", "c0"]
    assert (count_links(duck, "ws"), count_links(duck, "ws", network="x")) == (3, 2)
    with pytest.raises(ConfigError):
        list_links(duck, "ws", sort="code; DROP TABLE links")
    # 2 clicks and 1 bot on c0, one click of the other workspace on a code it does not own
    for code, ws in (("c0", "ws"), ("c0", "ws"), ("c1", "b")):
        duck.run("INSERT INTO clicks (workspace_id, code, clicked_at) VALUES (?, ?, ?)",
                 [ws, code, T0.replace(tzinfo=None)])  # fmt: skip
    duck.run("INSERT INTO bot_hits VALUES ('ws', 'clicks', ?, 'c0', 'Twitterbot', NULL, NULL)",
             [T0.replace(tzinfo=None)])  # fmt: skip
    assert link_counts(duck, "ws", ["c0", "c1", "c2"]) == {"c0": (2, 1), "c1": (0, 0), "c2": (0, 0)}
    assert link_counts(duck, "ws", []) == {}


def test_saved_and_chosen_templates(duck: DuckDBEngine) -> None:
    set_utm_template(duck, "ws", "*", {"utm_source": "{network}", "utm_medium": "organic"})
    set_utm_template(duck, "ws", "linkedin", {"utm_source": "li", "utm_campaign": "{campaign}-li"})
    saved = utm_templates(duck, "ws")
    assert list(saved) == ["", "*", "linkedin"]
    assert saved[""]["utm_medium"] == "social"  # the default rule
    # a facebook link made with the linkedin template: its values, filled for this link
    link = create_link(duck, "ws", "https://a.example/", network="facebook", campaign="spring",
                       template="linkedin")  # fmt: skip
    assert (link.utm["utm_source"], link.utm["utm_campaign"]) == ("li", "spring-li")
    own = create_link(duck, "ws", "https://a.example/", network="facebook", post_id="p")
    assert (own.utm["utm_source"], own.utm["utm_medium"]) == ("facebook", "organic")


def test_remove_origin(duck: DuckDBEngine) -> None:
    add_origin(duck, "ws", "https://Shop.example")
    assert remove_origin(duck, "ws", "https://shop.example/") is True
    assert remove_origin(duck, "ws", "https://shop.example") is False
    assert origins(duck).get("ws", frozenset()) == frozenset()
