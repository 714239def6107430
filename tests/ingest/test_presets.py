"""Presets: real GA4 export rows and small files written from the layouts in formats.md.

Each test imports one export through the canonical import and checks a few figures by hand.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _ingest_helpers import count, rows, where, write

from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError, EngineError, ImportRejected
from socialroi.ingest import _load as ingest_load
from socialroi.ingest import import_file
from socialroi.ingest.presets import PRESETS, detect

GA4_SAMPLES = Path("/work/shared/data/ga4-export-samples")
GA4_FILES = sorted(GA4_SAMPLES.glob("*.*json"))


def _ga4_row(**over: object) -> dict[str, object]:
    """A GA4 export row in the BigQuery JSON form (int64 as strings, nulls written out)."""

    def param(key: str, kind: str, value: object) -> dict[str, object]:
        v = {"string_value": None, "int_value": None, "float_value": None, "double_value": None}
        v[kind] = value
        return {"key": key, "value": v}

    row: dict[str, object] = {
        "event_date": "20250301",
        "event_timestamp": "1740826800000000",  # 2025-03-01T11:00:00Z
        "event_name": "page_view",
        "event_params": [
            param("ga_session_id", "int_value", "1740826800"),
            param("page_location", "string_value", "https://shop.example/"),
        ],
        "user_id": None,
        "user_pseudo_id": "111.222",
        "stream_id": "42",
        "platform": "WEB",
        "collected_traffic_source": None,
        "ecommerce": None,
    }
    row.update(over)
    return row


@pytest.mark.skipif(not GA4_FILES, reason="shared GA4 samples not mounted")
def test_the_real_ga4_rows_import_and_the_shared_purchase_counts_once(
    duck: DuckDBEngine,
) -> None:
    # 15 rows in 9 files (14 NDJSON lines + the velir row): the purchase 257059 is in two
    # files (one with items), and event_id_input.ndjson holds one event twice → 13 events.
    results = [import_file(duck, "ws", "web_events", f) for f in GA4_FILES]
    assert all(r.preset == "ga4" and r.detected for r in results)
    assert sum(r.rows_read for r in results) == 15
    assert count(duck, "web_events") == 13
    # revenue 31.0 EUR, once
    assert rows(duck, "SELECT transaction_id, revenue, currency FROM web_events "
                      "WHERE event = 'purchase'") == [("257059", 31.0, "EUR")]  # fmt: skip
    # sessions = (user_pseudo_id, ga_session_id): 107079580…(1), 1385813245…(1),
    # 427292018…(1), three 950658449.* visitors (3), velir (1) = 7
    sessions = "SELECT count(DISTINCT (visitor_id, json_extract_string(extra, '$.ga_session_id')))"
    assert rows(duck, sessions + " FROM web_events") == [(7,)]
    # generate_lead → lead; its UTMs come from collected_traffic_source (bing / organic)
    assert rows(
        duck, "SELECT utm_source, utm_medium, occurred_at FROM web_events WHERE event = 'lead'"
    ) == [  # fmt: skip
        ("bing", "organic", __import__("datetime").datetime(2023, 12, 15, 12, 53, 12, 816784))
    ]
    # re-importing everything adds 0 rows
    again = [import_file(duck, "ws", "web_events", f) for f in GA4_FILES]
    assert sum(r.inserted for r in again) == 0
    assert count(duck, "web_events") == 13


def test_ga4_gzip_json_document_and_parquet_read_the_same(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    purchase = _ga4_row(
        event_name="purchase",
        event_params=[
            {"key": "ga_session_id", "value": {"int_value": 1740826800}},  # a JSON number
            {"key": "currency", "value": {"string_value": "EUR"}},
            {"key": "transaction_id", "value": {"string_value": "T1"}},
        ],
        ecommerce={"transaction_id": "T1", "purchase_revenue": "19.5"},
        user_id="c-9",
    )
    lines = [json.dumps(_ga4_row()), json.dumps(purchase)]
    gz = tmp_path / "events_20250301.ndjson.gz"
    gz.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    r = import_file(duck, "ws", "web_events", gz)
    assert (r.preset, r.inserted) == ("ga4", 2)
    assert rows(duck, "SELECT event, revenue, contact_id FROM web_events ORDER BY event") == [
        ("pageview", None, None),
        ("purchase", 19.5, "c-9"),
    ]
    # the same two events as one JSON array, and as Parquet: nothing new
    doc = write(tmp_path, "events.json", json.dumps([_ga4_row(), purchase], indent=2))
    assert import_file(duck, "ws", "web_events", doc).inserted == 0
    # Parquet holds int64 as ints: the same events get the same keys
    as_parquet = json.loads(
        json.dumps([_ga4_row(), purchase]).replace('"1740826800"', "1740826800")
    )
    table = pa.Table.from_pylist(as_parquet)
    pq.write_table(table, tmp_path / "events.parquet")
    r = import_file(duck, "ws", "web_events", tmp_path / "events.parquet", preset="ga4")
    assert (r.rows_read, r.inserted, r.skipped) == (2, 0, 2)


def test_ga4_consent_denied_events_are_skipped_and_sessions_fall_back_to_ga(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    start = _ga4_row(
        event_name="session_start",
        session_traffic_source_last_click={
            "manual_campaign": {"source": "linkedin", "medium": "social", "campaign_name": "q1"}
        },
    )
    later = _ga4_row(event_timestamp="1740826860000000")  # no source of its own
    denied = _ga4_row(user_pseudo_id=None)
    path = write(tmp_path, "e.ndjson", "\n".join(json.dumps(r) for r in (start, later, denied)))
    r = import_file(duck, "ws", "web_events", path)
    # 3 read: 2 inserted, the consent-denied one skipped
    assert (r.rows_read, r.inserted, r.skipped, r.rejected) == (3, 2, 1, 0)
    got = rows(duck, "SELECT event, utm_source, utm_campaign FROM web_events ORDER BY occurred_at")
    assert got == [("session_start", "linkedin", "q1"), ("pageview", None, None)]


def test_a_bad_ga4_timestamp_names_the_line(duck: DuckDBEngine, tmp_path: Path) -> None:
    lines = [json.dumps(_ga4_row()), json.dumps(_ga4_row(event_timestamp="yesterday"))]
    path = write(tmp_path, "e.ndjson", "\n\n".join(lines) + "\n")
    with pytest.raises(ImportRejected) as exc:
        import_file(duck, "ws", "web_events", path)
    assert where(exc.value) == [(3, "occurred_at", "bad-timestamp")]
    assert exc.value.problems[0].value == "yesterday"
    assert count(duck, "web_events") == 0


def test_ga4_timestamps_are_typed_exactly_over_the_whole_range(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    # event_timestamp (µs since the epoch) is typed without being written out as text in
    # 1000-9999; outside, it goes the text way as before: year 999 still reads (0999-…),
    # year 10000 is rejected under its text spelling
    import datetime as dt

    stamps = {
        "1740826800123456": dt.datetime(2025, 3, 1, 11, 0, 0, 123456),
        "-1": dt.datetime(1969, 12, 31, 23, 59, 59, 999999),
        "-30610224000000000": dt.datetime(1000, 1, 1),  # the first µs typed directly
        "253402300799999999": dt.datetime(9999, 12, 31, 23, 59, 59, 999999),  # the last
        "-30610224000000001": dt.datetime(999, 12, 31, 23, 59, 59, 999999),  # text way
    }
    lines = [
        json.dumps(_ga4_row(event_timestamp=ts, user_pseudo_id=f"v{i}"))
        for i, ts in enumerate(stamps)
    ]
    path = write(tmp_path, "e.ndjson", "\n".join(lines) + "\n")
    r = import_file(duck, "ws", "web_events", path)
    assert (r.inserted, r.rejected) == (5, 0)
    got = rows(duck, "SELECT visitor_id, occurred_at FROM web_events ORDER BY visitor_id")
    assert got == [(f"v{i}", at) for i, at in enumerate(stamps.values())]
    late_row = _ga4_row(event_timestamp="253402300800000000")
    late = write(tmp_path, "late.ndjson", json.dumps(late_row))
    with pytest.raises(ImportRejected) as exc:
        import_file(duck, "ws", "web_events", late)
    assert where(exc.value) == [(1, "occurred_at", "bad-timestamp")]
    assert exc.value.problems[0].value == "10000-01-01T00:00:00.000000Z"


HUBSPOT_CONTACTS = (
    '"Record ID","First Name","Email","Create Date","Lifecycle Stage",'
    '"Date entered ""Lead (Lifecycle Stage Pipeline)""","Original Traffic Source",'
    '"Original Traffic Source Drill-Down 1","Billing Contact","Billing Contact"\n'
    '"440555398885","Ana","ana@example.com","2026-02-25 22:36","Lead","2026-02-26 09:00",'
    '"Organic Social","Facebook","",""\n'
    '"440555398886","Bo","bo@example.com","2026-02-27 08:00","Customer","",'
    '"Direct Traffic","","x","y"\n'
    '"440555398887","Cy","cy@example.com","2026-03-01 10:15","Lead","",'
    '"Organic Social","lnk.elysium.mn/initial","",""\n'
)


