"""GA4 BigQuery export (``events_YYYYMMDD`` rows) → canonical ``web_events``.

The mapping is one SQL ``SELECT`` run by DuckDB over the events parsed into the fields below
(:data:`STRUCTURE`), reading JSON numbers and strings alike as text (int64 arrive as strings in
one export path and numbers in another, and a param can switch between ``string_value`` and
``int_value``). An NDJSON file is parsed by DuckDB's ``read_json`` with that structure as its
``columns``; a file it cannot read, by ``from_json`` line by line (the same fields, the same
rows). Parquet rows and ``.json`` documents are turned into JSON lines first, so there is one
mapping.

One export row is one event (ga4-export.md §2, formats.md "GA4 BigQuery export rows"):

- ``visitor_id`` = ``user_pseudo_id``. An event without one (analytics consent denied) has no
  visitor and no session: it is read and counted as **skipped** (dbt-ga4 keeps such events for
  counts only).
- ``event_id`` = md5 of ``user_pseudo_id | stream_id | ga_session_id | event_name |
  event_timestamp | param keys | param values`` (the dbt-ga4 event key; the params as the text
  of their key list and value list, each value whichever of string/int/double/float it came
  in, as text, so an int64 written as a JSON string or as a number, or a value that moved
  between ``string_value`` and ``int_value``, gives the same key): the same event exported in
  two daily tables, or re-imported, is one event. ``items`` are not in the key.
- ``occurred_at`` = ``event_timestamp`` (µs since the epoch, UTC), typed directly (not written
  out as text and parsed back) in the years 1000-9999.
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

import json

from socialroi.ingest.presets._model import JsonPreset

__all__ = ["GA4", "GA4_COLUMNS"]

_V = "VARCHAR"
_VALUE = {"string_value": _V, "int_value": _V, "float_value": _V, "double_value": _V}
_CAMPAIGN = {"source": _V, "medium": _V, "campaign_name": _V, "default_channel_group": _V}

#: What ``read_json``/``from_json`` extracts from a line (every scalar as text).
STRUCTURE: dict[str, object] = {
    "event_date": _V,
    "event_timestamp": _V,
    "event_name": _V,
    "event_params": [{"key": _V, "value": _VALUE}],
    "user_id": _V,
    "user_pseudo_id": _V,
    "stream_id": _V,
    "platform": _V,
    "device": {"category": _V},
    "geo": {"country": _V},
    "collected_traffic_source": {
        "manual_campaign_name": _V,
        "manual_source": _V,
        "manual_medium": _V,
        "manual_term": _V,
        "manual_content": _V,
        "gclid": _V,
        "dclid": _V,
    },
    "session_traffic_source_last_click": {
        "manual_campaign": _CAMPAIGN,
        "cross_channel_campaign": _CAMPAIGN,
    },
    "ecommerce": {"transaction_id": _V, "purchase_revenue": _V, "refund_value": _V},
}


#: Event params read, each once per line (as column ``p_<key>`` of the inner query).
PARAMS = (
    "ga_session_id",
    "ga_session_number",
    "page_location",
    "page_referrer",
    "source",
    "medium",
    "campaign",
    "content",
    "term",
    "gclid",
    "entrances",
    "value",
    "currency",
    "transaction_id",
)


#: First layer: the params' keys and values (of whichever kind each arrived in) as two lists.
PARAM_LISTS: dict[str, str] = {
    "p_keys": "list_transform(j.event_params, lambda p: p.key)",
    "p_values": (
        "list_transform(j.event_params, lambda p: nullif(coalesce(p.value.string_value, "
        "p.value.int_value, p.value.double_value, p.value.float_value), ''))"
    ),
}


def _param_sql(key: str) -> str:
    """The value of the first event param named ``key``."""
    return f"p_values[list_position(p_keys, '{key}')]"


def _f(path: str) -> str:
    return f"nullif(j.{path}, '')"


_CTS = "collected_traffic_source"
_LAST = "session_traffic_source_last_click.manual_campaign"
_CROSS = "session_traffic_source_last_click.cross_channel_campaign"

_FIRST_US = -30_610_224_000_000_000  # 1000-01-01 00:00:00 in µs since the epoch
_LAST_US = 253_402_300_799_999_999  # 9999-12-31 23:59:59.999999

#: Middle layer: values used more than once, computed once per line.
INNER: dict[str, str] = {
    "u_source": f"coalesce({_f(_CTS + '.manual_source')}, p_source)",
    "u_medium": f"coalesce({_f(_CTS + '.manual_medium')}, p_medium)",
    "u_campaign": f"coalesce({_f(_CTS + '.manual_campaign_name')}, p_campaign)",
    "u_content": f"coalesce({_f(_CTS + '.manual_content')}, p_content)",
    "u_term": f"coalesce({_f(_CTS + '.manual_term')}, p_term)",
    "u_click": f"coalesce({_f(_CTS + '.gclid')}, {_f(_CTS + '.dclid')}, p_gclid)",
    # µs since the epoch, typed directly in the years 1000-9999 (what the text below spells
    # with 4 digits and the canonical check reads back: the same value, without the text)
    "u_at": (
        "CASE WHEN TRY_CAST(j.event_timestamp AS BIGINT) BETWEEN "
        f"{_FIRST_US} AND {_LAST_US} THEN make_timestamp(TRY_CAST(j.event_timestamp AS BIGINT)) END"
    ),
    "u_revenue": (
        "CASE j.event_name "
        f"WHEN 'purchase' THEN coalesce({_f('ecommerce.purchase_revenue')}, p_value) "
        f"WHEN 'refund' THEN coalesce({_f('ecommerce.refund_value')}, p_value) END"
    ),
}

# a session's first event with no source of its own takes GA's session source
_FALLBACK = (
    "(j.event_name = 'session_start' OR p_entrances = '1') "
    "AND coalesce(u_source, u_medium, u_campaign, u_content, u_term, u_click) IS NULL"
)


def _or_session(own: str, last: str) -> str:
    return f"CASE WHEN {_FALLBACK} THEN {_f(_LAST + '.' + last)} ELSE {own} END"


#: Output column → SQL over ``j`` (the parsed line), ``p_<param>`` and :data:`INNER`:
#: canonical columns, then extra attributes.
SELECT: dict[str, str] = {
    # the params as the text of their key and value lists (DuckDB quotes strings and writes
    # NULL in a list's text, so it is unambiguous): the text of the nested records themselves
    # cost 40 % of the read
    "event_id": (
        "md5(concat_ws('|', j.user_pseudo_id, coalesce(j.stream_id, ''), "
        "coalesce(p_ga_session_id, ''), j.event_name, j.event_timestamp, "
        "coalesce(CAST(p_keys AS VARCHAR), ''), coalesce(CAST(p_values AS VARCHAR), '')))"
    ),
    "visitor_id": "j.user_pseudo_id",
    # typed as u_at (GA4.typed); the text is what a bad value is reported as
    "occurred_at": (
        "CASE WHEN u_at IS NOT NULL THEN j.event_timestamp "
        "ELSE coalesce(strftime(make_timestamp(TRY_CAST(j.event_timestamp AS BIGINT)), "
        "'%Y-%m-%dT%H:%M:%S.%fZ'), j.event_timestamp) END"
    ),
    "event": (
        "CASE j.event_name WHEN 'page_view' THEN 'pageview' WHEN 'generate_lead' THEN 'lead' "
        "ELSE j.event_name END"
    ),
    "url": "p_page_location",
    "referrer": "p_page_referrer",
    "utm_source": _or_session("u_source", "source"),
    "utm_medium": _or_session("u_medium", "medium"),
    "utm_campaign": _or_session("u_campaign", "campaign_name"),
    "utm_content": "u_content",
    "utm_term": "u_term",
    "click_id": "u_click",
    "revenue": "u_revenue",
    "currency": "CASE WHEN u_revenue IS NOT NULL THEN p_currency END",
    "transaction_id": f"coalesce({_f('ecommerce.transaction_id')}, p_transaction_id)",
    "contact_id": _f("user_id"),
    # extra attributes
    "ga_session_id": "p_ga_session_id",
    "ga_session_number": "p_ga_session_number",
    "event_date": _f("event_date"),
    "stream_id": _f("stream_id"),
    "platform": _f("platform"),
    "device_category": _f("device.category"),
    "country": _f("geo.country"),
    "session_source": f"coalesce({_f(_LAST + '.source')}, {_f(_CROSS + '.source')})",
    "session_medium": f"coalesce({_f(_LAST + '.medium')}, {_f(_CROSS + '.medium')})",
    "session_campaign": (
        f"coalesce({_f(_LAST + '.campaign_name')}, {_f(_CROSS + '.campaign_name')})"
    ),
    "session_channel_group": _f(_CROSS + ".default_channel_group"),
}

GA4_COLUMNS = tuple(SELECT)

GA4 = JsonPreset(
    name="ga4",
    entity="web_events",
    label="GA4 BigQuery export (events_YYYYMMDD rows)",
    detect=("event_timestamp", "event_name", "user_pseudo_id", "event_params"),
    structure=json.dumps(STRUCTURE, separators=(",", ":")),
    select=SELECT,
    typed={"occurred_at": "u_at"},
    layers=(
        PARAM_LISTS,
        {f"p_{k}": _param_sql(k) for k in PARAMS},
        INNER,
    ),
    # consent denied: no visitor, no session (read and counted as skipped)
    keep="j.user_pseudo_id IS NOT NULL AND j.user_pseudo_id <> ''",
    note="NDJSON, JSON, Parquet, gzip; consent-denied events (no user_pseudo_id) are skipped",
)
