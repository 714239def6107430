"""GA4 BigQuery export (``events_YYYYMMDD`` rows) → canonical ``web_events``.

One export row is one event (ga4-export.md §2, formats.md "GA4 BigQuery export rows"):

- ``visitor_id`` = ``user_pseudo_id``. An event without one (analytics consent denied) has no
  visitor and no session: it is read and counted as **skipped** (dbt-ga4 keeps such events for
  counts only).
- ``event_id`` = md5 of ``user_pseudo_id | stream_id | ga_session_id | event_name |
  event_timestamp | event_params`` (the dbt-ga4 event key): the same event exported in two
  daily tables, or re-imported, is one event. ``items`` are not in the key.
- ``occurred_at`` = ``event_timestamp`` (µs since the epoch, UTC).
- ``event``: ``page_view`` → ``pageview``, ``generate_lead`` → ``lead``; ``purchase``,
  ``refund`` and every other name are kept.
- ``url``/``referrer`` = params ``page_location``/``page_referrer``.
- UTM: ``collected_traffic_source.manual_*`` (what the URL carried, event scope), else the
  event params ``source``/``medium``/``campaign``/``content``/``term``; on a session's first
  event (``session_start`` or param ``entrances`` = 1) with neither, GA's own session source
  ``session_traffic_source_last_click.manual_campaign``. ``traffic_source`` (the user's first
  touch) is never used for events.
- ``click_id`` = ``collected_traffic_source.gclid`` / ``dclid``, else param ``gclid``.
- ``revenue`` = ``ecommerce.purchase_revenue`` on purchases, ``ecommerce.refund_value`` on
  refunds (else param ``value``); ``currency`` = param ``currency``; ``transaction_id`` =
  ``ecommerce.transaction_id``, else the param. The metrics deduplicate purchases by it.
- ``contact_id`` = ``user_id`` (your own id: identity stitching links the visitor to the
  contact with that id, see ``socialroi.metrics.people``).

Kept in ``extra`` (JSON): ``ga_session_id``, ``ga_session_number``, ``event_date``,
``stream_id``, ``platform``, ``device_category``, ``country``, and GA's session source
(``session_source``, ``session_medium``, ``session_campaign``, ``session_channel_group``) to
reconcile against. A GA4 session is (``visitor_id``, ``extra.ga_session_id``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from socialroi.ingest.presets._model import RecordPreset

__all__ = ["GA4", "GA4_COLUMNS", "ga4_event"]

GA4_COLUMNS = (
    "event_id",
    "visitor_id",
    "occurred_at",
    "event",
    "url",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "click_id",
    "revenue",
    "currency",
    "transaction_id",
    "contact_id",
    "ga_session_id",
    "ga_session_number",
    "event_date",
    "stream_id",
    "platform",
    "device_category",
    "country",
    "session_source",
    "session_medium",
    "session_campaign",
    "session_channel_group",
)

_EVENT_NAMES = {"page_view": "pageview", "generate_lead": "lead"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _s(value: Any) -> str | None:
    """A scalar as text (int64 arrive as JSON strings or numbers; floats keep their digits)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _params(raw: Any) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    if not isinstance(raw, list):
        return out
    for p in raw:
        if not isinstance(p, dict):
            continue
        v = p.get("value") or {}
        if not isinstance(v, dict):
            continue
        # a param can arrive in string_value in one event and int_value in the next
        for kind in ("string_value", "int_value", "double_value", "float_value"):
            got = v.get(kind)
            if got is not None:
                out[str(p.get("key"))] = _s(got)
                break
        else:
            out.setdefault(str(p.get("key")), None)
    return out


