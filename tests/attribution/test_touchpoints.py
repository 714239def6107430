"""Touchpoints, conversions, journeys and null journeys (``socialroi.attribution.touchpoints``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import ibis
import pytest
from equality import assert_same
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialroi.attribution import (
    NullJourneys,
    compare_models,
    conversions,
    journeys,
    null_journeys,
    reports,
    touchpoints,
    transitions,
)
from socialroi.attribution.reports import count_transitions
from socialroi.attribution.touchpoints import TIMESTAMP, TOUCHPOINT_COLUMNS, UNASSIGNED
from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError


def insert(duck: DuckDBEngine, table: str, row: dict[str, Any]) -> None:
    cols = ["workspace_id", *row]
    marks = ", ".join("?" for _ in cols)
    duck.run(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", ["ws", *row.values()])


def event(event_id: str, visitor_id: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"event_id": event_id, "visitor_id": visitor_id, "occurred_at": at,
            "event": "pageview", "url": "https://acme.example/", **extra}  # fmt: skip


def test_click_and_its_visit_are_one_touch(duck: DuckDBEngine) -> None:
    insert(duck, "profiles", {"profile_id": "pr1", "network": "linkedin"})
    post = {"post_id": "p1", "profile_id": "pr1", "published_at": "2025-03-01 08:00:00"}
    insert(duck, "posts", {**post, "campaign": "spring"})
    insert(duck, "links", {"code": "L1", "target_url": "https://acme.example/", "post_id": "p1"})
    insert(duck, "contacts", {"contact_id": "c1", "created_at": "2025-03-01 00:00:00",
                              "visitor_id": "v1"})  # fmt: skip
    # k1 opens the visit that carries its click id: one touchpoint (the visit)
    insert(duck, "clicks", {"code": "L1", "clicked_at": "2025-03-03 10:00:00", "click_id": "k1",
                            "visitor_id": "v1"})  # fmt: skip
    insert(duck, "web_events", event("e1", "v1", "2025-03-03 10:00:05", click_id="k1"))
    # a click without id 20 minutes before a (direct) visit of the same visitor: one touchpoint
    insert(duck, "clicks", {"code": "L1", "clicked_at": "2025-03-03 11:40:00",
                            "visitor_id": "v1"})  # fmt: skip
    insert(duck, "web_events", event("e2", "v1", "2025-03-03 12:00:00"))
    # a click that opened no visit (the page never loaded the tracker): its own touchpoint
    insert(duck, "clicks", {"code": "L1", "clicked_at": "2025-03-04 15:00:00",
                            "visitor_id": "v1"})  # fmt: skip
    # a click without a visitor cannot be anyone's touchpoint
    insert(duck, "clicks", {"code": "L1", "clicked_at": "2025-03-04 16:00:00"})
    # messages: m1 and m2 (same thread, 10 min apart) are one conversation touch; m3 is
    # outbound; m4 has no contact; m5 comes 2 hours later: a new touch
    for mid, at, direction, contact in [
        ("m1", "2025-03-02 09:00:00", "inbound", "c1"),
        ("m2", "2025-03-02 09:10:00", "inbound", "c1"),
        ("m3", "2025-03-02 09:20:00", "outbound", "c1"),
        ("m4", "2025-03-02 09:30:00", "inbound", None),
        ("m5", "2025-03-02 11:10:00", "inbound", "c1"),
    ]:
        insert(duck, "messages", {"message_id": mid, "network": "instagram", "sent_at": at,
                                  "direction": direction, "thread_id": "th1",
                                  "contact_id": contact})  # fmt: skip
    t = duck.tables("ws")
    tp = touchpoints(t)
    assert tuple(tp.columns) == TOUCHPOINT_COLUMNS
    rows = duck.execute(tp.order_by("touched_at")).to_pylist()
    got = [(r["person_id"], str(r["touched_at"]), r["kind"], r["channel"], r["network"],
            r["credit_key"], r["campaign"], r["post_id"]) for r in rows]  # fmt: skip
    assert got == [
        ("contact:c1", "2025-03-02 09:00:00", "message", "Organic Social", "instagram",
         "instagram", None, None),
        ("contact:c1", "2025-03-02 11:10:00", "message", "Organic Social", "instagram",
         "instagram", None, None),
        ("contact:c1", "2025-03-03 10:00:05", "visit", "Organic Social", "linkedin", "linkedin",
         "spring", "p1"),
        ("contact:c1", "2025-03-03 12:00:00", "visit", "Direct", None, "Direct", None, None),
        ("contact:c1", "2025-03-04 15:00:00", "click", "Organic Social", "linkedin", "linkedin",
         "spring", "p1"),
    ]  # fmt: skip
    assert len({r["touchpoint_id"] for r in rows}) == len(rows)
    only_visits = duck.execute(touchpoints(t, include_clicks=False, include_messages=False))
    assert only_visits.num_rows == 2


def test_conversions(duck: DuckDBEngine) -> None:
    insert(duck, "contacts", {"contact_id": "c1", "created_at": "2025-03-01 00:00:00"})
    for deal, closed, amount in [
        ("d1", "2025-03-10 09:00:00", 100.0),
        ("d2", "2025-03-05 09:00:00", 50.0),
    ]:
        insert(duck, "deals", {"deal_id": deal, "contact_id": "c1", "stage": "won",
                               "created_at": "2025-03-01 00:00:00", "closed_at": closed,
                               "amount": amount, "amount_base": amount})  # fmt: skip
    insert(
        duck,
        "web_events",
        event(
            "r1",
            "v9",
            "2025-03-06 00:00:00",
            **{"event": "refund", "revenue": 10.0, "revenue_base": 10.0, "transaction_id": "T"},
        ),
    )

    def rows(kind: Any) -> list[tuple[Any, ...]]:
        c = conversions(duck.tables("ws"), conversion=kind).order_by("conversion_id")
        return [tuple(r.values()) for r in duck.execute(c).to_pylist()]

    at = dt.datetime
    assert rows("customer") == [("contact:c1#1", "contact:c1", at(2025, 3, 5, 9), 1.0)]
    assert rows("lead") == [("contact:c1#1", "contact:c1", at(2025, 3, 1), 1.0)]
    # every won deal is a conversion with its amount; the refund is not a conversion
    assert rows("revenue") == [
        ("contact:c1#1", "contact:c1", at(2025, 3, 5, 9), 50.0),
        ("contact:c1#2", "contact:c1", at(2025, 3, 10, 9), 100.0),
    ]
    with pytest.raises(ConfigError, match="unknown conversion"):
        conversions(duck.tables("ws"), conversion="sale")  # type: ignore[arg-type]


T0 = dt.datetime(2025, 6, 1, 12, 0, 0)
TP_SCHEMA = {"person_id": "string", "touchpoint_id": "string", "touched_at": "timestamp",
             "kind": "string", "channel": "string", "network": "string",
             "credit_key": "string", "campaign": "string", "post_id": "string"}  # fmt: skip
CV_SCHEMA = {"conversion_id": "string", "person_id": "string", "converted_at": "timestamp",
             "value": "float64"}  # fmt: skip


def tp_table(rows: list[tuple[str, str, dt.datetime, str]]) -> ibis.Table:
    """(person_id, touchpoint_id, touched_at, credit_key) → a touchpoints table."""
    data = [{"person_id": p, "touchpoint_id": i, "touched_at": at, "kind": "visit",
             "channel": k, "network": None, "credit_key": k, "campaign": None, "post_id": None}
            for p, i, at, k in rows]  # fmt: skip
    return ibis.memtable(data, schema=TP_SCHEMA).select(*TOUCHPOINT_COLUMNS)


def cv_table(rows: list[tuple[str, str, dt.datetime, float]]) -> ibis.Table:
    data = [dict(zip(CV_SCHEMA, r, strict=True)) for r in rows]
    return ibis.memtable(data, schema=CV_SCHEMA)


def test_lookback_window_cut(duck: DuckDBEngine) -> None:
    day = dt.timedelta(days=1)
    second = dt.timedelta(seconds=1)
    tp = tp_table([
        ("p", "a", T0 - 90 * day, "A"),  # exactly 90 days before: outside (> T − window)
        ("p", "b", T0 - 90 * day + second, "B"),  # just inside
        ("p", "d", T0 - 0.5 * day, "D"),  # tie in time with c: ordered by touchpoint_id
        ("p", "c", T0 - 0.5 * day, "C"),
        ("p", "e", T0, "E"),  # at the conversion: inside
        ("p", "f", T0 + second, "F"),  # after it: outside
        ("q", "g", T0 - day, "G"),  # another person
    ])  # fmt: skip
    cv = cv_table([("p#1", "p", T0, 5.0), ("r#1", "r", T0, 2.0)])
    j = journeys(tp, cv).order_by("conversion_id", "position")
    got = [(r["conversion_id"], r["credit_key"], r["kind"], r["position"], r["n"],
            r["days_before"], r["value"]) for r in duck.execute(j).to_pylist()]  # fmt: skip
    assert got == [
        ("p#1", "B", "visit", 1, 4, pytest.approx(90 - 1 / 86400, abs=1e-12), 5.0),
        ("p#1", "C", "visit", 2, 4, 0.5, 5.0),
        ("p#1", "D", "visit", 3, 4, 0.5, 5.0),
        ("p#1", "E", "visit", 4, 4, 0.0, 5.0),
        # r has no touchpoint: one synthetic Unassigned touch keeps the totals
        ("r#1", "Unassigned", "none", 1, 1, 0.0, 2.0),
    ]  # fmt: skip
    short = journeys(tp, cv, window_days=1, keep_untouched=False)
    assert duck.execute(short.select("credit_key").order_by("credit_key")).column(
        "credit_key"
    ).to_pylist() == ["C", "D", "E"]
    with pytest.raises(ConfigError, match="window_days"):
        journeys(tp, cv, window_days=0)


def test_null_journeys(duck: DuckDBEngine) -> None:
    def at(days: float) -> dt.datetime:
        return T0 + dt.timedelta(days=days)

    tp = tp_table([
        # a never converts: the 90 days up to the last touch (day 200) hold only that touch
        ("a", "a1", at(1), "A1"), ("a", "a2", at(50), "A2"), ("a", "a3", at(200), "A3"),
        ("a", "a4", at(150), "A4"),
        # b: a touch, a conversion, then a touch that led nowhere (yet)
        ("b", "b1", at(10), "B1"), ("b", "b2", at(20), "B2"), ("b", "b3", at(30), "B3"),
        # c: a touch 100 days before the conversion: too old for its journey, a null journey
        ("c", "c1", at(0), "C1"),
    ])  # fmt: skip
    cv = cv_table([("b#1", "b", at(20), 1.0), ("c#1", "c", at(100), 1.0)])
    nj = null_journeys(tp, cv).order_by("journey_id", "position")
    got = [(r["journey_id"], r["credit_key"], r["position"], r["n"], r["days_before"],
            r["ended_at"]) for r in duck.execute(nj).to_pylist()]  # fmt: skip
    assert got == [
        ("a#null0", "A4", 1, 2, 50.0, at(200)),
        ("a#null0", "A3", 2, 2, 0.0, at(200)),
        ("b#null1", "B3", 1, 1, 0.0, at(30)),
        ("c#null0", "C1", 1, 1, 0.0, at(0)),
    ]  # fmt: skip
    conv = journeys(tp, cv).order_by("conversion_id", "position")
    assert [(r["conversion_id"], r["credit_key"]) for r in duck.execute(conv).to_pylist()] == [
        ("b#1", "B1"), ("b#1", "B2"), ("c#1", "Unassigned"),
    ]  # fmt: skip


# a few people, touches up to 12 days apart in a 5-day window (so windows cut journeys), ties
# in time, 0-3 conversions: every rule of null_journeys gets exercised
_touch = st.tuples(st.sampled_from("pqrs"), st.integers(0, 24), st.sampled_from("ABC"))
_conv = st.tuples(st.sampled_from("pqrs"), st.integers(0, 24))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(touches=st.lists(_touch, min_size=1, max_size=14), convs=st.lists(_conv, max_size=3),
       cut=st.integers(0, 24))  # fmt: skip
def test_null_journey_steps_match_rows(
    duck: DuckDBEngine, touches: list[tuple[str, int, str]], convs: list[tuple[str, int]],
    cut: int,
) -> None:
    """NullJourneys' one ordered pass gives what the null journeys' rows give: transitions,
    Markov and the top paths' null counts, with and without an ``ended_at`` period."""
    def at(half_days: int) -> dt.datetime:
        return T0 + dt.timedelta(hours=12 * half_days)

    tp = tp_table([(p, f"t{i:02d}", at(h), k) for i, (p, h, k) in enumerate(touches)])
    cv = cv_table([(f"{p}#{i}", p, at(h), 1.0 + i) for i, (p, h) in enumerate(convs)])
    j = journeys(tp, cv, window_days=5)
    for bounds in ({}, {"ended_from": at(cut), "ended_before": at(cut + 8)}):
        spec = NullJourneys(tp, cv, 5, **bounds)

        def rows(x: ibis.Table) -> list[dict[str, Any]]:
            return sorted(duck.execute(x).to_pylist(), key=lambda r: (r["from_state"],
                                                                      r["to_state"]))  # fmt: skip

        exact = rows(transitions(j, spec.rows()))
        assert rows(transitions(j, spec)) == exact
        # computed in parts, ordered by time alone with the tied steps counted again exactly
        # (times here are half-days apart, so ties are frequent), or with every never-converter
        # counted again once there are too many tied people
        for cap in (reports.MAX_TIED_PEOPLE, 0):
            with mock.patch.object(reports, "MAX_TIED_PEOPLE", cap):
                parts = count_transitions(duck, j, spec).to_pylist()
                assert sorted(parts, key=lambda r: (r["from_state"], r["to_state"])) == (
                    _approx_rows(exact)
                )
        # the converting journeys counted in the same pass (people with one conversion), of
        # all conversions or of those in a period (the null journeys still see them all)
        for converting in (None, cv.filter(cv.converted_at >= at(cut))):
            with_j = j if converting is None else journeys(tp, converting, window_days=5)
            built = NullJourneys(tp, cv, 5, **bounds, converting=converting)
            expected = _approx_rows(rows(transitions(with_j, spec.rows())))
            for cap in (reports.MAX_TIED_PEOPLE, 0):
                with mock.patch.object(reports, "MAX_TIED_PEOPLE", cap):
                    got = count_transitions(duck, None, built).to_pylist()
                    assert sorted(got, key=lambda r: (r["from_state"], r["to_state"])) == (expected)
        lean = compare_models(duck, j, spec, top=4)
        full = compare_models(duck, j, spec.rows(), top=4)
        assert lean["top_paths"] == full["top_paths"]
        # the engine sums credit in any order: equal up to the last bits
        assert_same(lean["markov"], full["markov"], rel=1e-12)
        assert_same(lean["credit"], full["credit"], rel=1e-12)


