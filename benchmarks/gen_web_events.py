"""Generate N realistic canonical web_events rows as CSV, streaming in chunks (bounded memory).

Visits of 1-8 pageviews a few minutes apart; visitors come back over a quarter; the first event
of a visit carries its source (UTM tags, a social or search referrer, or nothing = direct);
about 1 % of visits end in a lead event and 0.3 % in a purchase.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

START = np.datetime64("2025-01-01T00:00:00", "s")
QUARTER_S = 90 * 86400

# (utm_source, utm_medium, referrer) per source kind, with its share of visits
SOURCES = [
    ("", "", "", 0.30),  # direct
    ("", "", "https://www.google.com/", 0.25),
    ("google", "cpc", "https://www.google.com/", 0.08),
    ("linkedin", "social", "https://www.linkedin.com/", 0.07),
    ("facebook", "paid_social", "https://l.facebook.com/", 0.06),
    ("", "", "https://t.co/abc", 0.05),
    ("instagram", "social", "https://l.instagram.com/", 0.05),
    ("newsletter", "email", "", 0.05),
    ("x", "social", "https://t.co/xyz", 0.04),
    ("", "", "https://partner.example.org/post", 0.05),
]
COLUMNS = [
    "event_id", "visitor_id", "occurred_at", "event", "url", "referrer", "utm_source",
    "utm_medium", "utm_campaign", "utm_content", "revenue", "currency", "transaction_id",
]  # fmt: skip


def _chunk(rng: np.random.Generator, first_event: int, n_events: int, n_visitors: int) -> pa.Table:
    pv = rng.geometric(1 / 3.0, size=n_events // 2 + 16).clip(1, 8)
    ends = np.cumsum(pv)
    n_visits = int(np.searchsorted(ends, n_events)) + 1
    pv = pv[:n_visits]
    pv[-1] -= int(ends[n_visits - 1] - n_events)
    visit_of = np.repeat(np.arange(n_visits), pv)
    pos = np.arange(n_events) - np.repeat(np.cumsum(pv) - pv, pv)
    visitor = rng.integers(0, n_visitors, size=n_visits)
    start = rng.integers(0, QUARTER_S, size=n_visits)
    gaps = np.where(pos == 0, 0, rng.integers(20, 300, size=n_events)).cumsum()
    ts = start[visit_of] + gaps - np.repeat(gaps[np.cumsum(pv) - pv], pv)
    kinds = rng.choice(len(SOURCES), size=n_visits, p=[s[3] for s in SOURCES])
    kind = np.where(pos == 0, kinds[visit_of], -1)
    src = np.array([s[0] for s in SOURCES] + [""], dtype=object)
    med = np.array([s[1] for s in SOURCES] + [""], dtype=object)
    ref = np.array([s[2] for s in SOURCES] + [""], dtype=object)
    last = np.r_[pos[1:] == 0, True]
    roll = rng.random(n_events)
    event = np.where(last & (roll < 0.003), "purchase", np.where(last & (roll < 0.013), "lead",
                     "pageview"))  # fmt: skip
    ids = np.arange(first_event, first_event + n_events)
    occurred = (START + ts.astype("timedelta64[s]")).astype(str)
    revenue = np.where(event == "purchase", np.round(rng.gamma(2.0, 40.0, n_events), 2), np.nan)
    tx = np.where(event == "purchase", np.char.add("t", ids.astype(str)), "")
    campaign = np.where(src[kind] != "", np.char.add("q1-", (visit_of % 7).astype(str)), "")
    return pa.table(
        {
            "event_id": pc.binary_join_element_wise("e", pa.array(ids.astype(str)), ""),
            "visitor_id": pc.binary_join_element_wise(
                "v", pa.array(visitor[visit_of].astype(str)), ""
            ),
            "occurred_at": pa.array(np.char.add(occurred, "Z")),
            "event": pa.array(event),
            "url": pa.array(np.where(pos == 0, "https://acme.example/", "https://acme.example/p")),
            "referrer": pa.array(ref[kind].astype(str)),
            "utm_source": pa.array(src[kind].astype(str)),
            "utm_medium": pa.array(med[kind].astype(str)),
            "utm_campaign": pa.array(campaign.astype(str)),
            "utm_content": pa.array(np.full(n_events, "")),
            "revenue": pa.array(revenue, from_pandas=True),
            "currency": pa.array(np.where(event == "purchase", "EUR", "")),
            "transaction_id": pa.array(tx.astype(str)),
        }
    )


def generate(path: Path, n_events: int, *, seed: int = 1, chunk: int = 1_000_000) -> Path:
    rng = np.random.default_rng(seed)
    n_visitors = max(10, n_events // 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pacsv.CSVWriter(path, _chunk(rng, 0, 1, 1).schema) as writer:
        done = 0
        while done < n_events:
            n = min(chunk, n_events - done)
            writer.write_table(_chunk(rng, done, n, n_visitors))
            done += n
    return path



def cached_csv(data: Path, n_events: int) -> Path:
    """``data/web_events_N.csv``, generated once and shared by the benchmarks."""
    data.mkdir(exist_ok=True)
    csv = data / f"web_events_{n_events}.csv"
    if not csv.exists():
        print(f"generating {n_events:,} web events into {csv} …", flush=True)
        generate(csv, n_events)
    return csv

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("-n", type=int, default=1_000_000)
    args = ap.parse_args()
    generate(args.out, args.n)
