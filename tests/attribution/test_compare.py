"""Every model in one call (``socialroi.attribution.compare``): attribution.md Examples 1 and 2.

Example 2 as journeys: P1 Facebook > Search → conv (value 100), P2 Facebook → null,
P3 Search > Email → conv (value 60), P4 Email → null.
Markov (exact, with nulls): RE Facebook .375, Search .75, Email .5, ΣRE = 1.625 →
credits 0.461538, 0.923077, 0.615385; value = RE share × 160.
Shapley: {Facebook, Search} = 1 → 0.5 each; {Search, Email} = 1 → 0.5 each →
Facebook 0.5, Search 1.0, Email 0.5 (value: 50 + 50 + 30 + 30 → Facebook 50, Search 80,
Email 30).
"""

from __future__ import annotations

import ibis
import pytest
from test_heuristics import EXAMPLE_1, journey_rows
from test_reports import null_rows

from socialroi.attribution import at_level, compare_models
from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError

TOL = 1e-9


def approx(x: float) -> object:
    return pytest.approx(x, abs=TOL, rel=TOL)


def _example_2() -> tuple[ibis.Table, ibis.Table]:
    j = journey_rows([
        ("p1", 100.0, [("Facebook", 3.0), ("Search", 1.0)]),
        ("p3", 60.0, [("Search", 2.0), ("Email", 1.0)]),
    ])  # fmt: skip
    nj = null_rows([("p2", ["Facebook"]), ("p4", ["Email"])])
    return j, nj


def test_example_2_every_model_and_report(duck: DuckDBEngine) -> None:
    j, nj = _example_2()
    r = compare_models(duck, j, nj)
    assert (r["conversions"], r["value"]) == (2.0, 160.0)
    markov = r["credit"]["markov"]
    assert markov["Facebook"]["conversions"] == approx(0.461538461538)
    assert markov["Search"]["conversions"] == approx(0.923076923077)
    assert markov["Email"]["conversions"] == approx(0.615384615385)
    assert markov["Search"]["value"] == approx(0.75 / 1.625 * 160)
    assert r["markov"]["removal_effects"] == {
        "Email": approx(0.5), "Facebook": approx(0.375), "Search": approx(0.75)
    }  # fmt: skip
    assert r["markov"]["p_conversion"] == approx(0.5)
    assert ["(start)", "Facebook", approx(0.5)] in r["markov"]["transition_matrix"]
    shapley = {k: (c["conversions"], c["value"]) for k, c in r["credit"]["shapley"].items()}
    assert shapley == {"Facebook": (0.5, 50.0), "Search": (1.0, 80.0), "Email": (0.5, 30.0)}
    assert r["credit"]["first_touch"]["Facebook"] == {"conversions": 1.0, "value": 100.0}
    assert r["credit"]["last_touch"]["Email"] == {"conversions": 1.0, "value": 60.0}
    for model, by_key in r["credit"].items():
        assert sum(c["conversions"] for c in by_key.values()) == approx(2.0), model
        assert sum(c["value"] for c in by_key.values()) == approx(160.0), model
    assert r["conversions_on_paths"] == {"Facebook": 1.0, "Search": 2.0, "Email": 1.0}
    assert len(r["warnings"]) == 3  # every key is far below 30 conversions
    assert r["intervals"] == {"markov": {}, "shapley": {}}
    top = {p["path"]: (p["conversions"], p["nulls"], p["conversion_rate"]) for p in r["top_paths"]}
    assert top == {"Facebook > Search": (1, 0, 1.0), "Search > Email": (1, 0, 1.0)}
    assisted = {a["credit_key"]: a["assisted_conversions"] for a in r["assisted"]}
    assert assisted == {"Facebook": 1, "Search": 1, "Email": 0}
    assert [(p["path_length"], p["conversions"]) for p in r["path_length"]] == [(2, 2)]
    assert [(t["bucket"], t["conversions"]) for t in r["time_lag"]] == [("2-3", 2)]


