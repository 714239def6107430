"""Generate N raw touchpoints and their conversions into a DuckDB database, seeded.

The shape the attribution issue asks for: 12 channels; journeys (one per person) whose length is
geometric with mean 4.5; each touch repeats the previous channel with probability 0.25, else
draws a channel from fixed shares; about 3 % of journeys convert, with a probability that
depends on which channels the journey contains (a logistic model with one effect per channel,
so the data have a signal for the models to find); conversion values are log-normal.
Journeys start uniformly over a year, touches are 0-4 days apart (exponential, mean 1.5 days)
and a conversion follows the last touch within a day, so every converting journey fits the
90-day lookback. Rows are written in global time order, in chunks (bounded memory).

Tables: ``bench_touchpoints(person_id BIGINT, touchpoint_id BIGINT, touched_at TIMESTAMP,
channel VARCHAR)`` and ``bench_conversions(person_id BIGINT, converted_at TIMESTAMP,
value DOUBLE)`` (what the floor query and ChannelAttribution read), and the same rows as
socialroi's canonical touchpoints and conversions (string ids, ``data-contract.md``):
``touchpoints(person_id, touchpoint_id, touched_at, kind, channel, network, credit_key,
campaign, post_id)`` and ``conversions(conversion_id, person_id, converted_at, value)``, so that
socialroi reads stored touchpoints as it would in production rather than casting ids per run.

    python benchmarks/gen_touchpoints.py DB.duckdb [-n 10000000] [--seed 7]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

CHANNELS = (
    "Direct", "Organic Search", "Paid Search", "Email", "linkedin", "facebook", "instagram",
    "x", "youtube", "tiktok", "Referral", "Display",
)  # fmt: skip
SHARES = np.array([0.18, 0.16, 0.10, 0.08, 0.08, 0.08, 0.07, 0.06, 0.05, 0.05, 0.05, 0.04])
#: Logit effect of containing each channel (Email and Paid Search convert, Display hardly).
EFFECTS = np.array([0.2, 0.5, 0.7, 0.9, 0.6, 0.3, 0.2, 0.1, 0.3, 0.0, 0.4, -0.3])
BASE_LOGIT = -4.9  # calibrated: about 3 % of journeys convert
MEAN_LENGTH = 4.5
REPEAT = 0.25
START = np.datetime64("2025-01-01T00:00:00", "s")
YEAR_S = 365 * 86400
CHUNK_JOURNEYS = 500_000


def _chunk(
    rng: np.random.Generator, first_person: int, n_journeys: int
) -> tuple[pa.Table, pa.Table]:
    length = rng.geometric(1 / MEAN_LENGTH, size=n_journeys)
    total = int(length.sum())
    person = np.repeat(np.arange(first_person, first_person + n_journeys), length)
    offsets = np.cumsum(length) - length
    pos = np.arange(total) - np.repeat(offsets, length)
    fresh = rng.choice(len(CHANNELS), size=total, p=SHARES / SHARES.sum())
    repeat = (rng.random(total) < REPEAT) & (pos > 0)
    # a repeat copies the channel of the last fresh draw before it (runs of repeats chain)
    idx = np.where(repeat, 0, np.arange(total))
    np.maximum.accumulate(idx, out=idx)
    channel = fresh[idx]
    gaps = np.where(pos == 0, 0, rng.exponential(1.5 * 86400, size=total).clip(0, 4 * 86400))
    start = rng.integers(0, YEAR_S, size=n_journeys)
    cum = np.cumsum(gaps)
    at = np.repeat(start, length) + (cum - np.repeat(cum[offsets], length)).astype(np.int64)
    present = np.zeros((n_journeys, len(CHANNELS)), dtype=bool)
    present[person - first_person, channel] = True
    p = 1 / (1 + np.exp(-(BASE_LOGIT + present @ EFFECTS)))
    converts = rng.random(n_journeys) < p
    last_at = at[offsets + length - 1]
    conv_at = last_at + rng.integers(60, 86400, size=n_journeys)
    touches = pa.table(
        {
            "person_id": pa.array(person, pa.int64()),
            "touched_at_s": pa.array(at, pa.int64()),
            "channel_ix": pa.array(channel, pa.int8()),
        }
    )
    conv = pa.table(
        {
            "person_id": pa.array(np.flatnonzero(converts) + first_person, pa.int64()),
            "converted_at_s": pa.array(conv_at[converts], pa.int64()),
            "value": pa.array(np.round(rng.lognormal(5.0, 1.0, size=int(converts.sum())), 2)),
        }
    )
    return touches, conv


def generate(db: Path, n_touchpoints: int, seed: int = 7) -> dict[str, int]:
    """Write about ``n_touchpoints`` touchpoints (whole journeys) and their conversions."""
    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(db))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE OR REPLACE TABLE _raw_t (person_id BIGINT, touched_at_s BIGINT, channel_ix TINYINT)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE _raw_c (person_id BIGINT, converted_at_s BIGINT, value DOUBLE)"
    )
    n_journeys = max(1, round(n_touchpoints / MEAN_LENGTH))
    done = 0
    while done < n_journeys:
        k = min(CHUNK_JOURNEYS, n_journeys - done)
        touches, conv = _chunk(rng, done, k)
        con.register("_t", touches)
        con.register("_c", conv)
        con.execute("INSERT INTO _raw_t SELECT * FROM _t")
        con.execute("INSERT INTO _raw_c SELECT * FROM _c")
        con.unregister("_t")
        con.unregister("_c")
        done += k
    names = pa.table({"channel_ix": pa.array(range(len(CHANNELS)), pa.int8()),
                      "channel": pa.array(CHANNELS)})  # fmt: skip
    con.register("_names", names)
    start = str(START).replace("T", " ")
    # global time order; touchpoint_id numbers the rows in that order
    con.execute(f"""
        CREATE OR REPLACE TABLE bench_touchpoints AS
        SELECT person_id,
               row_number() OVER (ORDER BY touched_at_s, person_id) AS touchpoint_id,
               TIMESTAMP '{start}' + to_seconds(touched_at_s) AS touched_at,
               channel
        FROM _raw_t JOIN _names USING (channel_ix)
        ORDER BY touched_at_s, person_id
    """)  # noqa: S608 - constants only
    con.execute(f"""
        CREATE OR REPLACE TABLE bench_conversions AS
        SELECT person_id, TIMESTAMP '{start}' + to_seconds(converted_at_s) AS converted_at, value
        FROM _raw_c ORDER BY converted_at_s
    """)  # noqa: S608
    con.execute("DROP TABLE _raw_t")
    con.execute("DROP TABLE _raw_c")
    add_canonical(con)
    out = {
        "touchpoints": con.execute("SELECT count(*) FROM bench_touchpoints").fetchone()[0],  # type: ignore[index]
        "journeys": n_journeys,
        "conversions": con.execute("SELECT count(*) FROM bench_conversions").fetchone()[0],  # type: ignore[index]
    }
    con.close()
    return out


def add_canonical(con: duckdb.DuckDBPyConnection) -> None:
    """socialroi's canonical touchpoint and conversion tables from the bench tables (once)."""
    con.execute("""
        CREATE TABLE IF NOT EXISTS touchpoints AS
        SELECT CAST(person_id AS VARCHAR) AS person_id,
               CAST(touchpoint_id AS VARCHAR) AS touchpoint_id, touched_at,
               'visit' AS kind, channel, CAST(NULL AS VARCHAR) AS network, channel AS credit_key,
               CAST(NULL AS VARCHAR) AS campaign, CAST(NULL AS VARCHAR) AS post_id
        FROM bench_touchpoints ORDER BY touchpoint_id
    """)
    con.execute("""
        CREATE TABLE IF NOT EXISTS conversions AS
        SELECT CAST(person_id AS VARCHAR) AS conversion_id, CAST(person_id AS VARCHAR) AS person_id,
               converted_at, value
        FROM bench_conversions ORDER BY converted_at
    """)
    con.execute("CHECKPOINT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("-n", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(args.db, args.n, args.seed))


if __name__ == "__main__":
    main()
