"""The docs cannot drift from the code (datasette's tests/test_docs.py is the model).

- docs/cli.md is the real ``--help`` of every command; regenerate it with
  ``python tests/test_docs.py``.
- every import error code used in src/socialroi/ingest is in docs/import.md;
- every public metric function is in docs/metrics.md;
- every public name of the packages is pinned here (httpx's test_exported_members).
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = ROOT / "docs" / "cli.md"

_CLI_INTRO = """\
# Command-line reference

Generated from the commands' own `--help` by `python tests/test_docs.py`; `tests/test_docs.py`
fails when this file is out of date. Every command takes `--db PATH` (or `SOCIALROI_DB`) and,
where it reads or writes data, `--workspace ID` (or `SOCIALROI_WORKSPACE`, default `default`).
Errors print what went wrong and what to do next, and exit 1; usage errors exit 2.
"""


def _commands() -> list[str]:
    from socialroi.cli import app

    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    for group in app.registered_groups:  # `links create` …: documented as "group command"
        sub = group.typer_instance
        assert sub is not None and group.name is not None
        names += [f"{group.name} {c.name}" for c in sub.registered_commands]
    return sorted(n.replace("_", "-") for n in names)


def cli_reference() -> str:
    from socialroi.cli import app

    runner = CliRunner()
    env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    parts = [_CLI_INTRO]
    for name in _commands():
        result = runner.invoke(app, [*name.split(), "--help"], env=env, terminal_width=100)
        assert result.exit_code == 0, result.output
        text = "\n".join(line.rstrip() for line in result.output.strip().splitlines())
        parts.append(f"## `socialroi {name}`\n\n```\n{text}\n```\n")
    return "\n".join(parts)


def test_cli_reference_is_current() -> None:
    assert CLI_DOC.read_text(encoding="utf-8") == cli_reference(), (
        "docs/cli.md is stale: run python tests/test_docs.py"
    )


def test_the_contract_verbs_exist() -> None:
    assert {"init", "import", "import-dir", "summary", "demo", "report"} <= set(_commands())


def test_every_import_error_code_is_documented() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "src/socialroi/ingest").glob("*.py"))
    slug = r"['\"]((?:bad|missing|empty|duplicate|unreadable)-[a-z-]+)['\"]"
    codes = set(re.findall(slug, source))
    assert "missing-fx-rate" in codes and "bad-timestamp" in codes
    doc = (ROOT / "docs/import.md").read_text(encoding="utf-8")
    assert not [c for c in sorted(codes) if f"`{c}`" not in doc]


def test_every_metric_function_is_documented() -> None:
    import socialroi.metrics as metrics

    doc = (ROOT / "docs/metrics.md").read_text(encoding="utf-8")
    missing = [name for name in metrics.__all__ if f"`{name}" not in doc]
    assert not missing, f"add these to docs/metrics.md: {missing}"


EXPORTED = {
    "socialroi.attribution": [
        "ALL_MODELS", "AttributionModel", "CONVERSIONS", "Interval", "LEVELS", "MIN_CONVERSIONS",
        "MODELS", "MarkovResult", "NullJourneys", "PathTable", "SUMMARY_MODELS", "ShapleyCredit",
        "TIME_LAG_BUCKETS", "assisted_conversions", "at_level", "attribution_section",
        "bootstrap_intervals", "channel_sets", "compare_models", "conversions",
        "conversions_on_paths", "cost_by_key", "credit_key", "first_touch", "heuristic_credit",
        "journeys", "last_non_direct", "last_touch", "linear", "markov_attribution",
        "markov_from_transitions", "null_journeys", "ordered_shapley", "path_counts",
        "path_length_distribution", "position_based", "roi_by_model", "shapley_attribution",
        "shapley_from_value_function", "small_sample_warnings", "time_decay",
        "time_lag_distribution", "top_paths", "touchpoints", "transitions", "without_direct",
    ],
    "socialroi.errors": [
        "ConfigError", "EngineError", "ImportProblem", "ImportRejected", "SchemaVersionError",
        "SocialRoiError", "WorkspaceNotFound",
    ],
    "socialroi.aggregates": [
        "DAILY_COLUMNS", "DAILY_SOURCES", "SESSION_SOURCES", "Refreshed", "after_load",
        "daily_facts", "overview", "rebuild", "refresh",
    ],
    "socialroi.engine": [
        "DEFAULT_DB", "DuckDBEngine", "Engine", "Tables", "Workspace", "applied_version",
        "connect", "default_db", "memtable", "migrate", "migrations",
    ],
    "socialroi.schema": [
        "ENTITIES", "IMPORT_ORDER", "MONEY_COLUMNS", "NETWORK_ALIASES", "NETWORKS",
        "SOCIAL_NETWORKS", "Column", "ColumnType", "Entity", "entity",
    ],
    "socialroi.visits": [
        "CHANNELS", "MASTODON_INSTANCES", "SESSION_COLUMNS", "SOURCE_KEY",
        "default_channel_group", "events_with_sessions", "host_of", "network_from_referrer",
        "network_from_source", "sessions",
    ],
    "socialroi.ingest.presets": [
        "JsonPreset", "PRESETS", "Preset", "TablePreset", "detect", "get_preset",
    ],
    "socialroi.tracking": [
        "CLICK_PARAM", "DEDUP_WINDOW", "DailySalt", "EventContext", "Goal", "Link",
        "RequestRejected", "Spool", "SpoolFull", "SpoolUnavailable", "UnsafeURL", "Writer",
        "add_goal", "add_origin", "bot_name", "bulk_create", "check_target", "count_links",
        "counters", "create_link", "goals", "is_spam_referrer", "link_by_code", "link_counts",
        "list_links", "merge_query", "open_database", "origins", "parse_events", "qr_code",
        "redirect_location", "remove_origin", "set_utm_template", "utm_templates",
    ],
    "socialroi.web": ["AppState", "Settings", "create_app", "state"],
    "socialroi.export": [
        "EXPORT_FORMATS", "FORMULA_PREFIXES", "Column", "ExportTable", "Kind", "neutralise",
        "safe_cell", "table_csv", "write_csv", "write_json", "write_xlsx",
    ],
    "socialroi.report": [
        "COMPARE", "DEFINITIONS", "PAPER_SIZES", "SECTIONS", "Figure", "LocalOnlyFetcher",
        "RenderedReport", "ReportData", "Section", "SectionContent", "collect", "compare_period",
        "headline", "register_section", "render_html", "render_report", "render_sections",
        "render_summary_html", "write_pdf", "write_report", "write_summary_html",
    ],
    "socialroi.summary": ["SECTIONS", "summary"],
}  # fmt: skip


@pytest.mark.parametrize("module", sorted(EXPORTED))
def test_exported_members(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == sorted(EXPORTED[module])
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


if __name__ == "__main__":
    CLI_DOC.write_text(cli_reference(), encoding="utf-8")
    sys.stdout.write(f"wrote {CLI_DOC}\n")
