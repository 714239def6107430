"""The collector's input: JSON events validated into spool records.

A request body is one event object, a list of them, or ``{"events": [...]}``. Limits follow
Segment and Plausible (reliability.md scenario 6): 32 KB per event and 500 KB per request
(HTTP 413), invalid JSON 400, string fields at most 2000 characters (the event is rejected,
not truncated: a cut URL would be a different page), page URLs only http/https. The format is
documented in ``docs/tracking.md``.

Each event becomes exactly one spool record, so the writer's counters balance:
``received = stored + failed + filtered``:

* ``e`` – a valid event (a row of ``web_events``);
* ``b`` – a bot or referrer-spam hit (kept in ``bot_hits``, counted as filtered);
* ``f`` – a rejected event with its reason (kept in ``failed_events``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from socialroi.tracking.bots import bot_name, is_spam_referrer

__all__ = [
    "RequestRejected",
    "MAX_BATCH_BYTES",
    "MAX_EVENT_BYTES",
    "MAX_FIELD_CHARS",
    "EventContext",
    "Parsed",
    "failed_record",
    "parse_events",
    "record_line",
]

MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_FIELD_CHARS = 2000
MAX_BATCH_EVENTS = 1000
#: How far in the past a client-supplied ``occurred_at`` may be (Matomo's ``cdt`` rule).
MAX_AGE = dt.timedelta(hours=24)
MAX_SKEW = dt.timedelta(minutes=10)

_STRING_FIELDS = (
    "event_id",
    "event",
    "url",
    "referrer",
    "visitor_id",
    "click_id",
    "goal",
    "currency",
    "transaction_id",
    "contact_id",
    "email",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
)
_UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
_ID = re.compile(r"^[\x21-\x7e]{1,200}$")
_EVENT = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


class RequestRejected(ValueError):
    """The whole request is refused with ``status`` (400, 413, 415); ``reason`` is a slug."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class EventContext:
    """What the server knows about the request; the IP is only used through ``visitor_id``."""

    workspace_ids: frozenset[str]
    visitor_id: Callable[[str], str]  # workspace_id -> the cookieless hash of this client
    user_agent: str | None
    received_at: dt.datetime
    default_workspace: str | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """Spool records of one request, and how many were accepted / rejected / filtered."""

    records: list[dict[str, Any]]
    accepted: int
    rejected: list[dict[str, Any]]
    filtered: int


# json.dumps builds a new encoder per call when given options; one shared encoder is a third
# of the collector's CPU per event less (profiled)
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode


def record_line(record: Mapping[str, Any]) -> bytes:
    return _ENCODE(record).encode("ascii")


def _us(t: dt.datetime) -> int:
    return (
        int(t.replace(tzinfo=dt.UTC).timestamp() * 1_000_000)
        if t.tzinfo is None
        else int(t.timestamp() * 1_000_000)
    )


def failed_record(
    workspace_id: str,
    stream: str,
    reason: str,
    body: str,
    received_at: dt.datetime,
    event_id: str | None = None,
) -> dict[str, Any]:
    """A spool record for rejected input (the body is cut to 2000 characters)."""
    return {
        "k": "f",
        "ws": workspace_id,
        "s": stream,
        "d": {
            "received_at": _us(received_at),
            "reason": reason,
            "event_id": event_id,
            "body": body[:MAX_FIELD_CHARS],
        },
    }


