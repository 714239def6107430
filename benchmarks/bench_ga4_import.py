"""GA4 BigQuery export import at scale: a generated NDJSON export of a given size.

Side by side in the same run, each step a separate process (time and peak RSS of the child):
- DuckDB's own ``read_json`` of the same file into a table (the ceiling: it parses and stores
  the nested rows as they are, with no mapping, validation, dedupe or line numbers);
- ``socialroi import web_events FILE`` through the GA4 preset into a database file (mapping to
  canonical events, typed validation, event-key dedupe, atomic merge, ledger).

Prints events/s and peak memory and writes the section "GA4 import" of benchmarks/RESULTS.md.

    python benchmarks/bench_ga4_import.py --events 1M,10M [--keep]
    python benchmarks/bench_ga4_import.py --sizes 1G,5G [--keep]

``--events`` counts events (``1M`` = 1,000,000; about 2 KB each, so 10M is a ~20 GB file);
``--sizes`` counts bytes. The last note of the section says the load average of the run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import HERE, run_step, write_section  # noqa: E402
from gen_ga4_export import generate, parse_size  # noqa: E402

BASELINE = """
import duckdb
con = duckdb.connect({db!r})
con.execute("CREATE TABLE events AS SELECT * FROM read_json(?, format='newline_delimited')",
            ["{path}"])
RESULT = {{"rows": con.execute("SELECT count(*) FROM events").fetchone()[0]}}
"""

SOCIALROI = """
from pathlib import Path
from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_file
eng = DuckDBEngine({db!r})
eng.ensure_workspace("bench", currency="EUR", timezone="UTC")
r = import_file(eng, "bench", "web_events", Path("{path}"))
fresh = eng.run("SELECT count(*) FROM derived_state WHERE workspace_id = 'bench'")[0][0]
RESULT = {{"read": r.rows_read, "inserted": r.inserted, "skipped": r.skipped,
          "rejected": r.rejected, "preset": r.preset, "load_s": round(r.seconds, 1),
          "derived_refreshed": fresh}}
eng.close()
"""


def _fresh(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)
        Path(str(p) + ".wal").unlink(missing_ok=True)


def _lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(16 << 20):
            n += chunk.count(b"\n")
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="", help="export sizes in bytes, comma-separated (1G)")
    ap.add_argument("--events", default="", help="export sizes in events, comma-separated (1M)")
    ap.add_argument("--keep", action="store_true", help="keep the generated exports")
    args = ap.parse_args()
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    table = [
        "| export | events | step | seconds | events/s | MiB/s | peak RSS (MiB) | output |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    notes = []
    if not args.sizes and not args.events:
        args.events = "1M"
    wanted = [("events", t.strip()) for t in args.events.split(",") if t.strip()]
    wanted += [("bytes", t.strip()) for t in args.sizes.split(",") if t.strip()]
    for unit, size_text in wanted:
        path = data / f"ga4_{unit}_{size_text}.ndjson"
        if not path.exists():
            print(f"generating a {size_text} {unit} GA4 export into {path} …", flush=True)
            if unit == "events":
                # 1M = 10**6 events (parse_size's K/M/G are powers of 2, for bytes)
                t = size_text.upper()
                scale = {"K": 10**3, "M": 10**6, "G": 10**9}
                n = int(float(t[:-1]) * scale[t[-1]]) if t[-1] in scale else int(t)
                generate(path, events=n)
            else:
                generate(path, size=parse_size(size_text))
        events = _lines(path)
        mib = path.stat().st_size / 2**20
        base_db, our_db = data / "ga4_baseline.duckdb", data / "ga4_socialroi.duckdb"
        _fresh(base_db, our_db)
        rates = {}
        load_s = 0.0
        for label, code in (
            ("DuckDB read_json (ceiling)", BASELINE.format(db=str(base_db), path=path)),
            ("socialroi import (ga4 preset)", SOCIALROI.format(db=str(our_db), path=path)),
        ):
            print(f"{size_text}: {label} …", flush=True)
            m = run_step(code)
            rates[label] = events / m.seconds
            if isinstance(m.output, dict) and "load_s" in m.output:
                load_s = float(m.output["load_s"])
            print(
                f"  {m.seconds:8.2f} s  {events / m.seconds:10,.0f} events/s  "
                f"peak RSS {m.peak_rss_mib:7.0f} MiB  {m.output}",
                flush=True,
            )
            table.append(
                f"| {mib:,.0f} MiB | {events:,} | {label} | {m.seconds:.2f} | "
                f"{events / m.seconds:,.0f} | {mib / m.seconds:,.1f} | {m.peak_rss_mib:.0f} | "
                f"{m.output} |"
            )
        _fresh(base_db, our_db)
        share = rates["socialroi import (ga4 preset)"] / rates["DuckDB read_json (ceiling)"]
        ceiling_s = events / rates["DuckDB read_json (ceiling)"]
        ours_s = events / rates["socialroi import (ga4 preset)"]
        notes.append(
            f"{events:,} events ({mib:,.0f} MiB): socialroi reaches **{share:.0%}** of read_json's "
            f"events/s end to end ({ours_s:,.0f} s vs {ceiling_s:,.0f} s); of its time, "
            f"{load_s:,.0f} s read, checked and merged the events (`load_s`, "
            f"{ceiling_s / load_s:.0%} of the ceiling's rate) and the rest refreshed the stored "
            "sessions and daily aggregates that every import ends with (`socialroi.aggregates`)."
            if load_s
            else f"{mib:,.0f} MiB: socialroi reaches {share:.0%} of read_json's events/s."
        )
        if not args.keep:
            path.unlink()
    body = (
        "Generated GA4 BigQuery NDJSON exports (`benchmarks/gen_ga4_export.py`: nested "
        "event_params, device, geo, collected_traffic_source, ecommerce and items on purchases, "
        "about 2 KB per event), each step a separate process on a shared machine.\n\n"
        + "\n".join(table)
        + "\n\n"
        + " ".join(notes)
        + " Load average (1/5/15 min) at the end: "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg())
        + "."
        + " The import lets DuckDB read the file itself: `read_json` with the preset's fields as "
        "an explicit `columns=` schema (no sampling, no type detection), in a separate in-memory "
        "database allowed that one file (the main database keeps external access off), read "
        "and mapped on every thread, the records numbered in file order as they arrive, the "
        "mapped rows streamed as Arrow into one statement that types and checks them set-wise "
        "into the stage (DuckDB under `IMPORT_MEMORY_LIMIT` = 1 GB, spilling to `<db>.tmp`; "
        "the reader under 512 MB); then dedupe, merge and ledger in one transaction, the "
        "sha256 computed in a thread meanwhile; the refresh of the derived tables under the "
        "same 1 GB limit, the sessions of a first import computed a slice of visitors "
        "(about 2M events) at a time, their window passes sorting narrow rows (visitor, time, "
        "event id, source key) and each visit's fields read from its first event "
        "(`derived_refreshed` counts the derived tables recorded fresh). A file DuckDB "
        "cannot read (a malformed line) goes through the block reader instead, which names "
        "the line."
    )
    write_section("GA4 import", body)
    print("wrote the section 'GA4 import' of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