def test_the_large_pass_carries_keys_as_numbers(duck: DuckDBEngine) -> None:
    """key_names numbers the distinct keys in order from 0; never_converted_steps(codes=…)
    carries those numbers (null for a key the codes lack) in place of the keys."""
    hour = dt.timedelta(hours=1)
    tp = tp_table([("p", "a", T0, "linkedin"), ("p", "b", T0 + hour, "Email"),
                   ("p", "c", T0 + 2 * hour, "linkedin"), ("q", "d", T0, "Direct"),
                   ("r", "e", T0, "x")])  # fmt: skip
    cv = cv_table([("r#1", "r", T0 + hour, 5.0)])
    nj = NullJourneys(tp, cv)
    names = duck.execute(nj.key_names()).to_pylist()
    assert names == [{"_ck": "Direct", "_code": 0}, {"_ck": "Email", "_code": 1},
                     {"_ck": "linkedin", "_code": 2}, {"_ck": "x", "_code": 3}]  # fmt: skip
    codes = duck.execute(nj.key_names().filter(lambda k: k._ck != "Email"))
    steps = nj.never_converted_steps(codes=ibis.memtable(codes))
    got = sorted(duck.execute(steps).to_pylist(), key=lambda r: (r["_key"] is None, r["_key"]))
    assert [(r["_key"], r["_lag1"], r["_last"]) for r in got] == [
        (0, None, True), (2, None, False), (2, None, True), (None, 2, False)
    ]


