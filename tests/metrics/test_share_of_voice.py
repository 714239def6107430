"""Share of voice on a hand-computed set of mentions; workspace ``ws`` (brand acme, UTC).

Period 2025-03-01..2025-03-31. Brands are lower-cased and trimmed (" ACME " is acme, "Rival"
is rival), keywords too ("#Launch" is #launch). 2025-03-02 is a Sunday, 03-03 a Monday.

  id   brand    keyword  reach  sentiment  published_at
  m01  acme     #launch    100  positive   03-02 20:00 (Sun)
  m02  " ACME " #launch    300  positive   03-03 08:00 (Mon)
  m03  acme     –         null  negative   03-10
  m04  rival    #launch   1000  positive   03-02 10:00 (Sun)
  m05  Rival    #launch    500  neutral    03-03 09:00
  m06  rival    –          200  negative   03-04
  m07  rival    #Launch      0  positive   03-11
  m08  rival    –          100  –          03-12 (no sentiment: a mention, in no tone)
  m09  zeta     #sale      400  negative   03-05
  m10  zeta     #sale      100  positive   03-06
  m11  acme     #launch    900  positive   02-28 23:00 (before the period)
  m12  rival    #launch    900  positive   04-01 00:00 (after the period)

By brand: acme 3 mentions (m01–m03), reach 100 + 300 + 0 = 400, positive 2, negative 1;
  rival 5 (m04–m08), reach 1000 + 500 + 200 + 0 + 100 = 1800, positive 2, neutral 1,
  negative 1; zeta 2, reach 500, positive 1, negative 1. Totals 10 mentions, reach 2700,
  positive 5.
  sov_mentions acme 3/10 = 0.3 (as 500 of 2,500 → 0.2), rival 0.5, zeta 0.2
  sov_reach 400/2700 = 0.148148…, 1800/2700 = 0.666…, 500/2700 = 0.185185…
  positive_sov 2/5 = 0.4, 0.4, 1/5 = 0.2
  net_sentiment acme (2 − 1)/3 = 0.333…, rival (2 − 1)/5 = 0.2, zeta (1 − 1)/2 = 0.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from summary_data import insert
from test_stage_value import EXPECTED_SECTION as EXPECTED_FUNNEL
from test_stage_value import seed as seed_funnel

from socialroi.engine import DuckDBEngine, Engine
from socialroi.metrics.share_of_voice import (
    SOV_COLUMNS,
    share_of_voice,
    share_of_voice_section,
    share_of_voice_trend,
)
from socialroi.metrics.stage_value import funnel_section

WS = "ws"
DATE_FROM = dt.date(2025, 3, 1)
DATE_TO = dt.date(2025, 3, 31)

MENTIONS: list[tuple[str, str, str | None, int | None, str | None, str]] = [
    ("m01", "acme", "#launch", 100, "positive", "2025-03-02 20:00:00"),
    ("m02", " ACME ", "#launch", 300, "positive", "2025-03-03 08:00:00"),
    ("m03", "acme", None, None, "negative", "2025-03-10 12:00:00"),
    ("m04", "rival", "#launch", 1000, "positive", "2025-03-02 10:00:00"),
    ("m05", "Rival", "#launch", 500, "neutral", "2025-03-03 09:00:00"),
    ("m06", "rival", None, 200, "negative", "2025-03-04 12:00:00"),
    ("m07", "rival", "#Launch", 0, "positive", "2025-03-11 12:00:00"),
    ("m08", "rival", None, 100, None, "2025-03-12 12:00:00"),
    ("m09", "zeta", "#sale", 400, "negative", "2025-03-05 12:00:00"),
    ("m10", "zeta", "#sale", 100, "positive", "2025-03-06 12:00:00"),
    ("m11", "acme", "#launch", 900, "positive", "2025-02-28 23:00:00"),
    ("m12", "rival", "#launch", 900, "positive", "2025-04-01 00:00:00"),
]


def seed_mentions(duck: DuckDBEngine, rows: list[Any] = MENTIONS, workspace: str = WS) -> None:
    keys = ("mention_id", "brand", "keyword", "reach", "sentiment", "published_at")
    for r in rows:
        insert(duck, "mentions", {"network": "x", **dict(zip(keys, r, strict=True))}, workspace)


def _row(*values: Any) -> dict[str, Any]:
    """brand, mentions, reach, sov_mentions, sov_reach, positive, neutral, negative,
    positive_sov, net_sentiment."""
    return dict(zip(("brand", *SOV_COLUMNS), values, strict=True))


def _approx(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: pytest.approx(v) if isinstance(v, float) else v for k, v in r.items()}
            for r in rows]  # fmt: skip


def _sorted(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple((r[k] is None, r[k] or "") for k in keys))


def test_share_of_voice_by_brand(duck: DuckDBEngine) -> None:
    seed_mentions(duck)
    rows = duck.execute(share_of_voice(duck.tables(WS), DATE_FROM, DATE_TO)).to_pylist()
    assert _sorted(rows, "brand") == _approx([
        _row("acme", 3, 400, 0.3, 400 / 2700, 2, 0, 1, 0.4, 1 / 3),
        _row("rival", 5, 1800, 0.5, 1800 / 2700, 2, 1, 1, 0.4, 0.2),
        _row("zeta", 2, 500, 0.2, 500 / 2700, 1, 0, 1, 0.2, 0.0),
    ])  # fmt: skip


def test_share_of_voice_by_keyword(duck: DuckDBEngine) -> None:
    # #launch: acme m01, m02 (2, reach 400, positive 2); rival m04, m05, m07 (3, reach 1500,
    #   positive 2, neutral 1); zeta none → totals 5, reach 1900, positive 4:
    #   acme 2/5 = 0.4, 400/1900, 2/4 = 0.5, net 2/2 = 1.0; rival 0.6, 1500/1900, 0.5,
    #   net 2/3; zeta 0.0, 0.0, 0/4 = 0.0, net 0/0 = null.
    # #sale: zeta m09, m10 (2, reach 500, +1 −1) → 1.0, 1.0, 1/1, net 0.0; acme and rival 0.
    # no keyword: acme m03 (1, reach 0, −1); rival m06, m08 (2, reach 300, −1) → totals 3,
    #   reach 300, positive 0: acme 1/3, 0/300 = 0.0, positive_sov 0/0 = null, net −1.0;
    #   rival 2/3, 1.0, null, net −1/2; zeta 0.0, 0.0, null, null.
    seed_mentions(duck)
    t = duck.tables(WS)
    rows = duck.execute(share_of_voice(t, DATE_FROM, DATE_TO, by="keyword")).to_pylist()
    expected = [
        ("#launch", _row("acme", 2, 400, 0.4, 400 / 1900, 2, 0, 0, 0.5, 1.0)),
        ("#launch", _row("rival", 3, 1500, 0.6, 1500 / 1900, 2, 1, 0, 0.5, 2 / 3)),
        ("#launch", _row("zeta", 0, 0, 0.0, 0.0, 0, 0, 0, 0.0, None)),
        ("#sale", _row("acme", 0, 0, 0.0, 0.0, 0, 0, 0, 0.0, None)),
        ("#sale", _row("rival", 0, 0, 0.0, 0.0, 0, 0, 0, 0.0, None)),
        ("#sale", _row("zeta", 2, 500, 1.0, 1.0, 1, 0, 1, 1.0, 0.0)),
        (None, _row("acme", 1, 0, 1 / 3, 0.0, 0, 0, 1, None, -1.0)),
        (None, _row("rival", 2, 300, 2 / 3, 1.0, 0, 0, 1, None, -0.5)),
        (None, _row("zeta", 0, 0, 0.0, 0.0, 0, 0, 0, None, None)),
    ]
    assert _sorted(rows, "keyword", "brand") == _approx([{"keyword": k, **r} for k, r in expected])


def test_share_of_voice_trend_by_week(duck: DuckDBEngine) -> None:
    # Week of Mon 02-24 (cut to 03-01..03-02): m01 acme (100, +), m04 rival (1000, +) → 2
    #   mentions, reach 1100, positive 2: acme 0.5, 100/1100, 0.5, net 1.0; rival 0.5,
    #   1000/1100, 0.5, 1.0; zeta 0.0, 0.0, 0.0, null. m01 (Sun 20:00) is not in m02's week.
    # Week of Mon 03-03: m02 acme (300, +); m05 rival (500, neutral), m06 rival (200, −);
    #   m09 zeta (400, −), m10 zeta (100, +) → 5 mentions, reach 1500, positive 2:
    #   acme 0.2, 0.2, 0.5, 1.0; rival 0.4, 700/1500, 0.0, (0 − 1)/2 = −0.5; zeta 0.4,
    #   500/1500, 0.5, 0.0.
    # Week of Mon 03-10: m03 acme (null reach, −), m07 rival (0, +), m08 rival (100, none)
    #   → 3, reach 100, positive 1: acme 1/3, 0.0, 0.0, −1.0; rival 2/3, 1.0, 1.0, 1/2 = 0.5;
    #   zeta 0.0, 0.0, 0.0, null.
    seed_mentions(duck)
    rows = duck.execute(share_of_voice_trend(duck.tables(WS), DATE_FROM, DATE_TO)).to_pylist()
    w1, w2, w3 = dt.date(2025, 2, 24), dt.date(2025, 3, 3), dt.date(2025, 3, 10)
    expected = [
        (w1, _row("acme", 1, 100, 0.5, 100 / 1100, 1, 0, 0, 0.5, 1.0)),
        (w1, _row("rival", 1, 1000, 0.5, 1000 / 1100, 1, 0, 0, 0.5, 1.0)),
        (w1, _row("zeta", 0, 0, 0.0, 0.0, 0, 0, 0, 0.0, None)),
        (w2, _row("acme", 1, 300, 0.2, 0.2, 1, 0, 0, 0.5, 1.0)),
        (w2, _row("rival", 2, 700, 0.4, 700 / 1500, 0, 1, 1, 0.0, -0.5)),
        (w2, _row("zeta", 2, 500, 0.4, 500 / 1500, 1, 0, 1, 0.5, 0.0)),
        (w3, _row("acme", 1, 0, 1 / 3, 0.0, 0, 0, 1, 0.0, -1.0)),
        (w3, _row("rival", 2, 100, 2 / 3, 1.0, 1, 0, 0, 1.0, 0.5)),
        (w3, _row("zeta", 0, 0, 0.0, 0.0, 0, 0, 0, 0.0, None)),
    ]
    got = sorted(rows, key=lambda r: (r["week"], r["brand"]))
    assert got == _approx([{"week": w, **r} for w, r in expected])


def test_weeks_are_in_the_workspace_time_zone(duck: DuckDBEngine) -> None:
    # 2025-03-02 23:30 UTC is Mon 03-03 00:30 in Paris (UTC+1): the week of 03-03, not 02-24.
    duck.ensure_workspace("paris", currency="EUR", timezone="Europe/Paris", brand="acme")
    seed_mentions(duck, [("p1", "acme", None, 10, None, "2025-03-02 23:30:00")], "paris")
    rows = duck.execute(share_of_voice_trend(duck.tables("paris"), DATE_FROM, DATE_TO))
    assert [(r["week"], r["brand"]) for r in rows.to_pylist()] == [(dt.date(2025, 3, 3), "acme")]


def test_no_mentions_gives_null_ratios(duck: DuckDBEngine) -> None:
    # Only mentions outside the period: the own brand still has its row, 0 of 0 → null.
    seed_mentions(duck, MENTIONS[-2:])
    rows = duck.execute(share_of_voice(duck.tables(WS), DATE_FROM, DATE_TO)).to_pylist()
    assert rows == [_row("acme", 0, 0, None, None, 0, 0, 0, None, None)]
    assert share_of_voice_section(duck, WS, DATE_FROM, DATE_TO) == {"acme": None}


def test_by_must_be_brand_or_keyword(duck: DuckDBEngine) -> None:
    with pytest.raises(ValueError, match="by must be"):
        share_of_voice(duck.tables(WS), DATE_FROM, DATE_TO, by="network")  # type: ignore[arg-type]


EXPECTED_SOV = {"acme": 0.3, "rival": 0.5, "zeta": 0.2}


def _sections(engine: Engine) -> dict[str, Any]:
    return {
        "share_of_voice": share_of_voice_section(engine, WS, DATE_FROM, DATE_TO),
        "funnel": funnel_section(engine, WS, DATE_FROM, DATE_TO),
    }


def test_section_is_own_brand_first(duck: DuckDBEngine) -> None:
    seed_mentions(duck)
    section = share_of_voice_section(duck, WS, DATE_FROM, DATE_TO)
    assert list(section.items()) == list(EXPECTED_SOV.items())


@pytest.mark.spark
def test_sections_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    seed_mentions(duck)
    seed_funnel(duck)
    assert same_on_both(duck, _sections) == {
        "share_of_voice": EXPECTED_SOV,
        "funnel": EXPECTED_FUNNEL,
    }
