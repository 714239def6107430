"""Derived tables on DuckDB: stored results, their fingerprints and their atomic replacement.

A derived table (``derived_<name>``) holds rows of several workspaces; ``derived_state`` records,
per workspace, the source tables it was built from and their *fingerprint* at that moment. It is
handed to the analysis code (``Tables.derived``) only while the fingerprint of the sources is
unchanged, so a write that no refresh followed makes the analysis compute from the entities again
(slower, never wrong). The fingerprint must be cheap, because every ``Engine.tables()`` checks it:

- ``web_events`` (tens of millions of rows, append-only: imports skip known event ids, the
  collector only inserts): its row count and latest ``occurred_at`` (milliseconds: DuckDB keeps
  both in its statistics). The only in-place rewrite, ``revenue_base`` by ``recompute_money``,
  follows an exchange-rate import, so whatever reads revenue lists ``fx_rates`` as a source;
- every other source (thousands of rows): row count and XOR of the hashes of all its rows, so an
  edited link or a replaced contact changes it.

What the analysis rebuilds, and how incrementally, is :mod:`socialroi.aggregates`' business; this
module only runs the SQL (identifiers from the entity allowlist and fixed names, values bound).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends.sql.datatypes import DuckDBType

from socialroi.engine.tables import Tables
from socialroi.errors import ConfigError

if TYPE_CHECKING:
    from socialroi.engine._duckdb import DuckDBEngine

__all__ = [
    "CHANGED",
    "DERIVED_NAMES",
    "all_visitors",
    "changed_visitors",
    "compiled",
    "derived_tables",
    "event_count",
    "fingerprint",
    "forget",
    "replace_rows",
    "stored_state",
    "visitor_state_sql",
    "visitors_consistent",
]

#: Derived tables this engine may store (the allowlist of their names).
DERIVED_NAMES: tuple[str, ...] = ("sessions", "daily")
#: Internal tables a refresh may write besides ``derived_<name>``.
_STATE_TABLES: tuple[str, ...] = ("derived_visitors",)


def _source(name: str) -> str:
    if name not in Tables.entity_names():
        raise ConfigError(f"{name!r} is not a canonical table", hint="name an entity table")
    return name


def fingerprint(engine: DuckDBEngine, workspace_id: str, sources: tuple[str, ...]) -> str:
    """The cheap fingerprint of ``sources`` in one workspace (module docstring), as JSON."""
    parts = []
    for name in sources:
        if _source(name) == "web_events":
            parts.append(
                "(SELECT [count(*)::VARCHAR, max(occurred_at)::VARCHAR] "
                "FROM web_events WHERE workspace_id = $ws)"
            )
        else:
            parts.append(
                f"(SELECT [count(*)::VARCHAR, bit_xor(hash(t))::VARCHAR] FROM {name} t "
                "WHERE workspace_id = $ws)"
            )
    (row,) = engine.run(f"SELECT {', '.join(parts)}", {"ws": workspace_id})
    return json.dumps(dict(zip(sources, row, strict=True)), sort_keys=True)


def _has_state(engine: DuckDBEngine) -> bool:
    rows = engine.run("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'derived_state'")
    return bool(rows[0][0])


def derived_tables(engine: DuckDBEngine, workspace_id: str) -> dict[str, ir.Table]:
    """The workspace's fresh derived tables, scoped to it, by name."""
    if not _has_state(engine):  # a read-only database of an older schema
        return {}
    state = engine.run(
        "SELECT name, sources, fingerprint FROM derived_state WHERE workspace_id = ?",
        [workspace_id],
    )
    fresh: dict[str, ir.Table] = {}
    wanted = [
        (name, tuple(json.loads(sources)), stored)
        for name, sources, stored in state
        if name in DERIVED_NAMES
    ]
    every = tuple(sorted({s for _, sources, _ in wanted for s in sources}))
    if not every:
        return fresh
    current = json.loads(fingerprint(engine, workspace_id, every))  # one query for all
    for name, sources, stored in wanted:
        if stored == json.dumps({s: current[s] for s in sources}, sort_keys=True):
            t = engine.backend.table(f"derived_{name}")
            fresh[name] = t.filter(t.workspace_id == workspace_id)
    return fresh


