"""Property: importing any valid file twice gives the same tables as importing it once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_file

# cells that survive CSV quoting; ids from a small alphabet so that duplicate keys happen
_ids = st.text(alphabet="abc", min_size=1, max_size=2)
_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"),
    max_size=8,
)
_ts = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")
)
_amount = st.decimals(min_value=0, max_value=10_000, places=2).map(str)

contacts = st.lists(st.tuples(_ids, _ts, _text), max_size=12)
costs = st.lists(
    st.tuples(
        st.dates().map(lambda d: d.isoformat()),
        _amount,
        st.sampled_from(["ads", "tools", "agency", "content", "other"]),
        st.sampled_from(["", "EUR", "eur"]),
        _text,
    ),
    max_size=12,
)
events = st.lists(st.tuples(_ids, _ids, _ts, _text.filter(bool)), max_size=12)


def _csv(header: list[str], rows: Sequence[tuple[str, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _table(eng: DuckDBEngine, name: str) -> list[tuple[object, ...]]:
    return sorted(eng.run(f"SELECT * FROM {name}"), key=repr)


def _twice(entity: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{entity}.csv"
        path.write_text(text, encoding="utf-8", newline="")
        eng = DuckDBEngine(":memory:")
        eng.ensure_workspace("ws", timezone="Europe/Paris")
        first = import_file(eng, "ws", entity, path)
        once = _table(eng, entity)
        again = import_file(eng, "ws", entity, path)
        assert _table(eng, entity) == once
        assert (again.inserted, again.updated) == (0, 0)
        assert again.skipped == again.rows_read == first.rows_read
        eng.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts)
def test_reimporting_contacts_changes_nothing(rows: list[tuple[str, str, str]]) -> None:
    _twice("contacts", _csv(["contact_id", "created_at", "email"], rows))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(costs)
def test_reimporting_costs_changes_nothing(rows: list[tuple[str, ...]]) -> None:
    _twice("costs", _csv(["date", "amount", "category", "currency", "campaign"], rows))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_reimporting_web_events_changes_nothing(rows: list[tuple[str, ...]]) -> None:
    _twice("web_events", _csv(["event_id", "visitor_id", "occurred_at", "event"], rows))
