"""Generate a GA4 BigQuery export (NDJSON, one event per line) of a given size.

Rows follow the layout of the real rows in /work/shared/data/ga4-export-samples (formats.md):
int64 as JSON strings, nulls written out, nested ``event_params`` (8-12 params with the
string/int/double value record), ``device``, ``geo``, ``privacy_info``, ``traffic_source``,
``collected_traffic_source`` and, on purchases, ``ecommerce`` and ``items``. Visitors have
sessions of 1-8 events; about 2 % of events are purchases, 1 % lead forms, 1 % consent-denied
(no ``user_pseudo_id``). About 1.7 KB per event.

    python benchmarks/gen_ga4_export.py OUT.ndjson --size 1G   (or -n EVENTS)
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SOURCES = [
    ("google", "organic", "(organic)"),
    ("linkedin", "social", "spring_launch"),
    ("facebook", "paid_social", "retargeting"),
    ("newsletter", "email", "weekly"),
    (None, None, None),
    (None, None, None),
]
PAGES = ["/", "/pricing", "/blog/roi", "/product", "/contact", "/thank-you", "/docs/start"]
COUNTRIES = ["Germany", "France", "United States", "Spain", "Netherlands"]


def _p(key: str, kind: str, value: object) -> dict[str, object]:
    v: dict[str, object] = {
        "string_value": None,
        "int_value": None,
        "float_value": None,
        "double_value": None,
    }
    v[kind] = value
    return {"key": key, "value": v}


def _event(rng: random.Random, visitor: str | None, session: int, ts_us: int, n: int) -> str:
    roll = rng.random()
    name = "purchase" if roll < 0.02 else "generate_lead" if roll < 0.03 else "page_view"
    page = "https://shop.example" + rng.choice(PAGES)
    src, med, camp = SOURCES[session % len(SOURCES)] if n == 0 else (None, None, None)
    params = [
        _p("ga_session_id", "int_value", str(session)),
        _p("ga_session_number", "int_value", str(1 + session % 5)),
        _p("page_location", "string_value", page + (f"?utm_source={src}" if src else "")),
        _p("page_referrer", "string_value", "https://www.google.com/" if src else None),
        _p("page_title", "string_value", "Shop - " + page.rsplit("/", 1)[-1]),
        _p("engagement_time_msec", "int_value", str(rng.randint(1, 90_000))),
        _p("session_engaged", "string_value", "1"),
        _p("ignore_referrer", "string_value", "true" if n else None),
    ]
    ecommerce = None
    items = []
    if name == "purchase":
        value = round(rng.uniform(10, 300), 2)
        tx = f"T{session}-{n}"
        params += [
            _p("currency", "string_value", "EUR"),
            _p("value", "double_value", value),
            _p("transaction_id", "string_value", tx),
            _p("tax", "double_value", round(value * 0.19, 4)),
        ]
        ecommerce = {
            "total_item_quantity": "1",
            "purchase_revenue_in_usd": str(round(value * 1.08, 6)),
            "purchase_revenue": str(value),
            "refund_value_in_usd": None,
            "refund_value": None,
            "shipping_value": "0.0",
            "tax_value": str(round(value * 0.19, 4)),
            "unique_items": "1",
            "transaction_id": tx,
        }
        items = [{"item_id": "SKU1", "item_name": "Widget", "price": value, "quantity": 1}]
    elif name == "generate_lead":
        params.append(_p("form_name", "string_value", "contact"))
    row = {
        "event_date": "20250301",
        "event_timestamp": str(ts_us),
        "event_name": name,
        "event_params": params,
        "event_previous_timestamp": None,
        "event_value_in_usd": None,
        "event_bundle_sequence_id": str(rng.randint(1, 10**6)),
        "event_server_timestamp_offset": None,
        "user_id": None,
        "user_pseudo_id": visitor,
        "privacy_info": {
            "analytics_storage": None,
            "ads_storage": None,
            "uses_transient_token": "No",
        },
        "user_properties": [],
        "user_first_touch_timestamp": str(ts_us - 86_400_000_000),
        "user_ltv": None,
        "device": {
            "category": "desktop",
            "operating_system": "Windows",
            "language": "en-gb",
            "web_info": {"browser": "Chrome", "hostname": "shop.example"},
        },
        "geo": {
            "continent": "Europe",
            "country": COUNTRIES[session % len(COUNTRIES)],
            "region": "",
            "city": "",
            "sub_continent": "Western Europe",
            "metro": "(not set)",
        },
        "traffic_source": {"name": "(organic)", "medium": "organic", "source": "google"},
        "stream_id": "1234567890",
        "platform": "WEB",
        "collected_traffic_source": {
            "manual_campaign_id": None,
            "manual_campaign_name": camp,
            "manual_source": src,
            "manual_medium": med,
            "manual_term": None,
            "manual_content": None,
            "gclid": None,
            "dclid": None,
            "srsltid": None,
        },
        "ecommerce": ecommerce,
        "items": items,
        "is_active_user": "true",
    }
    return json.dumps(row, separators=(",", ":"))


def generate(out: Path, *, events: int | None = None, size: int | None = None) -> int:
    """Write the export; stops after ``events`` events or ``size`` bytes. Returns events."""
    rng = random.Random(20250301)  # noqa: S311 - test data, not secrets
    written = 0
    n_events = 0
    ts = 1_740_787_200_000_000  # 2025-03-01T00:00:00Z
    with out.open("w", encoding="utf-8") as fh:
        visitor_no = 0
        while True:
            visitor_no += 1
            visitor = None if rng.random() < 0.01 else f"{visitor_no}.{1740787200 + visitor_no}"
            session = 1740787200 + visitor_no * 7
            for i in range(rng.randint(1, 8)):
                ts += rng.randint(1, 30) * 1_000_000
                line = _event(rng, visitor, session, ts, i) + "\n"
                fh.write(line)
                written += len(line)
                n_events += 1
                if (events is not None and n_events >= events) or (
                    size is not None and written >= size
                ):
                    return n_events


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().rstrip("B")
    return int(float(t[:-1]) * units[t[-1]]) if t and t[-1] in units else int(t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("-n", type=int, help="events")
    ap.add_argument("--size", help="bytes, e.g. 1G or 500M")
    args = ap.parse_args()
    n = generate(args.out, events=args.n, size=parse_size(args.size) if args.size else None)
    print(f"{n:,} events, {args.out.stat().st_size / 2**20:,.0f} MiB → {args.out}")


if __name__ == "__main__":
    main()
