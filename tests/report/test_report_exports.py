"""Exports of the report: every table and every metric, hostile text neutralised."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from hostile import DATE_FROM, DATE_TO, FORMULA, POST_TEXT, UTM_CAMPAIGN, WS, Built
from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.export import FORMULA_PREFIXES, write_csv, write_json


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def test_every_table_of_the_report_is_exported(built: Built) -> None:
    names = [t.name for t in built.report.tables]
    assert len(names) == len(set(names))
    assert {"by_network", "totals", "by_channel", "campaigns", "attribution", "assisted",
            "top_paths", "response", "opportunities", "deals_after_social", "engagement",
            "top_posts", "share_of_voice", "top_mentions", "clv", "forecast", "goals",
            "metrics"} == set(names)  # fmt: skip
    metrics = {r["metric"]: r["value"] for r in built.report.tables[-1].rows}
    summary = built.report.data.summary
    assert metrics["social.revenue"] == summary["social"]["revenue"]
    assert metrics["totals.customers"] == summary["totals"]["customers"]
    linkedin = next(r for r in summary["by_network"] if r["network"] == "linkedin")
    assert metrics["by_network.linkedin.roi"] == linkedin["roi"]
    linear = summary["attribution"]["models"]["linear"]
    assert linear
    for key, credit in linear.items():
        assert metrics[f"attribution.models.linear.{key}"] == credit


def test_csv_cells_are_neutralised(built: Built, tmp_path: Path) -> None:
    paths = write_csv(built.report.tables, tmp_path)
    assert {p.stem for p in paths} == {t.name for t in built.report.tables}
    seen = set()
    for path in paths:
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    if _formula_like(cell):
                        float(cell)  # only a plain number may start with "-"
                    seen.add(cell)
    assert "'" + POST_TEXT in seen  # post text
    assert "'" + UTM_CAMPAIGN in seen  # UTM campaign of tracked links
    assert any(c.startswith("'@SUM(1+1) <script>") for c in seen)  # mention text


def test_xlsx_export_cli(built: Built, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(
        app,
        ["export", "--db", str(built.db), "-w", WS, "--from", str(DATE_FROM), "--to",
         str(DATE_TO), "--format", "xlsx", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert set(book.sheetnames) == {t.name for t in built.report.tables}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                assert not _formula_like(cell.value), (sheet.title, cell.coordinate, cell.value)
    posts = book["top_posts"]
    header = [c.value for c in posts[1]]
    text = header.index("Post")
    assert posts.cell(2, text + 1).value == "'" + POST_TEXT
    revenue = book["by_network"]
    col = [c.value for c in revenue[1]].index("Revenue") + 1
    assert isinstance(revenue.cell(2, col).value, int | float)  # a number cell, not text
    assert revenue.cell(2, col).number_format == '#,##0.00 "EUR"'


def test_json_export_holds_summary_and_tables(built: Built, tmp_path: Path) -> None:
    path = write_json(
        built.report.tables, tmp_path / "r.json", extra={"summary": built.report.data.summary}
    )
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["summary"]["social"] == built.report.data.summary["social"]
    assert doc["tables"]["top_posts"]["rows"][0]["text"].startswith(FORMULA)


def test_export_rejects_an_unknown_format(built: Built, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["export", "--db", str(built.db), "--format", "ods", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "ods" in result.output
