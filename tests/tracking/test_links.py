from __future__ import annotations

from pathlib import Path

import pytest

from socialroi.engine import DuckDBEngine
from socialroi.errors import ImportRejected
from socialroi.tracking import (
    UnsafeURL,
    bulk_create,
    create_link,
    link_by_code,
    list_links,
    qr_code,
    redirect_location,
    set_utm_template,
)


def test_default_tags_and_one_link_per_post_and_network(duck: DuckDBEngine) -> None:
    a = create_link(
        duck, "ws", "https://shop.example/p", network="LinkedIn", campaign="launch", post_id="P1"
    )
    assert a.created and a.network == "linkedin"
    assert a.utm == {
        "utm_source": "linkedin",
        "utm_medium": "social",
        "utm_campaign": "launch",
        "utm_content": "P1",
        "utm_term": None,
    }
    again = create_link(duck, "ws", "https://shop.example/p", network="linkedin", post_id="P1")
    assert (again.code, again.created) == (a.code, False)
    other = create_link(duck, "ws", "https://shop.example/p", network="x", post_id="P1")
    assert other.code != a.code
    assert {lk.code for lk in list_links(duck, "ws")} == {a.code, other.code}


def test_templates_per_network(duck: DuckDBEngine) -> None:
    set_utm_template(
        duck,
        "ws",
        "*",
        {
            "utm_source": "{network}",
            "utm_medium": "organic-social",
            "utm_campaign": "{campaign}-{network}",
        },
    )
    set_utm_template(duck, "ws", "x", {"utm_source": "twitter", "utm_medium": "social"})
    li = create_link(duck, "ws", "https://a.io", network="linkedin", campaign="q1")
    x = create_link(duck, "ws", "https://a.io", network="x", campaign="q1", utm={"utm_term": "t"})
    assert li.utm["utm_medium"] == "organic-social" and li.utm["utm_campaign"] == "q1-linkedin"
    assert x.utm == {
        "utm_source": "twitter",
        "utm_medium": "social",
        "utm_campaign": None,
        "utm_content": None,
        "utm_term": "t",
    }


def test_unsafe_targets_are_refused_at_creation(duck: DuckDBEngine) -> None:
    with pytest.raises(UnsafeURL):
        create_link(duck, "ws", "javascript:alert(1)", network="x")
    assert list_links(duck, "ws") == []


def test_redirect_location_forwards_params_unless_switched_off(duck: DuckDBEngine) -> None:
    a = create_link(duck, "ws", "https://a.io/p?k=1#f", network="x", campaign="c d", code="abc")
    loc = redirect_location(a, [("ref", "nl"), ("utm_source", "evil"), ("sr_cid", "x")], "CID")
    assert loc == (
        "https://a.io/p?k=1&ref=nl&utm_source=x&utm_medium=social&utm_campaign=c+d&sr_cid=CID#f"
    )
    b = create_link(duck, "ws", "https://a.io/p", network="x", forward_params=False, code="b-2")
    assert "ref=" not in redirect_location(b, [("ref", "nl")], None)
    assert link_by_code(duck, "b-2") == b
    assert link_by_code(duck, "../etc") is None


def test_bulk_creation_checks_every_row_first(duck: DuckDBEngine, tmp_path: Path) -> None:
    bad = tmp_path / "posts.csv"
    bad.write_text(
        "post_id,network,target_url,campaign\n"
        "P1,linkedin,https://a.io/1,spring\n"
        "P2,myspace,https://a.io/2,spring\n"
        "P3,x,javascript:alert(1),spring\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as exc:
        bulk_create(duck, "ws", bad)
    got = [(p.line, p.column, p.code) for p in exc.value.problems]
    assert got == [(3, "network", "bad-network"), (4, "target_url", "bad-url")]
    assert list_links(duck, "ws") == []
    good = tmp_path / "good.csv"
    good.write_text(
        "post_id,network,target_url,campaign\nP1,linkedin,https://a.io/1,spring\n"
        "P2,x,https://a.io/2,\n",
        encoding="utf-8",
    )
    links = bulk_create(duck, "ws", good)
    assert [(lk.post_id, lk.network, lk.utm["utm_content"]) for lk in links] == [
        ("P1", "linkedin", "P1"),
        ("P2", "x", "P2"),
    ]
    assert [lk.created for lk in bulk_create(duck, "ws", good)] == [False, False]


def test_qr_codes() -> None:
    svg = qr_code("https://s.example/l/abc", "svg")
    png = qr_code("https://s.example/l/abc", "png")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
