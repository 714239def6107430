"""An unreplayable WAL is quarantined and its rows rebuilt from the spool (scenario 2's
fallback path)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from socialroi.tracking import Spool, Writer, open_database

CRASH = r"""
import datetime as dt, json, os, sys
from pathlib import Path
from socialroi.engine import DuckDBEngine
from socialroi.tracking import Spool, Writer
from socialroi.tracking.events import record_line
tmp = Path(sys.argv[1])
eng = DuckDBEngine(tmp / "db.duckdb")
eng.ensure_workspace("ws")
eng.run("SET checkpoint_threshold = '1GB'")  # keep the loaded rows in the WAL only
spool = Spool(tmp / "spool")
writer = Writer(eng, spool)  # checkpoints on start: the file holds the workspace only
now = int(dt.datetime.now(dt.UTC).timestamp() * 1e6)
spool.append([record_line({"k": "e", "ws": "ws", "d": {"event_id": f"e{i}", "visitor_id": "v",
              "occurred_at": now, "event": "pageview"}}) for i in range(100)])
writer.drain()
assert eng.run("SELECT count(*) FROM web_events") == [(100,)]
# a foreign database's WAL, as a crash mid-write might leave an unreplayable one
other = DuckDBEngine(tmp / "other.duckdb")
other.run("SET checkpoint_threshold = '1GB'")
other.run("CREATE TABLE t AS SELECT range AS x FROM range(1000)")
os.replace(tmp / "other.duckdb.wal", tmp / "db.duckdb.wal")
os._exit(0)  # kill -9: nothing closed, nothing checkpointed
"""


def test_unreplayable_wal_is_quarantined_and_rebuilt_from_the_spool(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", CRASH, str(tmp_path)], check=True)
    eng = open_database(tmp_path / "db.duckdb")
    try:
        quarantined = list(tmp_path.glob("db.duckdb.wal.quarantined-*"))
        assert len(quarantined) == 1
        # the checkpointed file knew the workspace but none of the events
        assert eng.run("SELECT count(*) FROM web_events") == [(0,)]
        Writer(eng, Spool(tmp_path / "spool")).drain()
        assert eng.run("SELECT count(*), count(DISTINCT event_id) FROM web_events") == [(100, 100)]
    finally:
        eng.close()