def test_hubspot_contacts_by_display_names(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "hubspot-contacts-export.csv", HUBSPOT_CONTACTS)
    r = import_file(duck, "ws", "contacts", path)
    assert (r.preset, r.detected, r.inserted) == ("hubspot-contacts", True, 3)
    # contacts by original source: Organic Social 2 (Ana, Cy), Direct Traffic 1 (Bo)
    assert rows(duck, "SELECT original_source, count(*) FROM contacts GROUP BY 1 ORDER BY 1") == [
        ("Direct Traffic", 1),
        ("Organic Social", 2),
    ]
    assert rows(
        duck,
        "SELECT contact_id, lifecycle_stage, became_lead_at FROM contacts "
        "WHERE email = 'ana@example.com'",
    ) == [  # fmt: skip
        ("440555398885", "lead", __import__("datetime").datetime(2026, 2, 26, 9, 0))
    ]


def test_hubspot_contacts_by_internal_names(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        "hs_object_id,email,createdate,lifecyclestage,hs_analytics_source,"
        "hs_analytics_source_data_1\n"
        "101,a@example.com,2025-01-02 10:00,lead,SOCIAL_MEDIA,LinkedIn\n"
    )
    r = import_file(duck, "ws", "contacts", write(tmp_path, "c.csv", text))
    assert r.preset == "hubspot-contacts"
    got = rows(duck, "SELECT contact_id, original_source, original_source_detail FROM contacts")
    assert got == [("101", "SOCIAL_MEDIA", "LinkedIn")]


