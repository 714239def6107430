"""Render the canonical entities as the Markdown tables of ``docs/data-model.md``.

``tests/schema/test_entities.py`` fails when the committed document differs from this output,
so the document cannot drift from the schema. Regenerate it with
``python -m socialroi.schema.docs > docs/data-model.md``.
"""

from __future__ import annotations

import sys

from socialroi.schema.entities import ENTITIES, IMPORT_ORDER, NETWORK_ALIASES, NETWORKS

__all__ = ["data_model_markdown"]

_INTRO = """\
# Data model

Generated from `src/socialroi/schema/entities.py` by `python -m socialroi.schema.docs`;
`tests/schema/test_entities.py` fails when this file is out of date.

Every canonical entity of the data contract is a DuckDB table of the same name. Each table starts
with `workspace_id` (every query is scoped to one workspace through `Engine.tables(workspace_id)`),
then the canonical columns below, then what the import derives:

- `<amount>_base`: a money amount converted to the workspace's base currency with `fx_rates`
  (the rate on the row's date, else the latest earlier rate; see docs/import.md);
- `row_key`: for entities without an id of their own, a hash of the canonical values plus the
  occurrence of identical rows in the file, so re-importing a file adds nothing;
- `extra`: the file's unknown columns, as JSON text.

Internal tables: `workspaces` (id, name, brand, base currency, time zone), `import_ledger` (one row
per import: file hash and row counts) and `schema_version` (applied migrations).

No table has a PRIMARY KEY or UNIQUE constraint: the import enforces the natural keys below (update
on a known key; skip a known key for `web_events` and `clicks`), and constraints on the raw
high-volume tables break DuckDB's WAL replay after a crash (`../shared/specs/reliability.md` §3).

## Migrations

`src/socialroi/engine/migrations/NNNN_name.sql`, applied in order. `schema_version` records each
applied file; opening a database applies the missing ones (each in its own transaction), and a
database written by a newer socialroi is refused with a clear message.

## Engines

`socialroi.engine.connect()` opens DuckDB (default; the file `socialroi.duckdb`, `--db` or
`SOCIALROI_DB`) or Spark (`--engine spark`, `--spark-master URL`, local mode `local[2]` by default).
Spark reads the tables as Parquet (`socialroi export-parquet DIR` writes them from one snapshot,
with the stored sessions and daily aggregates of the workspaces where they are fresh, which Spark
then reads instead of recomputing them; without a warehouse the DuckDB file is exported to a
temporary one). In local mode the driver runs every task: it
gets a 2 GB heap and no whole-stage code generation (compiling one method per stage of the
visits' plan ran out of Spark's 1 GB default); on a cluster its own configuration applies.
Analysis code receives workspace-scoped Ibis tables and never imports duckdb or pyspark (ruff
rule TID251 enforces it), so every metric runs unchanged on both engines; the test suite
compares the two on every metric.
"""


def data_model_markdown() -> str:
    """The whole ``docs/data-model.md`` text."""
    out = [_INTRO]
    out.append("## Networks\n")
    out.append("Values: " + ", ".join(f"`{n}`" for n in NETWORKS) + " (all count as social).\n")
    aliases = ", ".join(f"`{a}` → `{n}`" for a, n in sorted(NETWORK_ALIASES.items()))
    out.append(f"Aliases accepted on import: {aliases}.\n")
    out.append("## Entities, in import order\n")
    for name in IMPORT_ORDER:
        ent = ENTITIES[name]
        key = ", ".join(f"`{k}`" for k in ent.key) if ent.key else "`row_key` (value hash)"
        mode = "skip a known key (append-only)" if ent.dedupe_only else "update a known key"
        out.append(f"### `{name}`\n")
        out.append(f"{ent.description[0].upper()}{ent.description[1:]}. Key: {key}; {mode}.\n")
        out.append("| column | type | required | allowed values / default |")
        out.append("|---|---|---|---|")
        for col in ent.columns:
            notes = []
            if col.choices:
                notes.append(", ".join(col.choices))
            if col.default is not None:
                notes.append(f"default {col.default}")
            req = "yes" if col.required else ""
            out.append(f"| `{col.name}` | {col.type.value} | {req} | {'; '.join(notes)} |")
        for amount, currency in ent.money:
            out.append(
                f"| `{amount}_base` | number (derived) | | `{amount}` in base currency "
                f"(`{currency}` converted) |"
            )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(data_model_markdown())