def test_bootstrap_intervals_come_with_the_models(duck: DuckDBEngine) -> None:
    j, nj = _example_2()
    a = compare_models(duck, j, nj, bootstrap=50, seed=7)
    b = compare_models(duck, j, nj, bootstrap=50, seed=7)
    assert a["intervals"] == b["intervals"]
    assert set(a["intervals"]["markov"]) == {"Facebook", "Search", "Email"}
    iv = a["intervals"]["shapley"]["Search"]
    assert iv["conversions_low"] <= 1.0 <= iv["conversions_high"]
    assert (a["bootstrap_replicates"], a["confidence"]) == (50, 0.9)


def test_without_direct_credit_example_1(duck: DuckDBEngine) -> None:
    # GA4-style (Direct dropped): linear 333.33 each; time decay 150.99 / 301.98 / 547.03
    r = compare_models(duck, journey_rows(EXAMPLE_1), direct_credit=False)
    linear = {k: c["value"] for k, c in r["credit"]["linear"].items()}
    assert linear == {k: approx(1000 / 3) for k in ("linkedin", "Organic Search", "Email")}
    decay = {k: round(c["value"], 2) for k, c in r["credit"]["time_decay"].items()}
    assert decay == {"linkedin": 150.99, "Organic Search": 301.98, "Email": 547.03}
    assert "Direct" not in r["credit"]["markov"]
    assert r["credit"]["shapley"]["Email"]["value"] == approx(1000 / 3)


def test_credit_at_campaign_and_post_level(duck: DuckDBEngine) -> None:
    # Example 1 with campaigns: linkedin and Email touches in "spring", the linkedin touch from
    # post p1; linear gives 250 per touch → spring 500, (no campaign) 500; p1 250, (no post) 750
    j = journey_rows(EXAMPLE_1)
    j = j.mutate(
        campaign=ibis.cases(
            (j.credit_key.isin(["linkedin", "Email"]), "spring"), else_=ibis.null("string")
        ),
        post_id=ibis.ifelse(j.credit_key == "linkedin", "p1", ibis.null("string")),
    )
    by_campaign = compare_models(duck, j, level="campaign")["credit"]
    assert {k: c["value"] for k, c in by_campaign["linear"].items()} == {
        "spring": approx(500.0), "(no campaign)": approx(500.0)
    }  # fmt: skip
    assert by_campaign["first_touch"]["spring"]["value"] == approx(1000.0)
    by_post = compare_models(duck, j, level="post")["credit"]
    assert {k: c["value"] for k, c in by_post["linear"].items()} == {
        "p1": approx(250.0), "(no post)": approx(750.0)
    }  # fmt: skip
    with pytest.raises(ConfigError, match="level"):
        at_level(j, "country")  # type: ignore[arg-type]


def test_bad_arguments(duck: DuckDBEngine) -> None:
    j, nj = _example_2()
    with pytest.raises(ConfigError, match="markov_order"):
        compare_models(duck, j, nj, markov_order=4)
    with pytest.raises(ConfigError, match="bootstrap"):
        compare_models(duck, j, nj, bootstrap=-1)


def test_higher_order_markov_from_the_path_table(duck: DuckDBEngine) -> None:
    j, nj = _example_2()
    r = compare_models(duck, j, nj, markov_order=2)
    assert r["markov"]["order"] == 2
    # order 2: (start)→Facebook ½, →Search ¼, →Email ¼; Facebook→(Facebook,Search) ½, →null ½;
    # (Facebook,Search)→conv; Search→(Search,Email)→conv; Email→null. P(conv) = ½·½ + ¼ = ½.
    # Remove Facebook: ¼ → RE ½; remove Search: 0 → RE 1; remove Email: ¼ → RE ½.
    # ΣRE = 2 → credits ½, 1, ½.
    markov = {k: c["conversions"] for k, c in r["credit"]["markov"].items()}
    assert markov == {"Facebook": approx(0.5), "Search": approx(1.0), "Email": approx(0.5)}
