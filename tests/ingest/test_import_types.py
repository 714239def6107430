"""Every column type, its accepted spellings and its error code (``socialroi.ingest._sql``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from _ingest_helpers import where, write

from socialroi.engine import DuckDBEngine
from socialroi.errors import ImportRejected
from socialroi.ingest import import_file

T = dt.datetime
WE = "event_id,visitor_id,occurred_at,event"
DEAL = "deal_id,contact_id,created_at,stage"
PM = "post_id,date,impressions"


def _one(duck: DuckDBEngine, tmp_path: Path, entity: str, header: str, row: str) -> None:
    import_file(duck, "ws", entity, write(tmp_path, f"{entity}.csv", f"{header}\n{row}\n"))


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2025-03-01T10:00:00Z", T(2025, 3, 1, 10, 0)),
        ("2025-03-01T10:00:00+02:00", T(2025, 3, 1, 8, 0)),
        ("2025-03-01T10:00:00-0530", T(2025, 3, 1, 15, 30)),
        ("2025-03-01 10:00", T(2025, 3, 1, 10, 0)),
        ("2025-03-01T10:00:00.250", T(2025, 3, 1, 10, 0, 0, 250000)),
        ("2025-03-01", T(2025, 3, 1)),
        (" 2025-03-01T10:00:00Z ", T(2025, 3, 1, 10, 0)),
    ],
)
def test_timestamps_are_iso_8601_stored_as_utc(
    duck: DuckDBEngine, tmp_path: Path, value: str, stored: dt.datetime
) -> None:
    _one(duck, tmp_path, "web_events", "event_id,visitor_id,occurred_at,event", f"e1,v1,{value},x")
    assert duck.run("SELECT occurred_at FROM web_events") == [(stored,)]


def test_timestamps_without_offset_are_in_the_workspace_time_zone(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    duck.ensure_workspace("paris", timezone="Europe/Paris")
    path = write(
        tmp_path,
        "web_events.csv",
        "event_id,visitor_id,occurred_at,event\n"
        "w,v,2025-01-15T12:00:00,x\n"  # winter: UTC+1
        "s,v,2025-07-15 12:00,x\n"  # summer: UTC+2
        "z,v,2025-07-15T12:00:00Z,x\n"  # explicit: absolute
        "o,v,2025-07-15T12:00:00-04:00,x\n",
    )
    import_file(duck, "paris", "web_events", path)
    got = dict(duck.run("SELECT event_id, occurred_at FROM web_events"))
    assert got == {
        "w": T(2025, 1, 15, 11, 0),
        "s": T(2025, 7, 15, 10, 0),
        "z": T(2025, 7, 15, 12, 0),
        "o": T(2025, 7, 15, 16, 0),
    }
    # the session time zone is restored for everyone else
    assert duck.run("SELECT current_setting('TimeZone')") == [("UTC",)]


@pytest.mark.parametrize(
    ("entity", "header", "row", "column", "code"),
    [
        ("web_events", WE, "e,v,2025-1-1,x", "occurred_at", "bad-timestamp"),
        ("web_events", WE, "e,v,yesterday,x", "occurred_at", "bad-timestamp"),
        ("web_events", WE, "e,v,2025-13-01,x", "occurred_at", "bad-timestamp"),
        ("fx_rates", "date,currency,rate", "01/02/2025,USD,1", "date", "bad-date"),
        ("fx_rates", "date,currency,rate", "2025-02-30,USD,1", "date", "bad-date"),
        ("fx_rates", "date,currency,rate", "2025-01-01T00:00,USD,1", "date", "bad-date"),
        ("fx_rates", "date,currency,rate", "2025-01-01,USD,\"1,5\"", "rate", "bad-number"),
        ("fx_rates", "date,currency,rate", "2025-01-01,USD,nan", "rate", "bad-number"),
        ("fx_rates", "date,currency,rate", "2025-01-01,USD,-1", "rate", "bad-number"),
        ("fx_rates", "date,currency,rate", "2025-01-01,US,1", "currency", "bad-currency"),
        ("fx_rates", "date,currency,rate", "2025-01-01,€,1", "currency", "bad-currency"),
        ("post_metrics", PM, "p,2025-01-01,1.5", "impressions", "bad-integer"),
        ("post_metrics", PM, "p,2025-01-01,many", "impressions", "bad-integer"),
        ("profiles", "profile_id,network,owned", "p,x,maybe", "owned", "bad-boolean"),
        ("profiles", "profile_id,network", "p,myspace", "network", "bad-network"),
        ("deals", DEAL, "d,c,2025-01-01,pending", "stage", "bad-choice"),
        ("deals", DEAL, "d,,2025-01-01,won", "contact_id", "missing-value"),
        ("deals", DEAL, "d,c, ,won", "created_at", "missing-value"),
    ],
)  # fmt: skip
def test_a_bad_cell_names_line_column_and_code(
    duck: DuckDBEngine, tmp_path: Path, entity: str, header: str, row: str, column: str, code: str
) -> None:
    with pytest.raises(ImportRejected) as info:
        _one(duck, tmp_path, entity, header, row)
    assert where(info.value) == [(2, column, code)]
    assert info.value.problems[0].file.endswith(f"{entity}.csv")


def test_numbers_integers_and_booleans(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "post_metrics.csv",
        "post_id,date,impressions,reach,clicks\na,2025-01-01,12,+3,7.0\nb,2025-01-01,-1,,0\n",
    )
    import_file(duck, "ws", "post_metrics", path)
    assert duck.run("SELECT post_id, impressions, reach, clicks FROM post_metrics ORDER BY 1") == [
        ("a", 12, 3, 7),
        ("b", -1, None, 0),
    ]
    fx = write(
        tmp_path, "fx_rates.csv", "date,currency,rate\n2025-01-01,usd,.5\n2025-01-02,GBP,1e0\n"
    )
    import_file(duck, "ws", "fx_rates", fx)
    assert duck.run("SELECT currency, rate FROM fx_rates ORDER BY 1") == [
        ("GBP", 1.0),
        ("USD", 0.5),
    ]


@pytest.mark.parametrize(
    ("value", "stored"),
    [("true", True), ("TRUE", True), ("1", True), ("Yes", True), ("false", False),
     ("0", False), ("no", False), ("", True)],
)  # fmt: skip
def test_booleans_and_the_owned_default(
    duck: DuckDBEngine, tmp_path: Path, value: str, stored: bool
) -> None:
    _one(duck, tmp_path, "profiles", "profile_id,network,owned", f"p,x,{value}")
    assert duck.run("SELECT owned FROM profiles") == [(stored,)]


def test_networks_are_lower_cased_and_aliases_mapped(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "profiles.csv",
        "profile_id,network\na,LinkedIn\nb,twitter\nc, IG \nd,x\n",
    )
    import_file(duck, "ws", "profiles", path)
    assert dict(duck.run("SELECT profile_id, network FROM profiles")) == {
        "a": "linkedin",
        "b": "x",
        "c": "instagram",
        "d": "x",
    }


def test_defaults_choices_and_needs_response(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "messages.csv",
        "message_id,network,sent_at,direction,needs_response\n"
        "m1,x,2025-01-01T00:00:00Z,INBOUND,\n"
        "m2,x,2025-01-01T00:00:00Z,outbound,\n"
        "m3,x,2025-01-01T00:00:00Z,inbound,no\n",
    )
    import_file(duck, "ws", "messages", path)
    assert duck.run("SELECT message_id, direction, needs_response FROM messages ORDER BY 1") == [
        ("m1", "inbound", True),
        ("m2", "outbound", False),
        ("m3", "inbound", False),
    ]
    _one(duck, tmp_path, "posts", "post_id,profile_id,published_at", "p,a,2025-01-01")
    assert duck.run("SELECT paid FROM posts") == [(False,)]
    _one(duck, tmp_path, "order_items", "transaction_id,sku,price", "t,s,2")
    assert duck.run("SELECT quantity, currency, price_base FROM order_items") == [(1, "EUR", 2.0)]
    _one(duck, tmp_path, "profiles", "profile_id,network", "p,x")
    assert duck.run("SELECT brand FROM profiles") == [("acme",)]  # the workspace's brand


def test_strings_are_kept_as_written_and_empty_is_null(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "web_events.csv",
        'event_id,visitor_id,occurred_at,event,url,referrer\ne1,v1,2025-01-01,x," a,b ",""\n',
    )
    import_file(duck, "ws", "web_events", path)
    assert duck.run("SELECT url, referrer FROM web_events") == [(" a,b ", None)]