def parse_body(body: bytes, content_type: str | None) -> list[Any]:
    """The list of event objects in a request body; raises :class:`RequestRejected`."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in ("application/json", "text/plain", ""):
        raise RequestRejected(415, "unsupported-media-type")
    if len(body) > MAX_BATCH_BYTES:
        raise RequestRejected(413, "batch-too-large")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise RequestRejected(400, "invalid-json") from None
    if isinstance(data, dict) and "events" in data:
        data = data["events"]
    items = data if isinstance(data, list) else [data]
    if not items:
        raise RequestRejected(400, "no-events")
    if len(items) > MAX_BATCH_EVENTS:
        raise RequestRejected(413, "too-many-events")
    return items


def parse_events(body: bytes, content_type: str | None, ctx: EventContext) -> Parsed:
    """Validate a request body into spool records.

    Raises :class:`RequestRejected` for a body that is not events at all (415, 413, 400) or
    holds an event over 32 KB (413); each individual bad event becomes an ``f`` record.
    """
    items = parse_body(body, content_type)
    records: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    accepted = filtered = 0
    # no event of a body within the per-event limit can be over it: encode each event again
    # (to measure it) only for larger bodies
    if len(body) > MAX_EVENT_BYTES:
        for item in items:
            if len(_raw(item)) > MAX_EVENT_BYTES:
                raise RequestRejected(413, "event-too-large")
    for i, item in enumerate(items):
        ws = ctx.default_workspace
        if isinstance(item, dict) and isinstance(item.get("workspace"), str):
            ws = item["workspace"]
        known_ws = ws if ws in ctx.workspace_ids else ""
        try:
            if not known_ws:
                raise _Bad("unknown-workspace")
            rec = _event_record(item, known_ws, ctx)
        except _Bad as bad:
            event_id = item.get("event_id") if isinstance(item, dict) else None
            eid = event_id if isinstance(event_id, str) and _ID.match(event_id) else None
            records.append(
                failed_record(
                    known_ws, "events", bad.reason, _raw(item).decode(), ctx.received_at, eid
                )
            )
            rejected.append({"index": i, "reason": bad.reason})
            continue
        records.append(rec)
        if rec["k"] == "b":
            filtered += 1
        else:
            accepted += 1
    return Parsed(records, accepted, rejected, filtered)


def _raw(item: Any) -> bytes:
    return item.encode() if isinstance(item, str) else record_line(item)


class _Bad(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _http_url(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme not in ("http", "https"):
        raise _Bad(f"bad-url:{field}")
    return value


def _event_record(item: Any, ws: str, ctx: EventContext) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _Bad("not-an-object")
    d: dict[str, Any] = {}
    for f in _STRING_FIELDS:
        v = item.get(f)
        if v is None:
            continue
        if not isinstance(v, str):
            raise _Bad(f"not-a-string:{f}")
        if len(v) > MAX_FIELD_CHARS:
            raise _Bad(f"too-long:{f}")
        if "\x00" in v:
            raise _Bad(f"control-character:{f}")
        d[f] = v
    if "event_id" not in d or not _ID.match(d["event_id"]):
        raise _Bad("missing-event-id")
    event = d.get("event", "pageview")
    if not _EVENT.match(event):
        raise _Bad("bad-event-name")
    d["event"] = event.lower() if event.lower() in _STANDARD else event
    d["url"] = _http_url(d.get("url"), "url")
    ref = d.get("referrer")
    if ref and ref.split(":", 1)[0].lower() not in ("http", "https", "android-app"):
        d["referrer"] = None  # only web and app referrers are sources (channels.md §3)
    if "visitor_id" in d and not _ID.match(d["visitor_id"]):
        raise _Bad("bad-visitor-id")
    if "click_id" in d and not _ID.match(d["click_id"]):
        raise _Bad("bad-click-id")
    if "currency" in d:
        if not _CURRENCY.match(d["currency"]):
            raise _Bad("bad-currency")
        d["currency"] = d["currency"].upper()
    revenue = item.get("revenue")
    if revenue is not None:
        if isinstance(revenue, bool) or not isinstance(revenue, int | float):
            raise _Bad("bad-revenue")
        if not math.isfinite(revenue) or abs(revenue) > 1e12:
            raise _Bad("bad-revenue")
        d["revenue"] = float(revenue)
    d["occurred_at"] = _us(_occurred_at(item.get("occurred_at"), ctx.received_at))
    if d["url"]:
        # UTM tags from the page URL unless given explicitly; click id from the redirector
        query = dict(parse_qsl(urlsplit(d["url"]).query, keep_blank_values=False))
        for f in _UTM:
            if f not in d and query.get(f):
                d[f] = query[f][:MAX_FIELD_CHARS]
        if "click_id" not in d and _ID.match(query.get("sr_cid", "")):
            d["click_id"] = query["sr_cid"]
    props = item.get("props")
    if props is not None:
        if not isinstance(props, dict):
            raise _Bad("bad-props")
        # scalar values only (Plausible drops lists and maps)
        d["extra"] = json.dumps(
            {str(k)[:200]: v for k, v in props.items() if isinstance(v, str | int | float | bool)}
        )
    ua = ctx.user_agent
    d["user_agent"] = ua[:MAX_FIELD_CHARS] if ua else None
    bot = bot_name(ua)
    ref_host = _host(d.get("referrer"))
    if bot is None and is_spam_referrer(ref_host):
        bot = "referrer-spam"
    if bot is not None:
        return {
            "k": "b",
            "ws": ws,
            "s": "events",
            "d": {
                "occurred_at": d["occurred_at"],
                "bot": bot,
                "user_agent": d["user_agent"],
                "url": d["url"],
                "code": None,
            },
        }
    if "visitor_id" not in d:
        d["visitor_id"] = ctx.visitor_id(ws)
    return {"k": "e", "ws": ws, "d": d}


_STANDARD = frozenset({"pageview", "goal", "lead", "purchase", "refund", "identify"})


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _occurred_at(value: Any, received_at: dt.datetime) -> dt.datetime:
    if value is None:
        return received_at
    if not isinstance(value, str) or len(value) > 40:
        raise _Bad("bad-timestamp")
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad("bad-timestamp") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    if not received_at - MAX_AGE <= t <= received_at + MAX_SKEW:
        raise _Bad("timestamp-out-of-range")
    return t
