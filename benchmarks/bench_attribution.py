"""Attribution at scale: 1M, 10M and 30M touchpoints in a DuckDB database, whole processes.

Side by side in the same run, each step a fresh process reading the touchpoints stored by
``gen_touchpoints.py`` (12 channels, geometric journeys with mean 4.5 touches, 25 % repeats,
~3 % converting, rows in global time order):

- **floor**: the bare DuckDB query that counts first-order transitions (collapsed repeats,
  ``(start)``, ``(conversion)``, ``(null)``) with lag/lead — nothing else;
- **socialroi Markov order 1**: from socialroi's canonical touchpoint and conversion tables
  (string ids, stored by ``gen_touchpoints.py`` beside the bench tables): the converting and
  null journeys (90-day window) as ``NullJourneys`` with the journeys built by
  ``count_transitions(engine, None, nj)`` (one ordered pass over the touchpoints of people who
  never converted, one over those of people with a conversion), transition counts summed from
  their ``GROUP BY``s, exact absorbing-chain solve;
- **socialroi all models**: ``compare_models`` — first, last, last non-direct, linear, time
  decay, position-based, Markov (order 1) and Shapley, assisted conversions, top paths and the
  path-length and time-lag distributions, in one call;
- **socialroi all models + bootstrap**: the same with 200 bootstrap replicates (not at 30M);
- **ChannelAttribution markov_model** (order 1, nulls and values, its defaults otherwise),
  including building its path table (one row per distinct path) from the same database. It is
  GPL, so it lives only in ``benchmarks/.venv-ca`` (git-ignored): ``python -m venv
  benchmarks/.venv-ca && benchmarks/.venv-ca/bin/pip install channelattribution matplotlib
  duckdb pyarrow pandas``.

Prints seconds and peak memory (max RSS of each child process), the largest difference between
ChannelAttribution's Monte-Carlo removal effects and socialroi's exact ones, and writes the
section "Attribution" of benchmarks/RESULTS.md. The CPU load before the run is recorded (the
machine is shared).

    python benchmarks/bench_attribution.py [--sizes 1000000 10000000 30000000] [--steps …]
        [--repeat 3]

(`--sizes` with no size rewrites the section from the results kept in benchmarks/data.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import HERE, Measured, run_step, write_section  # noqa: E402
from gen_touchpoints import add_canonical, generate  # noqa: E402

CA_PYTHON = HERE / ".venv-ca" / "bin" / "python"

FLOOR = """
import duckdb
con = duckdb.connect({db!r}, read_only=True)
rows = con.execute('''
WITH c AS (SELECT DISTINCT person_id FROM bench_conversions),
t AS (SELECT person_id, channel, lag(channel) OVER w AS prev, lead(channel) OVER w AS nxt
      FROM bench_touchpoints
      WINDOW w AS (PARTITION BY person_id ORDER BY touched_at, touchpoint_id))
SELECT coalesce(prev, '(start)') AS a, channel AS b, count(*) AS n FROM t
WHERE prev IS NULL OR prev <> channel GROUP BY ALL
UNION ALL
SELECT channel, CASE WHEN c.person_id IS NULL THEN '(null)' ELSE '(conversion)' END, count(*)
FROM t LEFT JOIN c USING (person_id) WHERE nxt IS NULL GROUP BY ALL
''').fetchall()
RESULT = {{"transitions": len(rows), "journeys": sum(n for a, b, n in rows if a == '(start)')}}
"""

# the same query on socialroi's canonical tables (string ids, as production stores them):
# how much of the gap to the floor is the id type alone
FLOOR_STRINGS = (
    FLOOR.replace("bench_conversions", "conversions")
    .replace("bench_touchpoints", "touchpoints")
    .replace("channel", "credit_key")
)

# socialroi reads the canonical touchpoint and conversion tables (string ids) that
# gen_touchpoints stores beside the bench tables
SETUP = """
from socialroi.engine import DuckDBEngine
from socialroi.attribution import NullJourneys, journeys
eng = DuckDBEngine({db!r}, read_only=True)
tp = eng.backend.table("touchpoints")
cv = eng.backend.table("conversions")
j = journeys(tp, cv, window_days=90)
nj = NullJourneys(tp, cv, window_days=90)
"""

MARKOV = (
    SETUP
    + """
from socialroi.attribution.markov import markov_from_transitions
from socialroi.attribution.reports import count_transitions
tot = eng.execute(cv.aggregate(n=cv.count(), v=cv.value.sum())).to_pylist()[0]
r = markov_from_transitions(count_transitions(eng, None, nj), tot["n"], tot["v"])
RESULT = {{"conversions": tot["n"], "removal_effects": r.removal_effects,
           "credit": r.conversions}}
"""
)

ALL_MODELS = (
    SETUP
    + """
from socialroi.attribution.compare import compare_models
r = compare_models(eng, j, nj, bootstrap={bootstrap}, top=10)
RESULT = {{"models": len(r["credit"]), "conversions": r["conversions"],
           "top_path": r["top_paths"][0]["path"], "warnings": len(r["warnings"]),
           "intervals": len(r["intervals"]["markov"])}}