def test_a_touch_in_the_conversions_second_is_in_its_journey_only(duck: DuckDBEngine) -> None:
    """journeys() compares whole seconds, so a touch 0.3 s after the conversion, in the same
    second, is in the conversion's journey — and then in no null journey."""
    ms = dt.timedelta(milliseconds=1)
    tp = tp_table([("p", "a", T0 - 3600_000 * ms, "A"), ("p", "b", T0 + 500 * ms, "B"),
                   ("p", "c", T0 + 2000 * ms, "C")])  # fmt: skip
    cv = cv_table([("p#1", "p", T0 + 200 * ms, 1.0)])
    conv = duck.execute(journeys(tp, cv).order_by("position")).to_pylist()
    assert [r["credit_key"] for r in conv] == ["A", "B"]
    nulls = duck.execute(null_journeys(tp, cv).order_by("position")).to_pylist()
    assert [(r["journey_id"], r["credit_key"]) for r in nulls] == [("p#null1", "C")]
    got = {(r["from_state"], r["to_state"]): r["count"]
           for r in count_transitions(duck, None, NullJourneys(tp, cv)).to_pylist()}  # fmt: skip
    # (start) > A > B > (conversion); (start) > C > (null)
    assert got == {("(start)", "A"): 1, ("A", "B"): 1, ("B", "(conversion)"): 1,
                   ("(start)", "C"): 1, ("C", "(null)"): 1}  # fmt: skip
    # the second conversion of a person takes the segment rules: the same cut
    cv2 = cv_table([("p#1", "p", T0 + 200 * ms, 1.0), ("p#2", "p", T0 + 9000 * ms, 1.0)])
    nulls = duck.execute(null_journeys(tp, cv2)).to_pylist()
    assert nulls == []