def _get(rec: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(rec, dict):
            return None
        rec = rec.get(key)
    return rec


def _micros(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        us = int(value)
    except ValueError:
        return value  # rejected by the canonical check with its value
    return (_EPOCH + dt.timedelta(microseconds=us)).isoformat().replace("+00:00", "Z")


def ga4_event(rec: dict[str, Any]) -> dict[str, str | None] | None:
    """The canonical ``web_events`` columns of one GA4 export row (module docstring), or None
    for an event without ``user_pseudo_id``."""
    visitor = _s(rec.get("user_pseudo_id"))
    if visitor is None:
        return None
    params = _params(rec.get("event_params"))
    name = _s(rec.get("event_name")) or ""
    ts = _s(rec.get("event_timestamp"))
    session = params.get("ga_session_id")
    stream = _s(rec.get("stream_id"))
    # the params as text, sorted: the same event from JSON (int64 as strings) and from
    # Parquet (int64 as ints) gets the same key
    key = json.dumps(sorted(params.items()), separators=(",", ":"))
    event_id = hashlib.md5(  # noqa: S324 - an identity key, not security
        f"{visitor}|{stream}|{session}|{name}|{ts}|{key}".encode(), usedforsecurity=False
    ).hexdigest()
    cts = rec.get("collected_traffic_source") or {}
    last = _get(rec, "session_traffic_source_last_click", "manual_campaign") or {}
    cross = _get(rec, "session_traffic_source_last_click", "cross_channel_campaign") or {}
    utm = {
        "utm_source": _s(_get(cts, "manual_source")) or params.get("source"),
        "utm_medium": _s(_get(cts, "manual_medium")) or params.get("medium"),
        "utm_campaign": _s(_get(cts, "manual_campaign_name")) or params.get("campaign"),
        "utm_content": _s(_get(cts, "manual_content")) or params.get("content"),
        "utm_term": _s(_get(cts, "manual_term")) or params.get("term"),
    }
    click = _s(_get(cts, "gclid")) or _s(_get(cts, "dclid")) or params.get("gclid")
    starts = name == "session_start" or params.get("entrances") == "1"
    if starts and not any(utm.values()) and click is None:
        utm["utm_source"] = _s(_get(last, "source"))
        utm["utm_medium"] = _s(_get(last, "medium"))
        utm["utm_campaign"] = _s(_get(last, "campaign_name"))
    ecommerce = rec.get("ecommerce") or {}
    revenue = None
    if name == "purchase":
        revenue = _s(_get(ecommerce, "purchase_revenue")) or params.get("value")
    elif name == "refund":
        revenue = _s(_get(ecommerce, "refund_value")) or params.get("value")
    return {
        "event_id": event_id,
        "visitor_id": visitor,
        "occurred_at": _micros(ts),
        "event": _EVENT_NAMES.get(name, name),
        "url": params.get("page_location"),
        "referrer": params.get("page_referrer"),
        **utm,
        "click_id": click,
        "revenue": revenue,
        "currency": params.get("currency") if revenue is not None else None,
        "transaction_id": _s(_get(ecommerce, "transaction_id")) or params.get("transaction_id"),
        "contact_id": _s(rec.get("user_id")),
        "ga_session_id": session,
        "ga_session_number": params.get("ga_session_number"),
        "event_date": _s(rec.get("event_date")),
        "stream_id": stream,
        "platform": _s(rec.get("platform")),
        "device_category": _s(_get(rec, "device", "category")),
        "country": _s(_get(rec, "geo", "country")),
        "session_source": _s(_get(last, "source")) or _s(_get(cross, "source")),
        "session_medium": _s(_get(last, "medium")) or _s(_get(cross, "medium")),
        "session_campaign": _s(_get(last, "campaign_name")) or _s(_get(cross, "campaign_name")),
        "session_channel_group": _s(_get(cross, "default_channel_group")),
    }


GA4 = RecordPreset(
    name="ga4",
    entity="web_events",
    label="GA4 BigQuery export (events_YYYYMMDD rows)",
    detect=("event_timestamp", "event_name", "user_pseudo_id", "event_params"),
    map_record=ga4_event,
    columns=GA4_COLUMNS,
    note="NDJSON, JSON, Parquet, gzip; consent-denied events (no user_pseudo_id) are skipped",
)