def test_hubspot_deals_current_view_without_contacts_is_refused_naming_the_columns(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    # the "current view" export: UTF-8 BOM, CRLF, unquoted, no association column
    text = (
        "\ufeffRecord ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Closed Lost Reason,"
        "Last Modified Date,Create Date\r\n"
        "11,Deal A [14/03/2023],Closed: won,2023-04-04 11:48,Kim,1000,,2023-04-04 11:48,"
        "2023-03-14 09:00\r\n"
    )
    with pytest.raises(ImportRejected) as exc:
        import_file(duck, "ws", "deals", write(tmp_path, "deals.csv", text))
    assert where(exc.value) == [(1, "contact_id", "missing-column")]
    assert "associated contact ids" in exc.value.problems[0].expected
    assert exc.value.hint is not None and "HubSpot" in exc.value.hint


def test_hubspot_deals_all_properties(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        '"Record ID","Deal Name","Deal Stage","Amount","Create Date","Close Date",'
        '"Associated Contact IDs","Associated Company","Associated Company"\n'
        '"1","A","Closed: won","100000.0","2023-03-01 10:00","2023-04-01 10:00","7;8","x","y"\n'
        '"2","B","Closed: abandoned","15000000","2023-03-02 10:00","2023-04-02 10:00","9","",""\n'
        '"3","C","Opportunity identified","","2023-03-03 10:00","","10","",""\n'
    )
    r = import_file(duck, "ws", "deals", write(tmp_path, "deals.csv", text))
    assert (r.preset, r.inserted) == ("hubspot-deals", 3)
    assert rows(duck, "SELECT deal_id, contact_id, stage, amount FROM deals ORDER BY 1") == [
        ("1", "7", "won", 100000.0),  # first associated contact
        ("2", "9", "lost", 15000000.0),
        ("3", "10", "open", None),
    ]


def test_salesforce_opportunities_latin1_null_ids_and_report_footer(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    text = (
        '"Id","AccountId","Name","StageName","Amount","CloseDate","IsClosed","IsWon",'
        '"CurrencyIsoCode","CreatedDate","ContactId","LeadSource"\n'
        '"0061","0011","A","Closed Won","9225.225","2023-05-11 00:00:00","1","1","EUR",'
        '"2023-02-07 20:47:49","0031","Gestión directa"\n'
        '"0062","0012","B","Negociación","500","2023-06-11 00:00:00","0","0","EUR",'
        '"2023-02-08 20:47:49","000000000000000AAA",""\n'
        "\n"
        '"Grand Totals (2 records)"\n'
        '"Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved."\n'
    )
    path = tmp_path / "Opportunity.csv"
    path.write_bytes(text.encode("latin-1"))
    r = import_file(duck, "ws", "deals", path)
    # 4 records read (2 deals, 2 footer lines), 2 inserted, the footer skipped
    assert (r.preset, r.rows_read, r.inserted, r.skipped) == ("salesforce-opportunities", 4, 2, 2)
    assert rows(duck, "SELECT deal_id, contact_id, stage, closed_at IS NULL FROM deals "
                      "ORDER BY 1") == [("0061", "0031", "won", False),
                                        ("0062", "0012", "open", True)]  # fmt: skip


def test_pipedrive_deals(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        "Deal - ID,Deal - Title,Deal - Value,Deal - Currency of value,Deal - Status,"
        "Deal - Deal created,Deal - Won time,Person - Email (Work)\n"
        '5,Big one,"1,250.50",EUR,won,2025-01-02 10:00:00,2025-02-01 10:00:00,p@example.com\n'
    )
    r = import_file(duck, "ws", "deals", write(tmp_path, "deals.csv", text))
    assert r.preset == "pipedrive-deals"
    assert rows(duck, "SELECT deal_id, contact_id, stage, amount FROM deals") == [
        ("5", "p@example.com", "won", 1250.5)
    ]


GOOGLE_ADS = (
    "Campaign report\n"
    '"July 8, 2025 - July 31, 2025"\n'
    "Day,Campaign,Campaign type,Impr.,Clicks,Currency code,Cost,Conversions,Search impr. share\n"
    '2025-07-08,"Brand, exact",Search,"795,836",120,EUR,50252.14,"4,838.80",< 10%\n'
    "2025-07-09,Video,Video,1000,3,EUR,10.5, --, --\n"
    "Total: Campaigns,,,796836,123,EUR,50262.64,4838.80,\n"
    "Total: Account,,,796836,123,EUR,50262.64,4838.80,\n"
)


def test_google_ads_preamble_separators_and_total_rows(duck: DuckDBEngine, tmp_path: Path) -> None:
    r = import_file(duck, "ws", "costs", write(tmp_path, "Campaign report.csv", GOOGLE_ADS))
    # 4 rows under the header: 2 days imported, 2 total rows skipped
    assert (r.preset, r.rows_read, r.inserted, r.skipped) == ("google-ads", 4, 2, 2)
    # 50252.14 + 10.5 = 50262.64, not tripled by the totals
    assert rows(duck, "SELECT round(sum(amount), 2), min(category), count(network) FROM costs") == [
        (50262.64, "ads", 0)
    ]


def test_google_ads_bad_day_names_the_physical_line(duck: DuckDBEngine, tmp_path: Path) -> None:
    bad = GOOGLE_ADS.replace("2025-07-09", "someday")
    with pytest.raises(ImportRejected) as exc:
        import_file(duck, "ws", "costs", write(tmp_path, "ads.csv", bad), preset="google-ads")
    # line 1 title, 2 date range, 3 header, 4 first day, 5 the bad one
    assert where(exc.value) == [(5, "date", "bad-date")]
    assert exc.value.problems[0].value == "someday"
    assert exc.value.problems[0].expected == "a date YYYY-MM-DD (export column 'day')"


def test_meta_ads_currency_from_the_header_and_french_semicolons(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    fx = "date,currency,rate\n2026-06-01,AUD,0.6\n2026-06-01,USD,0.9\n"
    import_file(duck, "ws", "fx_rates", write(tmp_path, "fx.csv", fx))
    text = (
        '\ufeff"Day","Campaign name","Reach","Impressions","Amount spent (AUD)","Link clicks"\n'
        '"2026-06-25","RB | Traffic | Website","1200","2400","79.62","30"\n'
        '"2026-06-24","RB | Traffic | Website","1000","2000","20.38","10"\n'
    )
    r = import_file(duck, "ws", "costs", write(tmp_path, "meta.csv", text))
    assert (r.preset, r.inserted) == ("meta-ads", 2)
    fr = "Jour;Nom de la campagne;Montant dépensé (USD)\n2026-06-25;Été;10,00\n"
    r = import_file(duck, "ws", "costs", write(tmp_path, "meta-fr.csv", fr))
    assert (r.preset, r.inserted) == ("meta-ads", 1)
    # AUD: (79.62 + 20.38) × 0.6 = 60.0; USD: 10.00 × 0.9 = 9.0
    assert rows(duck, "SELECT currency, network, round(sum(amount_base), 2) FROM costs "
                      "GROUP BY ALL ORDER BY 1") == [("AUD", "facebook", 60.0),
                                                     ("USD", "facebook", 9.0)]  # fmt: skip


def test_linkedin_campaign_manager(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        "Campaign Performance Report (in UTC)\n"
        "Report Start: 09/01/2026, Report End: 09/02/2026\n"
        "\n"
        "Start Date (in UTC),Account Name,Campaign Name,Campaign ID,Currency,Total Spent,"
        "Impressions,Clicks\n"
        '9/1/2026,Acme,Launch,123,EUR,"1,234.50",10000,50\n'
    )
    r = import_file(duck, "ws", "costs", write(tmp_path, "li.csv", text))
    assert r.preset == "linkedin-ads"
    assert rows(duck, "SELECT date, amount, network, campaign FROM costs") == [
        (__import__("datetime").date(2026, 9, 1), 1234.5, "linkedin", "Launch")
    ]


X_ACTIVITY = (
    '"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements",'
    '"engagement rate","retweets","replies","likes","url clicks","media views",'
    '"promoted impressions"\n'
    '"1234567890123456789","https://twitter.com/acme/status/1234567890123456789",'
    '"Hello\nworld &amp; more","2016-12-23 18:50 +0000","1938.0","18.0",'
    '"0.009287925696594427","2.0","1.0","5.0","7","0","-"\n'
)


def test_x_tweet_activity_lifetime_totals_are_dated_on_the_tweet(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    path = write(tmp_path, "tweet_activity_metrics_acme_20161201_20161231_en.csv", X_ACTIVITY)
    r = import_file(duck, "ws", "post_metrics", path)
    assert r.preset == "x-tweet-activity"
    assert rows(
        duck,
        "SELECT post_id, date, impressions, reactions, comments, shares, clicks FROM post_metrics",
    ) == [  # fmt: skip
        ("1234567890123456789", __import__("datetime").date(2016, 12, 23), 1938, 5, 1, 2, 7)
    ]
    # a later export of the same tweet replaces the snapshot: updated, not added
    later = X_ACTIVITY.replace('"1938.0"', '"2000.0"')
    r = import_file(duck, "ws", "post_metrics", write(tmp_path, "later.csv", later))
    assert (r.inserted, r.updated) == (0, 1)
    assert rows(duck, "SELECT sum(impressions) FROM post_metrics") == [(2000,)]
    r = import_file(duck, "ws", "posts", path)
    assert r.preset == "x-tweet-posts"
    assert rows(duck, "SELECT profile_id, text, published_at FROM posts") == [
        ("acme", "Hello\nworld &amp; more", __import__("datetime").datetime(2016, 12, 23, 18, 50))
    ]


def test_meta_posts_with_duplicate_views_and_lifetime_date(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    text = (
        '\ufeff"Post ID",Page ID,Page name,Title,Description,Publish time,Permalink,Post type,'
        'Date,Views,Reach,"Reactions, comments and shares",Reactions,Comments,Shares,'
        "Total clicks,Views\n"
        '122121474620644102,99,Acme,,"Line one\nline two",03/15/2025 03:06,'
        "https://facebook.com/x,Videos,Lifetime,1500,900,30,20,6,4,12,1500\n"
    )
    r = import_file(duck, "ws", "post_metrics", write(tmp_path, "Mar-01-2025.csv", text))
    assert r.preset == "meta-posts"
    assert rows(
        duck,
        "SELECT post_id, date, impressions, reach, reactions, comments, shares, "
        "clicks FROM post_metrics",
    ) == [  # fmt: skip
        ("122121474620644102", __import__("datetime").date(2025, 3, 15), 1500, 900, 20, 6, 4, 12)
    ]
    r = import_file(duck, "ws", "posts", write(tmp_path, "Mar-01-2025b.csv", text))
    assert r.preset == "meta-post-list"
    assert rows(duck, "SELECT profile_id, content_type FROM posts") == [("99", "Videos")]


def test_linkedin_posts_xlsx_with_a_description_row(duck: DuckDBEngine, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Metrics"
    sheet = book.create_sheet("All posts")
    sheet.append(["Lifetime statistics of your posts. Learn more"])
    sheet.append(["Post title", "Post link", "Post type", "Created date", "Audience",
                  "Impressions", "Views", "Clicks", "Click through rate (CTR)", "Likes",
                  "Comments", "Reposts", "Engagement rate"])  # fmt: skip
    sheet.append(["We launched\u00a0today", "https://www.linkedin.com/feed/update/urn:li:activity:"
                  "7306192134921981953", "Organic", "03/14/2025", "All followers", 26, "", 2,
                  0.0769, 3, 1, 0, 0.2])  # fmt: skip
    path = tmp_path / "acme_content_1741900000000.xlsx"
    book.save(path)
    r = import_file(duck, "ws", "post_metrics", path)
    assert (r.preset, r.inserted) == ("linkedin-posts", 1)
    assert rows(duck, "SELECT post_id, date, impressions, clicks, reactions FROM post_metrics") == [
        ("7306192134921981953", __import__("datetime").date(2025, 3, 14), 26, 2, 3)
    ]


def test_youtube_table_data_drops_the_total_row(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        "Content,Video title,Video publish time,Duration,Views,Watch time (hours),Impressions\n"
        "Total,,,,150,10.5,3000\n"
        ' -HHGH-TTqYM,"Title 🎉","Aug 28, 2025",61,100,7.0,2000\n'
        'abc123,Other,"Sep 27, 2024",30,50,3.5,1000\n'
    )
    r = import_file(duck, "ws", "post_metrics", write(tmp_path, "Table data.csv", text))
    assert (r.preset, r.rows_read, r.inserted, r.skipped) == ("youtube-table", 3, 2, 1)
    assert rows(duck, "SELECT post_id, date, video_views FROM post_metrics ORDER BY 1") == [
        ("-HHGH-TTqYM", __import__("datetime").date(2025, 8, 28), 100),
        ("abc123", __import__("datetime").date(2024, 9, 27), 50),
    ]


def test_twcs_messages(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        '0,1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,"@115712 hi -KC",2,3.0\n'
        '1,3,115712,True,Tue Oct 31 22:08:27 +0000 2017,@sprintcare help &gt;,"1,5",\n'
    )
    r = import_file(duck, "ws", "messages", write(tmp_path, "twcs.csv", text))
    assert r.preset == "twcs"
    got = rows(duck, "SELECT message_id, network, direction, in_reply_to, needs_response "
                     "FROM messages ORDER BY 1")  # fmt: skip
    assert got == [("1", "x", "outbound", "3", False), ("3", "x", "inbound", None, True)]


def test_yourls_clicks(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        "click_id,click_time,shorturl,referrer,user_agent,ip_address,country_code\r\n"
        "1,2021-05-31 10:45:50,bN0fF,direct,WhatsApp/2.21.10.16 A,139.177.206.0,US\r\n"
        "2,2021-05-31 10:46:00,bN0fF,https://t.co/160FQrzAA0?amp=1,Mozilla/5.0,::1,DE\r\n"
    )
    r = import_file(duck, "ws", "clicks", write(tmp_path, "yourls_log.csv", text))
    assert (r.preset, r.inserted) == ("yourls-log", 2)
    assert rows(duck, "SELECT click_id, referrer FROM clicks ORDER BY 1") == [
        ("1", None),
        ("2", "https://t.co/160FQrzAA0?amp=1"),
    ]


def test_meltwater_mentions(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        "Date,Headline,URL,Hit Sentence,Source,Influencer,Reach,Sentiment,Input Name,Keywords,"
        "Tweet Id\n"
        "2020-03-13 09:36:00,,https://x.com/a/status/1,Love acme,Twitter,@a,1500,Positive,"
        "acme,acme,1\n"
        "2020-03-13 10:00:00,News,https://news.example/1,acme fined,News,,90000,Negative,acme,"
        "acme,\n"
    )
    r = import_file(duck, "ws", "mentions", write(tmp_path, "meltwater.csv", text))
    assert r.preset == "meltwater-mentions"
    assert rows(duck, "SELECT mention_id, network, sentiment, reach FROM mentions ORDER BY 1") == [
        ("1", "x", "positive", 1500),
        ("https://news.example/1", "other", "negative", 90000),
    ]


def test_a_named_preset_that_does_not_fit_says_which_do(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", GOOGLE_ADS)
    with pytest.raises(ConfigError) as exc:
        import_file(duck, "ws", "costs", path, preset="hubspot-deals")
    assert exc.value.hint is not None and "google-ads" in exc.value.hint
    with pytest.raises(ImportRejected) as rej:
        import_file(duck, "ws", "costs", path, preset="meta-ads")
    assert where(rej.value) == [(None, None, "missing-column")]


def test_every_preset_is_detected_from_its_own_detect_headers() -> None:
    for p in PRESETS.values():
        headers = [d.split("|")[0].replace("*", "x") for d in p.detect]
        found = detect(p.entity, headers)
        assert found is not None, p.name
        assert found.entity == p.entity


def test_canonical_files_are_not_taken_for_a_preset(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = "date,amount,category,campaign,day,cost\n2025-01-01,5,ads,c,x,y\n"
    r = import_file(duck, "ws", "costs", write(tmp_path, "costs.csv", text))
    assert (r.preset, r.inserted) == (None, 1)


def test_semicolon_and_utf16_tab_canonical_files(duck: DuckDBEngine, tmp_path: Path) -> None:
    semi = write(tmp_path, "a.csv", "date;amount;category;campaign\n2025-01-01;5;ads;a,b\n")
    assert import_file(duck, "ws", "costs", semi).inserted == 1
    tab = tmp_path / "b.csv"
    tab.write_bytes("date\tamount\tcategory\r\n2025-01-02\t7\tads\r\n".encode("utf-16"))
    assert import_file(duck, "ws", "costs", tab).inserted == 1
    assert rows(duck, "SELECT campaign, amount FROM costs ORDER BY date") == [
        ("a,b", 5.0),
        (None, 7.0),
    ]


def test_paths_that_are_no_data_file_are_refused(duck: DuckDBEngine, tmp_path: Path) -> None:
    # reliability.md scenario 14: the import only opens files of a known data format, and
    # DuckDB itself cannot read files at all
    for bad in (Path("/etc/passwd"), tmp_path / ".." / "passwd"):
        with pytest.raises(ImportRejected) as exc:
            import_file(duck, "ws", "costs", bad)
        assert where(exc.value) == [(None, None, "unreadable-file")]
    assert rows(duck, "SELECT current_setting('enable_external_access')") == [(False,)]


def test_gzip_canonical_ndjson(duck: DuckDBEngine, tmp_path: Path) -> None:
    raw = write(tmp_path, "c.ndjson", '{"date": "2025-01-01", "amount": 3, "category": "ads"}\n')
    gz = tmp_path / "costs.ndjson.gz"
    with raw.open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert import_file(duck, "ws", "costs", gz).inserted == 1


def test_skip_bad_rows_with_a_preset_reports_the_physical_line(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    bad = GOOGLE_ADS.replace("2025-07-09", "someday")
    path = write(tmp_path, "ads.csv", bad)
    r = import_file(duck, "ws", "costs", path, skip_bad_rows=True)
    # 4 rows read: 1 imported, 1 rejected (line 5), 2 total rows skipped
    assert (r.inserted, r.rejected, r.skipped) == (1, 1, 2)
    assert r.reject_report is not None
    report = r.reject_report.read_text(encoding="utf-8").splitlines()
    assert report[0].startswith("line,column,value,expected,code,Day,Campaign")
    assert report[1].startswith("5,date,someday,")


def test_the_ledger_knows_a_file_seen_before(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "ads.csv", GOOGLE_ADS)
    first = import_file(duck, "ws", "costs", path)
    again = import_file(duck, "ws", "costs", path)
    assert first.seen_before is None
    assert again.seen_before is not None and again.inserted == 0


def test_a_3_mb_line_imports(duck: DuckDBEngine, tmp_path: Path) -> None:
    # reliability.md scenario 13: a 3 MB value in a CSV export and in a GA4 event
    long = "x" * 3_000_000
    text = GOOGLE_ADS.replace('"Brand, exact"', f'"{long}"')
    r = import_file(duck, "ws", "costs", write(tmp_path, "ads.csv", text))
    assert r.inserted == 2
    event = _ga4_row(event_params=[{"key": "page_title", "value": {"string_value": long}}])
    r = import_file(duck, "ws", "web_events", write(tmp_path, "e.ndjson", json.dumps(event)))
    assert r.inserted == 1
    assert rows(duck, "SELECT max(length(campaign)) FROM costs") == [(3_000_000,)]


def test_gzip_csv_export_with_a_bad_line(duck: DuckDBEngine, tmp_path: Path) -> None:
    gz = tmp_path / "Campaign report.csv.gz"
    gz.write_bytes(gzip.compress(GOOGLE_ADS.encode()))
    assert import_file(duck, "ws", "costs", gz).inserted == 2
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress(GOOGLE_ADS.replace("2025-07-09", "someday").encode()))
    with pytest.raises(ImportRejected) as exc:
        import_file(duck, "ws", "costs", bad)
    assert where(exc.value) == [(5, "date", "bad-date")]


def test_bitly_links(duck: DuckDBEngine, tmp_path: Path) -> None:
    """Bitly's links export (Link, Custom Link, Destination URL): the code is the branded link
    when there is one, the UTMs come from the destination's query."""
    text = (
        "Title,Link,Custom Link,Destination URL,Date created\n"
        "Launch,https://bit.ly/3xYzAbc,https://acme.co/launch,"
        '"https://shop.example/p?utm_source=linkedin&utm_medium=social&utm_campaign=launch",'
        "2025-03-01\n"
        "Blog,https://bit.ly/4qRsTuv,,https://shop.example/blog,2025-03-02\n"
    )
    r = import_file(duck, "ws", "links", write(tmp_path, "bitly_links.csv", text))
    assert (r.preset, r.inserted) == ("bitly-links", 2)
    assert rows(
        duck, "SELECT code, target_url, utm_source, utm_medium, utm_campaign FROM links ORDER BY 1"
    ) == [
        ("acme.co/launch", "https://shop.example/p?utm_source=linkedin&utm_medium=social"
         "&utm_campaign=launch", "linkedin", "social", "launch"),
        ("bit.ly/4qRsTuv", "https://shop.example/blog", None, None, None),
    ]  # fmt: skip
    again = import_file(duck, "ws", "links", write(tmp_path, "bitly_links.csv", text))
    assert again.inserted == 0  # re-import adds nothing


def test_shlink_visits(duck: DuckDBEngine, tmp_path: Path) -> None:
    """Shlink's visits CSV of https://s.test/launch: the code from the file name, potential
    bots skipped, two visits in the same second kept apart."""
    text = (
        "browser,os,date,referer,country,city,latitude,longitude,potentialBot\n"
        "Chrome,Windows,2025-03-01T10:00:00+00:00,https://t.co/x,Spain,Madrid,40.4,-3.7,false\n"
        "Firefox,Linux,2025-03-01T10:00:00+00:00,,Spain,Madrid,40.4,-3.7,false\n"
        "Others,Others,2025-03-01T10:00:01+00:00,,United States,,0,0,true\n"
        "Safari,iOS,2025-03-02T08:30:00+01:00,https://www.linkedin.com/,France,Paris,48.8,2.3,false\n"
    )
    path = write(tmp_path, "short-url_s.test_launch_visits.csv", text)
    r = import_file(duck, "ws", "clicks", path)
    # 4 rows read: 1 potential bot skipped, 3 visits stored
    assert (r.preset, r.inserted, r.skipped) == ("shlink-visits", 3, 1)
    assert rows(duck, "SELECT code, clicked_at, referrer FROM clicks ORDER BY 2, 3") == [
        ("launch", dt.datetime(2025, 3, 1, 10, 0), "https://t.co/x"),
        ("launch", dt.datetime(2025, 3, 1, 10, 0), None),  # NULLs sort last
        ("launch", dt.datetime(2025, 3, 2, 7, 30), "https://www.linkedin.com/"),  # +01:00 → UTC
    ]
    assert import_file(duck, "ws", "clicks", path).inserted == 0  # re-import adds nothing


FIXTURES = Path(__file__).parent / "fixtures"


def test_linkedin_posts_legacy_xls(duck: DuckDBEngine, tmp_path: Path) -> None:
    """LinkedIn's content export is a legacy .xls (formats.md): the `All posts` sheet, its
    description row above the header found, read with xlrd. The fixture was written with xlwt
    from the documented layout (sheets Metrics and All posts, 20 columns)."""
    path = shutil.copy(FIXTURES / "linkedin_content_1741900000000.xls", tmp_path)
    r = import_file(duck, "ws", "post_metrics", Path(path))
    assert (r.preset, r.inserted) == ("linkedin-posts", 2)
    got = rows(duck, "SELECT post_id, date, impressions, clicks, reactions, comments, shares, "
                     "video_views FROM post_metrics ORDER BY 1")  # fmt: skip
    # the two rows of the fixture, as written: Impressions, Clicks, Likes, Comments, Reposts,
    # Views ("" → empty)
    assert got == [
        ("7306192134921981953", dt.date(2025, 3, 14), 26, 2, 3, 1, 0, None),
        ("7307000000000000001", dt.date(2025, 3, 16), 1204, 40, 51, 7, 4, 15),
    ]
    assert import_file(duck, "ws", "post_metrics", Path(path)).inserted == 0


def test_a_broken_xls_is_refused_naming_the_file(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "export.xls", "not an OLE2 workbook")
    with pytest.raises(ImportRejected, match=r"export\.xls.*\.xls workbook"):
        import_file(duck, "ws", "post_metrics", path)


def _block_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_load._Job, "_stage_json_file", lambda self, preset, on: False)


def _fast_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the block reader ran: DuckDB's read_json should have read it")

    monkeypatch.setattr(ingest_load, "iter_json_lines", refuse)


@pytest.mark.skipif(not GA4_FILES, reason="shared GA4 samples not mounted")
def test_ga4_ndjson_read_by_duckdb_gives_the_rows_of_the_block_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same files through both paths: identical rows (event_id included, so a file read
    # one way and re-imported the other way adds nothing) and identical counts
    stored = {}
    for name, only in (("fast", _fast_path_only), ("block", _block_path_only)):
        with monkeypatch.context() as m:
            only(m)
            eng = DuckDBEngine(tmp_path / f"{name}.duckdb")
            eng.ensure_workspace("ws", currency="EUR", timezone="Europe/Paris")
            files = [f for f in GA4_FILES if f.suffix == ".ndjson"]
            counts = [
                (r.rows_read, r.inserted, r.skipped)
                for r in (import_file(eng, "ws", "web_events", f) for f in files)
            ]
            table = eng.run("SELECT * FROM web_events ORDER BY event_id")
            stored[name] = (counts, table)
            eng.close()
    assert stored["fast"] == stored["block"]
    assert len(stored["fast"][1]) == 12  # 14 lines: the shared purchase and a repeat once


def test_ga4_gzip_ndjson_is_read_by_duckdb(
    duck: DuckDBEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fast_path_only(monkeypatch)
    denied = _ga4_row(user_pseudo_id=None)
    later = _ga4_row(event_timestamp="1740826860000000")
    text = "\n".join(json.dumps(r) for r in (_ga4_row(), later, denied)) + "\n"
    gz = tmp_path / "events_20250301.ndjson.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    seen: list[tuple[int, int]] = []
    r = import_file(duck, "ws", "web_events", gz, progress=lambda d, t: seen.append((d, t)))
    # 3 records, the last one (consent denied) read and skipped
    assert (r.rows_read, r.inserted, r.skipped, r.rejected) == (3, 2, 1, 0)
    assert seen[-1] == (gz.stat().st_size, gz.stat().st_size)


def test_a_malformed_ga4_line_is_named_and_nothing_written(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    # DuckDB's reader stops at the broken line; the block reader then names it
    good = [json.dumps(_ga4_row(event_timestamp=f"17408268{i:02d}000000")) for i in range(4)]
    lines = [*good[:2], '{"event_name": "page_view", "user_pseudo_id": ', *good[2:]]
    path = write(tmp_path, "e.ndjson", "\n".join(lines) + "\n")
    with pytest.raises(ImportRejected) as exc:
        import_file(duck, "ws", "web_events", path)
    assert where(exc.value) == [(3, None, "bad-row")]
    assert count(duck, "web_events") == 0
    r = import_file(duck, "ws", "web_events", path, skip_bad_rows=True)
    assert (r.rows_read, r.inserted, r.rejected) == (5, 4, 1)


def test_the_reader_database_reads_its_one_file_only(duck: DuckDBEngine, tmp_path: Path) -> None:
    mine = write(tmp_path, "mine.ndjson", '{"a": 1}\n')
    other = write(tmp_path, "other.ndjson", '{"a": 2}\n')
    with duck.file_reader(mine) as reader:
        assert reader.run("SELECT a FROM read_json(?)", [str(mine)]) == [(1,)]
        with pytest.raises(EngineError, match="disabled by configuration"):
            reader.run("SELECT a FROM read_json(?)", [str(other)])
        with pytest.raises(EngineError, match="locked"):
            reader.run("SET enable_external_access = true")
    with pytest.raises(EngineError):
        duck.run("SELECT a FROM read_json(?)", [str(mine)])