def replace_rows(
    engine: DuckDBEngine,
    name: str,
    workspace_id: str,
    query: tuple[str, tuple[str, ...]],
    *,
    sources: tuple[str, ...],
    keys: tuple[str, str] | None = None,
    state: dict[str, str] | None = None,
    parts: tuple[str, str, int] | None = None,
) -> None:
    """Replace the workspace's rows of ``derived_<name>`` by the rows of ``query`` (its SQL and
    column names: :func:`compiled`), then record the sources' fingerprint — all in one
    transaction, so readers see the old rows or the new ones.

    ``keys``: ``(column, temp_table)`` — replace only the rows whose ``column`` is in the temp
    table's ``column`` (an incremental refresh), instead of all the workspace's rows.
    ``state``: extra statements' SQL run in the same transaction, keyed by a label (the refresh
    of ``derived_visitors``), each with ``$ws`` bound to the workspace.
    ``parts``: ``(column, temp_table, n)`` — run ``query`` (which reads the temp table) ``n``
    times, the temp table holding one hash slice of its ``column`` each time (the whole set
    again after), for a query whose rows of one key depend on that key's rows only: the same
    rows, in memory bounded by a slice (in one piece, the sessions of 10M events spill four
    window sorts of 3 GB each).
    """
    if name not in DERIVED_NAMES:
        raise ConfigError(f"unknown derived table {name!r}", hint=f"one of {DERIVED_NAMES}")
    table = f"derived_{name}"
    sql, columns = query
    exists = table in engine.table_names()
    if exists:
        stored = [r[0] for r in engine.run(f"SELECT column_name FROM (DESCRIBE {table})")]
        if stored != list(columns):  # the code's columns changed: rebuild every workspace
            engine.run(f"DROP TABLE {table}")
            engine.run("DELETE FROM derived_state WHERE name = ?", [name])
            exists = False
            keys = None
    if not exists:
        # created and committed on its own first: filled in the same transaction that created
        # it, DuckDB 2.0.0 lost rows of the stored sessions read by the daily aggregates
        engine.run(f"CREATE TABLE {table} AS SELECT * FROM ({sql}) LIMIT 0")
    with engine.transaction():
        where = "workspace_id = $ws"
        if keys is not None:
            col, temp = keys
            where += f" AND {col} IN (SELECT {col} FROM {temp})"
        engine.run(f"DELETE FROM {table} WHERE {where}", {"ws": workspace_id})
        if parts is None:
            engine.run(f"INSERT INTO {table} SELECT * FROM ({sql})")
        else:
            col, temp, n = parts
            engine.run(
                f"CREATE OR REPLACE TEMP TABLE {_PARTS} AS "
                f"SELECT {col}, hash({col}) % {int(n)} AS _part FROM {temp}"
            )
            for part in range(int(n)):
                engine.run(f"DELETE FROM {temp}")
                engine.run(f"INSERT INTO {temp} SELECT {col} FROM {_PARTS} WHERE _part = $p",
                           {"p": part})  # fmt: skip
                engine.run(f"INSERT INTO {table} SELECT * FROM ({sql})")
            engine.run(f"DELETE FROM {temp}")
            engine.run(f"INSERT INTO {temp} SELECT {col} FROM {_PARTS}")
            engine.run(f"DROP TABLE {_PARTS}")
        for statement in (state or {}).values():
            engine.run(statement, {"ws": workspace_id})
        engine.run("DELETE FROM derived_state WHERE workspace_id = ? AND name = ?",
                   [workspace_id, name])  # fmt: skip
        engine.run(
            "INSERT INTO derived_state VALUES (?, ?, ?, ?, ?)",
            [
                workspace_id,
                name,
                json.dumps(list(sources)),
                fingerprint(engine, workspace_id, sources),
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
            ],
        )


_COMPILED: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}


def compiled(key: tuple[str, ...], build: Callable[[], ir.Table]) -> tuple[str, tuple[str, ...]]:
    """The DuckDB SQL and columns of ``build()``, compiled once per process and ``key``.

    Compiling the sessions' Ibis plan to SQL takes seconds (more than running it on a small
    workspace), so refreshes reuse the text: ``key`` must name everything the plan depends on
    (derived table, workspace, its time zone, incremental or not).
    """
    if key not in _COMPILED:
        expr = build()
        # cast to the Ibis schema: DuckDB's own result types differ (a sum of int64 is HUGEINT)
        # and the stored table must read back exactly as the expression would
        sql = str(ibis.to_sql(expr, dialect="duckdb"))
        casts = ", ".join(
            f'CAST("{c}" AS {DuckDBType.to_string(t)}) AS "{c}"' for c, t in expr.schema().items()
        )
        _COMPILED[key] = (f"SELECT {casts} FROM ({sql})", tuple(expr.columns))
    return _COMPILED[key]


def forget(engine: DuckDBEngine, workspace_id: str) -> None:
    """Drop the workspace's derived state, so its next refresh rebuilds everything."""
    if _has_state(engine):
        with engine.transaction():
            engine.run("DELETE FROM derived_state WHERE workspace_id = ?", [workspace_id])
            for t in _STATE_TABLES:
                engine.run(f"DELETE FROM {t} WHERE workspace_id = ?", [workspace_id])