def test_untouched_conversions_are_counted_without_journeys(duck: DuckDBEngine) -> None:
    """Built in the one pass, a conversion with no touch in its window still walks
    (start) > Unassigned > (conversion), with its value."""
    day = dt.timedelta(days=1)
    tp = tp_table([("p", "a", T0 - 100 * day, "A"), ("q", "b", T0 - day, "B")])
    cv = cv_table([("p#1", "p", T0, 5.0), ("q#1", "q", T0, 2.0), ("r#1", "r", T0, 3.0)])
    got = {(r["from_state"], r["to_state"]): (r["count"], r["value"])
           for r in count_transitions(duck, None, NullJourneys(tp, cv)).to_pylist()}  # fmt: skip
    # p's touch is 100 days old: a null journey, and p's conversion is untouched like r's
    assert got == {
        ("(start)", "A"): (1, 0.0), ("A", "(null)"): (1, 0.0),
        ("(start)", "B"): (1, 2.0), ("B", "(conversion)"): (1, 2.0),
        ("(start)", UNASSIGNED): (2, 8.0), (UNASSIGNED, "(conversion)"): (2, 8.0),
    }  # fmt: skip
    with pytest.raises(ConfigError, match="journeys are needed"):
        count_transitions(duck, None, null_journeys(tp, cv))


