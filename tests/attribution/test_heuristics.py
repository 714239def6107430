"""Rule-based models (``socialroi.attribution.heuristics``): specs/attribution.md Example 1,
conservation properties, and DuckDB = Spark on a small dataset."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialroi.attribution import (
    MODELS,
    NullJourneys,
    compare_models,
    conversions,
    heuristic_credit,
    journeys,
    null_journeys,
    path_counts,
    time_decay,
    touchpoints,
    transitions,
)
from socialroi.attribution.reports import count_transitions
from socialroi.engine import DuckDBEngine, Engine
from socialroi.errors import ConfigError

CONVERTED_AT = dt.datetime(2025, 3, 20, 12, 0, 0)

# (conversion_id, value, [(credit_key, days_before), ...] in time order)
Path = tuple[str, float, Sequence[tuple[str, float]]]


def journey_rows(paths: Sequence[Path]) -> ir.Table:
    """Journeys as :func:`journeys` would return them, from hand-written paths."""
    rows: list[dict[str, Any]] = []
    for conversion_id, value, touches in paths:
        for i, (key, days) in enumerate(touches, start=1):
            rows.append(
                {
                    "conversion_id": conversion_id,
                    "person_id": f"contact:{conversion_id}",
                    "converted_at": CONVERTED_AT,
                    "value": value,
                    "touchpoint_id": f"{conversion_id}:{i}",
                    "touched_at": CONVERTED_AT - dt.timedelta(days=days),
                    "kind": "visit",
                    "channel": key,
                    "network": None,
                    "credit_key": key,
                    "campaign": None,
                    "post_id": None,
                    "position": i,
                    "n": len(touches),
                    "days_before": float(days),
                }
            )
    schema = {
        "conversion_id": "string", "person_id": "string", "converted_at": "timestamp",
        "value": "float64", "touchpoint_id": "string", "touched_at": "timestamp",
        "kind": "string", "channel": "string", "network": "string", "credit_key": "string",
        "campaign": "string", "post_id": "string", "position": "int64", "n": "int64",
        "days_before": "float64",
    }  # fmt: skip
    return ibis.memtable(rows, schema=schema)


def credit(duck: DuckDBEngine, table: ir.Table) -> dict[str, tuple[float, float]]:
    return {
        r["credit_key"]: (r["conversions"], r["value"]) for r in duck.execute(table).to_pylist()
    }


# Example 1: one €1,000 deal, four touches
EXAMPLE_1: list[Path] = [
    ("d1", 1000.0, [("linkedin", 14.0), ("Organic Search", 7.0), ("Email", 1.0),
                    ("Direct", 1 / 24)]),
]  # fmt: skip


def _decay(days: Sequence[float], value: float) -> list[float]:
    w = [2 ** (-d / 7) for d in days]
    return [value * x / sum(w) for x in w]


def test_example_1(duck: DuckDBEngine) -> None:
    j = journey_rows(EXAMPLE_1)
    keys = ["linkedin", "Organic Search", "Email", "Direct"]

    def values(model: str, **kw: Any) -> list[float]:
        got = credit(duck, MODELS[model](j, **kw))
        return [got.get(k, (0.0, 0.0))[1] for k in keys]

    assert values("linear") == pytest.approx([250.0] * 4, abs=1e-9)
    assert values("position_based") == pytest.approx([400.0, 100.0, 100.0, 400.0], abs=1e-9)
    exact = _decay([14.0, 7.0, 1.0, 1 / 24], 1000.0)
    assert values("time_decay") == pytest.approx(exact, abs=1e-9)
    assert [round(x, 2) for x in exact] == [94.28, 188.56, 341.58, 375.58]
    assert values("first_touch") == [1000.0, 0.0, 0.0, 0.0]
    assert values("last_touch") == [0.0, 0.0, 0.0, 1000.0]
    assert values("last_non_direct") == [0.0, 0.0, 1000.0, 0.0]
    # GA4-style: Direct dropped from the path
    assert values("linear", direct_credit=False) == pytest.approx([1000 / 3] * 3 + [0.0])
    ga4 = _decay([14.0, 7.0, 1.0], 1000.0)
    assert values("time_decay", direct_credit=False) == pytest.approx([*ga4, 0.0], abs=1e-9)
    assert [round(x, 2) for x in ga4] == [150.99, 301.98, 547.03]
    assert values("last_touch", direct_credit=False) == [0.0, 0.0, 1000.0, 0.0]
    assert values("position_based", direct_credit=False) == pytest.approx(
        [400.0, 200.0, 400.0, 0.0]
    )
    # credit counts are the value's shares of one conversion
    linear = credit(duck, MODELS["linear"](j))
    assert {k: c for k, (c, _) in linear.items()} == pytest.approx(dict.fromkeys(keys, 0.25))


def test_short_paths_and_all_direct(duck: DuckDBEngine) -> None:
    j = journey_rows([
        ("a", 10.0, [("x", 2.0)]),  # n = 1: 100 %
        ("b", 10.0, [("x", 2.0), ("y", 1.0)]),  # n = 2: 50/50
        ("c", 10.0, [("Direct", 3.0), ("Direct", 0.0)]),  # all Direct: Direct keeps it
    ])  # fmt: skip
    pos = credit(duck, MODELS["position_based"](j))
    assert pos == {"x": (1.5, 15.0), "y": (0.5, 5.0), "Direct": (1.0, 10.0)}
    lnd = credit(duck, MODELS["last_non_direct"](j))
    assert lnd == {"x": (1.0, 10.0), "y": (1.0, 10.0), "Direct": (1.0, 10.0)}
    ga4 = credit(duck, MODELS["linear"](j, direct_credit=False))
    assert ga4["Direct"] == (1.0, 10.0)


def test_bad_half_life_and_model_names() -> None:
    j = journey_rows(EXAMPLE_1)
    with pytest.raises(ConfigError, match="half_life_days"):
        time_decay(j, half_life_days=0)
    with pytest.raises(ConfigError, match="unknown attribution model"):
        heuristic_credit(j, models=("first_touch", "magic"))


KEYS = ["linkedin", "x", "Email", "Organic Search", "Direct"]
NEVER = "facebook"  # never drawn: must get no credit


@st.composite
def path_sets(draw: st.DrawFn) -> list[Path]:
    n_conv = draw(st.integers(1, 6))
    paths: list[Path] = []
    for c in range(n_conv):
        length = draw(st.integers(1, 5))
        days = sorted((draw(st.integers(0, 90 * 24)) / 24 for _ in range(length)), reverse=True)
        keys = [draw(st.sampled_from(KEYS)) for _ in range(length)]
        value = float(draw(st.integers(0, 1000)))
        paths.append((f"c{c}", value, list(zip(keys, days, strict=True))))
    return paths


def _all_models(duck: DuckDBEngine, paths: list[Path], direct_credit: bool) -> dict[str, Any]:
    rows = duck.execute(heuristic_credit(journey_rows(paths), direct_credit=direct_credit))
    out: dict[str, dict[str, tuple[float, float]]] = {m: {} for m in MODELS}
    for r in rows.to_pylist():
        out[r["model"]][r["credit_key"]] = (r["conversions"], r["value"])
    return out


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(paths=path_sets(), direct_credit=st.booleans(), data=st.data())
def test_models_conserve_and_permute(
    duck: DuckDBEngine, paths: list[Path], direct_credit: bool, data: st.DataObject
) -> None:
    got = _all_models(duck, paths, direct_credit)
    total_value = sum(v for _, v, _ in paths)
    for model, by_key in got.items():
        assert math.isclose(sum(c for c, _ in by_key.values()), len(paths), abs_tol=1e-9), model
        assert math.isclose(sum(v for _, v in by_key.values()), total_value, abs_tol=1e-6), model
        assert by_key.get(NEVER, (0.0, 0.0)) == (0.0, 0.0)
        assert all(c >= -1e-12 for c, _ in by_key.values())
    # renaming the non-Direct channels renames their credit and changes nothing else
    names = [k for k in KEYS if k != "Direct"]
    shuffled = data.draw(st.permutations(names))
    rename = dict(zip(names, shuffled, strict=True)) | {"Direct": "Direct"}
    renamed = [(c, v, [(rename[k], d) for k, d in ts]) for c, v, ts in paths]
    again = _all_models(duck, renamed, direct_credit)
    for model, by_key in got.items():
        expected = {rename[k]: cv for k, cv in by_key.items()}
        assert set(again[model]) == set(expected), model
        for k, (c, v) in expected.items():
            assert again[model][k] == pytest.approx((c, v), abs=1e-9), model


def _insert(duck: DuckDBEngine, table: str, row: dict[str, Any]) -> None:
    cols = ["workspace_id", *row]
    marks = ", ".join("?" for _ in cols)
    duck.run(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", ["ws", *row.values()])


def seed_small(duck: DuckDBEngine) -> None:
    """Two customers and one anonymous buyer with mixed paths (visits, a click, a message)."""
    events = [
        # (event_id, visitor, at, event, utm_source, utm_medium, referrer, extra)
        ("e1", "v1", "2025-03-01 10:00:00", "pageview", "linkedin", "social", None, {}),
        ("e2", "v1", "2025-03-05 09:00:00", "pageview", None, None, "https://www.google.com/", {}),
        ("e3", "v1", "2025-03-09 18:00:00", "pageview", "newsletter", "email", None, {}),
        ("e4", "v1", "2025-03-10 08:00:00", "pageview", None, None, None, {}),
        ("e5", "v2", "2025-03-02 10:00:00", "pageview", None, None, "https://t.co/x", {}),
        ("e6", "v2", "2025-03-02 10:05:00", "identify", None, None, None, {"contact_id": "c2"}),
        ("e7", "v3", "2025-03-03 10:00:00", "pageview", "facebook", "cpc", None, {}),
        ("e8", "v3", "2025-03-04 11:00:00", "pageview", None, None, None, {}),
        ("e9", "v3", "2025-03-04 11:05:00", "purchase", None, None, None,
         {"revenue": 80.0, "revenue_base": 80.0, "transaction_id": "T1"}),
    ]  # fmt: skip
    for eid, vid, at, ev, src, med, ref, extra in events:
        _insert(duck, "web_events", {
            "event_id": eid, "visitor_id": vid, "occurred_at": at, "event": ev,
            "url": "https://acme.example/", "referrer": ref, "utm_source": src,
            "utm_medium": med, **extra,
        })  # fmt: skip
    _insert(duck, "contacts", {"contact_id": "c1", "created_at": "2025-03-05 09:10:00",
                               "visitor_id": "v1"})  # fmt: skip
    _insert(duck, "contacts", {"contact_id": "c2", "created_at": "2025-03-02 10:05:00"})
    for deal, contact, closed, amount in [
        ("d1", "c1", "2025-03-10 09:00:00", 1000.0),
        ("d2", "c2", "2025-03-12 09:00:00", 300.0),
    ]:
        _insert(duck, "deals", {"deal_id": deal, "contact_id": contact,
                                "created_at": "2025-03-06 00:00:00", "stage": "won",
                                "closed_at": closed, "amount": amount, "currency": "EUR",
                                "amount_base": amount})  # fmt: skip
    _insert(duck, "messages", {"message_id": "m1", "network": "instagram",
                               "sent_at": "2025-03-11 12:00:00", "direction": "inbound",
                               "contact_id": "c2"})  # fmt: skip


@pytest.mark.spark
def test_heuristics_same_on_both(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    seed_small(duck)

    def run(engine: Engine) -> list[dict[str, Any]]:
        t = engine.tables("ws")
        tp = touchpoints(t)
        cv = conversions(t, conversion="revenue")
        j = journeys(tp, cv)
        rows = engine.execute(heuristic_credit(j)).to_pylist()
        # the path reports use hashes, arrays and regexes: check them on both engines too
        nj = null_journeys(tp, cv)
        paths = engine.execute(path_counts(j, nj)).to_pylist()
        # Markov order 1 from the engine's transition counts, and every model in one call
        # (cached journeys, channel sets, reports) on each engine
        trans = sorted(
            engine.execute(transitions(j, nj)).to_pylist(),
            key=lambda r: (r["from_state"], r["to_state"]),
        )
        together = compare_models(engine, j, nj, top=5)
        # the null journeys read in one ordered pass (what the summary does)
        lean_nj = NullJourneys(tp, cv)
        lean = compare_models(engine, j, lean_nj, top=5)
        assert lean["top_paths"] == together["top_paths"]
        assert lean["markov"] == together["markov"]
        lean_trans = sorted(
            engine.execute(transitions(j, lean_nj)).to_pylist(),
            key=lambda r: (r["from_state"], r["to_state"]),
        )
        assert lean_trans == trans
        # in parts, ordered by time alone, the tied steps again in exact order
        parts = sorted(
            count_transitions(engine, j, lean_nj).to_pylist(),
            key=lambda r: (r["from_state"], r["to_state"]),
        )
        assert parts == [{**r, "value": pytest.approx(r["value"])} for r in trans]
        # the converting journeys built in the same pass (what the benchmark times), with the
        # conversions no touch reached added by the engine's last query
        built = sorted(
            count_transitions(engine, None, lean_nj).to_pylist(),
            key=lambda r: (r["from_state"], r["to_state"]),
        )
        assert built == [{**r, "value": pytest.approx(r["value"])} for r in trans]
        return {
            "credit": sorted(rows, key=lambda r: (r["model"], r["credit_key"])),
            "paths": sorted(paths, key=lambda r: r["path"]),
            "transitions": trans,
            "markov": together["credit"]["markov"],
            "shapley": together["credit"]["shapley"],
            "removal_effects": together["markov"]["removal_effects"],
            "top_paths": together["top_paths"],
            "assisted": sorted(together["assisted"], key=lambda r: r["credit_key"]),
        }

    result = same_on_both(duck, run)
    # Markov: start → linkedin, x, facebook ⅓ each; every walk converts (no null journey), so
    # P(conv) = 1. Removing linkedin, Organic Search, Email, x, instagram or facebook cuts one
    # walk (RE ⅓); Direct closes two (RE ⅔). ΣRE = 6·⅓ + ⅔ = 8/3, total value 1,380 →
    # ⅓ ÷ 8/3 × 1,380 = 172.5 each, Direct 345.
    markov = {k: c["value"] for k, c in result["markov"].items()}
    assert markov == pytest.approx({"linkedin": 172.5, "Organic Search": 172.5, "Email": 172.5,
                                    "Direct": 345.0, "x": 172.5, "instagram": 172.5,
                                    "facebook": 172.5})  # fmt: skip
    rows = result["credit"]
    linear = {r["credit_key"]: r["value"] for r in rows if r["model"] == "linear"}
    # c1 (1000): linkedin, Organic Search, Email, Direct; c2 (300): x, instagram;
    # visitor v3 (80): Paid Social facebook, Direct
    assert linear == pytest.approx({"linkedin": 250.0, "Organic Search": 250.0, "Email": 250.0,
                                    "Direct": 290.0, "x": 150.0, "instagram": 150.0,
                                    "facebook": 40.0})  # fmt: skip
    # c2's instagram message after her deal (03-12) would be a null path; it came before
    assert [(r["path"], r["conversions"], r["value"], r["nulls"]) for r in result["paths"]] == [
        ("facebook > Direct", 1, 80.0, 0),
        ("linkedin > Organic Search > Email > Direct", 1, 1000.0, 0),
        ("x > instagram", 1, 300.0, 0),
    ]
