"""Reliability scenario 1 with 20 seeds: kill -9 of a real server during a 10k-event burst
(16 connections), restart, and check every acknowledged event is stored exactly once.

Runs ``test_kill_9_during_a_burst_loses_no_acknowledged_event`` of tests/web/test_durability.py
(5 seeds in ``make test``) with ``SOCIALROI_KILL_SEEDS=1..N`` and writes the section
"Collector: kill -9" of benchmarks/RESULTS.md.

    python benchmarks/bench_kill9.py [--seeds 20]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import HERE, write_section  # noqa: E402

TEST = "tests/web/test_durability.py::test_kill_9_during_a_burst_loses_no_acknowledged_event"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args()
    seeds = ",".join(str(s) for s in range(1, args.seeds + 1))
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider"],
        cwd=HERE.parent,
        env={**os.environ, "SOCIALROI_KILL_SEEDS": seeds},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - t0
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]
    print(proc.stdout[-3000:])
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", tail)) else 0
    failed = int(m.group(1)) if (m := re.search(r"(\d+) failed", tail)) else 0
    write_section(
        "Collector: kill -9",
        f"""
`python benchmarks/bench_kill9.py --seeds {args.seeds}`: reliability scenario 1. For each seed a
real `socialroi serve` receives 10,000 unique events in batches of 10 over 16 connections and is
killed with SIGKILL at a seed-chosen moment (0.2–1.0 s into the burst); a new server replays the
spool by itself and the database is checked.

Seeds passed: **{passed} / {args.seeds}** (failed: {failed}); every acknowledged event present
exactly once in each passing seed. Wall time {elapsed:.0f} s. pytest: `{tail}`.
Load average at the end (1/5/15 min): {load} on {os.cpu_count()} cores (shared machine: the
wall time grows with it; the verdict does not depend on it). `make test` runs 5 seeds
(`SOCIALROI_KILL_SEEDS` defaults to 1..5 in tests/web/test_durability.py).
""",
    )
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