#: The temp table of visitors an incremental refresh recomputes (column ``visitor_id``).
CHANGED = "_derived_changed"
#: The temp table of a split refresh's keys and their slice (:func:`replace_rows` ``parts``).
_PARTS = "_derived_parts"
_SIG = (
    "SELECT workspace_id, visitor_id, count(*) AS events, bit_xor(hash(w)) AS sig "
    "FROM web_events w"
)


def changed_visitors(
    engine: DuckDBEngine, workspace_id: str, hint: list[str] | None, click_ids: Sequence[str] = ()
) -> int:
    """Fill the temp table :data:`CHANGED` with the visitors whose web events differ from
    ``derived_visitors`` (new, changed or deleted events: their count or row-hash XOR moved),
    only among ``hint`` when given, plus the visitors of events carrying one of ``click_ids``
    (new tracked clicks decide those events' source). Returns how many there are."""
    only = ""
    if hint is not None:
        engine.register("_derived_hint", _visitor_list(hint))
        only = " AND visitor_id IN (SELECT visitor_id FROM _derived_hint)"
    try:
        engine.run(
            f"CREATE OR REPLACE TEMP TABLE {CHANGED} AS "
            f"SELECT coalesce(n.visitor_id, o.visitor_id) AS visitor_id "
            f"FROM ({_SIG} WHERE workspace_id = $ws{only} GROUP BY ALL) n "
            f"FULL JOIN (SELECT * FROM derived_visitors WHERE workspace_id = $ws{only}) o "
            "ON n.visitor_id = o.visitor_id "
            "WHERE n.sig IS DISTINCT FROM o.sig OR n.events IS DISTINCT FROM o.events "
            "UNION SELECT visitor_id FROM web_events "
            "WHERE workspace_id = $ws AND click_id IN (SELECT unnest($ids::VARCHAR[]))",
            {"ws": workspace_id, "ids": sorted(set(click_ids))},
        )
    finally:
        if hint is not None:
            engine.unregister("_derived_hint")
    return int(engine.run(f"SELECT count(*) FROM {CHANGED}")[0][0])


def all_visitors(engine: DuckDBEngine, workspace_id: str) -> None:
    """Fill the temp table :data:`CHANGED` with every visitor of the workspace's web events."""
    engine.run(
        f"CREATE OR REPLACE TEMP TABLE {CHANGED} AS "
        "SELECT DISTINCT visitor_id FROM web_events WHERE workspace_id = $ws",
        {"ws": workspace_id},
    )


def event_count(engine: DuckDBEngine, workspace_id: str, *, changed: bool = False) -> int:
    """The workspace's web events (``changed``: only those of the visitors in :data:`CHANGED`)."""
    only = f" AND visitor_id IN (SELECT visitor_id FROM {CHANGED})" if changed else ""
    rows = engine.run(
        f"SELECT count(*) FROM web_events WHERE workspace_id = $ws{only}", {"ws": workspace_id}
    )
    return int(rows[0][0])


def visitor_state_sql(*, incremental: bool) -> dict[str, str]:
    """The statements that bring ``derived_visitors`` up to date (for :func:`replace_rows`)."""
    only = f" AND visitor_id IN (SELECT visitor_id FROM {CHANGED})" if incremental else ""
    return {
        "delete": f"DELETE FROM derived_visitors WHERE workspace_id = $ws{only}",
        "insert": (
            f"INSERT INTO derived_visitors {_SIG} WHERE workspace_id = $ws{only} GROUP BY ALL"
        ),
    }


def visitors_consistent(engine: DuckDBEngine, workspace_id: str) -> bool:
    """Whether ``derived_visitors`` accounts for every web event of the workspace (the check
    that a refresh limited to a hint of visitors missed none)."""
    rows = engine.run(
        "SELECT (SELECT coalesce(sum(events), 0) FROM derived_visitors WHERE workspace_id = $ws)"
        " = (SELECT count(*) FROM web_events WHERE workspace_id = $ws)",
        {"ws": workspace_id},
    )
    return bool(rows[0][0])


def stored_state(engine: DuckDBEngine, workspace_id: str, name: str) -> tuple[str, str] | None:
    """``(sources, fingerprint)`` recorded when ``derived_<name>`` was last built, or None."""
    if not _has_state(engine):
        return None
    rows = engine.run(
        "SELECT sources, fingerprint FROM derived_state WHERE workspace_id = ? AND name = ?",
        [workspace_id, name],
    )
    return (str(rows[0][0]), str(rows[0][1])) if rows else None


def _visitor_list(visitors: list[str]) -> pa.Table:
    return pa.table({"visitor_id": pa.array(sorted(set(visitors)), type=pa.string())})
