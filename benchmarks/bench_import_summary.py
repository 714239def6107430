"""Import and summary at scale: N web events (default 10M), timed as whole processes.

Side by side in the same run:
- import: socialroi's validated, atomic, deduplicating import vs DuckDB's own ``read_csv`` of the
  same file into a table (the ceiling: no validation, no dedupe, no line numbers);
- summary: ``socialroi summary`` for the quarter vs a bare DuckDB query that sessionises the same
  events with lag() and counts visits per source (the floor of the visits part alone).

Prints events/s and peak memory (max RSS of each child process) and writes the section
"Import and summary" of benchmarks/RESULTS.md.

    python benchmarks/bench_import_summary.py [-n 10000000] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import HERE, run_step, write_section  # noqa: E402
from gen_web_events import cached_csv  # noqa: E402

IMPORT_BASELINE = """
import duckdb
con = duckdb.connect({db!r})
con.execute("CREATE TABLE web_events AS SELECT * FROM read_csv(?, header=true)", ["{csv}"])
RESULT = {{"rows": con.execute("SELECT count(*) FROM web_events").fetchone()[0]}}
"""

IMPORT_SOCIALROI = """
from pathlib import Path
from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_file
eng = DuckDBEngine({db!r})
eng.ensure_workspace("bench", currency="EUR", timezone="UTC")
r = import_file(eng, "bench", "web_events", Path("{csv}"))
RESULT = {{"rows": r.inserted, "read": r.rows_read, "rejected": r.rejected}}
eng.close()
"""

SUMMARY_FLOOR = """
import duckdb
con = duckdb.connect({db!r}, read_only=True)
rows = con.execute('''
  WITH e AS (
    SELECT visitor_id, occurred_at, utm_source, referrer,
           lag(occurred_at) OVER (PARTITION BY visitor_id ORDER BY occurred_at, event_id) AS prev
    FROM web_events),
  s AS (SELECT * FROM e WHERE prev IS NULL OR occurred_at - prev > INTERVAL 30 MINUTE
        OR utm_source IS NOT NULL OR referrer IS NOT NULL)
  SELECT coalesce(utm_source, referrer, '(direct)') AS src, count(*) FROM s GROUP BY 1
''').fetchall()
RESULT = {{"visits": sum(r[1] for r in rows)}}
"""

SUMMARY_CORE = """
import datetime as dt
from socialroi.engine import DuckDBEngine
from socialroi.metrics import channel_summary
eng = DuckDBEngine({db!r}, read_only=True)
s = channel_summary(eng, "bench", dt.date(2025, 1, 1), dt.date(2025, 3, 31))
RESULT = {{"visits": s["totals"]["visits"], "leads": s["totals"]["leads"],
          "revenue": s["totals"]["revenue"]}}
"""

SUMMARY_SOCIALROI = """
import datetime as dt
from socialroi.engine import DuckDBEngine
from socialroi.summary import summary
eng = DuckDBEngine({db!r}, read_only=True)
s = summary(eng, "bench", dt.date(2025, 1, 1), dt.date(2025, 3, 31))
RESULT = {{"visits": s["totals"]["visits"], "customers": s["attribution"]["conversions"],
          "models": len(s["attribution"]["models"])}}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", type=int, default=10_000_000, help="web events (default 10M)")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    args = ap.parse_args()
    data = HERE / "data"
    csv = cached_csv(data, args.n)
    size_mib = csv.stat().st_size / 2**20
    base_db, our_db = data / "baseline.duckdb", data / "socialroi.duckdb"
    for p in (base_db, our_db):
        p.unlink(missing_ok=True)
        Path(str(p) + ".wal").unlink(missing_ok=True)

    steps = [
        ("import", "DuckDB read_csv (ceiling)", IMPORT_BASELINE.format(db=str(base_db), csv=csv)),
        ("import", "socialroi import", IMPORT_SOCIALROI.format(db=str(our_db), csv=csv)),
        ("summary", "bare DuckDB sessionisation (floor)", SUMMARY_FLOOR.format(db=str(base_db))),
        ("summary", "channel summary (visits … ROI, quarter)", SUMMARY_CORE.format(db=str(our_db))),
        ("summary", "socialroi summary, all sections", SUMMARY_SOCIALROI.format(db=str(our_db))),
    ]
    rows = []
    for kind, label, code in steps:
        print(f"{label} …", flush=True)
        m = run_step(code)
        rate = args.n / m.seconds
        rows.append((kind, label, m.seconds, rate, m.peak_rss_mib, m.output))
        print(
            f"  {m.seconds:8.2f} s  {rate:12,.0f} events/s  peak RSS {m.peak_rss_mib:7.0f} MiB"
            f"  {m.output}",
            flush=True,
        )

    table = [
        "| step | what | seconds | events/s | peak RSS (MiB) | output |",
        "|---|---|---:|---:|---:|---|",
    ]
    for kind, label, sec, rate, rss, out in rows:
        table.append(f"| {kind} | {label} | {sec:.2f} | {rate:,.0f} | {rss:.0f} | {out} |")
    ratio_import = rows[1][2] / rows[0][2]
    ratio_summary = rows[3][2] / rows[2][2]
    ratio_full = rows[4][2] / rows[2][2]
    body = (
        f"{args.n:,} generated web events ({size_mib:,.0f} MiB CSV; "
        "`benchmarks/gen_web_events.py`), each step a separate process.\n\n"
        + "\n".join(table)
        + f"\n\nsocialroi import takes {ratio_import:.2f}× DuckDB's bare read_csv: it also "
        "validates every cell, converts time zones and currencies, deduplicates on event_id and "
        "is atomic, and it ends by building the stored sessions and daily aggregates "
        "(`socialroi.aggregates`) that every later summary, report and dashboard page reads. "
        "That is why the channel summary, read from those tables, takes "
        f"{ratio_summary:.2f}× the bare sessionisation query (it also classifies channels and "
        "networks, identifies people and computes leads, customers, revenue and costs); the "
        f"whole `socialroi summary` JSON takes {ratio_full:.2f}× (it adds touchpoints, journeys "
        "and eight attribution models, engagement, response and share of voice).\n"
    )
    write_section("Import and summary", body)
    print(f"wrote {HERE / 'RESULTS.md'}")
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
