"""Shared benchmark plumbing: run a step in a child process, measure time and peak memory, and
write a section of benchmarks/RESULTS.md."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


@dataclass
class Measured:
    seconds: float
    peak_rss_mib: float
    output: dict[str, object]


_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
ns = {}
exec(compile(sys.argv[1], "<bench step>", "exec"), ns)
out = ns.get("RESULT", {})
elapsed = time.perf_counter() - t0
# VmHWM belongs to this process's own address space; ru_maxrss survives exec and so reports
# the parent's size when the parent was bigger (e.g. right after generating the data)
with open("/proc/self/status") as status:
    peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024.0
print("@@RESULT@@" + json.dumps({"seconds": elapsed, "peak_rss_mib": peak, "output": out}))
"""


def run_step(
    code: str, *, env: dict[str, str] | None = None, python: str | None = None
) -> Measured:
    """Run ``code`` in a fresh Python process (``python``, default this one); it may set
    RESULT = {...}."""
    proc = subprocess.run(
        [python or sys.executable, "-c", _CHILD, code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"benchmark step failed (exit {proc.returncode})")
    if "@@RESULT@@" not in proc.stdout:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit("benchmark step printed no result")
    # DuckDB's progress bar may end without a newline, so the marker can start mid-line
    line = proc.stdout.rsplit("@@RESULT@@", 1)[-1].splitlines()[0]
    data = json.loads(line)
    return Measured(data["seconds"], data["peak_rss_mib"], data["output"])


def machine() -> str:
    cpu = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu} cores, {mem:.0f} GiB RAM, Python {sys.version.split()[0]}"


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section ``## name`` of RESULTS.md."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = f"## {name}\n\nMeasured {stamp} on {machine()}.\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")
