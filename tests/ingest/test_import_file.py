"""import_file: atomicity, exact lines, reject report, keys and re-import, money, extra."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _ingest_helpers import count, where, write

import socialroi.aggregates
from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError, EngineError, ImportRejected, WorkspaceNotFound
from socialroi.ingest import MAX_PROBLEMS, import_file

HEADER = "event_id,visitor_id,occurred_at,event\n"
TABLES = ("web_events", "import_ledger")


def _events(n: int, bad_line: int | None = None) -> str:
    """n web_events rows; the row on physical line ``bad_line`` has a bad occurred_at."""
    lines = [HEADER]
    for i in range(n):
        line = i + 2
        ts = "2025-02-30T00:00:00Z" if line == bad_line else "2025-01-01T00:00:00Z"
        lines.append(f"e{i},v{i % 7},{ts},pageview\n")
    return "".join(lines)


def _snapshot(duck: DuckDBEngine) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(duck.run(f"SELECT * FROM {t}"), key=repr) for t in TABLES}


# -- reliability.md scenario 11: a bad row mid-file --------------------------------------


def test_a_bad_row_mid_file_rejects_the_whole_import(duck: DuckDBEngine, tmp_path: Path) -> None:
    import_file(duck, "ws", "web_events", write(tmp_path, "before.csv", _events(3)))
    before = _snapshot(duck)
    path = write(tmp_path, "web_events.csv", _events(10_000, bad_line=5000))
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", path)
    assert where(info.value) == [(5000, "occurred_at", "bad-timestamp")]
    assert info.value.problems[0].value == "2025-02-30T00:00:00Z"
    assert f"{path}:5000: column 'occurred_at'" in str(info.value)
    assert _snapshot(duck) == before  # nothing written, not even the ledger


def test_skip_bad_rows_imports_the_rest_and_reports_line_5000(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    path = write(tmp_path, "web_events.csv", _events(10_000, bad_line=5000))
    result = import_file(duck, "ws", "web_events", path, skip_bad_rows=True)
    assert (result.rows_read, result.inserted, result.rejected) == (10_000, 9_999, 1)
    assert count(duck, "web_events") == 9_999
    assert result.reject_report == tmp_path / "web_events.rejects.csv"
    with result.reject_report.open(newline="") as fh:
        report = list(csv.DictReader(fh))
    assert [(r["line"], r["column"], r["code"]) for r in report] == [
        ("5000", "occurred_at", "bad-timestamp")
    ]
    assert report[0]["event_id"] == "e4998"  # the original row's values follow
    assert report[0]["value"] == report[0]["occurred_at"] == "2025-02-30T00:00:00Z"


def test_reject_report_path_can_be_chosen(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "web_events.csv", _events(3, bad_line=3))
    out = tmp_path / "out" / "r.csv"
    out.parent.mkdir()
    result = import_file(duck, "ws", "web_events", path, skip_bad_rows=True, reject_report=out)
    assert result.reject_report == out and out.exists()
    assert not (tmp_path / "web_events.rejects.csv").exists()


def test_quoted_newlines_blank_lines_and_crlf_do_not_shift_the_line(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    text = (
        "event_id,visitor_id,occurred_at,event,url\r\n"
        'e1,v1,2025-01-01,x,"multi\r\nline\r\nvalue"\r\n'  # lines 2-4
        "\r\n"  # line 5: blank
        "e2,v1,2025-01-01,x,u\r\n"  # line 6
        "e3,v1,,x,u\r\n"  # line 7: missing occurred_at
        'e4,v1,"2025-01-01\n",x,u\n'  # lines 8-9: a bad timestamp spanning two lines
        "e5,v1,2025-01-01,x,u\n"  # line 10
    )
    path = write(tmp_path, "web_events.csv", text)
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", path)
    assert where(info.value) == [
        (7, "occurred_at", "missing-value"),
        (8, "occurred_at", "bad-timestamp"),
    ]


def test_a_row_with_the_wrong_number_of_values_is_a_bad_row(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    text = HEADER + "e1,v1,2025-01-01,x\ne2,v1\ne3,v1,2025-01-01,x,extra\ne4,v1,bad,x\n"
    path = write(tmp_path, "web_events.csv", text)
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", path)
    assert where(info.value) == [
        (3, None, "bad-row"),
        (4, None, "bad-row"),
        (5, "occurred_at", "bad-timestamp"),
    ]
    result = import_file(duck, "ws", "web_events", path, skip_bad_rows=True)
    assert (result.rows_read, result.inserted, result.rejected) == (4, 1, 3)


def test_at_most_100_problems_are_listed_with_the_total(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = HEADER + "".join(f"e{i},v,bad,x\n" for i in range(150))
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", write(tmp_path, "web_events.csv", text))
    assert len(info.value.problems) == MAX_PROBLEMS
    assert info.value.total == 150
    assert [p.line for p in info.value.problems[:2]] == [2, 3]


# -- file-level problems -----------------------------------------------------------------


def test_missing_required_column(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "web_events.csv", "event_id,visitor_id,event\ne1,v1,x\n")
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", path, skip_bad_rows=True)
    assert where(info.value) == [(1, "occurred_at", "missing-column")]


def test_duplicate_column(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "web_events.csv", "event_id,Event_ID,visitor_id,occurred_at,event\n")
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", path)
    assert where(info.value) == [(1, "event_id", "duplicate-column")]


@pytest.mark.parametrize("text", ["", "\n\n", "   "])
def test_empty_file(duck: DuckDBEngine, tmp_path: Path, text: str) -> None:
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", write(tmp_path, "web_events.csv", text))
    assert where(info.value) == [(None, None, "empty-file")]


def test_header_only_file_imports_nothing(duck: DuckDBEngine, tmp_path: Path) -> None:
    for text in (HEADER, HEADER.rstrip("\n")):
        result = import_file(duck, "ws", "web_events", write(tmp_path, "web_events.csv", text))
        assert (result.rows_read, result.inserted) == (0, 0)


def test_unreadable_and_unknown_inputs(duck: DuckDBEngine, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", tmp_path / "missing.csv")
    assert where(info.value) == [(None, None, "unreadable-file")]
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", write(tmp_path, "events.xml", "<a/>"))
    assert where(info.value) == [(None, None, "unreadable-file")]
    path = write(tmp_path, "web_events.csv", _events(1))
    with pytest.raises(WorkspaceNotFound):
        import_file(duck, "nope", "web_events", path)
    with pytest.raises(ConfigError):
        import_file(duck, "ws", "tweets", path)


# -- reliability.md scenario 12: keys and re-import --------------------------------------


def test_reimporting_the_same_file_adds_nothing(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "web_events.csv", _events(50))
    first = import_file(duck, "ws", "web_events", path)
    again = import_file(duck, "ws", "web_events", path)
    assert (first.inserted, again.inserted, again.updated, again.skipped) == (50, 0, 0, 50)
    assert count(duck, "web_events") == 50
    ledger = duck.run(
        "SELECT file_sha256, rows_read, rows_inserted, rows_skipped FROM import_ledger"
    )
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert ledger == [(sha, 50, 50, 0), (sha, 50, 0, 50)]


def test_same_key_updates_last_write_wins(duck: DuckDBEngine, tmp_path: Path) -> None:
    header = "contact_id,created_at,email\n"
    first = write(tmp_path, "a.csv", header + "c1,2025-01-01,old@x\nc2,2025-01-01,same@x\n")
    import_file(duck, "ws", "contacts", first)
    # c1 changes, c2 is unchanged, c3 twice in the file: the last one wins
    second = write(
        tmp_path,
        "b.csv",
        header
        + "c1,2025-01-01,new@x\nc2,2025-01-01,same@x\nc3,2025-01-02,a@x\nc3,2025-01-02,b@x\n",
    )
    result = import_file(duck, "ws", "contacts", second)
    assert (result.inserted, result.updated, result.skipped) == (1, 1, 2)
    assert duck.run("SELECT contact_id, email FROM contacts ORDER BY 1") == [
        ("c1", "new@x"),
        ("c2", "same@x"),
        ("c3", "b@x"),
    ]


def test_keys_are_scoped_to_the_workspace(duck: DuckDBEngine, tmp_path: Path) -> None:
    duck.ensure_workspace("other")
    path = write(tmp_path, "contacts.csv", "contact_id,created_at\nc1,2025-01-01\n")
    import_file(duck, "ws", "contacts", path)
    result = import_file(duck, "other", "contacts", path)
    assert result.inserted == 1
    assert duck.run("SELECT workspace_id FROM contacts ORDER BY 1") == [("other",), ("ws",)]


def test_dedupe_only_entities_skip_known_keys_and_never_update(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    import_file(duck, "ws", "web_events", write(tmp_path, "a.csv", HEADER + "e1,v1,2025-01-01,a\n"))
    text = HEADER + "e1,v1,2025-01-01,changed\ne2,v2,2025-01-01,first\ne2,v2,2025-01-01,second\n"
    result = import_file(duck, "ws", "web_events", write(tmp_path, "b.csv", text))
    assert (result.inserted, result.updated, result.skipped) == (1, 0, 2)
    assert duck.run("SELECT event_id, event FROM web_events ORDER BY 1") == [
        ("e1", "a"),
        ("e2", "first"),
    ]


def test_clicks_dedupe_on_a_key_with_empty_parts(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = "code,clicked_at,click_id\nabc,2025-01-01T00:00:00Z,\nabc,2025-01-01T00:00:00Z,\n"
    path = write(tmp_path, "clicks.csv", text)
    assert import_file(duck, "ws", "clicks", path).inserted == 1
    assert import_file(duck, "ws", "clicks", path).inserted == 0
    assert count(duck, "clicks") == 1


def test_identical_cost_lines_stay_two_and_reimport_adds_none(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    text = "date,amount,category\n2025-01-01,100,ads\n2025-01-01,100,ads\n2025-01-02,5,tools\n"
    path = write(tmp_path, "costs.csv", text)
    assert import_file(duck, "ws", "costs", path).inserted == 3
    again = import_file(duck, "ws", "costs", path)
    assert (again.inserted, again.skipped) == (0, 3)
    assert count(duck, "costs") == 3
    keys = [r[0] for r in duck.run("SELECT row_key FROM costs")]
    assert len(set(keys)) == 3
    # a third identical line in a later file is a new cost
    more = write(tmp_path, "more.csv", text + "2025-01-01,100,ads\n")
    assert import_file(duck, "ws", "costs", more).inserted == 1


# -- money ---------------------------------------------------------------------------------


def _rates(duck: DuckDBEngine, tmp_path: Path, text: str) -> None:
    import_file(
        duck, "ws", "fx_rates", write(tmp_path, "fx_rates.csv", "date,currency,rate\n" + text)
    )


def test_money_converts_at_the_rate_on_or_before_the_date(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    _rates(duck, tmp_path, "2025-01-01,USD,0.9\n2025-01-10,USD,0.8\n")
    text = (
        "date,amount,category,currency\n"
        "2025-01-05,100,ads,USD\n"  # 100 × 0.9 (latest earlier rate)
        "2025-01-10,100,ads,usd\n"  # 100 × 0.8 (rate of that day)
        "2025-01-10,100,ads,EUR\n"  # base currency: × 1
        "2025-01-10,100,ads,\n"  # empty: the base currency
    )
    import_file(duck, "ws", "costs", write(tmp_path, "costs.csv", text))
    got = duck.run("SELECT currency, amount_base FROM costs ORDER BY date, currency")
    assert got == [("USD", pytest.approx(90.0)), ("EUR", 100.0), ("EUR", 100.0), ("USD", 80.0)]


def test_a_missing_rate_names_currency_and_date(duck: DuckDBEngine, tmp_path: Path) -> None:
    _rates(duck, tmp_path, "2025-01-10,USD,0.8\n")
    text = "date,amount,category,currency\n2025-01-05,100,ads,USD\n2025-01-05,100,ads,GBP\n"
    path = write(tmp_path, "costs.csv", text)
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "costs", path)
    assert where(info.value) == [
        (2, "currency", "missing-fx-rate"),
        (3, "currency", "missing-fx-rate"),
    ]
    assert "USD on or before 2025-01-05" in info.value.problems[0].expected
    assert count(duck, "costs") == 0
    result = import_file(duck, "ws", "costs", path, skip_bad_rows=True)
    assert (result.inserted, result.rejected) == (0, 2)


def test_importing_rates_recomputes_every_money_column(duck: DuckDBEngine, tmp_path: Path) -> None:
    _rates(duck, tmp_path, "2025-01-01,USD,0.5\n")
    deals = (
        "deal_id,contact_id,created_at,stage,closed_at,amount,currency\n"
        "d1,c1,2025-01-02T00:00:00Z,won,2025-02-02T00:00:00Z,100,USD\n"  # at closed_at
        "d2,c1,2025-02-03T00:00:00Z,open,,100,USD\n"  # at created_at
    )
    import_file(duck, "ws", "deals", write(tmp_path, "deals.csv", deals))
    events = HEADER.rstrip("\n") + ",revenue,currency\ne1,v1,2025-02-05T00:00:00Z,purchase,10,USD\n"
    import_file(duck, "ws", "web_events", write(tmp_path, "web_events.csv", events))
    assert duck.run("SELECT deal_id, amount_base FROM deals ORDER BY 1") == [
        ("d1", 50.0),
        ("d2", 50.0),
    ]
    _rates(duck, tmp_path, "2025-02-01,USD,0.8\n2025-02-03,USD,0.9\n")
    assert duck.run("SELECT deal_id, amount_base FROM deals ORDER BY 1") == [
        ("d1", pytest.approx(80.0)),
        ("d2", pytest.approx(90.0)),
    ]
    assert duck.run("SELECT revenue_base FROM web_events") == [(pytest.approx(9.0),)]


def test_money_dates_use_the_workspace_time_zone(duck: DuckDBEngine, tmp_path: Path) -> None:
    duck.ensure_workspace("tokyo", currency="JPY", timezone="Asia/Tokyo")
    rates = "date,currency,rate\n2025-01-01,EUR,160\n2025-01-02,EUR,170\n"
    import_file(duck, "tokyo", "fx_rates", write(tmp_path, "fx_rates.csv", rates))
    # 2025-01-01T20:00Z is already 2025-01-02 in Tokyo
    events = HEADER.rstrip("\n") + ",revenue,currency\ne1,v1,2025-01-01T20:00:00Z,purchase,1,EUR\n"
    import_file(duck, "tokyo", "web_events", write(tmp_path, "web_events.csv", events))
    assert duck.run("SELECT revenue_base FROM web_events") == [(170.0,)]


def test_order_items_convert_at_their_purchase_event(duck: DuckDBEngine, tmp_path: Path) -> None:
    _rates(duck, tmp_path, "2025-01-01,USD,0.5\n2025-03-01,USD,0.7\n")
    events = HEADER.rstrip("\n") + ",transaction_id\ne1,v1,2025-01-15T00:00:00Z,purchase,t1\n"
    import_file(duck, "ws", "web_events", write(tmp_path, "web_events.csv", events))
    items = "transaction_id,sku,price,currency\nt1,a,10,USD\nt2,b,10,USD\n"
    import_file(duck, "ws", "order_items", write(tmp_path, "order_items.csv", items))
    # t1 at its purchase (0.5); t2 has no event: the latest rate (0.7)
    assert duck.run("SELECT sku, price_base FROM order_items ORDER BY 1") == [
        ("a", 5.0),
        ("b", pytest.approx(7.0)),
    ]


# -- extra columns, formats, encodings, progress ----------------------------------------


def test_unknown_columns_are_kept_as_json_in_extra(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = "Event_ID, Visitor_ID ,occurred_at,event,Plan,x'); DROP TABLE web_events;--\n"
    text += "e1,v1,2025-01-01,x,pro,1\ne2,v1,2025-01-01,x,,\n"
    import_file(duck, "ws", "web_events", write(tmp_path, "web_events.csv", text))
    got = dict(duck.run("SELECT event_id, extra FROM web_events"))
    assert json.loads(got["e1"]) == {"plan": "pro", "x'); drop table web_events;--": "1"}
    assert got["e2"] is None


def test_ndjson_and_parquet(duck: DuckDBEngine, tmp_path: Path) -> None:
    lines = [
        {
            "event_id": "n1",
            "visitor_id": "v",
            "occurred_at": "2025-01-01",
            "event": "x",
            "revenue": 5,
        },
        {
            "event_id": "n2",
            "visitor_id": "v",
            "occurred_at": "2025-01-01",
            "event": "x",
            "tags": [1],
        },
        {"event_id": "n3", "visitor_id": "v", "event": "x"},
    ]
    path = write(tmp_path, "web_events.ndjson", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", path)
    assert where(info.value) == [(3, "occurred_at", "missing-value")]
    result = import_file(duck, "ws", "web_events", path, skip_bad_rows=True)
    assert (result.inserted, result.rejected) == (2, 1)
    assert dict(duck.run("SELECT event_id, extra FROM web_events")) == {
        "n1": None,
        "n2": '{"tags":"[1]"}',
    }
    assert duck.run("SELECT revenue FROM web_events WHERE event_id = 'n1'") == [(5.0,)]
    table = pa.table(
        {
            "event_id": ["p1", "p2"],
            "visitor_id": ["v", "v"],
            "occurred_at": pa.array(
                [dt.datetime(2025, 1, 1, 12), dt.datetime(2025, 1, 2)], pa.timestamp("us", "UTC")
            ),
            "event": ["x", "y"],
            "revenue": [1.5, None],
        }
    )
    pq.write_table(table, tmp_path / "web_events.parquet")
    result = import_file(duck, "ws", "web_events", tmp_path / "web_events.parquet")
    assert result.inserted == 2
    assert duck.run("SELECT occurred_at, revenue FROM web_events WHERE event_id = 'p1'") == [
        (dt.datetime(2025, 1, 1, 12), 1.5)
    ]


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        (None, "\ufeff" + HEADER + "é1,v,2025-01-01,café\n"),
        ("utf-16", HEADER + "é1,v,2025-01-01,café\n"),
        ("latin-1", HEADER + "é1,v,2025-01-01,café\n"),
    ],
)
def test_encodings(duck: DuckDBEngine, tmp_path: Path, encoding: str | None, data: str) -> None:
    path = tmp_path / "web_events.csv"
    path.write_bytes(data.encode(encoding or "utf-8"))
    import_file(duck, "ws", "web_events", path)  # UTF-16 by its BOM, Latin-1 detected
    assert duck.run("SELECT event_id, event FROM web_events") == [("é1", "café")]
    path.write_bytes(data.replace("é1", "é2").encode(encoding or "utf-8"))
    import_file(duck, "ws", "web_events", path, encoding=encoding or "utf-8")
    assert count(duck, "web_events") == 2


def test_progress_reports_bytes(duck: DuckDBEngine, tmp_path: Path) -> None:
    path = write(tmp_path, "web_events.csv", _events(100))
    calls: list[tuple[int, int]] = []
    import_file(duck, "ws", "web_events", path, progress=lambda d, t: calls.append((d, t)))
    size = path.stat().st_size
    assert calls[-1] == (size, size)
    assert all(t == size and 0 <= d <= size for d, t in calls)


def test_ndjson_lines_and_parquet_rows_are_named(duck: DuckDBEngine, tmp_path: Path) -> None:
    good = '{"event_id": "a", "visitor_id": "v", "occurred_at": "2025-01-01", "event": "x"}'
    text = f"{good}\n\nnot json\n[1, 2]\n" + good.replace("2025-01-01", "soon") + "\n"
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", write(tmp_path, "web_events.jsonl", text))
    assert where(info.value) == [
        (3, None, "bad-row"),
        (4, None, "bad-row"),
        (5, "occurred_at", "bad-timestamp"),
    ]
    table = pa.table(
        {
            "event_id": ["a", "b", "c"],
            "visitor_id": ["v", "v", None],
            "occurred_at": ["2025-01-01", "2025-01-01", "2025-01-01"],
            "event": ["x", "x", "x"],
        }
    )
    pq.write_table(table, tmp_path / "web_events.parquet")
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", tmp_path / "web_events.parquet")
    assert where(info.value) == [(3, "visitor_id", "missing-value")]  # row 3 of the file
    assert count(duck, "web_events") == 0


def test_timestamps_need_iso_8601_offsets(duck: DuckDBEngine, tmp_path: Path) -> None:
    text = (
        HEADER + "a,v,2025-01-31T14:05-05,x\nb,v,2025-01-31 14:05 +01:00,x\nc,v,2025-01-31-05,x\n"
    )
    with pytest.raises(ImportRejected) as info:
        import_file(duck, "ws", "web_events", write(tmp_path, "web_events.csv", text))
    assert where(info.value) == [
        (3, "occurred_at", "bad-timestamp"),
        (4, "occurred_at", "bad-timestamp"),
    ]


def test_the_reject_report_lists_every_bad_row_whatever_their_number(
    duck: DuckDBEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialroi.ingest import _load

    chunked = _load._Job._cell_rows
    monkeypatch.setattr(_load._Job, "_cell_rows", lambda self, chunk=0: chunked(self, 3))
    # every third row: two bad cells; every sixth: three
    lines = [HEADER.rstrip("\n") + ",revenue\n"]
    for i in range(60):
        bad = i % 3 == 0
        revenue = "y" if i % 6 == 0 else ""
        lines.append(f"e{i},{'' if bad else 'v'},{'x' if bad else '2025-01-01'},pv,{revenue}\n")
    path = write(tmp_path, "web_events.csv", "".join(lines))
    result = import_file(duck, "ws", "web_events", path, skip_bad_rows=True)
    assert (result.inserted, result.rejected) == (40, 20)
    assert result.reject_report is not None
    with result.reject_report.open(newline="") as fh:
        report = [(int(r["line"]), r["column"], r["code"]) for r in csv.DictReader(fh)]
    expected = []
    for i in range(0, 60, 3):
        expected += [
            (i + 2, "visitor_id", "missing-value"),
            (i + 2, "occurred_at", "bad-timestamp"),
        ]
        if i % 6 == 0:
            expected.append((i + 2, "revenue", "bad-number"))
    assert report == expected


def test_keys_with_empty_parts_update_in_place(duck: DuckDBEngine, tmp_path: Path) -> None:
    header = "metric,period_start,period_end,target,network\n"
    first = write(tmp_path, "a.csv", header + "leads,2025-01-01,2025-03-31,10,\n")
    import_file(duck, "ws", "goals", first)
    second = write(
        tmp_path,
        "b.csv",
        header + "leads,2025-01-01,2025-03-31,12,\nleads,2025-01-01,2025-03-31,5,linkedin\n",
    )
    result = import_file(duck, "ws", "goals", second)
    assert (result.inserted, result.updated) == (1, 1)
    assert duck.run("SELECT network, target FROM goals ORDER BY network NULLS FIRST") == [
        (None, 12.0),
        ("linkedin", 5.0),
    ]


def test_a_failed_refresh_of_the_derived_tables_keeps_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # the refresh runs after the commit, under the import's memory limit; if it fails (out of
    # memory) the events stay stored and the derived tables stale (recomputed on read)
    def fail(*args: object, **kwargs: object) -> None:
        raise EngineError("Out of Memory Error: could not allocate")

    limits: list[str] = []
    eng = DuckDBEngine(tmp_path / "db.duckdb")
    eng.ensure_workspace("ws", currency="EUR", timezone="UTC")

    def remember(engine: DuckDBEngine, ws: str) -> None:
        limits.append(engine.run("SELECT current_setting('memory_limit')")[0][0])
        fail()

    monkeypatch.setattr(socialroi.aggregates, "refresh", remember)
    path = write(
        tmp_path,
        "web_events.csv",
        "event_id,visitor_id,occurred_at,event\ne1,v1,2025-03-01T10:00:00Z,pageview\n",
    )
    with caplog.at_level("ERROR", logger="socialroi.ingest"):
        r = import_file(eng, "ws", "web_events", path)
    assert r.inserted == 1
    assert count(eng, "web_events") == 1
    assert limits == ["953.6 MiB"]  # IMPORT_MEMORY_LIMIT = 1GB = 10^9 bytes
    assert "not refreshed" in caplog.text
    eng.close()