"""
)

CHANNEL_ATTRIBUTION = """
import duckdb
from ChannelAttribution import markov_model
con = duckdb.connect({db!r}, read_only=True)
data = con.execute('''
WITH p AS (
  SELECT person_id, string_agg(channel, ' > ' ORDER BY touched_at, touchpoint_id) AS path
  FROM bench_touchpoints GROUP BY person_id)
SELECT path, count(c.person_id) AS total_conv, coalesce(sum(c.value), 0) AS total_value,
       count(*) - count(c.person_id) AS total_null
FROM p LEFT JOIN bench_conversions c USING (person_id) GROUP BY path
''').df()
res = markov_model(data, "path", "total_conv", var_value="total_value", var_null="total_null",
                   order=1, out_more=True, verbose=False)
re_ = res["removal_effects"]
col = "removal_effects_conversion" if "removal_effects_conversion" in re_ else "removal_effect"
credit = res["result"]
RESULT = {{"paths": len(data),
           "removal_effects": dict(zip(re_["channel_name"], map(float, re_[col]))),
           "credit": dict(zip(credit["channel_name"], map(float, credit["total_conversions"])))}}
"""


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 10_000_000, 30_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-ca", action="store_true", help="skip ChannelAttribution")
    parser.add_argument(
        "--steps",
        nargs="+",
        default=None,
        help="only these steps: floor floor_str markov all boot ca",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each step, taken in turns (each step's time is the median)",
    )
    args = parser.parse_args()
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    # sizes measured in earlier runs are kept, so 30M can run last and once on its own
    store = data / "attribution_results.json"
    saved: dict[str, dict[str, object]] = (
        json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    )
    for n in args.sizes:
        db = data / f"touchpoints_{n}.duckdb"
        if not db.exists():
            print(f"generating {n:,} touchpoints → {db}", flush=True)
            generate(db, n, args.seed)
        with duckdb.connect(str(db)) as con:
            add_canonical(con)  # databases generated before the canonical tables existed
        load = _load()
        steps: dict[str, dict[str, object]] = dict(saved.get(str(n), {}))
        plan = [
            ("floor", "bare DuckDB lag/lead transition counts (floor)", FLOOR, None),
            ("floor_str", "… the same on the canonical tables (string ids)", FLOOR_STRINGS,
             None),
            ("markov", "socialroi exact Markov order 1", MARKOV, None),
            ("all", "socialroi all 8 models + assisted + top paths + distributions",
             ALL_MODELS.replace("{bootstrap}", "0"), None),
        ]  # fmt: skip
        if n < 30_000_000:
            plan.append(("boot", "… the same + 200 bootstrap replicates",
                         ALL_MODELS.replace("{bootstrap}", "200"), None))  # fmt: skip
        if not args.no_ca and CA_PYTHON.exists():
            plan.append(("ca", "ChannelAttribution markov_model order 1 (+ path table)",
                         CHANNEL_ATTRIBUTION, str(CA_PYTHON)))  # fmt: skip
        chosen = [p for p in plan if args.steps is None or p[0] in args.steps]
        runs: dict[str, list[Measured]] = {key: [] for key, *_ in chosen}
        # in turns, so that a change of load during the run weighs on every step alike
        for _ in range(max(1, args.repeat)):
            for key, label, code, python in chosen:
                print(f"{n:,}: {label} …", flush=True)
                m = run_step(code.format(db=str(db)), python=python)
                runs[key].append(m)
                shown = {k: v for k, v in m.output.items()
                         if k not in ("removal_effects", "credit")}  # fmt: skip
                print(f"   {m.seconds:8.2f} s  {m.peak_rss_mib:7.0f} MiB  {shown}", flush=True)
        for key, label, *_ in chosen:
            times = sorted(m.seconds for m in runs[key])
            steps[key] = {"label": label, "seconds": statistics.median(times),
                          "runs": times, "peak": max(m.peak_rss_mib for m in runs[key]),
                          "output": runs[key][-1].output, "load": load}  # fmt: skip
        saved[str(n)] = steps
        store.write_text(json.dumps(saved, indent=1), encoding="utf-8")
    body = _body(saved, args.seed)
    write_section("Attribution", body)
    print(body)


_ORDER = ("floor", "floor_str", "markov", "all", "boot", "ca")


def _seconds(step: dict[str, object]) -> float:
    return float(step["seconds"])  # type: ignore[arg-type]


def _body(saved: dict[str, dict[str, dict[str, object]]], seed: int) -> str:
    lines: list[str] = []
    notes: list[str] = []
    sizes = sorted(int(n) for n in saved)
    for n in sizes:
        steps = saved[str(n)]
        for _key, m in sorted(steps.items(), key=lambda kv: _ORDER.index(kv[0])):
            out = m["output"]
            assert isinstance(out, dict)
            shown = {k: v for k, v in out.items() if k not in ("removal_effects", "credit")}
            runs = m.get("runs") or [m["seconds"]]
            assert isinstance(runs, list)
            spread = " / ".join(f"{float(t):.2f}" for t in runs)
            lines.append(
                f"| {n:,} | {m['label']} | {_seconds(m):.2f} | {spread} | "
                f"{n / _seconds(m):,.0f} | {float(m['peak']):.0f} | {shown} | {m['load']} |"  # type: ignore[arg-type]
            )
        floor = _seconds(steps["floor"])
        notes.append(
            f"- {n:,}: Markov order 1 = {_seconds(steps['markov']) / floor:.2f}× the floor; "
            f"all models = {_seconds(steps['all']) / floor:.2f}× the floor."
        )
        if "floor_str" in steps:
            fs = _seconds(steps["floor_str"])
            notes.append(
                f"  The floor query on the string-id tables takes {fs / floor:.2f}× the floor; "
                f"Markov order 1 = {_seconds(steps['markov']) / fs:.2f}× that."
            )
        if "ca" in steps:
            ours = steps["markov"]["output"]
            theirs = steps["ca"]["output"]
            assert isinstance(ours, dict) and isinstance(theirs, dict)
            re_ours, re_theirs = ours["removal_effects"], theirs["removal_effects"]
            diff = max(abs(float(re_ours[k]) - float(re_theirs.get(k, 0.0))) for k in re_ours)
            c_ours, c_theirs = ours["credit"], theirs["credit"]
            total = float(ours["conversions"])
            cdiff = max(abs(float(c_ours[k]) - float(c_theirs.get(k, 0.0))) for k in c_ours)
            ca = _seconds(steps["ca"])
            notes.append(
                f"  ChannelAttribution's Markov takes {ca:.1f} s; socialroi's all-models call is "
                f"{_seconds(steps['all']) / ca:.2f}× that, its exact Markov "
                f"{_seconds(steps['markov']) / ca:.2f}×. Largest removal-effect difference "
                f"{diff:.4f}; largest credit difference {cdiff:.1f} conversions "
                f"({cdiff / total:.2%} of {total:,.0f})."
            )
    if "10000000" in saved and "30000000" in saved:
        for key in ("markov", "all"):
            r = _seconds(saved["30000000"][key]) / _seconds(saved["10000000"][key])
            notes.append(f"- 30M ÷ 10M time ({key}): {r:.2f}× (target ≤ 3.2×).")
    ten = saved.get("10000000", {})
    if {"floor", "markov", "all", "ca"} <= set(ten):
        notes.append("\nTargets at 10M touchpoints:")

        def met(ok: bool) -> str:
            return "**met**" if ok else "**not met**"

        ratio = _seconds(ten["markov"]) / _seconds(ten["floor"])
        peak = float(ten["markov"]["peak"])  # type: ignore[arg-type]
        notes.append(f"- exact Markov order 1 ≤ 1.5× the floor: {ratio:.2f}× — "
                     f"{met(ratio <= 1.5)}; under 1 GB peak: {peak:,.0f} MiB — "
                     f"{met(peak < 1024)}.")  # fmt: skip
        ratio = _seconds(ten["all"]) / _seconds(ten["ca"])
        peak = float(ten["all"]["peak"])  # type: ignore[arg-type]
        notes.append(f"- all models + assisted + top paths ≤ 0.5× ChannelAttribution's Markov: "
                     f"{ratio:.2f}× — {met(ratio <= 0.5)}; under 1.5 GB peak: {peak:,.0f} MiB — "
                     f"{met(peak < 1536)}.")  # fmt: skip
    if "10000000" in saved and "30000000" in saved:
        r = _seconds(saved["30000000"]["all"]) / _seconds(saved["10000000"]["all"])
        notes.append(f"- 30M in ≤ 3.2× the 10M time (all models): {r:.2f}× — "
                     f"{'**met**' if r <= 3.2 else '**not met**'} (load when measured: "
                     f"10M {saved['10000000']['all']['load']}, "
                     f"30M {saved['30000000']['all']['load']}; on a shared machine the ratio "
                     "moves with the load).")  # fmt: skip
    return (
        f"Touchpoints from `benchmarks/gen_touchpoints.py` (seed {seed}), stored in DuckDB: the "
        "floor and ChannelAttribution read the bench tables (BIGINT ids), socialroi its "
        "canonical touchpoint and conversion tables with the same rows (string ids, as "
        "production stores them; the second row of each size is the floor query on those). "
        "Each step is a separate process (its time includes Python start, imports and reading "
        "the database); DuckDB runs with its defaults (2 threads, no memory limit) in every "
        "step. Every step runs several times, the steps taking turns, and its time is the "
        "median of its runs (all of them listed); the peak is the largest of its runs. The "
        "load average (1 / 5 / 15 min) before each size is in the last column: on a shared "
        "machine every time is an upper bound.\n\n"
        "| touchpoints | step | seconds (median) | runs (s) | touchpoints/s | peak RSS (MiB) "
        "| output | load |\n"
        "|---:|---|---:|---|---:|---:|---|---|\n" + "\n".join(lines) + "\n\n" + "\n".join(notes)
    )


if __name__ == "__main__":
    main()
