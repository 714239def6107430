from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from equality import assert_same

from socialroi.engine import DuckDBEngine, Engine, Tables, applied_version, migrations
from socialroi.errors import ConfigError, SchemaVersionError, WorkspaceNotFound
from socialroi.schema import ENTITIES


def test_every_entity_is_a_table_with_workspace_id_first(duck: DuckDBEngine) -> None:
    for name, ent in ENTITIES.items():
        cols = duck.run(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
            "ORDER BY column_index",
            [name],
        )
        assert cols[0] == ("workspace_id", "VARCHAR")
        assert [(c, t) for c, t in cols[1:]] == list(ent.stored_columns), name


def test_tables_has_one_attribute_per_entity() -> None:
    assert set(Tables.entity_names()) == set(ENTITIES)


def test_tables_are_scoped_to_the_workspace(duck: DuckDBEngine) -> None:
    duck.ensure_workspace("other")
    duck.run(
        "INSERT INTO fx_rates (workspace_id, date, currency, rate) VALUES "
        "('ws', '2025-01-01', 'USD', 0.9), ('other', '2025-01-01', 'USD', 0.8)"
    )
    rows = duck.execute(duck.tables("ws").fx_rates).to_pylist()
    assert [r["rate"] for r in rows] == [0.9]


def test_unknown_workspace_names_the_known_ones(duck: DuckDBEngine) -> None:
    with pytest.raises(WorkspaceNotFound, match="known: ws"):
        duck.tables("nope")


def test_migrations_are_recorded_and_an_old_database_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    eng = DuckDBEngine(path)
    assert applied_version(eng.con) == len(migrations())
    # simulate a database written before the latest migration: drop back to version 0
    eng.run("DELETE FROM schema_version")
    for name in eng.table_names():
        if name != "schema_version":
            eng.run(f'DROP TABLE "{name}"')
    eng.close()
    reopened = DuckDBEngine(path)
    assert applied_version(reopened.con) == len(migrations())
    assert "web_events" in reopened.table_names()
    reopened.close()


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    eng = DuckDBEngine(path)
    eng.run("INSERT INTO schema_version VALUES (999, 'future', current_timestamp::TIMESTAMP)")
    eng.close()
    with pytest.raises(SchemaVersionError, match="999"):
        DuckDBEngine(path)