def test_touches_at_the_same_instant_follow_touchpoint_id(duck: DuckDBEngine) -> None:
    """Ordered by time alone, then the tied steps again in exact order: ties go by
    ``touchpoint_id`` as in the exact pass, whatever order the rows come in."""
    hour = dt.timedelta(hours=1)
    # p: A, then B and C at the same instant (ids b < c), then D; listed C before B.
    # q: E and F at the same instant (ids e < f) ending the journey, listed F first.
    tp = tp_table([
        ("p", "d", T0 + 3 * hour, "D"), ("p", "c", T0 + 2 * hour, "C"),
        ("p", "b", T0 + 2 * hour, "B"), ("p", "a", T0 + hour, "A"),
        ("q", "f", T0 + hour, "F"), ("q", "e", T0 + hour, "E"),
    ])  # fmt: skip
    cv = cv_table([])
    j = journeys(tp, cv)
    got = {(r["from_state"], r["to_state"]): r["count"]
           for r in count_transitions(duck, j, NullJourneys(tp, cv)).to_pylist()}  # fmt: skip
    # p walks (start) > A > B > C > D > (null); q walks (start) > E > F > (null)
    assert got == {("(start)", "A"): 1, ("A", "B"): 1, ("B", "C"): 1, ("C", "D"): 1,
                   ("D", "(null)"): 1, ("(start)", "E"): 1, ("E", "F"): 1,
                   ("F", "(null)"): 1}  # fmt: skip


def _approx_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Values summed in another order differ in the last bits."""
    return [{**r, "value": pytest.approx(r["value"])} for r in rows]


def test_constants_match_the_metrics_ones() -> None:
    """touchpoints.py keeps its own copies (importing socialroi.metrics is slow)."""
    from socialroi.metrics._types import TIMESTAMP as METRICS_TIMESTAMP
    from socialroi.metrics.people import UNASSIGNED as METRICS_UNASSIGNED

    assert (TIMESTAMP, UNASSIGNED) == (METRICS_TIMESTAMP, METRICS_UNASSIGNED)


def test_null_journeys_spec_is_checked() -> None:
    tp = tp_table([("p", "a", T0, "A")])
    cv = cv_table([])
    with pytest.raises(ConfigError, match="window_days"):
        NullJourneys(tp, cv, 0)
    with pytest.raises(ConfigError, match="both"):
        NullJourneys(tp, cv, 90, ended_from=T0)
    with pytest.raises(ConfigError, match="depth"):
        NullJourneys(tp, cv).steps(0)


def test_public_names_are_documented() -> None:
    """Every public function and constant of touchpoints, heuristics and reports is in the docs."""
    import importlib
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "attribution.md").read_text("utf-8")
    modules = ("touchpoints", "heuristics", "reports")  # the package re-exports a function
    names = [
        n for m in modules for n in importlib.import_module(f"socialroi.attribution.{m}").__all__
    ]
    missing = [n for n in names if f"`{n}" not in doc]
    assert not missing, f"add these to docs/attribution.md: {missing}"
