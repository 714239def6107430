"""Every registered metric for one quarter on the N-event benchmark database (default 10M).

Each metric family runs in its own process (time and peak memory of that process), every metric
of the family at its default grouping and beside the previous quarter (``compare=True``, as
``socialroi metrics NAME`` does), so each number covers two periods. The baseline in the same run
is the bare DuckDB sessionisation of the same events (the floor of anything that counts visits).

The database holds the generated ``web_events`` only (``benchmarks/gen_web_events.py``), so the
families over posts, messages and mentions measure their plans over empty tables; the web
families (funnel, ROI, ecommerce) carry the load.

    python benchmarks/bench_metrics.py [-n 10000000] [--keep]

Writes the section "Metrics" of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import HERE, run_step, write_section  # noqa: E402
from bench_import_summary import IMPORT_SOCIALROI, SUMMARY_FLOOR  # noqa: E402
from gen_web_events import cached_csv  # noqa: E402

#: Metric families (registry names), each timed as one process.
FAMILIES: dict[str, tuple[str, ...]] = {
    "funnel and stage values": ("funnel",),
    "cost and ROI": ("roi",),
    "ecommerce": ("ecommerce",),
    "engagement": ("engagement", "engagement-lifetime", "best-time", "post-leaderboard"),
    "response": ("response", "response-customers", "unanswered"),
    "opportunities": ("opportunities", "deals-after-social"),
    "share of voice": ("share-of-voice", "share-of-voice-trend"),
}

FAMILY = """
import datetime as dt
from socialroi.engine import DuckDBEngine
from socialroi.metrics.registry import compute_metric
eng = DuckDBEngine({db!r}, read_only=True)
RESULT = {{}}
for name in {names!r}:
    r = compute_metric(eng, "bench", name, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    RESULT[name] = len(r.rows)
"""


def _body(n: int, rows: list[tuple[str, str, float, float, object]], *, complete: bool) -> str:
    floor = rows[0][2]
    table = [
        "| family | metrics (default grouping, quarter + previous quarter) | seconds | × floor "
        "| peak RSS (MiB) | rows |",
        "|---|---|---:|---:|---:|---|",
    ]
    for family, label, sec, rss, out in rows:
        table.append(f"| {family} | {label} | {sec:.2f} | {sec / floor:.1f} | {rss:.0f} | {out} |")
    total = sum(r[2] for r in rows[1:])
    status = (
        f"All families together: {total:.1f} s."
        if complete
        else f"**Partial run**: {len(rows) - 1} of {len(FAMILIES)} families measured so far."
    )
    return (
        f"{n:,} generated web events (`benchmarks/gen_web_events.py`), quarter "
        "2025-01-01..2025-03-31 beside the previous quarter; each family a separate process.\n\n"
        + "\n".join(table)
        + f"\n\n{status} The database holds web events only, so engagement, response, "
        "opportunities and share of voice run over empty tables — except the post leaderboard "
        "(in the engagement family), which needs the visits for its conversions, as the "
        "funnel, ROI and ecommerce families do, for both quarters. The visits are read from the "
        "stored sessions (`socialroi.aggregates`, built once after the import: see the Report "
        "section) wherever a metric uses `sessions(t)`; the ecommerce family's per-event join "
        "(`events_with_sessions`) still sessionises. Each process also compiles its Ibis plans "
        "(a few seconds). The machine is shared: the load average of the run is printed below, "
        "and with other jobs on the 2 cores the times are upper bounds. Before the derived "
        "tables (18:56 UTC, load 10–13): funnel 463 s, ROI 244 s, ecommerce 337 s, engagement "
        "594 s.\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", type=int, default=10_000_000, help="web events (default 10M)")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    args = ap.parse_args()
    data = HERE / "data"
    csv = cached_csv(data, args.n)
    db = data / f"metrics_{args.n}.duckdb"
    if not db.exists():
        print("importing …", flush=True)
        run_step(IMPORT_SOCIALROI.format(db=str(db), csv=csv))

    steps = [("baseline", "bare DuckDB sessionisation (floor)", SUMMARY_FLOOR.format(db=str(db)))]
    steps += [
        (family, ", ".join(names), FAMILY.format(db=str(db), names=names))
        for family, names in FAMILIES.items()
    ]
    rows: list[tuple[str, str, float, float, object]] = []
    for family, label, code in steps:
        print(f"{family}: {label} …", flush=True)
        m = run_step(code)
        rows.append((family, label, m.seconds, m.peak_rss_mib, m.output))
        print(f"  {m.seconds:8.2f} s  peak RSS {m.peak_rss_mib:7.0f} MiB  {m.output}", flush=True)
        # written after every family, so a run cut short still leaves what it measured
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        body = _body(args.n, rows, complete=len(rows) == len(steps))
        write_section("Metrics", f"{body}\nLoad average (1, 5, 15 min) at the end: {load}.\n")
    print(f"wrote {HERE / 'RESULTS.md'}")
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
