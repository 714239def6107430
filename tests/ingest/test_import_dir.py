"""import_dir: every canonical file of a directory, in IMPORT_ORDER; unknown files reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from _ingest_helpers import write

from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError, ImportRejected, WorkspaceNotFound
from socialroi.ingest import import_dir


def test_files_load_in_dependency_order(duck: DuckDBEngine, tmp_path: Path) -> None:
    # costs.csv sorts before fx_rates.csv, but needs its rate: fx_rates must load first
    write(tmp_path, "costs.csv", "date,amount,category,currency\n2025-01-02,10,ads,USD\n")
    write(tmp_path, "web_events.csv", "event_id,visitor_id,occurred_at,event\ne1,v,2025-01-01,x\n")
    write(tmp_path, "fx_rates.csv", "date,currency,rate\n2025-01-01,USD,0.5\n")
    write(tmp_path, "contacts.ndjson", '{"contact_id": "c1", "created_at": "2025-01-01"}\n')
    write(tmp_path, "notes.csv", "a\n1\n")
    write(tmp_path, "costs.rejects.csv", "line\n")
    write(tmp_path, ".hidden.csv", "a\n")
    unknown: list[Path] = []
    results = import_dir(duck, "ws", tmp_path, on_unknown=unknown.append)
    assert [r.entity for r in results] == ["fx_rates", "web_events", "contacts", "costs"]
    assert [r.inserted for r in results] == [1, 1, 1, 1]
    assert sorted(p.name for p in unknown) == ["costs.rejects.csv", "notes.csv"]
    assert duck.run("SELECT amount_base FROM costs") == [(5.0,)]


def test_progress_factory_gets_one_callback_per_file(duck: DuckDBEngine, tmp_path: Path) -> None:
    write(tmp_path, "fx_rates.csv", "date,currency,rate\n2025-01-01,USD,0.5\n")
    seen: list[str] = []

    def factory(entity: str, path: Path) -> None:
        seen.append(f"{entity}:{path.name}")

    import_dir(duck, "ws", tmp_path, progress_factory=factory)
    assert seen == ["fx_rates:fx_rates.csv"]


def test_a_rejected_file_stops_the_run(duck: DuckDBEngine, tmp_path: Path) -> None:
    write(tmp_path, "fx_rates.csv", "date,currency,rate\n2025-01-01,USD,0.5\n")
    write(tmp_path, "costs.csv", "date,amount,category\n2025-01-01,ten,ads\n")
    with pytest.raises(ImportRejected):
        import_dir(duck, "ws", tmp_path)
    assert duck.run("SELECT count(*) FROM fx_rates") == [(1,)]  # imported before the failure
    results = import_dir(duck, "ws", tmp_path, skip_bad_rows=True)
    assert [(r.entity, r.rejected) for r in results] == [("fx_rates", 0), ("costs", 1)]


def test_bad_directory_or_workspace(duck: DuckDBEngine, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        import_dir(duck, "ws", tmp_path / "missing")
    with pytest.raises(WorkspaceNotFound):
        import_dir(duck, "nope", tmp_path)