def test_external_file_access_is_disabled(duck: DuckDBEngine, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(Exception, match="(?i)disabled|permission"):
        duck.run(f"SELECT * FROM read_csv('{secret}')")


def test_bad_settings_are_config_errors(duck: DuckDBEngine) -> None:
    with pytest.raises(ConfigError):
        duck.ensure_workspace("x", currency="EURO")
    with pytest.raises(ConfigError, match="time zone"):
        duck.ensure_workspace("y", timezone="Mars/Base")


@pytest.mark.spark
def test_spark_twin_sees_the_same_scoped_rows(duck: DuckDBEngine, same_on_both) -> None:  # type: ignore[no-untyped-def]
    duck.ensure_workspace("other")
    duck.run(
        "INSERT INTO web_events (workspace_id, event_id, visitor_id, occurred_at, event) VALUES "
        "('ws', 'e1', 'v1', '2025-01-01 10:00', 'pageview'),"
        "('other', 'e2', 'v2', '2025-01-01 10:00', 'pageview')"
    )

    def count(engine: Engine) -> list[dict[str, object]]:
        t = engine.tables("ws").web_events
        return engine.execute(t.select("event_id", "occurred_at").order_by("event_id")).to_pylist()

    rows = same_on_both(duck, count)
    assert [r["event_id"] for r in rows] == ["e1"]


def _two_workspaces_one_refreshed(duck: DuckDBEngine) -> None:
    from socialroi.aggregates import refresh

    duck.ensure_workspace("other")
    duck.run(
        "INSERT INTO web_events (workspace_id, event_id, visitor_id, occurred_at, event, url, "
        "utm_source, utm_medium) VALUES "
        "('ws', 'e1', 'v1', '2025-01-01 10:00', 'pageview', 'https://a.example/', 'x', 'social'),"
        "('ws', 'e2', 'v1', '2025-01-01 10:05', 'pageview', 'https://a.example/p', NULL, NULL),"
        "('ws', 'e3', 'v2', '2025-01-02 09:00', 'pageview', 'https://a.example/', NULL, NULL),"
        "('other', 'e4', 'v3', '2025-01-01 10:00', 'pageview', 'https://b.example/', NULL, NULL)"
    )
    refresh(duck, "ws")  # "other" is never refreshed: its derived tables are not fresh


def test_export_writes_the_fresh_derived_tables_only(duck: DuckDBEngine, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    _two_workspaces_one_refreshed(duck)
    assert set(duck.tables("ws").derived) == {"sessions", "daily"}
    assert dict(duck.tables("other").derived) == {}
    out = duck.export_parquet(tmp_path / "w")
    fresh = sorted((r["workspace_id"], r["name"])
                   for r in pq.read_table(out / "derived_fresh.parquet").to_pylist())  # fmt: skip
    assert fresh == [("ws", "daily"), ("ws", "sessions")]
    sessions = pq.read_table(out / "derived_sessions.parquet").to_pylist()
    assert sorted(r["visitor_id"] for r in sessions) == ["v1", "v2"]
    # a second export into the same directory, without them, leaves none behind
    duck.export_parquet(out, derived=False)
    assert not list(out.glob("derived_*.parquet"))


@pytest.mark.spark
def test_spark_reads_the_fresh_derived_tables(duck: DuckDBEngine, tmp_path: Path) -> None:
    """Spark uses the stored sessions and daily aggregates the export found fresh, and
    computes the others' from their events: the same visits either way."""
    from socialroi.engine._spark import SparkEngine
    from socialroi.metrics.summary import channel_summary
    from socialroi.visits import sessions

    _two_workspaces_one_refreshed(duck)
    spark = SparkEngine(duck.export_parquet(tmp_path / "w"))
    assert set(spark.tables("ws").derived) == {"sessions", "daily"}
    assert dict(spark.tables("other").derived) == {}

    def visits(engine: Engine, ws: str) -> list[tuple[object, ...]]:
        v = sessions(engine.tables(ws))
        rows = engine.execute(v.select("visitor_id", "started_at", "pageviews")).to_pylist()
        return sorted(tuple(r.values()) for r in rows)

    for ws in ("ws", "other"):
        assert visits(spark, ws) == visits(duck, ws)
    assert len(visits(spark, "ws")) == 2
    # the channel summary reads the daily aggregates where they are fresh
    jan = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    for ws in ("ws", "other"):
        assert_same(channel_summary(spark, ws, *jan), channel_summary(duck, ws, *jan))


@pytest.mark.spark
def test_spark_local_mode_gives_the_driver_a_heap_and_small_methods(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    from socialroi.engine._spark import LOCAL_DRIVER_MEMORY, SparkEngine

    spark = SparkEngine(duck.export_parquet(tmp_path / "warehouse"))
    # the default 1 GB ran out compiling the visits' whole-stage code (four tests failed in CI)
    assert spark.session.sparkContext.getConf().get("spark.driver.memory") == LOCAL_DRIVER_MEMORY
    assert spark.session.conf.get("spark.sql.codegen.wholeStage") == "false"


def _temp_tables(duck: DuckDBEngine) -> set[str]:
    return {r[0] for r in duck.run("SELECT table_name FROM duckdb_tables() WHERE temporary")}


def test_a_shared_run_computes_a_sub_plan_once_and_drops_it(duck: DuckDBEngine) -> None:
    duck.ensure_workspace("other")
    duck.run(
        "INSERT INTO fx_rates (workspace_id, date, currency, rate) VALUES "
        "('ws', '2025-01-01', 'USD', 0.9), ('other', '2025-01-01', 'USD', 0.8)"
    )
    built: list[str] = []

    def rates(t: Tables) -> object:
        def build() -> object:
            built.append(t.workspace.workspace_id)
            return t.fx_rates.select("currency", "rate")

        return t.shared.get("rates", build)  # type: ignore[arg-type]

    with duck.shared("ws") as t:
        assert duck.tables("ws") is t  # one Tables for the whole run
        with duck.shared("ws") as inner:  # a nested run joins the outer one
            assert inner is t
        first = rates(t)
        assert rates(duck.tables("ws")) is first and built == ["ws"]
        name = first.op().name  # type: ignore[attr-defined]
        assert name in _temp_tables(duck)
        assert duck.execute(first).to_pylist() == [{"currency": "USD", "rate": 0.9}]
        # another workspace is not part of the run: scoped as ever, nothing shared
        other = duck.tables("other")
        assert other is not t
        assert duck.execute(rates(other)).to_pylist() == [{"currency": "USD", "rate": 0.8}]
    assert name not in _temp_tables(duck)
    assert duck.tables("ws") is not duck.tables("ws")
    # outside a run the plan is built for every request and nothing is materialised
    built.clear()
    rates(duck.tables("ws"))
    rates(duck.tables("ws"))
    assert built == ["ws", "ws"] and not _temp_tables(duck)


def test_a_failed_run_drops_its_tables_too(duck: DuckDBEngine) -> None:
    with pytest.raises(RuntimeError), duck.shared("ws") as t:
        t.shared.get("rates", lambda: t.fx_rates)
        assert _temp_tables(duck)
        raise RuntimeError("a section failed")
    assert not _temp_tables(duck)
    assert duck.tables("ws") is not duck.tables("ws")  # the run is over
